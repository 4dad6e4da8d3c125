//! Slot extraction from closed dictionaries: store and item ids (`store 3`, `store_03`,
//! `#3`, `S3`), model references, static columns, and the numbers of a reorder or a
//! what-if question (service level, lead time, the change to a feature).

use super::dates::Calendar;
use super::text::{Tok, stem};
use super::vocabulary::Vocabulary;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Which dictionary an id mention refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Store,
    Item,
}

/// A mention of a store or item, resolved or not.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mention {
    /// A known id.
    Id(Kind, String),
    /// A number with a kind that matches no id (`store 40`).
    Unknown(Kind, String),
    /// A number whose kind cannot be told (`#3` when store_03 and item_03 both exist).
    Ambiguous(String),
}

/// Slots found at a token position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slot {
    Entity(Mention),
    /// A model reference (`name`, `name@3`, `name@alias`), or an alias whose model is unknown.
    Model(Result<String, String>),
    /// A static column named as a dimension (`stores`, `by region`).
    Static(String),
    ServiceLevel(f64),
    LeadTime(u32),
    Change(Value),
    /// A change was attempted but its feature is not a regressor of the panel.
    UnknownFeature(String),
}

const STORE_WORDS: &[&str] = &["store", "shop", "location", "branch", "outlet", "site", "loc"];
const ITEM_WORDS: &[&str] = &["item", "sku", "product", "article", "upc", "ean"];
const NUMBER_WORDS: &[&str] = &["#", "no", "number", "num", "nr", "id"];
const ALIASES: &[&str] = &["champion", "challenger", "staging", "candidate", "shadow"];

fn synonyms(column: &str) -> Vec<String> {
    let extra: &[&str] = match column {
        "store" => &["shop", "location", "branch", "outlet", "site"],
        "item" => &["product", "sku", "article"],
        "category" => &["cat", "department", "family", "class"],
        "region" => &["area", "zone", "market", "territory"],
        _ => &[],
    };
    let mut all = vec![stem(column)];
    all.extend(extra.iter().map(|w| stem(w)));
    all
}

fn trailing_number(id: &str) -> Option<u64> {
    let digits: String =
        id.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
    digits.parse().ok()
}

/// The dictionaries prepared for lookups.
#[derive(Debug)]
pub(crate) struct Dictionaries {
    by_number: [BTreeMap<u64, Vec<String>>; 2],
    by_lower: BTreeMap<String, (Kind, String)>,
    models: Vec<(String, Vec<String>)>,
    statics: Vec<(String, Vec<String>)>,
    features: Vec<(String, Vec<String>)>,
}

impl Dictionaries {
    pub(crate) fn new(v: &Vocabulary) -> Self {
        let mut by_number: [BTreeMap<u64, Vec<String>>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let mut by_lower = BTreeMap::new();
        for (k, ids) in [(Kind::Store, &v.stores), (Kind::Item, &v.items)] {
            for id in ids {
                if let Some(n) = trailing_number(id) {
                    by_number[k as usize].entry(n).or_default().push(id.clone());
                }
                by_lower.insert(id.to_lowercase(), (k, id.clone()));
            }
        }
        let parts = |name: &str| {
            name.split(['_', '-', '.', ' ']).filter(|p| !p.is_empty()).map(|p| stem(&p.to_lowercase())).collect()
        };
        let models = v.models.iter().map(|m| (m.clone(), parts(m))).collect();
        let statics = v.statics.iter().map(|s| (s.clone(), synonyms(&s.to_lowercase()))).collect();
        let feature_words = |f: &str| -> Vec<String> {
            let extra: &[&str] = match f {
                "price" => &["price", "pricing"],
                "discount" => &["discount", "markdown", "rebate"],
                "promo" | "promotion" => &["promo", "promotion", "promotional", "campaign", "deal", "feature", "bogo"],
                _ => &[],
            };
            let mut w = vec![stem(&f.to_lowercase())];
            w.extend(extra.iter().map(|x| stem(x)));
            w
        };
        let features = v.features.iter().map(|f| (f.clone(), feature_words(f))).collect();
        Self { by_number, by_lower, models, statics, features }
    }

    /// Lower-case ids and model names kept whole by the tokenizer.
    pub(crate) fn identifiers(v: &Vocabulary) -> impl Iterator<Item = String> + '_ {
        v.stores.iter().chain(&v.items).chain(&v.models).map(|s| s.to_lowercase())
    }

    fn resolve(&self, kind: Kind, n: f64) -> Mention {
        let text = format!("{} {}", if kind == Kind::Store { "store" } else { "item" }, fmt_number(n));
        if n.fract() != 0.0 || n < 0.0 {
            return Mention::Unknown(kind, text);
        }
        match self.by_number[kind as usize].get(&(n as u64)).map(Vec::as_slice) {
            Some([one]) => Mention::Id(kind, one.clone()),
            Some(_) => Mention::Ambiguous(text),
            None => Mention::Unknown(kind, text),
        }
    }

