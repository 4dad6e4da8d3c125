//! Log-log price elasticity with confidence intervals.
//!
//! `ln(units) = a + e ln(price) + sum_j b_j control_j + error`, fitted by least squares; `e` is
//! the price elasticity (the % change in units for a 1% change in price). The interval is
//! `e +- t(1 - (1 - confidence)/2, n - p) se(e)` with the classical standard error, as
//! statsmodels' `OLS(...).fit().conf_int()` computes it (golden test). Controls are anything
//! else that moves demand (promotion flags, seasonality dummies, a trend): leaving them out
//! biases `e` whenever prices move with them.

use super::ols::ols;
use crate::error::{DecisionError, Result, open_unit};
use crate::special::student_t_quantile;
use serde::{Deserialize, Serialize};

/// One observation: a price, the units sold at it, and control values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceObservation {
    /// Price charged, > 0.
    pub price: f64,
    /// Units sold, > 0 (log scale).
    pub units: f64,
    /// Control values, one per control name, in order.
    pub controls: Vec<f64>,
}

/// A regression coefficient with its standard error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// The regressor's name (`intercept`, `ln_price`, or a control's name).
    pub name: String,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
}

/// An elasticity estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticityEstimate {
    /// Price elasticity `e` (typically negative).
    pub elasticity: f64,
    /// Standard error of `e`.
    pub std_error: f64,
    /// Lower end of the confidence interval.
    pub ci_low: f64,
    /// Upper end of the confidence interval.
    pub ci_high: f64,
    /// The interval's confidence level.
    pub confidence: f64,
    /// Residual degrees of freedom.
    pub df: usize,
    /// R squared of the log-log fit.
    pub r_squared: f64,
    /// Residual variance on the log scale (for retransforming predictions).
    pub residual_variance: f64,
    /// Every coefficient: intercept, ln_price, then controls.
    pub coefficients: Vec<Coefficient>,
}

/// Estimate the price elasticity from observations with named controls.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a non-positive price or units or a non-finite
/// control (naming the observation), or a confidence outside (0, 1);
/// [`DecisionError::LengthMismatch`] when an observation has the wrong number of controls;
/// [`DecisionError::InsufficientData`] with too few observations;
/// [`DecisionError::NoSolution`] when prices do not vary or a control is collinear.
pub fn estimate_elasticity(
    observations: &[PriceObservation],
    control_names: &[&str],
    confidence: f64,
) -> Result<ElasticityEstimate> {
    open_unit("confidence", confidence)?;
    let p = 2 + control_names.len();
    let mut x = Vec::with_capacity(observations.len() * p);
    let mut y = Vec::with_capacity(observations.len());
    for (i, o) in observations.iter().enumerate() {
        if !(o.price.is_finite() && o.price > 0.0) {
            return Err(DecisionError::invalid(format!("observations[{i}].price"), o.price, "a price > 0"));
        }
        if !(o.units.is_finite() && o.units > 0.0) {
            return Err(DecisionError::invalid(
                format!("observations[{i}].units"),
                o.units,
                "units > 0 (the log-log model cannot take zero sales; aggregate to periods with sales or model them separately)",
            ));
        }
        if o.controls.len() != control_names.len() {
            return Err(DecisionError::LengthMismatch {
                what: format!("observations[{i}].controls"),
                expected: control_names.len(),
                got: o.controls.len(),
            });
        }
        x.push(1.0);
        x.push(o.price.ln());
        for (j, c) in o.controls.iter().enumerate() {
            if !c.is_finite() {
                return Err(DecisionError::invalid(
                    format!("observations[{i}].controls[{}]", control_names[j]),
                    c,
                    "a finite number",
                ));
            }
            x.push(*c);
        }
        y.push(o.units.ln());
    }
    let fit = ols(&x, &y, p)?;
    let t = student_t_quantile(1.0 - (1.0 - confidence) / 2.0, fit.df as f64);
    let (e, se) = (fit.coefficients[1], fit.std_errors[1]);
    let names = ["intercept", "ln_price"].into_iter().chain(control_names.iter().copied());
    let coefficients = names
        .zip(fit.coefficients.iter().zip(&fit.std_errors))
        .map(|(name, (estimate, std_error))| Coefficient {
            name: name.to_owned(),
            estimate: *estimate,
            std_error: *std_error,
        })
        .collect();
    Ok(ElasticityEstimate {
        elasticity: e,
        std_error: se,
        ci_low: e - t * se,
        ci_high: e + t * se,
        confidence,
        df: fit.df,
        r_squared: fit.r_squared,
        residual_variance: fit.residual_variance,
        coefficients,
    })
}
