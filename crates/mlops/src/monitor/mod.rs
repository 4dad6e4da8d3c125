//! Model monitoring: data drift with Evidently's defaults, prediction drift, train-versus-
//! production metrics and performance decay, gathered in a [`HealthReport`].

mod drift;
mod health;
mod ks;
pub mod stats;

pub use drift::{DriftMethod, DriftOptions, FeatureDrift, FeatureKind, PsiLevel, feature_drift};
pub use health::{DecayInput, DecayReport, HealthCheck, HealthReport, MetricComparison, Verdict, compare_metrics};
