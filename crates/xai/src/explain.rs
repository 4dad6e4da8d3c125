//! Explain a fitted [`ForecastPipeline`]'s forecast: TreeSHAP on the exact rows each step model
//! scored ([`ForecastPipeline::design_rows`]), features by name, contributions in units.
//!
//! A step model with a log link (Poisson, Tweedie, Gamma) is explained exactly on its raw
//! (log) scale; in units, each row's contributions are that row's raw contributions scaled by
//! `(prediction - exp(base)) / (raw - base)`, so they keep their signs and proportions and add
//! up to the prediction. A forecast clamped at zero (`non_negative`) keeps the model's
//! unclamped contributions, and the difference is reported as [`RowExplanation::clamp`].

use crate::error::{Result, XaiError};
use crate::treeshap::TreeShap;
use forecast_core::forecast::{Forecasts, SeriesForecast};
use forecast_core::pipeline::ForecastPipeline;
use forecast_core::tree::{OutputTransform, TreeEnsemble};
use forecast_core::{ModelArtifact, Panel};
use std::collections::HashMap;

/// The explanation of one forecast value (one series, one step).
#[derive(Debug, Clone, PartialEq)]
pub struct RowExplanation {
    /// Series index in the panel.
    pub series: usize,
    /// Forecast step (1-based).
    pub step: usize,
    /// Target index the step forecasts.
    pub t: usize,
    /// The forecast (what the pipeline returned).
    pub forecast: f64,
    /// The model's expected value in units (its prediction with nothing known).
    pub base: f64,
    /// Contribution of each feature in units, aligned with `features`.
    pub contributions: Vec<f64>,
    /// Value of each feature in the scored row.
    pub values: Vec<f64>,
    /// Index into [`ForecastExplanation::feature_sets`] of this row's feature names.
    pub features: usize,
    /// `forecast - (base + Σ contributions)`: non-zero only when the forecast was clamped.
    pub clamp: f64,
}

/// One feature's signed contribution, summed over the rows explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// Feature name as the pipeline names it (`lag_1`, `price`, `promo`, a static's name ...).
    pub feature: String,
    /// Signed contribution in units.
    pub contribution: f64,
    /// The feature's value when one row was explained (for the narrative), else `None`.
    pub value: Option<f64>,
}

/// The explanation of a pipeline's forecasts for some series over a horizon.
#[derive(Debug, Clone)]
pub struct ForecastExplanation {
    /// The forecasts explained (the selected series only).
    pub forecasts: Forecasts,
    /// One entry per forecast value, by step then series.
    pub rows: Vec<RowExplanation>,
    /// The distinct feature-name lists of the step models used.
    pub feature_sets: Vec<Vec<String>>,
}

impl ForecastExplanation {
    /// Sum of the forecasts explained.
    pub fn total(&self) -> f64 {
        self.rows.iter().map(|r| r.forecast).sum()
    }

    /// Sum of the expected values (what the total would be with nothing known).
    pub fn base(&self) -> f64 {
        self.rows.iter().map(|r| r.base).sum()
    }

    /// Sum of the clamps (`total = base + Σ drivers + clamp`).
    pub fn clamp(&self) -> f64 {
        self.rows.iter().map(|r| r.clamp).sum()
    }

    /// Contributions summed per feature name over every row, largest magnitude first.
    pub fn drivers(&self) -> Vec<Driver> {
        let mut order: Vec<String> = Vec::new();
        let mut sums: HashMap<String, (f64, f64, usize)> = HashMap::new();
        for r in &self.rows {
            for ((name, c), v) in self.feature_sets[r.features].iter().zip(&r.contributions).zip(&r.values) {
                let e = sums.entry(name.clone()).or_insert_with(|| {
                    order.push(name.clone());
                    (0.0, 0.0, 0)
                });
                e.0 += c;
                e.1 = *v;
                e.2 += 1;
            }
        }
        let mut out: Vec<Driver> = order
            .into_iter()
            .map(|name| {
                let (c, v, n) = sums[&name];
                Driver { feature: name, contribution: c, value: (n == 1).then_some(v) }
            })
            .collect();
        out.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
        out
    }

    /// Sum of the forecasts' lower and upper quantiles at `lower` and `upper` (e.g. 0.1, 0.9),
    /// when every series has them. Summing quantiles gives a conservative band for a total.
    pub fn interval(&self, lower: f64, upper: f64) -> Option<(f64, f64)> {
        let mut lo = 0.0;
        let mut hi = 0.0;
        for s in &self.forecasts.series {
            lo += s.quantile(lower)?.iter().sum::<f64>();
            hi += s.quantile(upper)?.iter().sum::<f64>();
        }
        Some((lo, hi))
    }
}

/// TreeSHAP explanation of `pipeline`'s forecasts of `series` from their ends over `horizon`.
///
/// # Errors
/// [`XaiError::InvalidArgument`] for an empty or unknown series list, horizon 0, or a local
/// (non-tree) pipeline; [`forecast_core::Error::Unsupported`] for a step model that is not a
/// tree model (linear models have no covers); the pipeline's own errors.
pub fn explain_forecast(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    series: &[usize],
    horizon: usize,
) -> Result<ForecastExplanation> {
    let origins = selected_origins(panel, series, |s| Some(panel.series[s].len()))?;
    explain_from(pipeline, panel, &origins, horizon)
}

