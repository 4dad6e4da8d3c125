//! The agent tools (`reorder`, `lost_sales`, `optimize_price`, `recommend`): the contract's
//! schemas, results that validate against them, figures that agree with the pipeline's own
//! forecasts, and errors that name the argument.

use crate::fitted::default_fit;
use forecast_core::data::{GeneratedData, RetailGenerator};
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::GlobalForecaster;
use forecast_core::gbdt::{Gbdt, Objective};
use forecast_core::tool::ToolContext;
use forecast_core::tool::contract::ToolName;
use forecast_core::{Error, ParamGuard, Tool};
use forecast_decisions::lost_sales::Censoring;
use forecast_decisions::tools::{
    LostSalesTool, LostSalesToolSettings, OptimizePriceTool, RecommendSettings, RecommendTool, ReorderTool,
    ReorderToolSettings, tools,
};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

/// 2 stores x 3 items x 240 days with 14 planned days; a Poisson GBDT with 0.1/0.5/0.9 quantile
/// heads fitted on the uncensored days.
fn small() -> &'static (GeneratedData, ToolContext) {
    static CTX: OnceLock<(GeneratedData, ToolContext)> = OnceLock::new();
    CTX.get_or_init(|| {
        let data = RetailGenerator::new(9).stores(2).items(3).days(240).future_days(14).generate();
        let censoring = Censoring::from_records(&data.panel, &data.records).unwrap();
        let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
        let learner = |objective| Gbdt::params().objective(objective).n_rounds(40).check().unwrap();
        let pipeline = GlobalForecaster::new("gbdt", learner(Objective::Poisson), features)
            .quantile(0.1, learner(Objective::Quantile { alpha: 0.1 }))
            .quantile(0.5, learner(Objective::Quantile { alpha: 0.5 }))
            .quantile(0.9, learner(Objective::Quantile { alpha: 0.9 }))
            .fit_pipeline(&censoring.mask(&data.panel).unwrap())
            .unwrap();
        let ctx = ToolContext::new(Arc::new(data.panel.clone()), Arc::new(pipeline));
        (data, ctx)
    })
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).unwrap()
}

/// Validate `args` against the tool's parameters, call it, validate the result.
fn call(tool: &dyn Tool, args: Value) -> Result<Value, Error> {
    let errors: Vec<String> = validator(&tool.parameters()).iter_errors(&args).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{} arguments {args}: {errors:?}", tool.name());
    let result = tool.call(&args)?;
    let errors: Vec<String> = validator(&tool.result_schema()).iter_errors(&result).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{} result {result}: {errors:?}", tool.name());
    Ok(result)
}

fn argument_of(e: &Error) -> &str {
    match e {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("not an argument error: {other}"),
    }
}

fn num(v: &Value, field: &str) -> f64 {
    v[field].as_f64().unwrap_or_else(|| panic!("{field} in {v}"))
}

#[test]
fn the_four_tools_carry_the_contract_schemas() {
    let (_, ctx) = small();
    let list = tools(ctx);
    let names: Vec<&str> = list.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["reorder", "lost_sales", "optimize_price", "recommend"]);
    for t in &list {
        let canonical = ToolName::from_name(t.name()).unwrap();
        assert_eq!(t.parameters(), canonical.parameters(), "{}", t.name());
        assert_eq!(t.result_schema(), canonical.result_schema(), "{}", t.name());
        assert_eq!((t.description(), t.effect()), (canonical.description(), canonical.effect()));
    }
}

