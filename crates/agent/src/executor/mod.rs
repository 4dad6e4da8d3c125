//! The executor: runs a plan's DAG wave by wave (the steps of a wave in parallel), fills
//! bound arguments from earlier results, validates every argument and result, enforces the
//! policy for mutating tools, audits them, and records a replayable [`Trace`].

mod policy;
mod trace;

pub use policy::Confirmation;
pub use trace::{ReplayDifference, StepStatus, Trace, TraceEntry};

use crate::answer::{Answer, summarize};
use crate::error::{AgentError, Result};
use crate::plan::{Plan, Step};
use crate::registry::ToolRegistry;
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock, PermissionCheck, ToolEffect};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a run returns: the trace and the answer built from it.
#[derive(Debug, Clone)]
pub struct Run {
    /// The replayable record.
    pub trace: Trace,
    /// Plain-language answer plus the machine-readable results.
    pub answer: Answer,
}

/// Runs plans against a registry under a policy.
///
/// Read-only tools run automatically. A mutating tool runs only when the step was
/// confirmed ([`Confirmation`]) and the permission check allows it; without a permission
/// check every mutating step is denied. Every attempt at a mutating step, allowed or not,
/// is recorded through the [`AuditSink`].
#[derive(Debug, Clone)]
pub struct Executor {
    registry: Arc<ToolRegistry>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditSink>,
    permission: Option<Arc<dyn PermissionCheck>>,
}

struct Outcome {
    status: StepStatus,
    result: Option<Value>,
    error: Option<String>,
}

