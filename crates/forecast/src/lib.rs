#![doc = include_str!("../README.md")]
//!
//! # Feature flags
//! - `linfa`: linfa-linear, linfa-elasticnet and linfa-trees adapters in [`core`].
//! - `smartcore`: smartcore random forest and extra trees adapters in [`core`].
//! - `full`: all of the above.

pub use forecast_core as core;

/// The types most programs need.
pub mod prelude {
    pub use forecast_core::backtest::Backtest;
    pub use forecast_core::forecast::{
        Forecaster, Forecasts, GlobalForecaster, LocalForecaster, Strategy, forecast_ahead,
    };
    pub use forecast_core::{
        AuditEvent, AuditSink, Clock, Error, Fit, Frequency, ModelArtifact, ModelRef, ModelStore, Panel, ParamGuard,
        Predict, Series, SeriesKey, SystemClock,
    };
}
