//! The intent grammar: synonym patterns per tool, and the word sets slots are read with.
//!
//! A pattern is words separated by spaces, matched on stems: `a|b` is either word, `?a` an
//! optional word, `*` up to four other words, `<static>` a static column, `<sup>` a
//! superlative, `<sales>` a sales noun. The strongest match of a clause names its tool;
//! ties go to the longer match.

use super::text::{KnownWords, Tok, stem};
use crate::contract::ToolName;
use std::collections::BTreeSet;

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Any(Vec<String>),
    Optional(Vec<String>),
    Gap,
    Class(Class),
}

/// Word classes a pattern can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Static,
    Superlative,
    Sales,
}

/// A compiled pattern for one tool.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) tool: ToolName,
    pub(crate) strength: u8,
    pub(crate) parts: Vec<Part>,
}

use ToolName::*;

/// (tool, strength, patterns).
const RULES: &[(ToolName, u8, &str)] = &[
    (Forecast, 2, "forecast|predict|prediction|projection|project|outlook|projected"),
    (Forecast, 2, "how many|much * will|gonna|going|expect * sell|need|move|go|buy"),
    (Forecast, 2, "what * will * <sales> * be"),
    (Forecast, 2, "expect|anticipate|estimate <sales>"),
    (Forecast, 2, "?future demand|volume"),
    (Backtest, 3, "backtest|accuracy|accurate|inaccurate"),
    // An error metric named outright is a question about accuracy, whatever model phrase
    // ("the current model") comes with it.
    (Backtest, 4, "wape|mape|mase|smape|rmse|mae"),
    (Backtest, 3, "back test"),
    (Backtest, 3, "forecast|model|prediction error"),
    (Backtest, 3, "how good|well * model|forecast|prediction|predict"),
    (Backtest, 3, "evaluate|evaluation|validate|validation * ?the model|forecast"),
    (Backtest, 3, "track record"),
    (Backtest, 3, "error rate|metric"),
    (Explain, 3, "explain|explanation|driver|driv|factor|shap|contribution|contribut|influenc|attribution"),
    (Explain, 3, "feature importanc"),
    (Explain, 3, "break down * forecast|prediction"),
    (Explain, 3, "breakdown * forecast|prediction"),
    (Explain, 3, "what be behind"),
    (Explain, 2, "why|reason|caus|cause"),
    (Explain, 2, "what happen"),
    (Explain, 2, "what ?be made|caus|driv|push|pull|lift"),
    (Explain, 2, "what ?be go|going on"),
    (Explain, 3, "how * come up with"),
    (Explain, 3, "how * arriv at"),
    (Explain, 2, "went wrong"),
    (Explain, 2, "root caus"),
    (WhatIf, 3, "what if"),
    (WhatIf, 3, "what happen|would * if|when"),
    (WhatIf, 3, "what would happen"),
    (WhatIf, 3, "what would|will|could * do to|for"),
    (WhatIf, 3, "suppos|assum|scenario|simulat|counterfactual|sensitivity"),
    (WhatIf, 3, "impact|effect of"),
    (
        WhatIf,
        3,
        "if we|i|you raise|increas|cut|lower|reduc|drop|run|ran|put|add|offer|do|remov|stop|chang|set|double|halv|hik|bump|slash|discount|mark",
    ),
    (WhatIf, 2, "how would|will|do * <sales> * chang|react|respond|affect"),
    (Reorder, 3, "reorder|replenish|replenishment|restock|procure|procurement"),
    (Reorder, 3, "stock up"),
    (Reorder, 3, "top up"),
    (Reorder, 3, "order quantity|amount|size|qty"),
    (Reorder, 3, "suggest|suggested|recommend|recommended|propos|proposed order|quantity|qty|po"),
    (Reorder, 3, "how much|many * order|buy|purchase|stock|inventory"),
    (Reorder, 3, "what * should * order|buy|stock"),
    (Reorder, 3, "should|need * order|buy|purchase"),
    (Reorder, 3, "to order"),
    (Reorder, 3, "purchase order"),
    (Reorder, 3, "plac|rais|issu * order|po"),
    (Reorder, 2, "po"),
    (Reorder, 3, "safety stock"),
    (Reorder, 3, "reorder point"),
    (Reorder, 3, "eoq|replenishment"),
    (Reorder, 3, "economic order"),
    (Reorder, 3, "inventory|stock policy|target|level|need|requirement|plan"),
    (Reorder, 3, "enough stock|inventory"),
    (Reorder, 3, "avoid|prevent * stockout"),
    (Reorder, 3, "avoid|prevent * run out"),
    (Reorder, 3, "avoid|prevent * out of stock"),
    (Reorder, 3, "avoid|prevent * stock out"),
    (Reorder, 2, "order|stock"),
    (LostSales, 3, "lost|lose|miss|missed|unmet <sales>|demand|revenue"),
    (LostSales, 3, "<sales> * lost|lose|miss|missed"),
    (LostSales, 3, "stockout|shortage|outage"),
    (LostSales, 3, "stock out"),
    (LostSales, 3, "out of stock"),
    (LostSales, 3, "empty shelf"),
    (LostSales, 3, "ran out"),
    (LostSales, 2, "run out"),
    (LostSales, 3, "lose * to|because|due"),
    (
        OptimizePrice,
        3,
        "optimal|optimum|best|ideal|right|optimiz|optimis|recommend|suggest price|pric|discount|markdown",
    ),
    (
        OptimizePrice,
        3,
        "price|pric|discount|markdown optimization|optimisation|strategy|point|recommendation|suggestion|elasticity",
    ),
    (OptimizePrice, 3, "what price|discount"),
    (OptimizePrice, 3, "how * should * price|pric|charge|discount"),
    (OptimizePrice, 3, "maximiz|maximis|maximum revenue|profit|margin"),
    (OptimizePrice, 3, "elasticity"),
    (OptimizePrice, 3, "what|how much should * cost|charge"),
    (OptimizePrice, 3, "most|highest|max|best|more revenu|profit|margin"),
    (OptimizePrice, 3, "money on the table"),
    (OptimizePrice, 3, "underpric|overpric|mispric"),
    (OptimizePrice, 3, "revenu|profit maximiz|maximis|optimal|optimiz|optimis"),
    (OptimizePrice, 3, "pric right|correctly|well|optimally|competitively"),
    (OptimizePrice, 2, "should * raise|increas|cut|lower|reduc|chang|drop * price|pric"),
    (CompareSegments, 3, "compar|comparison|versus|vs|rank|ranking|leaderboard|benchmark"),
    (CompareSegments, 3, "league table"),
    (CompareSegments, 3, "stack up"),
    (CompareSegments, 3, "which|what <static> * <sup>"),
    (CompareSegments, 3, "top|bottom <static>"),
    (CompareSegments, 3, "best|worst|top|bottom perform"),
    (CompareSegments, 3, "which|what <static> * outperform|underperform"),
    (CompareSegments, 3, "<sup> ?sell|perform|sal <static>"),
    (CompareSegments, 3, "split|broken|break|breakdown by|per|across <static>"),
    (CompareSegments, 2, "by|per|across|each <static>"),
    (Recommend, 3, "what should|shall|can|could i|we do"),
    (Recommend, 3, "what should|shall|could i|we be do|doing|chang"),
    (Recommend, 3, "do|doing|run|handl differently"),
    (Recommend, 3, "what do|would you recommend|suggest|advis"),
    (Recommend, 3, "next best action"),
    (Recommend, 3, "action item"),
    (Recommend, 3, "where should * focus"),
    (Recommend, 3, "what should * focus"),
    (Recommend, 3, "focus on"),
    (Recommend, 3, "what need attention"),
    (
        Recommend,
        2,
        "recommend|recommendation|suggest|suggestion|advice|advis|action|priority|prioritiz|prioritis|opportunity|insight|tip",
    ),
    (DriftReport, 3, "drift|drifting|drifted"),
    (DriftReport, 3, "data|distribution|covariat|input shift|chang"),
    (DriftReport, 3, "model health"),
    (DriftReport, 3, "health check"),
    (DriftReport, 3, "healthy|degrad|decay|stal|monitor|monitoring|psi"),
    (DriftReport, 3, "population stability"),
    (DriftReport, 3, "model * still * good|ok|okay|valid|reliabl|accurat|work|fin|fit"),
    (DriftReport, 3, "still good|ok|okay|valid|reliabl|accurat|work|fin|fit"),
    (ModelHistory, 3, "history|changelog|lineag"),
    (ModelHistory, 3, "audit trail"),
    (ModelHistory, 3, "chang log"),
    (ModelHistory, 3, "who|when|anyon|someon|somebody * promot|deploy|chang|roll|updat|mov * ?model|champion"),
    (ModelHistory, 3, "when * model|champion * chang|promot|deploy|updat"),
    (ModelHistory, 3, "previou|past|old version"),
    (ModelHistory, 3, "what chang * model"),
    (ListModels, 3, "list * model"),
    (ListModels, 3, "which|what model"),
    (ListModels, 3, "show * model"),
    (ListModels, 3, "available|registered|all model"),
    (ListModels, 3, "model registry"),
    (ListModels, 3, "model * we have"),
    (ListModels, 3, "model * there"),
    (ListModels, 3, "current|live|production|serv|deploy champion|model"),
    (ListModels, 3, "which|what * be * champion"),
    (ListModels, 3, "model * production|live|serv|use"),
    (ListModels, 3, "what|which * be * in|on production|live"),
    (Promote, 3, "promot|deploy|ship|activat|crown"),
    (Promote, 3, "make|set|mark * champion|default|production|live"),
    (Promote, 3, "put|push|mov * production|live|champion"),
    (Promote, 3, "go live"),
    (Promote, 3, "switch|swap * to"),
    (Promote, 3, "roll out"),
    (Rollback, 3, "rollback|revert|undo|downgrad|restor"),
    (Rollback, 3, "roll * back"),
    (Rollback, 3, "go|switch|mov back"),
    (Rollback, 3, "back out"),
];

