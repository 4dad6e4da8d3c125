//! The SQLite connection behind [`super::SqliteTenancyStore`]: one transaction per operation,
//! the tenant's row lock, and reading tenants and plans back from their rows.

use super::schema::{self, from_millis};
use super::view::SqliteView;
use crate::currency::Currency;
use crate::plan::Plan;
use crate::storage::Audit;
use crate::tenant::{Tenant, parse_timezone};
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use forecast_core::tenant::{TenantId, TenantStatus};
use forecast_core::{AuditSink, Clock};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// One SQLite connection shared behind a mutex, plus the ports every operation uses.
pub(super) struct Db {
    conn: Mutex<Connection>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) audit: Arc<dyn AuditSink>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").field("clock", &self.clock).field("audit", &self.audit).finish_non_exhaustive()
    }
}

impl Db {
    /// Configure `conn`, bring the schema up to date and keep it with the ports.
    pub(super) fn new(mut conn: Connection, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        schema::prepare(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self { conn: Mutex::new(conn), clock, audit })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent: an open transaction is
        // rolled back when its guard drops, so the connection is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` in one read transaction, so it sees one consistent snapshot.
    pub(super) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }

    /// Run `f` in one write transaction (`BEGIN IMMEDIATE`) stamped with the clock's reading,
    /// then record the audit events `audit` builds from its outcome before committing: a change
    /// whose audit fails or cannot be recorded is rolled back.
    pub(super) fn write<T>(
        &self,
        audit: Audit<'_, T>,
        f: impl FnOnce(&Transaction<'_>, DateTime<Utc>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = self.clock.now();
        let value = f(&tx, now)?;
        // Same transaction as the change when the sink shares this database; otherwise recorded
        // first, so a refused audit rolls the change back (see forecast_core::audit).
        for event in audit(&value, now)? {
            self.audit.record_in(&tx, event)?;
        }
        tx.commit()?;
        Ok(value)
    }

    /// [`Db::write`] under the row lock of the active tenant `id`, with a view of its rows.
    pub(super) fn write_tenant<T>(
        &self,
        id: &TenantId,
        audit: Audit<'_, T>,
        f: impl FnOnce(&Transaction<'_>, &SqliteView<'_>, DateTime<Utc>) -> Result<T>,
    ) -> Result<T> {
        self.write(audit, |tx, now| {
            let tenant = lock_active_tenant(tx, id)?;
            let plan = load_plan(tx, &tenant.plan)?;
            f(tx, &SqliteView::new(tx, tenant, plan), now)
        })
    }

    /// [`Db::read`] of the active tenant `id`, with a view of its rows.
    pub(super) fn read_tenant<T>(&self, id: &TenantId, f: impl FnOnce(&SqliteView<'_>) -> Result<T>) -> Result<T> {
        self.read(|tx| {
            let tenant = load_tenant(tx, id)?;
            tenant.ensure_active()?;
            let plan = load_plan(tx, &tenant.plan)?;
            f(&SqliteView::new(tx, tenant, plan))
        })
    }
}

/// Columns read by [`tenant_from_row`].
pub(super) const TENANT_COLUMNS: &str = "tenant_id, name, plan, status, timezone, currency, locale, created_at";

pub(super) fn tenant_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Tenant>> {
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
pub(super) fn load_tenant(tx: &Connection, id: &TenantId) -> Result<Tenant> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE tenant_id = ?1");
    tx.prepare_cached(&sql)?
        .query_row([id.as_str()], tenant_from_row)
        .optional()?
        .ok_or_else(|| TenancyError::TenantNotFound { tenant: id.to_string() })?
}

/// The active tenant `id`, holding its row lock (a no-op conditional update) for the rest of
/// `tx`. Suspension, deletion and plan changes update the same row, so a change made under the
/// tenant's plan and status cannot interleave with a change of them, under any store, not only
/// under SQLite's single writer.
pub(super) fn lock_active_tenant(tx: &Connection, id: &TenantId) -> Result<Tenant> {
    tx.prepare_cached("UPDATE tenants SET status = status WHERE tenant_id = ?1 AND status = 'active'")?
        .execute([id.as_str()])?;
    let tenant = load_tenant(tx, id)?;
    tenant.ensure_active()?;
    Ok(tenant)
}

/// The plan `name` from the catalogue, in `tx`.
pub(super) fn load_plan(tx: &Connection, name: &str) -> Result<Plan> {
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
