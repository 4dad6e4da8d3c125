#![doc = include_str!("../README.md")]
//!
//! # Feature flags
//! - `linfa`: linfa-linear, linfa-elasticnet and linfa-trees adapters in [`core`].
//! - `smartcore`: smartcore random forest and extra trees adapters in [`core`].
//! - `mlops`: model registry, experiment tracking and drift monitoring ([`mlops`]).
//! - `full`: all of the above.

pub use forecast_core as core;
#[cfg(feature = "mlops")]
pub use forecast_mlops as mlops;

/// The types most programs need.
pub mod prelude {
    pub use forecast_core::{
        AuditEvent, AuditSink, Clock, Error, Fit, Frequency, ModelArtifact, ModelRef, ModelStore, Panel, ParamGuard,
        Predict, Series, SeriesKey, SystemClock,
    };
}
