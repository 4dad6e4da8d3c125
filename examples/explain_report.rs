//! Explanation report of the built-in retail panel, as JSON, self-contained HTML and PDF.
//!
//! Fits the quickstart's GBDT pipeline twice: once before the last `--windows` x `--horizon`
//! days, to backtest it (errors by store, error rules, conformal 80% intervals), and once on all
//! history, to forecast and explain the next `--horizon` days of one series (the best seller, or
//! `--store`/`--item`). What-ifs on all series (promotion on every day; discount 5 points
//! deeper) are set against the effects the generator built into the data (its ground truth).
//!
//! `cargo run --release --example explain_report [-- --out out/xai]` writes `report.json`
//! (schema `forecast-xai/report/v1`, also written as `report.schema.json`), `report.html` and
//! `report.pdf`.

use clap::Parser;
use forecast::core::artifact::ModelArtifact;
use forecast::core::branding::Branding;
use forecast::core::clock::{Clock, SystemClock};
use forecast::core::data::default_data;
use forecast::core::data::generator::GroundTruth;
use forecast::core::interval::{ConformalIntervals, ConformalScale, Residual};
use forecast::core::pipeline::ForecastPipeline;
use forecast::core::{Error, Panel};
use forecast::xai::format::{money, number, signed, with_unit};
use forecast::xai::importance::{PermutationParams, gbdt_gain, permutation_importance, split_counts};
use forecast::xai::narrative::{feature_phrase, forecast_narrative, sentence};
use forecast::xai::report::{
    self, Driver, ForecastChart, ForecastPoint, ImportanceRow, ImportanceTable, Report, SegmentRow, SegmentTable,
    Waterfall,
};
use forecast::xai::segment::{ErrorClass, ErrorRules, RuleParams};
use forecast::xai::{ForecastExplanation, WhatIf, explain_forecast, explain_from, segment_errors, what_if};
use forecast_examples::retail::{self, GbdtSettings};
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};

#[path = "explain_report/question.rs"]
mod question;

const UNIT: &str = "units";

#[derive(Debug, Parser)]
#[command(about = "Write the explanation report of the built-in retail panel (JSON, HTML, PDF)")]
struct Args {
    /// Output folder.
    #[arg(long, default_value = "out/xai")]
    out: PathBuf,
    /// Days forecast and explained.
    #[arg(long, default_value_t = 7)]
    horizon: usize,
    /// Backtest windows of `horizon` days before the end.
    #[arg(long, default_value_t = 4)]
    windows: usize,
    /// GBDT boosting rounds.
    #[arg(long, default_value_t = 300)]
    rounds: usize,
    /// Store of the explained series (with `--item`; default: the best seller).
    #[arg(long)]
    store: Option<String>,
    /// Item of the explained series.
    #[arg(long)]
    item: Option<String>,
    /// Name the report is branded with.
    #[arg(long, default_value = "Forecast demo grocers")]
    brand: String,
    /// Drivers shown in the waterfall (the rest are summed into one bar).
    #[arg(long, default_value_t = 6)]
    drivers: usize,
    /// Store of the minimal-change question ("what gets it to +X% units next week?").
    #[arg(long, default_value = "store_03")]
    question_store: String,
    /// Item of the question (default: the store's best seller over the last 28 days).
    #[arg(long)]
    question_item: Option<String>,
    /// Percent more units the question asks for over the next `--horizon` days.
    #[arg(long, default_value_t = 15.0)]
    question_pct: f64,
    /// Assumed unit cost as a fraction of the planned shelf price (the data carry no costs).
    #[arg(long, default_value_t = 0.6)]
    cost_share: f64,
    /// Plans the question's search may forecast (default: the search's own budget).
    #[arg(long)]
    question_budget: Option<usize>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.horizon == 0 || args.windows == 0 {
        return Err("--horizon and --windows must be at least 1".into());
    }
    let data = default_data();
    let panel = &data.panel;
    let settings = GbdtSettings { rounds: args.rounds, horizon: args.horizon, ..GbdtSettings::default() };
    let gbdt = retail::gbdt(&settings, retail::features(panel.frequency, &panel.regressor_names))?;

