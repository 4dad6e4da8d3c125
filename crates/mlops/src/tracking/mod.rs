//! Experiment tracking: experiments, runs with params, stepped metrics, tags, artifacts,
//! status and parent runs; search with a small filter language; side-by-side comparison.
//!
//! A [`Tracker`] serves one tenant (from [`crate::TenantRegistry::tracker`]); it implements
//! forecast-core's [`RunTracker`] port. Run ids are unique across the database, and a run of
//! another tenant is not found.

mod compare;
mod filter;
mod run;

pub use compare::RunComparison;
pub use filter::{Comparison, Condition, Field, Literal, MAX_COMPARISONS, MAX_DEPTH, Operator, OrderKey, Query};
pub use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus};

use crate::db::{Db, check_name, from_micros, get_blob, put_blob, to_micros};
use crate::error::{MlopsError, Result};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::RunTracker;
use forecast_core::{AuditEvent, AuditOutcome};
use rusqlite::{OptionalExtension, Transaction, params};
use std::sync::Arc;

/// The experiment tracker of one tenant. Cheap to clone; clones share one connection.
#[derive(Debug, Clone)]
pub struct Tracker {
    db: Arc<Db>,
    tenant: TenantId,
}

impl Tracker {
    pub(crate) fn from_db(db: Arc<Db>, tenant: TenantId) -> Self {
        Self { db, tenant }
    }

