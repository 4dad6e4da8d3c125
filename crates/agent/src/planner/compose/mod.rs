//! The rule planner: clauses, intents, slots and the plan DAG.

use super::Planner;
use super::dates::{Calendar, TimeSpan, time_spans};
use super::lexicon::{Lexicon, match_at};
use super::slots::{Dictionaries, Kind, Mention, Slot, entities, fmt_number, models, numbers_and_columns};
use super::text::{Tok, tokenize};
use super::vocabulary::Vocabulary;
use crate::contract::{Argument, ToolName};
use crate::error::Result;
use crate::plan::{Binding, Clarification, Plan, PlanOutcome, Step};
use crate::validate::SchemaValidator;
use forecast_core::Clock;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// The deterministic planner.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use forecast_agent::planner::{Planner, RulePlanner, Vocabulary};
/// use forecast_core::ManualClock;
/// use std::sync::Arc;
/// let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 18, 9, 0, 0).unwrap()));
/// let vocabulary = Vocabulary::new().stores(["store_01", "store_02", "store_03"]).items(["item_12"]);
/// let planner = RulePlanner::new(vocabulary, clock);
/// let outcome = planner.plan("how much should store 3 reorder of item 12 for the next two weeks?")?;
/// let step = &outcome.plan().unwrap().steps[0];
/// assert_eq!(step.tool, "reorder");
/// assert_eq!(step.args["store"], "store_03");
/// assert_eq!(step.args["horizon"], 14);
/// assert!(planner.plan("what's the weather like?")?.clarification().is_some());
/// # Ok::<(), forecast_agent::AgentError>(())
/// ```
pub struct RulePlanner {
    vocabulary: Vocabulary,
    clock: Arc<dyn Clock>,
    lexicon: Lexicon,
    dictionaries: Dictionaries,
    identifiers: BTreeSet<String>,
    static_words: Vec<String>,
    validators: BTreeMap<ToolName, SchemaValidator>,
}

impl fmt::Debug for RulePlanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RulePlanner").field("vocabulary", &self.vocabulary).finish_non_exhaustive()
    }
}

/// Longest question read; longer ones are asked to be shortened.
const MAX_QUESTION_CHARS: usize = 2000;
/// Most steps one question may fan out to (stores x items).
const MAX_FAN_OUT: usize = 12;

fn clarify(question: impl Into<String>, options: Vec<String>) -> PlanOutcome {
    PlanOutcome::Clarify(Clarification { question: question.into(), options })
}

#[derive(Debug, Clone)]
struct Clause {
    start: usize,
    end: usize,
    tool: Option<(ToolName, u8, usize)>,
}

#[derive(Debug, Default, Clone)]
struct Slots {
    stores: Vec<String>,
    items: Vec<String>,
    model: Option<Result<String, String>>,
    statics: Vec<String>,
    service_level: Option<f64>,
    lead_time: Option<u32>,
    change: Option<Value>,
    times: Vec<TimeSpan>,
}

impl Slots {
    fn add(&mut self, slot: &Slot) {
        match slot {
            Slot::Entity(Mention::Id(Kind::Store, id)) if !self.stores.contains(id) => self.stores.push(id.clone()),
            Slot::Entity(Mention::Id(Kind::Item, id)) if !self.items.contains(id) => self.items.push(id.clone()),
            Slot::Model(m) if self.model.is_none() => self.model = Some(m.clone()),
            Slot::Static(s) if !self.statics.contains(s) => self.statics.push(s.clone()),
            Slot::ServiceLevel(x) => self.service_level = Some(*x),
            Slot::LeadTime(x) => self.lead_time = Some(*x),
            Slot::Change(c) => self.change = Some(c.clone()),
            _ => {}
        }
    }
}

const OFFER: &str = "I can forecast sales, backtest a model, explain a forecast or a sales drop, run a what-if, size a reorder, estimate lost sales, optimise a price, compare stores or items, recommend actions, check model drift, and list, promote or roll back models.";

