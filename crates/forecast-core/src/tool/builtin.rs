//! forecast-core's own tools: `forecast` and `backtest`, over a [`ToolContext`].
//!
//! `forecast` runs the context's fitted pipeline from the end of the selected series and
//! reports the total and the per-period points, with the pipeline's interval (its quantile
//! heads, or its conformal calibration) where it has one. `backtest` measures rolling-origin
//! accuracy of the pipeline's configuration on the context's panel through
//! [`crate::backtest::Backtest`]: refitted at every window when the configuration is known
//! (a local method is rebuilt from the pipeline; a global model needs its [`Forecaster`], see
//! [`BacktestTool::refitting`]); otherwise the fitted pipeline is scored as it is and the
//! result's `note` says so.

use super::contract::ToolName;
use super::{Tool, ToolContext, ToolEffect};
use crate::backtest::Backtest;
use crate::forecast::{FittedForecaster, Forecaster, Forecasts, LocalForecaster, SeriesForecast};
use crate::pipeline::{ForecastPipeline, PipelineModel};
use crate::{Error, Panel, Result};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most rolling origins a `period` argument opens (each refits the model).
pub const MAX_WINDOWS: usize = 12;

/// The `forecast` and `backtest` tools over `ctx` (the backtest scores the fitted pipeline
/// without refitting unless it is a local method; use [`BacktestTool::refitting`] to give the
/// configuration of a global model).
pub fn tools(ctx: &ToolContext) -> Vec<Arc<dyn Tool>> {
    vec![Arc::new(ForecastTool::new(ctx.clone())), Arc::new(BacktestTool::new(ctx.clone()))]
}

/// The `forecast` tool: the context's pipeline over the selected series.
#[derive(Debug, Clone)]
pub struct ForecastTool {
    ctx: ToolContext,
}

impl ForecastTool {
    /// The tool over `ctx`.
    pub fn new(ctx: ToolContext) -> Self {
        Self { ctx }
    }
}

impl Tool for ForecastTool {
    fn name(&self) -> &str {
        ToolName::Forecast.as_str()
    }

    fn description(&self) -> &str {
        ToolName::Forecast.description()
    }

    fn parameters(&self) -> Value {
        ToolName::Forecast.parameters()
    }

    fn result_schema(&self) -> Value {
        ToolName::Forecast.result_schema()
    }

    fn effect(&self) -> ToolEffect {
        ToolEffect::ReadOnly
    }

    fn call(&self, args: &Value) -> Result<Value> {
        let op = self.name();
        let (ctx, pipeline, panel) = (&self.ctx, self.ctx.pipeline(), self.ctx.panel());
        check_model(ctx, op, args)?;
        let series = ctx.series(op, args)?;
        let horizon = ctx.horizon(op, args, default_horizon(pipeline, panel))?;
        check_horizon(pipeline, op, horizon)?;
        if let Some(known) = series.iter().map(|&s| panel.series[s].known_future()).min()
            && known < horizon
        {
            return Err(invalid(
                op,
                "horizon",
                format!(
                    "the data plans its features (price, promotions ...) only {known} periods ahead; ask for at most {known}"
                ),
            ));
        }
        let mut origins = vec![None; panel.series.len()];
        for &s in &series {
            origins[s] = Some(panel.series[s].len());
        }
        let forecasts = pipeline.forecast_from(panel, &origins, horizon)?;
        forecast_result(ctx, &series, &forecasts)
    }
}

/// The `backtest` tool: rolling-origin accuracy of the pipeline's configuration.
#[derive(Debug, Clone)]
pub struct BacktestTool {
    ctx: ToolContext,
    config: Option<Arc<dyn Forecaster>>,
    windows: usize,
}

impl BacktestTool {
    /// The tool over `ctx`: a local pipeline is refitted at every window from its method; a
    /// global one cannot be (the pipeline keeps its fitted models, not its learner), so it is
    /// scored as fitted and the result's `note` says its accuracy is in-sample.
    pub fn new(ctx: ToolContext) -> Self {
        let config = match ctx.pipeline().model() {
            PipelineModel::Local(method) => {
                Some(Arc::new(LocalForecaster::new(method.clone()).named(ctx.pipeline().name())) as Arc<dyn Forecaster>)
            }
            _ => None,
        };
        Self { ctx, config, windows: 3 }
    }

