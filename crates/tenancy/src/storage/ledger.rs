//! What the usage ledger's writes take and return: ledger entries and the counters they count
//! against, one-off grants, and what a write left.

use crate::period::BillingPeriod;
use crate::plan::Plan;
use crate::tenant::Tenant;
use chrono::{DateTime, NaiveDate, Utc};

/// The quota counter a ledger entry counts against (when its meter is one of the plan's limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    /// The counter's period: a month key (`2026-03`) or `all` for a limit that never resets.
    pub period: String,
    /// For a hard limit and a positive quantity, the plan's value: the counter may not pass it
    /// plus the period's grants. `None` counts without a cap (a soft limit, or a release).
    pub hard_limit: Option<u64>,
    /// When the counter resets, named by a refusal (`None` if never).
    pub resets_at: Option<DateTime<Utc>>,
}

/// One row of the ledger to record, with everything the service derived from the plan and the
/// tenant's timezone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The idempotency key, unique per tenant.
    pub key: String,
    /// The meter (a limit name for quota consumes and releases).
    pub meter: String,
    /// Units; negative for a release.
    pub quantity: i64,
    /// When the usage happened.
    pub occurred_at: DateTime<Utc>,
    /// The local day of `occurred_at` in the tenant's timezone.
    pub day: NaiveDate,
    /// The billing month of `occurred_at` (refused once issued).
    pub period: BillingPeriod,
    /// The quota counter it counts against, if any.
    pub counter: Option<Counter>,
}

/// A quota counter as read: usage and one-off grants of one limit in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterState {
    /// Usage so far.
    pub used: u64,
    /// The sum of the period's grants.
    pub granted: u64,
}

/// What one [`LedgerEntry`] left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// True when the key was seen before with the same payload: nothing changed.
    pub duplicate: bool,
    /// The entry's counter after the write, when it has one.
    pub counter: Option<CounterState>,
}

/// The outcome of [`super::TenancyStore::record_usage`].
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRecorded {
    /// The tenant, as read under its row lock.
    pub tenant: Tenant,
    /// Its plan, read under the same lock.
    pub plan: Plan,
    /// One result per entry, in order.
    pub entries: Vec<Recorded>,
}

/// A one-off grant (top-up) to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrant {
    /// The limit raised.
    pub limit: String,
    /// The counter period it applies to.
    pub period: String,
    /// Units added (positive).
    pub amount: u64,
    /// Why.
    pub reason: String,
    /// The operator granting it.
    pub granted_by: String,
}

/// The outcome of [`super::TenancyStore::grant_quota`].
#[derive(Debug, Clone, PartialEq)]
pub struct Granted {
    /// The tenant, as read under its row lock.
    pub tenant: Tenant,
    /// Its plan, read under the same lock.
    pub plan: Plan,
    /// The grant stored.
    pub grant: NewGrant,
    /// The grant's counter after it.
    pub counter: CounterState,
}
