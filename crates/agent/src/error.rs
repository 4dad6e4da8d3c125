//! The crate's error type.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One argument (or result field) that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgumentIssue {
    /// Dotted path of the argument, e.g. `period.from`; `(arguments)` for the object itself.
    pub argument: String,
    /// What was wrong and what is accepted.
    pub message: String,
}

impl fmt::Display for ArgumentIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.argument, self.message)
    }
}

fn join(issues: &[ArgumentIssue]) -> String {
    issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Everything that can go wrong in forecast-agent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// An error from forecast-core or from a tool (tools return core errors).
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
    /// Arguments of a tool call do not match the tool's schema.
    #[error("invalid arguments for `{tool}`: {}", join(.issues))]
    InvalidArguments {
        /// The tool called.
        tool: String,
        /// Every argument that failed, by dotted path.
        issues: Vec<ArgumentIssue>,
    },
    /// A tool returned a result that does not match its result schema.
    #[error("`{tool}` returned an invalid result: {}", join(.issues))]
    InvalidResult {
        /// The tool that answered.
        tool: String,
        /// Every result field that failed, by dotted path.
        issues: Vec<ArgumentIssue>,
    },
    /// No tool of that name is registered.
    #[error("unknown tool `{name}`; registered tools: {}", .known.join(", "))]
    UnknownTool {
        /// The name asked for.
        name: String,
        /// The names that are registered.
        known: Vec<String>,
    },
    /// A tool's schemas break strict mode or the canonical contract of its name.
    #[error("tool `{tool}` breaks the contract at `{path}`: {message}")]
    Contract {
        /// The tool being registered.
        tool: String,
        /// JSON path inside the schema, e.g. `parameters.properties.period`.
        path: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// A second tool with an already registered name.
    #[error("a tool named `{name}` is already registered")]
    DuplicateTool {
        /// The clashing name.
        name: String,
    },
    /// A plan is not a valid DAG of known tools.
    #[error("plan step {step}: {message}")]
    InvalidPlan {
        /// The step id (0 when the plan as a whole is wrong).
        step: usize,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// A mutating step was not confirmed by the user.
    #[error("`{tool}` changes state and was not confirmed; confirm step {step} to run it")]
    NotConfirmed {
        /// The step id.
        step: usize,
        /// The mutating tool.
        tool: String,
    },
    /// A step did not run because a step it depends on failed or did not run.
    #[error("step {step} was skipped because step {failed} did not succeed")]
    Skipped {
        /// The skipped step.
        step: usize,
        /// The dependency that failed.
        failed: usize,
    },
    /// The language-model endpoint failed or answered outside the protocol.
    #[error("language-model planner: {message}")]
    Llm {
        /// What went wrong, with the endpoint's status or the offending field.
        message: String,
    },
}

/// Result alias with [`AgentError`] as the default error.
pub type Result<T, E = AgentError> = std::result::Result<T, E>;
