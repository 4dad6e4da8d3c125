//! Scoring backtest windows: pooled point metrics, mean MASE over series, interval coverage.

use super::WindowResult;
use crate::Panel;
use crate::forecast::{Forecasts, SeriesForecast};
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

#[derive(Debug, Default)]
struct Accumulator {
    actual: Vec<f64>,
    point: Vec<f64>,
    mase: Vec<f64>,
    conformal: Vec<bool>,
    quantile: Vec<bool>,
}

impl Accumulator {
    fn add(
        &mut self,
        train: &[f64],
        actual: &[f64],
        f: &SeriesForecast,
        conformal: Option<&SeriesForecast>,
        (lo, hi): (f64, f64),
        season: usize,
    ) {
        let mut a_s = Vec::new();
        let mut p_s = Vec::new();
        for (k, (&a, &p)) in actual.iter().zip(&f.point).enumerate() {
            if a.is_nan() {
                continue;
            }
            a_s.push(a);
            p_s.push(p);
            if let Some(inside) = conformal.and_then(|c| inside(c, k, a, lo, hi)) {
                self.conformal.push(inside);
            }
            if let Some(inside) = inside(f, k, a, lo, hi) {
                self.quantile.push(inside);
            }
        }
        if a_s.is_empty() {
            return;
        }
        if let Some(scale) = seasonal_naive_mae(train, season) {
            let mae = a_s.iter().zip(&p_s).map(|(a, p)| (a - p).abs()).sum::<f64>() / a_s.len() as f64;
            self.mase.push(mae / scale);
        }
        self.actual.extend(a_s);
        self.point.extend(p_s);
    }

    fn finish(self) -> Option<Metrics> {
        let n = self.actual.len();
        if n == 0 {
            return None;
        }
        let err: Vec<f64> = self.point.iter().zip(&self.actual).map(|(p, a)| p - a).collect();
        let abs: f64 = err.iter().map(|e| e.abs()).sum();
        let share = |v: &[bool]| (!v.is_empty()).then(|| v.iter().filter(|&&b| b).count() as f64 / v.len() as f64);
        Some(Metrics {
            wape: abs / self.actual.iter().map(|a| a.abs()).sum::<f64>(),
            mase: if self.mase.is_empty() { f64::NAN } else { self.mase.iter().sum::<f64>() / self.mase.len() as f64 },
            rmse: (err.iter().map(|e| e * e).sum::<f64>() / n as f64).sqrt(),
            mae: abs / n as f64,
            bias: err.iter().sum::<f64>() / n as f64,
            coverage: share(&self.conformal),
            quantile_coverage: share(&self.quantile),
            n,
        })
    }
}

fn inside(f: &SeriesForecast, k: usize, a: f64, lo: f64, hi: f64) -> Option<bool> {
    let l = *f.quantile(lo)?.get(k)?;
    let u = *f.quantile(hi)?.get(k)?;
    Some(a >= l && a <= u)
}

/// In-sample MAE of the seasonal naive forecast `y[t - season]` over pairs where both are
/// observed; None when there is no pair or the scale is 0.
fn seasonal_naive_mae(train: &[f64], season: usize) -> Option<f64> {
    let diffs: Vec<f64> =
        train.iter().skip(season).zip(train).map(|(a, b)| (a - b).abs()).filter(|d| !d.is_nan()).collect();
    let scale = diffs.iter().sum::<f64>() / diffs.len().max(1) as f64;
    (!diffs.is_empty() && scale > 0.0).then_some(scale)
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
        if !w.scored[f.series] || only.is_some_and(|s| s != f.series) {
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
