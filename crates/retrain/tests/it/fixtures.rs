//! Golden values from benches/scripts/make_retrain_fixtures.py: scikit-learn 1.9.1's
//! HalvingGridSearchCV / HalvingRandomSearchCV schedules, and the PyPI package
//! `dieboldmariano` 1.1.0's `dm_test` (acf variance, Harvey correction).

use forecast_retrain::{Alternative, HalvingSchedule, MinResources, diebold_mariano};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

#[test]
fn halving_schedule_equals_scikit_learn() {
    let fx = load("halving_sklearn.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for c in cases {
        let max = c["max_resources"].as_u64().unwrap() as usize;
        let aggressive = c["aggressive"].as_bool().unwrap();
        let got = if c["candidates"] == "exhaust" {
            HalvingSchedule::exhaust_candidates(c["min_resources"].as_u64().unwrap() as usize, max, 3, aggressive)
        } else {
            let n = c["candidates"].as_u64().unwrap() as usize;
            // scikit-learn's "smallest" for a regressor with 2 folds is 2 x 2 samples.
            let min = match c["min_resources"].as_u64() {
                Some(m) => MinResources::Fixed(m as usize),
                None => MinResources::Exhaust { floor: 4 },
            };
            HalvingSchedule::new(n, min, max, 3, aggressive)
        }
        .unwrap();
        assert_eq!(got.n_candidates, usizes(&c["n_candidates"]), "{c}");
        assert_eq!(got.n_resources, usizes(&c["n_resources"]), "{c}");
        assert_eq!(got.min_resources, c["min_resources_"].as_u64().unwrap() as usize, "{c}");
        assert_eq!(got.n_possible_iterations, c["n_possible_iterations"].as_u64().unwrap() as usize, "{c}");
        assert_eq!(got.n_required_iterations, c["n_required_iterations"].as_u64().unwrap() as usize, "{c}");
    }
}

#[test]
fn diebold_mariano_matches_the_reference_to_1e9() {
    let fx = load("diebold_mariano.json");
    for c in fx["cases"].as_array().unwrap() {
        let d: Vec<f64> = c["d"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let h = c["horizon"].as_u64().unwrap() as usize;
        let two = diebold_mariano(&d, h, Alternative::TwoSided).unwrap();
        let one = diebold_mariano(&d, h, Alternative::Greater).unwrap();
        let stat = c["statistic"].as_f64().unwrap();
        assert!((two.statistic - stat).abs() < 1e-9 * stat.abs().max(1.0), "{} vs {stat}", two.statistic);
        assert!((two.p_value - c["p_two_sided"].as_f64().unwrap()).abs() < 1e-9, "{:?} {c}", two);
        assert!((one.p_value - c["p_challenger_better"].as_f64().unwrap()).abs() < 1e-9, "{:?}", one);
    }
}
