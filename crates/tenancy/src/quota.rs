//! Quotas: atomic check-and-consume against plan limits plus one-off grants.

use crate::period::BillingPeriod;
use crate::plan::{Enforcement, LimitSpec, Reset};
use crate::schema::to_millis;
use crate::scope::TenantScope;
use crate::store::load_plan;
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

/// The period key of limits that never reset.
const NEVER: &str = "all";

/// Where a tenant stands against one limit in the current period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaStatus {
    /// The limit name.
    pub limit: String,
    /// The month counted, or `None` for a limit that never resets.
    pub period: Option<BillingPeriod>,
    /// Hard or soft.
    pub enforcement: Enforcement,
    /// The plan's value plus grants for the period.
    pub limit_value: u64,
    /// Of which one-off grants.
    pub granted: u64,
    /// Usage so far in the period.
    pub used: u64,
    /// Usage beyond `limit_value` (soft limits only; hard limits never go over).
    pub overage: u64,
    /// When usage resets: local midnight on the 1st of next month; `None` if never.
    pub resets_at: Option<DateTime<Utc>>,
}

impl QuotaStatus {
    /// How much can still be consumed before the limit.
    pub fn remaining(&self) -> u64 {
        self.limit_value.saturating_sub(self.used)
    }
}

/// The counted state of one limit, read inside a transaction.
struct Counter {
    spec: LimitSpec,
    period: Option<BillingPeriod>,
    key: String,
    granted: u64,
    used: u64,
}

impl Counter {
    fn load(tx: &Transaction<'_>, tenant: &Tenant, limit: &str, now: DateTime<Utc>) -> Result<Self> {
        let plan = load_plan(tx, &tenant.plan)?;
        let spec = crate::entitlements::Entitlements::new(tenant.id.clone(), plan).limit(limit)?;
        let period = match spec.reset {
            Reset::Monthly => Some(BillingPeriod::containing(now, tenant.timezone)),
            Reset::Never => None,
        };
        let key = period.map_or_else(|| NEVER.to_owned(), |p| p.key());
        let id = tenant.id.as_str();
        let granted: i64 = tx
            .prepare_cached(
                "SELECT COALESCE(SUM(amount), 0) FROM quota_grants WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3",
            )?
            .query_row(params![id, limit, key], |r| r.get(0))?;
        let used: Option<i64> = tx
            .prepare_cached("SELECT used FROM quota_usage WHERE tenant_id = ?1 AND limit_name = ?2 AND period = ?3")?
            .query_row(params![id, limit, key], |r| r.get(0))
            .optional()?;
        Ok(Self { spec, period, key, granted: to_u64(granted), used: to_u64(used.unwrap_or(0)) })
    }

    fn limit_value(&self) -> u64 {
        self.spec.value.saturating_add(self.granted)
    }

    fn status(&self, limit: &str, tenant: &Tenant) -> QuotaStatus {
        QuotaStatus {
            limit: limit.to_owned(),
            period: self.period,
            enforcement: self.spec.enforcement,
            limit_value: self.limit_value(),
            granted: self.granted,
            used: self.used,
            overage: self.used.saturating_sub(self.limit_value()),
            resets_at: self.period.map(|p| p.end(tenant.timezone)),
        }
    }

