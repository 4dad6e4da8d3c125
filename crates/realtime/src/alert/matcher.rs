//! Label matchers: `name=value`, `name!=value`.

use super::Labels;
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOp {
    /// `=`: the label equals the value (a missing label equals "").
    Equal,
    /// `!=`: the label differs from the value.
    NotEqual,
}

/// One condition on one label, as Alertmanager's `name="value"` and `name!="value"`
/// (regular-expression matchers are not offered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matcher {
    /// Label name.
    pub name: String,
    /// Comparison.
    pub op: MatchOp,
    /// Value compared with.
    pub value: String,
}

impl Matcher {
    /// `name = value`.
    pub fn eq(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { name: name.into(), op: MatchOp::Equal, value: value.into() }
    }

    /// `name != value`.
    pub fn ne(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { name: name.into(), op: MatchOp::NotEqual, value: value.into() }
    }

    /// Parse `name=value`, `name="value"`, `name!=value`.
    ///
    /// # Errors
    /// [`RealtimeError::AlertConfig`] naming the text when it is not of that form.
    pub fn parse(text: &str) -> Result<Self> {
        let (name, op, value) = if let Some((n, v)) = text.split_once("!=") {
            (n, MatchOp::NotEqual, v)
        } else if let Some((n, v)) = text.split_once('=') {
            if v.starts_with('~') {
                return Err(RealtimeError::AlertConfig {
                    place: format!("matcher `{text}`"),
                    message: "regular-expression matchers (=~) are not supported; use = or !=".into(),
                });
            }
            (n, MatchOp::Equal, v)
        } else {
            return Err(RealtimeError::AlertConfig {
                place: format!("matcher `{text}`"),
                message: "expected name=value or name!=value".into(),
            });
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(RealtimeError::AlertConfig {
                place: format!("matcher `{text}`"),
                message: "the label name must be letters, digits and _".into(),
            });
        }
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        Ok(Self { name: name.into(), op, value: value.into() })
    }

    /// Whether `labels` satisfy this matcher.
    pub fn matches(&self, labels: &Labels) -> bool {
        let equal = labels.get(&self.name) == self.value;
        match self.op {
            MatchOp::Equal => equal,
            MatchOp::NotEqual => !equal,
        }
    }
}

/// Whether every matcher matches (an empty list matches everything).
pub(crate) fn all_match(matchers: &[Matcher], labels: &Labels) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let l = Labels::from_pairs([("store", "s1"), ("alertname", "anomaly")]);
        assert!(Matcher::parse("store=s1").unwrap().matches(&l));
        assert!(Matcher::parse(r#"store="s1""#).unwrap().matches(&l));
        assert!(Matcher::parse("store!=s2").unwrap().matches(&l));
        assert!(Matcher::parse("item=").unwrap().matches(&l));
        assert!(!Matcher::parse("item!=").unwrap().matches(&l));
        assert!(Matcher::parse("store=~s.*").is_err());
        assert!(Matcher::parse("store").is_err());
        assert!(Matcher::parse("st ore=1").is_err());
    }
}