    /// The tool over `ctx`, refitting `forecaster` (the configuration the pipeline was fitted
    /// with, e.g. its `GlobalForecaster`) at every window.
    pub fn refitting(ctx: ToolContext, forecaster: Arc<dyn Forecaster>) -> Self {
        Self { ctx, config: Some(forecaster), windows: 3 }
    }

    /// Windows scored when no `period` is given.
    ///
    /// | Name | Default | Purpose | Range |
    /// |---|---|---|---|
    /// | `windows` | 3 | rolling origins without a `period` | 1 to [`MAX_WINDOWS`] |
    pub fn windows(mut self, windows: usize) -> Self {
        self.windows = windows.clamp(1, MAX_WINDOWS);
        self
    }
}

/// A fitted pipeline offered as a forecaster that "fits" to itself: scoring without refit.
#[derive(Debug)]
struct AsFitted(ForecastPipeline);

impl Forecaster for AsFitted {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn fit(&self, _panel: &Panel, _end: &[usize]) -> Result<Box<dyn FittedForecaster>> {
        Ok(Box::new(self.0.clone()))
    }
}

impl Tool for BacktestTool {
    fn name(&self) -> &str {
        ToolName::Backtest.as_str()
    }

    fn description(&self) -> &str {
        ToolName::Backtest.description()
    }

    fn parameters(&self) -> Value {
        ToolName::Backtest.parameters()
    }

    fn result_schema(&self) -> Value {
        ToolName::Backtest.result_schema()
    }

    fn effect(&self) -> ToolEffect {
        ToolEffect::ReadOnly
    }

    fn call(&self, args: &Value) -> Result<Value> {
        let op = self.name();
        let (ctx, pipeline) = (&self.ctx, self.ctx.pipeline());
        check_model(ctx, op, args)?;
        let series = ctx.series(op, args)?;
        let horizon = ctx.horizon(op, args, default_horizon(pipeline, ctx.panel()))?;
        let (panel, windows) = match ctx.period(op, args)? {
            Some((from, to)) => period_panel(ctx.panel(), op, from, to, horizon)?,
            None => (ctx.panel().clone(), self.windows),
        };
        let fixed;
        let (forecaster, refit): (&dyn Forecaster, bool) = match &self.config {
            Some(f) => (f.as_ref(), true),
            None => {
                check_horizon(pipeline, op, horizon)?;
                fixed = AsFitted(pipeline.clone());
                (&fixed, false)
            }
        };
        let backtest = Backtest { refit, ..Backtest::new(windows, horizon) };
        let report = backtest.run(&panel, &[forecaster]).map_err(|e| match e {
            Error::InvalidData(m) => invalid(op, if args["period"].is_null() { "horizon" } else { "period" }, m),
            other => other,
        })?;
        let model = report.models.first().ok_or_else(|| Error::InvalidData("backtest: no model scored".into()))?;
        let mut notes = Vec::new();
        if !refit {
            notes.push(format!(
                "not refitted: `{}` keeps its fitted models but not its learner, so it was scored as fitted; \
                 it may have been trained on these windows, so the accuracy is in-sample and optimistic",
                pipeline.name()
            ));
        }
        let scores = if series.len() == panel.series.len() {
            let m = model.metrics.as_ref().ok_or_else(|| Error::InvalidData("backtest: nothing was scored".into()))?;
            Scores { wape: m.wape, mase: m.mase, bias: m.bias, coverage: m.coverage.or(m.quantile_coverage) }
        } else {
            notes.push("interval coverage is measured on the selected series' own quantiles only".into());
            subset_scores(&panel, &backtest, model, &series, op)?
        };
        if !scores.wape.is_finite() {
            return Err(invalid(op, "item", "the selected actuals sum to zero, so WAPE is undefined".into()));
        }
        let finite = |x: f64| x.is_finite().then_some(x);
        Ok(json!({
            "store": common(&series, |s| ctx.store_of(s)),
            "item": common(&series, |s| ctx.item_of(s)),
            "model": pipeline.name(),
            "horizon": horizon,
            "folds": model.windows.len(),
            "wape": scores.wape,
            "mase": finite(scores.mase),
            "bias": finite(scores.bias),
            "coverage": scores.coverage.and_then(finite),
            "note": (!notes.is_empty()).then(|| notes.join("; ")),
        }))
    }
}

