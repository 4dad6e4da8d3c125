//! Forecast accuracy metrics, each documented with its formula.
//!
//! Free functions on slices ([`rmse`], [`mae`], [`bias`], [`mape`], [`smape`], [`wape`],
//! [`mase`], [`rmsse`], [`r2`], [`pinball`], [`coverage`]) skip pairs whose actual is NaN and
//! return NaN rather than panic on degenerate input. [`MetricSet`] holds all point metrics of
//! one series; [`Evaluation`] pools many series and windows into an [`EvaluationSummary`].
//!
//! ```
//! use forecast_core::metrics::{Evaluation, mase, wape};
//!
//! let train = [3.0, 5.0, 4.0, 6.0];
//! let (actual, pred) = ([5.0, f64::NAN, 7.0], [4.0, 1.0, 7.0]);
//! assert_eq!(wape(&actual, &pred), 1.0 / 12.0);
//! // Seasonal naive (season 2) in-sample MAE of the training part is (1 + 1) / 2 = 1.
//! assert_eq!(mase(&actual, &pred, &train, 2), 0.5);
//!
//! let mut ev = Evaluation::new(2);
//! ev.add(&actual, &pred, &train)?;
//! assert_eq!(ev.summary().mae, 0.5);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod evaluation;
mod point;
mod serde_nan;

pub use evaluation::{Evaluation, EvaluationSummary, MetricSet};
pub use point::{bias, coverage, mae, mape, mase, pinball, r2, rmse, rmsse, seasonal_scale, smape, wape};