impl RulePlanner {
    /// A planner over `vocabulary`, reading today's date from `clock`.
    pub fn new(vocabulary: Vocabulary, clock: Arc<dyn Clock>) -> Self {
        let dictionaries = Dictionaries::new(&vocabulary);
        let identifiers: BTreeSet<String> = Dictionaries::identifiers(&vocabulary).collect();
        let extra: Vec<String> = identifiers
            .iter()
            .cloned()
            .chain(vocabulary.statics.iter().map(|s| s.to_lowercase()))
            .chain(vocabulary.features.iter().map(|s| s.to_lowercase()))
            .collect();
        let lexicon = Lexicon::new(extra.iter().map(String::as_str));
        let static_words = dictionaries.static_words();
        let validators = ToolName::ALL
            .into_iter()
            .filter_map(|t| SchemaValidator::new(&t.parameters()).ok().map(|v| (t, v)))
            .collect();
        Self { vocabulary, clock, lexicon, dictionaries, identifiers, static_words, validators }
    }

    /// The vocabulary the planner fills slots from.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    fn calendar(&self) -> Calendar {
        let today = self.clock.now().date_naive();
        Calendar { today, origin: self.vocabulary.origin.unwrap_or(today), frequency: self.vocabulary.frequency }
    }

    fn best_match(&self, tokens: &[Tok], from: usize, to: usize) -> Option<(ToolName, u8, usize)> {
        let segment = &tokens[from..to];
        let mut best: Option<(ToolName, u8, usize, usize)> = None;
        for i in 0..segment.len() {
            for rule in &self.lexicon.rules {
                if let Some(end) = match_at(&self.lexicon, segment, i, &rule.parts, &self.static_words) {
                    let len = end - i;
                    let better = match best {
                        None => true,
                        Some((_, s, l, _)) => (rule.strength, len) > (s, l),
                    };
                    if better && len > 0 {
                        best = Some((rule.tool, rule.strength, len, from + i));
                    }
                }
            }
        }
        best.map(|(t, s, _, at)| (t, s, at))
    }

    fn clauses(&self, tokens: &[Tok], claimed: &[bool]) -> Vec<Clause> {
        let mut cuts = vec![0];
        for (i, t) in tokens.iter().enumerate() {
            let conj = ["and", "then", "also", "plus", "but"].iter().any(|w| t.is(w));
            if !claimed[i] && (conj || *t == Tok::Break) {
                cuts.push(i);
            }
        }
        cuts.push(tokens.len());
        let mut raw: Vec<Clause> = cuts
            .windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| Clause { start: w[0], end: w[1], tool: self.best_match(tokens, w[0], w[1]) })
            .collect();
        let mut merged: Vec<Clause> = Vec::new();
        let mut pending: Option<usize> = None;
        for c in raw.drain(..) {
            match (c.tool, merged.last_mut()) {
                (None, Some(last)) => last.end = c.end,
                (None, None) => pending = Some(pending.unwrap_or(c.start)),
                (Some(t), Some(last)) if last.tool.map(|x| x.0) == Some(t.0) => last.end = c.end,
                (Some(_), _) => {
                    let start = pending.take().unwrap_or(c.start);
                    merged.push(Clause { start, ..c });
                }
            }
        }
        merged
    }

    fn has_word(&self, tokens: &[Tok], from: usize, to: usize, set: &BTreeSet<String>) -> bool {
        tokens[from..to].iter().any(|t| t.word().is_some_and(|w| set.contains(w)))
    }
}

fn slots_in(all: &[(usize, Slot)], times: &[TimeSpan], from: usize, to: usize) -> Slots {
    let mut s = Slots::default();
    for (pos, slot) in all {
        if (from..to).contains(pos) {
            s.add(slot);
        }
    }
    s.times = times.iter().filter(|t| (from..to).contains(&t.start)).cloned().collect();
    s
}

fn inherit(own: &Slots, global: &Slots) -> Slots {
    Slots {
        stores: if own.stores.is_empty() { global.stores.clone() } else { own.stores.clone() },
        items: if own.items.is_empty() { global.items.clone() } else { own.items.clone() },
        model: own.model.clone().or_else(|| global.model.clone()),
        statics: if own.statics.is_empty() { global.statics.clone() } else { own.statics.clone() },
        service_level: own.service_level.or(global.service_level),
        lead_time: own.lead_time.or(global.lead_time),
        change: own.change.clone().or_else(|| global.change.clone()),
        times: if own.times.is_empty() { global.times.clone() } else { own.times.clone() },
    }
}

