//! The tenant store: the tenancy services over a [`TenancyStore`] (SQLite by default): the
//! plan catalogue and the tenant lifecycle, each operator action checked through
//! forecast-core's `TenantAdminCheck`.

use crate::currency::Currency;
use crate::export::TenantExport;
use crate::plan::Plan;
use crate::scope::TenantScope;
use crate::storage::{SqliteTenancyStore, StatusChange, TenancyStore};
use crate::tenant::{NewTenant, Tenant};
use crate::{Result, TenancyError};
use forecast_core::tenant::{TenantAdminAction, TenantAdminCheck, TenantId, TenantStatus};
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock};
use std::path::Path;
use std::sync::Arc;

/// The tenant store: the services of every tenant over one [`TenancyStore`].
///
/// Administration (creating, suspending, deleting tenants, changing plans, defining plans,
/// granting quota) happens here, and every such call takes the operator's
/// [`TenantAdminCheck`] (forecast-security's `Security::operator` for a platform operator's
/// session): a refusal is audited and nothing changes. Everything a tenant does goes through
/// a [`TenantScope`] from [`TenantStore::scope`]. The rules (who may act, plans, limits,
/// proration, currency) are kept here; each operation is one transaction of the store, and
/// every rule that must hold under concurrency (quota limits, idempotency, never reusing an
/// id, issuing an invoice once) is a conditional statement of the store, not a check followed
/// by a write (see [`crate::storage`]), so a PostgreSQL store can follow.
#[derive(Debug, Clone)]
pub struct TenantStore {
    store: Arc<dyn TenancyStore>,
}

/// Refuse a plan priced in another currency than the tenant's.
pub(crate) fn check_currency(tenant: &TenantId, currency: Currency, plan: &Plan) -> Result<()> {
    if plan.currency == currency {
        return Ok(());
    }
    Err(TenancyError::CurrencyMismatch {
        tenant: tenant.to_string(),
        plan: plan.name.clone(),
        plan_currency: plan.currency.to_string(),
        tenant_currency: currency.to_string(),
    })
}

