//! The run search language: a hand-written tokenizer and recursive-descent parser.
//!
//! ```text
//! query      = [ condition ] [ "order" "by" order_key { "," order_key } ] [ "limit" integer ]
//! condition  = conjunction { "or" conjunction }
//! conjunction= primary { "and" primary }
//! primary    = "(" condition ")" | field operator literal
//! field      = ("metrics" | "params" | "tags" | "attributes") "." key
//! operator   = "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//! literal    = number | 'text' | "text"        (a quote inside text is doubled: 'it''s')
//! order_key  = field [ "asc" | "desc" ]
//! ```
//!
//! Keywords are case-insensitive. Attributes are `id`, `name`, `status`, `parent`,
//! `experiment`, `start_time` and `end_time` (seconds since the Unix epoch).
//!
//! Parentheses nest at most [`MAX_DEPTH`] deep and a filter holds at most
//! [`MAX_COMPARISONS`] comparisons; past either the parser stops with an error naming the
//! column, so a hostile filter cannot exhaust the stack. `and` and `or` chains are kept flat
//! ([`Condition::And`] and [`Condition::Or`] hold lists), so evaluating and dropping a parsed
//! filter never recurses deeper than its parentheses.

mod lexer;
mod parser;

use crate::error::Result;
use forecast_core::tracking::Run;
use std::cmp::Ordering;

/// A parsed search: a condition, an ordering and a limit.
///
/// ```
/// use forecast_mlops::tracking::Query;
/// let q = Query::parse("metrics.wape < 0.2 and params.objective = 'tweedie' order by metrics.wape asc limit 5")?;
/// assert_eq!(q.limit, Some(5));
/// let err = Query::parse("metrics.wape < and").unwrap_err();
/// assert_eq!(err.to_string(), "filter column 16: expected a number or a quoted text after `<`, found `and`");
/// # Ok::<(), forecast_mlops::MlopsError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The condition a run must satisfy (None: every run).
    pub condition: Option<Condition>,
    /// Sort keys, first one most significant; runs without the key sort last.
    pub order: Vec<OrderKey>,
    /// At most this many runs.
    pub limit: Option<usize>,
}

/// Deepest accepted nesting of parentheses.
pub const MAX_DEPTH: usize = 32;

/// Most comparisons in one filter.
pub const MAX_COMPARISONS: usize = 1_000;

/// A boolean combination of comparisons.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every one holds (two or more, in the order written).
    And(Vec<Condition>),
    /// At least one holds (two or more, in the order written).
    Or(Vec<Condition>),
    /// One comparison.
    Compare(Comparison),
}

/// `field operator literal`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Left side.
    pub field: Field,
    /// Operator.
    pub op: Operator,
    /// Right side.
    pub value: Literal,
}

/// What a comparison or sort key reads from a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The latest value of a metric.
    Metric(String),
    /// A param (text; compared as a number when the literal is one).
    Param(String),
    /// A tag.
    Tag(String),
    /// A run attribute (`id`, `name`, `status`, `parent`, `experiment`, `start_time`, `end_time`).
    Attribute(String),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=` or `==`.
    Eq,
    /// `!=` or `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// Quoted text.
    Text(String),
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    /// What to sort by.
    pub field: Field,
    /// Descending instead of ascending.
    pub descending: bool,
}

const NUMERIC_ATTRIBUTES: &[&str] = &["id", "parent", "start_time", "end_time"];
const TEXT_ATTRIBUTES: &[&str] = &["name", "status", "experiment"];

/// A value read from a run for comparison or sorting.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    Text(String),
}

fn read(run: &Run, field: &Field) -> Option<Value> {
    let text = |s: Option<&String>| s.map(|s| Value::Text(s.clone()));
    match field {
        Field::Metric(k) => run.metrics.get(k).map(|v| Value::Number(*v)),
        Field::Param(k) => text(run.params.get(k)),
        Field::Tag(k) => text(run.tags.get(k)),
        Field::Attribute(a) => match a.as_str() {
            "id" => Some(Value::Number(run.id as f64)),
            "parent" => run.parent.map(|p| Value::Number(p as f64)),
            "start_time" => Some(Value::Number(seconds(run.start_time))),
            "end_time" => run.end_time.map(|t| Value::Number(seconds(t))),
            "name" => Some(Value::Text(run.name.clone())),
            "status" => Some(Value::Text(run.status.as_str().into())),
            "experiment" => Some(Value::Text(run.experiment.clone())),
            _ => None,
        },
    }
}

