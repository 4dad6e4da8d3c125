//! The executor with mock tools: parallel waves, bindings, failures, validation, the policy
//! for mutating tools (permission and confirmation), audit and replay.

use crate::today;
use forecast_agent::contract::ToolName;
use forecast_agent::planner::Planner;
use forecast_agent::{AgentError, Binding, Confirmation, Executor, FnTool, Plan, Step, StepStatus, ToolRegistry};
use forecast_core::{
    AuditOutcome, Error, GuardedAction, ManualClock, MemoryAuditSink, PermissionCheck, Result as CoreResult, Tool,
    ToolEffect,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug)]
struct Permission {
    allow: bool,
    asked: AtomicUsize,
}

impl PermissionCheck for Permission {
    fn actor(&self) -> String {
        "ana".into()
    }
    fn check(&self, action: GuardedAction, target: &str) -> CoreResult<()> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        if self.allow {
            Ok(())
        } else {
            Err(Error::PermissionDenied {
                actor: "ana".into(),
                action: action.to_string(),
                target: target.into(),
                reason: "role viewer".into(),
            })
        }
    }
}

fn forecast_result(args: &Value) -> Value {
    json!({"store": args["store"], "item": args["item"], "unit": "units", "model": "gbdt_daily@3",
        "from": "2026-03-19", "to": "2026-03-25", "total": 1234.4, "lower": 1100.0, "upper": 1400.0, "level": 0.8,
        "points": [{"date": "2026-03-19", "mean": 176.3, "lower": null, "upper": null}]})
}

fn compare_result() -> Value {
    json!({"by": "store", "unit": "units", "period": {"from": "2026-02-01", "to": "2026-02-28"},
        "segments": [{"segment": "store_02", "value": 900.0, "change_pct": 3.0}, {"segment": "store_07", "value": 500.0, "change_pct": -21.5}],
        "highest": "store_02", "lowest": "store_07", "largest_drop": "store_07"})
}

fn drop_result(args: &Value) -> Value {
    json!({"store": args["store"], "item": args["item"], "unit": "units", "period": args["period"],
        "reference": {"from": "2026-01-01", "to": "2026-01-31"}, "actual": 500.0, "expected": 640.0, "change_pct": -21.9,
        "drivers": [{"feature": "price", "contribution": -90.0}], "narrative": "A price rise on 3 February cut demand."})
}

fn promote_result(args: &Value) -> Value {
    json!({"model": args["model"], "alias": "champion", "from_version": 3, "to_version": 4})
}

struct Fixture {
    executor: Executor,
    audit: Arc<MemoryAuditSink>,
    promotions: Arc<AtomicUsize>,
    permission: Arc<Permission>,
}

fn fixture(permission: Option<bool>, compare_fails: bool) -> Fixture {
    let mut registry = ToolRegistry::new();
    registry.register(FnTool::canonical(ToolName::Forecast, |a| Ok(forecast_result(a)))).unwrap();
    registry
        .register(FnTool::canonical(ToolName::Explain, |a| {
            Ok(json!({"store": a["store"], "item": a["item"], "unit": "units", "prediction": 176.3, "base_value": 150.0,
                "drivers": [{"feature": "promo", "contribution": 20.1}], "narrative": null}))
        }))
        .unwrap();
    registry
        .register(FnTool::canonical(ToolName::CompareSegments, move |_| {
            if compare_fails {
                Err(Error::InvalidData("no sales recorded in the period".into()))
            } else {
                Ok(compare_result())
            }
        }))
        .unwrap();
    registry.register(FnTool::canonical(ToolName::ExplainDrop, |a| Ok(drop_result(a)))).unwrap();
    let promotions = Arc::new(AtomicUsize::new(0));
    let counter = promotions.clone();
    registry
        .register(FnTool::canonical(ToolName::Promote, move |a| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(promote_result(a))
        }))
        .unwrap();
    let audit = Arc::new(MemoryAuditSink::new());
    let clock = Arc::new(ManualClock::new(today()));
    let perm = Arc::new(Permission { allow: permission.unwrap_or(false), asked: AtomicUsize::new(0) });
    let mut executor = Executor::new(Arc::new(registry), clock, audit.clone());
    if permission.is_some() {
        executor = executor.with_permission(perm.clone());
    }
    Fixture { executor, audit, promotions, permission: perm }
}

