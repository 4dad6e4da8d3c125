//! The direct strategy: one model trained with shift = horizon, so every step's row reads only
//! targets observed before the origin (plus that step's own known-future regressors).

use super::{FittedGlobal, Forecasts, RowFeatures, SeriesForecast, TrainingRows};
use crate::{Panel, Result};
use ndarray::{Array1, Array2};

/// The feature rows of steps `0..horizon` after `origin[s]` for every series, read with `shift`
/// from the observed history `target[..origin[s]]`, with each row's `(series, t)` and its
/// actual target (NaN where missing or not yet observed).
///
/// These are the test rows of a direct-strategy window (and what `--export-features` writes).
///
/// # Errors
/// [`crate::Error::InvalidParam`] when `horizon > shift` (a row would read a target at or after
/// the origin).
pub fn direct_rows(
    panel: &Panel,
    features: &dyn RowFeatures,
    origin: &[usize],
    horizon: usize,
    shift: usize,
) -> Result<TrainingRows> {
    if horizon > shift {
        return Err(crate::Error::InvalidParam {
            name: "horizon",
            value: horizon.to_string(),
            expected: "at most the direct model's training shift (its horizon)",
        });
    }
    super::check_per_series(panel, origin, "direct_rows: origins")?;
    let nf = features.n_features();
    let mut x = Array2::<f64>::zeros((panel.series.len() * horizon, nf));
    let mut ids = Vec::with_capacity(x.nrows());
    let mut y = Vec::with_capacity(x.nrows());
    let mut rows = x.rows_mut().into_iter();
    for (s, (series, &o)) in panel.series.iter().zip(origin).enumerate() {
        for t in o..o + horizon {
            if let Some(mut row) = rows.next() {
                let slot =
                    row.as_slice_mut().ok_or_else(|| crate::Error::InvalidData("non-contiguous feature row".into()))?;
                features.row(s, &series.target[..o], t, shift, slot)?;
                ids.push((s, t));
                y.push(series.target.get(t).copied().unwrap_or(f64::NAN));
            }
        }
    }
    Ok(TrainingRows { x, y: Array1::from(y), rows: ids })
}

/// Forecast `horizon` steps from `origin` with a direct model (trained on its shift).
pub(super) fn forecast(fitted: &FittedGlobal<'_>, origin: &[usize], horizon: usize) -> Result<Forecasts> {
    let panel = fitted.panel;
    let TrainingRows { x, rows: ids, .. } =
        direct_rows(panel, fitted.features.as_ref(), origin, horizon, fitted.shift)?;
    let point = fitted.model.predict(x.view())?;
    let mut quantiles = Vec::with_capacity(fitted.quantiles.len());
    for (alpha, model) in &fitted.quantiles {
        quantiles.push((*alpha, model.predict(x.view())?));
    }
    let mut out: Vec<SeriesForecast> =
        (0..panel.series.len()).map(|s| SeriesForecast::new(panel, s, origin[s], horizon)).collect();
    for (i, &(s, _)) in ids.iter().enumerate() {
        out[s].point.push(fitted.clamp(point[i]));
    }
    for (alpha, q) in &quantiles {
        for (s, f) in out.iter_mut().enumerate() {
            let values = (0..horizon).map(|k| fitted.clamp(q[s * horizon + k])).collect();
            f.set_quantile(*alpha, values);
        }
    }
    Ok(Forecasts { model: fitted.name.clone(), horizon, series: out })
}
