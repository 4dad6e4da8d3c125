//! Usage analytics: one tenant's usage by meter and day, and the heaviest tenants.

use crate::metering::to_u64;
use crate::schema::to_millis;
use crate::scope::TenantScope;
use crate::store::TenantStore;
use crate::{Result, TenancyError};
use chrono::{DateTime, NaiveDate, Utc};
use forecast_core::tenant::TenantId;
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// One meter's usage on one local day of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    /// The day in the tenant's timezone.
    pub day: NaiveDate,
    /// The meter.
    pub meter: String,
    /// Sum of quantities.
    pub sum: u64,
    /// Number of events.
    pub count: u64,
}

/// A tenant's total usage of a meter over a time range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantUsage {
    /// The tenant.
    pub tenant: TenantId,
    /// Sum of quantities.
    pub total: u64,
}

impl TenantScope<'_> {
    /// Usage by day (in the tenant's timezone) and meter for days `from..=to`, ordered by day then meter.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn daily_usage(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>> {
        self.read(|tx, tenant| {
            let mut stmt = tx.prepare_cached(
                "SELECT day, meter, SUM(quantity), COUNT(*) FROM usage_events
                 WHERE tenant_id = ?1 AND day >= ?2 AND day <= ?3 GROUP BY day, meter ORDER BY day, meter",
            )?;
            let rows = stmt.query_map(params![tenant.id.as_str(), from.to_string(), to.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (day, meter, sum, count) = row?;
                let day = day.parse().map_err(|_| TenancyError::CorruptRow {
                    table: "usage_events",
                    id: tenant.id.to_string(),
                    reason: format!("day `{day}` is not YYYY-MM-DD"),
                })?;
                out.push(DailyUsage { day, meter, sum: to_u64(sum), count: to_u64(count) });
            }
            Ok(out)
        })
    }
}

impl TenantStore {
    /// The `n` tenants with the most usage of `meter` in `[from, to)`, heaviest first
    /// (ties by tenant id). An operator view: it returns totals, never a tenant's rows.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn top_tenants(
        &self,
        meter: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        n: usize,
    ) -> Result<Vec<TenantUsage>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT tenant_id, SUM(quantity) AS total FROM usage_events
                 WHERE meter = ?1 AND occurred_at >= ?2 AND occurred_at < ?3
                 GROUP BY tenant_id ORDER BY total DESC, tenant_id LIMIT ?4",
            )?;
            let limit = i64::try_from(n).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![meter, to_millis(from), to_millis(to), limit], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            rows.map(|row| {
                let (tenant, total) = row?;
                Ok(TenantUsage { tenant: TenantId::new(tenant)?, total: to_u64(total) })
            })
            .collect()
        })
    }
}
