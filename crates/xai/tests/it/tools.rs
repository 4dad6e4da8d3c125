//! The canonical tools: schemas are the contract's, results validate against them, sums add
//! up, what-if shows the generator's promotion and price effects, errors name the argument.

use forecast_core::tool::ToolContext;
use forecast_core::tool::contract::ToolName;
use forecast_xai::tools::tools;
use forecast_xai::{explain_drop, explain_forecast};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

fn context() -> &'static ToolContext {
    static CTX: OnceLock<ToolContext> = OnceLock::new();
    CTX.get_or_init(|| {
        let (data, pipeline) = crate::fitted();
        ToolContext::new(Arc::new(data.panel.clone()), Arc::new(pipeline.clone()))
    })
}

fn call(name: ToolName, args: Value) -> forecast_core::Result<Value> {
    let all = tools(context());
    let tool = all.iter().find(|t| t.name() == name.as_str()).unwrap();
    assert_eq!(tool.parameters(), name.parameters());
    assert_eq!(tool.result_schema(), name.result_schema());
    let params = jsonschema::validator_for(&tool.parameters()).unwrap();
    let errors: Vec<String> = params.iter_errors(&args).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name} arguments {args}: {errors:?}");
    let out = tool.call(&args)?;
    let schema = jsonschema::validator_for(&tool.result_schema()).unwrap();
    let errors: Vec<String> = schema.iter_errors(&out).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name} result {out}: {errors:?}");
    Ok(out)
}

fn ids() -> (String, String) {
    let ctx = context();
    (ctx.store_of(0).unwrap().to_string(), ctx.item_of(0).unwrap().to_string())
}

fn change(feature: &str, delta: Value, value: Value, pct: Value) -> Value {
    json!({"feature": feature, "delta": delta, "value": value, "delta_pct": pct})
}

#[test]
fn four_tools_with_the_contract_names() {
    let names: Vec<String> = tools(context()).iter().map(|t| t.name().to_string()).collect();
    assert_eq!(names, ["explain", "explain_drop", "what_if", "compare_segments"]);
}

#[test]
fn explain_adds_up_to_the_forecast_and_tells_it() {
    let (store, item) = ids();
    let out = call(ToolName::Explain, json!({"store": store, "item": item, "horizon": 3, "model": null})).unwrap();
    let total: f64 = out["drivers"].as_array().unwrap().iter().map(|d| d["contribution"].as_f64().unwrap()).sum();
    let (pred, base) = (out["prediction"].as_f64().unwrap(), out["base_value"].as_f64().unwrap());
    assert!((base + total - pred).abs() <= 1e-9 * pred.abs().max(1.0), "{base} + {total} vs {pred}");
    // The prediction is the pipeline's own forecast.
    let ctx = context();
    let f = ctx.pipeline().forecast(ctx.panel(), 3).unwrap();
    assert!((f.series[0].point.iter().sum::<f64>() - pred).abs() <= 1e-9 * pred.abs().max(1.0));
    let narrative = out["narrative"].as_str().unwrap();
    assert!(narrative.contains("units") && narrative.contains(&store), "{narrative}");
    // Features by the step model's names.
    let names = ctx.pipeline().feature_names(1).unwrap();
    assert!(
        out["drivers"].as_array().unwrap().iter().all(|d| names.iter().any(|n| n == d["feature"].as_str().unwrap()))
    );
}

#[test]
fn every_row_of_a_pipeline_explanation_adds_up() {
    let ctx = context();
    let series: Vec<usize> = (0..ctx.panel().series.len()).collect();
    let e = explain_forecast(ctx.pipeline(), ctx.panel(), &series, 7).unwrap();
    assert_eq!(e.rows.len(), 7 * series.len());
    let mut unclamped = 0;
    for r in &e.rows {
        assert_eq!(r.contributions.len(), e.feature_sets[r.features].len());
        if r.forecast > 0.0 {
            // Not clamped at zero: TreeSHAP's sum alone must be the pipeline's forecast.
            let sum = r.base + r.contributions.iter().sum::<f64>();
            assert!((sum - r.forecast).abs() <= 1e-9 * r.forecast.abs().max(1.0), "{sum} vs {}", r.forecast);
            assert!(r.clamp.abs() <= 1e-9 * r.forecast.abs().max(1.0));
            unclamped += 1;
        }
    }
    assert!(unclamped > e.rows.len() / 2);
}