fn seconds(t: chrono::DateTime<chrono::Utc>) -> f64 {
    t.timestamp_micros() as f64 / 1e6
}

impl Comparison {
    /// Whether `run` satisfies the comparison; a missing key never matches.
    pub fn matches(&self, run: &Run) -> bool {
        let ord = match (read(run, &self.field), &self.value) {
            (Some(Value::Number(a)), Literal::Number(b)) => a.partial_cmp(b),
            (Some(Value::Text(a)), Literal::Number(b)) => a.trim().parse::<f64>().ok().and_then(|a| a.partial_cmp(b)),
            (Some(Value::Text(a)), Literal::Text(b)) => Some(a.as_str().cmp(b.as_str())),
            _ => None,
        };
        ord.is_some_and(|o| match self.op {
            Operator::Eq => o == Ordering::Equal,
            Operator::Ne => o != Ordering::Equal,
            Operator::Lt => o == Ordering::Less,
            Operator::Le => o != Ordering::Greater,
            Operator::Gt => o == Ordering::Greater,
            Operator::Ge => o != Ordering::Less,
        })
    }
}

impl Condition {
    /// Whether `run` satisfies the condition.
    pub fn matches(&self, run: &Run) -> bool {
        match self {
            Self::And(all) => all.iter().all(|c| c.matches(run)),
            Self::Or(any) => any.iter().any(|c| c.matches(run)),
            Self::Compare(c) => c.matches(run),
        }
    }
}

impl Query {
    /// Parse a search expression (grammar in the module docs).
    ///
    /// # Errors
    /// [`crate::MlopsError::Filter`] with the 1-based column of the offending token.
    pub fn parse(text: &str) -> Result<Self> {
        parser::Parser { toks: lexer::tokenize(text)?, pos: 0, depth: 0, comparisons: 0 }.query()
    }

