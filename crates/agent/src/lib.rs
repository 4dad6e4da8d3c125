#![doc = include_str!("../README.md")]

pub mod answer;
pub use forecast_core::tool::contract;
pub mod error;
pub mod executor;
mod fn_tool;
#[cfg(feature = "llm")]
pub mod llm;
pub mod plan;
mod registry;
pub mod strict;
pub mod validate;

pub use error::{AgentError, ArgumentIssue, Result};
pub use fn_tool::FnTool;
pub use plan::{Binding, Clarification, Plan, PlanOutcome, Step};
pub use registry::{ToolRegistry, ToolSpec};
pub mod planner;
pub use answer::Answer;
pub use executor::{Confirmation, Executor, Run, StepStatus, Trace, TraceEntry};
#[cfg(feature = "llm")]
pub use llm::LlmPlanner;
pub use planner::{Planner, RulePlanner, Vocabulary};

/// What a guarded call acts on, for messages.
pub(crate) fn executor_target(args: &serde_json::Value) -> String {
    args.get("model").and_then(serde_json::Value::as_str).map(str::to_string).unwrap_or_else(|| args.to_string())
}
