//! Rolling-origin backtests (time-series cross-validation).
//!
//! Window `w` of `windows` has, for each series of length `n`, the origin
//! `n - horizon - (windows - 1 - w) * step`: origins are counted back from the end of each
//! series, the last window ends at the last observation. A model is fitted on the targets
//! before the window's origin (or once, before the first origin, when `refit` is off) and
//! forecasts `horizon` steps; targets at or after an origin are never read for that window's
//! fit or forecast. Coverage of the 80% conformal interval of window `w` is measured with
//! intervals calibrated on the residuals of the other windows.

mod report;
mod score;

pub use report::{BacktestReport, ModelBacktest, WindowResult};
pub use score::Metrics;

use crate::forecast::{Forecaster, Forecasts};
use crate::interval::{ConformalIntervals, ConformalScale, Residual};
use crate::{Panel, Result};
use serde::{Deserialize, Serialize};

/// Rolling-origin backtest settings.
///
/// | Setting | Default | Purpose | Range |
/// |---|---|---|---|
/// | `windows` | 3 | number of origins | >= 1 |
/// | `horizon` | 28 | steps forecast from each origin | >= 1 |
/// | `step` | `horizon` | periods between consecutive origins | >= 1 |
/// | `refit` | true | refit at every origin (else fit once before the first) | |
/// | `season` | 7 | seasonal period of the MASE scale | >= 1 |
/// | `coverage` | 0.8 | nominal coverage of the conformal interval | (0, 1) |
/// | `scale` | series level | conformal residual scaling | |
/// | `level_window` | 28 | observations of the series level | >= 1 |
/// | `min_history` | 1 | series with fewer targets before an origin are not scored there | >= 1 |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Number of windows (origins).
    pub windows: usize,
    /// Forecast horizon of each window.
    pub horizon: usize,
    /// Periods between consecutive origins; `None` = horizon.
    pub step: Option<usize>,
    /// Refit at each origin.
    pub refit: bool,
    /// Seasonal period of the MASE scale.
    pub season: usize,
    /// Nominal coverage of the conformal interval.
    pub coverage: f64,
    /// Conformal residual scaling.
    pub scale: ConformalScale,
    /// Observations used for the series level of scaled intervals.
    pub level_window: usize,
    /// Minimum observed history before an origin for a series to be scored.
    pub min_history: usize,
}

impl Default for Backtest {
    fn default() -> Self {
        Self {
            windows: 3,
            horizon: 28,
            step: None,
            refit: true,
            season: 7,
            coverage: 0.8,
            scale: ConformalScale::SeriesLevel,
            level_window: 28,
            min_history: 1,
        }
    }
}

/// Which unit of backtest work just finished (for progress bars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// The model's name.
    pub model: &'a str,
    /// 0-based window index.
    pub window: usize,
    /// Number of windows.
    pub windows: usize,
}

impl Backtest {
    /// `windows` windows of `horizon` steps, other settings default.
    pub fn new(windows: usize, horizon: usize) -> Self {
        Self { windows, horizon, ..Self::default() }
    }

    /// The periods between consecutive origins.
    pub fn step(&self) -> usize {
        self.step.unwrap_or(self.horizon)
    }

    fn check(&self) -> Result<()> {
        let bad = |name, value: usize| crate::Error::InvalidParam { name, value: value.to_string(), expected: ">= 1" };
        if self.windows == 0 {
            return Err(bad("windows", 0));
        }
        if self.horizon == 0 {
            return Err(bad("horizon", 0));
        }
        if self.step() == 0 {
            return Err(bad("step", 0));
        }
        if self.season == 0 {
            return Err(bad("season", 0));
        }
        if !(self.coverage > 0.0 && self.coverage < 1.0) {
            return Err(crate::Error::InvalidParam {
                name: "coverage",
                value: self.coverage.to_string(),
                expected: "a level strictly between 0 and 1",
            });
        }
        Ok(())
    }

    /// The origin of every series in every window (`[window][series]`), and whether that
    /// series is scored in that window (enough history before the origin).
    ///
    /// A series too short for a window gets the origin 0-clamped and is not scored.
    pub fn origins(&self, panel: &Panel) -> Vec<(Vec<usize>, Vec<bool>)> {
        (0..self.windows)
            .map(|w| {
                let back = self.horizon + (self.windows - 1 - w) * self.step();
                panel
                    .series
                    .iter()
                    .map(|s| {
                        let origin = s.len().saturating_sub(back);
                        let observed = s.target[..origin].iter().filter(|v| !v.is_nan()).count();
                        (origin, s.len() >= back && observed >= self.min_history.max(1))
                    })
                    .unzip()
            })
            .collect()
    }

