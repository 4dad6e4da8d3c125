//! A self-contained HTML report: inline CSS, inline SVG charts, the logo as a data URI (so a
//! tenant's SVG can never run script in the page), no external request.

use super::chart::{self, parse_colour};
use super::model::{CounterfactualTable, ImportanceTable, Report};
use super::svg::to_svg;
use crate::format::{money, number, signed, with_unit};
use std::fmt::Write;

/// Escape text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(T[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Chart width in CSS pixels (the page is 760 wide).
const WIDTH: f64 = 700.0;

/// Render the report as one HTML document.
pub fn to_html(r: &Report) -> String {
    let b = &r.branding;
    let (primary, accent) = (parse_colour(&b.primary_colour), parse_colour(&b.accent_colour));
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title><style>
body{{font-family:Helvetica,Arial,sans-serif;color:#1f2937;margin:0;background:#f9fafb}}
main{{max-width:760px;margin:0 auto;background:#fff;padding:0 30px 30px}}
header{{background:{pc};color:#fff;margin:0 -30px 20px;padding:16px 30px;display:flex;align-items:center;gap:14px}}
header img{{height:36px}} header .name{{font-size:14px;opacity:.9}} h1{{font-size:22px;margin:4px 0 0}}
h2{{font-size:16px;color:{pc};border-bottom:2px solid {ac};padding-bottom:4px;margin-top:26px}}
table{{border-collapse:collapse;width:100%;font-size:13px}} th,td{{padding:5px 8px;border-bottom:1px solid #e5e7eb;text-align:right}}
th:first-child,td:first-child,th.text,td.text{{text-align:left}} th{{background:#f3f4f6}} li{{margin:4px 0}} ul.notes,p.note{{font-size:12px;color:#4b5563}} footer{{color:#6b7280;font-size:12px;margin-top:24px}}
</style></head><body><main><header>"#,
        lang = escape(&b.locale),
        title = escape(&r.title),
        pc = escape(&b.primary_colour),
        ac = escape(&b.accent_colour),
    );
    if let Some(svg) = &b.logo_svg {
        let _ = write!(
            h,
            r#"<img alt="{}" src="data:image/svg+xml;base64,{}">"#,
            escape(&b.display_name),
            base64(svg.as_bytes())
        );
    }
    let _ = write!(
        h,
        r#"<div><div class="name">{}</div><h1>{}</h1></div></header>"#,
        escape(&b.display_name),
        escape(&r.title)
    );
    if !r.summary.is_empty() {
        h.push_str("<h2>Summary</h2><ul>");
        for s in &r.summary {
            let _ = write!(h, "<li>{}</li>", escape(s));
        }
        h.push_str("</ul>");
    }
    if let Some(f) = &r.forecast {
        let _ = write!(h, "<h2>{}</h2>", escape(&f.title));
        h.push_str(&to_svg(&chart::forecast_chart(f, WIDTH, accent, primary), &f.title));
    }
    if let Some(w) = &r.drivers {
        let _ = write!(h, "<h2>{}</h2>", escape(&w.title));
        h.push_str(&to_svg(&chart::waterfall(w, WIDTH, primary), &w.title));
    }
    if let Some(t) = &r.segments {
        let _ = write!(
            h,
            "<h2>{}</h2><table><tr><th>Segment</th><th>Actual ({u})</th><th>Forecast ({u})</th><th>WAPE</th><th>Bias</th><th class=\"text\">Main driver</th></tr>",
            escape(&t.title),
            u = escape(&t.unit)
        );
        for row in &t.rows {
            let bias = signed(100.0 * row.bias);
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{bias}%</td><td class="text">{}</td></tr>"#,
                escape(&row.segment),
                number(row.actual),
                number(row.forecast),
                with_unit(100.0 * row.wape, "%"),
                escape(row.main_driver.as_deref().unwrap_or("–"))
            );
        }
        h.push_str("</table>");
    }
    if !r.rules.is_empty() {
        h.push_str("<h2>Where the forecast is weak</h2><ul>");
        for s in &r.rules {
            let _ = write!(h, "<li>{}</li>", escape(s));
        }
        h.push_str("</ul>");
    }
    if let Some(t) = &r.counterfactuals {
        counterfactual_section(&mut h, t);
    }
    if let Some(t) = &r.importance {
        importance_section(&mut h, t);
    }
    let _ = write!(
        h,
        "<footer>{} · generated {}</footer></main></body></html>",
        escape(&b.display_name),
        escape(&r.generated_at)
    );
    h
}

/// An optional amount of money, or a dash.
fn money_or_dash(v: Option<f64>, currency: &str) -> String {
    v.map_or_else(|| "–".into(), |v| money(v, currency))
}

fn counterfactual_section(h: &mut String, t: &CounterfactualTable) {
    let _ = write!(h, "<h2>{}</h2>", escape(&t.title));
    let _ = write!(
        h,
        "<p>As planned: {}; the question asks for at least {}.</p>",
        with_unit(t.baseline, &t.unit),
        with_unit(t.target, &t.unit)
    );
    if !t.notes.is_empty() {
        h.push_str("<ul class=\"notes\">");
        for n in &t.notes {
            let _ = write!(h, "<li>{}</li>", escape(n));
        }
        h.push_str("</ul>");
    }
    let _ = write!(
        h,
        "<table><tr><th>Change to the plan</th><th>Forecast ({u})</th><th>Change</th><th>Revenue ({c})</th><th>Margin ({c})</th></tr>",
        u = escape(&t.unit),
        c = escape(&t.currency)
    );
    let _ = write!(
        h,
        "<tr><td>As planned</td><td>{}</td><td>–</td><td>{}</td><td>{}</td></tr>",
        number(t.baseline),
        money_or_dash(t.baseline_revenue, &t.currency),
        money_or_dash(t.baseline_margin, &t.currency)
    );
    for row in &t.rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}%</td><td>{}</td><td>{}</td></tr>",
            escape(&row.change),
            number(row.units),
            signed(row.change_pct),
            money_or_dash(row.revenue, &t.currency),
            money_or_dash(row.margin, &t.currency)
        );
    }
    if t.rows.is_empty() {
        h.push_str("<tr><td colspan=\"5\">No change within the levers and constraints reaches the target.</td></tr>");
    }
    h.push_str("</table>");
}

fn importance_section(h: &mut String, t: &ImportanceTable) {
    let _ = write!(
        h,
        "<h2>{}</h2><table><tr><th>Feature</th><th>Mean |SHAP| ({u})</th><th>Gain share</th><th>Splits</th><th>Permutation ({u})</th></tr>",
        escape(&t.title),
        u = escape(&t.unit)
    );
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    for row in &t.rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.feature),
            or_dash(row.mean_abs_shap.map(number)),
            or_dash(row.gain_share.map(|g| with_unit(100.0 * g, "%"))),
            number(row.splits),
            or_dash(row.permutation.map(signed)),
        );
    }
    let _ = write!(
        h,
        "</table><p class=\"note\">Mean |SHAP|: the feature's average contribution to one forecast, either sign. Permutation: {}.</p>",
        escape(&t.permutation_metric)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_escaping() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(escape("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    }
}
