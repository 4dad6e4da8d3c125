#![doc = include_str!("../README.md")]

pub mod calculator;
pub mod demand;
pub mod error;
pub mod expansion;
pub mod inventory;
pub mod lead_time;
pub mod loss;
pub mod lost_sales;
pub mod pricing;
pub mod recommend;
pub mod reorder;
pub mod simulate;
pub use forecast_core::special;
pub mod tools;

pub use demand::DemandDistribution;
pub use error::{DecisionError, Result};
pub use lead_time::{ProtectionInterval, StepDependence, lead_time_demand};
pub use recommend::{Action, Evidence, Ranked, Recommendation, rank};
pub use simulate::{Policy, SimulationConfig, SimulationReport, simulate};
