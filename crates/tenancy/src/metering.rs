//! Metering: usage events with idempotency keys, batch ingest and per-period aggregates.
//!
//! Events go into the same ledger as quota consumes ([`crate::ledger`]): an event of a meter
//! that is one of the plan's limits also counts against that limit (a hard limit refuses the
//! batch), so quotas, meter totals and invoices agree. An event in a month whose invoice was
//! issued is refused ([`TenancyError::PeriodClosed`]), and so is one from before the tenant
//! existed.
//!
//! # Idempotency
//! An event's key is unique per tenant. Sending the same key with the same payload (meter,
//! quantity, time) again is a duplicate and is counted once; the same key with a different
//! payload is an [`TenancyError::IdempotencyConflict`]. Keys are kept at least
//! [`MIN_KEY_RETENTION`] (24 hours) after receipt: [`TenantStore::purge_idempotency_keys`]
//! forgets older keys (the events stay, so totals and invoices do not change), after which a
//! resent key counts as a new event.

use crate::period::BillingPeriod;
use crate::scope::TenantScope;
use crate::store::TenantStore;
pub use crate::usage::{Aggregation, MeterTotal};
use crate::{Result, TenancyError};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::{AuditEvent, AuditOutcome};
use serde::{Deserialize, Serialize};

/// The shortest time an idempotency key is kept after its event was received.
pub const MIN_KEY_RETENTION: TimeDelta = TimeDelta::hours(24);

/// Longest accepted idempotency key, in bytes.
const MAX_KEY_LEN: usize = 255;

/// One usage event: `quantity` units of `meter` at `occurred_at`, sent under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEvent {
    /// Unique per tenant for this event, e.g. a request id.
    pub idempotency_key: String,
    /// The meter, e.g. `api_calls`.
    pub meter: String,
    /// Units used.
    pub quantity: u64,
    /// When the usage happened.
    pub occurred_at: DateTime<Utc>,
}

impl UsageEvent {
    /// An event of `quantity` units of `meter` at `occurred_at` under `idempotency_key`.
    pub fn new(
        idempotency_key: impl Into<String>,
        meter: impl Into<String>,
        quantity: u64,
        occurred_at: DateTime<Utc>,
    ) -> Self {
        Self { idempotency_key: idempotency_key.into(), meter: meter.into(), quantity, occurred_at }
    }
}

/// What a batch ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IngestReport {
    /// Events stored.
    pub accepted: usize,
    /// Events ignored because their key was already seen with the same payload.
    pub duplicates: usize,
}

/// Check an idempotency key: 1 to 255 bytes.
pub(crate) fn check_key(tenant: &str, key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(TenancyError::InvalidUsage {
            tenant: tenant.to_owned(),
            key: key.chars().take(64).collect(),
            reason: format!("the idempotency key must be 1 to {MAX_KEY_LEN} bytes"),
        });
    }
    Ok(())
}

/// What a recording of events did.
fn report_of(recorded: &crate::storage::UsageRecorded) -> IngestReport {
    let duplicates = recorded.entries.iter().filter(|e| e.duplicate).count();
    IngestReport { accepted: recorded.entries.len() - duplicates, duplicates }
}

fn check_event(tenant: &str, event: &UsageEvent) -> Result<()> {
    let bad = |reason: String| TenancyError::InvalidUsage {
        tenant: tenant.to_owned(),
        key: event.idempotency_key.clone(),
        reason,
    };
    check_key(tenant, &event.idempotency_key)?;
    crate::name::check_slug("meter", &event.meter)?;
    if i64::try_from(event.quantity).is_err() {
        return Err(bad(format!("quantity {} is above {}", event.quantity, i64::MAX)));
    }
    Ok(())
}

impl TenantScope<'_> {
    /// Record one usage event; see [`TenantScope::ingest_batch`].
    ///
    /// # Errors
    /// As [`TenantScope::ingest_batch`].
    pub fn ingest(&self, event: &UsageEvent) -> Result<IngestReport> {
        self.ingest_batch(std::slice::from_ref(event))
    }

    /// Record many usage events in one transaction with cached prepared statements.
    ///
    /// Duplicates (a key seen before, or earlier in the batch, with the same payload) are
    /// counted once. The batch is all or nothing: one invalid event, one key reused with a
    /// different payload, one event in a closed month, or one that would pass a hard limit
    /// rejects the whole batch.
    ///
    /// # Errors
    /// [`TenancyError::IdempotencyConflict`] naming the key; [`TenancyError::PeriodClosed`];
    /// [`TenancyError::QuotaExceeded`]; [`TenancyError::InvalidUsage`] or
    /// [`TenancyError::InvalidName`] for a malformed event; the tenant-state errors.
    pub fn ingest_batch(&self, events: &[UsageEvent]) -> Result<IngestReport> {
        let tenant_id = self.tenant_id().as_str();
        events.iter().try_for_each(|e| check_event(tenant_id, e))?;
        let recorded = self.backend().record_usage(
            self.tenant_id(),
            &|view| {
                events
                    .iter()
                    .map(|e| {
                        let quantity = i64::try_from(e.quantity).unwrap_or(i64::MAX);
                        crate::ledger::entry(view, &e.idempotency_key, &e.meter, quantity, e.occurred_at)
                    })
                    .collect()
            },
            &|recorded, _| {
                let report = report_of(recorded);
                Ok(vec![
                    self.event("metering.ingest", "usage_events", AuditOutcome::Success)
                        .detail("accepted", report.accepted.to_string())
                        .detail("duplicates", report.duplicates.to_string()),
                ])
            },
        )?;
        Ok(report_of(&recorded))
    }

    /// Sum, count and max of every meter with events in `period` (by event time, in the
    /// tenant's timezone), ordered by meter.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn meter_totals(&self, period: BillingPeriod) -> Result<Vec<MeterTotal>> {
        self.read(|view| {
            let tz = view.tenant().timezone;
            view.meter_totals(period.start(tz), period.end(tz))
        })
    }

    /// One aggregate of `meter` over `period` (0 when it has no events).
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn aggregate(&self, meter: &str, period: BillingPeriod, aggregation: Aggregation) -> Result<u64> {
        let totals = self.meter_totals(period)?;
        Ok(totals.iter().find(|t| t.meter == meter).map_or(0, |t| t.get(aggregation)))
    }

    /// When the event sent under `key` was received, while the key is still kept.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn key_received_at(&self, key: &str) -> Result<Option<DateTime<Utc>>> {
        self.read(|view| view.key_received_at(key))
    }
}

impl TenantStore {
    /// Forget idempotency keys received more than `retention` ago, for all tenants.
    ///
    /// `retention` below [`MIN_KEY_RETENTION`] is raised to it, so a key younger than 24 hours
    /// is never forgotten. Events are kept; only their keys are cleared. Returns how many keys
    /// were forgotten.
    ///
    /// # Errors
    /// When SQLite or the audit sink fails.
    pub fn purge_idempotency_keys(&self, retention: TimeDelta) -> Result<usize> {
        let now = self.clock().now();
        let cutoff = now - retention.max(MIN_KEY_RETENTION);
        self.backend().purge_idempotency_keys(cutoff, &|purged, at| {
            Ok(vec![
                AuditEvent::new("system", "metering.purge_keys", "usage_events", AuditOutcome::Success, at)
                    .detail("purged", purged.to_string())
                    .detail("cutoff", cutoff.to_rfc3339()),
            ])
        })
    }
}
