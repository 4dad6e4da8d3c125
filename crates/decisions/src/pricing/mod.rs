//! Pricing: demand curves and log-log price elasticity.

pub mod curve;
pub mod elasticity;
mod ols;

pub use curve::{ConstantElasticity, CurvePoint, DemandCurve, FnCurve, evaluate_curve};
pub use elasticity::{Coefficient, ElasticityEstimate, PriceObservation, estimate_elasticity};
