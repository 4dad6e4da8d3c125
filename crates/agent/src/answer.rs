//! Answers in words: one template per canonical result schema, with numbers and units,
//! the tools' own narratives where they give one, and every failure said plainly.

use crate::executor::{StepStatus, Trace};
use serde::Serialize;
use serde_json::{Value, json};

/// The answer to a question: text for a person and the results for a program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// Plain language, one paragraph per step.
    pub text: String,
    /// `[{"step", "tool", "status", "result", "error"}]` in step order.
    pub results: Value,
}

impl Answer {
    /// Build the answer of a run from its trace.
    pub fn from_trace(trace: &Trace) -> Self {
        let mut lines = Vec::new();
        let mut results = Vec::new();
        for e in &trace.entries {
            let line = match e.status {
                StepStatus::Succeeded => e.summary.clone(),
                StepStatus::Failed => format!("{} failed: {}", e.tool, e.error.as_deref().unwrap_or("unknown error")),
                StepStatus::Skipped => format!(
                    "{} was not run because a step it needs did not succeed ({}).",
                    e.tool,
                    e.summary.trim_start_matches("not run: ")
                ),
                StepStatus::Denied => format!(
                    "{} on {} was refused: {}",
                    e.tool,
                    crate::executor_target(&e.args),
                    e.error.as_deref().unwrap_or("")
                ),
                StepStatus::Unconfirmed => format!(
                    "{} on {} changes state and needs your confirmation; nothing was changed.",
                    e.tool,
                    crate::executor_target(&e.args)
                ),
            };
            lines.push(line);
            results.push(
                json!({"step": e.step, "tool": e.tool, "status": e.status, "result": e.result, "error": e.error}),
            );
        }
        Self { text: lines.join("\n"), results: Value::Array(results) }
    }
}

/// A number for people: thousands separated, at most one decimal (two below 10).
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let decimals = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = frac.trim_end_matches('0');
    let sign = if x < 0.0 && s.chars().any(|c| c != '0' && c != '.') { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}

fn pct(x: f64) -> String {
    let sign = if x > 0.0 { "+" } else { "" };
    format!("{sign}{} %", format_number(x))
}

fn num(r: &Value, key: &str) -> Option<f64> {
    r.get(key).and_then(Value::as_f64)
}

fn text<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    r.get(key).and_then(Value::as_str)
}

fn scope(r: &Value) -> String {
    match (text(r, "store"), text(r, "item")) {
        (Some(s), Some(i)) => format!("{i} at {s}"),
        (Some(s), None) => format!("all items at {s}"),
        (None, Some(i)) => format!("{i} in all stores"),
        (None, None) => "all stores and items".into(),
    }
}

fn period(p: Option<&Value>) -> String {
    match p.map(|p| (text(p, "from"), text(p, "to"))) {
        Some((Some(f), Some(t))) if f == t => format!("on {f}"),
        Some((Some(f), Some(t))) => format!("from {f} to {t}"),
        _ => "in the period".into(),
    }
}

