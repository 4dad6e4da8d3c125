//! Experiment tracking: experiments, runs with params, stepped metrics, tags, artifacts,
//! status and parent runs; search with a small filter language; side-by-side comparison.

mod compare;
mod filter;
mod run;

pub use compare::RunComparison;
pub use filter::{Comparison, Condition, Field, Literal, Operator, OrderKey, Query};
pub use run::{Experiment, MetricPoint, Run, RunStatus};

use crate::db::{Db, check_name, from_micros, get_blob, put_blob, to_micros};
use crate::error::{MlopsError, Result};
use chrono::{DateTime, Utc};
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock};
use rusqlite::{OptionalExtension, Transaction, params};
use std::path::Path;
use std::sync::Arc;

/// The experiment tracker. Cheap to clone; clones share one connection.
#[derive(Debug, Clone)]
pub struct Tracker {
    db: Arc<Db>,
}

impl Tracker {
    pub(crate) fn from_db(db: Arc<Db>) -> Self {
        Self { db }
    }

    /// Open (or create) a tracking database at `path` (the registry's file may be shared).
    ///
    /// # Errors
    /// When the file cannot be opened or has a newer schema.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Arc::new(Db::open(path.as_ref(), clock, audit)?) })
    }

    /// A tracker held in memory.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Arc::new(Db::open_in_memory(clock, audit)?) })
    }

    /// Create an experiment, or return the existing one of that name.
    ///
    /// # Errors
    /// Invalid name, storage failure.
    pub fn create_experiment(&self, name: &str, actor: &str) -> Result<Experiment> {
        check_name("experiment name", name)?;
        self.db.write("create experiment", |tx, ctx| {
            if let Some(e) = find_experiment(tx, name)? {
                return Ok((e, Vec::new()));
            }
            tx.execute(
                "INSERT INTO experiments (name, created_by, created_at) VALUES (?1, ?2, ?3)",
                params![name, actor, to_micros(ctx.now)],
            )
            .map_err(MlopsError::storage("create experiment"))?;
            let e = find_experiment(tx, name)?.ok_or_else(|| MlopsError::not_found("experiment", name))?;
            Ok((e, vec![event(ctx.now, actor, "experiment.create", name.to_string())]))
        })
    }

    /// Every experiment, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn experiments(&self) -> Result<Vec<Experiment>> {
        self.db.read("experiments", |tx| {
            let mut stmt = tx
                .prepare("SELECT id, name, created_by, created_at FROM experiments ORDER BY id")
                .map_err(MlopsError::storage("experiments"))?;
            let rows = stmt.query_map([], experiment_from_row).map_err(MlopsError::storage("experiments"))?;
            rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("experiments"))
        })
    }

    /// Start a run in `experiment` (created if missing), optionally under a parent run
    /// (e.g. one trial of a hyper-parameter search). Returns the run id.
    ///
    /// # Errors
    /// Unknown parent, invalid names, storage failure.
    pub fn start_run(&self, experiment: &str, run_name: &str, parent: Option<i64>, actor: &str) -> Result<i64> {
        let exp = self.create_experiment(experiment, actor)?;
        self.db.write("start run", |tx, ctx| {
            if let Some(p) = parent {
                run::read_run(tx, p)?;
            }
            tx.execute(
                "INSERT INTO runs (experiment_id, name, parent_id, status, created_by, start_time) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![exp.id, run_name, parent, RunStatus::Running.as_str(), actor, to_micros(ctx.now)],
            )
            .map_err(MlopsError::storage("start run"))?;
            let id = tx.last_insert_rowid();
            Ok((id, vec![event(ctx.now, actor, "run.start", format!("run {id}")).detail("experiment", experiment)]))
        })
    }

    /// Record a hyper-parameter (a run's params are write-once, as in MLflow).
    ///
    /// # Errors
    /// Ended run, a different value already logged for `key`, storage failure.
    pub fn log_param(&self, run_id: i64, key: &str, value: &str) -> Result<()> {
        check_name("param key", key)?;
        self.log(run_id, "run.log_param", key, |tx, _| {
            let old: Option<String> = tx
                .query_row("SELECT value FROM run_params WHERE run_id = ?1 AND key = ?2", params![run_id, key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(MlopsError::storage("log param"))?;
            match old {
                Some(old) if old != value => Err(MlopsError::InvalidInput(format!(
                    "run {run_id} param `{key}` is already `{old}`; params are write-once, start a new run to change it"
                ))),
                Some(_) => Ok(()),
                None => tx
                    .execute(
                        "INSERT INTO run_params (run_id, key, value) VALUES (?1, ?2, ?3)",
                        params![run_id, key, value],
                    )
                    .map(drop)
                    .map_err(MlopsError::storage("log param")),
            }
        })
    }

    /// Record one value of a metric at `step` (its history is kept; search uses the latest step).
    ///
    /// # Errors
    /// Ended run, non-finite value, storage failure.
    pub fn log_metric(&self, run_id: i64, key: &str, value: f64, step: i64) -> Result<()> {
        check_name("metric key", key)?;
        if !value.is_finite() {
            return Err(MlopsError::InvalidInput(format!(
                "run {run_id} metric `{key}` is {value}; metrics must be finite"
            )));
        }
        self.log(run_id, "run.log_metric", key, |tx, now| {
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
    pub fn set_tag(&self, run_id: i64, key: &str, value: &str) -> Result<()> {
        check_name("tag key", key)?;
        self.log(run_id, "run.set_tag", key, |tx, _| {
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
    pub fn log_artifact(&self, run_id: i64, path: &str, bytes: &[u8]) -> Result<String> {
        if path.is_empty() || path.len() > 500 {
            return Err(MlopsError::InvalidName {
                what: "artifact path",
                value: path.into(),
                expected: "1 to 500 characters",
            });
        }
        let mut sha = String::new();
        self.log(run_id, "run.log_artifact", path, |tx, _| {
            sha = put_blob(tx, bytes)?;
            tx.execute(
                "INSERT INTO run_artifacts (run_id, path, sha256) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256",
                params![run_id, path, sha],
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
                    "SELECT sha256 FROM run_artifacts WHERE run_id = ?1 AND path = ?2",
                    params![run_id, path],
                    |r| r.get(0),
                )
                .optional()
                .map_err(MlopsError::storage("artifact"))?
                .ok_or_else(|| MlopsError::not_found("run artifact", format!("run {run_id}: {path}")))?;
            get_blob(tx, &sha)
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
            active_run(tx, run_id)?;
            tx.execute(
                "UPDATE runs SET status = ?1, end_time = ?2 WHERE id = ?3",
                params![status.as_str(), to_micros(ctx.now), run_id],
            )
            .map_err(MlopsError::storage("end run"))?;
            Ok(((), vec![event(ctx.now, actor, "run.end", format!("run {run_id}")).detail("status", status.as_str())]))
        })
    }

    /// One run with its params, latest metrics, tags and artifact paths.
    ///
    /// # Errors
    /// Unknown run, storage failure.
    pub fn run(&self, run_id: i64) -> Result<Run> {
        self.db.read("run", |tx| run::read_run(tx, run_id))
    }

    /// Every value logged for `key` in a run, by step then logging order.
    ///
    /// # Errors
    /// Storage failure.
    pub fn metric_history(&self, run_id: i64, key: &str) -> Result<Vec<MetricPoint>> {
        self.db.read("metric history", |tx| {
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
            let exp =
                find_experiment(tx, experiment)?.ok_or_else(|| MlopsError::not_found("experiment", experiment))?;
            let mut stmt = tx
                .prepare("SELECT id FROM runs WHERE experiment_id = ?1 ORDER BY id")
                .map_err(MlopsError::storage("search"))?;
            let ids = stmt
                .query_map([exp.id], |r| r.get::<_, i64>(0))
                .map_err(MlopsError::storage("search"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(MlopsError::storage("search"))?;
            ids.into_iter().map(|id| run::read_run(tx, id)).collect::<Result<Vec<_>>>()
        })?;
        Ok(query.apply(runs))
    }

    /// Put runs side by side: every param and metric key against every run.
    ///
    /// # Errors
    /// Unknown run, storage failure.
    pub fn compare(&self, run_ids: &[i64]) -> Result<RunComparison> {
        let runs = self
            .db
            .read("compare", |tx| run_ids.iter().map(|id| run::read_run(tx, *id)).collect::<Result<Vec<_>>>())?;
        Ok(RunComparison::new(runs))
    }

    /// One write on an active run, audited as `action` with `key`.
    fn log(
        &self,
        run_id: i64,
        action: &str,
        key: &str,
        f: impl FnOnce(&Transaction<'_>, DateTime<Utc>) -> Result<()>,
    ) -> Result<()> {
        self.db.write("log to run", |tx, ctx| {
            let actor = active_run(tx, run_id)?;
            f(tx, ctx.now)?;
            Ok(((), vec![event(ctx.now, &actor, action, format!("run {run_id}")).detail("key", key)]))
        })
    }
}

/// Fail unless the run exists and is still running; returns its creator.
fn active_run(tx: &Transaction<'_>, run_id: i64) -> Result<String> {
    let (status, actor): (String, String) = tx
        .query_row("SELECT status, created_by FROM runs WHERE id = ?1", [run_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(MlopsError::storage("read run"))?
        .ok_or_else(|| MlopsError::not_found("run", run_id.to_string()))?;
    if status != RunStatus::Running.as_str() {
        return Err(MlopsError::RunEnded { run: run_id, status });
    }
    Ok(actor)
}

fn find_experiment(tx: &Transaction<'_>, name: &str) -> Result<Option<Experiment>> {
    tx.query_row(
        "SELECT id, name, created_by, created_at FROM experiments WHERE name = ?1",
        [name],
        experiment_from_row,
    )
    .optional()
    .map_err(MlopsError::storage("read experiment"))
}

fn experiment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Experiment> {
    Ok(Experiment { id: r.get(0)?, name: r.get(1)?, created_by: r.get(2)?, created_at: from_micros(r.get(3)?) })
}

fn event(now: DateTime<Utc>, actor: &str, action: &str, target: String) -> AuditEvent {
    AuditEvent::new(actor, action, target, AuditOutcome::Success, now)
}
