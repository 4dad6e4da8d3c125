use super::memory_registry;
use super::start;
use chrono::TimeDelta;
use forecast_core::{ManualClock, MemoryAuditSink};
use forecast_mlops::tracking::{MAX_DEPTH, RunStatus};
use forecast_mlops::{MlopsError, Tracker};
use std::sync::Arc;

fn tracker() -> (Tracker, Arc<ManualClock>, Arc<MemoryAuditSink>) {
    let (reg, clock, audit) = memory_registry();
    (reg.tracker(), clock, audit)
}

/// Six runs of a search: objective alternates, WAPE falls with the trial number.
fn populated() -> (Tracker, i64, Vec<i64>) {
    let (t, clock, _) = tracker();
    let parent = t.start_run("demand", "search", None, "ana").unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        clock.advance(TimeDelta::minutes(1));
        let id = t.start_run("demand", &format!("trial-{i}"), Some(parent), "ana").unwrap();
        t.log_param(id, "objective", if i % 2 == 0 { "tweedie" } else { "l2" }, "ana").unwrap();
        t.log_param(id, "num_leaves", &(16 << (i % 3)).to_string(), "ana").unwrap();
        t.log_metric(id, "wape", 0.35 - 0.03 * i as f64, 0, "ana").unwrap();
        if i != 5 {
            t.log_metric(id, "mase", 1.0 - 0.1 * i as f64, 0, "ana").unwrap();
        }
        t.set_tag(id, "stage", if i < 3 { "coarse" } else { "fine" }, "ana").unwrap();
        t.end_run(id, if i == 4 { RunStatus::Failed } else { RunStatus::Finished }, "ana").unwrap();
        ids.push(id);
    }
    (t, parent, ids)
}

fn names(t: &Tracker, q: &str) -> Vec<String> {
    t.search("demand", q).unwrap().into_iter().map(|r| r.name).collect()
}

#[test]
fn search_filters_orders_and_limits() {
    let (t, parent, _) = populated();
    assert_eq!(
        names(&t, "metrics.wape < 0.3 and params.objective = 'tweedie' order by metrics.wape asc limit 5"),
        ["trial-4", "trial-2"]
    );
    assert_eq!(names(&t, "metrics.wape <= 0.29 order by metrics.wape desc limit 2"), ["trial-2", "trial-3"]);
    assert_eq!(names(&t, "params.num_leaves >= 32 and tags.stage = 'fine'"), ["trial-4", "trial-5"]);
    assert_eq!(names(&t, "attributes.status = 'failed' or metrics.mase > 0.85"), ["trial-0", "trial-1", "trial-4"]);
    assert_eq!(names(&t, &format!("attributes.parent = {parent} and (params.objective != 'l2')")).len(), 3);
    // Runs without the metric never match and sort last.
    assert_eq!(names(&t, "metrics.mase < 10").len(), 5);
    assert_eq!(names(&t, "attributes.parent > 0 order by metrics.mase asc").last().unwrap(), "trial-5");
    assert_eq!(names(&t, "order by attributes.start_time desc limit 1"), ["trial-5"]);
    assert_eq!(names(&t, "").len(), 7);
    let err = t.search("demand", "metrics.wape < 0.3 and and").unwrap_err();
    assert!(matches!(err, MlopsError::Filter { column: 24, .. }), "{err}");
    assert!(matches!(t.search("nope", "").unwrap_err(), MlopsError::Core(forecast_core::Error::NotFound { .. })));
}

