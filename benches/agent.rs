//! forecast-agent: planning a question, validating arguments, running a two-step plan.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use forecast::agent::contract::ToolName;
use forecast::agent::{Confirmation, Executor, FnTool, Planner, RulePlanner, ToolRegistry, Vocabulary};
use forecast::core::{ManualClock, MemoryAuditSink};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;

const QUESTIONS: &[&str] = &[
    "how much should store 3 reorder of item 12 for the next two weeks?",
    "why did sales drop in store 7 last month?",
    "forecast and explain item 3 at store 5 for next week",
    "which store dropped the most last month and why?",
    "what if we cut the price of item 5 by 10% at store 2?",
    "fcst sku 8 str 2 nxt 2 wks",
    "what's the weather tomorrow?",
    "order qty item 11 st 7 lead time 1 week, 95% SL",
];

fn planner() -> RulePlanner {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 18, 9, 0, 0).single().expect("date")));
    let vocabulary = Vocabulary::new()
        .stores((1..=12).map(|i| format!("store_{i:02}")))
        .items((1..=30).map(|i| format!("item_{i:02}")))
        .models(["gbdt_daily", "ets_baseline"])
        .statics(["store", "item", "region", "category"])
        .features(["price", "discount", "promo", "holiday"]);
    RulePlanner::new(vocabulary, clock)
}

fn bench(c: &mut Criterion) {
    let planner = planner();
    c.bench_function("agent/plan_8_questions", |b| {
        b.iter(|| {
            for q in QUESTIONS {
                black_box(planner.plan(black_box(q)).expect("plan"));
            }
        })
    });
    c.bench_function("agent/planner_new", |b| b.iter(|| black_box(self::planner())));

    let mut registry = ToolRegistry::new();
    registry
        .register(FnTool::canonical(ToolName::Forecast, |a| {
            Ok(json!({"store": a["store"], "item": a["item"], "unit": "units", "model": null, "from": "2026-03-19",
                "to": "2026-03-25", "total": 1234.0, "lower": null, "upper": null, "level": null, "points": []}))
        }))
        .expect("register");
    registry
        .register(FnTool::canonical(ToolName::Explain, |a| {
            Ok(json!({"store": a["store"], "item": a["item"], "unit": "units", "prediction": 176.0, "base_value": 150.0,
                "drivers": [{"feature": "promo", "contribution": 20.0}], "narrative": null}))
        }))
        .expect("register");
    let args = json!({"store": "store_03", "item": "item_12", "horizon": 7, "model": null});
    c.bench_function("agent/validate_arguments", |b| {
        b.iter(|| registry.validate_arguments("forecast", black_box(&args)).expect("valid"))
    });
    let plan = planner
        .plan("forecast and explain item 12 at store 3 for next week")
        .expect("plan")
        .plan()
        .cloned()
        .expect("a plan");
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 18, 9, 0, 0).single().expect("date")));
    let executor = Executor::new(Arc::new(registry), clock, Arc::new(MemoryAuditSink::new()));
    c.bench_function("agent/run_two_step_plan", |b| {
        b.iter(|| black_box(executor.run(&plan, &Confirmation::none()).expect("run")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
