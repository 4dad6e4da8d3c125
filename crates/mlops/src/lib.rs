#![doc = include_str!("../README.md")]

mod db;
pub mod error;
mod fingerprint;
pub mod monitor;
pub mod registry;
pub mod tracking;
mod verify;

pub use error::{MlopsError, Result};
pub use fingerprint::data_fingerprint;
pub use monitor::{HealthCheck, HealthReport, Verdict};
pub use registry::{Registry, TenantRegistry};
pub use tracking::Tracker;
