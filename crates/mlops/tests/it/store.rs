//! The registry through a store that is not `SqliteMlopsStore` itself: a wrapper that delegates
//! every method and, when armed, fails a write inside its transaction after the change's audit
//! events were built. A failed write must leave no version, no alias move, no history row and
//! no audit event, and the next write must behave as if the failed one never happened.

use super::{artifact, start, tenant};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus};
use forecast_core::{AliasMove, ManualClock, MemoryAuditSink, ModelRef, ModelVersion, NewModelVersion};
use forecast_mlops::store::{AliasChange, Audit, ExperimentUpsert, Logged, NewRun, RunEntry, StartedRun};
use forecast_mlops::{MlopsError, MlopsStore, Registry, Result, SqliteMlopsStore};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Delegates to SQLite; while `armed`, `register`, `move_alias` and `archive` fail inside the
/// transaction, after calling the service's audit callback.
#[derive(Debug)]
struct FaultyStore {
    inner: SqliteMlopsStore,
    armed: AtomicBool,
}

fn injected(operation: &'static str) -> MlopsError {
    MlopsError::Backend { backend: "faulty", operation, source: "injected failure".into() }
}

impl FaultyStore {
    fn guard<'a, T>(
        &'a self,
        operation: &'static str,
        audit: Audit<'a, T>,
    ) -> impl Fn(&T, DateTime<Utc>) -> Result<Vec<forecast_core::AuditEvent>> + 'a {
        move |outcome, at| {
            let events = audit(outcome, at)?;
            if self.armed.load(Ordering::SeqCst) { Err(injected(operation)) } else { Ok(events) }
        }
    }
}

