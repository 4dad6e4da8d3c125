//! The replayable trace of a run: the plan, every call's resolved arguments, its result
//! and a one-line summary, and the clock's time around each call.

use crate::error::Result;
use crate::plan::Plan;
use crate::registry::ToolRegistry;
use chrono::{DateTime, Utc};
use forecast_core::ToolEffect;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// The tool ran and its result validated.
    Succeeded,
    /// The arguments, the tool or its result failed.
    Failed,
    /// Not run: a step it depends on did not succeed.
    Skipped,
    /// Not run: the permission check refused it.
    Denied,
    /// Not run: a mutating step nobody confirmed.
    Unconfirmed,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// The step id.
    pub step: usize,
    /// The tool.
    pub tool: String,
    /// The arguments as called (bindings resolved).
    pub args: Value,
    /// How it ended.
    pub status: StepStatus,
    /// One line in words (the result's headline, or why it did not run).
    pub summary: String,
    /// The validated result, when it succeeded.
    pub result: Option<Value>,
    /// The error, when it failed or did not run.
    pub error: Option<String>,
    /// Clock time before the call.
    pub started: DateTime<Utc>,
    /// Clock time after the call.
    pub finished: DateTime<Utc>,
}

/// The record of one run, serialisable for an auditor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The plan that ran.
    pub plan: Plan,
    /// One entry per step, in step order.
    pub entries: Vec<TraceEntry>,
    /// Clock time at the start of the run.
    pub started: DateTime<Utc>,
    /// Clock time at the end of the run.
    pub finished: DateTime<Utc>,
}

/// A step whose replayed result differs from the recorded one.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayDifference {
    /// The step id.
    pub step: usize,
    /// The recorded result.
    pub recorded: Option<Value>,
    /// The result now, or the error now.
    pub now: std::result::Result<Value, String>,
}

impl Trace {
    /// The entry of a step.
    pub fn entry(&self, step: usize) -> Option<&TraceEntry> {
        self.entries.iter().find(|e| e.step == step)
    }

    /// Call every read-only step that succeeded again with its recorded arguments and list
    /// the steps whose result differs (empty when the run reproduces). Mutating steps are
    /// never replayed.
    ///
    /// # Errors
    /// [`crate::AgentError::UnknownTool`] when a traced tool is no longer registered.
    pub fn replay(&self, registry: &ToolRegistry) -> Result<Vec<ReplayDifference>> {
        let mut out = Vec::new();
        for e in self.entries.iter().filter(|e| e.status == StepStatus::Succeeded) {
            if registry.get(&e.tool)?.effect() == ToolEffect::Mutating {
                continue;
            }
            let now = registry.call(&e.tool, &e.args).map_err(|err| err.to_string());
            if now.as_ref().ok() != e.result.as_ref() {
                out.push(ReplayDifference { step: e.step, recorded: e.result.clone(), now });
            }
        }
        Ok(out)
    }
}
