#![doc = include_str!("../README.md")]

pub mod contract;
pub mod error;
mod fn_tool;
pub mod plan;
mod registry;
pub mod strict;
pub mod validate;

pub use error::{AgentError, ArgumentIssue, Result};
pub use fn_tool::FnTool;
pub use plan::{Binding, Clarification, Plan, PlanOutcome, Step};
pub use registry::{ToolRegistry, ToolSpec};
pub mod planner;