impl Executor {
    /// An executor with no permission check (mutating steps are denied).
    pub fn new(registry: Arc<ToolRegistry>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Self {
        Self { registry, clock, audit, permission: None }
    }

    /// Check mutating steps with `permission` (forecast-security implements it).
    pub fn with_permission(mut self, permission: Arc<dyn PermissionCheck>) -> Self {
        self.permission = Some(permission);
        self
    }

    /// The registry plans run against.
    pub fn registry(&self) -> &ToolRegistry {
        &self.registry
    }

    /// The mutating steps of `plan` that need a confirmation before they run.
    pub fn needs_confirmation<'p>(&self, plan: &'p Plan) -> Vec<&'p Step> {
        plan.steps
            .iter()
            .filter(|s| self.registry.get(&s.tool).is_ok_and(|t| t.effect() == ToolEffect::Mutating))
            .collect()
    }

    /// Run `plan`. A failed step stops the steps that depend on it (reported as skipped);
    /// independent steps still run.
    ///
    /// # Errors
    /// [`AgentError::InvalidPlan`], [`AgentError::UnknownTool`] or
    /// [`AgentError::InvalidArguments`] when the plan does not validate (nothing runs);
    /// step failures are not errors but part of the trace and the answer.
    pub fn run(&self, plan: &Plan, confirmation: &Confirmation) -> Result<Run> {
        plan.validate(&self.registry)?;
        let started = self.clock.now();
        let mut entries: BTreeMap<usize, TraceEntry> = BTreeMap::new();
        for wave in plan.waves()? {
            let mut ready: Vec<(&Step, Value)> = Vec::new();
            for id in wave {
                let Some(step) = plan.step(id) else { continue };
                match self.resolve(step, &entries) {
                    Ok(args) => ready.push((step, args)),
                    Err((failed, why)) => {
                        let now = self.clock.now();
                        let error = AgentError::Skipped { step: id, failed }.to_string();
                        let summary = format!("not run: {why}");
                        entries.insert(
                            id,
                            self.entry(
                                step,
                                step.args.clone(),
                                StepStatus::Skipped,
                                summary,
                                None,
                                Some(error),
                                now,
                                now,
                            ),
                        );
                    }
                }
            }
            let done: Vec<TraceEntry> = std::thread::scope(|scope| {
                let handles: Vec<_> = ready
                    .into_iter()
                    .map(|(step, args)| scope.spawn(move || self.run_step(step, args, confirmation)))
                    .collect();
                handles.into_iter().filter_map(|h| h.join().ok()).collect()
            });
            for e in done {
                entries.insert(e.step, e);
            }
        }
        let trace =
            Trace { plan: plan.clone(), entries: entries.into_values().collect(), started, finished: self.clock.now() };
        let answer = Answer::from_trace(&trace);
        Ok(Run { trace, answer })
    }

    /// The step's arguments with bindings filled, or the dependency that did not succeed.
    fn resolve(&self, step: &Step, done: &BTreeMap<usize, TraceEntry>) -> std::result::Result<Value, (usize, String)> {
        for dep in &step.after {
            match done.get(dep) {
                Some(e) if e.status == StepStatus::Succeeded => {}
                _ => return Err((*dep, format!("step {dep} did not succeed"))),
            }
        }
        let mut args = step.args.clone();
        for b in &step.bind {
            let value = done
                .get(&b.step)
                .and_then(|e| e.result.as_ref())
                .and_then(|r| r.pointer(&b.pointer))
                .cloned()
                .filter(|v| !v.is_null());
            let Some(value) = value else {
                return Err((b.step, format!("step {} gave no value at `{}` for `{}`", b.step, b.pointer, b.argument)));
            };
            if let Some(map) = args.as_object_mut() {
                map.insert(b.argument.clone(), value);
            }
        }
        Ok(args)
    }

    fn run_step(&self, step: &Step, args: Value, confirmation: &Confirmation) -> TraceEntry {
        let started = self.clock.now();
        let mutating = self.registry.get(&step.tool).is_ok_and(|t| t.effect() == ToolEffect::Mutating);
        let outcome = if mutating { self.guarded(step, &args, confirmation) } else { self.call(&step.tool, &args) };
        let finished = self.clock.now();
        let summary = match (&outcome.status, &outcome.result, &outcome.error) {
            (StepStatus::Succeeded, Some(r), _) => summarize(&step.tool, &args, r),
            (_, _, Some(e)) => e.clone(),
            _ => String::new(),
        };
        self.entry(step, args, outcome.status, summary, outcome.result, outcome.error, started, finished)
    }

    fn call(&self, tool: &str, args: &Value) -> Outcome {
        match self.registry.call(tool, args) {
            Ok(result) => Outcome { status: StepStatus::Succeeded, result: Some(result), error: None },
            Err(e) => Outcome { status: StepStatus::Failed, result: None, error: Some(e.to_string()) },
        }
    }

    fn guarded(&self, step: &Step, args: &Value, confirmation: &Confirmation) -> Outcome {
        let target = policy::target(args);
        let actor = self.permission.as_ref().map(|p| p.actor()).unwrap_or_else(|| "(no permission check)".into());
        let refuse = |status: StepStatus, reason: String| Outcome { status, result: None, error: Some(reason) };
        let outcome = if let Err(e) = self.registry.validate_arguments(&step.tool, args) {
            refuse(StepStatus::Failed, e.to_string())
        } else if !confirmation.covers(&step.tool, args) {
            refuse(
                StepStatus::Unconfirmed,
                AgentError::NotConfirmed { step: step.id, tool: step.tool.clone() }.to_string(),
            )
        } else {
            match (&self.permission, policy::guarded_action(&step.tool)) {
                (None, _) => {
                    refuse(StepStatus::Denied, "no permission check is configured, so changes are refused".into())
                }
                (Some(_), None) => refuse(
                    StepStatus::Denied,
                    format!("`{}` has no guarded action; only promote and rollback may change state", step.tool),
                ),
                (Some(p), Some(action)) => match p.check(action, &target) {
                    Err(e) => refuse(StepStatus::Denied, e.to_string()),
                    Ok(()) => self.call(&step.tool, args),
                },
            }
        };
        let audit_outcome = match outcome.status {
            StepStatus::Succeeded => AuditOutcome::Success,
            StepStatus::Failed => AuditOutcome::Failure,
            _ => AuditOutcome::Denied,
        };
        let mut event =
            AuditEvent::new(actor, format!("agent.tool.{}", step.tool), target, audit_outcome, self.clock.now())
                .detail("step", step.id.to_string())
                .detail("arguments", args.to_string())
                .detail("status", format!("{:?}", outcome.status).to_lowercase());
        if let Some(e) = &outcome.error {
            event = event.detail("reason", e.clone());
        }
        match self.audit.record(event) {
            Ok(()) => outcome,
            // The change (if any) has happened: keep its result but never hide the missing record.
            Err(e) => {
                Outcome { error: Some(format!("the audit sink refused the record of this call: {e}")), ..outcome }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn entry(
        &self,
        step: &Step,
        args: Value,
        status: StepStatus,
        summary: String,
        result: Option<Value>,
        error: Option<String>,
        started: chrono::DateTime<chrono::Utc>,
        finished: chrono::DateTime<chrono::Utc>,
    ) -> TraceEntry {
        TraceEntry { step: step.id, tool: step.tool.clone(), args, status, summary, result, error, started, finished }
    }
}