    /// Filter, sort and truncate `runs` (ties keep their order).
    pub fn apply(&self, runs: Vec<Run>) -> Vec<Run> {
        let mut kept: Vec<Run> =
            runs.into_iter().filter(|r| self.condition.as_ref().is_none_or(|c| c.matches(r))).collect();
        kept.sort_by(|a, b| {
            self.order
                .iter()
                .map(|key| compare_for_sort(read(a, &key.field), read(b, &key.field), key.descending))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
        if let Some(limit) = self.limit {
            kept.truncate(limit);
        }
        kept
    }
}

fn compare_for_sort(a: Option<Value>, b: Option<Value>, descending: bool) -> Ordering {
    let flip = |o: Ordering| if descending { o.reverse() } else { o };
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(Value::Number(x)), Some(Value::Number(y))) => flip(x.total_cmp(&y)),
        (Some(Value::Text(x)), Some(Value::Text(y))) => flip(x.cmp(&y)),
        (Some(Value::Number(_)), Some(Value::Text(_))) => Ordering::Less,
        (Some(Value::Text(_)), Some(Value::Number(_))) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MlopsError;

    #[test]
    fn parses_the_documented_example() {
        let q = Query::parse("metrics.wape < 0.2 and params.objective = 'tweedie' order by metrics.wape asc limit 5")
            .unwrap();
        let Some(Condition::And(parts)) = q.condition else { panic!("expected and") };
        let [a, b] = parts.as_slice() else { panic!("expected two parts") };
        assert_eq!(
            *a,
            Condition::Compare(Comparison {
                field: Field::Metric("wape".into()),
                op: Operator::Lt,
                value: Literal::Number(0.2)
            })
        );
        assert!(matches!(b, Condition::Compare(Comparison { op: Operator::Eq, .. })));
        assert_eq!(q.order, vec![OrderKey { field: Field::Metric("wape".into()), descending: false }]);
        assert_eq!(q.limit, Some(5));
    }

    #[test]
    fn or_binds_looser_than_and() {
        let q = Query::parse("metrics.a = 1 or metrics.b = 2 and (metrics.c >= -1e-3 OR tags.x != 'it''s')").unwrap();
        let Some(Condition::Or(top)) = q.condition else { panic!("expected or at the top") };
        let [_, Condition::And(right)] = top.as_slice() else { panic!("expected and") };
        let [_, Condition::Or(paren)] = right.as_slice() else { panic!("expected parenthesised or") };
        let [c, x] = paren.as_slice() else { panic!("expected two alternatives") };
        assert!(matches!(c, Condition::Compare(Comparison { value: Literal::Number(v), .. }) if *v == -1e-3));
        assert!(matches!(x, Condition::Compare(Comparison { value: Literal::Text(t), .. }) if t == "it's"));
    }

    #[test]
    fn nesting_and_size_are_bounded_with_a_position() {
        let deep = format!("{}metrics.a = 1{}", "(".repeat(100_000), ")".repeat(100_000));
        match Query::parse(&deep) {
            Err(MlopsError::Filter { column, message }) => {
                assert_eq!(column, MAX_DEPTH + 1, "the first parenthesis too many");
                assert!(message.contains("deeper than 32"), "{message}");
            }
            other => panic!("expected a depth error, got {other:?}"),
        }
        let at_limit = format!("{}metrics.a = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(Query::parse(&at_limit).is_ok());
        let long = vec!["metrics.a = 1"; MAX_COMPARISONS + 1].join(" and ");
        let err = Query::parse(&long).unwrap_err().to_string();
        assert!(err.contains("more than 1000 comparisons"), "{err}");
        assert!(Query::parse(&vec!["metrics.a = 1"; MAX_COMPARISONS].join(" or ")).is_ok());
    }

    #[test]
    fn chains_stay_flat() {
        let q = Query::parse("metrics.a = 1 and metrics.b = 2 and metrics.c = 3 or metrics.d = 4").unwrap();
        let Some(Condition::Or(top)) = q.condition else { panic!("expected or") };
        assert!(matches!(&top[0], Condition::And(parts) if parts.len() == 3));
        assert_eq!(top.len(), 2);
    }

    #[test]
    fn empty_and_order_only_queries_parse() {
        assert_eq!(Query::parse("  ").unwrap(), Query { condition: None, order: vec![], limit: None });
        let q = Query::parse("ORDER BY attributes.start_time DESC, metrics.wape").unwrap();
        assert_eq!(q.order.len(), 2);
        assert!(q.order[0].descending && !q.order[1].descending);
    }

    #[test]
    fn every_malformed_filter_names_its_column() {
        let cases: &[(&str, usize, &str)] = &[
            ("metrics.wape < and", 16, "a number or a quoted text"),
            ("metrics.wape 0.2", 14, "comparison operator"),
            ("wape < 0.2", 1, "a field such as"),
            ("metric.wape < 0.2 and", 22, "a field such as"),
            ("foo.wape < 0.2", 1, "unknown field kind `foo`"),
            ("attributes.colour = 'red'", 1, "unknown attribute `colour`"),
            ("metrics.wape < 'low'", 16, "compares with numbers"),
            ("attributes.status = 3", 21, "compares with quoted text"),
            ("params.objective = 'tweedie", 20, "never closed"),
            ("metrics.wape < 0.2 limit 0", 26, "a whole number from 1"),
            ("metrics.wape < 0.2 limit 2.5", 26, "a whole number from 1"),
            ("metrics.wape < 0.2 order metrics.wape", 26, "`by` after `order`"),
            ("metrics.wape < 0.2 order by", 28, "a field such as"),
            ("(metrics.wape < 0.2", 20, "`)`, `and` or `or`"),
            ("metrics.wape < 0.2 metrics.mase < 1", 20, "`and`, `or`, `order by`, `limit` or the end"),
            ("metrics.wape < 0.2 limit 3 extra", 28, "the end"),
            ("metrics.wape < 1.2.3", 19, "`and`, `or`"),
            ("metrics.wape < 12abc", 16, "malformed number"),
            ("metrics.wape # 3", 14, "unexpected character `#`"),
            ("metrics.é < 3", 9, "unexpected character"),
            ("and metrics.a < 1", 1, "a field such as"),
        ];
        for (text, column, needle) in cases {
            match Query::parse(text) {
                Err(MlopsError::Filter { column: c, message }) => {
                    assert_eq!(c, *column, "column for `{text}`: {message}");
                    assert!(message.contains(needle), "message for `{text}`: {message}");
                }
                other => panic!("`{text}` should fail, got {other:?}"),
            }
        }
    }
}
