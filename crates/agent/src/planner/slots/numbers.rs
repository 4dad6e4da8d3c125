//! The numbers of a reorder or what-if question (service level, lead time, the change to a
//! feature) and static columns named as dimensions.

use super::{Dictionaries, Slot, claim, is, num, word};
use crate::planner::dates::Calendar;
use crate::planner::text::Tok;
use serde_json::{Value, json};

/// Service level, lead time, static columns and the what-if change; marks what they use.
pub(crate) fn numbers_and_columns(
    d: &Dictionaries,
    cal: &Calendar,
    tokens: &[Tok],
    claimed: &mut [bool],
) -> Vec<(usize, Slot)> {
    let mut out = Vec::new();
    service_level(tokens, claimed, &mut out);
    lead_time(cal, tokens, claimed, &mut out);
    change(d, tokens, claimed, &mut out);
    for (i, t) in tokens.iter().enumerate() {
        if claimed[i] {
            continue;
        }
        if let Some(column) = t.word().and_then(|w| d.static_of(w)) {
            out.push((i, Slot::Static(column.to_string())));
        }
    }
    out
}

fn level_value(v: f64, percent: bool) -> Option<f64> {
    let x = if percent || v > 1.0 { v / 100.0 } else { v };
    (x > 0.0 && x < 1.0).then_some(x)
}

fn service_level(tokens: &[Tok], claimed: &mut [bool], out: &mut Vec<(usize, Slot)>) {
    let names: &[&[&str]] =
        &[&["service", "level"], &["fill", "rate"], &["in", "stock"], &["confidence"], &["availability"], &["service"]];
    let name_at =
        |i: usize| names.iter().find(|n| n.iter().enumerate().all(|(k, w)| is(tokens, i + k, &[w]))).map(|n| n.len());
    for i in 0..tokens.len() {
        if claimed[i] {
            continue;
        }
        if let Some((v, percent, false, false, _)) = num(tokens, i)
            && let Some(len) =
                name_at(i + 1).or_else(|| name_at(i + 2).filter(|_| is(tokens, i + 1, &["of", "a"])).map(|l| l + 1))
            && let Some(x) = level_value(v, percent)
        {
            out.push((i, Slot::ServiceLevel(x)));
            claim(claimed, i, i + 1 + len);
            continue;
        }
        if let Some(len) = name_at(i) {
            let mut j = i + len;
            while is(tokens, j, &["of", "at", "be", "to", "target", "="]) {
                j += 1;
            }
            if let Some((v, percent, false, false, _)) = num(tokens, j)
                && let Some(x) = level_value(v, percent)
                && !claimed[j]
            {
                out.push((j, Slot::ServiceLevel(x)));
                claim(claimed, i, j + 1);
            }
        }
    }
}

fn periods_of(cal: &Calendar, n: f64, unit: Option<&str>) -> Option<u32> {
    let days = match unit {
        Some("day") => 1.0,
        Some("week") => 7.0,
        Some("month") => 365.0 / 12.0,
        _ => return (n >= 0.0 && n.fract() == 0.0).then_some(n as u32),
    };
    let per = match cal.frequency {
        forecast_core::Frequency::Daily => 1.0,
        forecast_core::Frequency::Weekly => 7.0,
        forecast_core::Frequency::Monthly => 365.0 / 12.0,
    };
    let p = (n * days / per).round();
    (0.0..=3660.0).contains(&p).then_some(p as u32)
}

fn lead_time(cal: &Calendar, tokens: &[Tok], claimed: &mut [bool], out: &mut Vec<(usize, Slot)>) {
    let unit_at = |j: usize| word(tokens, j).filter(|w| ["day", "week", "month"].contains(w));
    for i in 0..tokens.len() {
        if claimed[i] {
            continue;
        }
        let lead = is(tokens, i, &["lead"]) && is(tokens, i + 1, &["time"]);
        let takes = is(tokens, i, &["delivery", "supplier", "shipping", "vendor", "replenishment"])
            && is(tokens, i + 1, &["take", "need", "be"]);
        if lead || takes {
            let mut j = i + 2;
            while is(tokens, j, &["of", "be", "=", "about", "around", "roughly", "take", "a"]) {
                j += 1;
            }
            if let Some((n, false, false, false, _)) = num(tokens, j) {
                let unit = unit_at(j + 1);
                if let Some(p) = periods_of(cal, n, unit) {
                    out.push((j, Slot::LeadTime(p)));
                    claim(claimed, i, j + 1 + usize::from(unit.is_some()));
                }
            } else if is(tokens, j, &["a", "one"]) || unit_at(j).is_some() {
                let k = if unit_at(j).is_some() { j } else { j + 1 };
                if let Some(p) = periods_of(cal, 1.0, unit_at(k)).filter(|_| unit_at(k).is_some()) {
                    out.push((k, Slot::LeadTime(p)));
                    claim(claimed, i, k + 1);
                }
            }
            continue;
        }
        if let Some((n, false, false, false, _)) = num(tokens, i)
            && let Some(unit) = unit_at(i + 1)
            && is(tokens, i + 2, &["lead"])
            && is(tokens, i + 3, &["time"])
            && let Some(p) = periods_of(cal, n, Some(unit))
        {
            out.push((i, Slot::LeadTime(p)));
            claim(claimed, i, i + 4);
        }
    }
}

