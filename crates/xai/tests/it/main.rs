//! Integration tests of forecast-xai (one binary, as house style asks).

// Helpers shared by the tests (not #[test] functions themselves) unwrap too.
#![allow(clippy::unwrap_used)]

mod additivity;
mod counterfactual;
mod covers;
mod reference;
mod report;
mod tools;

use ndarray::Array2;
use std::path::{Path, PathBuf};

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
