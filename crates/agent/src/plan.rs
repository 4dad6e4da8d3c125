//! Plans: a DAG of tool calls, with values passed from one step's result to another's
//! arguments; or a clarifying question when the planner could not tell what was asked.

use crate::error::{AgentError, ArgumentIssue, Result};
use crate::registry::ToolRegistry;
use forecast_core::ToolEffect;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An argument filled at run time from an earlier step's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The argument to fill (a top-level argument name, e.g. `store`).
    pub argument: String,
    /// The step whose result supplies it.
    pub step: usize,
    /// JSON Pointer (RFC 6901) into that result, e.g. `/lowest`.
    pub pointer: String,
}

/// One tool call of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Step id, from 1, unique in the plan.
    pub id: usize,
    /// The tool to call.
    pub tool: String,
    /// Its arguments (bound arguments hold `null` until run time).
    pub args: Value,
    /// Steps that must succeed first (every bound step is among them).
    pub after: Vec<usize>,
    /// Arguments taken from earlier results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bind: Vec<Binding>,
}

/// A plan: the question and the steps that answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The question as asked.
    pub question: String,
    /// The steps, in an order where every step comes after those it depends on.
    pub steps: Vec<Step>,
}

/// A question back to the user when the question cannot be planned without guessing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clarification {
    /// The question to ask, in plain language.
    pub question: String,
    /// What the user could answer (ids, tool names ...), possibly empty.
    pub options: Vec<String>,
}

/// What a planner returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOutcome {
    /// A plan to run.
    Plan(Plan),
    /// A question back to the user.
    Clarify(Clarification),
}

impl PlanOutcome {
    /// The plan, if any.
    pub fn plan(&self) -> Option<&Plan> {
        match self {
            Self::Plan(p) => Some(p),
            Self::Clarify(_) => None,
        }
    }

    /// The clarifying question, if any.
    pub fn clarification(&self) -> Option<&Clarification> {
        match self {
            Self::Plan(_) => None,
            Self::Clarify(c) => Some(c),
        }
    }
}

fn bad(step: usize, message: impl Into<String>) -> AgentError {
    AgentError::InvalidPlan { step, message: message.into() }
}

impl Plan {
    /// The step of that id.
    pub fn step(&self, id: usize) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Check the plan against `registry`: ids unique and from 1, dependencies exist and form
    /// no cycle, bindings name a dependency and an argument of the tool, mutating steps take
    /// no bound values (a person confirms exactly what runs), and every argument that is not
    /// bound validates against its tool's schema.
    ///
    /// # Errors
    /// [`AgentError::InvalidPlan`] naming the step; [`AgentError::UnknownTool`];
    /// [`AgentError::InvalidArguments`] naming the tool and argument.
    pub fn validate(&self, registry: &ToolRegistry) -> Result<()> {
        if self.steps.is_empty() {
            return Err(bad(0, "a plan has at least one step"));
        }
        let mut ids = BTreeSet::new();
        for s in &self.steps {
            if s.id == 0 || !ids.insert(s.id) {
                return Err(bad(s.id, "step ids are unique and start at 1"));
            }
        }
        for s in &self.steps {
            let tool = registry.get(&s.tool)?;
            for d in &s.after {
                if !ids.contains(d) || *d == s.id {
                    return Err(bad(s.id, format!("depends on step {d}, which is not another step of the plan")));
                }
            }
            let accepted: BTreeSet<String> = tool
                .parameters()
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            for b in &s.bind {
                if !s.after.contains(&b.step) {
                    return Err(bad(
                        s.id,
                        format!("binds `{}` from step {}, which is not in `after`", b.argument, b.step),
                    ));
                }
                if !accepted.contains(&b.argument) {
                    return Err(bad(s.id, format!("binds `{}`, which is not an argument of `{}`", b.argument, s.tool)));
                }
                if !b.pointer.is_empty() && !b.pointer.starts_with('/') {
                    return Err(bad(s.id, format!("binding pointer `{}` must be empty or start with `/`", b.pointer)));
                }
            }
            if tool.effect() == ToolEffect::Mutating && !s.bind.is_empty() {
                return Err(bad(
                    s.id,
                    format!("`{}` changes state, so its arguments must be explicit, not bound", s.tool),
                ));
            }
            if let Err(AgentError::InvalidArguments { tool, issues }) = registry.validate_arguments(&s.tool, &s.args) {
                let issues: Vec<ArgumentIssue> = issues
                    .into_iter()
                    .filter(|i| {
                        !s.bind
                            .iter()
                            .any(|b| i.argument == b.argument || i.argument.starts_with(&format!("{}.", b.argument)))
                    })
                    .collect();
                if !issues.is_empty() {
                    return Err(AgentError::InvalidArguments { tool, issues });
                }
            }
        }
        self.waves().map(|_| ())
    }

    /// The steps grouped in waves: every step of a wave depends only on earlier waves, so a
    /// wave's steps can run in parallel.
    ///
    /// # Errors
    /// [`AgentError::InvalidPlan`] when the dependencies form a cycle.
    pub fn waves(&self) -> Result<Vec<Vec<usize>>> {
        let mut remaining: BTreeMap<usize, BTreeSet<usize>> =
            self.steps.iter().map(|s| (s.id, s.after.iter().copied().collect())).collect();
        let mut done = BTreeSet::new();
        let mut waves = Vec::new();
        while !remaining.is_empty() {
            let ready: Vec<usize> =
                remaining.iter().filter(|(_, deps)| deps.iter().all(|d| done.contains(d))).map(|(id, _)| *id).collect();
            if ready.is_empty() {
                let first = remaining.keys().next().copied().unwrap_or(0);
                return Err(bad(first, "the dependencies form a cycle"));
            }
            for id in &ready {
                remaining.remove(id);
                done.insert(*id);
            }
            waves.push(ready);
        }
        Ok(waves)
    }
}
