#![doc = include_str!("../README.md")]

pub mod counterfactual;
pub mod error;
pub mod format;
pub mod importance;
pub mod pdp;
pub mod report;
pub mod rows;
#[cfg(feature = "rules")]
pub mod segment;
pub mod treeshap;

pub use error::{Result, XaiError};
pub use importance::{FeatureImportance, PermutationImportance, PermutationParams, permutation_importance};
pub use pdp::{Grid, PartialDependence, partial_dependence};
pub use rows::{FeatureRows, read_feature_rows};
pub use treeshap::{InterventionalShap, ShapValues, TreeShap};
