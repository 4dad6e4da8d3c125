#![doc = include_str!("../README.md")]

pub mod adapters;
pub mod artifact;
pub mod audit;
pub mod authorization;
pub mod backtest;
pub mod baseline;
pub mod branding;
pub mod clock;
pub mod data;
pub mod drift;
pub mod error;
pub mod features;
pub mod forecast;
pub mod gbdt;
pub mod import;
pub mod interval;
pub mod metrics;
pub mod model;
pub mod model_store;
pub mod panel;
pub mod pipeline;
pub mod predictor;
pub mod special;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod stats;
pub mod tenant;
pub mod tool;
pub mod tracking;
pub mod transform;
pub mod tree;

pub use artifact::ModelArtifact;
pub use audit::{AuditEvent, AuditOutcome, AuditSink, MemoryAuditSink, NoAudit};
pub use authorization::{GuardedAction, PermissionCheck};
pub use clock::{Clock, ManualClock, SystemClock};
pub use drift::{DriftReport, DriftSignal, DriftSource};
pub use error::{Error, Result};
pub use model::{Fit, ParamGuard, Predict};
pub use model_store::ModelStores;
pub use model_store::{AliasMove, DataFingerprint, ModelRef, ModelStore, ModelVersion, NewModelVersion};
pub use panel::{Frequency, Panel, Series, SeriesKey};
pub use pipeline::ForecastPipeline;
pub use predictor::CompiledPredictor;
pub use tool::{Tool, ToolEffect};
pub use tree::TreeEnsemble;