/// A time inherited from an earlier clause keeps the side that clause read it on: "in feb"
/// said for a sales drop is last February, so a later "what do you recommend" does not read
/// it as next February's horizon. A time that loses both sides is not inherited.
fn inherited_sides(times: &[TimeSpan], resolved: &[(usize, usize, ToolName)]) -> Vec<TimeSpan> {
    times
        .iter()
        .filter_map(|t| {
            let mut t = t.clone();
            if let Some((_, _, owner)) = resolved.iter().find(|(from, to, _)| (*from..*to).contains(&t.start)) {
                let (period, horizon) = (owner.takes(Argument::Period), owner.takes(Argument::Horizon));
                if period && !horizon {
                    t.ahead = None;
                } else if horizon && !period {
                    t.past = None;
                }
            }
            (t.past.is_some() || t.ahead.is_some()).then_some(t)
        })
        .collect()
}

const DROP_WORDS: &[&str] = &[
    "drop", "fall", "declin", "decreas", "dip", "down", "slump", "tank", "plung", "plummet", "slid", "lose", "shrink",
    "loss", "crash",
];
const LOW_WORDS: &[&str] = &[
    "worst", "lowest", "least", "weakest", "bottom", "slowest", "poorest", "fewer", "smallest", "wors", "lower", "less",
];
const HIGH_WORDS: &[&str] = &[
    "best",
    "most",
    "highest",
    "top",
    "biggest",
    "largest",
    "strongest",
    "greatest",
    "fastest",
    "more",
    "better",
    "higher",
];

/// Subjects the data does not hold: a question about them is asked back, never planned.
const OUT_OF_SCOPE: &[&str] = &[
    "weather",
    "temperature",
    "rain",
    "snow",
    "competitor",
    "staff",
    "staffing",
    "employee",
    "footfall",
    "wage",
    "salary",
];
/// Destructive verbs no tool offers (models are archived, never deleted).
const DESTROY: &[&str] = &["delete", "erase", "wipe", "destroy", "purge"];
/// Words that make a question with no store and no item chain-wide on purpose.
const CHAIN_WORDS: &[&str] = &["chain", "all", "whole", "every", "total", "company", "network", "overall", "across"];
/// Words of lost sales, which `compare_segments` (sales per segment) does not rank.
const LOSS_WORDS: &[&str] = &["stockout", "lost", "lose", "oos", "shortage", "outage"];

fn any_word(tokens: &[Tok], set: &[&str]) -> bool {
    tokens.iter().any(|t| t.word().is_some_and(|w| set.iter().any(|s| super::text::stem(s) == w)))
}

