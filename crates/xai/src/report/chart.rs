//! Chart geometry shared by the SVG (HTML) and PDF renderers: shapes in points, y down, with
//! every label measured (Helvetica widths) and kept inside its box.

use super::model::{ForecastChart, Waterfall};
use crate::format::{number, signed, with_unit};

/// An RGB colour.
pub(crate) type Rgb = (u8, u8, u8);

/// Text alignment relative to its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

/// One drawing primitive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Line { points: Vec<(f64, f64)>, colour: Rgb, width: f64, dashed: bool },
    Area { points: Vec<(f64, f64)>, colour: Rgb, opacity: f64 },
    Rect { x: f64, y: f64, w: f64, h: f64, colour: Rgb },
    Dot { x: f64, y: f64, r: f64, colour: Rgb },
    Text { x: f64, y: f64, text: String, size: f64, anchor: Anchor, colour: Rgb, bold: bool },
}

/// A chart: its size in points and its shapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) shapes: Vec<Shape>,
}

pub(crate) const GREY: Rgb = (107, 114, 128);
const LIGHT: Rgb = (229, 231, 235);
const GREEN: Rgb = (22, 128, 61);
const RED: Rgb = (190, 18, 60);
const FONT: f64 = 9.0;

/// `#RRGGBB` as RGB (a malformed colour falls back to dark grey).
pub(crate) fn parse_colour(hex: &str) -> Rgb {
    let h = hex.trim_start_matches('#');
    let part = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok());
    match (h.len(), part(0), part(2), part(4)) {
        (6, Some(r), Some(g), Some(b)) => (r, g, b),
        _ => (31, 41, 55),
    }
}

/// Width of `s` in Helvetica at `size` points (AFM widths per 1000 em, grouped).
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 222.0,
            ' ' | 'f' | 't' | 'I' | '(' | ')' | '[' | ']' | '/' | '-' => 300.0,
            'r' => 333.0,
            '0'..='9'
            | '+'
            | '$'
            | '#'
            | '_'
            | 'a'
            | 'b'
            | 'c'
            | 'd'
            | 'e'
            | 'g'
            | 'h'
            | 'k'
            | 'n'
            | 'o'
            | 'p'
            | 'q'
            | 's'
            | 'u'
            | 'v'
            | 'x'
            | 'y'
            | 'z' => 556.0,
            'm' | 'M' | 'W' | '%' => 889.0,
            'w' => 722.0,
            c if c.is_ascii_uppercase() => 690.0,
            _ => 600.0,
        })
        .sum();
    em * size / 1000.0
}

/// `s` cut with an ellipsis to fit `max` points at `size`.
pub(crate) fn fit(s: &str, size: f64, max: f64) -> String {
    if text_width(s, size) <= max {
        return s.to_string();
    }
    let mut out: String = s.to_string();
    while !out.is_empty() && text_width(&format!("{out}…"), size) > max {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

/// About five round tick values covering `[lo, hi]`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    (0..=((hi - start) / step).ceil() as usize).map(|k| start + k as f64 * step).collect()
}

fn text(x: f64, y: f64, s: impl Into<String>, anchor: Anchor, colour: Rgb) -> Shape {
    Shape::Text { x, y, text: s.into(), size: FONT, anchor, colour, bold: false }
}

/// The forecast chart: interval band, forecast line, actuals with dots, axes, legend.
pub(crate) fn forecast_chart(c: &ForecastChart, width: f64, accent: Rgb, primary: Rgb) -> Chart {
    let height = 220.0;
    let values: Vec<f64> = c.points.iter().flat_map(|p| [p.actual, p.forecast, p.lower, p.upper]).flatten().collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(lo + 1.0);
    let t = ticks(lo, hi);
    let (y0, y1) = (t[0], *t.last().unwrap_or(&hi));
    let label_w = t.iter().map(|v| text_width(&number(*v), FONT)).fold(0.0, f64::max);
    // Period labels are centred under their points: keep half the widest inside the chart.
    let widest = c.points.iter().map(|p| text_width(&p.period, FONT)).fold(0.0, f64::max);
    let (left, right, top, bottom) =
        ((label_w + 22.0).max(widest / 2.0 + 2.0), width - 10.0 - widest / 2.0, 26.0, height - 34.0);
    let n = c.points.len().max(1);
    let x_of = |i: usize| if n == 1 { (left + right) / 2.0 } else { left + (right - left) * i as f64 / (n - 1) as f64 };
    let y_of = |v: f64| bottom - (bottom - top) * (v - y0) / (y1 - y0).max(1e-9);
    let mut s = Vec::new();
    for v in &t {
        let y = y_of(*v);
        s.push(Shape::Line { points: vec![(left, y), (right, y)], colour: LIGHT, width: 0.5, dashed: false });
        s.push(text(left - 4.0, y + 3.0, number(*v), Anchor::End, GREY));
    }
    s.push(Shape::Text {
        x: 2.0,
        y: top - 12.0,
        text: fit(&format!("{} ({})", c.unit, "per period"), FONT, width / 2.0),
        size: FONT,
        anchor: Anchor::Start,
        colour: GREY,
        bold: false,
    });
    let band: Vec<(usize, f64, f64)> =
        c.points.iter().enumerate().filter_map(|(i, p)| Some((i, p.lower?, p.upper?))).collect();
    if band.len() >= 2 {
        let mut poly: Vec<(f64, f64)> = band.iter().map(|(i, _, u)| (x_of(*i), y_of(*u))).collect();
        poly.extend(band.iter().rev().map(|(i, l, _)| (x_of(*i), y_of(*l))));
        s.push(Shape::Area { points: poly, colour: accent, opacity: 0.18 });
    }
    let line = |get: &dyn Fn(&super::model::ForecastPoint) -> Option<f64>| -> Vec<(f64, f64)> {
        c.points.iter().enumerate().filter_map(|(i, p)| get(p).map(|v| (x_of(i), y_of(v)))).collect()
    };
    let fc = line(&|p| p.forecast);
    let act = line(&|p| p.actual);
    if fc.len() >= 2 {
        s.push(Shape::Line { points: fc.clone(), colour: accent, width: 2.0, dashed: true });
    }
    if act.len() >= 2 {
        s.push(Shape::Line { points: act.clone(), colour: primary, width: 1.5, dashed: false });
    }
    s.extend(act.iter().map(|&(x, y)| Shape::Dot { x, y, r: 2.0, colour: primary }));
    s.extend(fc.iter().map(|&(x, y)| Shape::Dot { x, y, r: 2.0, colour: accent }));
    // Period labels: every k-th, so that neighbours never touch.
    let gap = if n > 1 { (right - left) / (n - 1) as f64 } else { right - left };
    let every = ((widest + 8.0) / gap.max(1e-9)).ceil().max(1.0) as usize;
    for (i, p) in c.points.iter().enumerate().filter(|(i, _)| i % every == 0) {
        s.push(text(x_of(i), bottom + 13.0, p.period.clone(), Anchor::Middle, GREY));
    }
    // The band's swatch in the band's colour: the accent over white at the band's opacity.
    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * 0.18).round() as u8;
    let band_colour = (mix(accent.0), mix(accent.1), mix(accent.2));
    let legend = [
        ("Actual", primary),
        ("Forecast", accent),
        (&*format!("{}% interval", number(100.0 * c.interval_level)), band_colour),
    ];
    let mut x = left;
    for (label, colour) in legend {
        s.push(Shape::Rect { x, y: height - 12.0, w: 10.0, h: 6.0, colour });
        s.push(text(x + 14.0, height - 6.5, label, Anchor::Start, GREY));
        x += 24.0 + text_width(label, FONT);
    }
    Chart { width, height, shapes: s }
}

