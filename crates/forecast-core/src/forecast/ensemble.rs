//! Ensembles: the mean, median or held-out-weighted combination of any forecasters.

use super::{FittedForecaster, Forecaster, Forecasts, SeriesForecast, holdout_wape};
use crate::pipeline::{Candidate, ForecastPipeline, PanelSchema, PipelineModel, Selection};
use crate::{Error, Panel, Result};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How member forecasts are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// The mean of the members.
    #[default]
    Mean,
    /// The median of the members (robust to one member going astray).
    Median,
    /// Weights proportional to 1 / held-out WAPE: every member is fitted on the training
    /// history minus its last `holdout` periods and scored on them (the test windows are never
    /// seen); only the `top` best are kept.
    Weighted,
}

/// A combination of forecasters. See [`Combine`].
///
/// | Setting | Default | Purpose | Range |
/// |---|---|---|---|
/// | `combine` | mean | mean, median or held-out weighted | [`Combine`] |
/// | `holdout` | the horizon | periods held out for the weights | >= 1 |
/// | `top` | every member | members kept by held-out WAPE (weighted only) | >= 1 |
/// | `horizon` | 28 | the horizon held out by default | >= 1 |
#[derive(Debug, Clone)]
pub struct Ensemble {
    name: String,
    members: Vec<Arc<dyn Forecaster>>,
    combine: Combine,
    holdout: Option<usize>,
    top: Option<usize>,
    horizon: usize,
}

/// The fitted members of an ensemble and their weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleModel {
    /// How the members are combined.
    pub combine: Combine,
    /// Each member's weight (summing to 1) and fitted pipeline.
    pub members: Vec<(f64, ForecastPipeline)>,
}

impl Ensemble {
    /// An ensemble named `name` of `members`, combined by `combine`.
    pub fn new(name: impl Into<String>, members: Vec<Arc<dyn Forecaster>>, combine: Combine) -> Self {
        Self { name: name.into(), members, combine, holdout: None, top: None, horizon: 28 }
    }

    /// Hold out this many periods for the weights.
    pub fn holdout(mut self, periods: usize) -> Self {
        self.holdout = Some(periods);
        self
    }

    /// Keep only the `k` members with the lowest held-out WAPE (weighted combination).
    pub fn top(mut self, k: usize) -> Self {
        self.top = Some(k);
        self
    }

    /// The horizon held out by default.
    pub fn horizon(mut self, horizon: usize) -> Self {
        self.horizon = horizon;
        self
    }

    /// Fit on targets before `end[s]`, returning the owned ensemble pipeline.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for no members or a zero holdout or top; a member without a
    /// saveable pipeline; [`Error::InvalidData`] when no member can be scored on the holdout.
    pub fn fit_pipeline_until(&self, panel: &Panel, end: &[usize]) -> Result<ForecastPipeline> {
        if self.members.is_empty() {
            return Err(Error::InvalidParam {
                name: "members",
                value: "0".into(),
                expected: "at least one forecaster",
            });
        }
        if self.holdout == Some(0) || self.top == Some(0) || self.horizon == 0 {
            return Err(Error::InvalidParam { name: "holdout, top or horizon", value: "0".into(), expected: ">= 1" });
        }
        let (weights, selection) = match self.combine {
            Combine::Weighted => {
                let (w, s) = self.held_out_weights(panel, end)?;
                (w, Some(s))
            }
            Combine::Mean | Combine::Median => (vec![1.0 / self.members.len() as f64; self.members.len()], None),
        };
        let mut members = Vec::new();
        for (member, &w) in self.members.iter().zip(&weights) {
            if w > 0.0 {
                members.push((w, pipeline_of(member.as_ref(), panel, end)?));
            }
        }
        let model = EnsembleModel { combine: self.combine, members };
        let non_negative = model.members.iter().all(|(_, p)| p.non_negative());
        Ok(ForecastPipeline::new(
            self.name.clone(),
            PanelSchema::of(panel),
            PipelineModel::Ensemble(Box::new(model)),
            non_negative,
        )
        .with_selection(selection))
    }