/// Words that say sales changed (for `explain_drop` against `explain`).
pub(crate) const CHANGE_WORDS: &[&str] = &[
    "drop",
    "fall",
    "declin",
    "decreas",
    "dip",
    "down",
    "low",
    "lower",
    "slump",
    "tank",
    "plung",
    "plummet",
    "slid",
    "slide",
    "weak",
    "weaker",
    "slow",
    "slowdown",
    "slower",
    "underperform",
    "wors",
    "worst",
    "spik",
    "jump",
    "surg",
    "rise",
    "increas",
    "up",
    "high",
    "higher",
    "chang",
    "shift",
    "swing",
    "cliff",
    "collaps",
    "crater",
    "soft",
    "softer",
    "poor",
    "bad",
    "off",
    "miss",
    "gap",
    "differenc",
    "deviat",
    "short",
    "crash",
    "dropoff",
    "slip",
    "sag",
    "boost",
    "grow",
    "growth",
    "peak",
    "badly",
    "poorly",
    "less",
    "fewer",
    "more",
];

/// Words that say the question is about the forecast (explain, not explain_drop).
pub(crate) const FORECAST_WORDS: &[&str] =
    &["forecast", "predict", "prediction", "projection", "project", "projected", "outlook", "expect"];

/// Superlatives and comparatives of a ranking question.
pub(crate) const SUPERLATIVES: &[&str] = &[
    "best",
    "worst",
    "most",
    "least",
    "highest",
    "lowest",
    "top",
    "bottom",
    "biggest",
    "largest",
    "smallest",
    "strongest",
    "weakest",
    "fastest",
    "slowest",
    "poorest",
    "greatest",
    "more",
    "fewer",
    "better",
    "wors",
    "higher",
    "lower",
];