impl TenantStore {
    /// Open (or create) the store in the SQLite file at `path` (it may be shared with
    /// forecast-security and forecast-mlops).
    ///
    /// # Errors
    /// When the file cannot be opened or its schema is newer than this build.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self::with_store(Arc::new(SqliteTenancyStore::open(path, clock, audit)?)))
    }

    /// A store in memory, for tests and examples.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self::with_store(Arc::new(SqliteTenancyStore::open_in_memory(clock, audit)?)))
    }

    /// The services over any store (the store brings its own clock and audit sink).
    pub fn with_store(store: Arc<dyn TenancyStore>) -> Self {
        Self { store }
    }

    /// The store behind the services.
    pub(crate) fn backend(&self) -> &dyn TenancyStore {
        self.store.as_ref()
    }

    /// The clock every rule reads time from.
    pub fn clock(&self) -> &dyn Clock {
        self.store.clock()
    }

    /// Record an event outside any transaction (a refusal: nothing changed).
    pub(crate) fn audit_refusal(&self, event: AuditEvent) -> Result<()> {
        self.store.record_refusal(event)
    }

    /// Ask `by` whether it may perform `action`; a refusal is audited and returned.
    pub(crate) fn authorise(
        &self,
        by: &dyn TenantAdminCheck,
        action: TenantAdminAction,
        tenant: Option<&TenantId>,
        audit_action: &str,
    ) -> Result<String> {
        let actor = by.actor();
        if let Err(e) = by.check(action, tenant) {
            let reason = match &e {
                forecast_core::Error::PermissionDenied { reason, .. } => reason.clone(),
                other => other.to_string(),
            };
            let target = tenant.map_or_else(|| "catalogue".to_string(), |t| format!("tenant:{t}"));
            let mut event = AuditEvent::new(&actor, audit_action, &target, AuditOutcome::Denied, self.clock().now())
                .detail("reason", &reason);
            if let Some(t) = tenant {
                event = event.tenant(t.as_str());
            }
            self.audit_refusal(event)?;
            return Err(TenancyError::NotPermitted {
                actor,
                action: action.as_str().into(),
                tenant: tenant.map_or_else(|| "catalogue".to_string(), ToString::to_string),
                reason,
            });
        }
        Ok(actor)
    }

    /// Add a plan to the catalogue, or replace the plan of the same name.
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); a plan that does not validate ([`Plan::validate`]).
    pub fn define_plan(&self, plan: &Plan, by: &dyn TenantAdminCheck) -> Result<()> {
        let actor = self.authorise(by, TenantAdminAction::DefinePlan, None, "plan.define")?;
        plan.validate()?;
        self.store.define_plan(plan, &|plan: &Plan, now| {
            Ok(vec![AuditEvent::new(&actor, "plan.define", format!("plan:{}", plan.name), AuditOutcome::Success, now)])
        })
    }

    /// The plan `name`.
    ///
    /// # Errors
    /// [`TenancyError::PlanNotFound`] listing the known plans.
    pub fn plan(&self, name: &str) -> Result<Plan> {
        self.store.plan(name)
    }

    /// Create an active tenant on a plan priced in its currency. An id is never reused: a
    /// deleted tenant's id stays retired.
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); invalid timezone, currency or locale;
    /// [`TenancyError::PlanNotFound`]; [`TenancyError::CurrencyMismatch`];
    /// [`TenancyError::TenantExists`]; [`TenancyError::TenantIdRetired`].
    pub fn create_tenant(&self, new: NewTenant, by: &dyn TenantAdminCheck) -> Result<Tenant> {
        let actor = self.authorise(by, TenantAdminAction::CreateTenant, Some(new.id()), "tenant.create")?;
        let tenant = new.into_tenant(self.clock().now())?;
        let created = self.store.create_tenant(&tenant, &|created, now| {
            // Judged on the plan as the transaction read it.
            check_currency(&created.tenant.id, created.tenant.currency, &created.plan)?;
            let event =
                admin_event(&actor, "tenant.create", &created.tenant.id, now).detail("plan", &created.plan.name);
            Ok(vec![event])
        })?;
        Ok(created.tenant)
    }

    /// The tenant `id`, whatever its status (a deleted tenant's tombstone included).
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`].
    pub fn tenant(&self, id: &TenantId) -> Result<Tenant> {
        self.store.tenant(id)
    }

    /// Every tenant that is not deleted, ordered by id.
    ///
    /// # Errors
    /// When a row cannot be read.
    pub fn tenants(&self) -> Result<Vec<Tenant>> {
        self.store.tenants()
    }

    fn set_status(
        &self,
        id: &TenantId,
        to: TenantStatus,
        reason: Option<&str>,
        by: &dyn TenantAdminCheck,
    ) -> Result<()> {
        let (action, audit_action, verb, from) = match to {
            TenantStatus::Suspended => {
                (TenantAdminAction::SuspendTenant, "tenant.suspend", "suspend", TenantStatus::Active)
            }
            _ => (TenantAdminAction::ReactivateTenant, "tenant.reactivate", "reactivate", TenantStatus::Suspended),
        };
        let actor = self.authorise(by, action, Some(id), audit_action)?;
        let change = StatusChange { from, to, reason, action: verb };
        self.store.set_status(id, change, &|_, now| {
            Ok(vec![admin_event(&actor, audit_action, id, now).detail("reason", reason.unwrap_or_default())])
        })
    }

    /// Suspend an active tenant: no scope can be opened, open scopes stop working, and (through
    /// the [`forecast_core::tenant::TenantDirectory`] port) its users' sessions and roles stop.
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); [`TenancyError::TenantNotFound`];
    /// [`TenancyError::InvalidTransition`] unless active.
    pub fn suspend_tenant(&self, id: &TenantId, reason: &str, by: &dyn TenantAdminCheck) -> Result<()> {
        self.set_status(id, TenantStatus::Suspended, Some(reason), by)
    }

    /// Reactivate a suspended tenant (a deleted one never comes back).
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); [`TenancyError::TenantNotFound`];
    /// [`TenancyError::InvalidTransition`] unless suspended.
    pub fn reactivate_tenant(&self, id: &TenantId, by: &dyn TenantAdminCheck) -> Result<()> {
        self.set_status(id, TenantStatus::Active, None, by)
    }

    /// Move a tenant to another plan (priced in its currency); limits and prices of the new plan
    /// apply from now on, and this month's base price is prorated by day between the plans.
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); [`TenancyError::TenantNotFound`];
    /// [`TenancyError::PlanNotFound`]; [`TenancyError::CurrencyMismatch`]; an inactive tenant.
    pub fn change_plan(&self, id: &TenantId, plan: &str, by: &dyn TenantAdminCheck) -> Result<()> {
        let actor = self.authorise(by, TenantAdminAction::ChangePlan, Some(id), "tenant.plan.change")?;
        self.store
            .change_plan(id, plan, &|changed, now| {
                check_currency(id, changed.before.currency, &changed.plan)?;
                let event = admin_event(&actor, "tenant.plan.change", id, now)
                    .detail("from", &changed.before.plan)
                    .detail("to", &changed.plan.name);
                Ok(vec![event])
            })
            .map(drop)
    }

    /// Export every row of the tenant as JSON, then delete them all, in one transaction. The
    /// tenant's row stays as a tombstone (status `deleted`, name cleared) so its id is never
    /// reused.
    ///
    /// The export is returned so the caller can hand it to the customer before it is gone.
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); [`TenancyError::TenantNotFound`];
    /// [`TenancyError::InvalidTransition`] when already deleted.
    pub fn delete_tenant(&self, id: &TenantId, by: &dyn TenantAdminCheck) -> Result<TenantExport> {
        let actor = self.authorise(by, TenantAdminAction::DeleteTenant, Some(id), "tenant.delete")?;
        self.store.delete_tenant(id, &|export, now| {
            Ok(vec![
                admin_event(&actor, "tenant.delete", id, now).detail("rows_exported", export.row_count().to_string()),
            ])
        })
    }

    /// A scope bound to the tenant `id`, which must exist and be active.
    ///
    /// This is the only way to read or write a tenant's data.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`]; [`TenancyError::TenantInactive`].
    pub fn scope(&self, id: &TenantId) -> Result<TenantScope<'_>> {
        self.store.tenant(id)?.ensure_active()?;
        Ok(TenantScope::new(self, id.clone()))
    }
}

/// The audit event of an operator's successful change to `tenant`.
fn admin_event(actor: &str, action: &str, tenant: &TenantId, now: chrono::DateTime<chrono::Utc>) -> AuditEvent {
    AuditEvent::new(actor, action, format!("tenant:{tenant}"), AuditOutcome::Success, now).tenant(tenant.as_str())
}

impl forecast_core::tenant::TenantDirectory for TenantStore {
    fn status(&self, tenant: &TenantId) -> forecast_core::Result<Option<TenantStatus>> {
        match self.tenant(tenant) {
            Ok(t) => Ok(Some(t.status)),
            Err(TenancyError::TenantNotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn api_rate(&self, tenant: &TenantId) -> forecast_core::Result<Option<forecast_core::tenant::ApiRate>> {
        let (_, plan) = self.store.tenant_plan(tenant)?;
        Ok(plan.api_rate())
    }
}
