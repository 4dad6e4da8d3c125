//! User and role names qualified by their realm: `ana@acme` lives in tenant `acme`, `ops` on
//! the platform.

use crate::error::{Result, SecurityError};
use forecast_core::tenant::TenantId;
use std::fmt;

/// Where a user or custom role lives: one tenant, or the platform (operators).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Realm {
    /// The platform: operators and their custom roles.
    Platform,
    /// One tenant.
    Tenant(TenantId),
}

impl Realm {
    /// The tenant, when the realm is one.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Self::Platform => None,
            Self::Tenant(t) => Some(t),
        }
    }

    /// The stored form: `""` for the platform, else the tenant id.
    pub(crate) fn to_db(&self) -> &str {
        self.tenant().map_or("", TenantId::as_str)
    }
}

impl fmt::Display for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Platform => f.write_str("the platform"),
            Self::Tenant(t) => write!(f, "tenant {t}"),
        }
    }
}

/// A parsed `local@tenant` or `local` name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct QualifiedName {
    pub(crate) local: String,
    pub(crate) realm: Realm,
}

impl QualifiedName {
    /// Parse `what` (`"username"` or `"role"`): 1 to 64 of `A-Z a-z 0-9 _ . -`, then optionally
    /// `@` and a tenant id.
    pub(crate) fn parse(what: &'static str, value: &str) -> Result<Self> {
        let bad = || SecurityError::InvalidName {
            what,
            value: value.escape_debug().to_string(),
            expected: "1 to 64 of A-Z a-z 0-9 _ . - for a platform name, or name@tenant (a tenant id of a-z 0-9 _ -)",
        };
        let (local, realm) = match value.split_once('@') {
            Some((local, tenant)) => (local, Realm::Tenant(TenantId::new(tenant).map_err(|_| bad())?)),
            None => (value, Realm::Platform),
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return Err(bad());
        }
        Ok(Self { local: local.to_string(), realm })
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.realm {
            Realm::Platform => f.write_str(&self.local),
            Realm::Tenant(t) => write!(f, "{}@{t}", self.local),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_their_realm() {
        let ana = QualifiedName::parse("username", "ana.k@acme-01").unwrap();
        assert_eq!(ana.local, "ana.k");
        assert_eq!(ana.realm, Realm::Tenant(TenantId::new("acme-01").unwrap()));
        assert_eq!(ana.to_string(), "ana.k@acme-01");
        let ops = QualifiedName::parse("username", "ops").unwrap();
        assert_eq!(ops.realm, Realm::Platform);
        for bad in ["", "@acme", "ana@", "ana@Acme", "a b@acme", "ana@acme@x", "ana@*", "*", &"x".repeat(65)] {
            assert!(QualifiedName::parse("username", bad).is_err(), "{bad}");
        }
    }
}