fn drivers(r: &Value, unit: &str) -> String {
    let list: Vec<String> = r
        .get("drivers")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .take(3)
                .filter_map(|x| {
                    Some(format!(
                        "{} ({}{} {unit})",
                        text(x, "feature")?,
                        if num(x, "contribution")? > 0.0 { "+" } else { "" },
                        format_number(num(x, "contribution")?)
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() { String::new() } else { format!("; main drivers: {}", list.join(", ")) }
}

fn with_narrative(line: String, r: &Value) -> String {
    match text(r, "narrative").filter(|n| !n.is_empty()) {
        Some(n) => format!("{line} {n}"),
        None => line,
    }
}

/// One line in words for a tool's validated result (canonical templates; other tools get
/// their result as compact JSON).
pub fn summarize(tool: &str, args: &Value, r: &Value) -> String {
    let unit = text(r, "unit").unwrap_or("units");
    let f = |k: &str| num(r, k).map(format_number).unwrap_or_else(|| "?".into());
    match tool {
        "forecast" => {
            let interval = match (num(r, "lower"), num(r, "upper")) {
                (Some(l), Some(u)) => format!(
                    " ({} to {}{})",
                    format_number(l),
                    format_number(u),
                    num(r, "level").map(|x| format!(", {} % interval", format_number(100.0 * x))).unwrap_or_default()
                ),
                _ => String::new(),
            };
            let model = text(r, "model").map(|m| format!(" [{m}]")).unwrap_or_default();
            format!(
                "Forecast for {} from {} to {}: {} {unit} in total{interval}{model}.",
                scope(r),
                text(r, "from").unwrap_or("?"),
                text(r, "to").unwrap_or("?"),
                f("total")
            )
        }
        "backtest" => {
            let mut extra = Vec::new();
            if let Some(m) = num(r, "mase") {
                extra.push(format!("MASE {}", format_number(m)));
            }
            if let Some(b) = num(r, "bias") {
                extra.push(format!("bias {}", format_number(b)));
            }
            if let Some(c) = num(r, "coverage") {
                extra.push(format!("interval coverage {} %", format_number(100.0 * c)));
            }
            let extra = if extra.is_empty() { String::new() } else { format!(", {}", extra.join(", ")) };
            format!(
                "Backtest of {} for {} over {} folds at a horizon of {} periods: WAPE {} %{extra}.",
                text(r, "model").unwrap_or("the model"),
                scope(r),
                f("folds"),
                f("horizon"),
                num(r, "wape").map(|w| format_number(100.0 * w)).unwrap_or_default()
            )
        }
        "explain" => with_narrative(
            format!(
                "The forecast for {} is {} {unit} against a base of {}{}.",
                scope(r),
                f("prediction"),
                f("base_value"),
                drivers(r, unit)
            ),
            r,
        ),
        "explain_drop" => with_narrative(
            format!(
                "Sales of {} {} were {} {unit} against {} expected ({}){}.",
                scope(r),
                period(r.get("period")),
                f("actual"),
                f("expected"),
                num(r, "change_pct").map(pct).unwrap_or_default(),
                drivers(r, unit)
            ),
            r,
        ),
        "what_if" => with_narrative(
            format!(
                "Changing {} moves the forecast for {} from {} to {} {unit} ({}).",
                text(r, "feature").unwrap_or("the feature"),
                scope(r),
                f("baseline"),
                f("scenario"),
                num(r, "change_pct").map(pct).unwrap_or_default()
            ),
            r,
        ),
        "reorder" => {
            let on_hand =
                num(r, "on_hand").map(|h| format!(", {} {unit} on hand", format_number(h))).unwrap_or_default();
            format!(
                "Order {} {unit} of {}: reorder point {}, safety stock {} at a {} % service level with a lead time of {} periods over {} periods{on_hand}.",
                f("order_quantity"),
                scope(r),
                f("reorder_point"),
                f("safety_stock"),
                num(r, "service_level").map(|x| format_number(100.0 * x)).unwrap_or_default(),
                f("lead_time"),
                f("horizon")
            )
        }
        "lost_sales" => {
            let revenue = match (num(r, "lost_revenue"), text(r, "currency")) {
                (Some(v), Some(c)) => format!(" (about {} {c})", format_number(v)),
                (Some(v), None) => format!(" (about {} in revenue)", format_number(v)),
                _ => String::new(),
            };
            format!(
                "About {} {unit} of {} were lost to stockouts {}{revenue}, over {} stockout days.",
                f("lost_units"),
                scope(r),
                period(r.get("period")),
                f("stockout_days")
            )
        }
        "optimize_price" => {
            let c = text(r, "currency").unwrap_or("");
            format!(
                "The best price for {} is {} {c} (now {} {c}): about {} {unit} and revenue {}.",
                scope(r),
                f("optimal_price"),
                f("current_price"),
                f("expected_units"),
                num(r, "revenue_change_pct").map(pct).unwrap_or_default()
            )
        }
        "compare_segments" => {
            let by = text(r, "by").unwrap_or("segment");
            let top: Vec<String> = r
                .get("segments")
                .and_then(Value::as_array)
                .map(|s| {
                    s.iter()
                        .take(5)
                        .filter_map(|x| Some(format!("{} {}", text(x, "segment")?, format_number(num(x, "value")?))))
                        .collect()
                })
                .unwrap_or_default();
            let drop = text(r, "largest_drop").map(|d| format!("; largest drop: {d}")).unwrap_or_default();
            let when =
                r.get("period").filter(|p| !p.is_null()).map(|p| format!(" {}", period(Some(p)))).unwrap_or_default();
            format!(
                "Sales ({unit}) by {by}{when}: {}; highest {}, lowest {}{drop}.",
                top.join(", "),
                text(r, "highest").unwrap_or("?"),
                text(r, "lowest").unwrap_or("?")
            )
        }
        "recommend" => {
            let list: Vec<String> = r
                .get("recommendations")
                .and_then(Value::as_array)
                .map(|s| {
                    s.iter()
                        .take(5)
                        .enumerate()
                        .filter_map(|(k, x)| {
                            let impact = match (num(x, "impact"), text(x, "unit")) {
                                (Some(i), Some(u)) => format!(", impact {} {u}", format_number(i)),
                                (Some(i), None) => format!(", impact {}", format_number(i)),
                                _ => String::new(),
                            };
                            Some(format!("{}. {} ({}{impact})", k + 1, text(x, "action")?, text(x, "reason")?))
                        })
                        .collect()
                })
                .unwrap_or_default();
            if list.is_empty() {
                "No recommended actions.".into()
            } else {
                format!("Recommended: {}.", list.join("; "))
            }
        }
        "drift_report" => {
            let list: Vec<String> = r
                .get("drifted_features")
                .and_then(Value::as_array)
                .map(|s| {
                    s.iter()
                        .filter_map(|x| {
                            Some(format!(
                                "{} ({} {})",
                                text(x, "feature")?,
                                text(x, "statistic")?,
                                format_number(num(x, "value")?)
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let drifted = if list.is_empty() {
                "no feature drifted".to_string()
            } else {
                format!("drifted: {}", list.join(", "))
            };
            with_narrative(
                format!(
                    "{} is {}; {drifted}.",
                    text(r, "model").unwrap_or("The model"),
                    text(r, "verdict").unwrap_or("?")
                ),
                r,
            )
        }
        "model_history" => {
            let events = r.get("events").and_then(Value::as_array).cloned().unwrap_or_default();
            match events.last() {
                None => format!("{} has no alias moves yet.", text(r, "model").unwrap_or("The model")),
                Some(e) => format!(
                    "{} has {} alias moves; the latest moved {} from version {} to {} ({} at {}{}).",
                    text(r, "model").unwrap_or("The model"),
                    events.len(),
                    text(e, "alias").unwrap_or("?"),
                    num(e, "from_version").map(format_number).unwrap_or_else(|| "none".into()),
                    num(e, "to_version").map(format_number).unwrap_or_else(|| "none".into()),
                    text(e, "actor").unwrap_or("?"),
                    text(e, "time").unwrap_or("?"),
                    text(e, "reason").map(|x| format!(": {x}")).unwrap_or_default()
                ),
            }
        }
        "list_models" => {
            let list: Vec<String> = r
                .get("models")
                .and_then(Value::as_array)
                .map(|s| {
                    s.iter()
                        .filter_map(|m| {
                            let aliases: Vec<String> = m
                                .get("aliases")?
                                .as_array()?
                                .iter()
                                .filter_map(|a| {
                                    Some(format!(
                                        "{} at version {}",
                                        text(a, "alias")?,
                                        format_number(num(a, "version")?)
                                    ))
                                })
                                .collect();
                            let aliases =
                                if aliases.is_empty() { String::new() } else { format!(", {}", aliases.join(", ")) };
                            Some(format!(
                                "{} (latest version {}{aliases})",
                                text(m, "name")?,
                                format_number(num(m, "latest_version")?)
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("{} registered models: {}.", list.len(), list.join("; "))
        }
        "promote" | "rollback" => format!(
            "{}: {} now points at version {} (was {}).",
            text(r, "model").unwrap_or("?"),
            text(r, "alias").unwrap_or("?"),
            f("to_version"),
            num(r, "from_version").map(format_number).unwrap_or_else(|| "unset".into())
        ),
        _ => {
            let mut s = r.to_string();
            if s.len() > 300 {
                let cut = (0..=300).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                s.truncate(cut);
                s.push('…');
            }
            format!("{tool} {args}: {s}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(1234567.4), "1,234,567");
        assert_eq!(format_number(12.34), "12.3");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(999.6), "1,000");
    }
}
