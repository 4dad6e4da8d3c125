use super::start;
use forecast_core::ManualClock;
use forecast_mlops::monitor::{DecayInput, FeatureKind, HealthCheck, HealthReport, Verdict};
use std::collections::BTreeMap;

fn wave(n: usize, shift: f64) -> Vec<f64> {
    (0..n).map(|i| ((i * 37 + 11) % 101) as f64 / 10.0 + shift).collect()
}

#[test]
fn stable_data_is_healthy_and_shifted_data_degraded() {
    let clock = ManualClock::new(start());
    let (price, promo) = (wave(500, 0.0), (0..500).map(|i| (i % 3 == 0) as u8 as f64).collect::<Vec<_>>());
    let healthy = HealthCheck::new("demand@champion")
        .feature("price", FeatureKind::Numerical, &price, &price)
        .feature("promo", FeatureKind::Categorical, &promo, &promo)
        .predictions(&price, &price)
        .run(&clock)
        .unwrap();
    assert_eq!(healthy.verdict, Verdict::Healthy, "{:?}", healthy.reasons);
    assert!(!healthy.dataset_drift && healthy.reasons.is_empty());

    let shifted = wave(500, 2.0);
    let report = HealthCheck::new("demand@champion")
        .feature("price", FeatureKind::Numerical, &price, &shifted)
        .feature("promo", FeatureKind::Categorical, &promo, &promo)
        .predictions(&price, &shifted)
        .run(&clock)
        .unwrap();
    assert_eq!(report.verdict, Verdict::Degraded);
    assert_eq!(report.drifted_share, 0.5);
    assert!(report.dataset_drift && report.prediction_drift.as_ref().unwrap().drifted);
    assert_eq!(report.generated_at, start());
    let back: HealthReport = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(back, report);
}

#[test]
fn one_drifted_feature_of_three_is_a_warning() {
    let clock = ManualClock::new(start());
    let (x, y) = (wave(400, 0.0), wave(400, 1.5));
    let report = HealthCheck::new("m@1")
        .feature("a", FeatureKind::Numerical, &x, &x)
        .feature("b", FeatureKind::Numerical, &x, &x)
        .feature("c", FeatureKind::Numerical, &x, &y)
        .run(&clock)
        .unwrap();
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(report.reasons.len(), 1);
    assert!(report.reasons[0].contains("`c`"));
}

#[test]
fn production_metrics_and_decay_against_the_backtest() {
    let clock = ManualClock::new(start());
    let train = BTreeMap::from([("wape".to_string(), 0.20), ("r2".to_string(), 0.80), ("bias".to_string(), 0.0)]);
    let production = BTreeMap::from([("wape".to_string(), 0.21), ("r2".to_string(), 0.60), ("bias".to_string(), 0.0)]);
    let report = HealthCheck::new("m@1").metrics(&train, &production).run(&clock).unwrap();
    let by_name = |n: &str| report.metrics.iter().find(|m| m.metric == n).unwrap().clone();
    let wape = by_name("wape");
    assert!((wape.delta - 0.01).abs() < 1e-12 && !wape.degraded, "5% worse is inside the 10% tolerance");
    let r2 = by_name("r2");
    assert!(r2.higher_is_better && r2.degraded && (r2.relative_delta.unwrap() + 0.25).abs() < 1e-12);
    assert_eq!(by_name("bias").relative_delta, None);
    assert_eq!(report.verdict, Verdict::Degraded);

    // Actuals 100 each period; errors grow from 10 to 40 in the last window.
    let actual = vec![100.0; 12];
    let predicted: Vec<f64> = (0..12).map(|i| if i < 8 { 110.0 } else { 140.0 }).collect();
    let input = DecayInput {
        actual: &actual,
        predicted: &predicted,
        window: 4,
        baseline_wape: 0.12,
        mase: Some((0.5, 20.0)),
        tolerance: 0.2,
    };
    let decay = HealthCheck::new("m@1").decay(input).run(&clock).unwrap();
    let d = decay.decay.as_ref().unwrap();
    assert_eq!(d.rolling_wape.len(), 9);
    assert!((d.rolling_wape[0] - 0.1).abs() < 1e-12 && (d.rolling_wape[8] - 0.4).abs() < 1e-12);
    assert!((d.rolling_mase[0] - 0.5).abs() < 1e-12);
    assert!(d.decayed && decay.verdict == Verdict::Degraded);
    let fine = DecayInput { predicted: &actual, ..input };
    assert_eq!(HealthCheck::new("m@1").decay(fine).run(&clock).unwrap().verdict, Verdict::Healthy);
    let bad = DecayInput { window: 0, ..input };
    assert!(HealthCheck::new("m@1").decay(bad).run(&clock).is_err());
}
