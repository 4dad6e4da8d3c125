//! Registry, tracking and monitoring end to end: train two demand models, log both runs,
//! register them, make one champion, promote the other, detect drift on a shifted panel,
//! roll back, and print the alias history.
//!
//! Run with `cargo run --release --example registry`.

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use forecast::core::model::{LinearModel, Link};
use forecast::core::panel::{Frequency, Panel, Series, SeriesKey};
use forecast::core::{Clock, ManualClock, MemoryAuditSink, ModelArtifact, ModelRef, NewModelVersion, Predict};
use forecast::mlops::monitor::{FeatureKind, HealthReport};
use forecast::mlops::tracking::RunStatus;
use forecast::mlops::{HealthCheck, MlopsError, Registry, data_fingerprint};
use ndarray::Array2;
use std::collections::BTreeMap;
use std::sync::Arc;

const DAYS: usize = 365;
const TRAIN_END: usize = 300;
const FEATURES: [&str; 5] = ["lag_7", "roll_mean_7", "price", "promo", "weekend"];

/// A deterministic retail panel: 5 stores x 4 items, daily, with weekly seasonality, price
/// elasticity and promotion lift. `shift` raises prices and doubles promotions (for drift).
fn panel(shift: bool) -> Panel {
    let start = NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default();
    let mut series = Vec::new();
    for store in 0..5u64 {
        for item in 0..4u64 {
            let (mut target, mut price, mut promo) = (Vec::new(), Vec::new(), Vec::new());
            for t in 0..DAYS as u64 {
                let noise = ((t * 7919 + store * 104_729 + item * 1_299_709) % 1000) as f64 / 1000.0 - 0.5;
                let promo_every = if shift { 5 } else { 10 };
                let on_promo = (t + store + item) % promo_every == 0;
                let base_price = 2.0 + item as f64 * 1.5 + if shift { 1.2 } else { 0.0 };
                let p = base_price * if on_promo { 0.8 } else { 1.0 };
                let weekly = [1.0, 0.9, 0.9, 1.0, 1.2, 1.5, 1.4][(t % 7) as usize];
                let level = 20.0 + 6.0 * store as f64 + 4.0 * item as f64;
                let units = level * weekly * (p / (2.0 + item as f64 * 1.5)).powf(-1.3) * (1.0 + 0.15 * noise);
                target.push(units.round());
                price.push(p);
                promo.push(f64::from(u8::from(on_promo)));
            }
            series.push(Series {
                key: SeriesKey(vec![format!("store_{store}"), format!("item_{item}")]),
                start,
                target,
                regressors: vec![price, promo],
                statics: vec![store as u32, item as u32],
            });
        }
    }
    Panel {
        frequency: Frequency::Daily,
        key_names: vec!["store".into(), "item".into()],
        target_name: "units".into(),
        regressor_names: vec!["price".into(), "promo".into()],
        static_names: vec!["store".into(), "item".into()],
        static_levels: vec![
            (0..5).map(|s| format!("store_{s}")).collect(),
            (0..4).map(|i| format!("item_{i}")).collect(),
        ],
        series,
    }
}

/// One row per (series, day) in `days`: features and target.
fn design(panel: &Panel, days: std::ops::Range<usize>) -> (Vec<[f64; 5]>, Vec<f64>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for s in &panel.series {
        for t in days.clone().filter(|t| *t >= 7) {
            let roll = s.target[t - 7..t].iter().sum::<f64>() / 7.0;
            let weekend = f64::from(u8::from(matches!(t % 7, 5 | 6)));
            x.push([s.target[t - 7], roll, s.regressors[0][t], s.regressors[1][t], weekend]);
            y.push(s.target[t]);
        }
    }
    (x, y)
}

