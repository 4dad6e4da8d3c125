//! Rolling-origin backtests (time-series cross-validation).
//!
//! Window `w` of `windows` has its origin `horizon + (windows - 1 - w) * step` periods before
//! the end: with calendar-aligned [`Cutoffs`] (the default) one cutoff date for every series,
//! counted back from the panel's last date; with per-series cutoffs from each series' own end.
//! A model is fitted on the targets before the window's origins (or once, before the first
//! window, when `refit` is off) and forecasts `horizon` steps; targets at or after an origin
//! are never read for that window's fit or forecast.
//!
//! A series with too little history before a window's cutoff, or no actual in its test
//! period, is left out of that window for every model and counted in the report
//! ([`WindowPlan::left_out`]); it never fails the run.
//!
//! The conformal interval of window `w` is calibrated on the residuals of the windows before
//! it only, so the reported coverage is what a forecaster calibrated on its past would have
//! achieved (window 0 has no interval). The final calibration, for forecasts after the panel,
//! uses every window.

mod plan;
mod report;
mod score;

pub use plan::{Cutoffs, LeftOut, WindowPlan};
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
/// | `cutoffs` | aligned | one cutoff date for all series, or per-series ends | [`Cutoffs`] |
/// | `refit` | true | refit at every origin (else fit once before the first) | |
/// | `season` | the frequency's (7 daily, 52 weekly, 12 monthly) | seasonal period of the MASE scale | >= 1 |
/// | `coverage` | 0.8 | nominal coverage of the conformal interval | (0, 1) |
/// | `scale` | series level | conformal residual scaling | |
/// | `level_window` | 28 | observations of the series level | >= 1 |
/// | `min_history` | 1 | series with fewer observed targets before an origin are left out there | >= 1 |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Number of windows (origins).
    pub windows: usize,
    /// Forecast horizon of each window.
    pub horizon: usize,
    /// Periods between consecutive origins; `None` = horizon.
    pub step: Option<usize>,
    /// Calendar-aligned or per-series origins.
    pub cutoffs: Cutoffs,
    /// Refit at each origin.
    pub refit: bool,
    /// Seasonal period of the MASE scale; `None` = the panel frequency's default season.
    pub season: Option<usize>,
    /// Nominal coverage of the conformal interval.
    pub coverage: f64,
    /// Conformal residual scaling.
    pub scale: ConformalScale,
    /// Observations used for the series level of scaled intervals.
    pub level_window: usize,
    /// Minimum observed history before an origin for a series to be forecast there.
    pub min_history: usize,
}