/// Nouns for sales.
pub(crate) const SALES_WORDS: &[&str] =
    &["sal", "sell", "demand", "unit", "volum", "quantity", "revenu", "turnover", "throughput", "qty"];

/// Words that stand for "the segment the previous step picked".
pub(crate) const PRONOUNS: &[&str] = &["it", "that", "them", "those", "this", "there", "one", "these"];

/// Common words that are never typo-corrected into lexicon words.
const COMMON: &str = "a about above after again against all also am an and any are as at be because been before \
being below between both but by can could did do does doing down during each few for from further had has have \
having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on \
once only or other our ours out over own same she should so some such than that the their them then there these \
they this those through to too under until up very was we were what when where which while who whom why will with \
would you your yours tell show give please thanks thank help need want know look like make let get got see find \
much many next last past previous this coming week weeks month months year years day days today tomorrow \
yesterday quarter store stores shop item items sku product products chain whole every each total all units unit \
sales sale sell sold selling price prices discount promo promotion model models version champion challenger \
alias number time lead level service percent chance stock order orders ordering reorder plan plans planning \
ahead horizon period range between since until from date dates through weekend holiday holidays season go went \
gone going come came take took keep kept run ran cost costs shelf shelves supplier delivery deliver truck \
region regions category categories department area zone state city country east west north south central";

/// The compiled grammar.
#[derive(Debug)]
pub(crate) struct Lexicon {
    pub(crate) rules: Vec<Rule>,
    pub(crate) known: KnownWords,
    pub(crate) change: BTreeSet<String>,
    pub(crate) forecast: BTreeSet<String>,
    pub(crate) superlatives: BTreeSet<String>,
    pub(crate) sales: BTreeSet<String>,
    pub(crate) pronouns: BTreeSet<String>,
}

fn stems(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| stem(w)).collect()
}

