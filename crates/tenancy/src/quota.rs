//! Quotas: atomic, idempotent check-and-consume against plan limits plus one-off grants, the
//! usage kept in the ledger (see [`crate::ledger`]) so quotas and metering agree.

use crate::ledger::{self, counter_period};
use crate::period::BillingPeriod;
use crate::plan::{Enforcement, LimitSpec, Plan, Reset};
use crate::scope::TenantScope;
use crate::storage::{CounterState, NewGrant, UsageRecorded};
use crate::store::TenantStore;
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;
use forecast_core::tenant::{TenantAdminAction, TenantAdminCheck, TenantId};
use serde::{Deserialize, Serialize};
use std::cell::Cell;

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
    /// Usage beyond `limit_value` (soft limits only; hard limits never go over). Invoiced.
    pub overage: u64,
    /// When usage resets: local midnight on the 1st of next month; `None` if never.
    pub resets_at: Option<DateTime<Utc>>,
    /// Whether this call was a replay of an earlier one with the same idempotency key (nothing
    /// was counted again).
    pub replayed: bool,
}

impl QuotaStatus {
    /// How much can still be consumed before the limit.
    pub fn remaining(&self) -> u64 {
        self.limit_value.saturating_sub(self.used)
    }
}

fn spec_of(tenant: &Tenant, plan: &Plan, limit: &str) -> Result<LimitSpec> {
    crate::entitlements::Entitlements::new(tenant.id.clone(), plan.clone()).limit(limit)
}

fn status(tenant: &Tenant, limit: &str, spec: LimitSpec, counter: CounterState, now: DateTime<Utc>) -> QuotaStatus {
    let CounterState { used, granted } = counter;
    let limit_value = spec.value.saturating_add(granted);
    let period = match spec.reset {
        Reset::Monthly => Some(BillingPeriod::containing(now, tenant.timezone)),
        Reset::Never => None,
    };
    QuotaStatus {
        limit: limit.to_owned(),
        period,
        enforcement: spec.enforcement,
        limit_value,
        granted,
        used,
        overage: used.saturating_sub(limit_value),
        resets_at: period.map(|p| p.end(tenant.timezone)),
        replayed: false,
    }
}

/// The standing against `limit` after a one-entry recording (a consume or a release).
fn recorded_status(recorded: &UsageRecorded, limit: &str, now: DateTime<Utc>) -> Result<QuotaStatus> {
    let spec = spec_of(&recorded.tenant, &recorded.plan, limit)?;
    let entry = recorded.entries.first().copied();
    let counter = entry.and_then(|e| e.counter).ok_or_else(|| TenancyError::Backend {
        backend: "tenancy store",
        operation: "record usage",
        source: format!("the store returned no counter for limit `{limit}`").into(),
    })?;
    let mut status = status(&recorded.tenant, limit, spec, counter, now);
    status.replayed = entry.is_some_and(|e| e.duplicate);
    Ok(status)
}

fn check_amount(tenant: &TenantId, key: &str, amount: u64) -> Result<i64> {
    i64::try_from(amount).map_err(|_| TenancyError::InvalidUsage {
        tenant: tenant.to_string(),
        key: key.to_owned(),
        reason: format!("an amount is at most {}, got {amount}", i64::MAX),
    })
}

