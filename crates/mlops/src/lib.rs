#![doc = include_str!("../README.md")]

pub mod drift_source;
pub mod error;
mod fingerprint;
pub mod monitor;
pub mod registry;
pub mod store;
pub mod tools;
pub mod tracking;
mod validate;

pub use error::{MlopsError, Result};
pub use fingerprint::data_fingerprint;
pub use monitor::{HealthCheck, HealthReport, Verdict};
pub use registry::{Registry, TenantRegistry};
pub use store::{MlopsStore, SqliteMlopsStore};
pub use tracking::Tracker;
