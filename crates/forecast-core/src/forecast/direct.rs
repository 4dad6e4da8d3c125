//! The direct strategy: one model per forecast step (or group of steps). The row of step `h`
//! for target index `t = origin + h - 1` reads targets up to `t - h = origin - 1`: every step
//! is predicted from the observed history alone, each by the model fitted for its own shift.

use super::{SeriesForecast, StrategyRun};
use crate::features::{DesignMatrix, FeatureBuilder, RowId};
use crate::pipeline::StepRows;
use crate::{Error, Panel, Result};
use ndarray::{Array1, Array2};
use rayon::prelude::*;

/// The rows of forecast step `step` (1-based) after `origins[s]` for every series with an
/// origin: target index `origin + step - 1`, read with shift `step`, with the actual target
/// (NaN where missing or not observed). These are the test rows of a direct model's window
/// (what `forecast_csv --export-features` writes).
///
/// # Errors
/// [`Error::InvalidParam`] for `step == 0`; [`Error::ShapeMismatch`] for a wrong origins length.
pub fn direct_step_rows(
    builder: &FeatureBuilder,
    panel: &Panel,
    origins: &[Option<usize>],
    step: usize,
) -> Result<DesignMatrix> {
    if step == 0 {
        return Err(Error::InvalidParam { name: "step", value: "0".into(), expected: "a forecast step from 1" });
    }
    super::check_origins(panel, origins, "direct_step_rows: origins")?;
    let included: Vec<(usize, usize)> = origins.iter().enumerate().filter_map(|(s, o)| o.map(|o| (s, o))).collect();
    let nf = builder.n_features();
    let mut x = Array2::<f64>::zeros((included.len(), nf));
    let mut y = Vec::with_capacity(included.len());
    let mut rows = Vec::with_capacity(included.len());
    for (mut out, &(s, o)) in x.rows_mut().into_iter().zip(&included) {
        let t = o + step - 1;
        let slot = out.as_slice_mut().ok_or_else(|| Error::InvalidData("non-contiguous feature row".into()))?;
        builder.row(s, &panel.series[s].target[..o], t, step, slot)?;
        y.push(panel.series[s].target.get(t).copied().unwrap_or(f64::NAN));
        rows.push(RowId { series: s, t });
    }
    Ok(DesignMatrix {
        x,
        y: Array1::from(y),
        names: builder.names_for_shift(step),
        categorical: builder.categorical(),
        rows,
        missing_targets: 0,
    })
}

/// Forecast `run.horizon` steps with a direct model.
pub(crate) fn forecast(run: &StrategyRun<'_>) -> Result<(Vec<SeriesForecast>, Vec<StepRows>)> {
    let (model, builder, horizon) = (run.model, run.builder, run.horizon);
    if horizon > model.horizon {
        return Err(Error::InvalidParam {
            name: "horizon",
            value: horizon.to_string(),
            expected: "at most the horizon the direct pipeline was fitted for (one model per step)",
        });
    }
    let included = run.included();
    let nf = builder.n_features();
    // Every step's row of one series reads the same history (up to origin - 1), so one cursor
    // per series fills all of them: series-major, `horizon` rows per series.
    let mut buffer = vec![0.0; included.len() * horizon * nf];
    buffer.par_chunks_mut((horizon * nf).max(1)).zip(included.par_iter()).try_for_each(
        |(block, &(s, o))| -> Result<()> {
            let history = &run.panel.series[s].target[..o];
            let mut cursor = builder.cursor(s)?;
            for (k, slot) in block.chunks_exact_mut(nf.max(1)).enumerate() {
                cursor.row(history, o + k, k + 1, slot)?;
            }
            Ok(())
        },
    )?;
    let all = Array2::from_shape_vec((included.len() * horizon, nf), buffer)
        .map_err(|e| Error::InvalidData(format!("direct forecast rows: {e}")))?;
    let mut out: Vec<SeriesForecast> =
        included.iter().map(|&(s, o)| SeriesForecast::new(run.panel, s, o, horizon)).collect();
    for f in &mut out {
        f.point = vec![f64::NAN; horizon];
    }
    let mut quantiles: Vec<Vec<Vec<f64>>> = Vec::new();
    let mut recorded = Vec::new();
    for (m, step_model) in model.steps.iter().enumerate() {
        let steps: Vec<usize> = (step_model.first_step..=step_model.last_step.min(horizon)).collect();
        if steps.is_empty() {
            continue;
        }
        let width = nf + usize::from(step_model.step_column);
        let mut x = Array2::<f64>::zeros((included.len() * steps.len(), width));
        let mut ids = Vec::with_capacity(x.nrows());
        for (i, mut row) in x.rows_mut().into_iter().enumerate() {
            let (series_pos, step) = (i / steps.len(), steps[i % steps.len()]);
            let source = all.row(series_pos * horizon + step - 1);
            row.slice_mut(ndarray::s![..nf]).assign(&source);
            if step_model.step_column {
                row[nf] = step as f64;
            }
            ids.push((series_pos, step));
        }
        let point = step_model.point.predict(x.view())?;
        let heads: Vec<(f64, Array1<f64>)> =
            step_model.quantiles.iter().map(|(alpha, q)| Ok((*alpha, q.predict(x.view())?))).collect::<Result<_>>()?;
        if quantiles.is_empty() {
            quantiles = vec![vec![vec![f64::NAN; horizon]; heads.len()]; included.len()];
        }
        for (i, &(series_pos, step)) in ids.iter().enumerate() {
            out[series_pos].point[step - 1] = run.clamp(point[i]);
            for (h, (_, q)) in heads.iter().enumerate() {
                if let Some(slot) = quantiles[series_pos].get_mut(h) {
                    slot[step - 1] = run.clamp(q[i]);
                }
            }
        }
        if run.record {
            for (j, &step) in steps.iter().enumerate() {
                let picks: Vec<usize> = (0..included.len()).map(|p| p * steps.len() + j).collect();
                recorded.push(StepRows {
                    step,
                    model: m,
                    x: x.select(ndarray::Axis(0), &picks),
                    rows: included.iter().map(|&(s, o)| (s, o + step - 1)).collect(),
                });
            }
        }
    }
    if let Some(k) = (1..=horizon).find(|&k| model.step_model_index(k).is_none()) {
        return Err(Error::InvalidData(format!("direct pipeline has no model for forecast step {k}")));
    }
    let alphas: Vec<f64> = model.steps.first().map(|m| m.quantiles.iter().map(|q| q.0).collect()).unwrap_or_default();
    for (f, paths) in out.iter_mut().zip(quantiles) {
        for (alpha, values) in alphas.iter().zip(paths) {
            f.set_quantile(*alpha, values);
        }
    }
    recorded.sort_by_key(|r| r.step);
    Ok((out, recorded))
}