    /// Run every forecaster through every window.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] for bad settings; [`crate::Error::InvalidData`] when no
    /// series is long enough for a window; any fit or forecast error.
    pub fn run(&self, panel: &Panel, forecasters: &[&dyn Forecaster]) -> Result<BacktestReport> {
        self.run_with_progress(panel, forecasters, &mut |_| {})
    }

    /// [`Backtest::run`], calling `progress` after each (model, window).
    ///
    /// # Errors
    /// As [`Backtest::run`].
    pub fn run_with_progress(
        &self,
        panel: &Panel,
        forecasters: &[&dyn Forecaster],
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<BacktestReport> {
        self.check()?;
        let origins = self.origins(panel);
        if let Some(w) = origins.iter().position(|(_, scored)| !scored.iter().any(|&b| b)) {
            return Err(crate::Error::InvalidData(format!(
                "backtest window {w}: no series has {} periods of history plus {} for the windows; \
                 use fewer windows or a shorter horizon or step",
                self.min_history,
                self.horizon + (self.windows - 1 - w) * self.step()
            )));
        }
        let mut models = Vec::with_capacity(forecasters.len());
        for forecaster in forecasters {
            let mut windows = Vec::with_capacity(self.windows);
            let mut fitted = None;
            for (w, (origin, scored)) in origins.iter().enumerate() {
                if self.refit || fitted.is_none() {
                    fitted = Some(forecaster.fit(panel, origin)?);
                }
                let model =
                    fitted.as_ref().ok_or_else(|| crate::Error::InvalidData("backtest: no fitted model".into()))?;
                let forecasts = model.forecast(origin, self.horizon)?;
                windows.push(self.window_result(panel, w, origin, scored, forecasts));
                progress(Progress { model: forecaster.name(), window: w, windows: self.windows });
            }
            models.push(self.finish_model(panel, forecaster.name(), windows)?);
        }
        Ok(BacktestReport { backtest: self.clone(), series: panel.series.len(), models })
    }

    fn window_result(
        &self,
        panel: &Panel,
        window: usize,
        origin: &[usize],
        scored: &[bool],
        forecasts: Forecasts,
    ) -> WindowResult {
        let actuals = panel
            .series
            .iter()
            .zip(origin)
            .map(|(s, &o)| (o..o + self.horizon).map(|t| s.target.get(t).copied().unwrap_or(f64::NAN)).collect())
            .collect();
        WindowResult { window, origin: origin.to_vec(), scored: scored.to_vec(), forecasts, actuals, metrics: None }
    }

    fn residuals(&self, panel: &Panel, w: &WindowResult) -> Vec<Residual> {
        let mut out = Vec::new();
        for (f, actual) in w.forecasts.series.iter().zip(&w.actuals).filter(|(f, _)| w.scored[f.series]) {
            let history = &panel.series[f.series].target[..f.origin];
            let scale = ConformalIntervals::scale_of(self.scale, history, self.level_window);
            for (step, (a, p)) in actual.iter().zip(&f.point).enumerate() {
                if !a.is_nan() {
                    out.push(Residual { step, residual: a - p, scale });
                }
            }
        }
        out
    }

    /// Conformal intervals from `residuals`, or `None` when no residual is finite (e.g. a
    /// single window has no other windows to calibrate on); any other problem is an error.
    fn calibrate(&self, residuals: &[Residual]) -> Result<Option<ConformalIntervals>> {
        match ConformalIntervals::calibrate(residuals, self.horizon, self.coverage, self.scale, self.level_window) {
            Ok(c) => Ok(Some(c)),
            Err(crate::Error::InvalidData(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Measure conformal coverage window by window (calibrated on the other windows), score
    /// every window, and calibrate the final intervals on all windows.
    fn finish_model(&self, panel: &Panel, name: &str, mut windows: Vec<WindowResult>) -> Result<ModelBacktest> {
        let residuals: Vec<Vec<Residual>> = windows.iter().map(|w| self.residuals(panel, w)).collect();
        let (lo, hi) = ((1.0 - self.coverage) / 2.0, (1.0 + self.coverage) / 2.0);
        let mut conformal_paths = Vec::with_capacity(windows.len());
        for (w, window) in windows.iter().enumerate() {
            let others: Vec<Residual> =
                residuals.iter().enumerate().filter(|(v, _)| *v != w).flat_map(|(_, r)| r.iter().copied()).collect();
            let calibration = self.calibrate(&others)?;
            conformal_paths.push(calibration.map(|c| {
                let mut f = window.forecasts.clone();
                c.apply(panel, &mut f, false);
                f
            }));
        }
        for (window, conformal) in windows.iter_mut().zip(&conformal_paths) {
            window.metrics = score::window_metrics(panel, window, conformal.as_ref(), (lo, hi), self.season);
        }
        let all: Vec<Residual> = residuals.into_iter().flatten().collect();
        let conformal = self.calibrate(&all)?;
        let metrics = score::pooled_metrics(panel, &windows, &conformal_paths, (lo, hi), self.season);
        Ok(ModelBacktest { model: name.to_owned(), windows, metrics, conformal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::GlobalForecaster;
    use crate::forecast::testing::{LagAndRegressors, LeastSquares, panel};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn noisy_panel(n_series: usize, len: usize, seed: u64) -> Panel {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        panel(
            (0..n_series)
                .map(|s| {
                    let reg: Vec<f64> = (0..len + 10).map(|t| ((t + s) % 7) as f64).collect();
                    let target = reg[..len].iter().map(|r| 20.0 + 3.0 * r + rng.random_range(-4.0..4.0)).collect();
                    (target, reg)
                })
                .collect(),
        )
    }

    #[test]
    fn origins_count_back_from_each_series_end() {
        let p = panel(vec![(vec![1.0; 100], vec![0.0; 100]), (vec![1.0; 40], vec![0.0; 40])]);
        let bt = Backtest { step: Some(5), ..Backtest::new(3, 10) };
        let o = bt.origins(&p);
        assert_eq!(
            o.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>(),
            vec![vec![80, 20], vec![85, 25], vec![90, 30]]
        );
        let short = panel(vec![(vec![1.0; 100], vec![0.0; 100]), (vec![1.0; 12], vec![0.0; 12])]);
        let o = bt.origins(&short);
        assert_eq!(o[0].1, vec![true, false], "20 periods back of a 12-long series is not scored");
        assert_eq!(o[2].1, vec![true, true]);
    }

    #[test]
    fn windows_never_train_on_data_after_their_origin() {
        let p = noisy_panel(4, 120, 7);
        let bt = Backtest { step: Some(7), ..Backtest::new(3, 14) };
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors);
        for refit in [true, false] {
            let bt = Backtest { refit, ..bt.clone() };
            let base = bt.run(&p, &[&model]).unwrap();
            for w in 0..3 {
                let mut poisoned = p.clone();
                for (s, o) in poisoned.series.iter_mut().zip(&bt.origins(&p)[w].0) {
                    for v in &mut s.target[*o..] {
                        *v = 1e6;
                    }
                }
                let after = bt.run(&poisoned, &[&model]).unwrap();
                for v in 0..=w {
                    assert_eq!(
                        base.models[0].windows[v].forecasts, after.models[0].windows[v].forecasts,
                        "window {v} changed when targets from window {w}'s origin on changed (refit {refit})"
                    );
                }
                assert_ne!(base.models[0].windows[w].actuals, after.models[0].windows[w].actuals);
            }
        }
    }

    #[test]
    fn metrics_and_conformal_coverage_are_measured() {
        let p = noisy_panel(30, 150, 11);
        let bt = Backtest { step: Some(10), ..Backtest::new(4, 10) };
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors).quantile(0.1, LeastSquares);
        let report = bt.run(&p, &[&model]).unwrap();
        let m = report.models[0].metrics.unwrap();
        assert_eq!(m.n, 30 * 4 * 10);
        // the noise is uniform on [-4, 4] around ~29: WAPE about 2/29, coverage near 0.8
        assert!(m.wape > 0.03 && m.wape < 0.12, "{m:?}");
        let cov = m.coverage.unwrap();
        assert!((0.7..=0.9).contains(&cov), "conformal coverage {cov}");
        assert_eq!(m.quantile_coverage, None, "only q0.1 is forecast, there is no 80% band of its own");
        let c = report.models[0].conformal.as_ref().unwrap();
        assert!(c.half_width.iter().all(|h| *h > 0.05 && *h < 0.2), "{:?}", c.half_width);
        let table = report.to_string();
        assert!(table.contains("ls") && table.contains("WAPE"), "{table}");
        let s = report.models[0].series_metrics(&p, &bt, 0, 3).unwrap();
        assert_eq!(s.n, 10);
    }

    #[test]
    fn bad_settings_are_errors() {
        let p = noisy_panel(2, 30, 1);
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors);
        assert!(Backtest::new(0, 5).run(&p, &[&model]).is_err());
        assert!(Backtest::new(2, 0).run(&p, &[&model]).is_err());
        assert!(Backtest { coverage: 1.0, ..Backtest::new(2, 5) }.run(&p, &[&model]).is_err());
        assert!(Backtest::new(3, 15).run(&p, &[&model]).is_err(), "45 periods back of 30-long series");
    }
}
