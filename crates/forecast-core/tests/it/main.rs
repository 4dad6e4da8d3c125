//! forecast-core integration tests (one binary, one module per topic).

mod import_fixtures;
mod predictor_exact;
