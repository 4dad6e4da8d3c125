//! The tenant store: the SQLite database, the plan catalogue and the tenant lifecycle, each
//! operator action checked through forecast-core's `TenantAdminCheck`.

use crate::currency::Currency;
use crate::export::TenantExport;
use crate::plan::Plan;
use crate::schema::{self, from_millis, to_millis};
use crate::scope::TenantScope;
use crate::tenant::{NewTenant, Tenant, parse_timezone};
use crate::{Result, TenancyError};
use forecast_core::tenant::{TenantAdminAction, TenantAdminCheck, TenantId, TenantStatus};
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The tenant store: one SQLite database shared by all tenants.
///
/// Administration (creating, suspending, deleting tenants, changing plans, defining plans,
/// granting quota) happens here, and every such call takes the operator's
/// [`TenantAdminCheck`] (forecast-security's `Security::operator` for a platform operator's
/// session): a refusal is audited and nothing changes. Everything a tenant does goes through
/// a [`TenantScope`] from [`TenantStore::scope`]. Each operation is one SQLite transaction;
/// writes take the lock up front (`BEGIN IMMEDIATE`), and every rule that must hold under
/// concurrency (quota limits, idempotency, never reusing an id) is a conditional statement,
/// not a check followed by a write, so a PostgreSQL store can follow.
pub struct TenantStore {
    conn: Mutex<Connection>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditSink>,
}

impl fmt::Debug for TenantStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantStore").field("clock", &self.clock).field("audit", &self.audit).finish_non_exhaustive()
    }
}

/// Columns read by [`tenant_from_row`].
pub(crate) const TENANT_COLUMNS: &str = "tenant_id, name, plan, status, timezone, currency, locale, created_at";

fn tenant_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Tenant>> {
    let id: String = row.get(0)?;
    let status: String = row.get(3)?;
    let (timezone, currency): (String, String) = (row.get(4)?, row.get(5)?);
    let (name, plan, locale, created_at) = (row.get(1)?, row.get(2)?, row.get(6)?, row.get(7)?);
    Ok((|| {
        let corrupt = |reason: String| TenancyError::CorruptRow { table: "tenants", id: id.clone(), reason };
        Ok(Tenant {
            status: TenantStatus::parse(&status).ok_or_else(|| corrupt(format!("unknown status `{status}`")))?,
            timezone: parse_timezone(&timezone).map_err(|e| corrupt(e.to_string()))?,
            currency: Currency::new(&currency).map_err(|e| corrupt(e.to_string()))?,
            id: TenantId::new(id.clone()).map_err(|e| corrupt(e.to_string()))?,
            name,
            plan,
            locale,
            created_at: from_millis(created_at),
        })
    })())
}

/// The tenant `id` as stored (a deleted tenant's tombstone included), in `tx`.
pub(crate) fn load_tenant(tx: &Connection, id: &TenantId) -> Result<Tenant> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE tenant_id = ?1");
    tx.prepare_cached(&sql)?
        .query_row([id.as_str()], tenant_from_row)
        .optional()?
        .ok_or_else(|| TenancyError::TenantNotFound { tenant: id.to_string() })?
}

/// The tenant `id`, failing unless it is active.
pub(crate) fn load_active_tenant(tx: &Connection, id: &TenantId) -> Result<Tenant> {
    let tenant = load_tenant(tx, id)?;
    if tenant.status != TenantStatus::Active {
        return Err(TenancyError::TenantInactive { tenant: id.to_string(), status: tenant.status.as_str().into() });
    }
    Ok(tenant)
}

/// [`load_active_tenant`] in a write transaction, holding the tenant's row lock (a no-op
/// conditional update) for the rest of `tx`. Suspension, deletion and plan changes update the
/// same row, so a change made under the tenant's plan and status (a quota consume, a grant)
/// cannot interleave with a change of them, under any store, not only under SQLite's single writer.
pub(crate) fn lock_active_tenant(tx: &Connection, id: &TenantId) -> Result<Tenant> {
    tx.prepare_cached("UPDATE tenants SET status = status WHERE tenant_id = ?1 AND status = 'active'")?
        .execute([id.as_str()])?;
    load_active_tenant(tx, id)
}

