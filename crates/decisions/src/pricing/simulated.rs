//! Simulated curve points and their constant-elasticity fits.

use super::curve::ConstantElasticity;
use super::optimise::{LeverKind, LeverOnCurve, Outcome};
use crate::error::{DecisionError, Result};
use serde::{Deserialize, Serialize};

/// Simulated points of a demand curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedCurve {
    /// The lever simulated.
    pub lever: LeverKind,
    /// Mean planned shelf price over the cells.
    pub reference_price: f64,
    /// Mean planned lever value over the cells.
    pub planned: f64,
    /// One outcome per grid value, in grid order.
    pub points: Vec<Outcome>,
}

/// The constant-elasticity fit of a simulated curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    /// The fitted curve (units against net price).
    pub curve: ConstantElasticity,
    /// R squared of `ln units` on `ln net price` over the points.
    pub r_squared: f64,
}

impl SimulatedCurve {
    /// `(ln net price, ln units)` of every point (net price = revenue / units).
    fn log_points(&self) -> Result<Vec<(f64, f64)>> {
        self.points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if p.units > 0.0 && p.revenue > 0.0 {
                    Ok(((p.revenue / p.units).ln(), p.units.ln()))
                } else {
                    Err(DecisionError::invalid(
                        format!("points[{i}].units"),
                        p.units,
                        "units and revenue > 0 for a log-log fit",
                    ))
                }
            })
            .collect()
    }

    /// Least-squares fit of `ln units = a + e ln(net price)` over the points: the elasticity
    /// the simulation implies, and a smooth curve to optimise on instead of a tree's staircase.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] for a point without units or revenue;
    /// [`DecisionError::NoSolution`] when the net prices do not vary.
    pub fn smoothed(&self) -> Result<CurveFit> {
        let xy = self.log_points()?;
        let n = xy.len() as f64;
        let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
        let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if sxx <= 1e-18 {
            return Err(DecisionError::NoSolution {
                what: "the curve's elasticity".into(),
                reason: "the simulated net prices do not vary; widen the grid".into(),
            });
        }
        let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
        let e = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
        self.smoothed_with_elasticity(e)
    }

    /// The best fit of `ln units = a + e ln(net price)` with the elasticity `e` given (e.g.
    /// estimated on many historical windows, [`super::historical_promotions`]): this curve's level,
    /// another curve's shape.
    ///
    /// # Errors
    /// As [`SimulatedCurve::smoothed`]; [`DecisionError::InvalidParameter`] for a non-finite
    /// elasticity.
    pub fn smoothed_with_elasticity(&self, elasticity: f64) -> Result<CurveFit> {
        crate::error::finite("elasticity", elasticity)?;
        let xy = self.log_points()?;
        let n = xy.len() as f64;
        let (mx, my) = (xy.iter().map(|p| p.0).sum::<f64>() / n, xy.iter().map(|p| p.1).sum::<f64>() / n);
        let syy: f64 = xy.iter().map(|p| (p.1 - my).powi(2)).sum();
        let rss: f64 = xy.iter().map(|p| (p.1 - my - elasticity * (p.0 - mx)).powi(2)).sum();
        Ok(CurveFit {
            curve: ConstantElasticity { reference_price: mx.exp(), reference_demand: my.exp(), elasticity },
            r_squared: if syy > 0.0 { 1.0 - rss / syy } else { 1.0 },
        })
    }

    /// The fitted curve read through this curve's lever, to optimise on: shelf price and net
    /// factor taken from the simulated points.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] when the first point has no units.
    pub fn lever_curve(&self, fit: &CurveFit) -> Result<LeverOnCurve<ConstantElasticity>> {
        let p = self.points.first().filter(|p| p.units > 0.0).ok_or_else(|| {
            DecisionError::invalid("points[0].units", self.points.first().map_or(0.0, |p| p.units), "units > 0")
        })?;
        let (shelf_price, net_factor) = match self.lever {
            LeverKind::Discount => ((p.revenue + p.markdown) / p.units, 1.0),
            LeverKind::Price => (self.planned, p.revenue / (p.value * p.units)),
        };
        Ok(LeverOnCurve { curve: fit.curve, lever: self.lever, shelf_price, net_factor, planned: self.planned })
    }
}