    let span = args.windows * args.horizon;
    let ends: Vec<usize> = panel.series.iter().map(|s| s.len().saturating_sub(span)).collect();
    eprintln!("fitting the backtest pipeline (history up to {span} days before the end) ...");
    let backtest_pipeline = gbdt.fit_pipeline_until(panel, &ends)?;
    let backtest = backtest_explanation(&backtest_pipeline, panel, &ends, args.windows, args.horizon)?;
    let conformal = calibrate(panel, &backtest, args.horizon)?;
    eprintln!("fitting on all history ...");
    let mut pipeline = gbdt.fit_pipeline(panel)?;
    pipeline.set_conformal(Some(conformal));

    let s = chosen_series(panel, args.store.as_deref(), args.item.as_deref())?;
    let label = series_label(panel, s);
    let e = explain_forecast(&pipeline, panel, &[s], args.horizon)?;
    let mut r = Report::new(
        format!("{label}: forecast for the next {} days", args.horizon),
        SystemClock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        branding(&args.brand),
    );
    r.summary.push(forecast_narrative(&e, panel, &label, UNIT, 3));
    r.forecast = Some(forecast_chart(panel, &e, s, 28));
    r.drivers = Some(waterfall(panel, &e, args.drivers));

    let all: Vec<usize> = (0..panel.series.len()).collect();
    let promo = what_if(&pipeline, panel, &all, args.horizon, "promo", |_| 1.0)?;
    let discount = what_if(&pipeline, panel, &all, args.horizon, "discount", |d| (d + 0.05).min(0.9))?;
    let promo_truth = truth_change(&data.truth, panel, &promo, |_, _, _| (None, None, Some(true)))?;
    let discount_truth =
        truth_change(&data.truth, panel, &discount, |_, d, _| (None, Some((d + 0.05).min(0.9)), None))?;
    r.summary.push(what_if_sentence("a promotion ran on each", &promo, promo_truth, args.horizon));
    r.summary.push(promotion_history(panel)?);
    r.summary.push(what_if_sentence(
        "the discount were 5 points deeper on each",
        &discount,
        discount_truth,
        args.horizon,
    ));
    print_steps(&promo);
    print_steps(&discount);

    let by_store = segment_errors(panel, "store", &backtest)?;
    let (actual, forecast) = by_store.segments.iter().fold((0.0, 0.0), |(a, f), g| (a + g.actual, f + g.forecast));
    let abs: f64 = by_store.segments.iter().map(|g| g.abs_error).sum();
    r.summary.push(format!(
        "Backtest ({} windows of {} days before the last date, model fitted before them): all stores together {} off \
         (WAPE), {} overall bias; the weakest store is {}.",
        args.windows,
        args.horizon,
        with_unit(100.0 * abs / actual, "%"),
        with_unit(100.0 * (forecast - actual) / actual, "%"),
        by_store.segments.first().map_or("none", |g| g.segment.as_str()),
    ));
    r.segments = Some(SegmentTable {
        title: format!("Backtest accuracy by store, last {span} days (worst first)"),
        unit: UNIT.into(),
        rows: by_store
            .segments
            .iter()
            .map(|g| SegmentRow {
                segment: g.segment.clone(),
                actual: g.actual,
                forecast: g.forecast,
                wape: g.wape,
                bias: g.bias,
                main_driver: g.main_driver.as_ref().map(|(f, _)| feature_phrase(f, panel.frequency)),
            })
            .collect(),
    });
    r.rules = error_rules(panel, &backtest)?;
    r.importance = Some(importance(&backtest_pipeline, panel, &backtest, 12)?);
    let asked = question::minimal_change(&pipeline, panel, &args)?;
    r.summary.push(question::summary(&asked));
    r.counterfactuals = Some(asked);