    fn store(&self, tx: &Transaction<'_>, tenant: &Tenant, limit: &str) -> Result<()> {
        let overage = self.used.saturating_sub(self.limit_value());
        tx.prepare_cached(
            "INSERT INTO quota_usage (tenant_id, limit_name, period, used, overage) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(tenant_id, limit_name, period) DO UPDATE SET used = excluded.used, overage = excluded.overage",
        )?
        .execute(params![tenant.id.as_str(), limit, self.key, to_i64(self.used), to_i64(overage)])?;
        Ok(())
    }
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl TenantScope<'_> {
    /// Check `amount` against the limit and consume it, atomically.
    ///
    /// A hard limit refuses when usage would pass it and consumes nothing; a soft limit
    /// consumes and records the overage. The check and the update are one `BEGIN IMMEDIATE`
    /// transaction, so concurrent callers (threads or processes) never overshoot a hard limit.
    ///
    /// # Errors
    /// [`TenancyError::QuotaExceeded`] naming the limit, usage and reset time;
    /// [`TenancyError::NotInPlan`] for an unknown limit; the tenant-state errors.
    pub fn consume(&self, limit: &str, amount: u64) -> Result<QuotaStatus> {
        let now = self.now();
        let outcome = self.write(|tx, tenant| {
            let mut counter = Counter::load(tx, &tenant, limit, now)?;
            let after = counter.used.checked_add(amount).filter(|a| i64::try_from(*a).is_ok()).ok_or_else(|| {
                TenancyError::InvalidUsage {
                    tenant: tenant.id.to_string(),
                    key: limit.to_owned(),
                    reason: format!("consuming {amount} on top of {} overflows the counter", counter.used),
                }
            })?;
            if counter.spec.enforcement == Enforcement::Hard && after > counter.limit_value() {
                return Err(TenancyError::QuotaExceeded {
                    tenant: tenant.id.to_string(),
                    limit: limit.to_owned(),
                    limit_value: counter.limit_value(),
                    used: counter.used,
                    requested: amount,
                    resets_at: counter.period.map(|p| p.end(tenant.timezone)),
                });
            }
            counter.used = after;
            counter.store(tx, &tenant, limit)?;
            let status = counter.status(limit, &tenant);
            let event = self
                .event("quota.consume", format!("limit:{limit}"), AuditOutcome::Success)
                .detail("amount", amount.to_string())
                .detail("used", status.used.to_string())
                .detail("overage", status.overage.to_string());
            self.audit(event)?;
            Ok(status)
        });
        if let Err(TenancyError::QuotaExceeded { used, limit_value, .. }) = &outcome {
            let event = self
                .event("quota.consume", format!("limit:{limit}"), AuditOutcome::Denied)
                .detail("amount", amount.to_string())
                .detail("used", used.to_string())
                .detail("limit", limit_value.to_string());
            self.audit(event)?;
        }
        outcome
    }

    /// Give back `amount` of a limit (e.g. a model was deleted); usage never goes below zero.
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`] for an unknown limit; the tenant-state errors.
    pub fn release(&self, limit: &str, amount: u64) -> Result<QuotaStatus> {
        let now = self.now();
        self.write(|tx, tenant| {
            let mut counter = Counter::load(tx, &tenant, limit, now)?;
            counter.used = counter.used.saturating_sub(amount);
            counter.store(tx, &tenant, limit)?;
            self.audit(
                self.event("quota.release", format!("limit:{limit}"), AuditOutcome::Success)
                    .detail("amount", amount.to_string()),
            )?;
            Ok(counter.status(limit, &tenant))
        })
    }

    /// The tenant's standing against `limit` now, without consuming anything.
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`] for an unknown limit; the tenant-state errors.
    pub fn quota(&self, limit: &str) -> Result<QuotaStatus> {
        let now = self.now();
        self.read(|tx, tenant| Ok(Counter::load(tx, &tenant, limit, now)?.status(limit, &tenant)))
    }

    /// A one-off grant (top-up) adding `amount` to `limit` for the current period only
    /// (for a limit that never resets, for good).
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`]; [`TenancyError::InvalidUsage`] for a zero amount.
    pub fn grant(&self, limit: &str, amount: u64, reason: &str) -> Result<QuotaStatus> {
        let now = self.now();
        self.write(|tx, tenant| {
            let counter = Counter::load(tx, &tenant, limit, now)?;
            if amount == 0 || i64::try_from(amount).is_err() {
                return Err(TenancyError::InvalidUsage {
                    tenant: tenant.id.to_string(),
                    key: limit.to_owned(),
                    reason: format!("a grant must be 1..={}, got {amount}", i64::MAX),
                });
            }
            tx.prepare_cached(
                "INSERT INTO quota_grants (tenant_id, limit_name, period, amount, reason, granted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                tenant.id.as_str(),
                limit,
                counter.key,
                to_i64(amount),
                reason,
                to_millis(now)
            ])?;
            let counter = Counter::load(tx, &tenant, limit, now)?;
            counter.store(tx, &tenant, limit)?;
            self.audit(
                self.event("quota.grant", format!("limit:{limit}"), AuditOutcome::Success)
                    .detail("amount", amount.to_string())
                    .detail("period", counter.key.clone())
                    .detail("reason", reason),
            )?;
            Ok(counter.status(limit, &tenant))
        })
    }
}
