//! Charts as inline SVG.

use super::chart::{Anchor, Chart, Rgb, Shape};
use super::html::escape;
use std::fmt::Write;

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn points(p: &[(f64, f64)]) -> String {
    p.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ")
}

/// The chart as an `<svg>` element (Helvetica, as measured by the layout).
pub(crate) fn to_svg(c: &Chart, label: &str) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" font-family="Helvetica, Arial, sans-serif">"#,
        w = c.width,
        h = c.height,
        label = escape(label)
    );
    for s in &c.shapes {
        // Writing to a String cannot fail.
        let _ = match s {
            Shape::Line { points: p, colour, width, dashed } => write!(
                out,
                r#"<polyline fill="none" stroke="{}" stroke-width="{width}"{} points="{}"/>"#,
                hex(*colour),
                if *dashed { r#" stroke-dasharray="5 3""# } else { "" },
                points(p)
            ),
            Shape::Area { points: p, colour, opacity } => {
                write!(out, r#"<polygon fill="{}" fill-opacity="{opacity}" points="{}"/>"#, hex(*colour), points(p))
            }
            Shape::Rect { x, y, w, h, colour } => {
                write!(out, r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}"/>"#, hex(*colour))
            }
            Shape::Dot { x, y, r, colour } => {
                write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{}"/>"#, hex(*colour))
            }
            Shape::Text { x, y, text, size, anchor, colour, bold } => write!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{}" fill="{}"{}>{}</text>"#,
                match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                },
                hex(*colour),
                if *bold { r#" font-weight="bold""# } else { "" },
                escape(text)
            ),
        };
    }
    out.push_str("</svg>");
    out
}