struct Scores {
    wape: f64,
    mase: f64,
    bias: f64,
    coverage: Option<f64>,
}

/// WAPE, bias, mean MASE and own-quantile coverage over the selected series of every window.
fn subset_scores(
    panel: &Panel,
    backtest: &Backtest,
    model: &crate::backtest::ModelBacktest,
    series: &[usize],
    op: &str,
) -> Result<Scores> {
    let season = backtest.season_of(panel);
    let (lo, hi) = ((1.0 - backtest.coverage) / 2.0, (1.0 + backtest.coverage) / 2.0);
    let (mut actual, mut point, mut mase) = (Vec::new(), Vec::new(), Vec::new());
    let (mut inside, mut banded) = (0usize, 0usize);
    for w in &model.windows {
        for (f, a) in w.forecasts.series.iter().zip(&w.actuals) {
            if !series.contains(&f.series) {
                continue;
            }
            let n = a.len().min(f.point.len());
            let (a, p) = (&a[..n], &f.point[..n]);
            if a.iter().all(|v| v.is_nan()) {
                continue;
            }
            let m = crate::metrics::mase(a, p, &panel.series[f.series].target[..f.origin], season);
            if m.is_finite() {
                mase.push(m);
            }
            if let (Some(l), Some(u)) = (f.quantile(lo), f.quantile(hi)) {
                for k in (0..n).filter(|&k| !a[k].is_nan()) {
                    banded += 1;
                    inside += usize::from(a[k] >= l[k] && a[k] <= u[k]);
                }
            }
            actual.extend_from_slice(a);
            point.extend_from_slice(p);
        }
    }
    if actual.iter().all(|v| v.is_nan()) {
        return Err(invalid(op, "item", "the selected series have no actuals in the backtest windows".into()));
    }
    Ok(Scores {
        wape: crate::metrics::wape(&actual, &point),
        mase: if mase.is_empty() { f64::NAN } else { mase.iter().sum::<f64>() / mase.len() as f64 },
        bias: crate::metrics::bias(&actual, &point),
        coverage: (banded > 0).then(|| inside as f64 / banded as f64),
    })
}

/// The panel cut after `to` and the windows whose test periods cover `from..=to`.
fn period_panel(panel: &Panel, op: &str, from: NaiveDate, to: NaiveDate, horizon: usize) -> Result<(Panel, usize)> {
    let f = panel.frequency;
    let first = panel.series.iter().map(|s| s.start).min();
    if first.is_none_or(|first| to < first) {
        return Err(invalid(op, "period.to", format!("{to} is before the data starts")));
    }
    let mut cut = panel.clone();
    for s in &mut cut.series {
        let through = f.periods_between(s.start, to).unwrap_or_else(|| {
            // `to` off the calendar grid (a weekly panel and a Tuesday): keep whole periods.
            (0..s.len() as i64).rev().find(|&t| panel.date(s, t as usize).is_some_and(|d| d <= to)).unwrap_or(-1)
        });
        let keep = usize::try_from(through.saturating_add(1)).unwrap_or(0).min(s.len());
        s.target.truncate(keep);
    }
    let periods = days_as_periods(f, from, to);
    Ok((cut, periods.div_ceil(horizon).clamp(1, MAX_WINDOWS)))
}

fn days_as_periods(f: crate::Frequency, from: NaiveDate, to: NaiveDate) -> usize {
    let days = (to - from).num_days().max(0) as usize + 1;
    match f {
        crate::Frequency::Daily => days,
        crate::Frequency::Weekly => days.div_ceil(7),
        crate::Frequency::Monthly => days.div_ceil(30),
    }
}

/// The model's own horizon for a direct pipeline, else one season of the panel's frequency.
fn default_horizon(pipeline: &ForecastPipeline, panel: &Panel) -> usize {
    pipeline.max_horizon().unwrap_or_else(|| panel.frequency.default_season())
}

fn check_horizon(pipeline: &ForecastPipeline, op: &str, horizon: usize) -> Result<()> {
    match pipeline.max_horizon() {
        Some(max) if horizon > max => Err(invalid(
            op,
            "horizon",
            format!(
                "`{}` forecasts at most {max} periods ahead (one model per step); ask for at most {max}",
                pipeline.name()
            ),
        )),
        _ => Ok(()),
    }
}

