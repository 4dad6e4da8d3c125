//! The `RunTracker` port: experiment tracking as retrain, security and the agent need it.
//!
//! forecast-mlops implements it on SQLite (one tracker per tenant, from [`RunTrackers`]);
//! forecast-security wraps it with permission checks; retrain logs its search trials through it.

use crate::Result;
use crate::tenant::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A named group of runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// Database id.
    pub id: i64,
    /// Name, unique in its tenant.
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

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Self::Running),
            "finished" => Some(Self::Finished),
            "failed" => Some(Self::Failed),
            "killed" => Some(Self::Killed),
            _ => None,
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

/// Experiment tracking inside one tenant. Every id and name refers to that tenant's runs only:
/// another tenant's run id is [`crate::Error::NotFound`].
///
/// Each write names its `actor` (user, service or job), recorded in the audit trail; a guarded
/// tracker replaces it with its session's user.
pub trait RunTracker: Send + Sync + fmt::Debug {
    /// Every experiment, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    fn experiments(&self) -> Result<Vec<Experiment>>;

    /// Start a run in `experiment` (created if missing), optionally under a parent run.
    /// Returns the run id.
    ///
    /// # Errors
    /// Unknown parent, invalid names, storage failure.
    fn start_run(&self, experiment: &str, run_name: &str, parent: Option<i64>, actor: &str) -> Result<i64>;

    /// Record a hyper-parameter (write-once).
    ///
    /// # Errors
    /// Unknown or ended run, a different value already logged, storage failure.
    fn log_param(&self, run_id: i64, key: &str, value: &str, actor: &str) -> Result<()>;

    /// Record one value of a metric at `step`.
    ///
    /// # Errors
    /// Unknown or ended run, non-finite value, storage failure.
    fn log_metric(&self, run_id: i64, key: &str, value: f64, step: i64, actor: &str) -> Result<()>;

    /// Set (or overwrite) a tag.
    ///
    /// # Errors
    /// Unknown or ended run, storage failure.
    fn set_tag(&self, run_id: i64, key: &str, value: &str, actor: &str) -> Result<()>;

    /// Store a file produced by the run under `path`; returns its SHA-256.
    ///
    /// # Errors
    /// Unknown or ended run, invalid path, storage failure.
    fn log_artifact(&self, run_id: i64, path: &str, bytes: &[u8], actor: &str) -> Result<String>;

    /// End a run with `status` (anything but `Running`).
    ///
    /// # Errors
    /// Unknown or already ended run, `status` = `Running`.
    fn end_run(&self, run_id: i64, status: RunStatus, actor: &str) -> Result<()>;

    /// One run with its params, latest metrics, tags and artifact paths.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown run (or another tenant's).
    fn run(&self, run_id: i64) -> Result<Run>;

    /// Every value logged for `key` in a run, by step then logging order.
    ///
    /// # Errors
    /// Unknown run, storage failure.
    fn metric_history(&self, run_id: i64, key: &str) -> Result<Vec<MetricPoint>>;

    /// The bytes of a run's artifact, checked against their hash.
    ///
    /// # Errors
    /// Unknown run or path, corrupt bytes, storage failure.
    fn artifact(&self, run_id: i64, path: &str) -> Result<Vec<u8>>;

    /// Runs of `experiment` matching a filter expression (the implementation documents its
    /// grammar).
    ///
    /// # Errors
    /// A malformed filter (naming the column), unknown experiment.
    fn search(&self, experiment: &str, query: &str) -> Result<Vec<Run>>;
}

/// Hands out trackers bound to one tenant.
pub trait RunTrackers: Send + Sync + fmt::Debug {
    /// The tracker of `tenant`'s experiments and runs.
    ///
    /// # Errors
    /// When the tracker cannot be opened for that tenant.
    fn runs(&self, tenant: &TenantId) -> Result<Arc<dyn RunTracker>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Killed] {
            assert_eq!(RunStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RunStatus::parse("paused"), None);
    }
}
