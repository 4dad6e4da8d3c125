//! Retraining jobs: idempotent by job id, resumable from a journal, reporting progress, and
//! crash-safe: every step before the promotion only writes new registry versions and the
//! journal; the promotion is the last step and a single atomic alias move, so a crash at any
//! point leaves the serving alias where it was (or fully moved).

use crate::error::{Result, RetrainError};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The steps of a job, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Hyper-parameter search.
    Search,
    /// Fit and register the challenger (a new version; no alias moves).
    Register,
    /// Champion/challenger comparison.
    Compare,
    /// The alias move (the only change a serving client sees).
    Promote,
}

impl Step {
    /// Every step in order.
    pub const ALL: [Step; 4] = [Step::Search, Step::Register, Step::Compare, Step::Promote];
}

/// One journal line: a finished step and its output (JSON chosen by the caller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The job.
    pub job: String,
    /// The step finished.
    pub step: Step,
    /// Its output, needed to resume the next steps.
    pub output: serde_json::Value,
}

/// Progress of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobProgress {
    /// The step now finished.
    pub step: Step,
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
    /// Whether the step's output came from the journal (resumed) rather than being run.
    pub resumed: bool,
}

/// An append-only journal of finished steps, one JSON line each, flushed and synced per line.
/// A torn last line (a crash while writing) is ignored; any other bad line is an error.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    records: Vec<StepRecord>,
}

impl Journal {
    /// Open (or create) the journal at `path`.
    ///
    /// # Errors
    /// [`RetrainError::Journal`] naming the file and line.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let err = |m: String| RetrainError::Journal { path: path.display().to_string(), message: m };
        let mut records = Vec::new();
        if path.exists() {
            let file = File::open(&path).map_err(|e| err(e.to_string()))?;
            let lines: Vec<String> =
                BufReader::new(file).lines().collect::<std::io::Result<_>>().map_err(|e| err(e.to_string()))?;
            let n = lines.len();
            for (i, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<StepRecord>(line) {
                    Ok(r) => records.push(r),
                    Err(_) if i + 1 == n => {}
                    Err(e) => return Err(err(format!("line {}: {e}", i + 1))),
                }
            }
        }
        Ok(Self { path, records })
    }

    /// The output of `step` of `job`, if it finished.
    pub fn finished(&self, job: &str, step: Step) -> Option<&serde_json::Value> {
        self.records.iter().find(|r| r.job == job && r.step == step).map(|r| &r.output)
    }

    /// Record a finished step.
    ///
    /// # Errors
    /// [`RetrainError::Journal`] when the line cannot be written and synced.
    pub fn record(&mut self, record: StepRecord) -> Result<()> {
        let err = |m: String| RetrainError::Journal { path: self.path.display().to_string(), message: m };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let line = serde_json::to_string(&record).map_err(|e| err(e.to_string()))?;
        let mut f = OpenOptions::new().create(true).append(true).open(&self.path).map_err(|e| err(e.to_string()))?;
        // A torn line from an earlier crash must not glue onto this one.
        f.write_all(format!("\n{line}\n").as_bytes()).map_err(|e| err(e.to_string()))?;
        f.sync_all().map_err(|e| err(e.to_string()))?;
        self.records.push(record);
        Ok(())
    }
}

/// Runs the steps of a job through a journal: a step already journalled for this job id is
/// not run again (idempotent, resumable).
#[derive(Debug)]
pub struct Job<'a> {
    id: String,
    journal: &'a mut Journal,
}

impl<'a> Job<'a> {
    /// The job `id` on `journal`.
    pub fn new(id: impl Into<String>, journal: &'a mut Journal) -> Self {
        Self { id: id.into(), journal }
    }

    /// Whether every step of this job is journalled.
    pub fn is_complete(&self) -> bool {
        Step::ALL.iter().all(|s| self.journal.finished(&self.id, *s).is_some())
    }

    /// Run `step` with `work` unless journalled; returns its output either way and reports
    /// progress.
    ///
    /// # Errors
    /// The step's own error (nothing is journalled for it), journal errors.
    pub fn step(
        &mut self,
        step: Step,
        progress: &mut dyn FnMut(JobProgress),
        work: impl FnOnce(&Self) -> Result<serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let done = Step::ALL.iter().position(|s| *s == step).map_or(0, |i| i + 1);
        if let Some(out) = self.journal.finished(&self.id, step) {
            let out = out.clone();
            progress(JobProgress { step, done, total: Step::ALL.len(), resumed: true });
            return Ok(out);
        }
        let output = work(self)?;
        self.journal.record(StepRecord { job: self.id.clone(), step, output: output.clone() })?;
        progress(JobProgress { step, done, total: Step::ALL.len(), resumed: false });
        Ok(output)
    }

    /// The output of an earlier step of this job.
    pub fn output(&self, step: Step) -> Option<&serde_json::Value> {
        self.journal.finished(&self.id, step)
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.id
    }
}
