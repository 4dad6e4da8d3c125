//! Integration tests of forecast-xai (one binary, as house style asks).

// Helpers shared by the tests (not #[test] functions themselves) unwrap too.
#![allow(clippy::unwrap_used)]

mod additivity;
mod counterfactual;
mod covers;
mod reference;
mod report;
mod tools;

use forecast_core::ParamGuard;
use forecast_core::data::generator::{GeneratedData, RetailGenerator};
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::GlobalForecaster;
use forecast_core::gbdt::Gbdt;
use forecast_core::pipeline::ForecastPipeline;
use ndarray::Array2;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A small generated panel (2 stores x 3 items x 300 days, 14 days of plan) and a GBDT
/// pipeline fitted on it (60 rounds, 7 steps), shared by the tests that forecast.
pub(crate) fn fitted() -> &'static (GeneratedData, ForecastPipeline) {
    static FITTED: OnceLock<(GeneratedData, ForecastPipeline)> = OnceLock::new();
    FITTED.get_or_init(|| {
        let data = RetailGenerator::new(7).stores(2).items(3).days(300).future_days(14).generate();
        let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
        let gbdt = Gbdt::params().n_rounds(60).check().unwrap();
        let pipeline = GlobalForecaster::new("gbdt", gbdt, features).horizon(7).fit_pipeline(&data.panel).unwrap();
        (data, pipeline)
    })
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub(crate) fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// A CSV of numbers with a header (empty cell = NaN), as the fixture scripts write them.
pub(crate) fn matrix(name: &str) -> (Vec<String>, Array2<f64>) {
    let text = read(name);
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let mut data = Vec::new();
    let mut n = 0;
    for line in lines {
        data.extend(line.split(',').map(|c| if c.is_empty() { f64::NAN } else { c.parse::<f64>().unwrap() }));
        n += 1;
    }
    let p = header.len();
    (header, Array2::from_shape_vec((n, p), data).unwrap())
}
