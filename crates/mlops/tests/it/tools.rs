//! The registry tools: the canonical contract's results, the registry moved as asked under
//! the tools' actor, tenants kept apart, and errors that name the `model` argument.

use super::{memory_db, tenant};
use forecast_core::data::RetailGenerator;
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::{GlobalForecaster, Strategy};
use forecast_core::gbdt::Gbdt;
use forecast_core::tool::ToolContext;
use forecast_core::tool::contract::ToolName;
use forecast_core::{NewModelVersion, Panel, ParamGuard, Tool, ToolEffect};
use forecast_mlops::tools::RegistryTools;
use serde_json::{Value, json};
use std::sync::Arc;

fn context(panel: Panel) -> ToolContext {
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let gbdt = Gbdt::params().n_rounds(5).check().unwrap();
    let pipeline = GlobalForecaster::new("demand", gbdt, features)
        .strategy(Strategy::Direct)
        .horizon(7)
        .fit_pipeline(&panel)
        .unwrap();
    ToolContext::new(Arc::new(panel), Arc::new(pipeline))
}

fn by_name(tools: &[Arc<dyn Tool>], name: ToolName) -> Arc<dyn Tool> {
    tools.iter().find(|t| t.name() == name.as_str()).cloned().unwrap_or_else(|| panic!("no {name}"))
}

fn call(tools: &[Arc<dyn Tool>], name: ToolName, args: Value) -> forecast_core::Result<Value> {
    let tool = by_name(tools, name);
    let result = tool.call(&args)?;
    let schema = name.result_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&result).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name} result {result} breaks its schema: {errors:?}");
    Ok(result)
}

#[test]
fn list_promote_history_and_rollback_move_the_registry() {
    let (db, _clock, audit) = memory_db();
    let reg = db.tenant(&tenant("acme"));
    let panel = RetailGenerator::new(3).stores(1).items(2).days(120).future_days(7).generate().panel;
    let ctx = context(panel);
    for _ in 0..2 {
        reg.register(NewModelVersion::new("demand", ctx.pipeline().clone().into(), "ana")).unwrap();
    }
    reg.set_alias("demand", "champion", 1, "ana", "first").unwrap();
    reg.set_alias("demand", "challenger", 2, "ana", "retrained").unwrap();
    let tools = RegistryTools::new(reg.clone(), "agent:bo", db_clock()).data(ctx).tools();
    assert_eq!(tools.len(), 5);
    for t in &tools {
        let mutating = matches!(t.name(), "promote" | "rollback");
        assert_eq!(t.effect() == ToolEffect::Mutating, mutating, "{}", t.name());
        assert_eq!(t.parameters(), ToolName::from_name(t.name()).unwrap().parameters());
    }

    let listed = call(&tools, ToolName::ListModels, json!({})).unwrap();
    assert_eq!(listed["models"][0]["name"], "demand");
    assert_eq!(listed["models"][0]["latest_version"], 2);

    let promoted = call(&tools, ToolName::Promote, json!({"model": "demand@challenger"})).unwrap();
    assert_eq!(promoted, json!({"model": "demand", "alias": "champion", "from_version": 1, "to_version": 2}));
    assert_eq!(reg.aliases("demand").unwrap()["champion"], 2);
    let history = call(&tools, ToolName::ModelHistory, json!({"model": "demand@champion"})).unwrap();
    let events = history["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["actor"], "agent:bo");
    assert_eq!((events[1]["from_version"].clone(), events[1]["to_version"].clone()), (json!(1), json!(2)));

    let back = call(&tools, ToolName::Rollback, json!({"model": "demand"})).unwrap();
    assert_eq!((back["from_version"].clone(), back["to_version"].clone()), (json!(2), json!(1)));
    assert_eq!(reg.aliases("demand").unwrap()["champion"], 1);
    let actions: Vec<String> = audit.events().iter().map(|e| e.action.clone()).collect();
    assert!(actions.iter().any(|a| a == "model.alias.rollback"), "{actions:?}");

    // Another tenant of the same database sees none of it.
    let other = RegistryTools::new(db.tenant(&tenant("globex")), "agent:bo", db_clock()).tools();
    assert_eq!(call(&other, ToolName::ListModels, json!({})).unwrap(), json!({"models": []}));
    let err = by_name(&other, ToolName::Promote).call(&json!({"model": "demand@2"})).unwrap_err().to_string();
    assert!(err.contains("`model`") && err.contains("not registered"), "{err}");
}

#[test]
fn invalid_model_arguments_are_named() {
    let (db, _, _) = memory_db();
    let reg = db.tenant(&tenant("acme"));
    let panel = RetailGenerator::new(3).stores(1).items(2).days(120).future_days(7).generate().panel;
    let ctx = context(panel);
    for name in ["demand", "promo"] {
        reg.register(NewModelVersion::new(name, ctx.pipeline().clone().into(), "ana")).unwrap();
    }
    let tools = RegistryTools::new(reg, "agent:bo", db_clock()).tools();
    let refused = |name: ToolName, args: Value| by_name(&tools, name).call(&args).unwrap_err().to_string();
    for (name, args) in [
        (ToolName::Promote, json!({"model": "demand"})),
        (ToolName::Promote, json!({"model": "demand@champion"})),
        (ToolName::Promote, json!({"model": "nope@1"})),
        (ToolName::Rollback, json!({"model": "demand@1"})),
        (ToolName::ModelHistory, json!({"model": null})),
    ] {
        let e = refused(name, args.clone());
        assert!(e.contains("`model`"), "{name} {args}: {e}");
    }
    assert!(tools.iter().all(|t| t.name() != "drift_report"), "no data, no drift report");
}

#[test]
fn drift_report_sees_a_shift_in_the_latest_weeks() {
    let (db, _, _) = memory_db();
    let reg = db.tenant(&tenant("acme"));
    let mut panel = RetailGenerator::new(4).stores(2).items(3).days(200).future_days(7).generate().panel;
    for s in &mut panel.series {
        let n = s.target.len();
        for v in &mut s.target[n - 28..] {
            *v = *v * 4.0 + 20.0;
        }
    }
    let ctx = context(panel.clone());
    reg.register(NewModelVersion::new("demand", ctx.pipeline().clone().into(), "ana")).unwrap();
    let tools = RegistryTools::new(reg, "agent:bo", db_clock()).data(ctx).tools();
    let report = call(&tools, ToolName::DriftReport, json!({"model": null, "period": null})).unwrap();
    assert_ne!(report["verdict"], "healthy", "{report}");
    let drifted: Vec<&str> =
        report["drifted_features"].as_array().unwrap().iter().filter_map(|f| f["feature"].as_str()).collect();
    assert!(drifted.contains(&panel.target_name.as_str()), "{report}");
    let e = by_name(&tools, ToolName::DriftReport)
        .call(&json!({"model": null, "period": {"from": "1990-01-01", "to": "1990-01-31"}}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`period`"), "{e}");
}

fn db_clock() -> Arc<dyn forecast_core::Clock> {
    Arc::new(forecast_core::ManualClock::new(super::start()))
}
