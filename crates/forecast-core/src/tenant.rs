//! Tenant identity and status: the one [`TenantId`] every crate uses, and the ports through
//! which forecast-security learns whether a tenant may act ([`TenantDirectory`]) and
//! forecast-tenancy learns who may administer tenants ([`TenantAdminCheck`]).
//!
//! forecast-tenancy implements [`TenantDirectory`]; forecast-security consumes it in every
//! authorisation and session check, and implements [`TenantAdminCheck`] for a live session,
//! which forecast-tenancy consumes before every operator action. Neither crate depends on the
//! other.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::{self, Debug};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A tenant's identifier, e.g. `acme-retail`: 1 to 64 of `a-z`, `0-9`, `_`, `-`, starting with
/// a letter or digit.
///
/// Only a validated id can be built (also through serde), so every id that reaches a query,
/// a log line or a file name follows the rule.
///
/// ```
/// use forecast_core::tenant::TenantId;
/// let acme = TenantId::new("acme-retail")?;
/// assert_eq!(acme.as_str(), "acme-retail");
/// assert!(TenantId::new("Acme Retail").is_err());
/// # Ok::<(), forecast_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    /// The longest accepted id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// A tenant id, checked against the rule.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the rejected id and the rule.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(Self(id))
        } else {
            Err(Error::InvalidArgument {
                operation: "TenantId::new".into(),
                argument: "tenant id".into(),
                message: format!(
                    "`{}` is not a tenant id; expected 1 to 64 of `a-z`, `0-9`, `_`, `-`, starting with a letter or digit",
                    id.escape_debug()
                ),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}

impl TryFrom<&str> for TenantId {
    type Error = Error;
    fn try_from(value: &str) -> Result<Self> {
        Self::new(value)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

impl std::str::FromStr for TenantId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl AsRef<str> for TenantId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a tenant is in its lifecycle.
///
/// Only an `Active` tenant may act: its users' sessions, role assignments, quotas and stores
/// all stop working while it is `Suspended`, and for good once it is `Deleted`. A deleted
/// tenant's id is kept as a tombstone and never given to another tenant, so nothing granted
/// under the old id can pass to a namesake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    /// Usable.
    Active,
    /// Kept but refused until reactivated.
    Suspended,
    /// Gone; its id is retired.
    Deleted,
}

impl TenantStatus {
    /// The lower-case name used in storage and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
        }
    }

    /// The status named `s` (`active`, `suspended` or `deleted`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The request rate a tenant's plan allows its API clients: `requests` per `period`, up to
/// `burst` back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApiRate {
    /// Requests per period (>= 1).
    pub requests: u32,
    /// The period.
    pub period: Duration,
    /// Requests allowed back to back after a quiet spell (>= 1).
    pub burst: u32,
}

impl ApiRate {
    /// `requests` per minute, all of them allowed in one burst.
    pub fn per_minute(requests: u32) -> Self {
        Self { requests, period: Duration::from_secs(60), burst: requests }
    }
}

/// Tells whether a tenant exists and may act: the port forecast-security reads on every
/// session and authorisation check. forecast-tenancy's tenant store implements it.
pub trait TenantDirectory: Send + Sync + Debug {
    /// The tenant's status, or `None` when no tenant with this id was ever created.
    /// Callers deny everything but `Some(Active)`.
    ///
    /// # Errors
    /// When the directory cannot be read (callers deny then too).
    fn status(&self, tenant: &TenantId) -> Result<Option<TenantStatus>>;

    /// The API rate the tenant's plan allows (`None`: the plan sets none, the caller's default
    /// applies).
    ///
    /// # Errors
    /// When the directory cannot be read.
    fn api_rate(&self, tenant: &TenantId) -> Result<Option<ApiRate>> {
        let _ = tenant;
        Ok(None)
    }
}

impl<T: TenantDirectory + ?Sized> TenantDirectory for Arc<T> {
    fn status(&self, tenant: &TenantId) -> Result<Option<TenantStatus>> {
        (**self).status(tenant)
    }

    fn api_rate(&self, tenant: &TenantId) -> Result<Option<ApiRate>> {
        (**self).api_rate(tenant)
    }
}

/// A directory held in memory: for tests, and for deployments without forecast-tenancy that
/// serve a fixed set of tenants.
#[derive(Debug, Default)]
pub struct FixedTenants {
    tenants: RwLock<BTreeMap<TenantId, (TenantStatus, Option<ApiRate>)>>,
}

impl FixedTenants {
    /// A directory knowing no tenant (every tenant is refused).
    pub fn new() -> Self {
        Self::default()
    }

    /// A directory in which each of `ids` is active.
    pub fn active<'a>(ids: impl IntoIterator<Item = &'a TenantId>) -> Self {
        let directory = Self::new();
        for id in ids {
            directory.set(id, TenantStatus::Active);
        }
        directory
    }

    /// Set (or add) the status of `id`.
    pub fn set(&self, id: &TenantId, status: TenantStatus) {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        tenants.entry(id.clone()).and_modify(|e| e.0 = status).or_insert((status, None));
    }

    /// Set the API rate of a known tenant.
    pub fn set_api_rate(&self, id: &TenantId, rate: Option<ApiRate>) {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = tenants.get_mut(id) {
            entry.1 = rate;
        }
    }
}