/// Only the context's pipeline is loaded: `model` is null or its bare name.
fn check_model(ctx: &ToolContext, op: &str, args: &Value) -> Result<()> {
    let name = ctx.pipeline().name();
    match args.get("model") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(m)) if m == name => Ok(()),
        Some(v) => Err(invalid(
            op,
            "model",
            format!("{v} is not loaded here: this tool serves the fitted pipeline `{name}`; pass null or `{name}`"),
        )),
    }
}

/// The id every selected series shares (`key` of each), or null when they differ.
fn common<'a>(series: &[usize], key: impl Fn(usize) -> Option<&'a str>) -> Option<&'a str> {
    let first = key(*series.first()?)?;
    series.iter().all(|&s| key(s) == Some(first)).then_some(first)
}

/// The symmetric quantile pair of a forecast with the widest band, e.g. (0.1, 0.9).
fn band(f: &SeriesForecast) -> Option<(f64, f64)> {
    f.quantiles
        .iter()
        .map(|q| q.alpha)
        .filter(|&a| a < 0.5)
        .find(|&a| f.quantile(1.0 - a).is_some())
        .map(|a| (a, 1.0 - a))
}

/// The `forecast` result: per date the sum over the selected series; bounds are summed too,
/// which is exact for one series and, for an aggregate, the band of perfectly correlated
/// errors (no narrower than the true one). The total's bounds are the sums of the periods'.
fn forecast_result(ctx: &ToolContext, series: &[usize], forecasts: &Forecasts) -> Result<Value> {
    let chosen: Vec<&SeriesForecast> = forecasts.series.iter().filter(|f| series.contains(&f.series)).collect();
    let pair = chosen.first().and_then(|f| band(f)).filter(|p| chosen.iter().all(|f| band(f) == Some(*p)));
    let mut by_date: BTreeMap<NaiveDate, [f64; 3]> = BTreeMap::new();
    for f in &chosen {
        let bounds = pair.and_then(|(lo, hi)| Some((f.quantile(lo)?, f.quantile(hi)?)));
        for (k, (&date, &mean)) in f.dates.iter().zip(&f.point).enumerate() {
            let e = by_date.entry(date).or_insert([0.0; 3]);
            e[0] += mean;
            if let Some((l, u)) = bounds {
                e[1] += l.get(k).copied().unwrap_or(f64::NAN);
                e[2] += u.get(k).copied().unwrap_or(f64::NAN);
            }
        }
    }
    let (Some(from), Some(to)) = (by_date.keys().next(), by_date.keys().next_back()) else {
        return Err(Error::InvalidData(format!("forecast of `{}`: no forecast periods", forecasts.model)));
    };
    let total: f64 = by_date.values().map(|v| v[0]).sum();
    if !total.is_finite() {
        return Err(Error::InvalidData(format!("forecast of `{}` is not a finite number", forecasts.model)));
    }
    let bound = |i: usize, v: &[f64; 3]| pair.and_then(|_| v[i].is_finite().then_some(v[i]));
    let points: Vec<Value> = by_date
        .iter()
        .map(|(d, v)| json!({"date": d.to_string(), "mean": v[0], "lower": bound(1, v), "upper": bound(2, v)}))
        .collect();
    let sum_bound = |i: usize| by_date.values().map(|v| bound(i, v)).sum::<Option<f64>>();
    Ok(json!({
        "store": common(series, |s| ctx.store_of(s)),
        "item": common(series, |s| ctx.item_of(s)),
        "unit": "units",
        "model": forecasts.model,
        "from": from.to_string(),
        "to": to.to_string(),
        "total": total,
        "lower": sum_bound(1),
        "upper": sum_bound(2),
        "level": pair.map(|(lo, hi)| hi - lo),
        "points": points,
    }))
}

