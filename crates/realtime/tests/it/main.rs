//! Integration tests of forecast-realtime (one binary, as house style asks).

// Helpers shared by the tests (not #[test] functions themselves) unwrap too.
#![allow(clippy::unwrap_used)]

mod alert;
mod engine;
mod river;
mod source;
mod stats;

use serde_json::Value;
use std::sync::OnceLock;

/// River 0.26.1's golden values, written by `benches/scripts/river_fixtures.py`.
pub(crate) fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| serde_json::from_str(include_str!("../fixtures/river.json")).unwrap())
}

/// A JSON number, or one of the strings "nan", "inf", "-inf".
pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.as_f64().unwrap(),
    }
}

pub(crate) fn nums(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

pub(crate) fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * (1.0 + b.abs())
}
