//! Usage analytics: one tenant's usage by meter and day, and the heaviest tenants.

use crate::Result;
use crate::scope::TenantScope;
use crate::store::TenantStore;
pub use crate::usage::{DailyUsage, TenantUsage};
use chrono::{DateTime, NaiveDate, Utc};

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