const UP: &[&str] = &["rais", "increas", "up", "hik", "bump", "lift", "boost", "add", "higher", "more", "rise", "plus"];
const DOWN: &[&str] =
    &["cut", "lower", "reduc", "drop", "decreas", "slash", "trim", "less", "reduction", "minu", "down"];
const NEGATE: &[&str] = &["no", "without", "stop", "cancel", "remov", "end", "kill", "skip", "not", "pull"];

fn change_json(feature: &str, delta: Option<f64>, value: Option<f64>, delta_pct: Option<f64>) -> Value {
    json!({"feature": feature, "delta": delta, "value": value, "delta_pct": delta_pct})
}

fn change(d: &Dictionaries, tokens: &[Tok], claimed: &mut [bool], out: &mut Vec<(usize, Slot)>) {
    let has = |f: &str| d.features.iter().any(|(n, _)| n == f);
    let direction = |from: usize, to: usize| -> Option<f64> {
        (from.saturating_sub(2)..(to + 3).min(tokens.len())).find_map(|k| {
            if is(tokens, k, UP) {
                Some(1.0)
            } else if is(tokens, k, DOWN) || is(tokens, k, &["off"]) {
                Some(-1.0)
            } else {
                None
            }
        })
    };
    let features: Vec<(usize, String)> = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| !claimed[*i])
        .filter_map(|(i, t)| t.word().and_then(|w| d.feature_of(w)).map(|f| (i, f.to_string())))
        .collect();
    for (fi, feature) in features {
        let discount = synonyms_of_discount(&feature);
        let promo = ["promo", "promotion"].contains(&feature.as_str());
        let lo = fi.saturating_sub(4);
        let hi = (fi + 8).min(tokens.len());
        let amount = (lo..hi)
            .filter(|&k| !claimed[k] && matches!(num(tokens, k), Some((_, _, _, false, false))))
            .min_by_key(|&k| k.abs_diff(fi));
        let mut used = None;
        let slot = if promo {
            let negated = (lo..=fi).any(|k| is(tokens, k, NEGATE));
            change_json(&feature, None, Some(if negated { 0.0 } else { 1.0 }), None)
        } else if let Some(k) = amount {
            let Some((v, percent, _, _, _)) = num(tokens, k) else { continue };
            used = Some(k);
            let to_value = k > 0 && is(tokens, k - 1, &["to", "at"]);
            let sign = direction(fi.min(k), fi.max(k));
            match (discount, percent, sign, to_value) {
                (true, true, None, _) | (true, true, _, true) => change_json(&feature, None, Some(v / 100.0), None),
                (true, true, Some(s), false) => change_json(&feature, Some(s * v / 100.0), None, None),
                (_, false, _, true) | (false, false, None, false)
                    if k > 0 && is(tokens, k - 1, &["to", "at", "of"]) =>
                {
                    change_json(&feature, None, Some(v), None)
                }
                (false, true, Some(s), false) => change_json(&feature, None, None, Some(s * v)),
                (_, false, Some(s), false) => change_json(&feature, Some(s * v), None, None),
                _ => continue,
            }
        } else if let Some(p) = [("doubl", 100.0), ("halv", -50.0), ("half", -50.0)]
            .iter()
            .find(|(w, _)| (lo..hi).any(|k| word(tokens, k) == Some(*w)))
            .map(|(_, p)| *p)
        {
            change_json(&feature, None, None, Some(p))
        } else {
            continue;
        };
        out.push((fi, Slot::Change(slot)));
        claimed[fi] = true;
        if let Some(k) = used {
            claimed[k] = true;
        }
        return;
    }
    for i in 0..tokens.len() {
        if claimed[i] {
            continue;
        }
        if let Some((v, true, false, false, _)) = num(tokens, i)
            && is(tokens, i + 1, &["off"])
        {
            let slot = if has("discount") {
                Slot::Change(change_json("discount", None, Some(v / 100.0), None))
            } else if has("price") {
                Slot::Change(change_json("price", None, None, Some(-v)))
            } else {
                Slot::UnknownFeature("discount".into())
            };
            out.push((i, slot));
            claim(claimed, i, i + 2);
            return;
        }
    }
}

fn synonyms_of_discount(feature: &str) -> bool {
    ["discount", "markdown"].contains(&feature)
}