impl Default for Backtest {
    fn default() -> Self {
        Self {
            windows: 3,
            horizon: 28,
            step: None,
            cutoffs: Cutoffs::Aligned,
            refit: true,
            season: None,
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

    /// The seasonal period of the MASE scale on `panel`.
    pub fn season_of(&self, panel: &Panel) -> usize {
        self.season.unwrap_or_else(|| panel.frequency.default_season())
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
        if self.season == Some(0) {
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

    /// Run every forecaster through every window.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] for bad settings; [`crate::Error::InvalidData`] when a
    /// window has no series to score; any fit or forecast error.
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
        panel.validate()?;
        let plans = self.plan(panel)?;
        if let Some(p) = plans.iter().find(|p| p.n_included() == 0) {
            return Err(crate::Error::InvalidData(format!(
                "backtest window {}: no series can be scored ({} with too little history before the cutoff, \
                 {} without actuals after it); use fewer windows or a shorter horizon or step",
                p.window,
                p.count(LeftOut::NoHistory),
                p.count(LeftOut::NoActuals),
            )));
        }
        let mut models = Vec::with_capacity(forecasters.len());
        for forecaster in forecasters {
            let mut windows = Vec::with_capacity(self.windows);
            let mut fitted = None;
            for plan in &plans {
                if self.refit || fitted.is_none() {
                    fitted = Some(forecaster.fit(panel, &plan.origin)?);
                }
                let model =
                    fitted.as_ref().ok_or_else(|| crate::Error::InvalidData("backtest: no fitted model".into()))?;
                let forecasts = model.forecast(panel, &plan.origins(), self.horizon)?;
                windows.push(self.window_result(panel, plan, forecasts));
                progress(Progress { model: forecaster.name(), window: plan.window, windows: self.windows });
            }
            models.push(self.finish_model(panel, forecaster.name(), windows)?);
        }
        Ok(BacktestReport { backtest: self.clone(), series: panel.series.len(), plans, models })
    }

    fn window_result(&self, panel: &Panel, plan: &WindowPlan, forecasts: Forecasts) -> WindowResult {
        let actuals = forecasts
            .series
            .iter()
            .map(|f| {
                let s = &panel.series[f.series];
                (f.origin..f.origin + self.horizon).map(|t| s.target.get(t).copied().unwrap_or(f64::NAN)).collect()
            })
            .collect();
        WindowResult { window: plan.window, forecasts, actuals, metrics: None }
    }

    fn residuals(&self, panel: &Panel, w: &WindowResult) -> Vec<Residual> {
        let mut out = Vec::new();
        for (f, actual) in w.forecasts.series.iter().zip(&w.actuals) {
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

    /// Conformal intervals from `residuals`, or `None` when no residual is finite (e.g. the
    /// first window has no earlier windows to calibrate on); any other problem is an error.
    fn calibrate(&self, residuals: &[Residual]) -> Result<Option<ConformalIntervals>> {
        if residuals.is_empty() {
            return Ok(None);
        }
        match ConformalIntervals::calibrate(residuals, self.horizon, self.coverage, self.scale, self.level_window) {
            Ok(c) => Ok(Some(c)),
            Err(crate::Error::InvalidData(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Measure conformal coverage window by window (calibrated on the earlier windows), score
    /// every window, and calibrate the final intervals on all windows.
    fn finish_model(&self, panel: &Panel, name: &str, mut windows: Vec<WindowResult>) -> Result<ModelBacktest> {
        let season = self.season_of(panel);
        let residuals: Vec<Vec<Residual>> = windows.iter().map(|w| self.residuals(panel, w)).collect();
        let (lo, hi) = ((1.0 - self.coverage) / 2.0, (1.0 + self.coverage) / 2.0);
        let mut conformal_paths = Vec::with_capacity(windows.len());
        for (w, window) in windows.iter().enumerate() {
            let earlier: Vec<Residual> = residuals[..w].iter().flatten().copied().collect();
            let calibration = self.calibrate(&earlier)?;
            conformal_paths.push(calibration.map(|c| {
                let mut f = window.forecasts.clone();
                c.apply(panel, &mut f, false);
                f
            }));
        }
        for (window, conformal) in windows.iter_mut().zip(&conformal_paths) {
            window.metrics = score::window_metrics(panel, window, conformal.as_ref(), (lo, hi), season);
        }
        let all: Vec<Residual> = residuals.into_iter().flatten().collect();
        let conformal = self.calibrate(&all)?;
        let metrics = score::pooled_metrics(panel, &windows, &conformal_paths, (lo, hi), season);
        Ok(ModelBacktest { model: name.to_owned(), windows, metrics, conformal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frequency;
    use crate::baseline::{Naive, SeasonalNaive};
    use crate::forecast::testing::{LeastSquares, lag_and_regressors, panel};
    use crate::forecast::{GlobalForecaster, LocalForecaster};
    use chrono::{NaiveDate, TimeDelta};
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

    fn ls() -> GlobalForecaster {
        GlobalForecaster::new("ls", LeastSquares, lag_and_regressors())
    }

    fn origins(bt: &Backtest, p: &Panel) -> Vec<Vec<usize>> {
        bt.plan(p).unwrap().into_iter().map(|w| w.origin).collect()
    }

    #[test]
    fn per_series_origins_count_back_from_each_series_end() {
        let p = panel(vec![(vec![1.0; 100], vec![0.0; 100]), (vec![1.0; 40], vec![0.0; 40])]);
        let bt = Backtest { step: Some(5), cutoffs: Cutoffs::PerSeries, ..Backtest::new(3, 10) };
        assert_eq!(origins(&bt, &p), vec![vec![80, 20], vec![85, 25], vec![90, 30]]);
        let short = panel(vec![(vec![1.0; 100], vec![0.0; 100]), (vec![1.0; 12], vec![0.0; 12])]);
        let plans = bt.plan(&short).unwrap();
        assert_eq!(plans[0].left_out, vec![None, Some(LeftOut::NoHistory)], "20 periods back of a 12-long series");
        assert_eq!(plans[2].left_out, vec![None, None]);
    }

    #[test]
    fn aligned_cutoffs_share_one_date_and_respect_different_ends() {
        // Series 1 ends 30 days before series 0; both start on the same day.
        let p = panel(vec![(vec![1.0; 100], vec![0.0; 100]), (vec![1.0; 70], vec![0.0; 70])]);
        let bt = Backtest { step: Some(5), ..Backtest::new(3, 10) };
        let plans = bt.plan(&p).unwrap();
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(plans[0].cutoff, Some(start + TimeDelta::days(79)));
        assert_eq!(origins(&bt, &p), vec![vec![80, 70], vec![85, 70], vec![90, 70]]);
        // Series 1 has no actual after any cutoff: left out, not an error.
        assert!(plans.iter().all(|w| w.left_out == vec![None, Some(LeftOut::NoActuals)]));
    }

    #[test]
    fn aligned_cutoffs_never_train_on_a_shock_after_the_cutoff() {
        // Series 0 ends 20 periods early; a shock hits the other series in the 20 periods after
        // series 0's end. Per-series cutoffs put series 0's test window before the shock while
        // the global model trains on the shocked periods of the others; aligned cutoffs don't.
        let len = 200;
        let mut series: Vec<(Vec<f64>, Vec<f64>)> = (0..4)
            .map(|s| {
                let target: Vec<f64> = (0..len).map(|t| 20.0 + ((t * (s + 3)) % 7) as f64).collect();
                (target, vec![0.0; len + 10])
            })
            .collect();
        series[0].0.truncate(len - 20);
        let calm = panel(series.clone());
        for (target, _) in series.iter_mut().skip(1) {
            for v in &mut target[len - 20..] {
                *v *= 5.0;
            }
        }
        let shocked = panel(series);
        let model = ls();
        for cutoffs in [Cutoffs::Aligned, Cutoffs::PerSeries] {
            let bt = Backtest { cutoffs, ..Backtest::new(1, 10) };
            let first = |p: &Panel| {
                let r = bt.run(p, &[&model]).unwrap();
                r.models[0].windows[0].forecasts.series.iter().find(|f| f.series == 0).map(|f| f.point.clone())
            };
            let (a, b) = (first(&calm), first(&shocked));
            match cutoffs {
                // Aligned: series 0 ended before the cutoff; its forecasts are not affected
                // (and not scored: it has no actuals in the window).
                Cutoffs::Aligned => assert_eq!(a, b),
                Cutoffs::PerSeries => assert_ne!(a, b, "per-series cutoffs let the shock leak into series 0's window"),
            }
        }
    }

    #[test]
    fn short_and_late_series_are_left_out_for_every_model_and_counted() {
        let mut series: Vec<(Vec<f64>, Vec<f64>)> =
            (0..3).map(|s| ((0..120).map(|t| 10.0 + ((t + s) % 7) as f64).collect(), vec![0.0; 130])).collect();
        // A series whose first sale comes after every cutoff (all earlier periods missing),
        // and one that is only 5 periods long.
        series.push(((0..120).map(|t| if t < 115 { f64::NAN } else { 3.0 }).collect(), vec![0.0; 130]));
        series.push((vec![2.0; 5], vec![0.0; 5]));
        let p = panel(series);
        let naive = LocalForecaster::new(Naive);
        let snaive = LocalForecaster::new(SeasonalNaive { season: 7 });
        let bt = Backtest::new(3, 7);
        let report = bt.run(&p, &[&ls(), &naive, &snaive]).unwrap();
        assert_eq!(report.left_out(LeftOut::NoHistory), 3, "the late series in every window");
        assert_eq!(report.left_out(LeftOut::NoActuals), 3, "the 5-period series ends before every cutoff");
        for m in &report.models {
            assert!(m.windows.iter().all(|w| w.forecasts.series.len() == 3), "{}", m.model);
            assert_eq!(m.metrics.unwrap().n, 3 * 3 * 7);
        }
        assert!(report.to_string().contains("2 of 5 series left out"), "{report}");
    }

    #[test]
    fn windows_never_train_on_data_after_their_origin() {
        let p = noisy_panel(4, 120, 7);
        let model = ls();
        for cutoffs in [Cutoffs::Aligned, Cutoffs::PerSeries] {
            for refit in [true, false] {
                let bt = Backtest { refit, cutoffs, step: Some(7), ..Backtest::new(3, 14) };
                let base = bt.run(&p, &[&model]).unwrap();
                for w in 0..3 {
                    let mut poisoned = p.clone();
                    for (s, o) in poisoned.series.iter_mut().zip(&bt.plan(&p).unwrap()[w].origin) {
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
    }

    #[test]
    fn conformal_coverage_is_calibrated_on_earlier_windows_only() {
        let p = noisy_panel(30, 150, 11);
        let bt = Backtest { step: Some(10), ..Backtest::new(4, 10) };
        let model = ls();
        let base = bt.run(&p, &[&model]).unwrap();
        assert_eq!(base.models[0].windows[0].metrics.unwrap().coverage, None, "nothing before window 0");
        // Later windows' actuals must not move an earlier window's interval.
        let mut later = p.clone();
        let last_origin = bt.plan(&p).unwrap()[3].origin.clone();
        for (s, o) in later.series.iter_mut().zip(&last_origin) {
            for v in &mut s.target[*o..] {
                *v *= 3.0;
            }
        }
        let after = bt.run(&later, &[&model]).unwrap();
        for w in 0..3 {
            assert_eq!(base.models[0].windows[w].metrics, after.models[0].windows[w].metrics, "window {w}");
        }
        assert_ne!(base.models[0].conformal, after.models[0].conformal, "the final calibration uses every window");
    }

    #[test]
    fn metrics_and_conformal_coverage_are_measured() {
        let p = noisy_panel(30, 150, 11);
        let bt = Backtest { step: Some(10), ..Backtest::new(4, 10) };
        let model = ls().quantile(0.1, LeastSquares);
        let report = bt.run(&p, &[&model]).unwrap();
        let m = report.models[0].metrics.unwrap();
        assert_eq!(m.n, 30 * 4 * 10);
        // the noise is uniform on [-4, 4] around ~29: WAPE about 2/29, coverage near 0.8
        assert!(m.wape > 0.03 && m.wape < 0.12, "{m:?}");
        let cov = m.coverage.unwrap();
        assert!((0.65..=0.92).contains(&cov), "conformal coverage {cov}");
        assert_eq!(m.quantile_coverage, None, "only q0.1 is forecast, there is no 80% band of its own");
        let c = report.models[0].conformal.as_ref().unwrap();
        assert!(c.half_width.iter().all(|h| *h > 0.05 && *h < 0.2), "{:?}", c.half_width);
        let table = report.to_string();
        assert!(table.contains("ls") && table.contains("WAPE"), "{table}");
        let s = report.models[0].series_metrics(&p, &bt, 0, 3).unwrap();
        assert_eq!(s.n, 10);
    }

    #[test]
    fn mase_season_follows_the_frequency() {
        let mut p = noisy_panel(3, 160, 5);
        p.frequency = Frequency::Weekly;
        let naive = LocalForecaster::new(Naive);
        let bt = Backtest::new(1, 8);
        assert_eq!(bt.season_of(&p), 52);
        let r = bt.run(&p, &[&naive]).unwrap();
        let w = &r.models[0].windows[0];
        let expected: Vec<f64> = w
            .forecasts
            .series
            .iter()
            .zip(&w.actuals)
            .map(|(f, a)| crate::metrics::mase(a, &f.point, &p.series[f.series].target[..f.origin], 52))
            .collect();
        let mean = expected.iter().sum::<f64>() / expected.len() as f64;
        assert!((r.models[0].metrics.unwrap().mase - mean).abs() < 1e-12);
        let seven = Backtest { season: Some(7), ..bt }.run(&p, &[&naive]).unwrap();
        assert_ne!(seven.models[0].metrics.unwrap().mase, r.models[0].metrics.unwrap().mase);
    }

    #[test]
    fn bad_settings_are_errors() {
        let p = noisy_panel(2, 30, 1);
        let model = ls();
        assert!(Backtest::new(0, 5).run(&p, &[&model]).is_err());
        assert!(Backtest::new(2, 0).run(&p, &[&model]).is_err());
        assert!(Backtest { coverage: 1.0, ..Backtest::new(2, 5) }.run(&p, &[&model]).is_err());
        assert!(Backtest::new(3, 15).run(&p, &[&model]).is_err(), "45 periods back of 30-long series");
    }
}
