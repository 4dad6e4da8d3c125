//! Imported LightGBM and XGBoost models predict what their own library predicted
//! (fixtures written by `benches/scripts/make_import_fixtures.py`).

use forecast_core::import::{self, lightgbm, xgboost};
use forecast_core::predictor::CompiledPredictor;
use forecast_core::tree::TreeEnsemble;
use forecast_core::{Error, ModelArtifact};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Rows (empty cell = NaN) and the originating library's predictions.
fn rows_and_expected(name: &str) -> (Vec<Vec<f64>>, Vec<f64>) {
    let text = fixture(name);
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    for line in text.lines().skip(1) {
        let mut cells: Vec<f64> =
            line.split(',').map(|c| if c.is_empty() { f64::NAN } else { c.parse().unwrap() }).collect();
        expected.push(cells.pop().unwrap());
        rows.push(cells);
    }
    (rows, expected)
}

/// `tolerance` is relative to `max(1, |expected|)`.
fn assert_matches(e: &TreeEnsemble, csv: &str, tolerance: f64) {
    let (rows, expected) = rows_and_expected(csv);
    assert_eq!(rows.len(), 200);
    let p = CompiledPredictor::compile(e).unwrap();
    let flat: Vec<f64> = rows.concat();
    let mut got = vec![0.0; rows.len()];
    p.predict_slice(&flat, &mut got).unwrap();
    let mut worst = 0.0f64;
    for (r, (row, want)) in rows.iter().zip(&expected).enumerate() {
        let reference = e.predict_row(row);
        assert_eq!(got[r].to_bits(), reference.to_bits(), "{csv} row {r}: compiled vs reference walk");
        worst = worst.max((got[r] - want).abs() / want.abs().max(1.0));
    }
    assert!(worst <= tolerance, "{csv}: max relative |ours - library| = {worst:e} > {tolerance:e}");
}

#[test]
fn lightgbm_poisson_with_nan_and_categorical_splits() {
    let e = lightgbm::parse(&fixture("lgbm_poisson.txt")).unwrap();
    assert_eq!(e.n_features, 5);
    assert_eq!(e.trees.len(), 20);
    assert_matches(&e, "lgbm_poisson.csv", 1e-9);
}

#[test]
fn lightgbm_zero_as_missing() {
    let e = lightgbm::parse(&fixture("lgbm_zero.txt")).unwrap();
    assert_matches(&e, "lgbm_zero.csv", 1e-9);
}

/// XGBoost adds its `f32` leaves in `f32` (one rounding of at most 2^-24 relative per tree,
/// plus the base score and the transform) while we add them in `f64`: the bound is those
/// roundings, not a fitted number.
#[test]
fn xgboost_tweedie_and_logistic() {
    let f32_sum_bound = |e: &TreeEnsemble| (e.trees.len() + 2) as f64 * f64::from(f32::EPSILON) / 2.0;
    let e = xgboost::parse(&fixture("xgb_tweedie.json")).unwrap();
    assert_eq!(e.feature_names, vec!["lag_7", "price", "discount", "dow", "store"]);
    assert_matches(&e, "xgb_tweedie.csv", f32_sum_bound(&e));
    let e = xgboost::parse(&fixture("xgb_logistic.json")).unwrap();
    assert_matches(&e, "xgb_logistic.csv", f32_sum_bound(&e));
}

#[test]
fn detect_tells_formats_apart() {
    for (file, trees) in [("lgbm_zero.txt", 20), ("xgb_logistic.json", 15)] {
        match import::detect(&fixture(file)).unwrap() {
            ModelArtifact::TreeEnsemble(e) => assert_eq!(e.trees.len(), trees, "{file}"),
            other => panic!("{file}: {}", other.kind()),
        }
    }
}

#[test]
fn import_errors_name_the_place() {
    let text = fixture("lgbm_zero.txt").replacen("left_child=", "left_child=99 ", 1);
    match lightgbm::parse(&text) {
        Err(Error::ModelImport { place, message, .. }) => {
            assert!(place.contains("Tree=0") && place.contains("left_child"), "{place}");
            assert!(message.contains("expected"), "{message}");
        }
        other => panic!("expected an import error, got {other:?}"),
    }
    let json = fixture("xgb_logistic.json").replacen("\"split_indices\":[", "\"split_indices\":[77,", 1);
    let err = xgboost::parse(&json).unwrap_err().to_string();
    assert!(err.contains("trees[0]"), "{err}");
}
