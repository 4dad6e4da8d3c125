#![doc = include_str!("../README.md")]
//!
//! # Feature flags
//! - `linfa`: linfa-linear, linfa-elasticnet and linfa-trees adapters in [`core`].
//! - `smartcore`: smartcore random forest and extra trees adapters in [`core`].
//! - `tenancy`: tenants, plans and entitlements, quotas, metering, invoices, white-label ([`tenancy`]).
//! - `full`: all of the above.

pub use forecast_core as core;
#[cfg(feature = "tenancy")]
pub use forecast_tenancy as tenancy;

/// The types most programs need.
pub mod prelude {
    pub use forecast_core::{
        AuditEvent, AuditSink, Clock, Error, Fit, Frequency, ModelArtifact, ModelRef, ModelStore, Panel, ParamGuard,
        Predict, Series, SeriesKey, SystemClock,
    };
}
