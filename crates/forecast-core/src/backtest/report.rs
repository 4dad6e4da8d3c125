//! Backtest results: per window and series forecasts with actuals, and metrics per model.

use super::{Backtest, LeftOut, Metrics, WindowPlan, score};
use crate::Panel;
use crate::forecast::Forecasts;
use crate::interval::ConformalIntervals;
use std::fmt;

/// One window of one model.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowResult {
    /// 0-based window index (0 = earliest origin).
    pub window: usize,
    /// The model's forecasts of the series the window includes (see [`WindowPlan`]).
    pub forecasts: Forecasts,
    /// Actual targets of each forecast step, aligned with `forecasts.series` (NaN where
    /// missing or past the series' end).
    pub actuals: Vec<Vec<f64>>,
    /// Metrics of the window over scored series (None when nothing was scored).
    pub metrics: Option<Metrics>,
}

/// Every window of one model, pooled metrics and the conformal calibration of all windows.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelBacktest {
    /// The model's name.
    pub model: String,
    /// Window results, earliest first.
    pub windows: Vec<WindowResult>,
    /// Metrics pooled over windows.
    pub metrics: Option<Metrics>,
    /// Conformal intervals calibrated on every window's residuals, for future forecasts.
    pub conformal: Option<ConformalIntervals>,
}

impl ModelBacktest {
    /// Metrics of `series` in `window` (the model's own quantile coverage included when the
    /// forecasts carry the backtest's interval quantiles).
    pub fn series_metrics(&self, panel: &Panel, backtest: &Backtest, window: usize, series: usize) -> Option<Metrics> {
        let w = self.windows.get(window)?;
        let bounds = ((1.0 - backtest.coverage) / 2.0, (1.0 + backtest.coverage) / 2.0);
        score::series_metrics(panel, w, series, bounds, backtest.season_of(panel))
    }
}

/// The result of [`Backtest::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestReport {
    /// The settings that produced it.
    pub backtest: Backtest,
    /// Number of series in the panel.
    pub series: usize,
    /// Each window's origins and the series it left out, with the reason.
    pub plans: Vec<WindowPlan>,
    /// One entry per forecaster, in the order given.
    pub models: Vec<ModelBacktest>,
}

impl BacktestReport {
    /// The entry of model `name`.
    pub fn model(&self, name: &str) -> Option<&ModelBacktest> {
        self.models.iter().find(|m| m.model == name)
    }

    /// Series left out of a window, summed over windows, for `why`.
    pub fn left_out(&self, why: LeftOut) -> usize {
        self.plans.iter().map(|p| p.count(why)).sum()
    }
}

fn cell(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "-".into(),
    }
}

impl fmt::Display for BacktestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = (self.backtest.coverage * 100.0).round();
        writeln!(
            f,
            "{:<16} {:>8} {:>8} {:>10} {:>10} {:>9} {:>9}",
            "model",
            "WAPE",
            "MASE",
            "RMSE",
            "bias",
            format!("cov{pct}"),
            format!("qcov{pct}")
        )?;
        for m in &self.models {
            let x = m.metrics;
            writeln!(
                f,
                "{:<16} {:>8} {:>8} {:>10} {:>10} {:>9} {:>9}",
                m.model,
                cell(x.map(|x| x.wape), 4),
                cell(x.map(|x| x.mase), 4),
                cell(x.map(|x| x.rmse), 3),
                cell(x.map(|x| x.bias), 3),
                cell(x.and_then(|x| x.coverage), 3),
                cell(x.and_then(|x| x.quantile_coverage), 3),
            )?;
        }
        for p in &self.plans {
            let (history, actuals) = (p.count(LeftOut::NoHistory), p.count(LeftOut::NoActuals));
            if history + actuals > 0 {
                let cut = p.cutoff.map(|c| format!(" (cutoff {c})")).unwrap_or_default();
                writeln!(
                    f,
                    "window {}{cut}: {} of {} series left out: {history} without history before the cutoff, \
                     {actuals} without actuals after it",
                    p.window + 1,
                    history + actuals,
                    self.series
                )?;
            }
        }
        Ok(())
    }
}
