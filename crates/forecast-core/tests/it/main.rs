//! forecast-core integration tests (one binary, one module per topic).

// Test helpers (not `#[test]` functions themselves) fail the test by panicking, as tests do.
#![allow(clippy::unwrap_used)]

mod import_fixtures;
mod pipeline;
mod predictor_exact;
mod stats_vs_statsforecast;