#[test]
fn reorder_is_the_comonotone_sum_of_the_forecast_quantiles() {
    let (data, ctx) = small();
    let panel = &data.panel;
    let (store, item) = (ctx.store_of(0).unwrap().to_string(), ctx.item_of(0).unwrap().to_string());
    let mut positions = vec![None; panel.series.len()];
    positions[0] = Some(10.0);
    let settings = ReorderToolSettings { positions, ..ReorderToolSettings::default() };
    let tool = ReorderTool::with_settings(ctx, settings).unwrap();
    let args = json!({"store": store, "item": item, "horizon": 3, "service_level": 0.9, "lead_time": 2, "model": null});
    let r = call(&tool, args).unwrap();
    // Lead time 2 + review 1 at 90%: the sum of the three steps' own 90% quantiles.
    let forecast = ctx.pipeline().forecast(panel, 3).unwrap();
    let q90: f64 = forecast.series[0].quantile(0.9).unwrap().iter().sum();
    assert!((num(&r, "reorder_point") / q90 - 1.0).abs() < 1e-9, "{r} vs {q90}");
    assert!((num(&r, "order_quantity") - (q90 - 10.0).max(0.0)).abs() < 1e-9, "{r}");
    assert!(num(&r, "safety_stock") > 0.0 && num(&r, "safety_stock") < num(&r, "reorder_point"), "{r}");
    assert_eq!((r["on_hand"].as_f64(), r["lead_time"].as_u64(), r["horizon"].as_u64()), (Some(10.0), Some(2), Some(3)));
    assert_eq!((r["store"].as_str(), r["item"].as_str()), (Some(store.as_str()), Some(item.as_str())));

    // The item in every store: the stores' plans summed; positions unknown there, so on_hand null.
    let all = call(
        &tool,
        json!({"store": null, "item": item, "horizon": 3, "service_level": 0.9, "lead_time": 2, "model": null}),
    )
    .unwrap();
    let rows: Vec<usize> = (0..panel.series.len()).filter(|&s| ctx.item_of(s) == Some(item.as_str())).collect();
    let summed: f64 = rows.iter().map(|&s| forecast.series[s].quantile(0.9).unwrap().iter().sum::<f64>()).sum();
    assert!(rows.len() == 2 && (num(&all, "reorder_point") / summed - 1.0).abs() < 1e-9, "{all}");
    assert!(all["store"].is_null() && all["on_hand"].is_null());
}

#[test]
fn arguments_that_cannot_be_used_are_named() {
    let (_, ctx) = small();
    let reorder = ReorderTool::new(ctx);
    let base =
        json!({"store": null, "item": null, "horizon": null, "service_level": null, "lead_time": null, "model": null});
    let with = |k: &str, v: Value| {
        let mut a = base.clone();
        a[k] = v;
        a
    };
    assert_eq!(argument_of(&reorder.call(&with("store", json!("store_99"))).unwrap_err()), "store");
    let short =
        json!({"store": null, "item": null, "horizon": 1, "service_level": null, "lead_time": 3, "model": null});
    assert_eq!(argument_of(&reorder.call(&short).unwrap_err()), "horizon");
    assert_eq!(argument_of(&reorder.call(&with("service_level", json!(1.5))).unwrap_err()), "service_level");

    let price = OptimizePriceTool::new(ctx);
    let args = json!({"store": null, "item": null, "horizon": null, "model": null});
    assert_eq!(argument_of(&price.call(&args).unwrap_err()), "item");
    let item = ctx.item_of(0).unwrap();
    let far = json!({"store": null, "item": item, "horizon": 30, "model": null});
    let e = price.call(&far).unwrap_err();
    assert!(argument_of(&e) == "horizon" && e.to_string().contains("14 planned periods"), "{e}");

    let lost = LostSalesTool::new(ctx);
    let e = lost.call(&json!({"store": null, "item": null, "period": null})).unwrap_err();
    assert!(e.to_string().contains("with_censoring"), "no stock column in the panel: {e}");
    let censoring = Censoring::from_records(ctx.panel(), &small().0.records).unwrap();
    let lost = LostSalesTool::with_censoring(ctx, censoring, LostSalesToolSettings::default()).unwrap();
    let old = json!({"store": null, "item": null, "period": {"from": "1990-01-01", "to": "1990-02-01"}});
    assert_eq!(argument_of(&lost.call(&old).unwrap_err()), "period");
}

