//! [`SqliteView`]: [`TenantView`] over one SQLite transaction.

use super::branding::read_branding;
use super::db::load_plan;
use super::export::export_rows;
use super::schema::{from_millis, to_millis, to_u64};
use crate::export::TenantExport;
use crate::plan::Plan;
use crate::storage::{CounterState, PlanChange, TenantView};
use crate::tenant::Tenant;
use crate::usage::{DailyUsage, MeterTotal};
use crate::{Result, TenancyError};
use chrono::{DateTime, NaiveDate, Utc};
use forecast_core::branding::Branding;
use rusqlite::{Connection, OptionalExtension, params};

/// One tenant's rows as the transaction `tx` sees them.
pub(super) struct SqliteView<'t> {
    tx: &'t Connection,
    tenant: Tenant,
    plan: Plan,
}

impl<'t> SqliteView<'t> {
    /// A view of `tenant` (read in `tx`, with its plan).
    pub(super) fn new(tx: &'t Connection, tenant: Tenant, plan: Plan) -> Self {
        Self { tx, tenant, plan }
    }

    /// The tenant and plan, for an outcome.
    pub(super) fn parts(&self) -> (Tenant, Plan) {
        (self.tenant.clone(), self.plan.clone())
    }
}

/// Grants of `limit` for `period`.
pub(super) fn granted(tx: &Connection, tenant: &str, limit: &str, period: &str) -> Result<u64> {
    let sum: i64 = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(amount), 0) FROM quota_grants WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3",
        )?
        .query_row(params![tenant, limit, period], |r| r.get(0))?;
    Ok(to_u64(sum))
}

/// Usage of `limit` in `period`.
pub(super) fn used(tx: &Connection, tenant: &str, limit: &str, period: &str) -> Result<u64> {
    let used: Option<i64> = tx
        .prepare_cached("SELECT used FROM quota_usage WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3")?
        .query_row(params![tenant, limit, period], |r| r.get(0))
        .optional()?;
    Ok(to_u64(used.unwrap_or(0)))
}

/// Usage and grants of `limit` in `period`.
pub(super) fn counter(tx: &Connection, tenant: &str, limit: &str, period: &str) -> Result<CounterState> {
    Ok(CounterState { used: used(tx, tenant, limit, period)?, granted: granted(tx, tenant, limit, period)? })
}

impl TenantView for SqliteView<'_> {
    fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    fn plan(&self) -> &Plan {
        &self.plan
    }

    fn plan_named(&self, name: &str) -> Result<Plan> {
        load_plan(self.tx, name)
    }

    fn plan_history(&self) -> Result<Vec<PlanChange>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT plan, effective_from FROM plan_history WHERE tenant_id = ?1 ORDER BY effective_from, seq",
        )?;
        let rows = stmt.query_map([self.tenant.id.as_str()], |r| {
            Ok(PlanChange { plan: r.get(0)?, effective_from: from_millis(r.get(1)?) })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn counter(&self, limit: &str, period: &str) -> Result<CounterState> {
        counter(self.tx, self.tenant.id.as_str(), limit, period)
    }

    fn period_usage(&self, meter: &str, period: &str) -> Result<u64> {
        let used: i64 = self
            .tx
            .prepare_cached(
                "SELECT COALESCE(SUM(quantity), 0) FROM usage_events WHERE tenant_id = ?1 AND meter = ?2 AND period = ?3",
            )?
            .query_row(params![self.tenant.id.as_str(), meter, period], |r| r.get(0))?;
        Ok(to_u64(used))
    }

    fn capacity_peak(&self, meter: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<u64> {
        let (id, start, end) = (self.tenant.id.as_str(), to_millis(start), to_millis(end));
        let carried: i64 = self
            .tx
            .prepare_cached(
                "SELECT COALESCE(SUM(quantity), 0) FROM usage_events WHERE tenant_id = ?1 AND meter = ?2 AND occurred_at < ?3",
            )?
            .query_row(params![id, meter, start], |r| r.get(0))?;
        let mut stmt = self.tx.prepare_cached(
            "SELECT quantity FROM usage_events WHERE tenant_id = ?1 AND meter = ?2 AND occurred_at >= ?3 AND occurred_at < ?4
             ORDER BY occurred_at, event_id",
        )?;
        let (mut level, mut peak) = (carried, carried);
        for q in stmt.query_map(params![id, meter, start, end], |r| r.get::<_, i64>(0))? {
            level = level.saturating_add(q?);
            peak = peak.max(level);
        }
        Ok(to_u64(peak))
    }

    fn meter_totals(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<MeterTotal>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT meter, SUM(quantity), COUNT(*), MAX(quantity) FROM usage_events
             WHERE tenant_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 GROUP BY meter ORDER BY meter",
        )?;
        let rows = stmt.query_map(params![self.tenant.id.as_str(), to_millis(start), to_millis(end)], |r| {
            Ok(MeterTotal {
                meter: r.get(0)?,
                sum: to_u64(r.get(1)?),
                count: to_u64(r.get(2)?),
                max: to_u64(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn daily_usage(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT day, meter, SUM(quantity), COUNT(*) FROM usage_events
             WHERE tenant_id = ?1 AND day >= ?2 AND day <= ?3 GROUP BY day, meter ORDER BY day, meter",
        )?;
        let rows = stmt.query_map(params![self.tenant.id.as_str(), from.to_string(), to.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (day, meter, sum, count) = row?;
            let day = day.parse().map_err(|_| TenancyError::CorruptRow {
                table: "usage_events",
                id: self.tenant.id.to_string(),
                reason: format!("day `{day}` is not YYYY-MM-DD"),
            })?;
            out.push(DailyUsage { day, meter, sum: to_u64(sum), count: to_u64(count) });
        }
        Ok(out)
    }

    fn key_received_at(&self, key: &str) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> = self
            .tx
            .prepare_cached("SELECT received_at FROM usage_events WHERE tenant_id = ?1 AND idempotency_key = ?2")?
            .query_row(params![self.tenant.id.as_str(), key], |r| r.get(0))
            .optional()?;
        Ok(ms.map(from_millis))
    }

    fn branding(&self) -> Result<Option<Branding>> {
        read_branding(self.tx, &self.tenant.id)
    }

    fn export(&self, at: DateTime<Utc>) -> Result<TenantExport> {
        export_rows(self.tx, &self.tenant.id, at)
    }
}
