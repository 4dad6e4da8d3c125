//! EM on censored observations: refit the forecaster on demand imputed at censored periods
//! until the estimate of lost units settles.
//!
//! With a Poisson (or any exponential-family mean) objective the expected log-likelihood of a
//! censored period is the log-likelihood with its target replaced by `E[D | D >= sales]`, so
//! fitting on the imputed panel is the M step and [`estimate_lost_sales`] the E step. The first
//! fit uses [`Censoring::mask`]: censored periods are left out.

use super::censoring::Censoring;
use super::estimate::{estimate_lost_sales, impute_demand};
use super::report::{LostSalesOptions, LostSalesReport};
use crate::error::{DecisionError, Result, positive};
use forecast_core::Panel;
use forecast_core::forecast::{FittedForecaster, Forecaster};
use serde::{Deserialize, Serialize};

/// Settings of [`estimate_lost_sales_em`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `max_iterations` | 3 | fits at most (the first on masked targets) | >= 1 |
/// | `tolerance` | 0.005 | stop when lost units change by less than this share | > 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmOptions {
    /// Fits at most.
    pub max_iterations: usize,
    /// Relative change of total lost units that counts as converged.
    pub tolerance: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        Self { max_iterations: 3, tolerance: 0.005 }
    }
}

/// One EM iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmStep {
    /// 1 for the fit on masked targets.
    pub iteration: usize,
    /// Total lost units estimated after it.
    pub lost_units: f64,
}

/// The result of EM: the last report, the path to it and the last fitted model.
#[derive(Debug)]
pub struct EmResult {
    /// The report of the last iteration.
    pub report: LostSalesReport,
    /// Total lost units after each iteration.
    pub steps: Vec<EmStep>,
    /// Whether the change fell below the tolerance.
    pub converged: bool,
    /// The forecaster fitted in the last iteration (on imputed demand).
    pub model: Box<dyn FittedForecaster>,
}

/// Estimate lost sales by EM: fit `forecaster` on masked targets, estimate, refit on imputed
/// demand, and repeat until total lost units change by less than `em.tolerance`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for `max_iterations = 0` or a non-positive tolerance;
/// fitting errors; as [`estimate_lost_sales`].
pub fn estimate_lost_sales_em(
    forecaster: &dyn Forecaster,
    panel: &Panel,
    censoring: &Censoring,
    options: &LostSalesOptions,
    em: EmOptions,
) -> Result<EmResult> {
    if em.max_iterations == 0 {
        return Err(DecisionError::invalid("max_iterations", 0, "at least 1 iteration"));
    }
    positive("tolerance", em.tolerance)?;
    let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    let mut model = forecaster.fit(&censoring.mask(panel)?, &end)?;
    let mut report = estimate_lost_sales(model.as_ref(), panel, censoring, options)?;
    let mut steps = vec![EmStep { iteration: 1, lost_units: report.lost_units.estimate }];
    let mut converged = false;
    for iteration in 2..=em.max_iterations {
        model = forecaster.fit(&impute_demand(panel, &report)?, &end)?;
        let next = estimate_lost_sales(model.as_ref(), panel, censoring, options)?;
        let (old, new) = (report.lost_units.estimate, next.lost_units.estimate);
        steps.push(EmStep { iteration, lost_units: new });
        report = next;
        if (new - old).abs() <= em.tolerance * old.abs().max(1e-12) {
            converged = true;
            break;
        }
    }
    Ok(EmResult { report, steps, converged, model })
}
