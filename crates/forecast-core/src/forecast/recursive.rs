//! The recursive strategy: predict one step for every series, append the predictions to each
//! series' history copy, and move to the next step with that step's own regressors.

use super::{FittedGlobal, Forecasts, SeriesForecast};
use crate::Result;
use ndarray::Array2;

/// Forecast `horizon` steps from `origin` with shift-1 rows, feeding predictions back.
pub(super) fn forecast(fitted: &FittedGlobal<'_>, origin: &[usize], horizon: usize) -> Result<Forecasts> {
    let (panel, features) = (fitted.panel, fitted.features.as_ref());
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
    let mut quantile_paths = vec![vec![Vec::with_capacity(horizon); fitted.quantiles.len()]; n];
    let mut x = Array2::<f64>::zeros((n, nf));
    for k in 0..horizon {
        for (s, mut row) in x.rows_mut().into_iter().enumerate() {
            let t = origin[s] + k;
            let slot =
                row.as_slice_mut().ok_or_else(|| crate::Error::InvalidData("non-contiguous feature row".into()))?;
            features.row(s, &history[s], t, 1, slot)?;
        }
        let point = fitted.model.predict(x.view())?;
        for (qi, (_, model)) in fitted.quantiles.iter().enumerate() {
            let q = model.predict(x.view())?;
            for (s, v) in q.iter().enumerate() {
                quantile_paths[s][qi].push(fitted.clamp(*v));
            }
        }
        for (s, v) in point.iter().enumerate() {
            let v = fitted.clamp(*v);
            out[s].point.push(v);
            history[s].push(v);
        }
    }
    for (s, paths) in quantile_paths.into_iter().enumerate() {
        for ((alpha, _), values) in fitted.quantiles.iter().zip(paths) {
            out[s].set_quantile(*alpha, values);
        }
    }
    Ok(Forecasts { model: fitted.name.clone(), horizon, series: out })
}
