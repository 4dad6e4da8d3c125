//! Usage analytics: one tenant's usage by meter and day, and the heaviest tenants.

use crate::Result;
use crate::scope::TenantScope;
use crate::store::TenantStore;
use chrono::{DateTime, NaiveDate, Utc};
use forecast_core::tenant::TenantId;
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
        self.read(|view| view.daily_usage(from, to))
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
        self.backend().top_tenants(meter, from, to, n)
    }
}
