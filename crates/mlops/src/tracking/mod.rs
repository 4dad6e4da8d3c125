//! Experiment tracking: experiments, runs with params, stepped metrics, tags, artifacts,
//! status and parent runs; search with a small filter language; side-by-side comparison.
//!
//! A [`Tracker`] serves one tenant (from [`crate::TenantRegistry::tracker`]); it implements
//! forecast-core's [`RunTracker`] port. Run ids are unique across the database, and a run of
//! another tenant is not found. The tracker keeps the rules (names, finite metrics,
//! write-once params, artifact hashes on read, what is audited); the rows live in the
//! registry's [`MlopsStore`].

mod compare;
mod filter;

pub use compare::RunComparison;
pub use filter::{Comparison, Condition, Field, Literal, MAX_COMPARISONS, MAX_DEPTH, Operator, OrderKey, Query};
pub use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus};

use crate::error::{MlopsError, Result};
use crate::store::{ExperimentUpsert, Logged, MlopsStore, NewRun, RunEntry, StartedRun};
use crate::validate::{check_content, check_name};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::RunTracker;
use forecast_core::{AuditEvent, AuditOutcome};
use std::sync::Arc;

/// The experiment tracker of one tenant. Cheap to clone; clones share one store.
#[derive(Debug, Clone)]
pub struct Tracker {
    store: Arc<dyn MlopsStore>,
    tenant: TenantId,
}

impl Tracker {
    pub(crate) fn from_store(store: Arc<dyn MlopsStore>, tenant: TenantId) -> Self {
        Self { store, tenant }
    }

    /// The tenant served.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    fn event(&self, now: DateTime<Utc>, actor: &str, action: &str, target: String) -> AuditEvent {
        AuditEvent::new(actor, action, target, AuditOutcome::Success, now).tenant(self.tenant.as_str())
    }

    /// The audit of an experiment upsert: an event only when it was created.
    fn experiment_events(&self, e: &ExperimentUpsert, now: DateTime<Utc>, actor: &str) -> Vec<AuditEvent> {
        if e.created { vec![self.event(now, actor, "experiment.create", e.experiment.name.clone())] } else { vec![] }
    }

    /// Create an experiment, or return the existing one of that name.
    ///
    /// # Errors
    /// Invalid name, storage failure.
    pub fn create_experiment(&self, name: &str, actor: &str) -> Result<Experiment> {
        check_name("experiment name", name)?;
        let audit = |e: &ExperimentUpsert, now| Ok(self.experiment_events(e, now, actor));
        Ok(self.store.create_experiment(&self.tenant, name, actor, &audit)?.experiment)
    }

    /// Every experiment of the tenant, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn experiments(&self) -> Result<Vec<Experiment>> {
        self.store.experiments(&self.tenant)
    }

    /// Start a run in `experiment` (created if missing), optionally under a parent run of the
    /// same tenant (e.g. one trial of a hyper-parameter search). Returns the run id.
    ///
    /// # Errors
    /// Unknown parent, invalid names, storage failure.
    pub fn start_run(&self, experiment: &str, run_name: &str, parent: Option<i64>, actor: &str) -> Result<i64> {
        check_name("experiment name", experiment)?;
        let audit = |r: &StartedRun, now| {
            let mut events = self.experiment_events(&r.experiment, now, actor);
            events.push(self.event(now, actor, "run.start", format!("run {}", r.id)).detail("experiment", experiment));
            Ok(events)
        };
        let run = NewRun { experiment, name: run_name, parent, actor };
        Ok(self.store.start_run(&self.tenant, run, &audit)?.id)
    }

    /// Record a hyper-parameter (a run's params are write-once, as in MLflow).
    ///
    /// # Errors
    /// Ended run, a different value already logged for `key`, storage failure.
    pub fn log_param(&self, run_id: i64, key: &str, value: &str, actor: &str) -> Result<()> {
        check_name("param key", key)?;
        self.log(run_id, actor, "run.log_param", key, RunEntry::Param { key, value }, |logged| match logged {
            Logged::Param { stored } if stored != value => Err(MlopsError::InvalidInput(format!(
                "run {run_id} param `{key}` is already `{stored}`; params are write-once, start a new run to change it"
            ))),
            _ => Ok(()),
        })
        .map(drop)
    }

    /// Record one value of a metric at `step` (its history is kept; search uses the latest step).
    ///
    /// # Errors
    /// Ended run, non-finite value, storage failure.
    pub fn log_metric(&self, run_id: i64, key: &str, value: f64, step: i64, actor: &str) -> Result<()> {
        check_name("metric key", key)?;
        if !value.is_finite() {
            return Err(MlopsError::InvalidInput(format!(
                "run {run_id} metric `{key}` is {value}; metrics must be finite"
            )));
        }
        self.log(run_id, actor, "run.log_metric", key, RunEntry::Metric { key, value, step }, |_| Ok(())).map(drop)
    }

    /// Set (or overwrite) a tag.
    ///
    /// # Errors
    /// Ended run, storage failure.
    pub fn set_tag(&self, run_id: i64, key: &str, value: &str, actor: &str) -> Result<()> {
        check_name("tag key", key)?;
        self.log(run_id, actor, "run.set_tag", key, RunEntry::Tag { key, value }, |_| Ok(())).map(drop)
    }

    /// Store a file produced by the run (plot, report, model JSON) under `path`; returns its SHA-256.
    ///
    /// # Errors
    /// Ended run, empty path, storage failure.
    pub fn log_artifact(&self, run_id: i64, path: &str, bytes: &[u8], actor: &str) -> Result<String> {
        if path.is_empty() || path.len() > 500 {
            return Err(MlopsError::InvalidName {
                what: "artifact path",
                value: path.into(),
                expected: "1 to 500 characters",
            });
        }
        match self.log(run_id, actor, "run.log_artifact", path, RunEntry::Artifact { path, bytes }, |_| Ok(()))? {
            Logged::Artifact { sha256 } => Ok(sha256),
            other => Err(MlopsError::InvalidInput(format!(
                "run {run_id}: the store answered an artifact write with {other:?}"
            ))),
        }
    }

    /// The bytes of a run's artifact, checked against their hash.
    ///
    /// # Errors
    /// Unknown run or path, corrupt bytes, storage failure.
    pub fn artifact(&self, run_id: i64, path: &str) -> Result<Vec<u8>> {
        let (sha, bytes) = self.store.run_artifact(&self.tenant, run_id, path)?;
        check_content(&sha, &bytes)?;
        Ok(bytes)
    }

    /// End a run with `status` (anything but `Running`).
    ///
    /// # Errors
    /// Unknown or already ended run, `status` = `Running`.
    pub fn end_run(&self, run_id: i64, status: RunStatus, actor: &str) -> Result<()> {
        if status == RunStatus::Running {
            return Err(MlopsError::InvalidInput(format!(
                "run {run_id}: end status must be finished, failed or killed"
            )));
        }
        let audit = |_: &(), now| {
            Ok(vec![self.event(now, actor, "run.end", format!("run {run_id}")).detail("status", status.as_str())])
        };
        self.store.end_run(&self.tenant, run_id, status, &audit)
    }

    /// One run with its params, latest metrics, tags and artifact paths.
    ///
    /// # Errors
    /// Unknown run (or another tenant's), storage failure.
    pub fn run(&self, run_id: i64) -> Result<Run> {
        self.store.run(&self.tenant, run_id)
    }

    /// Every value logged for `key` in a run, by step then logging order.
    ///
    /// # Errors
    /// Unknown run (or another tenant's), storage failure.
    pub fn metric_history(&self, run_id: i64, key: &str) -> Result<Vec<MetricPoint>> {
        self.store.metric_history(&self.tenant, run_id, key)
    }

    /// Runs of `experiment` matching `query` (see [`Query`] for the grammar).
    ///
    /// # Errors
    /// [`MlopsError::Filter`] with the column of the offending token; unknown experiment.
    pub fn search(&self, experiment: &str, query: &str) -> Result<Vec<Run>> {
        let query = Query::parse(query)?;
        Ok(query.apply(self.store.experiment_runs(&self.tenant, experiment)?))
    }

    /// Put runs side by side: every param and metric key against every run.
    ///
    /// # Errors
    /// Unknown run, storage failure.
    pub fn compare(&self, run_ids: &[i64]) -> Result<RunComparison> {
        Ok(RunComparison::new(self.store.runs(&self.tenant, run_ids)?))
    }

    /// One write on an active run of this tenant, audited as `action` with `key` once `accept`
    /// has passed what the store left (an error rolls the write back).
    fn log(
        &self,
        run_id: i64,
        actor: &str,
        action: &str,
        key: &str,
        entry: RunEntry<'_>,
        accept: impl Fn(&Logged) -> Result<()>,
    ) -> Result<Logged> {
        let audit = |logged: &Logged, now| {
            accept(logged)?;
            Ok(vec![self.event(now, actor, action, format!("run {run_id}")).detail("key", key)])
        };
        self.store.log_to_run(&self.tenant, run_id, entry, &audit)
    }
}

