//! Slot extraction from closed dictionaries: store and item ids (`store 3`, `store_03`,
//! `#3`, `S3`), model references, static columns, and the numbers of a reorder or a
//! what-if question (service level, lead time, the change to a feature).

use super::text::{Tok, stem};
use super::vocabulary::Vocabulary;
use serde_json::Value;
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
    pub(super) features: Vec<(String, Vec<String>)>,
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

    pub(super) fn feature_of(&self, w: &str) -> Option<&str> {
        self.features.iter().find(|(_, words)| words.iter().any(|x| x == w)).map(|(s, _)| s.as_str())
    }
}

pub(crate) fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

pub(super) fn word(tokens: &[Tok], i: usize) -> Option<&str> {
    tokens.get(i).and_then(Tok::word)
}

pub(super) fn is(tokens: &[Tok], i: usize, words: &[&str]) -> bool {
    word(tokens, i).is_some_and(|w| words.iter().any(|x| stem(x) == w))
}

pub(super) fn num(tokens: &[Tok], i: usize) -> Option<(f64, bool, bool, bool, bool)> {
    match tokens.get(i) {
        Some(Tok::Num { value, percent, currency, hash, glued }) => Some((*value, *percent, *currency, *hash, *glued)),
        _ => None,
    }
}

pub(super) fn claim(claimed: &mut [bool], from: usize, to: usize) {
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

mod numbers;

pub(crate) use numbers::numbers_and_columns;
