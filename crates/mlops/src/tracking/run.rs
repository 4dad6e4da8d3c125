//! Experiments, runs and their logged values.

use crate::db::from_micros;
use crate::error::{MlopsError, Result};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A named group of runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// Database id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Creator.
    pub created_by: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Started and still logging.
    Running,
    /// Ended normally.
    Finished,
    /// Ended with an error.
    Failed,
    /// Stopped from outside.
    Killed,
}

impl RunStatus {
    /// The lower-case name used in storage and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Killed => "killed",
        }
    }
}

/// One logged value of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// The value.
    pub value: f64,
    /// Training step, epoch or backtest fold.
    pub step: i64,
    /// When it was logged.
    pub at: DateTime<Utc>,
}

/// A run with everything logged to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Database id.
    pub id: i64,
    /// Experiment name.
    pub experiment: String,
    /// Run name.
    pub name: String,
    /// The parent run (for trials of a search).
    pub parent: Option<i64>,
    /// Status.
    pub status: RunStatus,
    /// Creator.
    pub created_by: String,
    /// Start time.
    pub start_time: DateTime<Utc>,
    /// End time, once ended.
    pub end_time: Option<DateTime<Utc>>,
    /// Hyper-parameters.
    pub params: BTreeMap<String, String>,
    /// The latest value of each metric (highest step, then last logged).
    pub metrics: BTreeMap<String, f64>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Artifact paths and their SHA-256.
    pub artifacts: BTreeMap<String, String>,
}

pub(crate) fn read_run(tx: &Transaction<'_>, id: i64) -> Result<Run> {
    let op = MlopsError::storage("read run");
    let head = tx
        .query_row(
            "SELECT e.name, r.name, r.parent_id, r.status, r.created_by, r.start_time, r.end_time \
             FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()
        .map_err(&op)?
        .ok_or_else(|| MlopsError::not_found("run", id.to_string()))?;
    let (experiment, name, parent, status, created_by, start, end) = head;
    let status = match status.as_str() {
        "running" => RunStatus::Running,
        "finished" => RunStatus::Finished,
        "failed" => RunStatus::Failed,
        "killed" => RunStatus::Killed,
        other => return Err(MlopsError::InvalidInput(format!("run {id} has unknown status `{other}` in storage"))),
    };
    let pairs = |sql: &str| -> Result<BTreeMap<String, String>> {
        let mut stmt = tx.prepare(sql).map_err(&op)?;
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?))).map_err(&op)?;
        rows.collect::<rusqlite::Result<_>>().map_err(&op)
    };
    let params = pairs("SELECT key, value FROM run_params WHERE run_id = ?1")?;
    let tags = pairs("SELECT key, value FROM run_tags WHERE run_id = ?1")?;
    let artifacts = pairs("SELECT path, sha256 FROM run_artifacts WHERE run_id = ?1")?;
    // Rows come by step then logging order, so the last one per key is the latest.
    let mut stmt =
        tx.prepare("SELECT key, value FROM run_metrics WHERE run_id = ?1 ORDER BY step, seq").map_err(&op)?;
    let rows = stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))).map_err(&op)?;
    let metrics = rows.collect::<rusqlite::Result<BTreeMap<_, _>>>().map_err(&op)?;
    Ok(Run {
        id,
        experiment,
        name,
        parent,
        status,
        created_by,
        start_time: from_micros(start),
        end_time: end.map(from_micros),
        params,
        metrics,
        tags,
        artifacts,
    })
}
