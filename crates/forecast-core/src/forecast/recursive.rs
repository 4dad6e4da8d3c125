//! The recursive strategy: predict one step for every series, append the predictions to each
//! series' history copy, and move to the next step with that step's own regressors.

use super::{Forecasts, RowFeatures, SeriesForecast};
use crate::{Panel, Predict, Result};
use ndarray::Array2;

/// A fitted point model with optional quantile models on the same feature rows.
#[derive(Debug)]
pub(crate) struct Heads<'m> {
    pub(crate) point: &'m dyn Predict,
    pub(crate) quantiles: &'m [(f64, Box<dyn Predict>)],
    pub(crate) non_negative: bool,
}

impl Heads<'_> {
    pub(crate) fn clamp(&self, v: f64) -> f64 {
        if self.non_negative { v.max(0.0) } else { v }
    }
}

/// Forecast `horizon` steps from `origin` with shift-1 rows, feeding predictions back.
pub(crate) fn forecast(
    name: &str,
    panel: &Panel,
    features: &dyn RowFeatures,
    heads: &Heads<'_>,
    origin: &[usize],
    horizon: usize,
) -> Result<Forecasts> {
    let n = panel.series.len();
    let nf = features.n_features();
    let mut history: Vec<Vec<f64>> = panel
        .series
        .iter()
        .zip(origin)
        .map(|(s, &o)| {
            let mut h = Vec::with_capacity(o + horizon);
            h.extend_from_slice(&s.target[..o]);
            h
        })
        .collect();
    let mut out: Vec<SeriesForecast> = (0..n).map(|s| SeriesForecast::new(panel, s, origin[s], horizon)).collect();
    let mut quantile_paths = vec![vec![Vec::with_capacity(horizon); heads.quantiles.len()]; n];
    let mut x = Array2::<f64>::zeros((n, nf));
    for k in 0..horizon {
        for (s, mut row) in x.rows_mut().into_iter().enumerate() {
            let t = origin[s] + k;
            let slot =
                row.as_slice_mut().ok_or_else(|| crate::Error::InvalidData("non-contiguous feature row".into()))?;
            features.row(s, &history[s], t, 1, slot)?;
        }
        let point = heads.point.predict(x.view())?;
        for (qi, (_, model)) in heads.quantiles.iter().enumerate() {
            let q = model.predict(x.view())?;
            for (s, v) in q.iter().enumerate() {
                quantile_paths[s][qi].push(heads.clamp(*v));
            }
        }
        for (s, v) in point.iter().enumerate() {
            let v = heads.clamp(*v);
            out[s].point.push(v);
            history[s].push(v);
        }
    }
    for (s, paths) in quantile_paths.into_iter().enumerate() {
        for ((alpha, _), values) in heads.quantiles.iter().zip(paths) {
            out[s].set_quantile(*alpha, values);
        }
    }
    Ok(Forecasts { model: name.to_owned(), horizon, series: out })
}
