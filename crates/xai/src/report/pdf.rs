//! The report as an A4 PDF (printpdf, built-in Helvetica), drawing the same chart geometry as
//! the HTML form. Content flows onto further pages rather than being cut: a chart, a table row
//! or a line of text never straddles a page break.

use super::chart::{self, Anchor, Chart, Rgb, Shape, fit, parse_colour, text_width};
use super::logo::logo_shapes;
use super::model::{CounterfactualTable, ImportanceTable, Report};
use crate::format::{money, number, signed, with_unit};
use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point,
    Polygon, PolygonRing, Pt, TextItem, WindingOrder,
};

const PAGE_W: f64 = 595.0;
const PAGE_H: f64 = 842.0;
const MARGIN: f64 = 40.0;

fn colour((r, g, b): Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: f32::from(r) / 255.0,
        g: f32::from(g) / 255.0,
        b: f32::from(b) / 255.0,
        icc_profile: None,
    })
}

/// Lowest `y` that content may reach (the footer sits below it).
const BOTTOM: f64 = PAGE_H - 48.0;

/// Page builder: `y` grows downwards from the top margin, like the chart geometry.
struct Page {
    /// Finished pages.
    done: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f64,
}

impl Page {
    /// Start a new page unless `height` more points fit on this one.
    fn room(&mut self, height: f64) {
        if self.y + height > BOTTOM {
            self.done.push(std::mem::take(&mut self.ops));
            self.y = MARGIN;
        }
    }

    fn pt(x: f64, y: f64) -> Point {
        Point { x: Pt(x as f32), y: Pt((PAGE_H - y) as f32) }
    }