impl TenantScope<'_> {
    /// Check `amount` against the limit and consume it, atomically and once per
    /// `idempotency_key`: a retry with the same key and amount returns the current status
    /// without counting again (`replayed`), the same key with another amount is an
    /// [`TenancyError::IdempotencyConflict`].
    ///
    /// A hard limit refuses when usage would pass it and consumes nothing; a soft limit
    /// consumes and records the overage, which is invoiced. The usage is a row of the ledger
    /// (meter = the limit's name), so it shows in meter totals and invoices exactly as counted
    /// here. The check is a conditional update, so concurrent callers never overshoot.
    ///
    /// # Errors
    /// [`TenancyError::QuotaExceeded`] naming the limit, usage and reset time (audited);
    /// [`TenancyError::NotInPlan`] for an unknown limit; an invalid key; the tenant-state errors.
    pub fn consume(&self, limit: &str, amount: u64, idempotency_key: &str) -> Result<QuotaStatus> {
        let now = self.now();
        crate::metering::check_key(self.tenant_id().as_str(), idempotency_key)?;
        let quantity = check_amount(self.tenant_id(), idempotency_key, amount)?;
        let outcome = self.backend().record_usage(
            self.tenant_id(),
            &|view| {
                spec_of(view.tenant(), view.plan(), limit)?;
                Ok(vec![ledger::entry(view, idempotency_key, limit, quantity, now)?])
            },
            &|recorded, _| {
                let status = recorded_status(recorded, limit, now)?;
                if status.replayed {
                    return Ok(Vec::new());
                }
                let event = self
                    .event("quota.consume", format!("limit:{limit}"), AuditOutcome::Success)
                    .detail("amount", amount.to_string())
                    .detail("key", idempotency_key)
                    .detail("used", status.used.to_string())
                    .detail("overage", status.overage.to_string());
                Ok(vec![event])
            },
        );
        if let Err(TenancyError::QuotaExceeded { used, limit_value, .. }) = &outcome {
            let event = self
                .event("quota.consume", format!("limit:{limit}"), AuditOutcome::Denied)
                .detail("amount", amount.to_string())
                .detail("key", idempotency_key)
                .detail("used", used.to_string())
                .detail("limit", limit_value.to_string());
            self.audit_refusal(event)?;
        }
        recorded_status(&outcome?, limit, now)
    }

    /// Give back up to `amount` of a limit (e.g. a model was deleted), once per
    /// `idempotency_key`; usage never goes below zero, and the ledger records what was
    /// actually given back.
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`] for an unknown limit; an invalid key; the tenant-state errors.
    pub fn release(&self, limit: &str, amount: u64, idempotency_key: &str) -> Result<QuotaStatus> {
        let now = self.now();
        crate::metering::check_key(self.tenant_id().as_str(), idempotency_key)?;
        check_amount(self.tenant_id(), idempotency_key, amount)?;
        let given_back = Cell::new(0i64);
        let recorded = self.backend().record_usage(
            self.tenant_id(),
            &|view| {
                let spec = spec_of(view.tenant(), view.plan(), limit)?;
                // Read under the tenant's row lock, which every write of this counter holds.
                let held = view.counter(limit, &counter_period(spec.reset, now, view.tenant()))?.used;
                given_back.set(i64::try_from(amount.min(held)).unwrap_or(0));
                Ok(vec![ledger::entry(view, idempotency_key, limit, -given_back.get(), now)?])
            },
            &|recorded, _| {
                if recorded_status(recorded, limit, now)?.replayed {
                    return Ok(Vec::new());
                }
                let event = self
                    .event("quota.release", format!("limit:{limit}"), AuditOutcome::Success)
                    .detail("amount", given_back.get().to_string())
                    .detail("key", idempotency_key);
                Ok(vec![event])
            },
        )?;
        recorded_status(&recorded, limit, now)
    }

    /// The tenant's standing against `limit` now, without consuming anything.
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`] for an unknown limit; the tenant-state errors.
    pub fn quota(&self, limit: &str) -> Result<QuotaStatus> {
        let now = self.now();
        self.read(|view| {
            let spec = spec_of(view.tenant(), view.plan(), limit)?;
            let counter = view.counter(limit, &counter_period(spec.reset, now, view.tenant()))?;
            Ok(status(view.tenant(), limit, spec, counter, now))
        })
    }
}

impl TenantStore {
    /// A one-off grant (top-up) adding `amount` to `limit` of `tenant` for the current period
    /// only (for a limit that never resets, for good). An operator action: `by` must allow
    /// [`TenantAdminAction::GrantQuota`] (a platform operator), and tenant-side code, which only
    /// holds a [`TenantScope`], has no way to call it.
    ///
    /// # Errors
    /// [`TenancyError::NotPermitted`] (audited); [`TenancyError::NotInPlan`];
    /// [`TenancyError::InvalidUsage`] for a zero amount; the tenant-state errors.
    pub fn grant_quota(
        &self,
        tenant: &TenantId,
        limit: &str,
        amount: u64,
        reason: &str,
        by: &dyn TenantAdminCheck,
    ) -> Result<QuotaStatus> {
        let actor = self.authorise(by, TenantAdminAction::GrantQuota, Some(tenant), "quota.grant")?;
        let now = self.clock().now();
        if amount == 0 || i64::try_from(amount).is_err() {
            return Err(TenancyError::InvalidUsage {
                tenant: tenant.to_string(),
                key: limit.to_owned(),
                reason: format!("a grant must be 1..={}, got {amount}", i64::MAX),
            });
        }
        let granted = self.backend().grant_quota(
            tenant,
            &|view| {
                let spec = spec_of(view.tenant(), view.plan(), limit)?;
                Ok(NewGrant {
                    limit: limit.to_owned(),
                    period: counter_period(spec.reset, now, view.tenant()),
                    amount,
                    reason: reason.to_owned(),
                    granted_by: actor.clone(),
                })
            },
            &|granted, at| {
                let event = forecast_core::AuditEvent::new(
                    &actor,
                    "quota.grant",
                    format!("limit:{limit}"),
                    AuditOutcome::Success,
                    at,
                )
                .tenant(tenant.as_str())
                .detail("amount", amount.to_string())
                .detail("period", &granted.grant.period)
                .detail("reason", reason);
                Ok(vec![event])
            },
        )?;
        let spec = spec_of(&granted.tenant, &granted.plan, limit)?;
        Ok(status(&granted.tenant, limit, spec, granted.counter, now))
    }
}
