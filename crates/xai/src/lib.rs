#![doc = include_str!("../README.md")]

pub mod compare;
pub mod counterfactual;
pub mod drop;
pub mod error;
pub mod explain;
pub mod format;
pub mod importance;
pub mod narrative;
pub mod pdp;
pub mod report;
pub mod rows;
#[cfg(feature = "rules")]
pub mod segment;
pub mod segment_errors;
pub mod tools;
pub mod treeshap;
pub mod whatif;

pub use compare::{SegmentComparison, compare_segments};
pub use drop::{DropExplanation, explain_drop};
pub use error::{Result, XaiError};
pub use explain::{Driver, ForecastExplanation, explain_forecast, explain_from};
pub use importance::{FeatureImportance, PermutationImportance, PermutationParams, permutation_importance};
pub use pdp::{Grid, PartialDependence, partial_dependence};
pub use rows::{FeatureRows, read_feature_rows};
pub use segment_errors::{SegmentError, SegmentErrors, segment_errors};
pub use treeshap::{InterventionalShap, ShapValues, TreeShap};
pub use whatif::{WhatIf, what_if};
