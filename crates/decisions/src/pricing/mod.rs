//! Pricing: demand curves (simulated with a fitted forecaster, or constant elasticity),
//! log-log price elasticity from history, and the profit-optimal price or discount under
//! constraints and a promotion budget.

mod budget;
mod cells;
mod combine;
mod crossfit;
pub mod curve;
pub mod elasticity;
mod history;
mod offset;
mod ols;
mod optimise;
mod poisson;
mod rule;
mod simulated;
mod whatif;

pub use budget::{BudgetAllocation, BudgetPick, allocate_budget};
pub use cells::{WhatIfCells, future_window, historical_promotions, planned_promotions, support_levels};
pub use combine::{CombineRule, CombinedElasticity, ElasticityReading, combine_elasticities};
pub use crossfit::{CrossFitSpec, CrossFitted, cross_fitted_elasticities};
pub use curve::{ConstantElasticity, CurvePoint, DemandCurve, FnCurve, evaluate_curve};
pub use elasticity::{Coefficient, ElasticityEstimate, PriceObservation, estimate_elasticity};
pub use history::{HistoryElasticity, HistorySpec, elasticity_from_history};
pub use offset::{OffsetElasticity, OffsetSpec, elasticity_with_offset};
pub use optimise::{
    Candidate, LeverCurve, LeverKind, LeverOnCurve, Outcome, PriceConstraints, PriceLadder, PricingDecision,
    optimise_lever,
};
pub use rule::{DiscountElasticity, discount_elasticity};
pub use simulated::{CurveFit, SimulatedCurve};
pub use whatif::PipelineCurve;