    fn resolve_bare(&self, n: f64, location: bool) -> Mention {
        let store = self.resolve(Kind::Store, n);
        let item = self.resolve(Kind::Item, n);
        match (&store, &item) {
            (Mention::Id(..), Mention::Unknown(..)) => store,
            (Mention::Unknown(..), Mention::Id(..)) => item,
            (Mention::Id(..), Mention::Id(..)) if location => store,
            (Mention::Unknown(..), Mention::Unknown(..)) => Mention::Ambiguous(format!("#{}", fmt_number(n))),
            _ => Mention::Ambiguous(format!("#{}", fmt_number(n))),
        }
    }

    /// The static column a word stands for.
    pub(crate) fn static_of(&self, w: &str) -> Option<&str> {
        self.statics.iter().find(|(_, words)| words.iter().any(|x| x == w)).map(|(s, _)| s.as_str())
    }

    /// Stems of every static column word, for the grammar's `<static>`.
    pub(crate) fn static_words(&self) -> Vec<String> {
        self.statics.iter().flat_map(|(_, w)| w.iter().cloned()).collect()
    }

    fn feature_of(&self, w: &str) -> Option<&str> {
        self.features.iter().find(|(_, words)| words.iter().any(|x| x == w)).map(|(s, _)| s.as_str())
    }
}

pub(crate) fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

fn word(tokens: &[Tok], i: usize) -> Option<&str> {
    tokens.get(i).and_then(Tok::word)
}

fn is(tokens: &[Tok], i: usize, words: &[&str]) -> bool {
    word(tokens, i).is_some_and(|w| words.iter().any(|x| stem(x) == w))
}

fn num(tokens: &[Tok], i: usize) -> Option<(f64, bool, bool, bool, bool)> {
    match tokens.get(i) {
        Some(Tok::Num { value, percent, currency, hash, glued }) => Some((*value, *percent, *currency, *hash, *glued)),
        _ => None,
    }
}

fn claim(claimed: &mut [bool], from: usize, to: usize) {
    for c in claimed.iter_mut().take(to).skip(from) {
        *c = true;
    }
}

/// Store and item mentions, with their token positions; marks their tokens claimed.
pub(crate) fn entities(d: &Dictionaries, tokens: &[Tok], claimed: &mut [bool]) -> Vec<(usize, Slot)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut last_kind: Option<(Kind, usize)> = None;
    let mut bare: Vec<(usize, f64, bool)> = Vec::new();
    while i < tokens.len() {
        if let Some(Tok::Ident(raw)) = tokens.get(i)
            && let Some((k, id)) = d.by_lower.get(raw)
        {
            out.push((i, Slot::Entity(Mention::Id(*k, id.clone()))));
            claim(claimed, i, i + 1);
            last_kind = Some((*k, i + 1));
            i += 1;
            continue;
        }
        let kind = if is(tokens, i, STORE_WORDS) {
            Some(Kind::Store)
        } else if is(tokens, i, ITEM_WORDS) {
            Some(Kind::Item)
        } else if matches!(num(tokens, i + 1), Some((_, _, _, _, true))) {
            match word(tokens, i) {
                Some("s") => Some(Kind::Store),
                Some("i") | Some("p") => Some(Kind::Item),
                _ => None,
            }
        } else {
            None
        };
        if let Some(kind) = kind {
            let mut j = i + 1;
            if is(tokens, j, NUMBER_WORDS) {
                j += 1;
            }
            if let Some((n, false, false, _, _)) = num(tokens, j) {
                out.push((j, Slot::Entity(d.resolve(kind, n))));
                claim(claimed, i, j + 1);
                last_kind = Some((kind, j + 1));
                i = j + 1;
                continue;
            }
            if let Some(Tok::Ident(raw)) = tokens.get(j)
                && let Some((k, id)) = d.by_lower.get(raw)
            {
                out.push((j, Slot::Entity(Mention::Id(*k, id.clone()))));
                claim(claimed, i, j + 1);
                last_kind = Some((*k, j + 1));
                i = j + 1;
                continue;
            }
        }
        if let Some((kind, end)) = last_kind
            && end == i
            && (is(tokens, i, &["and", "or"]) || tokens.get(i) == Some(&Tok::Break))
        {
            let mut j = i + 1;
            if is(tokens, j, &["and", "or"]) {
                j += 1;
            }
            if let Some((n, false, false, _, false)) = num(tokens, j) {
                out.push((j, Slot::Entity(d.resolve(kind, n))));
                claim(claimed, j, j + 1);
                last_kind = Some((kind, j + 1));
                i = j + 1;
                continue;
            }
        }
        if let Some((n, false, false, true, _)) = num(tokens, i) {
            let location = i > 0 && is(tokens, i - 1, &["at", "in", "from"]);
            bare.push((i, n, location));
            claim(claimed, i, i + 1);
        }
        i += 1;
    }
    // A bare `#N` that fits both dictionaries is the kind the question does not name otherwise.
    let named = |k: Kind| out.iter().any(|(_, s)| matches!(s, Slot::Entity(Mention::Id(x, _)) if *x == k));
    let (has_store, has_item) = (named(Kind::Store), named(Kind::Item));
    for (i, n, location) in bare {
        let mention = match d.resolve_bare(n, location) {
            Mention::Ambiguous(_) if has_store && !has_item => d.resolve(Kind::Item, n),
            Mention::Ambiguous(_) if has_item && !has_store => d.resolve(Kind::Store, n),
            m => m,
        };
        out.push((i, Slot::Entity(mention)));
    }
    out
}

