//! `AuditQuery`: filters over the audit trail by actor, action, target, tenant, outcome and time.

use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;

/// A filter over [`crate::AuditLog`] rows; every set field must match. Times are `[from, to)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    /// Exact actor.
    pub actor: Option<String>,
    /// Exact action, or a prefix when it ends in `.*` (e.g. `model.*`).
    pub action: Option<String>,
    /// Exact target.
    pub target: Option<String>,
    /// Exact tenant.
    pub tenant: Option<String>,
    /// Outcome.
    pub outcome: Option<AuditOutcome>,
    /// Earliest time, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Latest time, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// Most rows to return (oldest first).
    pub limit: Option<u32>,
}

impl AuditQuery {
    /// Match everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this actor.
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Only this action (or prefix, ending in `.*`).
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// Only this target.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Only this tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Only this outcome.
    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = Some(outcome);
        self
    }

    /// Only times in `[from, to)`.
    pub fn between(mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
}

impl crate::Security {
    /// Rows of the audit trail `session` may read: with `tenant`, that tenant's rows only
    /// (whatever `query` says about tenants), which needs `view_audit` in the tenant; with
    /// `None`, every row, which needs `view_audit` on the platform.
    ///
    /// # Errors
    /// [`crate::SecurityError::PermissionDenied`] (audited), storage.
    pub fn audit_trail(
        &self,
        session: &crate::Session,
        tenant: Option<&forecast_core::tenant::TenantId>,
        query: &AuditQuery,
    ) -> crate::Result<Vec<crate::AuditRecord>> {
        let resource = tenant.map_or_else(crate::Resource::platform, crate::Resource::tenant).named("audit");
        self.require_for(session, crate::Permission::ViewAudit, &resource, "audit.read")?;
        let mut scoped = query.clone();
        if let Some(t) = tenant {
            scoped.tenant = Some(t.to_string());
        }
        self.audit.query(&scoped)
    }
}