impl TenantDirectory for FixedTenants {
    fn status(&self, tenant: &TenantId) -> Result<Option<TenantStatus>> {
        Ok(self.tenants.read().unwrap_or_else(|e| e.into_inner()).get(tenant).map(|e| e.0))
    }

    fn api_rate(&self, tenant: &TenantId) -> Result<Option<ApiRate>> {
        Ok(self.tenants.read().unwrap_or_else(|e| e.into_inner()).get(tenant).and_then(|e| e.1))
    }
}

/// An operator action on tenants, checked through [`TenantAdminCheck`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TenantAdminAction {
    /// Create a tenant.
    CreateTenant,
    /// Suspend an active tenant.
    SuspendTenant,
    /// Reactivate a suspended tenant.
    ReactivateTenant,
    /// Export and delete a tenant.
    DeleteTenant,
    /// Move a tenant to another plan.
    ChangePlan,
    /// Top up a tenant's quota (platform operators only).
    GrantQuota,
    /// Add or replace a plan in the catalogue.
    DefinePlan,
}

impl TenantAdminAction {
    /// The snake_case name used in audit rows and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::CreateTenant => "create_tenant",
            Self::SuspendTenant => "suspend_tenant",
            Self::ReactivateTenant => "reactivate_tenant",
            Self::DeleteTenant => "delete_tenant",
            Self::ChangePlan => "change_plan",
            Self::GrantQuota => "grant_quota",
            Self::DefinePlan => "define_plan",
        }
    }
}

impl fmt::Display for TenantAdminAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decides whether the caller it speaks for may perform an operator action on tenants.
///
/// forecast-security implements it for a live session (platform operators hold
/// `manage_tenants` / `manage_billing` in every tenant); forecast-tenancy asks it before every
/// lifecycle change, plan change, plan definition and quota grant, and records each refusal in
/// the audit trail itself (so implementations do not record it a second time).
pub trait TenantAdminCheck: Send + Sync + Debug {
    /// Who is asking, for messages and audit rows.
    fn actor(&self) -> String;

    /// `Ok(())` when the caller may perform `action` on `tenant` (`None` for catalogue actions
    /// such as [`TenantAdminAction::DefinePlan`]).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] saying why, when it may not (deny by default).
    fn check(&self, action: TenantAdminAction, tenant: Option<&TenantId>) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_one_rule() {
        assert!(TenantId::new("acme-retail_2").is_ok());
        assert!(TenantId::new("9lives").is_ok());
        assert!(TenantId::new("x".repeat(64)).is_ok());
        for bad in ["", "Acme", "-acme", "_acme", "a b", "a;drop", "a@b", "a.b", "é", &"x".repeat(65)] {
            let err = TenantId::new(bad).unwrap_err().to_string();
            assert!(err.contains("expected 1 to 64"), "{bad}: {err}");
        }
        let parsed: TenantId = serde_json::from_str("\"acme\"").unwrap();
        assert_eq!(parsed.to_string(), "acme");
        assert!(serde_json::from_str::<TenantId>("\"acme; DROP TABLE t\"").is_err());
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"acme\"");
    }

    #[test]
    fn statuses_round_trip() {
        for s in [TenantStatus::Active, TenantStatus::Suspended, TenantStatus::Deleted] {
            assert_eq!(TenantStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(TenantStatus::parse("paused"), None);
    }

    #[test]
    fn fixed_directory_knows_only_what_it_was_told() {
        let acme = TenantId::new("acme").unwrap();
        let globex = TenantId::new("globex").unwrap();
        let d = FixedTenants::active([&acme]);
        assert_eq!(d.status(&acme).unwrap(), Some(TenantStatus::Active));
        assert_eq!(d.status(&globex).unwrap(), None);
        d.set(&acme, TenantStatus::Suspended);
        assert_eq!(d.status(&acme).unwrap(), Some(TenantStatus::Suspended));
        assert_eq!(d.api_rate(&acme).unwrap(), None);
        d.set_api_rate(&acme, Some(ApiRate::per_minute(10)));
        assert_eq!(d.api_rate(&acme).unwrap().map(|r| r.requests), Some(10));
    }
}
