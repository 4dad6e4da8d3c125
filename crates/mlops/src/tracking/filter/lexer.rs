//! The tokenizer of the filter language: tokens with their 1-based character columns.

use super::Operator;
use crate::error::{MlopsError, Result};

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
    pub(super) fn show(&self) -> String {
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

    pub(super) fn is_keyword(&self, kw: &str) -> bool {
        matches!(self, Self::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

pub(super) fn op_text(op: Operator) -> &'static str {
    match op {
        Operator::Eq => "=",
        Operator::Ne => "!=",
        Operator::Lt => "<",
        Operator::Le => "<=",
        Operator::Gt => ">",
        Operator::Ge => ">=",
    }
}

pub(super) fn error(column: usize, message: String) -> MlopsError {
    MlopsError::Filter { column, message }
}

/// Split `text` into tokens, each with its 1-based character column.
pub(super) fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>> {
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
