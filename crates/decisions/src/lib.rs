#![doc = include_str!("../README.md")]

pub mod calculator;
pub mod demand;
pub mod error;
pub mod expansion;
pub mod inventory;
pub mod lead_time;
pub mod loss;
pub mod pricing;
pub mod simulate;
pub mod special;

pub use demand::DemandDistribution;
pub use error::{DecisionError, Result};