    /// The tenant served.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    fn event(&self, now: DateTime<Utc>, actor: &str, action: &str, target: String) -> AuditEvent {
        AuditEvent::new(actor, action, target, AuditOutcome::Success, now).tenant(self.tenant.as_str())
    }

    /// Create an experiment, or return the existing one of that name.
    ///
    /// # Errors
    /// Invalid name, storage failure.
    pub fn create_experiment(&self, name: &str, actor: &str) -> Result<Experiment> {
        check_name("experiment name", name)?;
        self.db.write("create experiment", |tx, ctx| self.upsert_experiment(tx, ctx.now, name, actor))
    }

    /// The experiment `name`, inserted (and audited) when new, inside the caller's transaction.
    fn upsert_experiment(
        &self,
        tx: &Transaction<'_>,
        now: DateTime<Utc>,
        name: &str,
        actor: &str,
    ) -> Result<(Experiment, Vec<AuditEvent>)> {
        let inserted = tx
            .execute(
                "INSERT INTO experiments (tenant, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant, name) DO NOTHING",
                params![self.tenant.as_str(), name, actor, to_micros(now)],
            )
            .map_err(MlopsError::storage("create experiment"))?;
        let e = find_experiment(tx, &self.tenant, name)?.ok_or_else(|| MlopsError::not_found("experiment", name))?;
        let events =
            if inserted == 1 { vec![self.event(now, actor, "experiment.create", name.to_string())] } else { vec![] };
        Ok((e, events))
    }

    /// Every experiment of the tenant, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn experiments(&self) -> Result<Vec<Experiment>> {
        self.db.read("experiments", |tx| {
            let mut stmt = tx
                .prepare("SELECT id, name, created_by, created_at FROM experiments WHERE tenant = ?1 ORDER BY id")
                .map_err(MlopsError::storage("experiments"))?;
            let rows = stmt
                .query_map([self.tenant.as_str()], experiment_from_row)
                .map_err(MlopsError::storage("experiments"))?;
            rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("experiments"))
        })
    }

    /// Start a run in `experiment` (created if missing), optionally under a parent run of the
    /// same tenant (e.g. one trial of a hyper-parameter search). Returns the run id.
    ///
    /// # Errors
    /// Unknown parent, invalid names, storage failure.
    pub fn start_run(&self, experiment: &str, run_name: &str, parent: Option<i64>, actor: &str) -> Result<i64> {
        check_name("experiment name", experiment)?;
        self.db.write("start run", |tx, ctx| {
            if let Some(p) = parent {
                run::read_run(tx, &self.tenant, p)?;
            }
            let (exp, mut events) = self.upsert_experiment(tx, ctx.now, experiment, actor)?;
            tx.execute(
                "INSERT INTO runs (tenant, experiment_id, name, parent_id, status, created_by, start_time) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    self.tenant.as_str(),
                    exp.id,
                    run_name,
                    parent,
                    RunStatus::Running.as_str(),
                    actor,
                    to_micros(ctx.now)
                ],
            )
            .map_err(MlopsError::storage("start run"))?;
            let id = tx.last_insert_rowid();
            events.push(self.event(ctx.now, actor, "run.start", format!("run {id}")).detail("experiment", experiment));
            Ok((id, events))
        })
    }

    /// Record a hyper-parameter (a run's params are write-once, as in MLflow).
    ///
    /// # Errors
    /// Ended run, a different value already logged for `key`, storage failure.
    pub fn log_param(&self, run_id: i64, key: &str, value: &str, actor: &str) -> Result<()> {
        check_name("param key", key)?;
        self.log(run_id, actor, "run.log_param", key, |tx, _| {
            // A conditional insert on the (run, key) key, not a read then a write: of two
            // concurrent first values one is stored and the other gets the write-once error.
            let inserted = tx
                .execute(
                    "INSERT INTO run_params (run_id, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (run_id, key) DO NOTHING",
                    params![run_id, key, value],
                )
                .map_err(MlopsError::storage("log param"))?;
            if inserted == 1 {
                return Ok(());
            }
            let old: String = tx
                .query_row("SELECT value FROM run_params WHERE run_id = ?1 AND key = ?2", params![run_id, key], |r| {
                    r.get(0)
                })
                .map_err(MlopsError::storage("log param"))?;
            if old == value {
                return Ok(());
            }
            Err(MlopsError::InvalidInput(format!(
                "run {run_id} param `{key}` is already `{old}`; params are write-once, start a new run to change it"
            )))
        })
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
        self.log(run_id, actor, "run.log_metric", key, |tx, now| {
            tx.execute(
                "INSERT INTO run_metrics (run_id, key, value, step, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![run_id, key, value, step, to_micros(now)],
            )
            .map(drop)
            .map_err(MlopsError::storage("log metric"))
        })
    }

    /// Set (or overwrite) a tag.
    ///
    /// # Errors
    /// Ended run, storage failure.
    pub fn set_tag(&self, run_id: i64, key: &str, value: &str, actor: &str) -> Result<()> {
        check_name("tag key", key)?;
        self.log(run_id, actor, "run.set_tag", key, |tx, _| {
            tx.execute(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                params![run_id, key, value],
            )
            .map(drop)
            .map_err(MlopsError::storage("set tag"))
        })
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
        let mut sha = String::new();
        self.log(run_id, actor, "run.log_artifact", path, |tx, _| {
            sha = put_blob(tx, &self.tenant, bytes)?;
            tx.execute(
                "INSERT INTO run_artifacts (run_id, tenant, path, sha256) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256",
                params![run_id, self.tenant.as_str(), path, sha],
            )
            .map(drop)
            .map_err(MlopsError::storage("log artifact"))
        })?;
        Ok(sha)
    }

    /// The bytes of a run's artifact, checked against their hash.
    ///
    /// # Errors
    /// Unknown run or path, corrupt bytes, storage failure.
    pub fn artifact(&self, run_id: i64, path: &str) -> Result<Vec<u8>> {
        self.db.read("artifact", |tx| {
            let sha: String = tx
                .query_row(
                    "SELECT sha256 FROM run_artifacts WHERE run_id = ?1 AND tenant = ?2 AND path = ?3",
                    params![run_id, self.tenant.as_str(), path],
                    |r| r.get(0),
                )
                .optional()
                .map_err(MlopsError::storage("artifact"))?
                .ok_or_else(|| MlopsError::not_found("run artifact", format!("run {run_id}: {path}")))?;
            get_blob(tx, &self.tenant, &sha)
        })
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
        self.db.write("end run", |tx, ctx| {
            active_run(tx, &self.tenant, run_id)?;
            // Conditional on still running, so two concurrent ends cannot both succeed.
            let changed = tx
                .execute(
                    "UPDATE runs SET status = ?1, end_time = ?2 WHERE id = ?3 AND tenant = ?4 AND status = ?5",
                    params![
                        status.as_str(),
                        to_micros(ctx.now),
                        run_id,
                        self.tenant.as_str(),
                        RunStatus::Running.as_str()
                    ],
                )
                .map_err(MlopsError::storage("end run"))?;
            if changed == 0 {
                return Err(MlopsError::RunEnded { run: run_id, status: "ended".into() });
            }
            let event =
                self.event(ctx.now, actor, "run.end", format!("run {run_id}")).detail("status", status.as_str());
            Ok(((), vec![event]))
        })
    }

    /// One run with its params, latest metrics, tags and artifact paths.
    ///
    /// # Errors
    /// Unknown run (or another tenant's), storage failure.
    pub fn run(&self, run_id: i64) -> Result<Run> {
        self.db.read("run", |tx| run::read_run(tx, &self.tenant, run_id))
    }

    /// Every value logged for `key` in a run, by step then logging order.
    ///
    /// # Errors
    /// Unknown run (or another tenant's), storage failure.
    pub fn metric_history(&self, run_id: i64, key: &str) -> Result<Vec<MetricPoint>> {
        self.db.read("metric history", |tx| {
            run::read_run(tx, &self.tenant, run_id)?;
            let mut stmt = tx
                .prepare("SELECT value, step, at FROM run_metrics WHERE run_id = ?1 AND key = ?2 ORDER BY step, seq")
                .map_err(MlopsError::storage("metric history"))?;
            let rows = stmt
                .query_map(params![run_id, key], |r| {
                    Ok(MetricPoint { value: r.get(0)?, step: r.get(1)?, at: from_micros(r.get(2)?) })
                })
                .map_err(MlopsError::storage("metric history"))?;
            rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("metric history"))
        })
    }

    /// Runs of `experiment` matching `query` (see [`Query`] for the grammar).
    ///
    /// # Errors
    /// [`MlopsError::Filter`] with the column of the offending token; unknown experiment.
    pub fn search(&self, experiment: &str, query: &str) -> Result<Vec<Run>> {
        let query = Query::parse(query)?;
        let runs = self.db.read("search", |tx| {
            let exp = find_experiment(tx, &self.tenant, experiment)?
                .ok_or_else(|| MlopsError::not_found("experiment", experiment))?;
            let mut stmt = tx
                .prepare("SELECT id FROM runs WHERE tenant = ?1 AND experiment_id = ?2 ORDER BY id")
                .map_err(MlopsError::storage("search"))?;
            let ids = stmt
                .query_map(params![self.tenant.as_str(), exp.id], |r| r.get::<_, i64>(0))
                .map_err(MlopsError::storage("search"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(MlopsError::storage("search"))?;
            ids.into_iter().map(|id| run::read_run(tx, &self.tenant, id)).collect::<Result<Vec<_>>>()
        })?;
        Ok(query.apply(runs))
    }

    /// Put runs side by side: every param and metric key against every run.
    ///
    /// # Errors
    /// Unknown run, storage failure.
    pub fn compare(&self, run_ids: &[i64]) -> Result<RunComparison> {
        let runs = self.db.read("compare", |tx| {
            run_ids.iter().map(|id| run::read_run(tx, &self.tenant, *id)).collect::<Result<Vec<_>>>()
        })?;
        Ok(RunComparison::new(runs))
    }

    /// One write on an active run of this tenant, audited as `action` with `key`.
    fn log(
        &self,
        run_id: i64,
        actor: &str,
        action: &str,
        key: &str,
        f: impl FnOnce(&Transaction<'_>, DateTime<Utc>) -> Result<()>,
    ) -> Result<()> {
        self.db.write("log to run", |tx, ctx| {
            active_run(tx, &self.tenant, run_id)?;
            f(tx, ctx.now)?;
            Ok(((), vec![self.event(ctx.now, actor, action, format!("run {run_id}")).detail("key", key)]))
        })
    }
}

/// Fail unless the run exists in `tenant` and is still running, holding the run's row lock
/// (a no-op conditional update) for the rest of `tx`: ending a run updates the same row, so
/// nothing is logged to a run after its end under any store, not only under SQLite's single writer.
fn active_run(tx: &Transaction<'_>, tenant: &TenantId, run_id: i64) -> Result<()> {
    let running = tx
        .prepare_cached("UPDATE runs SET status = status WHERE id = ?1 AND tenant = ?2 AND status = ?3")
        .and_then(|mut stmt| stmt.execute(params![run_id, tenant.as_str(), RunStatus::Running.as_str()]))
        .map_err(MlopsError::storage("read run"))?;
    if running == 1 {
        return Ok(());
    }
    let status: String = tx
        .query_row("SELECT status FROM runs WHERE id = ?1 AND tenant = ?2", params![run_id, tenant.as_str()], |r| {
            r.get(0)
        })
        .optional()
        .map_err(MlopsError::storage("read run"))?
        .ok_or_else(|| MlopsError::not_found("run", run_id.to_string()))?;
    if status != RunStatus::Running.as_str() {
        return Err(MlopsError::RunEnded { run: run_id, status });
    }
    Ok(())
}

fn find_experiment(tx: &Transaction<'_>, tenant: &TenantId, name: &str) -> Result<Option<Experiment>> {
    tx.query_row(
        "SELECT id, name, created_by, created_at FROM experiments WHERE tenant = ?1 AND name = ?2",
        params![tenant.as_str(), name],
        experiment_from_row,
    )
    .optional()
    .map_err(MlopsError::storage("read experiment"))
}

fn experiment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Experiment> {
    Ok(Experiment { id: r.get(0)?, name: r.get(1)?, created_by: r.get(2)?, created_at: from_micros(r.get(3)?) })
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