    fn text(&mut self, x: f64, y: f64, s: &str, size: f64, bold: bool, c: Rgb) {
        let font = if bold { BuiltinFont::HelveticaBold } else { BuiltinFont::Helvetica };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: colour(c) },
            Op::SetFont { font: PdfFontHandle::Builtin(font), size: Pt(size as f32) },
            Op::SetTextCursor { pos: Self::pt(x, y) },
            Op::ShowText { items: vec![TextItem::Text(s.to_string())] },
            Op::EndTextSection,
        ]);
    }

    fn polygon(&mut self, pts: &[(f64, f64)], c: Rgb) {
        let points = pts.iter().map(|&(x, y)| LinePoint { p: Self::pt(x, y), bezier: false }).collect();
        self.ops.push(Op::SetFillColor { col: colour(c) });
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
    }

    fn line(&mut self, pts: &[(f64, f64)], c: Rgb, width: f64) {
        let points = pts.iter().map(|&(x, y)| LinePoint { p: Self::pt(x, y), bezier: false }).collect();
        self.ops.push(Op::SetOutlineColor { col: colour(c) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width as f32) });
        self.ops.push(Op::DrawLine { line: Line { points, is_closed: false } });
    }

    /// Draw a chart with its top-left corner at `(x0, self.y)` and move below it.
    fn chart(&mut self, c: &Chart, x0: f64) {
        self.room(c.height);
        self.shapes(&c.shapes, x0, self.y);
        self.y += c.height + 8.0;
    }

    /// Draw shapes with their origin at `(x0, y0)`.
    fn shapes(&mut self, shapes: &[Shape], x0: f64, y0: f64) {
        for s in shapes {
            match s {
                Shape::Line { points, colour, width, dashed } => {
                    let p: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x0 + x, y0 + y)).collect();
                    if *dashed {
                        for seg in p.windows(2) {
                            dash(self, seg[0], seg[1], *colour, *width);
                        }
                    } else {
                        self.line(&p, *colour, *width);
                    }
                }
                Shape::Area { points, colour, opacity } => {
                    // PDF fill opacity needs a graphics state; blend with white instead (same look on paper).
                    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * opacity).round() as u8;
                    let c = (mix(colour.0), mix(colour.1), mix(colour.2));
                    let p: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x0 + x, y0 + y)).collect();
                    self.polygon(&p, c);
                }
                Shape::Rect { x, y, w, h, colour } => {
                    let (x, y) = (x0 + x, y0 + y);
                    self.polygon(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], *colour);
                }
                Shape::Dot { x, y, r, colour } => {
                    let (x, y) = (x0 + x, y0 + y);
                    self.polygon(&[(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)], *colour);
                }
                Shape::Text { x, y, text, size, anchor, colour, bold } => {
                    let w = text_width(text, *size);
                    let x = x0
                        + match anchor {
                            Anchor::Start => *x,
                            Anchor::Middle => x - w / 2.0,
                            Anchor::End => x - w,
                        };
                    self.text(x, y0 + y, text, *size, *bold, *colour);
                }
            }
        }
    }

    /// A heading, kept on the page with at least `next` points of what follows it.
    fn heading(&mut self, s: &str, c: Rgb, next: f64) {
        self.room(34.0 + next);
        self.y += 24.0;
        self.text(MARGIN, self.y, s, 13.0, true, c);
        self.y += 10.0;
    }

    /// Wrapped paragraph lines of at most `width` points.
    fn paragraph(&mut self, s: &str, size: f64, indent: f64) {
        for line in wrap(s, size, PAGE_W - 2.0 * MARGIN - indent) {
            self.room(size + 3.0);
            self.y += size + 3.0;
            self.text(MARGIN + indent, self.y, &line, size, false, (31, 41, 55));
        }
    }

    /// A table: `header` on every page it reaches, then `rows`. Cells are `(text, x, anchor)`
    /// from the left margin; a `Start` cell wraps within `wrap_width` points, so a row is as tall
    /// as its longest cell and never straddles a page break.
    fn table(&mut self, header: &[(String, f64, Anchor)], rows: &[Vec<(String, f64, Anchor)>], wrap_width: f64) {
        let first = rows.first().map_or(0.0, |r| row_height(r, wrap_width));
        self.room(row_height(header, wrap_width) + first);
        self.row(header, wrap_width, true);
        for r in rows {
            if self.y + row_height(r, wrap_width) > BOTTOM {
                self.room(f64::INFINITY);
                self.row(header, wrap_width, true);
            }
            self.row(r, wrap_width, false);
        }
    }

    fn row(&mut self, cells: &[(String, f64, Anchor)], wrap_width: f64, bold: bool) {
        let lines = cell_lines(cells, wrap_width);
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        self.room(2.0 + ROW_LEAD * n as f64);
        self.y += 2.0;
        for ((_, x, a), cell) in cells.iter().zip(&lines) {
            for (k, line) in cell.iter().enumerate() {
                // Bold Helvetica runs about 8% wider than the regular widths measured.
                let w = text_width(line, ROW_SIZE) * if bold { 1.08 } else { 1.0 };
                let dx = if *a == Anchor::End { x - w } else { *x };
                self.text(MARGIN + dx, self.y + ROW_LEAD * (k + 1) as f64, line, ROW_SIZE, bold, (31, 41, 55));
            }
        }
        self.y += ROW_LEAD * n as f64;
        self.line(&[(MARGIN, self.y + 3.0), (PAGE_W - MARGIN, self.y + 3.0)], (229, 231, 235), 0.5);
    }
}

/// Font size and line height of table rows.
const ROW_SIZE: f64 = 8.5;
const ROW_LEAD: f64 = 11.0;

fn cell_lines(cells: &[(String, f64, Anchor)], wrap_width: f64) -> Vec<Vec<String>> {
    cells
        .iter()
        .map(|(s, _, a)| if *a == Anchor::Start { wrap(s, ROW_SIZE, wrap_width) } else { vec![s.clone()] })
        .collect()
}

fn row_height(cells: &[(String, f64, Anchor)], wrap_width: f64) -> f64 {
    let n = cell_lines(cells, wrap_width).iter().map(Vec::len).max().unwrap_or(1).max(1);
    2.0 + ROW_LEAD * n as f64
}

/// `s` broken into lines of at most `width` points at `size` (a word longer than a line is cut).
fn wrap(s: &str, size: f64, width: f64) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if text_width(&candidate, size) > width && !line.is_empty() {
            out.push(fit(&std::mem::take(&mut line), size, width));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        out.push(fit(&line, size, width));
    }
    out
}

fn money_or_dash(v: Option<f64>, currency: &str) -> String {
    v.map_or_else(|| "–".into(), |v| money(v, currency))
}

