//! Registry, tracking and monitoring end to end on the generator's default panel: train two
//! GBDT demand models, log both runs, register them, make the better one champion, promote the
//! other after a "shadow week", detect drift on a shifted panel (prices up 30 %, promotions
//! everywhere), roll back, and print the alias history as a table.
//!
//! Run with `cargo run --release --example registry`.

use chrono::{TimeDelta, TimeZone, Utc};
use forecast::core::data::default_panel;
use forecast::core::features::{DesignMatrix, FeatureBuilder, FeatureSpec};
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::panel::Panel;
use forecast::core::{Clock, Fit, ManualClock, MemoryAuditSink, ModelArtifact, ModelRef, NewModelVersion, ParamGuard};
use forecast::mlops::monitor::{FeatureKind, HealthReport};
use forecast::mlops::tracking::RunStatus;
use forecast::mlops::{HealthCheck, MlopsError, Registry, Verdict, data_fingerprint};
use ndarray::{Array1, Array2, Axis};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Days held out at the end of every series as the backtest window.
const HOLDOUT: usize = 56;

/// Training rows (before the hold-out) and backtest rows (the hold-out) of one panel.
struct Split {
    x_train: Array2<f64>,
    y_train: Array1<f64>,
    x_test: Array2<f64>,
    y_test: Array1<f64>,
    names: Vec<String>,
    categorical: Vec<usize>,
}

fn split(panel: &Panel) -> Result<Split, MlopsError> {
    let builder = FeatureBuilder::new(panel, FeatureSpec::for_frequency(panel.frequency))?;
    let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    let dm: DesignMatrix = builder.training_matrix(&end, 1)?;
    let (train, test): (Vec<usize>, Vec<usize>) =
        (0..dm.n_rows()).partition(|i| dm.rows[*i].t + HOLDOUT < end[dm.rows[*i].series]);
    Ok(Split {
        x_train: dm.x.select(Axis(0), &train),
        y_train: dm.y.select(Axis(0), &train),
        x_test: dm.x.select(Axis(0), &test),
        y_test: dm.y.select(Axis(0), &test),
        names: dm.names,
        categorical: dm.categorical,
    })
}

/// The panel with prices raised 30 % and a promotion every other day in the hold-out window.
fn shifted(mut panel: Panel) -> Panel {
    let price = panel.regressor_index("price");
    let promo = panel.regressor_index("promo");
    for s in &mut panel.series {
        let from = s.len().saturating_sub(HOLDOUT);
        for t in from..s.len() {
            if let Some(p) = price {
                s.regressors[p][t] *= 1.3;
            }
            if let Some(p) = promo {
                s.regressors[p][t] = f64::from(u8::from(t % 2 == 0));
            }
        }
    }
    panel
}

fn wape(actual: &[f64], pred: &[f64]) -> f64 {
    actual.iter().zip(pred).map(|(a, p)| (a - p).abs()).sum::<f64>() / actual.iter().map(|a| a.abs()).sum::<f64>()
}