    write_all(&args.out, &r)?;
    for line in &r.summary {
        println!("{line}");
    }
    Ok(())
}

/// Explanations of the backtest pipeline's forecasts from each window's origin, merged.
fn backtest_explanation(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    ends: &[usize],
    windows: usize,
    horizon: usize,
) -> Result<ForecastExplanation, Box<dyn std::error::Error>> {
    let mut merged: Option<ForecastExplanation> = None;
    for w in 0..windows {
        let origins: Vec<Option<usize>> = panel
            .series
            .iter()
            .zip(ends)
            .map(|(s, &end)| (end > 0 && end < s.len()).then_some(end + w * horizon))
            .collect();
        let e = explain_from(pipeline, panel, &origins, horizon)?;
        match &mut merged {
            None => merged = Some(e),
            Some(m) if m.feature_sets == e.feature_sets => {
                m.rows.extend(e.rows);
                m.forecasts.series.extend(e.forecasts.series);
            }
            Some(_) => return Err("backtest windows used different step models".into()),
        }
    }
    merged.ok_or_else(|| "no backtest window".into())
}

/// Conformal 80% intervals from the backtest residuals, scaled by each series' level.
fn calibrate(panel: &Panel, e: &ForecastExplanation, horizon: usize) -> forecast::core::Result<ConformalIntervals> {
    let residuals: Vec<Residual> = e
        .rows
        .iter()
        .filter_map(|r| {
            let s = &panel.series[r.series];
            let actual = s.target.get(r.t).copied().filter(|a| a.is_finite())?;
            let origin = r.t + 1 - r.step;
            let scale = ConformalIntervals::scale_of(ConformalScale::SeriesLevel, &s.target[..origin], 28);
            Some(Residual { step: r.step - 1, residual: actual - r.forecast, scale })
        })
        .collect();
    ConformalIntervals::calibrate(&residuals, horizon, 0.8, ConformalScale::SeriesLevel, 28)
}

/// The series of `store` and `item`, or the one with the most units over its last 28 days.
fn chosen_series(panel: &Panel, store: Option<&str>, item: Option<&str>) -> Result<usize, String> {
    if store.is_some() || item.is_some() {
        return panel
            .series
            .iter()
            .position(|s| {
                store.is_none_or(|v| s.key.0.first().is_some_and(|k| k == v))
                    && item.is_none_or(|v| s.key.0.get(1).is_some_and(|k| k == v))
            })
            .ok_or_else(|| format!("no series with store {store:?} and item {item:?}"));
    }
    let recent = |s: usize| -> f64 {
        let t = &panel.series[s].target;
        t[t.len().saturating_sub(28)..].iter().filter(|v| v.is_finite()).sum()
    };
    (0..panel.series.len()).max_by(|&a, &b| recent(a).total_cmp(&recent(b))).ok_or_else(|| "empty panel".into())
}

/// The series' ids as in the data, e.g. "store_04, item_05".
fn series_label(panel: &Panel, s: usize) -> String {
    panel.series[s].key.0.join(", ")
}

fn branding(name: &str) -> Branding {
    let mut b = Branding::new(name, "en-US");
    b.logo_svg = Some(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="#2563EB"/><path d="M8 28 L16 18 L22 23 L32 11" stroke="#fff" stroke-width="4" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>"##
            .into(),
    );
    b
}

