//! Behaviour tests of the whole learner.

use super::*;
use crate::{Error, Fit, ModelArtifact, ParamGuard, Predict};
use ndarray::{Array1, Array2, Axis};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn uniform(n: usize, p: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, p), |_| rng.random_range(0.0..10.0))
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    // Knuth's method; fine for the small means used here.
    let limit = (-mean).exp();
    let (mut k, mut prod) = (0.0, rng.random_range(0.0..1.0));
    while prod > limit {
        k += 1.0;
        prod *= rng.random_range(0.0..1.0);
    }
    k
}

fn mean(v: &Array1<f64>) -> f64 {
    v.mean().unwrap_or(f64::NAN)
}

#[test]
fn learns_a_step_and_a_linear_function() {
    // 100 distinct values on the step feature: one bin each, so no bin straddles the step.
    let x = uniform(2000, 3, 1).mapv(|v| (v * 10.0).floor() / 10.0);
    let step: Array1<f64> = x.column(0).mapv(|v| if v > 5.0 { 3.0 } else { -1.0 });
    let m = Gbdt::params().n_rounds(60).learning_rate(0.3).check().unwrap().fit(x.view(), step.view()).unwrap();
    let pred = m.predict(x.view()).unwrap();
    for ((p, s), v) in pred.iter().zip(&step).zip(x.column(0)) {
        assert!((p - s).abs() < 1e-3, "x = {v}: predicted {p}, expected {s}");
    }
    let gain = m.importance(ImportanceKind::Gain);
    assert!(gain[0] > 1e6 * (gain[1] + gain[2]), "{gain:?}");
    assert!(m.importance(ImportanceKind::Split)[0] >= 1.0);

    let line: Array1<f64> = x.column(1).mapv(|v| 2.0 * v + 1.0);
    let m = Gbdt::params().n_rounds(200).learning_rate(0.2).check().unwrap().fit(x.view(), line.view()).unwrap();
    let rmse = (&m.predict(x.view()).unwrap() - &line).mapv(|e| e * e).mean().unwrap().sqrt();
    assert!(rmse < 0.15, "rmse {rmse}");
    let gain = m.importance(ImportanceKind::Gain);
    assert!(gain[1] > 100.0 * (gain[0] + gain[2]), "{gain:?}");
}

#[test]
fn missing_values_learn_their_default_direction() {
    let mut x = uniform(3000, 1, 2);
    let mut y = Array1::zeros(3000);
    for (i, v) in x.column_mut(0).iter_mut().enumerate() {
        y[i] = if *v > 5.0 { 4.0 } else { 0.0 };
        if i % 3 == 0 {
            *v = f64::NAN;
        }
    }
    let fit = |y: &Array1<f64>| Gbdt::params().n_rounds(40).learning_rate(0.3).check().unwrap().fit(x.view(), y.view());
    let probe = Array2::from_shape_vec((3, 1), vec![f64::NAN, 1.0, 9.0]).unwrap();
    // NaN rows with the high target must join the right side ...
    let mut high = y.clone();
    high.iter_mut().step_by(3).for_each(|v| *v = 4.0);
    let p = fit(&high).unwrap().predict(probe.view()).unwrap();
    assert!((p[0] - 4.0).abs() < 0.05 && p[1].abs() < 0.05 && (p[2] - 4.0).abs() < 0.05, "{p}");
    // ... and with the low target the left side.
    let mut low = y;
    low.iter_mut().step_by(3).for_each(|v| *v = 0.0);
    let m = fit(&low).unwrap();
    let p = m.predict(probe.view()).unwrap();
    assert!(p[0].abs() < 0.05 && (p[2] - 4.0).abs() < 0.05, "{p}");
    let crate::tree::Node::Split(root) = &m.ensemble().trees[0].nodes[0] else { panic!("first tree is a stump") };
    assert!(root.default_left);
}

