//! The crate's error type.

use chrono::{DateTime, Utc};

/// Everything that can go wrong in forecast-tenancy.
///
/// Each variant names the tenant, field or key involved and, where it helps, what is accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenancyError {
    /// A tenant id, plan name, meter or limit name broke its naming rule.
    #[error("invalid {what} `{value}`: expected 1 to 64 of `a-z`, `0-9`, `_`, `-`, starting with a letter or digit")]
    InvalidName {
        /// What kind of name ("tenant id", "plan name", "meter", ...).
        what: &'static str,
        /// The rejected value.
        value: String,
    },
    /// A tenant field (timezone, currency, locale, display name) was not accepted.
    #[error("invalid {field} `{value}`: expected {expected}")]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// The rejected value.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// A plan definition was inconsistent.
    #[error("invalid plan `{plan}`: {reason}")]
    InvalidPlan {
        /// The plan name.
        plan: String,
        /// What was wrong.
        reason: String,
    },
    /// A usage event or quota amount was not accepted.
    #[error("invalid usage for tenant `{tenant}` (key `{key}`): {reason}")]
    InvalidUsage {
        /// The tenant.
        tenant: String,
        /// The idempotency key or limit name involved.
        key: String,
        /// What was wrong and what is accepted.
        reason: String,
    },
    /// No tenant with this id exists.
    #[error("tenant `{tenant}` not found")]
    TenantNotFound {
        /// The tenant id looked up.
        tenant: String,
    },
    /// A tenant with this id already exists.
    #[error("tenant `{tenant}` already exists")]
    TenantExists {
        /// The tenant id.
        tenant: String,
    },
    /// The tenant exists but is not active, so it cannot be used.
    #[error("tenant `{tenant}` is {status}; only active tenants can be used (reactivate it first)")]
    TenantInactive {
        /// The tenant id.
        tenant: String,
        /// Its status (e.g. `suspended`).
        status: String,
    },
    /// The tenant status does not allow this lifecycle change.
    #[error("tenant `{tenant}` is {status}; cannot {action}")]
    InvalidTransition {
        /// The tenant id.
        tenant: String,
        /// Its current status.
        status: String,
        /// The refused action.
        action: &'static str,
    },
    /// No plan with this name is in the catalogue.
    #[error("plan `{plan}` not found; known plans: {known}")]
    PlanNotFound {
        /// The plan name looked up.
        plan: String,
        /// The plans that exist, comma separated.
        known: String,
    },
    /// The tenant's plan does not include a boolean feature.
    #[error("tenant `{tenant}` on plan `{plan}` is not entitled to feature `{feature}`; the plan includes: {included}")]
    FeatureNotEntitled {
        /// The tenant id.
        tenant: String,
        /// The tenant's plan.
        plan: String,
        /// The feature required.
        feature: String,
        /// The features the plan does include, comma separated.
        included: String,
    },
    /// The tenant's plan has no limit or setting with this name.
    #[error("plan `{plan}` of tenant `{tenant}` has no {what} `{name}`; it defines: {defined}")]
    NotInPlan {
        /// The tenant id.
        tenant: String,
        /// The tenant's plan.
        plan: String,
        /// "limit" or "setting".
        what: &'static str,
        /// The name looked up.
        name: String,
        /// The names the plan does define, comma separated.
        defined: String,
    },
    /// A hard limit would be exceeded; nothing was consumed.
    #[error(
        "quota exceeded for tenant `{tenant}`: limit `{limit}` is {limit_value}, {used} used, {requested} requested; {}",
        match resets_at { Some(t) => format!("resets at {}", t.to_rfc3339()), None => "it does not reset (release usage or raise the limit)".to_owned() }
    )]
    QuotaExceeded {
        /// The tenant id.
        tenant: String,
        /// The limit name.
        limit: String,
        /// The limit for this period, one-off grants included.
        limit_value: u64,
        /// Usage so far in the period.
        used: u64,
        /// The amount that was refused.
        requested: u64,
        /// When the period resets (None for limits that never reset).
        resets_at: Option<DateTime<Utc>>,
    },
    /// An idempotency key was reused with a different payload.
    #[error(
        "idempotency key `{key}` of tenant `{tenant}` was already used with a different payload; \
         resend the original payload or use a new key"
    )]
    IdempotencyConflict {
        /// The tenant id.
        tenant: String,
        /// The reused key.
        key: String,
    },
    /// A stored row could not be read back (corrupt or written by a newer version).
    #[error("corrupt row in `{table}` for `{id}`: {reason}")]
    CorruptRow {
        /// The table.
        table: &'static str,
        /// The row's key.
        id: String,
        /// What was wrong.
        reason: String,
    },
    /// The database schema is newer than this build understands.
    #[error("tenant store schema version {found} is newer than this build's {supported}")]
    SchemaTooNew {
        /// `PRAGMA user_version` found.
        found: i64,
        /// Newest version this build reads.
        supported: i64,
    },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// JSON (de)serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// An error from forecast-core (e.g. the audit sink).
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
}

/// Result alias with [`TenancyError`] as the default error.
pub type Result<T, E = TenancyError> = std::result::Result<T, E>;