/// Model references; marks their tokens claimed.
pub(crate) fn models(d: &Dictionaries, tokens: &[Tok], claimed: &mut [bool]) -> Vec<(usize, Slot)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if claimed[i] {
            i += 1;
            continue;
        }
        let mut found: Option<(String, usize, Option<String>)> = None;
        if let Some(Tok::Ident(raw)) = tokens.get(i) {
            let (base, suffix) = match raw.split_once('@') {
                Some((b, s)) => (b, Some(s.to_string())),
                None => (raw.as_str(), None),
            };
            if let Some((name, _)) = d.models.iter().find(|(m, _)| m.to_lowercase() == base) {
                found = Some((name.clone(), i + 1, suffix));
            }
        }
        if found.is_none() {
            for (name, parts) in &d.models {
                if !parts.is_empty() && parts.iter().enumerate().all(|(k, p)| word(tokens, i + k) == Some(p.as_str())) {
                    found = Some((name.clone(), i + parts.len(), None));
                    break;
                }
            }
        }
        let Some((name, mut end, mut suffix)) = found else {
            if is(tokens, i, ALIASES) && is(tokens, i + 1, &["of", "for"]) {
                let alias = word(tokens, i).unwrap_or_default().to_string();
                if let Some(Tok::Ident(raw)) = tokens.get(i + 2)
                    && let Some((name, _)) = d.models.iter().find(|(m, _)| m.to_lowercase() == *raw)
                {
                    let mut end = i + 3;
                    let v = if is(tokens, end, &["to"]) { end + 1 } else { end };
                    let suffix = match (is(tokens, v, &["v", "version"]), num(tokens, v + 1)) {
                        (true, Some((n, false, false, _, _))) => {
                            end = v + 2;
                            fmt_number(n)
                        }
                        _ => alias,
                    };
                    out.push((i + 2, Slot::Model(Ok(format!("{name}@{suffix}")))));
                    claim(claimed, i, end);
                    i = end;
                    continue;
                }
            }
            if is(tokens, i, &["the", "our", "current"])
                && is(tokens, i + 1, ALIASES)
                && !is(tokens, i + 1, &["champion"])
            {
                let alias = word(tokens, i + 1).unwrap_or_default().to_string();
                let reference = if d.models.len() == 1 { Ok(format!("{}@{alias}", d.models[0].0)) } else { Err(alias) };
                out.push((i + 1, Slot::Model(reference)));
                claim(claimed, i + 1, i + 2);
            }
            i += 1;
            continue;
        };
        if suffix.is_none() {
            if is(tokens, end, &["model"]) {
                end += 1;
            }
            if is(tokens, end, &["to"]) && is(tokens, end + 1, &["v", "version"]) {
                end += 1;
            }
            if (is(tokens, end, &["v"]) || is(tokens, end, &["version"]))
                && let Some((n, false, false, _, _)) = num(tokens, end + 1)
            {
                suffix = Some(fmt_number(n));
                end += 2;
            } else if let Some(w) = word(tokens, end).filter(|_| is(tokens, end, ALIASES)) {
                suffix = Some(w.to_string());
                end += 1;
            } else if i >= 3
                && is(tokens, i - 1, &["of"])
                && let Some((n, false, false, _, _)) = num(tokens, i - 2)
            {
                if is(tokens, i - 3, &["version", "v"]) {
                    suffix = Some(fmt_number(n));
                    claim(claimed, i - 3, i - 1);
                }
            } else if i >= 1
                && let Some(w) =
                    word(tokens, i - 1).filter(|_| is(tokens, i - 1, &["challenger", "staging", "candidate", "shadow"]))
            {
                suffix = Some(w.to_string());
                claim(claimed, i - 1, i);
            }
        }
        let reference = match suffix {
            Some(s) => format!("{name}@{s}"),
            None => name,
        };
        out.push((i, Slot::Model(Ok(reference))));
        claim(claimed, i, end);
        i = end;
    }
    out
}

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