fn alternatives(text: &str) -> Vec<String> {
    text.split('|').map(|w| if w.starts_with('<') { w.to_string() } else { stem(w) }).collect()
}

fn class_of(name: &str) -> Option<Class> {
    match name {
        "<static>" => Some(Class::Static),
        "<sup>" => Some(Class::Superlative),
        "<sales>" => Some(Class::Sales),
        _ => None,
    }
}

fn compile(pattern: &str) -> Vec<Part> {
    pattern
        .split(' ')
        .map(|p| match p {
            "*" => Part::Gap,
            "<static>" => Part::Class(Class::Static),
            "<sup>" => Part::Class(Class::Superlative),
            "<sales>" => Part::Class(Class::Sales),
            _ => match p.strip_prefix('?') {
                Some(rest) => Part::Optional(alternatives(rest)),
                None => Part::Any(alternatives(p)),
            },
        })
        .collect()
}

impl Lexicon {
    /// The grammar, with `extra` words (ids, model name parts, columns) known to the corrector.
    pub(crate) fn new<'a>(extra: impl IntoIterator<Item = &'a str>) -> Self {
        let rules: Vec<Rule> = RULES
            .iter()
            .map(|(tool, strength, p)| Rule { tool: *tool, strength: *strength, parts: compile(p) })
            .collect();
        let mut known = KnownWords::default();
        let add_raw = |w: &str, known: &mut KnownWords| {
            if !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()) {
                known.raw.insert(w.to_string());
                known.stems.insert(stem(w));
            }
        };
        for (_, _, pattern) in RULES {
            for w in pattern.split([' ', '|']) {
                add_raw(w.trim_start_matches('?'), &mut known);
            }
        }
        for set in [CHANGE_WORDS, FORECAST_WORDS, SUPERLATIVES, SALES_WORDS] {
            for w in set {
                add_raw(w, &mut known);
            }
        }
        for w in COMMON.split_whitespace().chain(super::dates::TIME_WORDS.iter().copied()) {
            add_raw(w, &mut known);
        }
        for w in extra {
            for part in w.split(|c: char| !c.is_ascii_alphabetic()) {
                let part = part.to_ascii_lowercase();
                known.stems.insert(stem(&part));
                known.raw.insert(part);
            }
        }
        Self {
            rules,
            known,
            change: stems(CHANGE_WORDS),
            forecast: stems(FORECAST_WORDS),
            superlatives: stems(SUPERLATIVES),
            sales: stems(SALES_WORDS),
            pronouns: stems(PRONOUNS),
        }
    }
}

impl Lexicon {
    fn alternative(&self, tok: &Tok, alt: &str, statics: &[String]) -> bool {
        match class_of(alt) {
            Some(class) => self.in_class(tok, class, statics),
            None => tok.is(alt),
        }
    }

    /// Whether `tok` belongs to `class`; `statics` are the stems of the static column words.
    pub(crate) fn in_class(&self, tok: &Tok, class: Class, statics: &[String]) -> bool {
        let Some(w) = tok.word() else { return false };
        match class {
            Class::Static => statics.iter().any(|s| s == w),
            Class::Superlative => self.superlatives.contains(w),
            Class::Sales => self.sales.contains(w),
        }
    }
}

/// The end of a match of `parts` starting at `tokens[i]`, if any (longest first).
pub(crate) fn match_at(lex: &Lexicon, tokens: &[Tok], i: usize, parts: &[Part], statics: &[String]) -> Option<usize> {
    let Some((first, rest)) = parts.split_first() else { return Some(i) };
    match first {
        Part::Any(words) => {
            let t = tokens.get(i)?;
            if words.iter().any(|w| lex.alternative(t, w, statics)) {
                match_at(lex, tokens, i + 1, rest, statics)
            } else {
                None
            }
        }
        Part::Optional(words) => {
            let here = tokens.get(i).is_some_and(|t| words.iter().any(|w| lex.alternative(t, w, statics)));
            if here && let Some(end) = match_at(lex, tokens, i + 1, rest, statics) {
                return Some(end);
            }
            match_at(lex, tokens, i, rest, statics)
        }
        Part::Gap => {
            for skip in 0..=6 {
                if i + skip > tokens.len() || tokens[i..i + skip].contains(&Tok::Break) {
                    break;
                }
                if let Some(end) = match_at(lex, tokens, i + skip, rest, statics) {
                    return Some(end);
                }
            }
            None
        }
        Part::Class(class) => {
            let t = tokens.get(i)?;
            if lex.in_class(t, *class, statics) { match_at(lex, tokens, i + 1, rest, statics) } else { None }
        }
    }
}
