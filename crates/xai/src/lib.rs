#![doc = include_str!("../README.md")]

pub mod error;
pub mod rows;
pub mod treeshap;

pub use error::{Result, XaiError};
pub use rows::{FeatureRows, read_feature_rows};
pub use treeshap::{InterventionalShap, ShapValues, TreeShap};