    fn held_out_weights(&self, panel: &Panel, end: &[usize]) -> Result<(Vec<f64>, Selection)> {
        let holdout = self.holdout.unwrap_or(self.horizon);
        let inner: Vec<usize> = end.iter().map(|e| e.saturating_sub(holdout)).collect();
        let origins: Vec<Option<usize>> = inner.iter().map(|&i| (i > 0).then_some(i)).collect();
        let mut candidates: Vec<Candidate> = self
            .members
            .iter()
            .map(|m| {
                let outcome = m
                    .fit(panel, &inner)
                    .and_then(|f| f.forecast(panel, &origins, holdout))
                    .and_then(|f| holdout_wape(panel, &f, end));
                match outcome {
                    Ok(w) => Candidate { name: m.name().into(), wape: Some(w), weight: 0.0, error: None },
                    Err(e) => Candidate { name: m.name().into(), wape: None, weight: 0.0, error: Some(e.to_string()) },
                }
            })
            .collect();
        let mut ranked: Vec<(usize, f64)> =
            candidates.iter().enumerate().filter_map(|(i, c)| c.wape.map(|w| (i, w))).collect();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
        ranked.truncate(self.top.unwrap_or(ranked.len()));
        if ranked.is_empty() {
            return Err(Error::InvalidData(format!(
                "{}: no member could be scored on the last {holdout} periods: {}",
                self.name,
                candidates
                    .iter()
                    .map(|c| format!("{}: {}", c.name, c.error.as_deref().unwrap_or("-")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        // A perfect member (WAPE 0) takes every weight.
        let inverse: Vec<(usize, f64)> = ranked.iter().map(|&(i, w)| (i, 1.0 / w.max(1e-12))).collect();
        let total: f64 = inverse.iter().map(|x| x.1).sum();
        let mut weights = vec![0.0; self.members.len()];
        for (i, v) in inverse {
            weights[i] = v / total;
            candidates[i].weight = weights[i];
        }
        Ok((weights, Selection { what: format!("{} members", self.name), holdout, candidates }))
    }
}

fn pipeline_of(member: &dyn Forecaster, panel: &Panel, end: &[usize]) -> Result<ForecastPipeline> {
    member.fit(panel, end)?.pipeline().cloned().ok_or_else(|| Error::Unsupported {
        operation: "an ensemble member",
        kind: "custom forecaster",
        hint: "ensemble members must produce a fitted pipeline (every built-in forecaster does)",
    })
}

impl Forecaster for Ensemble {
    fn name(&self) -> &str {
        &self.name
    }

    fn fit(&self, panel: &Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster>> {
        super::check_per_series(panel, end, "Ensemble::fit: end per series")?;
        Ok(Box::new(self.fit_pipeline_until(panel, end)?))
    }
}

impl EnsembleModel {
    /// Forecast with every member and combine; quantile levels every member forecasts are
    /// combined the same way, others dropped.
    pub(crate) fn forecast(
        &self,
        panel: &Panel,
        origins: &[Option<usize>],
        horizon: usize,
    ) -> Result<Vec<SeriesForecast>> {
        let all: Vec<Forecasts> =
            self.members.iter().map(|(_, p)| p.forecast_from(panel, origins, horizon)).collect::<Result<_>>()?;
        let Some(first) = all.first() else { return Ok(Vec::new()) };
        let mut out = first.series.clone();
        for (i, f) in out.iter_mut().enumerate() {
            let paths: Vec<&SeriesForecast> = all.iter().map(|m| &m.series[i]).collect();
            f.point = self.combine_paths(&paths.iter().map(|p| p.point.as_slice()).collect::<Vec<_>>());
            let levels: Vec<f64> = f.quantiles.iter().map(|q| q.alpha).collect();
            f.quantiles.clear();
            for alpha in levels {
                let qs: Option<Vec<&[f64]>> = paths.iter().map(|p| p.quantile(alpha)).collect();
                if let Some(qs) = qs {
                    f.set_quantile(alpha, self.combine_paths(&qs));
                }
            }
        }
        Ok(out)
    }

    fn combine_paths(&self, paths: &[&[f64]]) -> Vec<f64> {
        let len = paths.iter().map(|p| p.len()).min().unwrap_or(0);
        (0..len)
            .map(|k| match self.combine {
                Combine::Median => {
                    let mut v: Vec<f64> = paths.iter().map(|p| p[k]).collect();
                    v.sort_by(f64::total_cmp);
                    let m = v.len() / 2;
                    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
                }
                Combine::Mean | Combine::Weighted => {
                    paths.iter().zip(&self.members).map(|(p, (w, _))| w * p[k]).sum::<f64>()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::{Naive, SeasonalNaive};
    use crate::forecast::testing::panel;
    use crate::forecast::{LocalForecaster, forecast_ahead};

    fn members() -> Vec<Arc<dyn Forecaster>> {
        vec![
            Arc::new(LocalForecaster::new(Naive)),
            Arc::new(LocalForecaster::new(SeasonalNaive { season: 7 })),
            Arc::new(LocalForecaster::new(SeasonalNaive { season: 3 })),
        ]
    }

    #[test]
    fn mean_and_median_by_hand() {
        // A weekly pattern: seasonal naive 7 is exact, naive repeats the last value.
        let y: Vec<f64> = (0..42).map(|t| [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 14.0][t % 7]).collect();
        let p = panel(vec![(y, vec![0.0; 50])]);
        let mean = forecast_ahead(&Ensemble::new("mean", members(), Combine::Mean), &p, 2).unwrap();
        // step 1: naive 14, snaive7 1, snaive3 (t=42 -> 39 % 7 = 4 -> 5): (14 + 1 + 5) / 3.
        assert!((mean.series[0].point[0] - 20.0 / 3.0).abs() < 1e-12, "{:?}", mean.series[0].point);
        let median = forecast_ahead(&Ensemble::new("median", members(), Combine::Median), &p, 1).unwrap();
        assert_eq!(median.series[0].point, vec![5.0]);
    }

    #[test]
    fn weights_come_from_the_held_out_tail_only() {
        let y: Vec<f64> = (0..70).map(|t| [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 14.0][t % 7] + 0.01 * t as f64).collect();
        let p = panel(vec![(y, vec![0.0; 80])]);
        let e = Ensemble::new("w", members(), Combine::Weighted).holdout(7).top(2);
        let pipeline = e.fit_pipeline_until(&p, &[63]).unwrap();
        let s = &pipeline.selections()[0];
        let weight = |name: &str| s.candidates.iter().find(|c| c.name == name).map(|c| c.weight).unwrap();
        assert!(weight("seasonal-naive") > 0.9, "{s}");
        assert_eq!(s.chosen().count(), 2, "top 2 kept");
        assert!((s.candidates.iter().map(|c| c.weight).sum::<f64>() - 1.0).abs() < 1e-12);
        // The targets after the fit end do not move the weights.
        let mut later = p.clone();
        later.series[0].target[65] = 1e6;
        let again = e.fit_pipeline_until(&later, &[63]).unwrap();
        assert_eq!(again.selections(), pipeline.selections());
        // It round-trips like any pipeline.
        let json = crate::ModelArtifact::from(pipeline.clone()).to_json().unwrap();
        let back = crate::ModelArtifact::from_json(&json).unwrap().into_pipeline().unwrap();
        assert_eq!(back.forecast(&p, 7).unwrap(), pipeline.forecast(&p, 7).unwrap());
    }
}