/// A horizontal waterfall: the base, each driver as a floating bar, the total.
pub(crate) fn waterfall(w: &Waterfall, width: f64, primary: Rgb) -> Chart {
    let row = 20.0;
    let rows = w.drivers.len() + 2;
    let height = rows as f64 * row + 24.0;
    let label_w = (width * 0.34).min(200.0);
    let value_w = 84.0;
    let (left, right) = (label_w + 8.0, width - value_w);
    let mut running = vec![0.0, w.base];
    let mut acc = w.base;
    for d in &w.drivers {
        acc += d.value;
        running.push(acc);
    }
    let lo = running.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = running.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = (hi - lo).max(1e-9);
    let x_of = |v: f64| left + (right - left) * (v - lo) / span;
    let mut s = Vec::new();
    let mut bar = |i: usize, label: &str, from: f64, to: f64, colour: Rgb, value: String, bold: bool| {
        let y = 4.0 + i as f64 * row;
        let (a, b) = (x_of(from.min(to)), x_of(from.max(to)));
        s.push(Shape::Text {
            x: label_w,
            y: y + 12.0,
            text: fit(label, FONT, label_w - 4.0),
            size: FONT,
            anchor: Anchor::End,
            colour: (55, 65, 81),
            bold,
        });
        s.push(Shape::Rect { x: a, y: y + 3.0, w: (b - a).max(1.0), h: row - 7.0, colour });
        s.push(Shape::Text {
            x: right + 6.0,
            y: y + 12.0,
            text: value,
            size: FONT,
            anchor: Anchor::Start,
            colour: GREY,
            bold,
        });
    };
    bar(0, &w.base_label, 0.0, w.base, (156, 163, 175), with_unit(w.base, &w.unit), false);
    let mut acc = w.base;
    for (i, d) in w.drivers.iter().enumerate() {
        let colour = if d.value >= 0.0 { GREEN } else { RED };
        bar(i + 1, &d.label, acc, acc + d.value, colour, format!("{} {}", signed(d.value), w.unit), false);
        acc += d.value;
    }
    bar(rows - 1, &w.total_label, 0.0, acc, primary, with_unit(acc, &w.unit), true);
    let axis_y = rows as f64 * row + 6.0;
    s.push(Shape::Line {
        points: vec![(x_of(0.0_f64.clamp(lo, hi)), 2.0), (x_of(0.0_f64.clamp(lo, hi)), axis_y)],
        colour: LIGHT,
        width: 0.5,
        dashed: false,
    });
    s.push(text(left, axis_y + 12.0, format!("{} ({})", number(lo), w.unit), Anchor::Start, GREY));
    s.push(text(right, axis_y + 12.0, format!("{} ({})", number(hi), w.unit), Anchor::End, GREY));
    Chart { width, height, shapes: s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_and_ticks_cover_the_range() {
        assert!(text_width("Promotion on Saturday", 9.0) > 80.0);
        let cut = fit("A very long driver label that cannot fit", 9.0, 60.0);
        assert!(cut.ends_with('…') && text_width(&cut, 9.0) <= 60.0);
        let t = ticks(3.2, 47.0);
        assert!(t[0] <= 3.2 && *t.last().unwrap() >= 47.0 && t.len() <= 7);
        assert_eq!(parse_colour("#2563EB"), (37, 99, 235));
    }
}