impl RunTracker for Tracker {
    fn experiments(&self) -> forecast_core::Result<Vec<Experiment>> {
        Ok(Tracker::experiments(self)?)
    }

    fn start_run(
        &self,
        experiment: &str,
        run_name: &str,
        parent: Option<i64>,
        actor: &str,
    ) -> forecast_core::Result<i64> {
        Ok(Tracker::start_run(self, experiment, run_name, parent, actor)?)
    }

    fn log_param(&self, run_id: i64, key: &str, value: &str, actor: &str) -> forecast_core::Result<()> {
        Ok(Tracker::log_param(self, run_id, key, value, actor)?)
    }

    fn log_metric(&self, run_id: i64, key: &str, value: f64, step: i64, actor: &str) -> forecast_core::Result<()> {
        Ok(Tracker::log_metric(self, run_id, key, value, step, actor)?)
    }

    fn set_tag(&self, run_id: i64, key: &str, value: &str, actor: &str) -> forecast_core::Result<()> {
        Ok(Tracker::set_tag(self, run_id, key, value, actor)?)
    }

    fn log_artifact(&self, run_id: i64, path: &str, bytes: &[u8], actor: &str) -> forecast_core::Result<String> {
        Ok(Tracker::log_artifact(self, run_id, path, bytes, actor)?)
    }

    fn end_run(&self, run_id: i64, status: RunStatus, actor: &str) -> forecast_core::Result<()> {
        Ok(Tracker::end_run(self, run_id, status, actor)?)
    }

    fn run(&self, run_id: i64) -> forecast_core::Result<Run> {
        Ok(Tracker::run(self, run_id)?)
    }

    fn metric_history(&self, run_id: i64, key: &str) -> forecast_core::Result<Vec<MetricPoint>> {
        Ok(Tracker::metric_history(self, run_id, key)?)
    }

    fn artifact(&self, run_id: i64, path: &str) -> forecast_core::Result<Vec<u8>> {
        Ok(Tracker::artifact(self, run_id, path)?)
    }

    fn search(&self, experiment: &str, query: &str) -> forecast_core::Result<Vec<Run>> {
        Ok(Tracker::search(self, experiment, query)?)
    }
}
