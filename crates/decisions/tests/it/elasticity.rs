//! Log-log elasticity against statsmodels 0.15.0 OLS (fixture from
//! `benches/scripts/make_elasticity_fixtures.py`).

use crate::stockpyl_inventory::close;
use forecast_decisions::pricing::{PriceObservation, estimate_elasticity};
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/statsmodels_elasticity.json");

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn estimates_and_intervals_match_statsmodels() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(fixture["statsmodels_version"], "0.15.0");
    for set in fixture["sets"].as_array().unwrap() {
        let (price, units) = (floats(&set["price"]), floats(&set["units"]));
        let controls: Vec<Vec<f64>> = set["controls"].as_array().unwrap().iter().map(floats).collect();
        let names: Vec<&str> = set["control_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let obs: Vec<PriceObservation> = (0..price.len())
            .map(|i| PriceObservation { price: price[i], units: units[i], controls: controls[i].clone() })
            .collect();
        let est = estimate_elasticity(&obs, &names, set["confidence"].as_f64().unwrap()).unwrap();
        let (params, bse) = (floats(&set["params"]), floats(&set["bse"]));
        for (j, c) in est.coefficients.iter().enumerate() {
            assert!(close(c.estimate, params[j]), "{}: {} vs {}", c.name, c.estimate, params[j]);
            assert!(close(c.std_error, bse[j]), "{}: se {} vs {}", c.name, c.std_error, bse[j]);
        }
        assert!(close(est.ci_low, set["ci_low"].as_f64().unwrap()), "{} vs {}", est.ci_low, set["ci_low"]);
        assert!(close(est.ci_high, set["ci_high"].as_f64().unwrap()));
        assert!(close(est.r_squared, set["rsquared"].as_f64().unwrap()));
        assert_eq!(est.df as f64, set["df_resid"].as_f64().unwrap());
    }
}

#[test]
fn zero_sales_are_refused_with_the_observation_named() {
    let obs = vec![
        PriceObservation { price: 2.0, units: 5.0, controls: vec![] },
        PriceObservation { price: 2.5, units: 0.0, controls: vec![] },
        PriceObservation { price: 3.0, units: 3.0, controls: vec![] },
    ];
    let e = estimate_elasticity(&obs, &[], 0.95).unwrap_err();
    assert_eq!(e.parameter(), Some("observations[1].units"));
}