fn main() -> Result<(), MlopsError> {
    let t0 = Utc.with_ymd_and_hms(2025, 1, 6, 9, 0, 0).single().unwrap_or_default();
    let clock = Arc::new(ManualClock::new(t0));
    let audit = Arc::new(MemoryAuditSink::new());
    let dir = std::env::temp_dir().join(format!("forecast-registry-example-{}", std::process::id()));
    let io = |e: std::io::Error| MlopsError::InvalidInput(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    // Every row belongs to a tenant; this example works in one, `demo`.
    let tenant = forecast::core::tenant::TenantId::new("demo")?;
    let registry = Registry::open(dir.join("mlops.db"), clock.clone(), audit.clone())?.tenant(&tenant);
    let tracker = registry.tracker();

    let panel = default_panel();
    let data = split(&panel)?;
    let n_features = data.names.len();
    let first = &panel.series[0];
    let x_train = data.x_train.as_standard_layout();
    let fingerprint = data_fingerprint(
        x_train
            .as_slice()
            .ok_or_else(|| forecast::core::Error::InvalidData("training matrix is not contiguous".into()))?
            .chunks(n_features),
        panel.date(first, 0),
        panel.date(first, first.len().saturating_sub(HOLDOUT + 1)),
    );
    println!(
        "default panel: {} series x {} days; {} training rows, {} backtest rows, {n_features} features",
        panel.series.len(),
        first.len(),
        data.y_train.len(),
        data.y_test.len()
    );

    let candidates =
        [("gbdt-l2", Objective::L2, 0.1), ("gbdt-tweedie", Objective::Tweedie { variance_power: 1.3 }, 0.1)];
    let mut runs = Vec::new();
    for (name, objective, learning_rate) in candidates {
        let run = tracker.start_run("demand", name, None, "ana")?;
        tracker.log_param(run, "objective", &format!("{objective:?}"), "ana")?;
        tracker.log_param(run, "n_rounds", "150", "ana")?;
        tracker.log_param(run, "learning_rate", &learning_rate.to_string(), "ana")?;
        let model = Gbdt::params()
            .objective(objective)
            .n_rounds(150)
            .learning_rate(learning_rate)
            .num_leaves(31)
            .seed(7)
            .check()?
            .fit(data.x_train.view(), data.y_train.view())?;
        let pred = forecast::core::Predict::predict(&model, data.x_test.view())?;
        let (actual, pred) = (data.y_test.to_vec(), pred.to_vec());
        // One backtest fold per week of the hold-out, logged as steps; then the whole window.
        let per_fold = actual.len().div_ceil(HOLDOUT / 7);
        for (fold, (a, p)) in actual.chunks(per_fold).zip(pred.chunks(per_fold)).enumerate() {
            tracker.log_metric(run, "wape_fold", wape(a, p), fold as i64, "ana")?;
        }
        let score = wape(&actual, &pred);
        tracker.log_metric(run, "wape", score, 0, "ana")?;
        tracker.end_run(run, RunStatus::Finished, "ana")?;
        let mut new = NewModelVersion::new("demand", ModelArtifact::from(model), "ana");
        new.params.insert("objective".into(), format!("{objective:?}"));
        new.metrics.insert("wape".into(), score);
        new.feature_names = data.names.clone();
        new.data = Some(fingerprint.clone());
        new.tags.insert("run_id".into(), run.to_string());
        let v = registry.register(new)?;
        println!(
            "registered demand@{} ({name}): backtest WAPE {score:.4}, artifact {}",
            v.version,
            &v.artifact_sha256[..12]
        );
        runs.push(run);
        clock.advance(TimeDelta::hours(1));
    }

    println!("\nruns side by side:\n{}", tracker.compare(&runs)?);
    let best = tracker.search("demand", "metrics.wape < 1 order by metrics.wape asc limit 1")?;
    let (champion, challenger) = if best[0].id == runs[0] { (1, 2) } else { (2, 1) };
    registry.set_alias("demand", "champion", champion, "ana", "lowest backtest WAPE")?;
    registry.set_alias("demand", "challenger", challenger, "ana", "runner-up")?;
    clock.advance(TimeDelta::days(7));
    registry.set_alias("demand", "champion", challenger, "bo", "challenger won the shadow week")?;
    let promoted_at = clock.now();

    // A week later prices rose and promotions run every other day: check the serving model.
    clock.advance(TimeDelta::days(7));
    let now = split(&shifted(panel))?;
    let serving = registry.load_predictor(&"demand@champion".parse::<ModelRef>()?)?;
    let pred_ref = serving.predict(data.x_test.view())?.to_vec();
    let pred_now = serving.predict(now.x_test.view())?.to_vec();
    let train_metrics = BTreeMap::from([("wape".to_string(), wape(&data.y_test.to_vec(), &pred_ref))]);
    let prod_metrics = BTreeMap::from([("wape".to_string(), wape(&now.y_test.to_vec(), &pred_now))]);
    // Reference: the same calendar window before the shift, so seasonality does not pose as drift.
    let columns: Vec<(Vec<f64>, Vec<f64>)> =
        (0..n_features).map(|j| (data.x_test.column(j).to_vec(), now.x_test.column(j).to_vec())).collect();
    let mut check = HealthCheck::new("demand@champion");
    for (j, (r, c)) in columns.iter().enumerate() {
        let kind = if data.categorical.contains(&j) { FeatureKind::Categorical } else { FeatureKind::Numerical };
        check = check.feature(data.names[j].as_str(), kind, r, c);
    }
    let report: HealthReport =
        check.predictions(&pred_ref, &pred_now).metrics(&train_metrics, &prod_metrics).run(clock.as_ref())?;

    println!(
        "health of demand@champion: {:?} ({} of {n_features} features drifted)",
        report.verdict,
        report.features.iter().filter(|f| f.drifted).count()
    );
    println!("{:<26} {:<18} {:>10} {:>10} {:>8} {:>6}", "feature", "method", "statistic", "p-value", "PSI", "drift");
    let mut shown: Vec<_> = report.features.iter().collect();
    shown.sort_by(|a, b| b.drifted.cmp(&a.drifted).then(b.psi.total_cmp(&a.psi)));
    for f in shown.into_iter().take(6).chain(report.prediction_drift.iter()) {
        let p = f.p_value.map_or_else(|| "-".to_string(), |p| format!("{p:.2e}"));
        println!(
            "{:<26} {:<18} {:>10.4} {:>10} {:>8.4} {:>6}",
            f.feature,
            format!("{:?}", f.method),
            f.statistic,
            p,
            f.psi,
            f.drifted
        );
    }
    for m in &report.metrics {
        println!(
            "metric {}: backtest {:.4} -> production {:.4} (delta {:+.4})",
            m.metric, m.train, m.production, m.delta
        );
    }

    if report.verdict != Verdict::Healthy {
        let back = registry.rollback("demand", "champion", "cy", "drift and accuracy drop after promotion")?;
        println!("\nrolled back demand@champion: {:?} -> {:?}", back.from, back.to);
    }

    println!("\nalias history of demand:");
    println!("{:<17} {:<11} {:>4} {:>4} {:<4} reason", "when", "alias", "from", "to", "who");
    for m in registry.model_history("demand")? {
        let show = |v: Option<u32>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
        println!(
            "{:<17} {:<11} {:>4} {:>4} {:<4} {}",
            m.at.format("%Y-%m-%d %H:%M"),
            m.alias,
            show(m.from),
            show(m.to),
            m.actor,
            m.reason
        );
    }
    let day = promoted_at + TimeDelta::days(3);
    let held =
        registry.alias_at("demand", "champion", day)?.map_or_else(|| "none".to_string(), |v| format!("demand@{v}"));
    println!("\nchampion on {}: {held}", day.format("%Y-%m-%d"));
    println!("audit events recorded: {}", audit.events().len());
    std::fs::remove_dir_all(&dir).map_err(io)?;
    Ok(())
}
