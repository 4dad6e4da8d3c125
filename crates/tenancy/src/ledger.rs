//! The usage ledger: the one source of truth for usage. Every quota consume or release and
//! every metered event is one row of the ledger under an idempotency key, written in the same
//! transaction as the counter of the plan limit it counts against, so quotas, meter totals and
//! invoices always agree.
//!
//! The rules live here: which limit a meter counts against, hard or soft, the counter's period
//! in the tenant's timezone, and that usage from before the tenant existed is refused. The
//! store ([`crate::storage::TenancyStore::record_usage`]) keeps what a transaction must: the
//! idempotency key is a unique key (`INSERT ... ON CONFLICT DO NOTHING`), a hard limit is
//! `UPDATE ... SET used = used + n WHERE used + n <= limit`, and an issued month is closed by a
//! row that every recording touches with `UPDATE ... WHERE closed = 0`, so the rules hold for
//! concurrent writers of a PostgreSQL store too.

use crate::period::BillingPeriod;
use crate::plan::{Enforcement, Reset};
use crate::storage::{Counter, LedgerEntry, TenantView};
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};

/// The period key of limits that never reset.
pub(crate) const NEVER: &str = "all";

/// The counter period of a limit's usage at `at`.
pub(crate) fn counter_period(reset: Reset, at: DateTime<Utc>, tenant: &Tenant) -> String {
    match reset {
        Reset::Monthly => BillingPeriod::containing(at, tenant.timezone).key(),
        Reset::Never => NEVER.to_owned(),
    }
}

/// The ledger entry of `quantity` units of `meter` at `occurred_at` under `key`, for the tenant
/// and plan of `view`: its billing month and local day, and, when the meter is one of the plan's
/// limits, the counter it moves (capped for a hard limit and a positive quantity).
///
/// # Errors
/// [`TenancyError::InvalidUsage`] for usage before the tenant was created.
pub(crate) fn entry(
    view: &dyn TenantView,
    key: &str,
    meter: &str,
    quantity: i64,
    occurred_at: DateTime<Utc>,
) -> Result<LedgerEntry> {
    let tenant = view.tenant();
    if occurred_at < tenant.created_at {
        return Err(TenancyError::InvalidUsage {
            tenant: tenant.id.to_string(),
            key: key.to_owned(),
            reason: format!(
                "usage at {} is before the tenant was created ({})",
                occurred_at.to_rfc3339(),
                tenant.created_at.to_rfc3339()
            ),
        });
    }
    let period = BillingPeriod::containing(occurred_at, tenant.timezone);
    let counter = view.plan().limits.get(meter).map(|spec| Counter {
        period: counter_period(spec.reset, occurred_at, tenant),
        hard_limit: (spec.enforcement == Enforcement::Hard && quantity > 0).then_some(spec.value),
        resets_at: match spec.reset {
            Reset::Monthly => Some(period.end(tenant.timezone)),
            Reset::Never => None,
        },
    });
    Ok(LedgerEntry {
        key: key.to_owned(),
        meter: meter.to_owned(),
        quantity,
        occurred_at,
        day: occurred_at.with_timezone(&tenant.timezone).date_naive(),
        period,
        counter,
    })
}