#[test]
fn poisson_and_tweedie_are_positive_and_calibrated_in_mean() {
    let x = uniform(3000, 2, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let y: Array1<f64> = x.rows().into_iter().map(|r| poisson(&mut rng, (0.2 * r[0] - 1.0).exp())).collect();
    for objective in [Objective::Poisson, Objective::Tweedie { variance_power: 1.3 }] {
        let m = Gbdt::params().objective(objective).n_rounds(80).check().unwrap().fit(x.view(), y.view()).unwrap();
        assert_eq!(m.ensemble().transform, crate::tree::OutputTransform::Exp);
        let pred = m.predict(x.view()).unwrap();
        assert!(pred.iter().all(|&v| v > 0.0), "{objective:?}");
        let (pm, ym) = (mean(&pred), mean(&y));
        assert!((pm / ym - 1.0).abs() < 0.02, "{objective:?}: mean prediction {pm} vs mean target {ym}");
    }
}

#[test]
fn quantile_090_covers_about_ninety_percent() {
    let x = uniform(4000, 1, 5);
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let y: Array1<f64> = x.column(0).mapv(|v| v + rng.random_range(-3.0..3.0));
    let m = Gbdt::params()
        .objective(Objective::Quantile { alpha: 0.9 })
        .n_rounds(100)
        .check()
        .unwrap()
        .fit(x.view(), y.view())
        .unwrap();
    let pred = m.predict(x.view()).unwrap();
    let covered = y.iter().zip(&pred).filter(|(y, p)| y <= p).count() as f64 / y.len() as f64;
    assert!((covered - 0.9).abs() < 0.03, "coverage {covered}");
}

#[test]
fn early_stopping_stops_and_truncates_to_the_best_round() {
    let x = uniform(1500, 3, 7);
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let y: Array1<f64> = x.column(0).mapv(|v| v + rng.random_range(-5.0..5.0));
    let (xt, xv) = x.view().split_at(Axis(0), 1000);
    let (yt, yv) = y.view().split_at(Axis(0), 1000);
    let params = Gbdt::params().n_rounds(500).learning_rate(0.3).min_data_in_leaf(5).early_stopping_rounds(10);
    let m = params.check().unwrap().fit_with_validation(xt, yt, xv, yv).unwrap();
    assert!(m.best_iteration() < 100, "best iteration {}", m.best_iteration());
    assert_eq!(m.ensemble().trees.len(), m.best_iteration());
    let pred = m.predict(xv).unwrap();
    let mse = (&pred - &yv).mapv(|e| e * e).mean().unwrap();
    let best = m.best_validation_loss().unwrap();
    assert!((mse - best).abs() <= 1e-9 * best, "{mse} vs {best}");
}

#[test]
fn early_stopping_without_validation_data_is_an_error() {
    let x = uniform(200, 2, 3);
    let y: Array1<f64> = x.column(0).to_owned();
    let p = Gbdt::params().early_stopping_rounds(5).check().unwrap();
    let e = p.fit(x.view(), y.view()).unwrap_err();
    assert!(matches!(e, Error::InvalidParam { name: "early_stopping_rounds", .. }), "{e}");
}

#[test]
fn zero_feature_columns_with_feature_sampling_is_an_error() {
    let x = Array2::<f64>::zeros((30, 0));
    let y = Array1::<f64>::ones(30);
    let p = Gbdt::params().feature_fraction(0.5).check().unwrap();
    assert!(matches!(p.fit(x.view(), y.view()), Err(Error::InvalidParam { name: "feature_fraction", .. })));
}

#[test]
fn same_seed_same_model_any_thread_count() {
    let x = uniform(1200, 4, 9);
    let y: Array1<f64> = x.rows().into_iter().map(|r| r[0] * r[1] - r[2]).collect();
    let params = |seed, threads| {
        Gbdt::params().n_rounds(20).bagging_fraction(0.7).feature_fraction(0.5).seed(seed).threads(threads)
    };
    let fit = |p: GbdtParams| p.check().unwrap().fit(x.view(), y.view()).unwrap();
    let a = fit(params(11, 1));
    assert_eq!(a, fit(params(11, 2)));
    assert_ne!(a, fit(params(12, 1)));
}

#[test]
fn serde_round_trip_predicts_bit_identically() {
    let mut x = uniform(800, 3, 10);
    x[[0, 1]] = f64::NAN;
    let y: Array1<f64> = x.column(0).mapv(|v| (v / 3.0).floor());
    let m = Gbdt::params()
        .objective(Objective::Tweedie { variance_power: 1.5 })
        .n_rounds(30)
        .min_data_in_leaf(5)
        .check()
        .unwrap()
        .fit(x.view(), y.view())
        .unwrap();
    let expected = m.predict(x.view()).unwrap();
    let artifact = ModelArtifact::from(m);
    assert_eq!(artifact.kind(), "gbdt");
    for loaded in [
        ModelArtifact::from_json(&artifact.to_json().unwrap()).unwrap(),
        ModelArtifact::from_bytes(&artifact.to_bytes().unwrap()).unwrap(),
    ] {
        assert_eq!(loaded, artifact);
        let got = loaded.into_predictor().unwrap().predict(x.view()).unwrap();
        assert!(got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let x = uniform(50, 2, 11);
    let p = Gbdt::params().check().unwrap();
    let short = Array1::zeros(49);
    assert!(matches!(p.fit(x.view(), short.view()), Err(Error::ShapeMismatch { .. })));
    let mut y = Array1::ones(50);
    y[3] = f64::NAN;
    assert!(matches!(p.fit(x.view(), y.view()), Err(Error::InvalidData(_))));
    y[3] = -1.0;
    let poisson = Gbdt::params().objective(Objective::Poisson).check().unwrap();
    assert!(matches!(poisson.fit(x.view(), y.view()), Err(Error::InvalidData(m)) if m.contains(">= 0")));
    let m = p.fit(x.view(), y.view()).unwrap();
    assert!(matches!(m.predict(uniform(2, 3, 0).view()), Err(Error::ShapeMismatch { expected: 2, got: 3, .. })));
    let xv = uniform(10, 3, 12);
    assert!(p.fit_with_validation(x.view(), y.view(), xv.view(), Array1::zeros(10).view()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn row_order_does_not_change_the_fit(n in 30usize..120, seed in 0u64..1000, shift in 1usize..29) {
        let x = uniform(n, 3, seed);
        let y: Array1<f64> = x.rows().into_iter().map(|r| r[0].sin() * 3.0 + r[1]).collect();
        let perm: Vec<usize> = (0..n).map(|i| (i * shift + seed as usize) % n).collect();
        prop_assume!({ let mut s = perm.clone(); s.sort_unstable(); s.dedup(); s.len() == n });
        let xp = x.select(Axis(0), &perm);
        let yp = y.select(Axis(0), &perm);
        let p = Gbdt::params().n_rounds(15).min_data_in_leaf(3).num_leaves(7).check().unwrap();
        let a = p.fit(x.view(), y.view()).unwrap().predict(x.view()).unwrap();
        let b = p.fit(xp.view(), yp.view()).unwrap().predict(x.view()).unwrap();
        for (u, v) in a.iter().zip(&b) {
            prop_assert!((u - v).abs() < 1e-6, "{} vs {}", u, v);
        }
    }
}
