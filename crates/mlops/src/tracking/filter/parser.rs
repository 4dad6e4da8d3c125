//! The recursive-descent parser of the filter language.

use super::lexer::{Tok, error, op_text};
use super::{
    Comparison, Condition, Field, Literal, MAX_COMPARISONS, MAX_DEPTH, NUMERIC_ATTRIBUTES, OrderKey, Query,
    TEXT_ATTRIBUTES,
};
use crate::error::Result;

/// Tokens, the position of the next one, and the limits' counters.
pub(super) struct Parser {
    pub(super) toks: Vec<(Tok, usize)>,
    pub(super) pos: usize,
    /// Open parentheses around the current position.
    pub(super) depth: usize,
    /// Comparisons parsed so far.
    pub(super) comparisons: usize,
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

    pub(super) fn query(&mut self) -> Result<Query> {
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
        let mut any = vec![self.and()?];
        while self.peek().0.is_keyword("or") {
            self.bump();
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 { any.remove(0) } else { Condition::Or(any) })
    }

    fn and(&mut self) -> Result<Condition> {
        let mut all = vec![self.primary()?];
        while self.peek().0.is_keyword("and") {
            self.bump();
            all.push(self.primary()?);
        }
        Ok(if all.len() == 1 { all.remove(0) } else { Condition::And(all) })
    }

    fn primary(&mut self) -> Result<Condition> {
        if self.peek().0 == Tok::LParen {
            if self.depth == MAX_DEPTH {
                let col = self.peek().1;
                return Err(error(col, format!("parentheses nest deeper than {MAX_DEPTH}; simplify the filter")));
            }
            self.depth += 1;
            self.bump();
            let inner = self.or()?;
            self.depth -= 1;
            if self.peek().0 != Tok::RParen {
                return self.fail("`)`, `and` or `or`");
            }
            self.bump();
            return Ok(inner);
        }
        if self.comparisons == MAX_COMPARISONS {
            let col = self.peek().1;
            return Err(error(col, format!("more than {MAX_COMPARISONS} comparisons; split the search")));
        }
        self.comparisons += 1;
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
