//! Where the model is weak, by segment: backtest errors and attributions of explained forecasts
//! aggregated by store, item, category or any static column, the worst segments first, each with
//! the feature that moves its forecasts most.
//!
//! The forecasts come from an explanation made at backtest origins ([`crate::explain_from`]
//! with a pipeline fitted before them), so every explained value has an actual in the panel.

use crate::compare::segment_labeler;
use crate::error::{Result, XaiError};
use crate::explain::ForecastExplanation;
use forecast_core::Panel;
use std::collections::BTreeMap;

/// Accuracy and main driver of one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentError {
    /// The segment's label (the column's value).
    pub segment: String,
    /// Forecast values scored (series x steps with an observed actual).
    pub n: usize,
    /// Sum of actuals, in units.
    pub actual: f64,
    /// Sum of forecasts, in units.
    pub forecast: f64,
    /// Sum of absolute errors `Σ|forecast - actual|`, in units.
    pub abs_error: f64,
    /// Weighted absolute percentage error `Σ|forecast - actual| / Σ actual`, as a fraction
    /// (`NaN` when the actuals sum to 0).
    pub wape: f64,
    /// `Σ(forecast - actual) / Σ actual`, as a fraction (negative: under-forecast; `NaN` when the
    /// actuals sum to 0).
    pub bias: f64,
    /// The feature with the largest summed |contribution| over the segment's forecasts, and
    /// that sum in units.
    pub main_driver: Option<(String, f64)>,
}

/// Segments ranked worst first (largest absolute error in units).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentErrors {
    /// The column grouped by.
    pub by: String,
    /// The segments, worst first.
    pub segments: Vec<SegmentError>,
}

/// Backtest errors and main drivers of explanation `e` grouped by column `by` of `panel`
/// (a key column such as `store`, or a static column). Values whose actual is missing are
/// left out.
///
/// # Errors
/// [`XaiError::InvalidArgument`] naming `by` when it is not a key or static column, or `e` when
/// none of its forecasts has an actual (explain forecasts made at backtest origins).
pub fn segment_errors(panel: &Panel, by: &str, e: &ForecastExplanation) -> Result<SegmentErrors> {
    let label = segment_labeler(panel, by)?;
    #[derive(Default)]
    struct Acc {
        n: usize,
        actual: f64,
        forecast: f64,
        abs_error: f64,
        drivers: BTreeMap<String, f64>,
    }
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for r in &e.rows {
        let Some(actual) =
            panel.series.get(r.series).and_then(|s| s.target.get(r.t)).copied().filter(|a| a.is_finite())
        else {
            continue;
        };
        let g = groups.entry(label(r.series)).or_default();
        g.n += 1;
        g.actual += actual;
        g.forecast += r.forecast;
        g.abs_error += (r.forecast - actual).abs();
        let names = e.feature_sets.get(r.features).map(Vec::as_slice).unwrap_or_default();
        for (name, c) in names.iter().zip(&r.contributions) {
            *g.drivers.entry(name.clone()).or_default() += c.abs();
        }
    }
    if groups.is_empty() {
        return Err(XaiError::argument(
            "e",
            format!("{} explained values", e.rows.len()),
            "forecasts with observed actuals (explain at backtest origins)",
        ));
    }
    let share = |num: f64, den: f64| if den != 0.0 { num / den } else { f64::NAN };
    let mut segments: Vec<SegmentError> = groups
        .into_iter()
        .map(|(segment, g)| SegmentError {
            main_driver: g.drivers.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)),
            wape: share(g.abs_error, g.actual),
            bias: share(g.forecast - g.actual, g.actual),
            segment,
            n: g.n,
            abs_error: g.abs_error,
            actual: g.actual,
            forecast: g.forecast,
        })
        .collect();
    segments.sort_by(|a, b| b.abs_error.total_cmp(&a.abs_error).then_with(|| a.segment.cmp(&b.segment)));
    Ok(SegmentErrors { by: by.to_string(), segments })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::RowExplanation;
    use forecast_core::data::generator::RetailGenerator;
    use forecast_core::forecast::Forecasts;

    fn row(series: usize, t: usize, forecast: f64, contributions: Vec<f64>) -> RowExplanation {
        RowExplanation {
            series,
            step: 1,
            t,
            forecast,
            base: 0.0,
            values: vec![0.0; 2],
            contributions,
            features: 0,
            clamp: 0.0,
        }
    }

    #[test]
    fn groups_rank_and_name_the_main_driver() {
        let panel = RetailGenerator::new(3).stores(2).items(2).days(60).future_days(0).generate().panel;
        let store = |s: usize| panel.series[s].key.0[0].clone();
        let t = 10;
        let actual = |s: usize| panel.series[s].target[t];
        // Series 0 and 1 share a store; series 2 is in the other.
        assert_eq!(store(0), store(1));
        assert_ne!(store(0), store(2));
        let e = ForecastExplanation {
            forecasts: Forecasts { model: "m".into(), horizon: 1, series: Vec::new() },
            rows: vec![
                row(0, t, actual(0) + 2.0, vec![1.0, -3.0]),
                row(1, t, actual(1) - 1.0, vec![0.5, 0.5]),
                row(2, t, actual(2) + 10.0, vec![4.0, 0.1]),
            ],
            feature_sets: vec![vec!["promo".into(), "lag_1".into()]],
        };
        let out = segment_errors(&panel, "store", &e).unwrap();
        assert_eq!(out.segments.len(), 2);
        let worst = &out.segments[0];
        assert_eq!(worst.segment, store(2));
        assert_eq!(worst.main_driver.as_ref().unwrap().0, "promo");
        let other = &out.segments[1];
        assert_eq!(other.n, 2);
        assert!((other.forecast - other.actual - 1.0).abs() < 1e-9);
        assert!((other.abs_error - 3.0).abs() < 1e-9);
        assert_eq!(other.main_driver.as_ref().unwrap().0, "lag_1");
        assert!(segment_errors(&panel, "colour", &e).is_err());
    }
}
