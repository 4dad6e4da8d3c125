//! Golden tests: the inventory calculator against stockpyl 1.0.2's own outputs.
//!
//! The fixture is written by `benches/scripts/make_stockpyl_fixtures.py` (stockpyl 1.0.2) on
//! seeded random inputs; every value must agree to 1e-6 relative.

use forecast_decisions::calculator::evaluate;
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/stockpyl_inventory.json");

pub(crate) fn close(got: f64, want: f64) -> bool {
    let scale = want.abs().max(1e-12);
    (got - want).abs() <= 1e-6 * scale
}

#[test]
fn every_policy_matches_stockpyl_to_1e_6_relative() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(fixture["stockpyl_version"], "1.0.2");
    let cases = fixture["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut per_policy = std::collections::BTreeMap::<String, usize>::new();
    for case in cases {
        let request = &case["request"];
        *per_policy.entry(request["policy"].as_str().unwrap().to_owned()).or_default() += 1;
        let got = match evaluate(request) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{request}: error {e}"));
                continue;
            }
        };
        for (key, want) in case["expected"].as_object().unwrap() {
            let ok = match want {
                Value::Array(w) => got[key].as_array().is_some_and(|g| {
                    g.len() == w.len() && g.iter().zip(w).all(|(g, w)| close(g.as_f64().unwrap(), w.as_f64().unwrap()))
                }),
                _ => got[key].as_f64().is_some_and(|g| close(g, want.as_f64().unwrap())),
            };
            if !ok {
                failures.push(format!("{request}: {key} got {} want {want}", got[key]));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    for policy in forecast_decisions::calculator::POLICIES {
        assert!(per_policy.get(policy).copied().unwrap_or(0) >= 30, "too few {policy} cases: {per_policy:?}");
    }
}
