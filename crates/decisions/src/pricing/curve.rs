//! Demand curves: expected units as a function of price, from any source.
//!
//! [`DemandCurve`] is the seam where the fitted forecasting pipeline plugs in (a curve that
//! re-forecasts with the price column changed); [`ConstantElasticity`] is the log-log model, and
//! [`FnCurve`] wraps any closure. [`evaluate_curve`] tabulates units, revenue and profit over a
//! price grid.

use crate::error::{DecisionError, Result, finite, positive};
use serde::{Deserialize, Serialize};

/// Expected demand at a price.
pub trait DemandCurve {
    /// Expected units at `price`.
    ///
    /// # Errors
    /// Whatever the curve's source reports (e.g. a price outside the range it can speak for).
    fn demand(&self, price: f64) -> Result<f64>;
}

/// `demand(p) = reference_demand (p / reference_price)^elasticity`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConstantElasticity {
    /// Price at which demand is `reference_demand`.
    pub reference_price: f64,
    /// Demand at `reference_price`.
    pub reference_demand: f64,
    /// Elasticity (negative for normal goods).
    pub elasticity: f64,
}

impl DemandCurve for ConstantElasticity {
    fn demand(&self, price: f64) -> Result<f64> {
        positive("price", price)?;
        Ok(self.reference_demand * (price / self.reference_price).powf(self.elasticity))
    }
}

/// A demand curve from a closure.
pub struct FnCurve<F>(pub F);

impl<F> std::fmt::Debug for FnCurve<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnCurve")
    }
}

impl<F: Fn(f64) -> Result<f64>> DemandCurve for FnCurve<F> {
    fn demand(&self, price: f64) -> Result<f64> {
        (self.0)(price)
    }
}

/// One point of a tabulated curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Price.
    pub price: f64,
    /// Expected units.
    pub units: f64,
    /// `price * units`.
    pub revenue: f64,
    /// `(price - unit_cost) * units`.
    pub profit: f64,
}

/// Tabulate `curve` at each price of `prices`, with profit at `unit_cost`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a non-positive price or a negative or non-finite
/// demand returned by the curve (naming the price); errors of the curve itself.
pub fn evaluate_curve(curve: &dyn DemandCurve, prices: &[f64], unit_cost: f64) -> Result<Vec<CurvePoint>> {
    finite("unit_cost", unit_cost)?;
    prices
        .iter()
        .map(|&price| {
            positive("price", price)?;
            let units = curve.demand(price)?;
            if !(units.is_finite() && units >= 0.0) {
                return Err(DecisionError::invalid(format!("demand at price {price}"), units, "a finite number >= 0"));
            }
            Ok(CurvePoint { price, units, revenue: price * units, profit: (price - unit_cost) * units })
        })
        .collect()
}
