//! Agreement with the reference libraries on imported models (fixtures written by
//! benches/scripts/make_shap_fixtures.py with LightGBM 4.7.0 and XGBoost 3.2.0).

use crate::{fixture, matrix, read};
use forecast_core::import::xgboost;
use forecast_xai::treeshap::{Strategy, lightgbm_contrib_model, lightgbm_input};
use forecast_xai::{InterventionalShap, TreeShap, read_feature_rows};
use ndarray::{Array2, ArrayView2};

fn rel(a: f64, b: f64) -> f64 {
    if a == b { 0.0 } else { (a - b).abs() / a.abs().max(b.abs()) }
}

/// Rows of a fixture as LightGBM's prediction API hands them to the trees.
fn lightgbm_rows(name: &str, names: &[String]) -> Array2<f64> {
    let mut x = read_feature_rows(&read(name), &fixture(name), names).unwrap().x;
    for mut row in x.rows_mut() {
        lightgbm_input(row.as_slice_mut().unwrap());
    }
    x
}

fn worst(got: ArrayView2<'_, f64>, want: ArrayView2<'_, f64>) -> (f64, usize) {
    assert_eq!(got.dim(), want.dim());
    let errs: Vec<f64> = got.iter().zip(want.iter()).map(|(a, b)| rel(*a, *b)).collect();
    (errs.iter().copied().fold(0.0, f64::max), errs.iter().filter(|e| **e != 0.0).count())
}

fn check_lightgbm(name: &str) {
    let model = lightgbm_contrib_model(&read(&format!("{name}.txt"))).unwrap();
    let x = lightgbm_rows(&format!("{name}_rows.csv"), &model.feature_names);
    let (header, want) = matrix(&format!("{name}_contrib.csv"));
    assert_eq!(header.last().map(String::as_str), Some("bias"));
    for strategy in [Strategy::Auto, Strategy::Exact, Strategy::Direct, Strategy::Tables] {
        let got = TreeShap::new(&model).unwrap().strategy(strategy).explain(x.view()).unwrap();
        assert_eq!(got.feature_names(), &header[..header.len() - 1]);
        let (err, differing) = worst(got.as_pred_contrib(), want.view());
        assert!(err <= 1e-9, "{name} {strategy:?}: worst relative error {err:e}");
        if strategy != Strategy::Auto {
            // The arithmetic is LightGBM's own, so the values are identical, not merely close.
            assert_eq!(differing, 0, "{name} {strategy:?}: {differing} values differ (worst {err:e})");
        }
    }
}

#[test]
fn lightgbm_numeric_matches_pred_contrib() {
    check_lightgbm("lgbm_numeric");
}

#[test]
fn lightgbm_nan_matches_pred_contrib() {
    check_lightgbm("lgbm_nan");
}

#[test]
fn lightgbm_categorical_matches_pred_contrib() {
    check_lightgbm("lgbm_categorical");
}

#[test]
fn lightgbm_zero_missing_binary_sigmoid_matches_pred_contrib() {
    check_lightgbm("lgbm_zero");
}

#[test]
fn lightgbm_random_forest_matches_pred_contrib() {
    check_lightgbm("lgbm_rf");
}

#[test]
fn interventional_matches_the_definition_on_lightgbm() {
    let model = lightgbm_contrib_model(&read("lgbm_nan.txt")).unwrap();
    let names = &model.feature_names;
    let bg = lightgbm_rows("lgbm_nan_background.csv", names);
    let x = lightgbm_rows("lgbm_nan_interventional_rows.csv", names);
    let (_, want) = matrix("lgbm_nan_interventional.csv");
    let got = InterventionalShap::new(&model, bg.view()).unwrap().explain(x.view()).unwrap();
    // The reference sums 512 Shapley-weighted differences per value, each carrying rounding.
    for (g, w) in got.as_pred_contrib().iter().zip(want.iter()) {
        assert!((g - w).abs() <= 1e-9 * (w.abs() + 1e-3), "{g} vs {w}");
    }
    for (r, row) in x.rows().into_iter().enumerate() {
        let total: f64 = got.as_pred_contrib().row(r).sum();
        assert!(rel(total, model.raw_row(&row.to_vec())) <= 1e-12);
    }
}

#[test]
fn xgboost_sum_hessian_covers_match_pred_contribs() {
    let model = xgboost::parse(&read("xgb_tweedie.json")).unwrap();
    let x = read_feature_rows(&read("xgb_tweedie_rows.csv"), &fixture("x"), &model.feature_names).unwrap().x;
    let (_, want) = matrix("xgb_tweedie_contrib.csv");
    let got = TreeShap::new(&model).unwrap().explain(x.view()).unwrap();
    // XGBoost accumulates its contributions in float32.
    for (g, w) in got.as_pred_contrib().iter().zip(want.iter()) {
        assert!((g - w).abs() <= 2e-5 * (1.0 + w.abs()), "{g} vs {w}");
    }
}
