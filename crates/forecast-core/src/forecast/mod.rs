//! Forecasting: one global model across all series (recursive or direct strategy), local
//! per-series baselines, and the [`Forecaster`] abstraction both implement so that a backtest
//! runs any of them.
//!
//! A forecast starts at an *origin* per series: the exclusive end of the target history it may
//! read. Step `k` (0-based) of the forecast is the target index `origin + k`. Known-future
//! regressors are read at each step's own index.
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

mod direct;
mod feature_builder;
mod features;
mod global;
mod local;
mod output;
mod recursive;
mod strategy;
#[cfg(test)]
pub(crate) mod testing;

pub use direct::direct_rows;
pub use features::{BuildFeatures, RowFeatures, TrainingRows};
pub use global::{FittedGlobal, GlobalForecaster, Learner};
pub use local::{FittedLocal, LocalForecaster};

pub use output::{Forecasts, QuantileForecast, SeriesForecast};
pub use strategy::Strategy;

use crate::{Panel, Result};
use std::fmt::Debug;

/// A forecasting method: fitted on a panel's history up to a per-series end, then asked for
/// forecasts from any later origins.
pub trait Forecaster: Send + Sync + Debug {
    /// Short name used in tables and files, e.g. `"gbdt"` or `"seasonal-naive"`.
    fn name(&self) -> &str;

    /// Fit on targets `panel.series[s].target[..end[s]]` (known-future regressors may be read at
    /// any index). Targets at or after `end[s]` are never read.
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] when `end` has the wrong length, and any feature or
    /// learner error.
    fn fit<'a>(&self, panel: &'a Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster + 'a>>;
}

/// A fitted [`Forecaster`].
pub trait FittedForecaster: Send + Sync + Debug {
    /// Forecast `horizon` steps from `origin[s]` for every series: only targets before
    /// `origin[s]` are read.
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] when `origin` has the wrong length; model errors.
    fn forecast(&self, origin: &[usize], horizon: usize) -> Result<Forecasts>;
}

/// Fit on the whole history of every series and forecast the `horizon` periods after it.
///
/// # Errors
/// As [`Forecaster::fit`] and [`FittedForecaster::forecast`].
pub fn forecast_ahead(forecaster: &dyn Forecaster, panel: &Panel, horizon: usize) -> Result<Forecasts> {
    let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    forecaster.fit(panel, &end)?.forecast(&end, horizon)
}

/// Return a shape error unless `per_series` has one entry per series of `panel`.
pub(crate) fn check_per_series(panel: &Panel, per_series: &[usize], context: &'static str) -> Result<()> {
    if per_series.len() != panel.series.len() {
        return Err(crate::Error::ShapeMismatch { context, expected: panel.series.len(), got: per_series.len() });
    }
    if let Some((s, &e)) =
        panel.series.iter().zip(per_series).enumerate().find(|(_, (s, e))| **e > s.len()).map(|(i, (_, e))| (i, e))
    {
        return Err(crate::Error::InvalidData(format!(
            "{context}: series {} has {} targets, cannot cut it at {e}",
            panel.series[s].key,
            panel.series[s].len()
        )));
    }
    Ok(())
}