impl Planner for RulePlanner {
    fn plan(&self, question: &str) -> Result<PlanOutcome> {
        if question.trim().is_empty() {
            return Ok(clarify(format!("What would you like to know? {OFFER}"), tool_options()));
        }
        if question.chars().count() > MAX_QUESTION_CHARS {
            return Ok(clarify(
                format!("That question is long; please ask it in under {MAX_QUESTION_CHARS} characters."),
                vec![],
            ));
        }
        let cal = self.calendar();
        let tokens = tokenize(question, &self.identifiers, &self.lexicon.known);
        let mut claimed = vec![false; tokens.len()];
        let mut all = entities(&self.dictionaries, &tokens, &mut claimed);
        all.extend(models(&self.dictionaries, &tokens, &mut claimed));
        all.extend(numbers_and_columns(&self.dictionaries, &cal, &tokens, &mut claimed));
        let times = time_spans(&cal, &tokens, &mut claimed);
        for (_, slot) in &all {
            match slot {
                Slot::Entity(Mention::Unknown(kind, text)) => {
                    let ids = if *kind == Kind::Store { &self.vocabulary.stores } else { &self.vocabulary.items };
                    let what = if *kind == Kind::Store { "stores" } else { "items" };
                    return Ok(clarify(
                        format!("I do not know {text}; the {what} are {}. Which one do you mean?", range_text(ids)),
                        ids.iter().take(20).cloned().collect(),
                    ));
                }
                Slot::Entity(Mention::Ambiguous(text)) => {
                    return Ok(clarify(
                        format!("Is {text} a store or an item? Say \"store N\" or \"item N\"."),
                        vec![],
                    ));
                }
                Slot::UnknownFeature(f) => {
                    return Ok(clarify(
                        format!(
                            "The data has no {f} column to change; the features are {}.",
                            self.vocabulary.features.join(", ")
                        ),
                        self.vocabulary.features.clone(),
                    ));
                }
                _ => {}
            }
        }
        for (i, t) in tokens.iter().enumerate() {
            if let Tok::Num { value, .. } = t
                && !claimed[i]
            {
                return Ok(clarify(
                    format!(
                        "I did not understand what {} refers to. Is it a store, an item, a number of days or weeks, a service level or a price change?",
                        fmt_number(*value)
                    ),
                    vec![],
                ));
            }
        }
        if let Some(v) = times.iter().find(|t| t.vague) {
            let _ = v;
            return Ok(clarify(
                "Which dates do you mean? Give a period such as \"last month\", \"Q3\" or \"2026-01-05 to 2026-01-11\", or a horizon such as \"next 4 weeks\".",
                vec![],
            ));
        }
        if any_word(&tokens, OUT_OF_SCOPE) {
            return Ok(clarify(
                format!("The data holds sales, prices and promotions only, so I cannot answer that. {OFFER}"),
                tool_options(),
            ));
        }
        if any_word(&tokens, DESTROY) {
            return Ok(clarify(
                "I cannot delete anything: models are archived, never deleted, and I only promote or roll back. What would you like to do?",
                tool_options(),
            ));
        }
        let mut clauses = self.clauses(&tokens, &claimed);
        let global = slots_in(&all, &times, 0, tokens.len());
        if clauses.is_empty() {
            let future = global.times.iter().any(|t| t.ahead.is_some());
            let about = self.has_word(&tokens, 0, tokens.len(), &self.lexicon.sales)
                || self.has_word(&tokens, 0, tokens.len(), &self.lexicon.forecast)
                || !global.stores.is_empty()
                || !global.items.is_empty();
            if global.change.is_some() {
                clauses.push(Clause { start: 0, end: tokens.len(), tool: Some((ToolName::WhatIf, 1, 0)) });
            } else if future && about {
                clauses.push(Clause { start: 0, end: tokens.len(), tool: Some((ToolName::Forecast, 1, 0)) });
            } else {
                return Ok(clarify(format!("I could not tell what you would like to know. {OFFER}"), tool_options()));
            }
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut previous: Option<(ToolName, Vec<usize>, Clause, Option<String>)> = None;
        let mut resolved: Vec<(usize, usize, ToolName)> = Vec::new();
        for clause in &clauses {
            let Some((mut tool, strength, _)) = clause.tool else { continue };
            let own = slots_in(&all, &times, clause.start, clause.end);
            let mut slots = inherit(&own, &global);
            if tool == ToolName::Explain {
                let about_forecast = self.has_word(&tokens, clause.start, clause.end, &self.lexicon.forecast)
                    || previous.as_ref().is_some_and(|p| p.0 == ToolName::Forecast);
                let changed = self.has_word(&tokens, clause.start, clause.end, &self.lexicon.change)
                    || previous.as_ref().is_some_and(|p| p.0 == ToolName::CompareSegments)
                    || clauses.len() == 1 && self.has_word(&tokens, 0, tokens.len(), &self.lexicon.change);
                let future_only = !slots.times.is_empty() && slots.times.iter().all(|t| t.past.is_none());
                let past_only = !slots.times.is_empty() && slots.times.iter().all(|t| t.ahead.is_none());
                if (changed || past_only) && !about_forecast && !future_only {
                    tool = ToolName::ExplainDrop;
                }
            }
            let future_only = !slots.times.is_empty() && slots.times.iter().all(|t| t.past.is_none());
            if tool == ToolName::LostSales && strength < 3 && future_only {
                tool = ToolName::Reorder;
            }
            if tool == ToolName::OptimizePrice && strength < 3 && slots.change.is_some() {
                tool = ToolName::WhatIf;
            }
            if own.times.is_empty() {
                slots.times = inherited_sides(&slots.times, &resolved);
            }
            resolved.push((clause.start, clause.end, tool));
            let mut bind: Vec<Binding> = Vec::new();
            let mut after: Vec<usize> = Vec::new();
            if let Some((ToolName::CompareSegments, ids, prev_clause, Some(by))) = &previous {
                let kind_own = if by == "store" { &own.stores } else { &own.items };
                let pronoun = self.has_word(&tokens, clause.start, clause.end, &self.lexicon.pronouns);
                let why_only = matches!(tool, ToolName::Explain | ToolName::ExplainDrop);
                if by != "store" && by != "item" && (pronoun || why_only) {
                    return Ok(clarify(
                        format!(
                            "I can compare by {by}, but the next step needs a store or an item. Which one do you mean?"
                        ),
                        vec![],
                    ));
                }
                if (by == "store" || by == "item") && kind_own.is_empty() && (pronoun || why_only) {
                    let ptoks = &tokens[prev_clause.start..prev_clause.end];
                    let pointer = if any_word(ptoks, DROP_WORDS) {
                        "/largest_drop"
                    } else if any_word(ptoks, LOW_WORDS) {
                        "/lowest"
                    } else if any_word(ptoks, HIGH_WORDS) {
                        "/highest"
                    } else {
                        return Ok(clarify(
                            format!("Which {by} do you mean? Name it, or ask for the best or the worst one."),
                            vec![],
                        ));
                    };
                    if tool.takes(Argument::Store) {
                        bind.push(Binding { argument: by.clone(), step: ids[0], pointer: pointer.into() });
                        after.push(ids[0]);
                        if by == "store" {
                            slots.stores.clear();
                        } else {
                            slots.items.clear();
                        }
                    }
                }
            }
            if tool.effect() == forecast_core::ToolEffect::Mutating {
                if any_word(&tokens, &["not", "never", "dont"]) {
                    return Ok(clarify(
                        format!(
                            "You asked not to {tool}, or I could not tell; I change models only on a plain request such as \"{tool} gbdt_daily@4\"."
                        ),
                        vec![],
                    ));
                }
                if any_word(&tokens, &["if", "unless", "when", "once", "provided"]) {
                    return Ok(clarify(
                        format!(
                            "I do not {tool} on a condition. Ask for the check first (a backtest or a drift report), then ask me to {tool}."
                        ),
                        vec![],
                    ));
                }
            }
            let bare = own.stores.is_empty() && own.items.is_empty() && own.model.is_none() && own.times.is_empty();
            if tool == ToolName::Explain
                && strength < 3
                && bare
                && previous.is_none()
                && clauses.len() == 1
                && global.stores.is_empty()
                && global.items.is_empty()
            {
                return Ok(clarify(
                    "Why what? Name the store, item or period, e.g. \"why did sales drop at store 3 last week?\"",
                    vec![],
                ));
            }
            if own.times.is_empty() {
                slots.times.retain(|t| {
                    tool.takes(Argument::Period) && t.past.is_some()
                        || tool.takes(Argument::Horizon) && t.ahead.is_some()
                });
            }
            if tool == ToolName::Reorder
                && slots.stores.is_empty()
                && slots.items.is_empty()
                && !any_word(&tokens, CHAIN_WORDS)
            {
                return Ok(clarify(
                    "Which store and item should I size the order for? Say e.g. \"item 12 at store 3\", or \"the whole chain\".",
                    vec![],
                ));
            }
            if tool == ToolName::CompareSegments && any_word(&tokens[clause.start..clause.end], LOSS_WORDS) {
                return Ok(clarify(
                    "I can rank sales per store or item, or estimate lost sales of one store or item; which would you like?",
                    vec!["compare_segments".into(), "lost_sales".into()],
                ));
            }
            let built = self.steps_for(tool, &slots, steps.len(), &bind, &after);
            let new_steps = match built {
                Ok(s) => s,
                Err(outcome) => return Ok(outcome),
            };
            let ids: Vec<usize> = new_steps.iter().map(|s| s.id).collect();
            let by = new_steps.first().and_then(|s| s.args.get("by")).and_then(Value::as_str).map(str::to_string);
            steps.extend(new_steps);
            previous = Some((tool, ids, clause.clone(), by));
        }
        for s in &steps {
            if let Some(v) = ToolName::from_name(&s.tool).and_then(|t| self.validators.get(&t)) {
                let issues: Vec<_> = v
                    .issues(&s.args)
                    .into_iter()
                    .filter(|i| !s.bind.iter().any(|b| b.argument == i.argument))
                    .collect();
                if let Some(issue) = issues.first() {
                    return Ok(clarify(
                        format!("I could not build a valid `{}` call: {issue}. Could you rephrase?", s.tool),
                        vec![],
                    ));
                }
            }
        }
        Ok(PlanOutcome::Plan(Plan { question: question.to_string(), steps }))
    }
}

fn tool_options() -> Vec<String> {
    ToolName::ALL.iter().map(|t| t.as_str().to_string()).collect()
}

fn range_text(ids: &[String]) -> String {
    match ids {
        [] => "not known to me".into(),
        [one] => one.clone(),
        _ if ids.len() <= 6 => ids.join(", "),
        _ => format!("{} to {} ({} in all)", ids[0], ids[ids.len() - 1], ids.len()),
    }
}

mod steps;