/// TreeSHAP explanation of `pipeline`'s forecasts from `origins` (`None` leaves a series out).
///
/// # Errors
/// As [`explain_forecast`].
pub fn explain_from(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    origins: &[Option<usize>],
    horizon: usize,
) -> Result<ForecastExplanation> {
    if horizon == 0 {
        return Err(XaiError::argument("horizon", 0, "at least 1 step"));
    }
    let global = pipeline.global().ok_or_else(|| {
        XaiError::argument(
            "pipeline",
            pipeline.name(),
            "a global (tree model) pipeline; a local method has no features",
        )
    })?;
    let (mut forecasts, steps) = pipeline.design_rows(panel, origins, horizon)?;
    // As `forecast_from` does: the calibrated interval, when the model has no quantiles of its own.
    if let Some(c) = pipeline.conformal()
        && forecasts.series.iter().all(|f| f.quantiles.is_empty())
    {
        c.apply(panel, &mut forecasts, pipeline.non_negative());
    }
    let mut explainers: HashMap<usize, (TreeShap, &TreeEnsemble)> = HashMap::new();
    let mut feature_sets: Vec<Vec<String>> = Vec::new();
    let mut set_of_model: HashMap<usize, usize> = HashMap::new();
    let mut rows = Vec::new();
    let point_of: HashMap<usize, &SeriesForecast> = forecasts.series.iter().map(|f| (f.series, f)).collect();
    for step in &steps {
        let model = &global.steps[step.model];
        if let std::collections::hash_map::Entry::Vacant(e) = explainers.entry(step.model) {
            let ensemble = tree_ensemble(model.point.artifact())?;
            e.insert((TreeShap::new(ensemble)?, ensemble));
        }
        let (shap, ensemble) = &explainers[&step.model];
        let set = *set_of_model.entry(step.model).or_insert_with(|| {
            feature_sets.push(model.feature_names.clone());
            feature_sets.len() - 1
        });
        let values = shap.explain(step.x.view())?;
        let contrib = values.as_pred_contrib();
        let p = ensemble.n_features;
        for (i, &(s, t)) in step.rows.iter().enumerate() {
            let phi = contrib.row(i);
            let base_raw = phi[p];
            let raw: f64 = phi.iter().sum();
            let (base, scale) = to_units(ensemble.transform, base_raw, raw);
            let contributions: Vec<f64> = phi.iter().take(p).map(|c| c * scale).collect();
            let forecast = point_of
                .get(&s)
                .and_then(|f| f.point.get(step.step - 1))
                .copied()
                .ok_or_else(|| XaiError::argument("series", s, "a series of the forecast"))?;
            let clamp = forecast - base - contributions.iter().sum::<f64>();
            rows.push(RowExplanation {
                series: s,
                step: step.step,
                t,
                forecast,
                base,
                contributions,
                values: step.x.row(i).to_vec(),
                features: set,
                clamp,
            });
        }
    }
    Ok(ForecastExplanation { forecasts, rows, feature_sets })
}

/// `Some(origin)` for each selected series, `None` for the others.
pub(crate) fn selected_origins(
    panel: &Panel,
    series: &[usize],
    origin: impl Fn(usize) -> Option<usize>,
) -> Result<Vec<Option<usize>>> {
    if series.is_empty() {
        return Err(XaiError::argument("series", "[]", "at least one series index"));
    }
    let mut origins = vec![None; panel.series.len()];
    for &s in series {
        if s >= panel.series.len() {
            return Err(XaiError::argument("series", s, format!("an index below {}", panel.series.len())));
        }
        origins[s] = origin(s);
    }
    Ok(origins)
}

/// The tree ensemble of a step model.
pub(crate) fn tree_ensemble(artifact: &ModelArtifact) -> Result<&TreeEnsemble> {
    match artifact {
        ModelArtifact::Gbdt(m) => Ok(m.ensemble()),
        ModelArtifact::TreeEnsemble(e) => Ok(e),
        other => Err(forecast_core::Error::Unsupported {
            operation: "TreeSHAP of a step model",
            kind: other.kind(),
            hint: "TreeSHAP explains tree models (our GBDT, imported LightGBM or XGBoost ensembles, forests)",
        }
        .into()),
    }
}

/// The expected value in units and the factor that turns raw contributions into units.
fn to_units(transform: OutputTransform, base_raw: f64, raw: f64) -> (f64, f64) {
    match transform {
        OutputTransform::Identity => (base_raw, 1.0),
        t => {
            let (base, pred) = (t.apply(base_raw), t.apply(raw));
            let d = raw - base_raw;
            // With no raw movement there is nothing to share out.
            (base, if d.abs() > 1e-300 { (pred - base) / d } else { 0.0 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_link_contributions_add_up_in_units() {
        let (base, scale) = to_units(OutputTransform::Exp, 1.0, 1.5);
        let c = [0.2 * scale, 0.3 * scale];
        assert!((base + c[0] + c[1] - 1.5f64.exp()).abs() < 1e-12);
        assert_eq!(to_units(OutputTransform::Identity, 2.0, 3.0), (2.0, 1.0));
        assert_eq!(to_units(OutputTransform::Exp, 2.0, 2.0).1, 0.0);
    }
}