fn step(id: usize, tool: &str, args: Value, after: &[usize]) -> Step {
    Step { id, tool: tool.into(), args, after: after.to_vec(), bind: vec![] }
}

fn plan(steps: Vec<Step>) -> Plan {
    Plan { question: "test".into(), steps }
}

fn promote_plan(model: &str) -> Plan {
    plan(vec![step(1, "promote", json!({"model": model}), &[])])
}

#[test]
fn independent_steps_run_and_the_answer_has_numbers_and_units() {
    let f = fixture(None, false);
    let args = json!({"store": "store_03", "item": "item_12", "horizon": 7, "model": null});
    let p = plan(vec![step(1, "forecast", args.clone(), &[]), step(2, "explain", args, &[])]);
    assert_eq!(p.waves().unwrap(), vec![vec![1, 2]]);
    let run = f.executor.run(&p, &Confirmation::none()).unwrap();
    assert!(run.trace.entries.iter().all(|e| e.status == StepStatus::Succeeded), "{:?}", run.trace.entries);
    assert!(run.answer.text.contains("1,234 units in total"), "{}", run.answer.text);
    assert!(run.answer.text.contains("item_12 at store_03"), "{}", run.answer.text);
    assert!(run.answer.text.contains("promo (+20.1 units)"), "{}", run.answer.text);
    assert_eq!(run.answer.results[0]["result"]["total"], 1234.4);
    assert_eq!(run.trace.entries[0].started, today());
}

#[test]
fn bound_values_flow_and_a_failure_stops_only_its_dependants() {
    let period = json!({"from": "2026-02-01", "to": "2026-02-28"});
    let drop = Step {
        id: 2,
        tool: "explain_drop".into(),
        args: json!({"store": null, "item": null, "period": period, "model": null}),
        after: vec![1],
        bind: vec![Binding { argument: "store".into(), step: 1, pointer: "/largest_drop".into() }],
    };
    let compare =
        step(1, "compare_segments", json!({"by": "store", "store": null, "item": null, "period": period}), &[]);
    let forecast = step(3, "forecast", json!({"store": null, "item": null, "horizon": null, "model": null}), &[]);
    let p = plan(vec![compare, drop, forecast]);

    let ok = fixture(None, false).executor.run(&p, &Confirmation::none()).unwrap();
    let e = ok.trace.entry(2).unwrap();
    assert_eq!(e.status, StepStatus::Succeeded);
    assert_eq!(e.args["store"], "store_07", "the bound store reaches the call");
    assert!(ok.answer.text.contains("A price rise on 3 February cut demand."), "{}", ok.answer.text);

    let failed = fixture(None, true).executor.run(&p, &Confirmation::none()).unwrap();
    let status: Vec<StepStatus> = failed.trace.entries.iter().map(|e| e.status).collect();
    assert_eq!(status, vec![StepStatus::Failed, StepStatus::Skipped, StepStatus::Succeeded]);
    assert!(
        failed.answer.text.contains("compare_segments failed: invalid data: no sales recorded"),
        "{}",
        failed.answer.text
    );
    assert!(failed.answer.text.contains("explain_drop was not run"), "{}", failed.answer.text);
}