/// The last `history` days of actuals, then the forecast with its 80% interval.
fn forecast_chart(panel: &Panel, e: &ForecastExplanation, s: usize, history: usize) -> ForecastChart {
    let ser = &panel.series[s];
    let mut points: Vec<ForecastPoint> = (ser.len().saturating_sub(history)..ser.len())
        .map(|t| ForecastPoint {
            period: panel.date(ser, t).map_or_else(String::new, |d| d.format("%b %d").to_string()),
            actual: ser.target.get(t).copied().filter(|v| v.is_finite()),
            forecast: None,
            lower: None,
            upper: None,
        })
        .collect();
    if let Some(f) = e.forecasts.series.first() {
        let (lo, hi) = (f.quantile(0.1), f.quantile(0.9));
        for (k, (&p, d)) in f.point.iter().zip(&f.dates).enumerate() {
            points.push(ForecastPoint {
                period: d.format("%b %d").to_string(),
                actual: None,
                forecast: Some(p),
                lower: lo.and_then(|q| q.get(k)).copied(),
                upper: hi.and_then(|q| q.get(k)).copied(),
            });
        }
    }
    ForecastChart {
        title: format!("Daily units: last {history} days and the forecast (80% interval)"),
        unit: UNIT.into(),
        interval_level: 0.8,
        points,
    }
}

/// The top drivers over the horizon, the rest summed into one bar.
fn waterfall(panel: &Panel, e: &ForecastExplanation, top: usize) -> Waterfall {
    let all = e.drivers();
    let mut drivers: Vec<Driver> = all
        .iter()
        .take(top)
        .map(|d| Driver { label: sentence(&feature_phrase(&d.feature, panel.frequency)), value: d.contribution })
        .collect();
    if all.len() > top {
        let rest: f64 = all[top..].iter().map(|d| d.contribution).sum();
        drivers.push(Driver { label: format!("{} other features", all.len() - top), value: rest });
    }
    if e.clamp().abs() > 1e-9 {
        drivers.push(Driver { label: "Forecasts below zero set to zero".into(), value: e.clamp() });
    }
    Waterfall {
        title: format!("Why {} over the next {} days", with_unit(e.total(), UNIT), e.forecasts.horizon),
        unit: UNIT.into(),
        base_label: format!("Typical {} days", e.forecasts.horizon),
        base: e.base(),
        drivers,
        total_label: "Forecast".into(),
    }
}

/// The change in mean demand over a what-if's window that the generator's ground truth gives,
/// as (planned, changed) totals. `change(price, discount, promo)` returns what is overridden.
fn truth_change(
    truth: &GroundTruth,
    panel: &Panel,
    w: &WhatIf,
    change: impl Fn(f64, f64, bool) -> (Option<f64>, Option<f64>, Option<bool>),
) -> Result<(f64, f64), String> {
    let ix = |n: &str| panel.regressor_index(n).ok_or_else(|| format!("the panel has no regressor {n}"));
    let (pi, di, qi) = (ix("price")?, ix("discount")?, ix("promo")?);
    let (mut planned, mut changed) = (0.0, 0.0);
    for f in &w.baseline.series {
        let reg = &panel.series[f.series].regressors;
        let window = f.origin..f.origin + f.point.len();
        let columns = reg[pi][window.clone()].iter().zip(&reg[di][window.clone()]).zip(&reg[qi][window]);
        for (t, ((&p, &d), &q)) in (f.origin..).zip(columns) {
            let q = q > 0.5;
            let (p2, d2, q2) = change(p, d, q);
            let mean = |p, d, q| truth.what_if(f.series, t, p, d, q).ok_or(format!("no truth for series {}", f.series));
            planned += mean(p, d, q)?;
            changed += mean(p2.unwrap_or(p), d2.unwrap_or(d), q2.unwrap_or(q))?;
        }
    }
    Ok((planned, changed))
}

