//! The `Tool` port: one typed operation a crate offers to the agent.
//!
//! Each crate (xai, decisions, realtime, retrain, mlops ...) implements its own tools; the
//! caller registers them with forecast-agent, which validates arguments and results against
//! the schemas, plans calls and runs them. No crate depends on the agent.
//!
//! Schemas follow OpenAI's strict mode so a language-model planner can use them unchanged:
//! every object has `"additionalProperties": false`, every property is listed in
//! `required`, and an optional argument is a union with `null`
//! (`{"type": ["integer", "null"]}`).

mod context;
pub mod contract;

pub use context::{ChangeKind, FeatureChange, ToolContext};

use crate::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Debug;

/// Whether calling a tool changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolEffect {
    /// Reads only: safe to run automatically.
    ReadOnly,
    /// Changes state (promote, rollback ...): needs a permission check and a confirmation.
    Mutating,
}

/// A named operation with JSON arguments and a JSON result.
pub trait Tool: Send + Sync + Debug {
    /// The tool's name, e.g. `"forecast"` (`[a-z_]+`).
    fn name(&self) -> &str;

    /// What the tool does, in one or two sentences a planner can read.
    fn description(&self) -> &str;

    /// JSON Schema of the arguments object (strict mode, see the module docs).
    fn parameters(&self) -> Value;

    /// JSON Schema of the result.
    fn result_schema(&self) -> Value;

    /// Whether the tool reads only or changes state.
    fn effect(&self) -> ToolEffect;

    /// Run the tool on `args` (already validated against [`Tool::parameters`] by the caller).
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] naming the argument when a value is valid by the
    /// schema but not usable (an unknown store, an empty period); the tool's own errors.
    fn call(&self, args: &Value) -> Result<Value>;
}