#[test]
fn optimal_price_is_the_best_candidate_and_its_units_are_the_pipelines() {
    let (data, ctx) = small();
    let item = ctx.item_of(0).unwrap();
    let tool = OptimizePriceTool::new(ctx);
    let r = call(&tool, json!({"store": null, "item": item, "horizon": 7, "model": null})).unwrap();
    let (current, best) = (num(&r, "current_price"), num(&r, "optimal_price"));
    // The planned price (multiplier 1) is a candidate, so the best earns at least as much.
    assert!(num(&r, "revenue_change_pct") >= -1e-9, "{r}");
    let multiple = best / current;
    assert!(
        (0.7 - 1e-9..=1.3 + 1e-9).contains(&multiple)
            && ((multiple - 0.7) / 0.05 - ((multiple - 0.7) / 0.05).round()).abs() < 1e-6,
        "{r}"
    );
    // The same what-if by hand: the item's planned price set to the optimum for 7 days.
    let mut panel = data.panel.clone();
    let j = panel.regressor_index("price").unwrap();
    let rows: Vec<usize> = (0..panel.series.len()).filter(|&s| ctx.item_of(s) == Some(item)).collect();
    for &s in &rows {
        let sr = &mut panel.series[s];
        let len = sr.len();
        sr.regressors[j][len..len + 7].iter_mut().for_each(|p| *p = best);
    }
    let f = ctx.pipeline().forecast(&panel, 7).unwrap();
    let units: f64 = rows.iter().map(|&s| f.series[s].point.iter().sum::<f64>()).sum();
    assert!((num(&r, "expected_units") / units - 1.0).abs() < 1e-9, "{r} vs {units}");
}

#[test]
fn recommend_ranks_reorders_drops_and_prices_by_value() {
    let (data, ctx) = small();
    let mut settings = RecommendSettings::for_context(ctx);
    settings.reorder.positions = vec![Some(0.0); data.panel.series.len()];
    let tool = RecommendTool::with_settings(ctx, settings).unwrap();
    let r = call(&tool, json!({"store": null, "item": null, "horizon": 7})).unwrap();
    let list = r["recommendations"].as_array().unwrap();
    let reorders = list.iter().filter(|x| x["action"] == "reorder").count();
    assert_eq!(reorders, data.panel.series.len(), "nothing on hand: every series reorders: {r}");
    assert!(list.iter().all(|x| x["store"].is_string() || x["action"] != "reorder"));
    let known = ["reorder", "investigate_drop", "discount", "raise_price"];
    assert!(list.iter().all(|x| known.contains(&x["action"].as_str().unwrap())), "{r}");
    let store = ctx.store_of(0).unwrap();
    let one = call(&tool, json!({"store": store, "item": null, "horizon": 7})).unwrap();
    let rows = one["recommendations"].as_array().unwrap();
    assert!(rows.iter().all(|x| x["store"].is_null() || x["store"] == store), "{one}");
    assert!(rows.iter().filter(|x| x["action"] == "reorder").count() == 3, "{one}");
}

#[test]
fn lost_sales_tool_is_within_ten_percent_of_the_generators_truth() {
    let fit = default_fit();
    let panel = Arc::new(fit.data.panel.clone());
    let ctx = ToolContext::new(panel.clone(), Arc::new(fit.pipeline.clone()));
    let tool = LostSalesTool::with_censoring(&ctx, fit.censoring.clone(), LostSalesToolSettings::default()).unwrap();
    let (first, last) = ("2000-01-01", "2100-01-01");
    let r = call(&tool, json!({"store": null, "item": null, "period": {"from": first, "to": last}})).unwrap();
    let truth: f64 = (0..panel.series.len())
        .flat_map(|s| fit.censoring.periods(s).iter().map(move |&t| (s, t)))
        .map(|(s, t)| fit.data.truth.series[s].lost_sales[t])
        .sum();
    assert_eq!(r["stockout_days"].as_u64(), Some(fit.censoring.count() as u64));
    assert!((num(&r, "lost_units") / truth - 1.0).abs() < 0.10, "{r} vs truth {truth}");
    assert!(num(&r, "lost_revenue") > 0.0);
    // A null period is the last 28 days of the history.
    let recent = call(&tool, json!({"store": null, "item": null, "period": null})).unwrap();
    let to = recent["period"]["to"].as_str().unwrap();
    let latest = panel.series.iter().filter_map(|s| panel.date(s, s.len() - 1)).max().unwrap();
    assert_eq!(to, latest.to_string());
    assert!(recent["stockout_days"].as_u64().unwrap() <= fit.censoring.count() as u64);
}
