//! The recursive strategy: predict one step for every series, append the predictions to each
//! series' history copy, and move to the next step with that step's own regressors.
//!
//! Each series keeps a [`RowCursor`](crate::features::RowCursor) across steps, so the
//! exponentially weighted means advance by one value per step instead of being recomputed
//! from the series' start (rolling windows read only their own length).

use super::{SeriesForecast, StrategyRun};
use crate::pipeline::StepRows;
use crate::{Error, Result};
use rayon::prelude::*;

/// Forecast `run.horizon` steps with shift-1 rows, feeding predictions back.
pub(crate) fn forecast(run: &StrategyRun<'_>) -> Result<(Vec<SeriesForecast>, Vec<StepRows>)> {
    let step_model =
        run.model.steps.first().ok_or_else(|| Error::InvalidData("recursive pipeline without a model".into()))?;
    let builder = run.builder;
    let included = run.included();
    let n = included.len();
    let nf = builder.n_features();
    let mut history: Vec<Vec<f64>> = included
        .iter()
        .map(|&(s, o)| {
            let mut h = Vec::with_capacity(o + run.horizon);
            h.extend_from_slice(&run.panel.series[s].target[..o]);
            h
        })
        .collect();
    let mut cursors = included.iter().map(|&(s, _)| builder.cursor(s)).collect::<Result<Vec<_>>>()?;
    let mut out: Vec<SeriesForecast> =
        included.iter().map(|&(s, o)| SeriesForecast::new(run.panel, s, o, run.horizon)).collect();
    let mut quantile_paths = vec![vec![Vec::with_capacity(run.horizon); step_model.quantiles.len()]; n];
    let mut recorded = Vec::new();
    let mut buffer = vec![0.0; n * nf];
    for k in 0..run.horizon {
        buffer
            .par_chunks_mut(nf.max(1))
            .zip(cursors.par_iter_mut())
            .zip(history.par_iter())
            .zip(included.par_iter())
            .try_for_each(|(((slot, cursor), h), &(_, o))| cursor.row(h, o + k, 1, slot))?;
        let x = ndarray::ArrayView2::from_shape((n, nf), &buffer)
            .map_err(|e| Error::InvalidData(format!("recursive forecast rows: {e}")))?;
        let point = step_model.point.predict(x.view())?;
        for (qi, (_, model)) in step_model.quantiles.iter().enumerate() {
            let q = model.predict(x.view())?;
            for (paths, v) in quantile_paths.iter_mut().zip(q.iter()) {
                paths[qi].push(run.clamp(*v));
            }
        }
        for ((f, h), v) in out.iter_mut().zip(&mut history).zip(point.iter()) {
            let v = run.clamp(*v);
            f.point.push(v);
            h.push(v);
        }
        if run.record {
            recorded.push(StepRows {
                step: k + 1,
                model: 0,
                x: x.to_owned(),
                rows: included.iter().map(|&(s, o)| (s, o + k)).collect(),
            });
        }
    }
    for (f, paths) in out.iter_mut().zip(quantile_paths) {
        for ((alpha, _), values) in step_model.quantiles.iter().zip(paths) {
            f.set_quantile(*alpha, values);
        }
    }
    Ok((out, recorded))
}
