//! Prediction intervals: split-conformal intervals calibrated on backtest residuals, per
//! horizon step, either in absolute units or scaled by each series' recent level.
//!
//! Quantile-objective intervals come from [`crate::forecast::GlobalForecaster::quantile`];
//! both kinds end up as quantile paths of a [`crate::forecast::SeriesForecast`] and their
//! coverage is measured by [`crate::backtest`].

mod conformal;

pub use conformal::{ConformalIntervals, ConformalScale, Residual, series_level};