#[test]
fn explain_drop_drivers_sum_to_the_change_in_sales() {
    let (store, item) = ids();
    let out =
        call(ToolName::ExplainDrop, json!({"store": store, "item": item, "period": null, "model": null})).unwrap();
    assert!(out["narrative"].as_str().unwrap().contains("units"));
    let ctx = context();
    let from = chrono::NaiveDate::parse_from_str(out["period"]["from"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let to = chrono::NaiveDate::parse_from_str(out["period"]["to"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let d = explain_drop(ctx.pipeline(), ctx.panel(), &[0], (from, to), None).unwrap();
    // Actual sales summed directly from the panel, by date.
    let panel = ctx.panel();
    let s = &panel.series[0];
    let sum_between = |a: chrono::NaiveDate, b: chrono::NaiveDate| -> f64 {
        (0..s.len()).filter(|&t| panel.date(s, t).is_some_and(|x| x >= a && x <= b)).map(|t| s.target[t]).sum()
    };
    let change = sum_between(from, to) - sum_between(d.reference.from, d.reference.to);
    let drivers: f64 = d.drivers.iter().map(|x| x.contribution).sum();
    assert!((drivers - change).abs() <= 1e-8 * change.abs().max(1.0), "{drivers} vs {change}");
    assert_eq!((d.reference.to - d.reference.from), (to - from));
}

#[test]
fn what_if_shows_the_generators_promotion_and_price_effects() {
    let (store, item) = ids();
    let promo = call(
        ToolName::WhatIf,
        json!({"store": null, "item": null, "horizon": 7, "change": change("promo", json!(null), json!(1.0), json!(null)), "model": null}),
    )
    .unwrap();
    assert!(promo["change_pct"].as_f64().unwrap() > 0.0, "promotion on: {promo}");
    let cheaper = call(
        ToolName::WhatIf,
        json!({"store": null, "item": null, "horizon": 7, "change": change("price", json!(null), json!(null), json!(-10.0)), "model": null}),
    )
    .unwrap();
    assert!(cheaper["change_pct"].as_f64().unwrap() >= 0.0, "price -10%: {cheaper}");
    let out = call(
        ToolName::WhatIf,
        json!({"store": store, "item": item, "horizon": null, "change": change("discount", json!(0.05), json!(null), json!(null)), "model": null}),
    )
    .unwrap();
    assert_eq!(out["feature"], "discount");
    assert!(out["narrative"].as_str().unwrap().contains("revenue"));
}

#[test]
fn compare_segments_ranks_the_stores() {
    let out =
        call(ToolName::CompareSegments, json!({"by": "store", "store": null, "item": null, "period": null})).unwrap();
    let segments = out["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 2);
    let values: Vec<f64> = segments.iter().map(|s| s["value"].as_f64().unwrap()).collect();
    assert!(values[0] >= values[1]);
    // Each value is the sum of that store's sales in the period, counted here from the panel.
    let ctx = context();
    let panel = ctx.panel();
    let from = chrono::NaiveDate::parse_from_str(out["period"]["from"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let to = chrono::NaiveDate::parse_from_str(out["period"]["to"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let first = segments[0]["segment"].as_str().unwrap();
    let want: f64 = (0..panel.series.len())
        .filter(|&s| ctx.store_of(s) == Some(first))
        .flat_map(|s| {
            let ser = &panel.series[s];
            (0..ser.len())
                .filter(move |&t| panel.date(ser, t).is_some_and(|d| d >= from && d <= to))
                .map(move |t| ser.target[t])
        })
        .sum();
    assert!((want - values[0]).abs() <= 1e-9 * want.max(1.0));
    assert_eq!(out["highest"], segments[0]["segment"]);
}

#[test]
fn errors_name_the_argument() {
    let unknown_store =
        call(ToolName::Explain, json!({"store": "store_99", "item": null, "horizon": null, "model": null}));
    assert!(unknown_store.unwrap_err().to_string().contains("store"));
    let unknown_feature = call(
        ToolName::WhatIf,
        json!({"store": null, "item": null, "horizon": 3, "change": change("colour", json!(1.0), json!(null), json!(null)), "model": null}),
    );
    assert!(unknown_feature.unwrap_err().to_string().contains("change.feature"));
    let too_long = call(
        ToolName::WhatIf,
        json!({"store": null, "item": null, "horizon": 100, "change": change("promo", json!(null), json!(1.0), json!(null)), "model": null}),
    );
    assert!(too_long.unwrap_err().to_string().contains("horizon"));
    let by = call(ToolName::CompareSegments, json!({"by": "colour", "store": null, "item": null, "period": null}));
    let text = by.unwrap_err().to_string();
    assert!(text.contains("by") && text.contains("store"), "{text}");
    let empty = call(
        ToolName::ExplainDrop,
        json!({"store": null, "item": null, "period": {"from": "1990-01-01", "to": "1990-01-07"}, "model": null}),
    );
    assert!(empty.unwrap_err().to_string().contains("period"));
}