#[test]
fn invalid_results_and_arguments_fail_the_step_or_the_plan_naming_the_field() {
    let mut registry = ToolRegistry::new();
    registry.register(FnTool::canonical(ToolName::Forecast, |_| Ok(json!({"total": "lots"})))).unwrap();
    let clock = Arc::new(ManualClock::new(today()));
    let executor = Executor::new(Arc::new(registry), clock, Arc::new(MemoryAuditSink::new()));
    let good = json!({"store": null, "item": null, "horizon": 7, "model": null});
    let run = executor.run(&plan(vec![step(1, "forecast", good, &[])]), &Confirmation::none()).unwrap();
    let error = run.trace.entries[0].error.clone().unwrap();
    assert!(error.contains("invalid result") && error.contains("`total`") && error.contains("`points`"), "{error}");

    let bad = json!({"store": null, "item": null, "horizon": -1, "model": null});
    match executor.run(&plan(vec![step(1, "forecast", bad, &[])]), &Confirmation::none()) {
        Err(AgentError::InvalidArguments { tool, issues }) => {
            assert_eq!(tool, "forecast");
            assert_eq!(issues[0].argument, "horizon");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn plans_that_are_not_valid_dags_are_refused() {
    let f = fixture(None, false);
    let args = json!({"store": null, "item": null, "horizon": null, "model": null});
    let cycle = plan(vec![step(1, "forecast", args.clone(), &[2]), step(2, "forecast", args.clone(), &[1])]);
    assert!(matches!(f.executor.run(&cycle, &Confirmation::none()), Err(AgentError::InvalidPlan { .. })));
    let unknown = plan(vec![step(1, "forecast_all", args.clone(), &[])]);
    assert!(matches!(f.executor.run(&unknown, &Confirmation::none()), Err(AgentError::UnknownTool { .. })));
    let mut bound = step(2, "promote", json!({"model": null}), &[1]);
    bound.bind = vec![Binding { argument: "model".into(), step: 1, pointer: "/model".into() }];
    let p = plan(vec![step(1, "forecast", args, &[]), bound]);
    match f.executor.run(&p, &Confirmation::none()) {
        Err(AgentError::InvalidPlan { step: 2, message }) => assert!(message.contains("explicit"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mutating_tool_never_runs_without_permission_and_confirmation() {
    let p = promote_plan("gbdt_daily@4");
    let confirmed = Confirmation::none().confirm(&p.steps[0]);
    let other = Confirmation::none().confirm(&promote_plan("gbdt_daily@5").steps[0]);
    // (permission configured and allowing, confirmation, expected status)
    let cases = [
        (None, &Confirmation::none(), StepStatus::Unconfirmed),
        (None, &confirmed, StepStatus::Denied),
        (Some(false), &confirmed, StepStatus::Denied),
        (Some(true), &Confirmation::none(), StepStatus::Unconfirmed),
        (Some(true), &other, StepStatus::Unconfirmed),
        (Some(false), &Confirmation::none(), StepStatus::Unconfirmed),
    ];
    for (permission, confirmation, expected) in cases {
        let f = fixture(permission, false);
        let run = f.executor.run(&p, confirmation).unwrap();
        assert_eq!(run.trace.entries[0].status, expected, "{permission:?}");
        assert_eq!(f.promotions.load(Ordering::SeqCst), 0, "promote ran with {permission:?} / {expected:?}");
        let events = f.audit.events();
        assert_eq!(events.len(), 1, "every attempt is audited");
        assert_eq!(events[0].outcome, AuditOutcome::Denied);
        assert_eq!(events[0].target, "gbdt_daily@4");
        assert!(run.answer.text.contains("gbdt_daily@4"), "{}", run.answer.text);
    }
    let f = fixture(Some(true), false);
    let run = f.executor.run(&p, &confirmed).unwrap();
    assert_eq!(run.trace.entries[0].status, StepStatus::Succeeded);
    assert_eq!(f.promotions.load(Ordering::SeqCst), 1);
    assert_eq!(f.permission.asked.load(Ordering::SeqCst), 1);
    let events = f.audit.events();
    assert_eq!((events.len(), events[0].outcome, events[0].actor.as_str()), (1, AuditOutcome::Success, "ana"));
    assert_eq!(events[0].action, "agent.tool.promote");
    assert!(run.answer.text.contains("champion now points at version 4 (was 3)"), "{}", run.answer.text);
    assert_eq!(f.executor.needs_confirmation(&p).len(), 1);
}

#[test]
fn a_trace_replays_and_detects_a_changed_result() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mut registry = ToolRegistry::new();
    registry
        .register(FnTool::canonical(ToolName::Forecast, move |a| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let mut r = forecast_result(a);
            r["total"] = json!(if n < 2 { 100.0 } else { 120.0 });
            Ok(r)
        }))
        .unwrap();
    let registry = Arc::new(registry);
    let executor =
        Executor::new(registry.clone(), Arc::new(ManualClock::new(today())), Arc::new(MemoryAuditSink::new()));
    let p =
        plan(vec![step(1, "forecast", json!({"store": "store_01", "item": null, "horizon": 7, "model": null}), &[])]);
    let run = executor.run(&p, &Confirmation::none()).unwrap();
    let json = serde_json::to_string(&run.trace).unwrap();
    let trace: forecast_agent::Trace = serde_json::from_str(&json).unwrap();
    assert_eq!(trace, run.trace, "the trace survives JSON");
    assert!(trace.replay(&registry).unwrap().is_empty(), "the second call reproduces");
    let diff = trace.replay(&registry).unwrap();
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].now.as_ref().unwrap()["total"], 120.0);
}

#[test]
fn the_registry_enforces_strict_mode_and_the_canonical_contract() {
    let mut registry = ToolRegistry::new();
    let loose = json!({"type": "object", "properties": {"store": {"type": "string"}}, "required": []});
    let strict_result = json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false});
    let tool = FnTool::custom("stock_level", "", loose, strict_result.clone(), ToolEffect::ReadOnly, |_| Ok(json!({})));
    match registry.register(tool) {
        Err(AgentError::Contract { path, .. }) => assert_eq!(path, "parameters.(root)"),
        other => panic!("{other:?}"),
    }
    let mut params = ToolName::Forecast.parameters();
    params["properties"]["horizon"]["type"] = json!("integer");
    let wrong =
        FnTool::custom("forecast", "", params, ToolName::Forecast.result_schema(), ToolEffect::ReadOnly, |_| {
            Ok(json!({}))
        });
    match registry.register(wrong) {
        Err(AgentError::Contract { path, .. }) => assert_eq!(path, "parameters.properties.horizon.type"),
        other => panic!("{other:?}"),
    }
    let sneaky: Arc<dyn Tool> = FnTool::custom(
        "promote",
        "",
        ToolName::Promote.parameters(),
        ToolName::Promote.result_schema(),
        ToolEffect::ReadOnly,
        |_| Ok(json!({})),
    );
    assert!(matches!(registry.register(sneaky), Err(AgentError::Contract { path, .. }) if path == "effect"));
    registry.register(FnTool::canonical(ToolName::ListModels, |_| Ok(json!({"models": []})))).unwrap();
    assert!(matches!(
        registry.register(FnTool::canonical(ToolName::ListModels, |_| Ok(json!({})))),
        Err(AgentError::DuplicateTool { .. })
    ));
}

#[test]
fn planned_questions_run_end_to_end() {
    let f = fixture(None, false);
    let outcome = crate::planner().plan("which store dropped the most last month and why?").unwrap();
    let run = f.executor.run(outcome.plan().unwrap(), &Confirmation::none()).unwrap();
    assert_eq!(run.trace.entry(2).unwrap().args["store"], "store_07");
    assert!(
        run.answer.text.contains(
            "Sales of all items at store_07 from 2026-02-01 to 2026-02-28 were 500 units against 640 expected (-21.9 %)"
        ),
        "{}",
        run.answer.text
    );
}
