//! `TenantScope`: the only door to a tenant's data.

use crate::Result;
use crate::entitlements::Entitlements;
use crate::store::{TenantStore, load_active_tenant, load_plan, lock_active_tenant};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{AuditEvent, AuditOutcome};
use rusqlite::{Connection, Transaction};

/// A handle bound to one tenant, obtained only from [`TenantStore::scope`].
///
/// Every method reads or writes that tenant's rows and no others: no method takes a tenant
/// id, so a cross-tenant read or write cannot be written down. Each operation re-checks, in
/// its own transaction, that the tenant still exists and is active, so a scope held across
/// a suspension or deletion stops working. Nothing here raises the tenant's limits: top-ups
/// are an operator action ([`TenantStore::grant_quota`]).
///
/// A scope cannot be built by hand, only obtained from the store:
///
/// ```compile_fail
/// # fn f(store: &forecast_tenancy::TenantStore, id: forecast_tenancy::TenantId) {
/// let scope = forecast_tenancy::TenantScope { store, tenant: id, actor: String::new() };
/// # }
/// ```
///
/// and it cannot top its own quota up (grants are [`TenantStore::grant_quota`], an operator
/// action):
///
/// ```compile_fail
/// # fn f(scope: &forecast_tenancy::TenantScope<'_>) {
/// scope.grant("api_calls", 1_000_000, "self-service").unwrap();
/// # }
/// ```
#[derive(Debug)]
pub struct TenantScope<'s> {
    pub(crate) store: &'s TenantStore,
    tenant: TenantId,
    actor: String,
}

impl<'s> TenantScope<'s> {
    pub(crate) fn new(store: &'s TenantStore, tenant: TenantId) -> Self {
        let actor = format!("tenant:{tenant}");
        Self { store, tenant, actor }
    }

    /// The same scope, with audit events attributed to `actor` (a user or API key).
    pub fn acting_as(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// The tenant this scope is bound to.
    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant
    }

    /// The tenant's record.
    ///
    /// # Errors
    /// When the tenant was deleted or suspended since the scope was opened.
    pub fn tenant(&self) -> Result<Tenant> {
        self.read(|_, tenant| Ok(tenant))
    }

    /// What the tenant's plan entitles it to.
    ///
    /// # Errors
    /// When the tenant is gone or inactive, or its plan left the catalogue.
    pub fn entitlements(&self) -> Result<Entitlements> {
        self.read(|tx, tenant| Ok(Entitlements::new(tenant.id, load_plan(tx, &tenant.plan)?)))
    }

    /// The current instant from the store's clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.store.clock().now()
    }

    /// Run `f` in a write transaction after checking the tenant is still active, holding the
    /// tenant's row lock so a suspension or plan change cannot interleave with `f`.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>, Tenant) -> Result<T>) -> Result<T> {
        self.store.write(|tx| {
            let tenant = lock_active_tenant(tx, &self.tenant)?;
            f(tx, tenant)
        })
    }

    /// Run `f` in a read transaction after checking the tenant is still active.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>, Tenant) -> Result<T>) -> Result<T> {
        self.store.read(|tx| {
            let tenant = load_active_tenant(tx, &self.tenant)?;
            f(tx, tenant)
        })
    }

    /// An audit event for this tenant and actor.
    pub(crate) fn event(&self, action: &str, target: impl Into<String>, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent::new(&self.actor, action, target, outcome, self.now()).tenant(self.tenant.as_str())
    }

    /// Record an audit event inside the write transaction `tx`.
    pub(crate) fn audit_in(&self, tx: &Connection, event: AuditEvent) -> Result<()> {
        self.store.audit_in(tx, event)
    }

    /// Record an audit event of a refusal (no transaction: nothing changed).
    pub(crate) fn audit_refusal(&self, event: AuditEvent) -> Result<()> {
        self.store.audit_refusal(event)
    }
}
