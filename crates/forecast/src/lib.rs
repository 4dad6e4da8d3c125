#![doc = include_str!("../README.md")]
//!
//! # Feature flags
//! - `linfa`: linfa-linear (OLS, Tweedie GLM) and linfa-elasticnet adapters in `core::adapters`
//!   (linfa-trees only classifies, so it is not offered).
//! - `smartcore`: smartcore random forest and extra trees adapters in `core::adapters`.
//! - `mlops`: model registry, experiment tracking and drift monitoring ([`mlops`]).
//! - `security`: [`security`]: users, RBAC with tenant and region scopes, sessions, the hash-chained
//!   audit log, guarded model operations, rate limits and data scopes.
//! - `tenancy`: tenants, plans and entitlements, quotas, metering, invoices, white-label ([`tenancy`]).
//! - `decisions`: [`decisions`]: inventory policies on the forecast's own distribution
//!   (stockpyl-compatible), policy simulation, price elasticity, store expansion, recommendations.
//! - `realtime`: [`realtime`]: stream sources and the replay simulator, rolling statistics, streaming
//!   anomaly detectors (z-score, MAD, EWMA, CUSUM, forecast residual, Half-Space Trees, ADWIN) and alerts.
//! - `agent`: business questions answered through typed tools: tool registry, planner, executor ([`agent`]).
//! - `full`: all of the above.

#[cfg(feature = "agent")]
pub use forecast_agent as agent;
pub use forecast_core as core;
#[cfg(feature = "decisions")]
pub use forecast_decisions as decisions;
#[cfg(feature = "mlops")]
pub use forecast_mlops as mlops;
#[cfg(feature = "realtime")]
pub use forecast_realtime as realtime;
#[cfg(feature = "security")]
pub use forecast_security as security;
#[cfg(feature = "tenancy")]
pub use forecast_tenancy as tenancy;

/// The types most programs need.
pub mod prelude {
    pub use forecast_core::backtest::Backtest;
    pub use forecast_core::baseline::{BaselineModel, SeriesForecaster};
    pub use forecast_core::data::{
        CsvSpec, GapPolicy, IngestMode, IngestOptions, IngestReport, RetailGenerator, SalesRecord, default_panel,
        read_csv,
    };
    pub use forecast_core::features::{DesignMatrix, FeatureBuilder, FeatureSpec};
    pub use forecast_core::forecast::{
        Forecaster, Forecasts, GlobalForecaster, LocalForecaster, Strategy, forecast_ahead,
    };
    pub use forecast_core::metrics::{Evaluation, EvaluationSummary, MetricSet};
    pub use forecast_core::{
        AuditEvent, AuditSink, Clock, Error, Fit, Frequency, ModelArtifact, ModelRef, ModelStore, Panel, ParamGuard,
        Predict, Series, SeriesKey, SystemClock,
    };
}
