#![doc = include_str!("../README.md")]
//!
//! # Feature flags
//! - `linfa`: linfa-linear, linfa-elasticnet and linfa-trees adapters in [`core`].
//! - `smartcore`: smartcore random forest and extra trees adapters in [`core`].
//! - `security`: [`security`]: users, RBAC with tenant and region scopes, sessions, the hash-chained
//!   audit log, guarded model operations, rate limits and data scopes.
//! - `full`: all of the above.

pub use forecast_core as core;
#[cfg(feature = "security")]
pub use forecast_security as security;

/// The types most programs need.
pub mod prelude {
    pub use forecast_core::{
        AuditEvent, AuditSink, Clock, Error, Fit, Frequency, ModelArtifact, ModelRef, ModelStore, Panel, ParamGuard,
        Predict, Series, SeriesKey, SystemClock,
    };
}