impl MlopsStore for FaultyStore {
    fn register(
        &self,
        tenant: &TenantId,
        new: &NewModelVersion,
        artifact: &[u8],
        audit: Audit<'_, ModelVersion>,
    ) -> Result<ModelVersion> {
        self.inner.register(tenant, new, artifact, &self.guard("register", audit))
    }
    fn resolve(&self, tenant: &TenantId, reference: &ModelRef) -> Result<ModelVersion> {
        self.inner.resolve(tenant, reference)
    }
    fn load(&self, tenant: &TenantId, reference: &ModelRef) -> Result<(ModelVersion, Vec<u8>)> {
        self.inner.load(tenant, reference)
    }
    fn versions(&self, tenant: &TenantId, name: &str) -> Result<Vec<ModelVersion>> {
        self.inner.versions(tenant, name)
    }
    fn models(&self, tenant: &TenantId) -> Result<Vec<String>> {
        self.inner.models(tenant)
    }
    fn aliases(&self, tenant: &TenantId, name: &str) -> Result<BTreeMap<String, u32>> {
        self.inner.aliases(tenant, name)
    }
    fn move_alias(&self, tenant: &TenantId, change: AliasChange<'_>, audit: Audit<'_, AliasMove>) -> Result<AliasMove> {
        self.inner.move_alias(tenant, change, &self.guard("move_alias", audit))
    }
    fn history(&self, tenant: &TenantId, name: &str, alias: Option<&str>) -> Result<Vec<AliasMove>> {
        self.inner.history(tenant, name, alias)
    }
    fn alias_at(&self, tenant: &TenantId, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>> {
        self.inner.alias_at(tenant, name, alias, at)
    }
    fn archive(
        &self,
        tenant: &TenantId,
        name: &str,
        version: u32,
        audit: Audit<'_, ModelVersion>,
    ) -> Result<ModelVersion> {
        self.inner.archive(tenant, name, version, &self.guard("archive", audit))
    }
    fn verify(&self) -> Result<Vec<String>> {
        self.inner.verify()
    }
    fn create_experiment(
        &self,
        tenant: &TenantId,
        name: &str,
        actor: &str,
        audit: Audit<'_, ExperimentUpsert>,
    ) -> Result<ExperimentUpsert> {
        self.inner.create_experiment(tenant, name, actor, audit)
    }
    fn experiments(&self, tenant: &TenantId) -> Result<Vec<Experiment>> {
        self.inner.experiments(tenant)
    }
    fn start_run(&self, tenant: &TenantId, run: NewRun<'_>, audit: Audit<'_, StartedRun>) -> Result<StartedRun> {
        self.inner.start_run(tenant, run, audit)
    }
    fn log_to_run(
        &self,
        tenant: &TenantId,
        run_id: i64,
        entry: RunEntry<'_>,
        audit: Audit<'_, Logged>,
    ) -> Result<Logged> {
        self.inner.log_to_run(tenant, run_id, entry, audit)
    }
    fn end_run(&self, tenant: &TenantId, run_id: i64, status: RunStatus, audit: Audit<'_, ()>) -> Result<()> {
        self.inner.end_run(tenant, run_id, status, audit)
    }
    fn run(&self, tenant: &TenantId, run_id: i64) -> Result<Run> {
        self.inner.run(tenant, run_id)
    }
    fn runs(&self, tenant: &TenantId, run_ids: &[i64]) -> Result<Vec<Run>> {
        self.inner.runs(tenant, run_ids)
    }
    fn experiment_runs(&self, tenant: &TenantId, experiment: &str) -> Result<Vec<Run>> {
        self.inner.experiment_runs(tenant, experiment)
    }
    fn metric_history(&self, tenant: &TenantId, run_id: i64, key: &str) -> Result<Vec<MetricPoint>> {
        self.inner.metric_history(tenant, run_id, key)
    }
    fn run_artifact(&self, tenant: &TenantId, run_id: i64, path: &str) -> Result<(String, Vec<u8>)> {
        self.inner.run_artifact(tenant, run_id, path)
    }
}

fn faulty() -> (Registry, Arc<FaultyStore>, Arc<MemoryAuditSink>) {
    let clock = Arc::new(ManualClock::new(start()));
    let audit = Arc::new(MemoryAuditSink::new());
    let inner = SqliteMlopsStore::open_in_memory(clock, audit.clone()).unwrap();
    let store = Arc::new(FaultyStore { inner, armed: AtomicBool::new(false) });
    (Registry::with_store(store.clone()), store, audit)
}

#[test]
fn a_registration_failing_in_its_transaction_leaves_no_version_number_or_audit_row() {
    let (registry, store, audit) = faulty();
    let acme = registry.tenant(&tenant("acme"));
    store.armed.store(true, Ordering::SeqCst);
    let err = acme.register(NewModelVersion::new("demand", artifact(1, 4), "ana")).unwrap_err();
    assert!(matches!(err, MlopsError::Backend { operation: "register", .. }), "{err:?}");
    assert!(acme.versions("demand").unwrap().is_empty());
    assert!(acme.models().unwrap().is_empty());
    assert!(audit.events().is_empty(), "{:?}", audit.events());
    store.armed.store(false, Ordering::SeqCst);
    let v = acme.register(NewModelVersion::new("demand", artifact(1, 4), "ana")).unwrap();
    assert_eq!(v.version, 1, "the failed registration used no number");
    assert_eq!(audit.events().len(), 1);
    assert!(registry.verify().unwrap().is_empty());
}

#[test]
fn an_alias_move_or_archive_failing_in_its_transaction_changes_nothing() {
    let (registry, store, audit) = faulty();
    let acme = registry.tenant(&tenant("acme"));
    for seed in [1, 2] {
        acme.register(NewModelVersion::new("demand", artifact(seed, 4), "ana")).unwrap();
    }
    acme.set_alias("demand", "champion", 1, "max", "first").unwrap();
    let before = audit.events().len();
    store.armed.store(true, Ordering::SeqCst);
    assert!(acme.set_alias("demand", "champion", 2, "max", "better").is_err());
    assert!(acme.archive("demand", 2, "max", "superseded").is_err());
    assert_eq!(acme.resolve(&"demand@champion".parse().unwrap()).unwrap().version, 1);
    assert_eq!(acme.alias_history("demand", "champion").unwrap().len(), 1, "no history row");
    assert_eq!(audit.events().len(), before, "no audit row");
    store.armed.store(false, Ordering::SeqCst);
    let moved = acme.set_alias("demand", "champion", 2, "max", "better").unwrap();
    assert_eq!((moved.from, moved.to), (Some(1), Some(2)), "the history chains from the real holder");
    assert!(registry.verify().unwrap().is_empty());
}
