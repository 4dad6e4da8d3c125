//! The usage ledger: the one source of truth for usage. Every quota consume or release and
//! every metered event is one row of `usage_events` under an idempotency key, written in the
//! same transaction as the counter of the plan limit it counts against, so quotas, meter
//! totals and invoices always agree.
//!
//! Every rule is a conditional statement, not a read followed by a write (so it holds for
//! concurrent writers of a PostgreSQL store too): the idempotency key is a unique index
//! (`INSERT ... ON CONFLICT DO NOTHING`), a hard limit is `UPDATE quota_usage SET used = used + n
//! WHERE ... AND used + n <= limit`, and an issued month is closed by a row that every
//! recording touches with `UPDATE ... WHERE closed = 0`.

use crate::period::BillingPeriod;
use crate::plan::{Enforcement, Plan, Reset};
use crate::schema::to_millis;
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

/// The period key of limits that never reset.
pub(crate) const NEVER: &str = "all";

/// One row to record.
pub(crate) struct Entry<'a> {
    /// Unique per tenant.
    pub(crate) key: &'a str,
    /// The meter (a limit name for quota consumes and releases).
    pub(crate) meter: &'a str,
    /// Units; negative for a release.
    pub(crate) quantity: i64,
    /// When the usage happened.
    pub(crate) occurred_at: DateTime<Utc>,
}

/// Whether a row was new or a replay of an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// Stored now.
    New,
    /// The key was seen before with the same payload: nothing changed.
    Duplicate,
}

/// The counter period of `limit`'s usage at `at`.
pub(crate) fn counter_period(reset: Reset, at: DateTime<Utc>, tenant: &Tenant) -> String {
    match reset {
        Reset::Monthly => BillingPeriod::containing(at, tenant.timezone).key(),
        Reset::Never => NEVER.to_owned(),
    }
}

/// One-off grants of `limit` for `period`.
pub(crate) fn granted(tx: &Transaction<'_>, tenant: &Tenant, limit: &str, period: &str) -> Result<u64> {
    let sum: i64 = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(amount), 0) FROM quota_grants WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3",
        )?
        .query_row(params![tenant.id.as_str(), limit, period], |r| r.get(0))?;
    Ok(u64::try_from(sum).unwrap_or(0))
}

/// Usage so far of `limit` in `period`.
pub(crate) fn used(tx: &Transaction<'_>, tenant: &Tenant, limit: &str, period: &str) -> Result<u64> {
    let used: Option<i64> = tx
        .prepare_cached("SELECT used FROM quota_usage WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3")?
        .query_row(params![tenant.id.as_str(), limit, period], |r| r.get(0))
        .optional()?;
    Ok(u64::try_from(used.unwrap_or(0)).unwrap_or(0))
}

/// Open `period` for recording, or fail if its invoice was issued.
fn touch_open_period(tx: &Transaction<'_>, tenant: &Tenant, period: &BillingPeriod, entry: &Entry<'_>) -> Result<()> {
    let id = tenant.id.as_str();
    tx.prepare_cached("INSERT INTO billing_periods (tenant_id, period) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![id, period.key()])?;
    let open = tx
        .prepare_cached(
            "UPDATE billing_periods SET closed = closed WHERE tenant_id = ?1 AND period = ?2 AND closed = 0",
        )?
        .execute(params![id, period.key()])?;
    if open == 0 {
        return Err(TenancyError::PeriodClosed {
            tenant: id.to_owned(),
            period: period.key(),
            key: entry.key.to_owned(),
            occurred_at: entry.occurred_at,
        });
    }
    Ok(())
}

/// Record `entry` for `tenant` on `plan` inside `tx` (received at `now`): the ledger row and,
/// when the meter is one of the plan's limits, its counter. A hard limit refuses a positive
/// quantity that would pass it; the caller's transaction then rolls back, ledger row included.
pub(crate) fn record(
    tx: &Transaction<'_>,
    tenant: &Tenant,
    plan: &Plan,
    entry: &Entry<'_>,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    let id = tenant.id.as_str();
    if entry.occurred_at < tenant.created_at {
        return Err(TenancyError::InvalidUsage {
            tenant: id.to_owned(),
            key: entry.key.to_owned(),
            reason: format!(
                "usage at {} is before the tenant was created ({})",
                entry.occurred_at.to_rfc3339(),
                tenant.created_at.to_rfc3339()
            ),
        });
    }
    let period = BillingPeriod::containing(entry.occurred_at, tenant.timezone);
    touch_open_period(tx, tenant, &period, entry)?;
    let at = to_millis(entry.occurred_at);
    let day = entry.occurred_at.with_timezone(&tenant.timezone).date_naive().to_string();
    let inserted = tx
        .prepare_cached(
            "INSERT INTO usage_events (tenant_id, meter, quantity, occurred_at, day, period, idempotency_key, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(tenant_id, idempotency_key) DO NOTHING",
        )?
        .execute(params![id, entry.meter, entry.quantity, at, day, period.key(), entry.key, to_millis(now)])?;
    if inserted == 0 {
        let stored: Option<(String, i64, i64)> = tx
            .prepare_cached(
                "SELECT meter, quantity, occurred_at FROM usage_events WHERE tenant_id = ?1 AND idempotency_key = ?2",
            )?
            .query_row(params![id, entry.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if stored != Some((entry.meter.to_owned(), entry.quantity, at)) {
            return Err(TenancyError::IdempotencyConflict { tenant: id.to_owned(), key: entry.key.to_owned() });
        }
        return Ok(Recorded::Duplicate);
    }
    if let Some(spec) = plan.limits.get(entry.meter) {
        let counter = counter_period(spec.reset, entry.occurred_at, tenant);
        tx.prepare_cached(
            "INSERT INTO quota_usage (tenant_id, limit_name, period, used) VALUES (?1, ?2, ?3, 0) ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, entry.meter, counter])?;
        let limit_value = spec.value.saturating_add(granted(tx, tenant, entry.meter, &counter)?);
        let after: Option<i64> = if spec.enforcement == Enforcement::Hard && entry.quantity > 0 {
            tx.prepare_cached(
                "UPDATE quota_usage SET used = used + ?4
                 WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3 AND used + ?4 <= ?5 RETURNING used",
            )?
            .query_row(
                params![id, entry.meter, counter, entry.quantity, i64::try_from(limit_value).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()?
        } else {
            tx.prepare_cached(
                "UPDATE quota_usage SET used = MAX(used + ?4, 0)
                 WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3 RETURNING used",
            )?
            .query_row(params![id, entry.meter, counter, entry.quantity], |r| r.get(0))
            .optional()?
        };
        if after.is_none() {
            return Err(TenancyError::QuotaExceeded {
                tenant: id.to_owned(),
                limit: entry.meter.to_owned(),
                limit_value,
                used: used(tx, tenant, entry.meter, &counter)?,
                requested: u64::try_from(entry.quantity).unwrap_or(0),
                resets_at: match spec.reset {
                    Reset::Monthly => Some(period.end(tenant.timezone)),
                    Reset::Never => None,
                },
            });
        }
    }
    Ok(Recorded::New)
}