#[test]
fn runs_keep_params_metric_history_tags_and_artifacts() {
    let (t, clock, audit) = tracker();
    let id = t.start_run("demand", "gbdt", None, "ana").unwrap();
    t.log_param(id, "learning_rate", "0.05", "ana").unwrap();
    t.log_param(id, "learning_rate", "0.05", "ana").unwrap();
    let changed = t.log_param(id, "learning_rate", "0.1", "ana").unwrap_err();
    assert!(changed.to_string().contains("write-once"), "{changed}");
    for (step, wape) in [(2, 0.25), (0, 0.4), (1, 0.3)] {
        clock.advance(TimeDelta::seconds(10));
        t.log_metric(id, "wape", wape, step, "ana").unwrap();
    }
    assert!(t.log_metric(id, "wape", f64::INFINITY, 3, "ana").is_err());
    let history = t.metric_history(id, "wape").unwrap();
    assert_eq!(history.iter().map(|p| (p.step, p.value)).collect::<Vec<_>>(), [(0, 0.4), (1, 0.3), (2, 0.25)]);
    assert_eq!(history[0].at, start() + TimeDelta::seconds(20));
    let sha = t.log_artifact(id, "plots/residuals.svg", b"<svg/>", "ana").unwrap();
    assert_eq!(t.artifact(id, "plots/residuals.svg").unwrap(), b"<svg/>");
    t.set_tag(id, "owner", "ana", "ana").unwrap();
    t.set_tag(id, "owner", "bo", "bo").unwrap();
    clock.advance(TimeDelta::minutes(1));
    t.end_run(id, RunStatus::Finished, "ana").unwrap();
    let run = t.run(id).unwrap();
    assert_eq!(run.metrics["wape"], 0.25, "the latest step is the run's value");
    assert_eq!(run.tags["owner"], "bo");
    assert_eq!(run.artifacts["plots/residuals.svg"], sha);
    assert_eq!((run.status, run.end_time), (RunStatus::Finished, Some(start() + TimeDelta::seconds(90))));
    assert!(matches!(t.log_metric(id, "wape", 0.2, 4, "ana").unwrap_err(), MlopsError::RunEnded { .. }));
    assert!(t.end_run(id, RunStatus::Killed, "ana").is_err());
    assert!(t.start_run("demand", "child", Some(9999), "ana").is_err());
    let actions: Vec<String> = audit.events().into_iter().map(|e| e.action).collect();
    assert_eq!(actions.first().map(String::as_str), Some("experiment.create"));
    assert_eq!(actions.last().map(String::as_str), Some("run.end"));
    assert_eq!(actions.iter().filter(|a| *a == "run.log_metric").count(), 3);
    assert_eq!(t.experiments().unwrap().len(), 1);
}

#[test]
fn compares_runs_side_by_side() {
    let (t, _, ids) = populated();
    let cmp = t.compare(&ids[..3]).unwrap();
    assert_eq!(cmp.run_names, ["trial-0", "trial-1", "trial-2"]);
    assert_eq!(cmp.params["objective"], [Some("tweedie".to_string()), Some("l2".into()), Some("tweedie".into())]);
    assert_eq!(cmp.differing_params(), ["num_leaves", "objective"]);
    assert_eq!(cmp.best("wape", true), Some(ids[2]));
    assert_eq!(cmp.best("mase", false), Some(ids[0]));
    let table = cmp.to_string();
    assert!(table.lines().next().unwrap().starts_with("key"), "{table}");
    assert!(table.contains("params.objective*"), "{table}");
    assert!(table.contains("0.290000"), "{table}");
}

/// Hole 9: a hostile filter nested 100,000 deep overflowed the parser's stack (the test binary
/// aborted); now it is refused at the first parenthesis too many, and long chains stay flat.
#[test]
fn hostile_filters_are_refused_with_a_position() {
    let (t, _, _) = populated();
    let deep = format!("{}metrics.wape < 1{}", "(".repeat(100_000), ")".repeat(100_000));
    match t.search("demand", &deep) {
        Err(MlopsError::Filter { column, message }) => {
            assert_eq!(column, MAX_DEPTH + 1);
            assert!(message.contains("deeper than 32"), "{message}");
        }
        other => panic!("expected a filter error, got {other:?}"),
    }
    // A long flat chain used to build a left-deep tree whose evaluation and drop recursed once
    // per comparison; now it is one list, and past the cap it is refused with a position.
    let chain = vec!["metrics.wape < 1"; 200_000].join(" and ");
    let err = t.search("demand", &chain).unwrap_err();
    assert!(matches!(err, MlopsError::Filter { .. }), "{err}");
    assert_eq!(names(&t, &vec!["metrics.wape < 1"; 900].join(" and ")).len(), 6);
}
