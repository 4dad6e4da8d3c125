//! The cells a what-if changes: windows of a series' plan or of its history, and the lever
//! levels its history holds.

use crate::error::{DecisionError, Result};
use forecast_core::Panel;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The cells of one series a what-if changes: target indices `periods`, in its planned future
/// or in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIfCells {
    /// Series index in the panel.
    pub series: usize,
    /// Target indices, within the series' planned future.
    pub periods: Range<usize>,
}

/// The first `steps` of the planned future of each series in `series`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for an unknown series or steps beyond a series' plan.
pub fn future_window(panel: &Panel, series: &[usize], steps: Range<usize>) -> Result<Vec<WhatIfCells>> {
    series
        .iter()
        .map(|&s| {
            let sr = panel.series.get(s).ok_or_else(|| {
                DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len()))
            })?;
            let periods = sr.len() + steps.start..sr.len() + steps.end;
            if steps.is_empty() || steps.end > sr.known_future() {
                return Err(DecisionError::invalid(
                    format!("steps of series {}", sr.key),
                    format!("{}..{}", steps.start, steps.end),
                    format!("a non-empty range within its {} planned periods", sr.known_future()),
                ));
            }
            Ok(WhatIfCells { series: s, periods })
        })
        .collect()
}

/// The first planned promotion (a run of periods with `promo_column > 0` past the history) of
/// each series in `series`; series with none planned are left out (compare the lengths).
///
/// # Errors
/// [`DecisionError::UnknownName`] when the panel has no such column;
/// [`DecisionError::InvalidParameter`] for an unknown series.
pub fn planned_promotions(panel: &Panel, series: &[usize], promo_column: &str) -> Result<Vec<WhatIfCells>> {
    let j = column(panel, promo_column)?;
    let mut out = Vec::new();
    for &s in series {
        let sr = panel
            .series
            .get(s)
            .ok_or_else(|| DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len())))?;
        let end_of_plan = sr.len() + sr.known_future();
        let promo = &sr.regressors[j];
        if let Some(start) = (sr.len()..end_of_plan).find(|&t| promo[t] > 0.0) {
            let end = (start..end_of_plan).find(|&t| promo[t] <= 0.0).unwrap_or(end_of_plan);
            out.push(WhatIfCells { series: s, periods: start..end });
        }
    }
    Ok(out)
}

/// The distinct values of a regressor in the history of `series` (sorted, to 1e-9): the levels
/// a model fitted on that history can speak for.
///
/// # Errors
/// [`DecisionError::UnknownName`] when the panel has no such column.
pub fn support_levels(panel: &Panel, series: &[usize], name: &str) -> Result<Vec<f64>> {
    let j = column(panel, name)?;
    let mut levels: Vec<f64> = series
        .iter()
        .filter_map(|&s| panel.series.get(s))
        .flat_map(|sr| sr.regressors[j][..sr.len()].iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    Ok(levels)
}

pub(super) fn column(panel: &Panel, name: &str) -> Result<usize> {
    panel.regressor_index(name).ok_or_else(|| DecisionError::UnknownName {
        what: "regressor",
        name: name.to_owned(),
        known: panel.regressor_names.join(", "),
    })
}

/// The promotions in the history of each series in `series`: every run of periods with
/// `promo_column > 0` starting at or after `first_start` (leave room for the model's lags) and
/// ending within the history. What-ifs on them average a model's response over many past
/// contexts, a steadier estimate of its elasticity than one planned window.
///
/// # Errors
/// [`DecisionError::UnknownName`] when the panel has no such column;
/// [`DecisionError::InvalidParameter`] for an unknown series.
pub fn historical_promotions(
    panel: &Panel,
    series: &[usize],
    promo_column: &str,
    first_start: usize,
) -> Result<Vec<WhatIfCells>> {
    let j = column(panel, promo_column)?;
    let mut out = Vec::new();
    for &s in series {
        let sr = panel
            .series
            .get(s)
            .ok_or_else(|| DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len())))?;
        let promo = &sr.regressors[j][..sr.len()];
        let mut t = first_start.max(1);
        while t < promo.len() {
            if promo[t] > 0.0 && promo[t - 1] <= 0.0 {
                let end = (t..promo.len()).find(|&u| promo[u] <= 0.0).unwrap_or(promo.len());
                if end < promo.len() {
                    out.push(WhatIfCells { series: s, periods: t..end });
                }
                t = end;
            } else {
                t += 1;
            }
        }
    }
    Ok(out)
}
