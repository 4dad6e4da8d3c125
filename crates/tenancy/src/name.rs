//! Validated identifiers: tenant ids and the slug rule shared by plans, meters and limits.

use crate::{Result, TenancyError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Check the slug rule: 1 to 64 of `a-z`, `0-9`, `_`, `-`, starting with a letter or digit.
pub(crate) fn check_slug(what: &'static str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok { Ok(()) } else { Err(TenancyError::InvalidName { what, value: value.to_owned() }) }
}

/// A tenant's identifier, e.g. `acme-retail`.
///
/// Only a validated id can be built, so every id that reaches SQL follows the slug rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    /// A tenant id, checked against the slug rule.
    ///
    /// # Errors
    /// [`TenancyError::InvalidName`] unless `id` is 1 to 64 of `a-z`, `0-9`, `_`, `-`.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        check_slug("tenant id", &id)?;
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = TenancyError;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

impl std::str::FromStr for TenantId {
    type Err = TenancyError;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(TenantId::new("acme-retail_2").is_ok());
        for bad in ["", "Acme", "-acme", "a b", "a;drop", &"x".repeat(65)] {
            assert!(matches!(TenantId::new(bad), Err(TenancyError::InvalidName { .. })), "{bad}");
        }
    }
}