/// Ridge regression on the chosen columns by the normal equations (Gauss-Jordan).
fn fit_ridge(x: &[[f64; 5]], y: &[f64], columns: &[usize], lambda: f64) -> LinearModel {
    let p = columns.len() + 1;
    let mut a = vec![vec![0.0; p + 1]; p];
    for (row, target) in x.iter().zip(y) {
        let z: Vec<f64> = columns.iter().map(|c| row[*c]).chain([1.0]).collect();
        for i in 0..p {
            for j in 0..p {
                a[i][j] += z[i] * z[j];
            }
            a[i][p] += z[i] * target;
        }
    }
    for (i, r) in a.iter_mut().enumerate().take(p - 1) {
        r[i] += lambda;
    }
    for col in 0..p {
        let pivot = (col..p).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs())).unwrap_or(col);
        a.swap(col, pivot);
        let d = a[col][col];
        for v in &mut a[col] {
            *v /= d;
        }
        for r in 0..p {
            if r != col {
                let f = a[r][col];
                let pivot_row = a[col].clone();
                for (v, pv) in a[r].iter_mut().zip(&pivot_row) {
                    *v -= f * pv;
                }
            }
        }
    }
    let mut coefficients = vec![0.0; FEATURES.len()];
    for (k, c) in columns.iter().enumerate() {
        coefficients[*c] = a[k][p];
    }
    LinearModel { coefficients, intercept: a[p - 1][p], impute: vec![0.0; FEATURES.len()], link: Link::Identity }
}

fn matrix(x: &[[f64; 5]]) -> Array2<f64> {
    Array2::from_shape_fn((x.len(), FEATURES.len()), |(i, j)| x[i][j])
}

fn wape(actual: &[f64], pred: &[f64]) -> f64 {
    actual.iter().zip(pred).map(|(a, p)| (a - p).abs()).sum::<f64>() / actual.iter().map(|a| a.abs()).sum::<f64>()
}

fn column(x: &[[f64; 5]], j: usize) -> Vec<f64> {
    x.iter().map(|r| r[j]).collect()
}

