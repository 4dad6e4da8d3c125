//! The tenant store: the SQLite database, the plan catalogue and tenant lifecycle.

use crate::currency::Currency;
use crate::export::TenantExport;
use crate::name::TenantId;
use crate::plan::Plan;
use crate::schema::{self, from_millis, to_millis};
use crate::scope::TenantScope;
use crate::tenant::{NewTenant, Tenant, TenantStatus, parse_timezone};
use crate::{Result, TenancyError};
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The tenant store: one SQLite database shared by all tenants.
///
/// Administration (creating, suspending, deleting tenants, defining plans) happens here;
/// everything a tenant does goes through a [`TenantScope`] from [`TenantStore::scope`].
/// Each operation is one SQLite transaction; writes take the lock up front (`BEGIN IMMEDIATE`)
/// so concurrent check-and-consume calls, even from other processes, serialise.
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

/// The tenant `id` as stored, in `tx`.
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

impl TenantStore {
    /// Open (or create) the store in the SQLite file at `path`.
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

    /// Record an audit event; inside a write transaction, so a failing sink rolls the change back.
    pub(crate) fn audit(&self, event: AuditEvent) -> Result<()> {
        Ok(self.audit.record(event)?)
    }

    fn admin_event(&self, actor: &str, action: &str, tenant: &TenantId) -> AuditEvent {
        AuditEvent::new(actor, action, format!("tenant:{tenant}"), AuditOutcome::Success, self.clock.now())
            .tenant(tenant.as_str())
    }

    /// Add a plan to the catalogue, or replace the plan of the same name.
    ///
    /// # Errors
    /// When the plan does not validate ([`Plan::validate`]).
    pub fn define_plan(&self, plan: &Plan, actor: &str) -> Result<()> {
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
            self.audit(event)
        })
    }

    /// The plan `name`.
    ///
    /// # Errors
    /// [`TenancyError::PlanNotFound`] listing the known plans.
    pub fn plan(&self, name: &str) -> Result<Plan> {
        self.read(|tx| load_plan(tx, name))
    }

    /// Create an active tenant.
    ///
    /// # Errors
    /// Invalid timezone, currency or locale; [`TenancyError::PlanNotFound`];
    /// [`TenancyError::TenantExists`].
    pub fn create_tenant(&self, new: NewTenant, actor: &str) -> Result<Tenant> {
        let tenant = new.into_tenant(self.clock.now())?;
        self.write(|tx| {
            load_plan(tx, &tenant.plan)?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM tenants WHERE tenant_id = ?1", [tenant.id.as_str()], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(TenancyError::TenantExists { tenant: tenant.id.to_string() });
            }
            tx.execute(
                &format!("INSERT INTO tenants ({TENANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
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
            self.audit(self.admin_event(actor, "tenant.create", &tenant.id).detail("plan", &tenant.plan))?;
            Ok(tenant.clone())
        })
    }

    /// The tenant `id`, whatever its status.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`].
    pub fn tenant(&self, id: &TenantId) -> Result<Tenant> {
        self.read(|tx| load_tenant(tx, id))
    }

    /// Every tenant, ordered by id.
    ///
    /// # Errors
    /// When a row cannot be read.
    pub fn tenants(&self) -> Result<Vec<Tenant>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY tenant_id"))?;
            let rows = stmt.query_map([], tenant_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().collect()
        })
    }

    fn set_status(&self, id: &TenantId, to: TenantStatus, reason: Option<&str>, actor: &str) -> Result<()> {
        let (action, verb) = match to {
            TenantStatus::Suspended => ("tenant.suspend", "suspend"),
            TenantStatus::Active => ("tenant.reactivate", "reactivate"),
        };
        self.write(|tx| {
            let tenant = load_tenant(tx, id)?;
            if tenant.status == to {
                return Err(TenancyError::InvalidTransition {
                    tenant: id.to_string(),
                    status: tenant.status.as_str().into(),
                    action: verb,
                });
            }
            tx.execute(
                "UPDATE tenants SET status = ?2, status_reason = ?3 WHERE tenant_id = ?1",
                params![id.as_str(), to.as_str(), reason],
            )?;
            self.audit(self.admin_event(actor, action, id).detail("reason", reason.unwrap_or_default()))
        })
    }

    /// Suspend an active tenant: no scope can be opened and open scopes stop working.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`]; [`TenancyError::InvalidTransition`] when already suspended.
    pub fn suspend_tenant(&self, id: &TenantId, reason: &str, actor: &str) -> Result<()> {
        self.set_status(id, TenantStatus::Suspended, Some(reason), actor)
    }

    /// Reactivate a suspended tenant.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`]; [`TenancyError::InvalidTransition`] when already active.
    pub fn reactivate_tenant(&self, id: &TenantId, actor: &str) -> Result<()> {
        self.set_status(id, TenantStatus::Active, None, actor)
    }

    /// Move a tenant to another plan; limits and prices of the new plan apply from now on.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`]; [`TenancyError::PlanNotFound`].
    pub fn change_plan(&self, id: &TenantId, plan: &str, actor: &str) -> Result<()> {
        self.write(|tx| {
            let tenant = load_tenant(tx, id)?;
            load_plan(tx, plan)?;
            tx.execute("UPDATE tenants SET plan = ?2 WHERE tenant_id = ?1", params![id.as_str(), plan])?;
            self.audit(self.admin_event(actor, "tenant.plan.change", id).detail("from", tenant.plan).detail("to", plan))
        })
    }

    /// Export every row of the tenant as JSON, then delete them all, in one transaction.
    ///
    /// The export is returned so the caller can hand it to the customer before it is gone.
    ///
    /// # Errors
    /// [`TenancyError::TenantNotFound`].
    pub fn delete_tenant(&self, id: &TenantId, actor: &str) -> Result<TenantExport> {
        self.write(|tx| {
            load_tenant(tx, id)?;
            let export = crate::export::export_rows(tx, id, self.clock.now())?;
            for table in schema::tenant_tables(tx)? {
                tx.execute(&format!("DELETE FROM \"{table}\" WHERE tenant_id = ?1"), [id.as_str()])?;
            }
            self.audit(
                self.admin_event(actor, "tenant.delete", id).detail("rows_exported", export.row_count().to_string()),
            )?;
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