fn counterfactual_section(p: &mut Page, t: &CounterfactualTable, colour: Rgb) {
    p.heading(&t.title, colour, 60.0);
    p.paragraph(
        &format!(
            "As planned: {}; the question asks for at least {}.",
            with_unit(t.baseline, &t.unit),
            with_unit(t.target, &t.unit)
        ),
        9.0,
        0.0,
    );
    for n in &t.notes {
        p.paragraph(&format!("• {n}"), 8.5, 0.0);
    }
    let cols = |texts: [String; 5]| -> Vec<(String, f64, Anchor)> {
        let [a, b, c, d, e] = texts;
        vec![
            (a, 0.0, Anchor::Start),
            (b, 330.0, Anchor::End),
            (c, 380.0, Anchor::End),
            (d, 450.0, Anchor::End),
            (e, 515.0, Anchor::End),
        ]
    };
    const CHANGE_W: f64 = 255.0;
    p.y += 4.0;
    let header = cols([
        "Change to the plan".into(),
        format!("Forecast ({})", t.unit),
        "Change".into(),
        format!("Revenue ({})", t.currency),
        format!("Margin ({})", t.currency),
    ]);
    let mut rows = vec![cols([
        "As planned".into(),
        number(t.baseline),
        "–".into(),
        money_or_dash(t.baseline_revenue, &t.currency),
        money_or_dash(t.baseline_margin, &t.currency),
    ])];
    rows.extend(t.rows.iter().map(|r| {
        cols([
            r.change.clone(),
            number(r.units),
            format!("{}%", signed(r.change_pct)),
            money_or_dash(r.revenue, &t.currency),
            money_or_dash(r.margin, &t.currency),
        ])
    }));
    p.table(&header, &rows, CHANGE_W);
    if t.rows.is_empty() {
        p.paragraph("No change within the levers and constraints reaches the target.", 8.5, 0.0);
    }
    p.y += 6.0;
}

fn importance_section(p: &mut Page, t: &ImportanceTable, colour: Rgb) {
    p.heading(&t.title, colour, 40.0);
    let cols = |texts: [String; 5]| -> Vec<(String, f64, Anchor)> {
        let [a, b, c, d, e] = texts;
        vec![
            (a, 0.0, Anchor::Start),
            (b, 300.0, Anchor::End),
            (c, 360.0, Anchor::End),
            (d, 410.0, Anchor::End),
            (e, 515.0, Anchor::End),
        ]
    };
    const FEATURE_W: f64 = 210.0;
    let header = cols([
        "Feature".into(),
        format!("Mean |SHAP| ({})", t.unit),
        "Gain share".into(),
        "Splits".into(),
        format!("Permutation ({})", t.unit),
    ]);
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    let rows: Vec<_> = t
        .rows
        .iter()
        .map(|r| {
            cols([
                r.feature.clone(),
                or_dash(r.mean_abs_shap.map(number)),
                or_dash(r.gain_share.map(|g| with_unit(100.0 * g, "%"))),
                number(r.splits),
                or_dash(r.permutation.map(signed)),
            ])
        })
        .collect();
    p.table(&header, &rows, FEATURE_W);
    p.y += 4.0;
    p.paragraph(
        &format!(
            "Mean |SHAP|: the feature's average contribution to one forecast, either sign. Permutation: {}.",
            t.permutation_metric
        ),
        8.0,
        0.0,
    );
}

fn dash(p: &mut Page, a: (f64, f64), b: (f64, f64), c: Rgb, width: f64) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let n = (len / 8.0).ceil().max(1.0) as usize;
    for k in 0..n {
        let (t0, t1) = (k as f64 / n as f64, (k as f64 + 0.6) / n as f64);
        let at = |t: f64| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        p.line(&[at(t0), at(t1)], c, width);
    }
}

