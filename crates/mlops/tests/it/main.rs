//! Integration tests of forecast-mlops (one binary, as house style asks).

// Helpers shared by the tests (not #[test] functions themselves) unwrap too.
#![allow(clippy::unwrap_used)]

mod concurrency;
mod crash;
mod drift;
mod health;
mod pipeline;
mod registry;
mod store;
mod tenants;
mod tools;
mod tracking;

use chrono::{DateTime, TimeZone, Utc};
use forecast_core::model::{LinearModel, Link};
use forecast_core::tenant::TenantId;
use forecast_core::{ManualClock, MemoryAuditSink, ModelArtifact};
use forecast_mlops::{Registry, TenantRegistry};
use std::sync::Arc;

pub(crate) fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap()
}

/// A small linear artifact whose coefficients depend on `seed` (distinct seeds, distinct hashes).
pub(crate) fn artifact(seed: u64, n_features: usize) -> ModelArtifact {
    let coefficients: Vec<f64> = (0..n_features).map(|i| ((seed * 31 + i as u64 * 7) % 97) as f64 / 10.0).collect();
    ModelArtifact::from(LinearModel {
        impute: vec![0.0; n_features],
        coefficients,
        intercept: seed as f64,
        link: Link::Identity,
    })
}

pub(crate) fn tenant(id: &str) -> TenantId {
    TenantId::new(id).unwrap()
}

/// An in-memory registry database and the registry of its tenant `acme`.
pub(crate) fn memory_registry() -> (TenantRegistry, Arc<ManualClock>, Arc<MemoryAuditSink>) {
    let (db, clock, audit) = memory_db();
    (db.tenant(&tenant("acme")), clock, audit)
}

pub(crate) fn memory_db() -> (Registry, Arc<ManualClock>, Arc<MemoryAuditSink>) {
    let clock = Arc::new(ManualClock::new(start()));
    let audit = Arc::new(MemoryAuditSink::new());
    (Registry::open_in_memory(clock.clone(), audit.clone()).unwrap(), clock, audit)
}
