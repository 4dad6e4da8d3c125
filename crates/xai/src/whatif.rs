//! What-if through the pipeline: change a known-future regressor over the forecast window
//! (discount +5 points, promotion on, price -10%) in a copy of the panel, forecast again, and
//! report the change in units and revenue per step and in total, with the interval.
//!
//! Revenue is units × `price` × (1 − `discount`) when the panel has those regressors (a
//! discount is a fraction of the shelf price), units × `price` with no discount, and absent
//! without a price.

use crate::error::{Result, XaiError};
use crate::explain::selected_origins;
use chrono::NaiveDate;
use forecast_core::Panel;
use forecast_core::forecast::Forecasts;
use forecast_core::pipeline::ForecastPipeline;

/// One forecast step of a what-if, summed over the selected series.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfStep {
    /// Step (1-based).
    pub step: usize,
    /// Date of the step in the first selected series.
    pub date: Option<NaiveDate>,
    /// Forecast units as planned.
    pub baseline: f64,
    /// Forecast units under the change.
    pub scenario: f64,
    /// Revenue as planned, when the panel has a price.
    pub baseline_revenue: Option<f64>,
    /// Revenue under the change.
    pub scenario_revenue: Option<f64>,
    /// The scenario's q10 and q90 (summed over series), when the forecasts carry them.
    pub scenario_interval: Option<(f64, f64)>,
}

/// The result of [`what_if`].
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// The regressor changed.
    pub feature: String,
    /// Per step.
    pub steps: Vec<WhatIfStep>,
    /// The forecasts as planned (selected series only).
    pub baseline: Forecasts,
    /// The forecasts under the change.
    pub scenario: Forecasts,
}

impl WhatIf {
    /// Total units as planned.
    pub fn baseline_units(&self) -> f64 {
        self.steps.iter().map(|s| s.baseline).sum()
    }

    /// Total units under the change.
    pub fn scenario_units(&self) -> f64 {
        self.steps.iter().map(|s| s.scenario).sum()
    }

    /// Total revenue as planned and under the change, when the panel has a price.
    pub fn revenue(&self) -> Option<(f64, f64)> {
        let b: Option<f64> = self.steps.iter().map(|s| s.baseline_revenue).sum();
        let c: Option<f64> = self.steps.iter().map(|s| s.scenario_revenue).sum();
        b.zip(c)
    }

    /// Change of the total units in percent of the baseline (0 when the baseline is 0).
    pub fn change_pct(&self) -> f64 {
        let b = self.baseline_units();
        if b.abs() > 0.0 { (self.scenario_units() / b - 1.0) * 100.0 } else { 0.0 }
    }
}

/// Forecast `series` over `horizon` from their ends as planned and with regressor `feature` set
/// to `change(planned value)` over the window, and compare.
///
/// # Errors
/// [`XaiError::InvalidArgument`] naming `feature` (not a regressor; the message lists them),
/// `horizon` (0, or longer than a series' known plan of regressors) or `series`; a non-finite
/// changed value; the pipeline's errors.
pub fn what_if(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    series: &[usize],
    horizon: usize,
    feature: &str,
    change: impl Fn(f64) -> f64,
) -> Result<WhatIf> {
    if horizon == 0 {
        return Err(XaiError::argument("horizon", 0, "at least 1 step"));
    }
    let j = panel.regressor_index(feature).ok_or_else(|| {
        XaiError::argument(
            "feature",
            feature,
            format!("a regressor of the panel: {}", panel.regressor_names.join(", ")),
        )
    })?;
    let origins = selected_origins(panel, series, |s| Some(panel.series[s].len()))?;
    let mut changed = panel.clone();
    for &s in series {
        let ser = &mut changed.series[s];
        let (start, known) = (ser.target.len(), ser.known_future());
        if known < horizon {
            return Err(XaiError::argument(
                "horizon",
                horizon,
                format!("at most {known} periods: series {s} has a plan of regressors that long"),
            ));
        }
        for v in &mut ser.regressors[j][start..start + horizon] {
            let new = change(*v);
            if !new.is_finite() {
                return Err(XaiError::argument(feature, new, "a finite value after the change"));
            }
            *v = new;
        }
    }
    compare(pipeline, panel, &changed, &origins, horizon, feature.to_string())
}

/// Forecast `origins` over `horizon` on `panel` (as planned) and on `changed` (the same panel
/// with some planned regressors changed), and compare per step and in total.
///
/// # Errors
/// The pipeline's errors.
pub(crate) fn compare(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    changed: &Panel,
    origins: &[Option<usize>],
    horizon: usize,
    feature: String,
) -> Result<WhatIf> {
    let baseline = pipeline.forecast_from(panel, origins, horizon)?;
    let scenario = pipeline.forecast_from(changed, origins, horizon)?;
    let price = panel.regressor_index("price");
    let discount = panel.regressor_index("discount");
    let revenue = |p: &Panel, f: &Forecasts, k: usize| -> Option<f64> {
        let pi = price?;
        Some(
            f.series
                .iter()
                .map(|sf| {
                    let ser = &p.series[sf.series];
                    let t = sf.origin + k;
                    let d = discount.map_or(0.0, |d| ser.regressors[d][t]);
                    sf.point[k] * ser.regressors[pi][t] * (1.0 - d)
                })
                .sum(),
        )
    };
    let steps = (0..horizon)
        .map(|k| {
            let units = |f: &Forecasts| f.series.iter().map(|s| s.point[k]).sum::<f64>();
            let interval = || -> Option<(f64, f64)> {
                let mut lo = 0.0;
                let mut hi = 0.0;
                for s in &scenario.series {
                    lo += s.quantile(0.1)?.get(k)?;
                    hi += s.quantile(0.9)?.get(k)?;
                }
                Some((lo, hi))
            };
            WhatIfStep {
                step: k + 1,
                date: baseline.series.first().and_then(|s| s.dates.get(k).copied()),
                baseline: units(&baseline),
                scenario: units(&scenario),
                baseline_revenue: revenue(panel, &baseline, k),
                scenario_revenue: revenue(changed, &scenario, k),
                scenario_interval: interval(),
            }
        })
        .collect();
    Ok(WhatIf { feature, steps, baseline, scenario })
}