fn what_if_sentence(what: &str, w: &WhatIf, (planned, changed): (f64, f64), horizon: usize) -> String {
    let (b, s) = (w.baseline_units(), w.scenario_units());
    let lo: Option<f64> = w.steps.iter().map(|k| k.scenario_interval.map(|i| i.0)).sum();
    let hi: Option<f64> = w.steps.iter().map(|k| k.scenario_interval.map(|i| i.1)).sum();
    let band = lo.zip(hi).map_or_else(String::new, |(lo, hi)| {
        format!("; the series' 80% intervals add up to {} to {}", number(lo), with_unit(hi, UNIT))
    });
    let revenue = w.revenue().map_or_else(String::new, |(rb, rs)| {
        format!(
            ". Revenue (units x price after discount) would be {} instead of {} ({}%)",
            money(rs, question::CURRENCY),
            money(rb, question::CURRENCY),
            signed(100.0 * (rs / rb - 1.0))
        )
    });
    let (model, truth) = (s - b, changed - planned);
    let agreement = if model.signum() != truth.signum() {
        "the opposite sign".to_string()
    } else {
        format!("the same sign, the model's effect {} times the generator's", number(model / truth))
    };
    format!(
        "What if {what} of the next {horizon} days, for all {} series? The model forecasts {} instead of {}, \
         {} {UNIT} ({}%){band}{revenue}. The generator that made the data puts the effect at {} {UNIT} ({}% of mean \
         demand): {agreement}.",
        w.baseline.series.len(),
        with_unit(s, UNIT),
        with_unit(b, UNIT),
        signed(model),
        signed(w.change_pct()),
        signed(truth),
        signed(100.0 * (changed / planned - 1.0)),
    )
}

/// How often promotions and discounts came together in the history: when always, a model can
/// not tell their effects apart, and its promotion effect carries the discount's.
fn promotion_history(panel: &Panel) -> Result<String, String> {
    let ix = |n: &str| panel.regressor_index(n).ok_or_else(|| format!("the panel has no regressor {n}"));
    let (di, qi) = (ix("discount")?, ix("promo")?);
    let (mut promo_days, mut promo_discounted, mut discount_days) = (0usize, 0usize, 0usize);
    for s in &panel.series {
        for t in 0..s.len() {
            let (d, q) = (s.regressors[di][t] > 0.0, s.regressors[qi][t] > 0.5);
            promo_days += usize::from(q);
            promo_discounted += usize::from(q && d);
            discount_days += usize::from(d);
        }
    }
    let pct = |a: usize, b: usize| if b > 0 { with_unit(100.0 * a as f64 / b as f64, "%") } else { "n/a".into() };
    let together = promo_discounted * 2 > promo_days && promo_discounted * 2 > discount_days;
    let reading = if together {
        "the two mostly come together, so the model cannot fully separate them: its promotion effect includes part \
         of the discount's, while the generator's figure above is the promotion lift alone"
    } else {
        "the two often come apart, so the model can learn each effect on its own"
    };
    Ok(format!(
        "In the history, {} of the {} promotion days also carried a discount, and {} of the {} discount days were \
         promotion days: {reading}.",
        pct(promo_discounted, promo_days),
        number(promo_days as f64),
        pct(promo_discounted, discount_days),
        number(discount_days as f64),
    ))
}

fn print_steps(w: &WhatIf) {
    println!("what-if {}: step, date, baseline units, scenario units, change, scenario q10..q90", w.feature);
    for k in &w.steps {
        let band = k.scenario_interval.map_or_else(String::new, |(lo, hi)| format!("{lo:.0}..{hi:.0}"));
        let date = k.date.map_or_else(String::new, |d| d.to_string());
        println!("  {} {date} {:.1} {:.1} {:+.1} {band}", k.step, k.baseline, k.scenario, k.scenario - k.baseline);
    }
}

