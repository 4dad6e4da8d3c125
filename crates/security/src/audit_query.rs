//! `AuditQuery`: filters over the audit trail by actor, action, target, tenant, outcome and time.

use crate::db::to_db_time;
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

    pub(crate) fn to_sql(&self) -> (String, Vec<String>) {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        let mut eq = |column: &str, value: &Option<String>| {
            if let Some(v) = value {
                params.push(v.clone());
                clauses.push(format!("{column} = ?{}", params.len()));
            }
        };
        eq("actor", &self.actor);
        eq("target", &self.target);
        eq("tenant", &self.tenant);
        eq("outcome", &self.outcome.map(|o| o.as_str().to_string()));
        if let Some(action) = &self.action {
            if let Some(prefix) = action.strip_suffix(".*") {
                // substr, not LIKE: action names may contain `_`, LIKE's wildcard.
                params.push(format!("{prefix}."));
                clauses.push(format!("substr(action, 1, length(?{n})) = ?{n}", n = params.len()));
            } else {
                params.push(action.clone());
                clauses.push(format!("action = ?{}", params.len()));
            }
        }
        if let Some(from) = self.from {
            params.push(to_db_time(from));
            clauses.push(format!("time >= ?{}", params.len()));
        }
        if let Some(to) = self.to {
            params.push(to_db_time(to));
            clauses.push(format!("time < ?{}", params.len()));
        }
        let mut sql = String::from("SELECT seq, event, hash FROM audit_log");
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(" ORDER BY seq");
        if let Some(n) = self.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        (sql, params)
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
