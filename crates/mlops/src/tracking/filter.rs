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

use super::run::Run;
use crate::error::{MlopsError, Result};
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

/// A boolean combination of comparisons.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Both hold.
    And(Box<Condition>, Box<Condition>),
    /// Either holds.
    Or(Box<Condition>, Box<Condition>),
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Number(f64),
    Text(String),
    Op(Operator),
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Self::Word(w) => format!("`{w}`"),
            Self::Number(n) => format!("`{n}`"),
            Self::Text(t) => format!("'{t}'"),
            Self::Op(op) => format!("`{}`", op_text(*op)),
            Self::LParen => "`(`".into(),
            Self::RParen => "`)`".into(),
            Self::Comma => "`,`".into(),
            Self::End => "the end of the filter".into(),
        }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self, Self::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

fn op_text(op: Operator) -> &'static str {
    match op {
        Operator::Eq => "=",
        Operator::Ne => "!=",
        Operator::Lt => "<",
        Operator::Le => "<=",
        Operator::Gt => ">",
        Operator::Ge => ">=",
    }
}

fn error(column: usize, message: String) -> MlopsError {
    MlopsError::Filter { column, message }
}

/// Split `text` into tokens, each with its 1-based character column.
fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two = |a: char, b: char| c == a && next == Some(b);
        let (tok, len) = if two('<', '=') {
            (Tok::Op(Operator::Le), 2)
        } else if two('>', '=') {
            (Tok::Op(Operator::Ge), 2)
        } else if two('!', '=') || two('<', '>') {
            (Tok::Op(Operator::Ne), 2)
        } else if two('=', '=') {
            (Tok::Op(Operator::Eq), 2)
        } else {
            match c {
                '=' => (Tok::Op(Operator::Eq), 1),
                '<' => (Tok::Op(Operator::Lt), 1),
                '>' => (Tok::Op(Operator::Gt), 1),
                '(' => (Tok::LParen, 1),
                ')' => (Tok::RParen, 1),
                ',' => (Tok::Comma, 1),
                '\'' | '"' => read_text(&chars, i)?,
                _ if c.is_ascii_digit() || ((c == '-' || c == '.') && next.is_some_and(|n| n.is_ascii_digit())) => {
                    read_number(&chars, i)?
                }
                _ if c.is_ascii_alphabetic() || c == '_' => {
                    let len =
                        chars[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || "_.-".contains(**c)).count();
                    (Tok::Word(chars[i..i + len].iter().collect()), len)
                }
                _ => {
                    return Err(error(
                        col,
                        format!("unexpected character `{c}`; expected a field, operator, number or quoted text"),
                    ));
                }
            }
        };
        out.push((tok, col));
        i += len;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

fn read_text(chars: &[char], start: usize) -> Result<(Tok, usize)> {
    let quote = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                text.push(quote);
                i += 2;
                continue;
            }
            return Ok((Tok::Text(text), i + 1 - start));
        }
        text.push(chars[i]);
        i += 1;
    }
    Err(error(start + 1, format!("text opened with {quote} is never closed")))
}