fn invalid(operation: &str, argument: &str, message: String) -> Error {
    Error::InvalidArgument { operation: operation.to_string(), argument: argument.to_string(), message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParamGuard;
    use crate::backtest::Backtest;
    use crate::baseline::SeasonalNaive;
    use crate::data::generator::RetailGenerator;
    use crate::features::FeatureSpec;
    use crate::forecast::{GlobalForecaster, Strategy};
    use crate::gbdt::Gbdt;

    fn data() -> Panel {
        RetailGenerator::new(11).stores(2).items(2).days(160).future_days(14).generate().panel
    }

    fn global(panel: &Panel) -> GlobalForecaster {
        let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
        let gbdt = Gbdt::params().n_rounds(8).check().expect("params");
        GlobalForecaster::new("demand", gbdt, features).strategy(Strategy::Direct).horizon(7)
    }

    fn valid(tool: ToolName, result: &Value) {
        let schema = tool.result_schema();
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = validator.iter_errors(result).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{tool} result {result} breaks its schema: {errors:?}");
    }

    #[test]
    fn forecast_sums_the_selected_series_of_the_pipeline() {
        let panel = data();
        let mut pipeline = global(&panel).fit_pipeline(&panel).expect("fit");
        let expected = pipeline.forecast(&panel, 5).expect("forecast");
        let ctx = ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline.clone()));
        let store = ctx.store_of(0).expect("store").to_string();
        let tool = ForecastTool::new(ctx.clone());
        let result = tool.call(&json!({"store": store, "item": null, "horizon": 5, "model": null})).expect("call");
        valid(ToolName::Forecast, &result);
        let mine: Vec<&SeriesForecast> =
            expected.series.iter().filter(|f| ctx.store_of(f.series) == Some(store.as_str())).collect();
        let total: f64 = mine.iter().flat_map(|f| &f.point).sum();
        assert!((result["total"].as_f64().expect("total") - total).abs() < 1e-9 * total.abs().max(1.0));
        assert_eq!(result["points"].as_array().expect("points").len(), 5);
        assert_eq!(result["store"], json!(store));
        assert_eq!(result["item"], Value::Null, "two items of the store: an aggregate");
        assert_eq!(result["lower"], Value::Null, "no quantile heads nor calibration: no band");

        // With a conformal calibration, one series gets its exact band.
        let bt = Backtest::new(2, 7).run(&panel, &[&global(&panel)]).expect("backtest");
        pipeline.set_conformal(bt.models[0].conformal.clone());
        let ctx = ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline.clone()));
        let (s, i) = (ctx.store_of(1).expect("s").to_string(), ctx.item_of(1).expect("i").to_string());
        let result = ForecastTool::new(ctx)
            .call(&json!({"store": s, "item": i, "horizon": 3, "model": "demand"}))
            .expect("call");
        valid(ToolName::Forecast, &result);
        let f = &pipeline.forecast(&panel, 3).expect("forecast").series[1];
        assert_eq!(result["points"][2]["lower"].as_f64(), f.quantile(0.1).map(|q| q[2]));
        assert_eq!(result["points"][2]["upper"].as_f64(), f.quantile(0.9).map(|q| q[2]));
        assert!((result["level"].as_f64().expect("level") - 0.8).abs() < 1e-12);
    }

    #[test]
    fn forecast_refuses_what_it_cannot_do_naming_the_argument() {
        let panel = data();
        let pipeline = global(&panel).fit_pipeline(&panel).expect("fit");
        let tool = ForecastTool::new(ToolContext::new(Arc::new(panel), Arc::new(pipeline)));
        let call = |args: Value| tool.call(&args).expect_err("refused").to_string();
        let base = json!({"store": null, "item": null, "horizon": null, "model": null});
        let with = |k: &str, v: Value| {
            let mut a = base.clone();
            a[k] = v;
            a
        };
        assert!(call(with("horizon", json!(8))).contains("`horizon`"), "direct model of 7 steps");
        assert!(call(with("store", json!("store_77"))).contains("`store`"));
        assert!(call(with("model", json!("demand@challenger"))).contains("`model`"));
        assert!(call(with("model", json!("other"))).contains("`model`"));
    }

    #[test]
    fn backtest_refits_the_configuration_and_matches_the_core_backtest() {
        let panel = data();
        let config = global(&panel);
        let pipeline = config.fit_pipeline(&panel).expect("fit");
        let ctx = ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline));
        let tool = BacktestTool::refitting(ctx.clone(), Arc::new(config.clone()));
        let args = json!({"store": null, "item": null, "horizon": 7, "period": null, "model": null});
        let result = tool.call(&args).expect("backtest");
        valid(ToolName::Backtest, &result);
        let report = Backtest::new(3, 7).run(&panel, &[&config]).expect("core backtest");
        let m = report.models[0].metrics.as_ref().expect("metrics");
        assert_eq!(result["wape"].as_f64(), Some(m.wape));
        assert_eq!(result["folds"], json!(3));
        assert_eq!(result["note"], Value::Null);

        // One series over one window: the core's per-series metrics of that window.
        let (s, i) = (ctx.store_of(2).expect("s").to_string(), ctx.item_of(2).expect("i").to_string());
        let one = BacktestTool::refitting(ctx.clone(), Arc::new(config.clone())).windows(1);
        let result =
            one.call(&json!({"store": s, "item": i, "horizon": 7, "period": null, "model": null})).expect("one");
        valid(ToolName::Backtest, &result);
        let bt = Backtest::new(1, 7);
        let report = bt.run(&panel, &[&config]).expect("core");
        let m = report.models[0].series_metrics(&panel, &bt, 0, 2).expect("series metrics");
        assert!((result["wape"].as_f64().expect("wape") - m.wape).abs() < 1e-12);
        assert!((result["mase"].as_f64().expect("mase") - m.mase).abs() < 1e-12);
        assert!((result["bias"].as_f64().expect("bias") - m.bias).abs() < 1e-12);
    }

    #[test]
    fn backtest_over_a_period_and_without_refit_says_so() {
        let panel = data();
        let pipeline = global(&panel).fit_pipeline(&panel).expect("fit");
        let ctx = ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline));
        let last = panel.date(&panel.series[0], panel.series[0].len() - 1).expect("date");
        let to = last - chrono::TimeDelta::days(10);
        let from = to - chrono::TimeDelta::days(13);
        let args = json!({"store": null, "item": null, "horizon": 7, "model": null,
            "period": {"from": from.to_string(), "to": to.to_string()}});
        let result = BacktestTool::new(ctx).call(&args).expect("backtest");
        valid(ToolName::Backtest, &result);
        assert_eq!(result["folds"], json!(2), "14 days in windows of 7");
        assert!(result["note"].as_str().is_some_and(|n| n.contains("not refitted")), "{result}");
    }

    #[test]
    fn a_local_pipeline_is_refitted_from_its_method() {
        let panel = data();
        let local = LocalForecaster::new(SeasonalNaive { season: 7 });
        let pipeline = local.fit_pipeline(&panel).expect("fit");
        let tool = BacktestTool::new(ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline)));
        let result =
            tool.call(&json!({"store": null, "item": null, "horizon": 14, "period": null, "model": null})).expect("bt");
        valid(ToolName::Backtest, &result);
        let report = Backtest::new(3, 14).run(&panel, &[&local]).expect("core");
        assert_eq!(result["wape"].as_f64(), report.models[0].metrics.as_ref().map(|m| m.wape));
        assert_eq!(result["note"], Value::Null);
    }

    fn arbitrary_args() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z_0-9@-]{0,12}".prop_map(Value::from),
            Just(json!("store_01")),
            Just(json!({"from": "2023-03-01", "to": "2023-02-30"})),
            Just(json!({"from": "2023-04-01", "to": "2023-05-10"})),
        ];
        let keys = prop::sample::select(vec!["store", "item", "horizon", "period", "model", "extra"]);
        prop::collection::btree_map(keys, scalar, 0..6)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
        #[test]
        fn arbitrary_arguments_never_panic_and_errors_name_an_argument(args in arbitrary_args()) {
            static TOOLS: std::sync::OnceLock<Vec<Arc<dyn Tool>>> = std::sync::OnceLock::new();
            let tools = TOOLS.get_or_init(|| {
                let panel = RetailGenerator::new(2).stores(2).items(1).days(90).future_days(7).generate().panel;
                let pipeline = global(&panel).fit_pipeline(&panel).expect("fit");
                tools(&ToolContext::new(Arc::new(panel), Arc::new(pipeline)))
            });
            for tool in tools {
                match tool.call(&args) {
                    Ok(result) => valid(ToolName::from_name(tool.name()).expect("canonical"), &result),
                    Err(Error::InvalidArgument { argument, .. }) => {
                        proptest::prop_assert!(
                            ["store", "item", "horizon", "period", "period.from", "period.to", "model"].contains(&argument.as_str()),
                            "{argument}"
                        );
                    }
                    Err(e) => proptest::prop_assert!(false, "{} {args}: {e}", tool.name()),
                }
            }
        }
    }
}
