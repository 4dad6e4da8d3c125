//! Forecasting: one global model across all series (recursive or direct strategy), local
//! per-series methods, and the [`Forecaster`] abstraction both implement so that a backtest
//! runs any of them.
//!
//! A forecast starts at an *origin* per series: the exclusive end of the target history it may
//! read. Step `k` (1-based) of the forecast is the target index `origin + k - 1`. Known-future
//! regressors are read at each step's own index. Fitting returns an owned
//! [`ForecastPipeline`] for every built-in forecaster: it
//! borrows no panel and forecasts any panel of the same layout.
//!
//! ```
//! use forecast_core::backtest::Backtest;
//! use forecast_core::baseline::SeasonalNaive;
//! use forecast_core::data::RetailGenerator;
//! use forecast_core::features::FeatureSpec;
//! use forecast_core::forecast::{GlobalForecaster, LocalForecaster, Strategy, forecast_ahead};
//! use forecast_core::gbdt::{Gbdt, Objective};
//! use forecast_core::ParamGuard;
//!
//! let panel = RetailGenerator::new(7).stores(1).items(4).days(240).future_days(14).generate().panel;
//! let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
//! let params = Gbdt::params().objective(Objective::Poisson).n_rounds(30).check()?;
//! let gbdt = GlobalForecaster::new("gbdt", params, features).strategy(Strategy::Direct).horizon(14);
//! let snaive = LocalForecaster::new(SeasonalNaive { season: 7 });
//!
//! let report = Backtest::new(2, 14).run(&panel, &[&gbdt, &snaive])?;
//! println!("{report}"); // WAPE, MASE, RMSE, bias and 80% coverage per model
//!
//! let mut next = forecast_ahead(&gbdt, &panel, 14)?;
//! if let Some(conformal) = &report.models[0].conformal {
//!     conformal.apply(&panel, &mut next, true); // adds the q10 and q90 paths
//! }
//! assert_eq!(next.series[0].point.len(), 14);
//! assert_eq!(next.series[0].quantiles.len(), 2);
//! # Ok::<(), forecast_core::Error>(())
//! ```

pub(crate) mod direct;
mod global;
mod learner;
mod local;
mod output;
pub(crate) mod recursive;
mod strategy;
#[cfg(test)]
pub(crate) mod testing;

pub use direct::direct_step_rows;
pub use global::GlobalForecaster;
pub use learner::{AnyFit, Learner, TrainingSet};
pub use local::{LocalForecaster, LocalMethod};
pub use output::{Forecasts, QuantileForecast, SeriesForecast};
pub use strategy::{StepGroups, Strategy};

use crate::features::FeatureBuilder;
use crate::pipeline::{ForecastPipeline, GlobalModel};
use crate::{Panel, Result};
use std::fmt::Debug;

/// A forecasting method: fitted on a panel's history up to a per-series end, then asked for
/// forecasts from any later origins of any panel with the same layout.
pub trait Forecaster: Send + Sync + Debug {
    /// Short name used in tables and files, e.g. `"gbdt"` or `"seasonal-naive"`.
    fn name(&self) -> &str;

    /// Fit on targets `panel.series[s].target[..end[s]]` (known-future regressors may be read at
    /// any index). Targets at or after `end[s]` are never read. The fitted forecaster owns its
    /// state.
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] when `end` has the wrong length, and any feature or
    /// learner error.
    fn fit(&self, panel: &Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster>>;
}

/// A fitted [`Forecaster`].
pub trait FittedForecaster: Send + Sync + Debug {
    /// Forecast `horizon` steps from `origins[s]` for every series with an origin (`None`
    /// leaves a series out): only targets of `panel` before the origin are read.
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] when `origins` has the wrong length; a panel whose
    /// layout differs from the training panel's; model errors.
    fn forecast(&self, panel: &Panel, origins: &[Option<usize>], horizon: usize) -> Result<Forecasts>;

    /// The fitted pipeline, for forecasters that produce one (every built-in forecaster does),
    /// so that it can be saved and served.
    fn pipeline(&self) -> Option<&ForecastPipeline> {
        None
    }
}

/// Fit on the whole history of every series and forecast the `horizon` periods after it.
///
/// # Errors
/// As [`Forecaster::fit`] and [`FittedForecaster::forecast`].
pub fn forecast_ahead(forecaster: &dyn Forecaster, panel: &Panel, horizon: usize) -> Result<Forecasts> {
    let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    let origins: Vec<Option<usize>> = end.iter().map(|&e| Some(e)).collect();
    forecaster.fit(panel, &end)?.forecast(panel, &origins, horizon)
}

/// Return a shape error unless `per_series` has one entry per series of `panel`, each within
/// its series.
pub(crate) fn check_per_series(panel: &Panel, per_series: &[usize], context: &'static str) -> Result<()> {
    let origins: Vec<Option<usize>> = per_series.iter().map(|&e| Some(e)).collect();
    check_origins(panel, &origins, context)
}

/// As [`check_per_series`] for optional origins.
pub(crate) fn check_origins(panel: &Panel, origins: &[Option<usize>], context: &'static str) -> Result<()> {
    if origins.len() != panel.series.len() {
        return Err(crate::Error::ShapeMismatch { context, expected: panel.series.len(), got: origins.len() });
    }
    for (s, o) in panel.series.iter().zip(origins) {
        if let Some(o) = o
            && *o > s.len()
        {
            return Err(crate::Error::InvalidData(format!(
                "{context}: series {} has {} targets, cannot cut it at {o}",
                s.key,
                s.len()
            )));
        }
    }
    Ok(())
}

/// One forecast of a global model: what the strategies read.
#[derive(Debug)]
pub(crate) struct StrategyRun<'a> {
    pub(crate) model: &'a GlobalModel,
    pub(crate) builder: &'a FeatureBuilder,
    pub(crate) panel: &'a Panel,
    pub(crate) origins: &'a [Option<usize>],
    pub(crate) horizon: usize,
    pub(crate) non_negative: bool,
    /// Keep the design rows of every step.
    pub(crate) record: bool,
}

impl StrategyRun<'_> {
    /// A prediction clamped at zero when the model forecasts non-negative quantities.
    pub(crate) fn clamp(&self, v: f64) -> f64 {
        if self.non_negative { v.max(0.0) } else { v }
    }

    /// `(series, origin)` of every series forecast, in panel order.
    pub(crate) fn included(&self) -> Vec<(usize, usize)> {
        self.origins.iter().enumerate().filter_map(|(s, o)| o.map(|o| (s, o))).collect()
    }
}