/// Render the report as PDF bytes.
pub fn to_pdf(r: &Report) -> Vec<u8> {
    let b = &r.branding;
    let (primary, accent) = (parse_colour(&b.primary_colour), parse_colour(&b.accent_colour));
    let mut p = Page { done: Vec::new(), ops: Vec::new(), y: 0.0 };
    p.polygon(&[(0.0, 0.0), (PAGE_W, 0.0), (PAGE_W, 70.0), (0.0, 70.0)], primary);
    // The logo as vectors, 36 points high as in the HTML header; the text moves right of it.
    let logo = b.logo_svg.as_deref().map(|svg| logo_shapes(svg, 36.0)).unwrap_or_default();
    let text_x = if logo.is_empty() { MARGIN } else { MARGIN + 36.0 + 12.0 };
    p.shapes(&logo, MARGIN, 17.0);
    p.text(text_x, 28.0, &fit(&b.display_name, 10.0, PAGE_W - MARGIN - text_x), 10.0, false, (255, 255, 255));
    p.text(text_x, 52.0, &fit(&r.title, 17.0, PAGE_W - MARGIN - text_x), 17.0, true, (255, 255, 255));
    p.y = 80.0;
    let width = PAGE_W - 2.0 * MARGIN;
    if !r.summary.is_empty() {
        p.heading("Summary", primary, 30.0);
        for s in &r.summary {
            p.paragraph(&format!("• {s}"), 9.5, 0.0);
        }
    }
    if let Some(f) = &r.forecast {
        let c = chart::forecast_chart(f, width, accent, primary);
        p.heading(&f.title, primary, c.height);
        p.chart(&c, MARGIN);
    }
    if let Some(w) = &r.drivers {
        let c = chart::waterfall(w, width, primary);
        p.heading(&w.title, primary, c.height);
        p.chart(&c, MARGIN);
    }
    if let Some(t) = &r.segments {
        p.heading(&t.title, primary, 12.0 + 13.0 * t.rows.len().min(3) as f64);
        let cols = [
            ("Segment".to_string(), 0.0, Anchor::Start),
            (format!("Actual ({})", t.unit), 190.0, Anchor::End),
            (format!("Forecast ({})", t.unit), 280.0, Anchor::End),
            ("WAPE".to_string(), 330.0, Anchor::End),
            ("Bias".to_string(), 380.0, Anchor::End),
            ("Main driver".to_string(), 392.0, Anchor::Start),
        ];
        let cell = |p: &mut Page, s: &str, x: f64, a: Anchor, bold: bool| {
            let s =
                if a == Anchor::Start { fit(s, 8.5, if x == 0.0 { 110.0 } else { width - x }) } else { s.to_string() };
            let dx = if a == Anchor::End { x - text_width(&s, 8.5) } else { x };
            p.text(MARGIN + dx, p.y, &s, 8.5, bold, (31, 41, 55));
        };
        p.y += 12.0;
        for (name, x, a) in &cols {
            cell(&mut p, name, *x, *a, true);
        }
        for row in &t.rows {
            p.room(13.0);
            p.y += 13.0;
            let values = [
                row.segment.clone(),
                number(row.actual),
                number(row.forecast),
                with_unit(100.0 * row.wape, "%"),
                format!("{}%", signed(100.0 * row.bias)),
                row.main_driver.clone().unwrap_or_else(|| "–".into()),
            ];
            for (v, (_, x, a)) in values.iter().zip(&cols) {
                cell(&mut p, v, *x, *a, false);
            }
        }
        p.y += 6.0;
    }
    if !r.rules.is_empty() {
        p.heading("Where the forecast is weak", primary, 24.0);
        for s in &r.rules {
            p.paragraph(&format!("• {s}"), 9.0, 0.0);
        }
    }
    if let Some(t) = &r.counterfactuals {
        counterfactual_section(&mut p, t, primary);
    }
    if let Some(t) = &r.importance {
        importance_section(&mut p, t, primary);
    }
    let mut all = p.done;
    all.push(p.ops);
    let n = all.len();
    let pages = all
        .into_iter()
        .enumerate()
        .map(|(i, ops)| {
            let mut page = Page { done: Vec::new(), ops, y: 0.0 };
            let footer = format!("{} · generated {} · page {} of {n}", b.display_name, r.generated_at, i + 1);
            page.text(MARGIN, PAGE_H - 24.0, &footer, 8.0, false, chart::GREY);
            PdfPage::new(Mm((PAGE_W * 25.4 / 72.0) as f32), Mm((PAGE_H * 25.4 / 72.0) as f32), page.ops)
        })
        .collect();
    PdfDocument::new(&r.title).with_pages(pages).save(&PdfSaveOptions::default(), &mut Vec::new())
}