/// Importance of the backtest's step model on the backtest rows, top `top` features by mean
/// |SHAP| (in units, from the explanation), with gain share, split count and permutation
/// importance (mean increase of the absolute error per forecast day, 3 shuffles).
fn importance(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    e: &ForecastExplanation,
    top: usize,
) -> Result<ImportanceTable, Box<dyn std::error::Error>> {
    let global = pipeline.global().ok_or("the backtest pipeline is not a global model")?;
    let ModelArtifact::Gbdt(model) = global.steps.first().ok_or("no step model")?.point.artifact() else {
        return Err("the step model is not a GBDT".into());
    };
    let rows: Vec<_> = e
        .rows
        .iter()
        .filter(|r| r.features == 0)
        .filter_map(|r| Some((r, panel.series[r.series].target.get(r.t).copied().filter(|a| a.is_finite())?)))
        .collect();
    let names = e.feature_sets.first().cloned().unwrap_or_default();
    let n = rows.len().max(1) as f64;
    let mean_abs: Vec<f64> =
        (0..names.len()).map(|j| rows.iter().map(|(r, _)| r.contributions[j].abs()).sum::<f64>() / n).collect();
    let gain = gbdt_gain(model);
    let total_gain: f64 = gain.iter().sum();
    let splits = split_counts(model.ensemble());
    // The step model scores rows in units only when no target transform sits between them.
    let permutation = if global.transforms.is_empty() {
        let x = Array2::from_shape_vec(
            (rows.len(), names.len()),
            rows.iter().flat_map(|(r, _)| r.values.clone()).collect(),
        )?;
        let y: Array1<f64> = rows.iter().map(|(_, a)| *a).collect();
        let params = PermutationParams { n_repeats: 3, ..PermutationParams::default() };
        Some(permutation_importance(model, x.view(), y.view(), params)?)
    } else {
        None
    };
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| mean_abs[b].total_cmp(&mean_abs[a]));
    Ok(ImportanceTable {
        title: format!(
            "What the model relies on: top {} of {} features over {} backtest forecasts",
            top.min(names.len()),
            names.len(),
            number(rows.len() as f64)
        ),
        unit: UNIT.into(),
        permutation_metric: "mean increase of the absolute error of one day's forecast when the feature's values \
                             are shuffled across the backtest rows (3 shuffles)"
            .into(),
        rows: order
            .into_iter()
            .take(top)
            .map(|j| ImportanceRow {
                feature: sentence(&feature_phrase(&names[j], panel.frequency)),
                mean_abs_shap: Some(mean_abs[j]),
                gain_share: (total_gain > 0.0).then(|| gain.get(j).copied().unwrap_or(0.0) / total_gain),
                splits: splits.get(j).copied().unwrap_or(0.0),
                permutation: permutation.as_ref().and_then(|p| p.get(j)).map(|p| p.mean_increase),
            })
            .collect(),
    })
}

/// Error rules of a shallow surrogate fitted on the backtest's feature rows.
fn error_rules(panel: &Panel, e: &ForecastExplanation) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let rows: Vec<_> = e
        .rows
        .iter()
        .filter(|r| r.features == 0)
        .filter_map(|r| Some((r, panel.series[r.series].target.get(r.t).copied().filter(|a| a.is_finite())?)))
        .collect();
    let names = e.feature_sets.first().cloned().unwrap_or_default();
    let x =
        Array2::from_shape_vec((rows.len(), names.len()), rows.iter().flat_map(|(r, _)| r.values.clone()).collect())?;
    let errors: Array1<f64> = rows.iter().map(|(r, a)| r.forecast - a).collect();
    let actuals: Array1<f64> = rows.iter().map(|(_, a)| *a).collect();
    let rules = ErrorRules::fit(x.view(), &names, errors.view(), Some(actuals.view()), RuleParams::default())?;
    Ok(rules
        .rules
        .iter()
        .filter(|r| r.class != ErrorClass::OnTarget)
        .take(4)
        .map(|r| r.readable(panel.frequency))
        .collect())
}

fn write_all(dir: &Path, r: &Report) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.into(), source })?;
    let write = |name: &str, bytes: &[u8]| -> Result<(), Error> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| Error::Io { path: path.clone(), source })?;
        println!("{} ({} bytes)", path.display(), bytes.len());
        Ok(())
    };
    write("report.json", report::to_json(r)?.as_bytes())?;
    write("report.schema.json", serde_json::to_string_pretty(&report::report_schema())?.as_bytes())?;
    write("report.html", report::to_html(r).as_bytes())?;
    write("report.pdf", &report::to_pdf(r))?;
    Ok(())
}
