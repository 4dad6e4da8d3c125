//! [`TenantView`]: the reads of one tenant's rows inside one of the store's transactions.

use crate::Result;
use crate::export::TenantExport;
use crate::plan::Plan;
use crate::storage::CounterState;
use crate::tenant::Tenant;
use crate::usage::{DailyUsage, MeterTotal};
use chrono::{DateTime, NaiveDate, Utc};
use forecast_core::branding::Branding;

/// One row of a tenant's plan history: the plan in force from an instant on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    /// The plan's name.
    pub plan: String,
    /// When it took effect.
    pub effective_from: DateTime<Utc>,
}

/// The rows of one active tenant as one transaction sees them: handed to the services'
/// [`super::Prepare`] callbacks in a write (under the tenant's row lock) and to
/// [`super::TenancyStore::read`]. Every read binds the tenant's id; nothing here reads another
/// tenant's rows.
pub trait TenantView {
    /// The tenant (active when read).
    fn tenant(&self) -> &Tenant;

    /// The tenant's current plan, read in the same transaction.
    fn plan(&self) -> &Plan;

    /// Any plan of the catalogue (e.g. an earlier plan of the tenant's history).
    ///
    /// # Errors
    /// [`crate::TenancyError::PlanNotFound`] listing the known plans.
    fn plan_named(&self, name: &str) -> Result<Plan>;

    /// The tenant's plans in the order they took effect (ties in the order they were made).
    ///
    /// # Errors
    /// Backend failures.
    fn plan_history(&self) -> Result<Vec<PlanChange>>;

    /// Usage and grants of `limit` in the counter period `period` (zeros when never used).
    ///
    /// # Errors
    /// Backend failures.
    fn counter(&self, limit: &str, period: &str) -> Result<CounterState>;

    /// The sum of the ledger's quantities of `meter` in the billing month `period` (a key).
    ///
    /// # Errors
    /// Backend failures.
    fn period_usage(&self, meter: &str, period: &str) -> Result<u64>;

    /// The highest running total of `meter` over `[start, end)`: what was carried in from before
    /// `start`, then the ledger rows in time (then recording) order.
    ///
    /// # Errors
    /// Backend failures.
    fn capacity_peak(&self, meter: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<u64>;

    /// Sum, count and max of every meter with events in `[start, end)`, ordered by meter.
    ///
    /// # Errors
    /// Backend failures.
    fn meter_totals(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<MeterTotal>>;

    /// Usage by local day and meter for days `from..=to`, ordered by day then meter.
    ///
    /// # Errors
    /// Backend failures; [`crate::TenancyError::CorruptRow`] for a stored day that does not parse.
    fn daily_usage(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>>;

    /// When the event under `key` was received, while the key is kept.
    ///
    /// # Errors
    /// Backend failures.
    fn key_received_at(&self, key: &str) -> Result<Option<DateTime<Utc>>>;

    /// The stored white-label settings, if any.
    ///
    /// # Errors
    /// Backend failures.
    fn branding(&self) -> Result<Option<Branding>>;

    /// Every stored row of the tenant, stamped `at`.
    ///
    /// # Errors
    /// Backend failures.
    fn export(&self, at: DateTime<Utc>) -> Result<TenantExport>;
}