/// The plan `name` from the catalogue, in `tx`.
pub(crate) fn load_plan(tx: &Connection, name: &str) -> Result<Plan> {
    let spec: Option<String> =
        tx.prepare_cached("SELECT spec FROM plans WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()?;
    match spec {
        Some(spec) => Ok(serde_json::from_str(&spec)?),
        None => {
            let mut stmt = tx.prepare_cached("SELECT name FROM plans ORDER BY name")?;
            let known = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Err(TenancyError::PlanNotFound { plan: name.to_owned(), known: known.join(", ") })
        }
    }
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
        Self::from_connection(Connection::open(path)?, clock, audit)
    }

    /// A store in memory, for tests and examples.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?, clock, audit)
    }

    fn from_connection(mut conn: Connection, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        schema::prepare(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self { conn: Mutex::new(conn), clock, audit })
    }

    /// The clock every rule reads time from.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Run `f` in one write transaction (`BEGIN IMMEDIATE`); commit when it succeeds.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Run `f` in one read transaction, so it sees one consistent snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }

    /// Record an audit event inside the write transaction `tx`: in the same transaction when
    /// the sink shares the file, else first, so a failing sink rolls the change back.
    pub(crate) fn audit_in(&self, tx: &Connection, event: AuditEvent) -> Result<()> {
        Ok(self.audit.record_in(tx, event)?)
    }

    /// Record an event outside any transaction (a refusal: nothing changed).
    pub(crate) fn audit_refusal(&self, event: AuditEvent) -> Result<()> {
        Ok(self.audit.record(event)?)
    }

    fn admin_event(&self, actor: &str, action: &str, tenant: &TenantId, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent::new(actor, action, format!("tenant:{tenant}"), outcome, self.clock.now()).tenant(tenant.as_str())
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
            let mut event = AuditEvent::new(&actor, audit_action, &target, AuditOutcome::Denied, self.clock.now())
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
        self.write(|tx| {
            tx.execute(
                "INSERT INTO plans (name, spec) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec",
                params![plan.name, serde_json::to_string(plan)?],
            )?;
            let event = AuditEvent::new(
                actor,
                "plan.define",
                format!("plan:{}", plan.name),
                AuditOutcome::Success,
                self.clock.now(),
            );
            self.audit_in(tx, event)
        })
    }

    /// The plan `name`.
    ///
    /// # Errors
    /// [`TenancyError::PlanNotFound`] listing the known plans.
    pub fn plan(&self, name: &str) -> Result<Plan> {
        self.read(|tx| load_plan(tx, name))
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
        let tenant = new.into_tenant(self.clock.now())?;
        self.write(|tx| {
            let plan = load_plan(tx, &tenant.plan)?;
            check_currency(&tenant.id, tenant.currency, &plan)?;
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO tenants ({TENANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"
                ),
                params![
                    tenant.id.as_str(),
                    tenant.name,
                    tenant.plan,
                    tenant.status.as_str(),
                    tenant.timezone.name(),
                    tenant.currency.code(),
                    tenant.locale,
                    to_millis(tenant.created_at)
                ],
            )?;
            if inserted == 0 {
                let existing = load_tenant(tx, &tenant.id)?;
                return Err(if existing.status == TenantStatus::Deleted {
                    TenancyError::TenantIdRetired { tenant: tenant.id.to_string() }
                } else {
                    TenancyError::TenantExists { tenant: tenant.id.to_string() }
                });
            }
            tx.execute(
                "INSERT INTO plan_history (tenant_id, plan, effective_from) VALUES (?1, ?2, ?3)",
                params![tenant.id.as_str(), tenant.plan, to_millis(tenant.created_at)],
            )?;
            let event = self
                .admin_event(&actor, "tenant.create", &tenant.id, AuditOutcome::Success)
                .detail("plan", &tenant.plan);
            self.audit_in(tx, event)?;
            Ok(tenant.clone())
        })
    }

    /// The tenant `id`, whatever its status (a deleted tenant's tombstone included).
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`].
    pub fn tenant(&self, id: &TenantId) -> Result<Tenant> {
        self.read(|tx| load_tenant(tx, id))
    }

    /// Every tenant that is not deleted, ordered by id.
    ///
    /// # Errors
    /// When a row cannot be read.
    pub fn tenants(&self) -> Result<Vec<Tenant>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!(
                "SELECT {TENANT_COLUMNS} FROM tenants WHERE status != 'deleted' ORDER BY tenant_id"
            ))?;
            let rows = stmt.query_map([], tenant_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().collect()
        })
    }

    fn set_status(
        &self,
        id: &TenantId,
        to: TenantStatus,
        reason: Option<&str>,
        by: &dyn TenantAdminCheck,
    ) -> Result<()> {
        let (action, audit_action, verb, from) = match to {
            TenantStatus::Suspended => (TenantAdminAction::SuspendTenant, "tenant.suspend", "suspend", "active"),
            _ => (TenantAdminAction::ReactivateTenant, "tenant.reactivate", "reactivate", "suspended"),
        };
        let actor = self.authorise(by, action, Some(id), audit_action)?;
        self.write(|tx| {
            // Conditional on the expected current status, so a deleted tenant can never come back.
            let changed = tx.execute(
                "UPDATE tenants SET status = ?2, status_reason = ?3 WHERE tenant_id = ?1 AND status = ?4",
                params![id.as_str(), to.as_str(), reason, from],
            )?;
            if changed == 0 {
                let tenant = load_tenant(tx, id)?;
                return Err(TenancyError::InvalidTransition {
                    tenant: id.to_string(),
                    status: tenant.status.as_str().into(),
                    action: verb,
                });
            }
            let event = self
                .admin_event(&actor, audit_action, id, AuditOutcome::Success)
                .detail("reason", reason.unwrap_or_default());
            self.audit_in(tx, event)
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
        let now = self.clock.now();
        self.write(|tx| {
            let tenant = lock_active_tenant(tx, id)?;
            let new_plan = load_plan(tx, plan)?;
            check_currency(id, tenant.currency, &new_plan)?;
            // Conditional on the status and plan read above, so a concurrent suspension, deletion
            // or plan change (under a store whose transactions interleave) is not overwritten.
            let changed = tx.execute(
                "UPDATE tenants SET plan = ?2 WHERE tenant_id = ?1 AND status = 'active' AND plan = ?3",
                params![id.as_str(), plan, tenant.plan],
            )?;
            if changed == 0 {
                let current = load_tenant(tx, id)?;
                return Err(TenancyError::InvalidTransition {
                    tenant: id.to_string(),
                    status: format!(
                        "{} on plan `{}` (changed while this change was made)",
                        current.status.as_str(),
                        current.plan
                    ),
                    action: "change plan",
                });
            }
            tx.execute(
                "INSERT INTO plan_history (tenant_id, plan, effective_from) VALUES (?1, ?2, ?3)",
                params![id.as_str(), plan, to_millis(now)],
            )?;
            let event = self
                .admin_event(&actor, "tenant.plan.change", id, AuditOutcome::Success)
                .detail("from", tenant.plan)
                .detail("to", plan);
            self.audit_in(tx, event)
        })
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
        let now = self.clock.now();
        self.write(|tx| {
            let tenant = load_tenant(tx, id)?;
            if tenant.status == TenantStatus::Deleted {
                return Err(TenancyError::InvalidTransition {
                    tenant: id.to_string(),
                    status: "deleted".into(),
                    action: "delete",
                });
            }
            let export = crate::export::export_rows(tx, id, now)?;
            for table in schema::tenant_tables().filter(|t| *t != "tenants") {
                tx.execute(&format!("DELETE FROM \"{table}\" WHERE tenant_id = ?1"), [id.as_str()])?;
            }
            // Conditional on the tenant not being deleted already: of two concurrent deletions
            // exactly one commits (the other rolls back with its export and deletes).
            let changed = tx.execute(
                "UPDATE tenants SET status = 'deleted', name = '', status_reason = 'deleted', deleted_at = ?2
                 WHERE tenant_id = ?1 AND status != 'deleted'",
                params![id.as_str(), to_millis(now)],
            )?;
            if changed == 0 {
                return Err(TenancyError::InvalidTransition {
                    tenant: id.to_string(),
                    status: "deleted".into(),
                    action: "delete",
                });
            }
            let event = self
                .admin_event(&actor, "tenant.delete", id, AuditOutcome::Success)
                .detail("rows_exported", export.row_count().to_string());
            self.audit_in(tx, event)?;
            Ok(export)
        })
    }

    /// A scope bound to the tenant `id`, which must exist and be active.
    ///
    /// This is the only way to read or write a tenant's data.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`]; [`TenancyError::TenantInactive`].
    pub fn scope(&self, id: &TenantId) -> Result<TenantScope<'_>> {
        self.read(|tx| load_active_tenant(tx, id))?;
        Ok(TenantScope::new(self, id.clone()))
    }
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
        let plan = self.read(|tx| {
            let t = load_tenant(tx, tenant)?;
            load_plan(tx, &t.plan)
        })?;
        Ok(plan.api_rate())
    }
}
