//! The ledger's statements: one row per idempotency key, the month's open row touched by every
//! write, quota counters moved by conditional updates, grants, key purging and the cross-tenant
//! totals.

use super::schema::{to_millis, to_u64};
use super::view::{counter, granted, used};
use crate::storage::{LedgerEntry, NewGrant, Recorded};
use crate::usage::TenantUsage;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use rusqlite::{Connection, OptionalExtension, params};

/// Open the entry's month for recording, or fail if its invoice was issued.
fn touch_open_period(tx: &Connection, tenant: &str, entry: &LedgerEntry) -> Result<()> {
    let period = entry.period.key();
    tx.prepare_cached("INSERT INTO billing_periods (tenant_id, period) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![tenant, period])?;
    let open = tx
        .prepare_cached(
            "UPDATE billing_periods SET closed = closed WHERE tenant_id = ?1 AND period = ?2 AND closed = 0",
        )?
        .execute(params![tenant, period])?;
    if open == 0 {
        return Err(TenancyError::PeriodClosed {
            tenant: tenant.to_owned(),
            period,
            key: entry.key.clone(),
            occurred_at: entry.occurred_at,
        });
    }
    Ok(())
}

/// Record `entry` of `tenant` (received at `now`): the ledger row and, when it has one, its
/// counter. A capped counter refuses a quantity that would pass the cap plus the period's grants;
/// the caller's transaction then rolls back, ledger row included.
pub(super) fn record(tx: &Connection, tenant: &str, entry: &LedgerEntry, now: DateTime<Utc>) -> Result<Recorded> {
    touch_open_period(tx, tenant, entry)?;
    let at = to_millis(entry.occurred_at);
    let inserted = tx
        .prepare_cached(
            "INSERT INTO usage_events (tenant_id, meter, quantity, occurred_at, day, period, idempotency_key, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(tenant_id, idempotency_key) DO NOTHING",
        )?
        .execute(params![
            tenant,
            entry.meter,
            entry.quantity,
            at,
            entry.day.to_string(),
            entry.period.key(),
            entry.key,
            to_millis(now)
        ])?;
    let Some(spec) = &entry.counter else {
        return Ok(Recorded { duplicate: inserted == 0 && replay(tx, tenant, entry, at)?, counter: None });
    };
    if inserted == 0 {
        replay(tx, tenant, entry, at)?;
        return Ok(Recorded { duplicate: true, counter: Some(counter(tx, tenant, &entry.meter, &spec.period)?) });
    }
    tx.prepare_cached(
        "INSERT INTO quota_usage (tenant_id, limit_name, period, used) VALUES (?1, ?2, ?3, 0) ON CONFLICT DO NOTHING",
    )?
    .execute(params![tenant, entry.meter, spec.period])?;
    let grants = granted(tx, tenant, &entry.meter, &spec.period)?;
    let after: Option<i64> = match spec.hard_limit.filter(|_| entry.quantity > 0) {
        Some(cap) => {
            let limit_value = cap.saturating_add(grants);
            let after = tx
                .prepare_cached(
                    "UPDATE quota_usage SET used = used + ?4
                     WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3 AND used + ?4 <= ?5 RETURNING used",
                )?
                .query_row(
                    params![
                        tenant,
                        entry.meter,
                        spec.period,
                        entry.quantity,
                        i64::try_from(limit_value).unwrap_or(i64::MAX)
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            if after.is_none() {
                return Err(TenancyError::QuotaExceeded {
                    tenant: tenant.to_owned(),
                    limit: entry.meter.clone(),
                    limit_value,
                    used: used(tx, tenant, &entry.meter, &spec.period)?,
                    requested: to_u64(entry.quantity),
                    resets_at: spec.resets_at,
                });
            }
            after
        }
        None => tx
            .prepare_cached(
                "UPDATE quota_usage SET used = MAX(used + ?4, 0)
                 WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3 RETURNING used",
            )?
            .query_row(params![tenant, entry.meter, spec.period, entry.quantity], |r| r.get(0))
            .optional()?,
    };
    let used = to_u64(after.unwrap_or(0));
    Ok(Recorded { duplicate: false, counter: Some(crate::storage::CounterState { used, granted: grants }) })
}

/// A key already stored: a replay when its payload is the entry's, a conflict otherwise.
fn replay(tx: &Connection, tenant: &str, entry: &LedgerEntry, at: i64) -> Result<bool> {
    let stored: Option<(String, i64, i64)> = tx
        .prepare_cached(
            "SELECT meter, quantity, occurred_at FROM usage_events WHERE tenant_id = ?1 AND idempotency_key = ?2",
        )?
        .query_row(params![tenant, entry.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if stored != Some((entry.meter.clone(), entry.quantity, at)) {
        return Err(TenancyError::IdempotencyConflict { tenant: tenant.to_owned(), key: entry.key.clone() });
    }
    Ok(true)
}

pub(super) fn grant(tx: &Connection, tenant: &TenantId, grant: &NewGrant, now: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO quota_grants (tenant_id, limit_name, period, amount, reason, granted_by, granted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        tenant.as_str(),
        grant.limit,
        grant.period,
        i64::try_from(grant.amount).unwrap_or(i64::MAX),
        grant.reason,
        grant.granted_by,
        to_millis(now)
    ])?;
    Ok(())
}

pub(super) fn purge_keys(tx: &Connection, cutoff: DateTime<Utc>) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE usage_events SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND received_at < ?1",
        [to_millis(cutoff)],
    )?)
}

pub(super) fn top_tenants(
    tx: &Connection,
    meter: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    n: usize,
) -> Result<Vec<TenantUsage>> {
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
}
