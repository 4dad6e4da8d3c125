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
    /// The id belonged to a deleted tenant; ids are never reused, so nothing granted under the
    /// old tenant (roles, keys, exports) can pass to a new one.
    #[error("tenant id `{tenant}` belonged to a deleted tenant and is retired; choose another id")]
    TenantIdRetired {
        /// The tenant id.
        tenant: String,
    },
    /// A plan is priced in another currency than the tenant is billed in.
    #[error(
        "plan `{plan}` is priced in {plan_currency}, but tenant `{tenant}` is billed in {tenant_currency}; use a plan priced in {tenant_currency}"
    )]
    CurrencyMismatch {
        /// The tenant id.
        tenant: String,
        /// The plan.
        plan: String,
        /// The plan's currency.
        plan_currency: String,
        /// The tenant's currency.
        tenant_currency: String,
    },
    /// The period's invoice is already issued, so usage in it can no longer be recorded.
    #[error(
        "usage of tenant `{tenant}` at {occurred_at} (key `{key}`) falls in {period}, whose invoice was issued; record it in an open month"
    )]
    PeriodClosed {
        /// The tenant id.
        tenant: String,
        /// The closed month.
        period: String,
        /// The idempotency key of the refused event.
        key: String,
        /// When the refused usage happened.
        occurred_at: DateTime<Utc>,
    },
    /// No invoice exists for a month wholly before the tenant was created.
    #[error("tenant `{tenant}` was created at {created_at}; there is no invoice for {period}, before it existed")]
    PeriodBeforeTenant {
        /// The tenant id.
        tenant: String,
        /// The month asked for.
        period: String,
        /// When the tenant was created.
        created_at: DateTime<Utc>,
    },
    /// An operator action was refused by the permission check (see
    /// [`forecast_core::tenant::TenantAdminCheck`]).
    #[error("`{actor}` may not {action} tenant `{tenant}`: {reason}")]
    NotPermitted {
        /// Who asked.
        actor: String,
        /// The refused action.
        action: String,
        /// The tenant (or `catalogue`).
        tenant: String,
        /// Why.
        reason: String,
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
        /// Version found in `schema_versions`.
        found: i64,
        /// Newest version this build reads.
        supported: i64,
    },
    /// The database was written by an earlier development build that kept its version in
    /// `PRAGMA user_version`.
    #[error("tenant store written by an earlier build (PRAGMA user_version = {user_version}); open a new file")]
    LegacySchema {
        /// The `PRAGMA user_version` found.
        user_version: i64,
    },
    /// A storage backend other than the built-in SQLite store failed, or broke the
    /// [`crate::storage::TenancyStore`] contract.
    #[error("{backend}, {operation}: {source}")]
    Backend {
        /// The backend, e.g. `postgres`.
        backend: &'static str,
        /// The store operation, e.g. `record usage`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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

impl From<TenancyError> for forecast_core::Error {
    /// Refusals (quota, entitlement, inactive tenant, operator check) become
    /// [`forecast_core::Error::PermissionDenied`], so layers above know a refusal was already
    /// audited here; other errors keep their kind where forecast-core has one.
    fn from(e: TenancyError) -> Self {
        let denied = |actor: String, action: &str, target: String, reason: String| Self::PermissionDenied {
            actor,
            action: action.to_string(),
            target,
            reason,
        };
        match e {
            TenancyError::Core(inner) => inner,
            TenancyError::TenantNotFound { tenant } => Self::NotFound { what: "tenant", id: tenant },
            TenancyError::NotPermitted { actor, action, tenant, reason } => denied(actor, &action, tenant, reason),
            e @ (TenancyError::QuotaExceeded { .. }
            | TenancyError::FeatureNotEntitled { .. }
            | TenancyError::TenantInactive { .. }
            | TenancyError::NotInPlan { .. }) => {
                denied("tenant".into(), "use the plan", "tenant".into(), e.to_string())
            }
            other => Self::Backend { backend: "forecast-tenancy", source: Box::new(other) },
        }
    }
}