fn read_number(chars: &[char], start: usize) -> Result<(Tok, usize)> {
    let mut i = start + usize::from(chars[start] == '-');
    let digits = |i: &mut usize| {
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
    };
    digits(&mut i);
    if chars.get(i) == Some(&'.') {
        i += 1;
        digits(&mut i);
    }
    if chars.get(i).is_some_and(|c| *c == 'e' || *c == 'E') {
        i += 1;
        if chars.get(i).is_some_and(|c| *c == '+' || *c == '-') {
            i += 1;
        }
        digits(&mut i);
    }
    let text: String = chars[start..i].iter().collect();
    if chars.get(i).is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') {
        return Err(error(start + 1, format!("malformed number starting `{text}`; expected digits like 0.25 or 1e-3")));
    }
    let value = text
        .parse::<f64>()
        .map_err(|_| error(start + 1, format!("malformed number `{text}`; expected digits like 0.25 or 1e-3")))?;
    Ok((Tok::Number(value), i - start))
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &(Tok, usize) {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> (Tok, usize) {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    fn fail<T>(&self, expected: &str) -> Result<T> {
        let (tok, col) = self.peek();
        Err(error(*col, format!("expected {expected}, found {}", tok.show())))
    }

    fn query(&mut self) -> Result<Query> {
        let starts_tail = |t: &Tok| t.is_keyword("order") || t.is_keyword("limit") || *t == Tok::End;
        let condition = if starts_tail(&self.peek().0) { None } else { Some(self.or()?) };
        let mut order = Vec::new();
        if self.peek().0.is_keyword("order") {
            self.bump();
            if !self.peek().0.is_keyword("by") {
                return self.fail("`by` after `order`");
            }
            self.bump();
            loop {
                let field = self.field()?;
                let descending = if self.peek().0.is_keyword("desc") {
                    self.bump();
                    true
                } else {
                    if self.peek().0.is_keyword("asc") {
                        self.bump();
                    }
                    false
                };
                order.push(OrderKey { field, descending });
                if self.peek().0 != Tok::Comma {
                    break;
                }
                self.bump();
            }
        }
        let mut limit = None;
        if self.peek().0.is_keyword("limit") {
            self.bump();
            match self.peek().0 {
                Tok::Number(n) if n >= 1.0 && n.fract() == 0.0 && n < 1e15 => {
                    self.bump();
                    limit = Some(n as usize);
                }
                _ => return self.fail("a whole number from 1 after `limit`"),
            }
        }
        if self.peek().0 != Tok::End {
            let expected = match (condition.is_some(), order.is_empty(), limit.is_none()) {
                (true, true, true) => "`and`, `or`, `order by`, `limit` or the end",
                (_, true, true) => "`order by`, `limit` or the end",
                (_, false, true) => "`,`, `limit` or the end",
                _ => "the end",
            };
            return self.fail(expected);
        }
        Ok(Query { condition, order, limit })
    }

    fn or(&mut self) -> Result<Condition> {
        let mut left = self.and()?;
        while self.peek().0.is_keyword("or") {
            self.bump();
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition> {
        let mut left = self.primary()?;
        while self.peek().0.is_keyword("and") {
            self.bump();
            left = Condition::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Condition> {
        if self.peek().0 == Tok::LParen {
            self.bump();
            let inner = self.or()?;
            if self.peek().0 != Tok::RParen {
                return self.fail("`)`, `and` or `or`");
            }
            self.bump();
            return Ok(inner);
        }
        let field = self.field()?;
        let op = match self.peek().0 {
            Tok::Op(op) => op,
            _ => return self.fail("a comparison operator (=, !=, <, <=, >, >=)"),
        };
        self.bump();
        let (tok, col) = self.peek().clone();
        let value = match tok {
            Tok::Number(n) => Literal::Number(n),
            Tok::Text(t) => Literal::Text(t),
            _ => return self.fail(&format!("a number or a quoted text after `{}`", op_text(op))),
        };
        check_types(&field, &value, col)?;
        self.bump();
        Ok(Condition::Compare(Comparison { field, op, value }))
    }

    fn field(&mut self) -> Result<Field> {
        let expected = "a field such as `metrics.wape`, `params.objective`, `tags.team` or `attributes.status`";
        let (tok, col) = self.peek().clone();
        let Tok::Word(word) = tok else { return self.fail(expected) };
        let Some((prefix, key)) = word.split_once('.').filter(|(_, k)| !k.is_empty()) else {
            return self.fail(expected);
        };
        let field = match prefix.to_ascii_lowercase().as_str() {
            "metrics" | "metric" => Field::Metric(key.into()),
            "params" | "param" => Field::Param(key.into()),
            "tags" | "tag" => Field::Tag(key.into()),
            "attributes" | "attribute" | "attr" => {
                let key = key.to_ascii_lowercase();
                if !NUMERIC_ATTRIBUTES.contains(&key.as_str()) && !TEXT_ATTRIBUTES.contains(&key.as_str()) {
                    return Err(error(
                        col,
                        format!(
                            "unknown attribute `{key}`; expected one of {}",
                            [NUMERIC_ATTRIBUTES, TEXT_ATTRIBUTES].concat().join(", ")
                        ),
                    ));
                }
                Field::Attribute(key)
            }
            _ => return Err(error(col, format!("unknown field kind `{prefix}` in `{word}`; expected {expected}"))),
        };
        self.bump();
        Ok(field)
    }
}

fn check_types(field: &Field, value: &Literal, col: usize) -> Result<()> {
    let numeric_only = match field {
        Field::Metric(_) => true,
        Field::Attribute(a) => NUMERIC_ATTRIBUTES.contains(&a.as_str()),
        Field::Param(_) | Field::Tag(_) => return Ok(()),
    };
    match (numeric_only, value) {
        (true, Literal::Text(t)) => Err(error(col, format!("{field:?} compares with numbers, found text '{t}'"))),
        (false, Literal::Number(n)) => {
            Err(error(col, format!("{field:?} compares with quoted text, found number {n}")))
        }
        _ => Ok(()),
    }
}

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
            Self::And(a, b) => a.matches(run) && b.matches(run),
            Self::Or(a, b) => a.matches(run) || b.matches(run),
            Self::Compare(c) => c.matches(run),
        }
    }
}

impl Query {
    /// Parse a search expression (grammar in the module docs).
    ///
    /// # Errors
    /// [`MlopsError::Filter`] with the 1-based column of the offending token.
    pub fn parse(text: &str) -> Result<Self> {
        Parser { toks: tokenize(text)?, pos: 0 }.query()
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

    #[test]
    fn parses_the_documented_example() {
        let q = Query::parse("metrics.wape < 0.2 and params.objective = 'tweedie' order by metrics.wape asc limit 5")
            .unwrap();
        let Some(Condition::And(a, b)) = q.condition else { panic!("expected and") };
        assert_eq!(
            *a,
            Condition::Compare(Comparison {
                field: Field::Metric("wape".into()),
                op: Operator::Lt,
                value: Literal::Number(0.2)
            })
        );
        assert!(matches!(*b, Condition::Compare(Comparison { op: Operator::Eq, .. })));
        assert_eq!(q.order, vec![OrderKey { field: Field::Metric("wape".into()), descending: false }]);
        assert_eq!(q.limit, Some(5));
    }

    #[test]
    fn or_binds_looser_than_and() {
        let q = Query::parse("metrics.a = 1 or metrics.b = 2 and (metrics.c >= -1e-3 OR tags.x != 'it''s')").unwrap();
        let Some(Condition::Or(_, right)) = q.condition else { panic!("expected or at the top") };
        let Condition::And(_, paren) = *right else { panic!("expected and") };
        let Condition::Or(c, x) = *paren else { panic!("expected parenthesised or") };
        assert!(matches!(*c, Condition::Compare(Comparison { value: Literal::Number(v), .. }) if v == -1e-3));
        assert!(matches!(*x, Condition::Compare(Comparison { value: Literal::Text(ref t), .. }) if t == "it's"));
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