fn main() -> Result<(), MlopsError> {
    let t0 = Utc.with_ymd_and_hms(2024, 1, 8, 9, 0, 0).single().unwrap_or_default();
    let clock = Arc::new(ManualClock::new(t0));
    let audit = Arc::new(MemoryAuditSink::new());
    let dir = std::env::temp_dir().join(format!("forecast-registry-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| MlopsError::InvalidInput(format!("{}: {e}", dir.display())))?;
    let registry = Registry::open(dir.join("mlops.db"), clock.clone(), audit.clone())?;
    let tracker = registry.tracker();

    let history = panel(false);
    let (x_train, y_train) = design(&history, 0..TRAIN_END);
    let (x_test, y_test) = design(&history, TRAIN_END..DAYS);
    let start = history.series[0].start;
    let fingerprint = data_fingerprint(
        x_train.iter().map(|r| r.as_slice()),
        Some(start),
        history.frequency.add(start, TRAIN_END as i64 - 1),
    );
    println!(
        "panel: {} series x {DAYS} days; {} training rows, {} backtest rows",
        history.series.len(),
        y_train.len(),
        y_test.len()
    );

    let candidates: [(&str, &[usize], f64); 2] = [("ridge-full", &[0, 1, 2, 3, 4], 1.0), ("ridge-lean", &[0, 2], 10.0)];
    let mut versions = Vec::new();
    for (name, columns, lambda) in candidates {
        let run = tracker.start_run("demand", name, None, "ana")?;
        let used: Vec<&str> = columns.iter().map(|c| FEATURES[*c]).collect();
        tracker.log_param(run, "features", &used.join(","))?;
        tracker.log_param(run, "lambda", &lambda.to_string())?;
        let model = fit_ridge(&x_train, &y_train, columns, lambda);
        let pred = model.predict(matrix(&x_test).view())?;
        let score = wape(&y_test, pred.as_slice().unwrap_or_default());
        // One backtest fold per week of the hold-out, logged as steps.
        for (fold, chunk) in (0..y_test.len()).collect::<Vec<_>>().chunks(y_test.len() / 5).enumerate() {
            let (a, p): (Vec<f64>, Vec<f64>) = chunk.iter().map(|i| (y_test[*i], pred[*i])).unzip();
            tracker.log_metric(run, "wape", wape(&a, &p), fold as i64)?;
        }
        tracker.log_metric(run, "wape", score, 99)?;
        tracker.end_run(run, RunStatus::Finished, "ana")?;
        let mut new = NewModelVersion::new("demand", ModelArtifact::from(model), "ana");
        new.params.insert("lambda".into(), lambda.to_string());
        new.metrics.insert("wape".into(), score);
        new.feature_names = FEATURES.iter().map(|f| f.to_string()).collect();
        new.data = Some(fingerprint.clone());
        new.tags.insert("run_id".into(), run.to_string());
        let v = registry.register(new)?;
        println!(
            "registered demand@{} ({name}): backtest WAPE {score:.4}, artifact {}",
            v.version,
            &v.artifact_sha256[..12]
        );
        versions.push((run, v));
        clock.advance(TimeDelta::hours(1));
    }

    let comparison = tracker.compare(&versions.iter().map(|(r, _)| *r).collect::<Vec<_>>())?;
    println!("\nruns side by side:\n{comparison}");
    let best = tracker.search("demand", "metrics.wape < 1 order by metrics.wape asc limit 1")?;
    let (champion, challenger) = if best[0].id == versions[0].0 { (1, 2) } else { (2, 1) };
    registry.set_alias("demand", "champion", champion, "ana", "lowest backtest WAPE")?;
    registry.set_alias("demand", "challenger", challenger, "ana", "runner-up")?;
    clock.advance(TimeDelta::days(7));
    registry.set_alias("demand", "champion", challenger, "bo", "challenger won the shadow week")?;
    let promoted_at = clock.now();

    // A week later prices rose and promotions doubled: check the serving model on it.
    clock.advance(TimeDelta::days(7));
    let shifted = panel(true);
    let (x_now, y_now) = design(&shifted, TRAIN_END..DAYS);
    let serving = registry.load_predictor(&"demand@champion".parse::<ModelRef>()?)?;
    let pred_ref = serving.predict(matrix(&x_test).view())?;
    let pred_now = serving.predict(matrix(&x_now).view())?;
    let train_metrics = BTreeMap::from([("wape".to_string(), wape(&y_test, pred_ref.as_slice().unwrap_or_default()))]);
    let prod_metrics = BTreeMap::from([("wape".to_string(), wape(&y_now, pred_now.as_slice().unwrap_or_default()))]);
    let columns: Vec<(Vec<f64>, Vec<f64>)> =
        (0..FEATURES.len()).map(|j| (column(&x_test, j), column(&x_now, j))).collect();
    let mut check = HealthCheck::new("demand@champion");
    for (j, (r, c)) in columns.iter().enumerate() {
        let kind =
            if matches!(FEATURES[j], "promo" | "weekend") { FeatureKind::Categorical } else { FeatureKind::Numerical };
        check = check.feature(FEATURES[j], kind, r, c);
    }
    let report: HealthReport = check
        .predictions(pred_ref.as_slice().unwrap_or_default(), pred_now.as_slice().unwrap_or_default())
        .metrics(&train_metrics, &prod_metrics)
        .run(clock.as_ref())?;
    println!("health of demand@champion: {:?}", report.verdict);
    println!("{:<12} {:<18} {:>10} {:>10} {:>8} {:>8}", "feature", "method", "statistic", "p-value", "PSI", "drift");
    for f in report.features.iter().chain(report.prediction_drift.iter()) {
        let p = f.p_value.map_or_else(|| "-".to_string(), |p| format!("{p:.2e}"));
        println!(
            "{:<12} {:<18} {:>10.4} {:>10} {:>8.4} {:>8}",
            f.feature,
            format!("{:?}", f.method),
            f.statistic,
            p,
            f.psi,
            f.drifted
        );
    }
    for m in &report.metrics {
        println!("metric {}: train {:.4} -> production {:.4} (delta {:+.4})", m.metric, m.train, m.production, m.delta);
    }
    for reason in &report.reasons {
        println!("  - {reason}");
    }

    if report.verdict != forecast::mlops::Verdict::Healthy {
        let back = registry.rollback("demand", "champion", "cy", "drift and accuracy drop after promotion")?;
        println!("\nrolled back demand@champion: {:?} -> {:?}", back.from, back.to);
    }

    println!("\nalias history of demand:");
    println!("{:<20} {:<11} {:>5} {:>5} {:<6} reason", "when", "alias", "from", "to", "who");
    for m in registry.model_history("demand")? {
        let show = |v: Option<u32>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
        println!(
            "{:<20} {:<11} {:>5} {:>5} {:<6} {}",
            m.at.format("%Y-%m-%d %H:%M"),
            m.alias,
            show(m.from),
            show(m.to),
            m.actor,
            m.reason
        );
    }
    let held = registry.alias_at("demand", "champion", promoted_at + TimeDelta::days(3))?;
    println!("\nchampion on {}: demand@{}", (promoted_at + TimeDelta::days(3)).format("%Y-%m-%d"), held.unwrap_or(0));
    println!("audit events recorded: {}", audit.events().len());
    std::fs::remove_dir_all(&dir).map_err(|e| MlopsError::InvalidInput(format!("{}: {e}", dir.display())))?;
    Ok(())
}
