//! `TenantScope`: the only door to a tenant's data.

use crate::entitlements::Entitlements;
use crate::export::TenantExport;
use crate::storage::{TenancyStore, TenantView};
use crate::store::TenantStore;
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{AuditEvent, AuditOutcome};

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
        self.read(|view| Ok(view.tenant().clone()))
    }

    /// What the tenant's plan entitles it to.
    ///
    /// # Errors
    /// When the tenant is gone or inactive, or its plan left the catalogue.
    pub fn entitlements(&self) -> Result<Entitlements> {
        self.read(|view| Ok(Entitlements::new(view.tenant().id.clone(), view.plan().clone())))
    }

    /// Every row the tenant owns, without deleting anything.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn export(&self) -> Result<TenantExport> {
        let now = self.now();
        self.read(|view| view.export(now))
    }

    /// The current instant from the store's clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.store.clock().now()
    }

    /// The store behind the services.
    pub(crate) fn backend(&self) -> &dyn TenancyStore {
        self.store.backend()
    }

    /// Run `f` on a view of the tenant in one read transaction, after the store checked the
    /// tenant is still active.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&dyn TenantView) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.backend().read(&self.tenant, &mut |view| {
            if let Some(f) = f.take() {
                out = Some(f(view)?);
            }
            Ok(())
        })?;
        out.ok_or_else(|| TenancyError::Backend {
            backend: "tenancy store",
            operation: "read",
            source: "the store returned without running the read".into(),
        })
    }

    /// An audit event for this tenant and actor.
    pub(crate) fn event(&self, action: &str, target: impl Into<String>, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent::new(&self.actor, action, target, outcome, self.now()).tenant(self.tenant.as_str())
    }

    /// Record an audit event of a refusal (no transaction: nothing changed).
    pub(crate) fn audit_refusal(&self, event: AuditEvent) -> Result<()> {
        self.store.audit_refusal(event)
    }
}
