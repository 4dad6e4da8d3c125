//! Scoring backtest windows: pooled point metrics, mean MASE over series, interval coverage.

use super::WindowResult;
use crate::forecast::{Forecasts, SeriesForecast};
use crate::{Panel, metrics};
use serde::{Deserialize, Serialize};

/// Accuracy of one model over a set of forecasts (a window, a series, or every window).
///
/// WAPE, RMSE, MAE and bias pool every scored (non-missing) point; MASE is the mean over
/// (series, window) of the MAE divided by the in-sample seasonal-naive MAE before the origin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `Σ|a - p| / Σ|a|`.
    pub wape: f64,
    /// Mean absolute scaled error (seasonal-naive scale of the training part).
    pub mase: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean of `p - a` (positive = over-forecast).
    pub bias: f64,
    /// Share of actuals inside the conformal interval (None without calibration windows).
    pub coverage: Option<f64>,
    /// Share of actuals inside the model's own quantile interval, if it forecasts those quantiles.
    pub quantile_coverage: Option<f64>,
    /// Number of scored points.
    pub n: usize,
}

/// Scored points of a set of forecasts, kept as slices for [`crate::metrics`].
#[derive(Debug, Default)]
struct Accumulator {
    actual: Vec<f64>,
    point: Vec<f64>,
    mase: Vec<f64>,
    conformal: Band,
    quantile: Band,
}

/// Actuals with the interval bounds around them.
#[derive(Debug, Default)]
struct Band {
    actual: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Band {
    fn add(&mut self, f: &SeriesForecast, k: usize, a: f64, (lo, hi): (f64, f64)) {
        let bound = |alpha| f.quantile(alpha).and_then(|q| q.get(k)).copied();
        if let (Some(l), Some(u)) = (bound(lo), bound(hi)) {
            self.actual.push(a);
            self.lower.push(l);
            self.upper.push(u);
        }
    }

    fn coverage(&self) -> Option<f64> {
        (!self.actual.is_empty()).then(|| metrics::coverage(&self.actual, &self.lower, &self.upper))
    }
}

impl Accumulator {
    fn add(
        &mut self,
        train: &[f64],
        actual: &[f64],
        f: &SeriesForecast,
        conformal: Option<&SeriesForecast>,
        bounds: (f64, f64),
        season: usize,
    ) {
        let n = actual.len().min(f.point.len());
        let (actual, point) = (&actual[..n], &f.point[..n]);
        if actual.iter().all(|a| a.is_nan()) {
            return;
        }
        for (k, &a) in actual.iter().enumerate().filter(|(_, a)| !a.is_nan()) {
            if let Some(c) = conformal {
                self.conformal.add(c, k, a, bounds);
            }
            self.quantile.add(f, k, a, bounds);
        }
        let mase = metrics::mase(actual, point, train, season);
        if mase.is_finite() {
            self.mase.push(mase);
        }
        self.actual.extend_from_slice(actual);
        self.point.extend_from_slice(point);
    }

    fn finish(self) -> Option<Metrics> {
        let n = self.actual.iter().filter(|a| !a.is_nan()).count();
        if n == 0 {
            return None;
        }
        let (a, p) = (&self.actual, &self.point);
        Some(Metrics {
            wape: metrics::wape(a, p),
            mase: if self.mase.is_empty() { f64::NAN } else { self.mase.iter().sum::<f64>() / self.mase.len() as f64 },
            rmse: metrics::rmse(a, p),
            mae: metrics::mae(a, p),
            bias: metrics::bias(a, p),
            coverage: self.conformal.coverage(),
            quantile_coverage: self.quantile.coverage(),
            n,
        })
    }
}

fn add_window(
    acc: &mut Accumulator,
    panel: &Panel,
    w: &WindowResult,
    conformal: Option<&Forecasts>,
    bounds: (f64, f64),
    season: usize,
    only: Option<usize>,
) {
    for (i, (f, actual)) in w.forecasts.series.iter().zip(&w.actuals).enumerate() {
        if only.is_some_and(|s| s != f.series) {
            continue;
        }
        let train = &panel.series[f.series].target[..f.origin];
        acc.add(train, actual, f, conformal.and_then(|c| c.series.get(i)), bounds, season);
    }
}

/// Metrics of one window.
pub(super) fn window_metrics(
    panel: &Panel,
    w: &WindowResult,
    conformal: Option<&Forecasts>,
    bounds: (f64, f64),
    season: usize,
) -> Option<Metrics> {
    let mut acc = Accumulator::default();
    add_window(&mut acc, panel, w, conformal, bounds, season, None);
    acc.finish()
}

/// Metrics of one series in one window (no conformal coverage: that is a pooled measure).
pub(super) fn series_metrics(
    panel: &Panel,
    w: &WindowResult,
    series: usize,
    bounds: (f64, f64),
    season: usize,
) -> Option<Metrics> {
    let mut acc = Accumulator::default();
    add_window(&mut acc, panel, w, None, bounds, season, Some(series));
    acc.finish()
}

/// Metrics pooled over every window.
pub(super) fn pooled_metrics(
    panel: &Panel,
    windows: &[WindowResult],
    conformal: &[Option<Forecasts>],
    bounds: (f64, f64),
    season: usize,
) -> Option<Metrics> {
    let mut acc = Accumulator::default();
    for (w, c) in windows.iter().zip(conformal) {
        add_window(&mut acc, panel, w, c.as_ref(), bounds, season, None);
    }
    acc.finish()
}
