//! Leak-free features for global forecasting models.
//!
//! A [`FeatureSpec`] says which features to build; a [`FeatureBuilder`] prepares them for
//! the series of a [`Panel`](crate::Panel) and writes one row per (series, target index `t`,
//! `shift`): lags, rolling statistics and EWMs of the target (reading only `history[..= t - shift]`),
//! the calendar of `t`'s date, known-future regressors at `t` (holiday flag and distances,
//! relative price, discount depth, promotion, raw values), and static categorical codes.
//! [`FeatureBuilder::training_matrix`] builds all training rows of a panel as a [`DesignMatrix`].
//!
//! `shift` is the gap between the newest target a row may read and the row's own target:
//! the recursive strategy uses `shift = 1` and feeds its predictions back into `history`;
//! the direct strategy uses `shift = horizon`, so every target-derived feature of a row up to
//! `origin + horizon` is known at the origin.
//!
//! ```
//! use forecast_core::features::{FeatureBuilder, FeatureSpec};
//! use forecast_core::{Frequency, Panel, Series, SeriesKey};
//! use chrono::NaiveDate;
//!
//! let series = Series {
//!     key: SeriesKey(vec!["s1".into()]),
//!     start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
//!     target: (0..60).map(|t| (t % 7) as f64).collect(),
//!     regressors: vec![],
//!     statics: vec![],
//! };
//! let panel = Panel {
//!     frequency: Frequency::Daily,
//!     key_names: vec!["sku".into()],
//!     target_name: "units".into(),
//!     regressor_names: vec![],
//!     static_names: vec![],
//!     static_levels: vec![],
//!     series: vec![series],
//! };
//! let spec = FeatureSpec::empty().lags([1, 7]).windows([7]).with_calendar(true);
//! let builder = FeatureBuilder::new(&panel, spec)?;
//! let m = builder.training_matrix(&[60], 1)?;
//! assert_eq!(m.names[..2], ["lag_1", "lag_7"]);
//! assert_eq!(m.n_rows(), 59); // t = 1..60
//! // Direct strategy, horizon 7: lag 1 now reads t - 7.
//! assert_eq!(builder.names_for_shift(7)[..3], ["lag_7", "lag_13", "roll_mean_7_s7"]);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod builder;
mod calendar;
mod calendar_cache;
mod holiday_index;
mod known;
mod lag_transform;
mod matrix;
mod price_window;
mod spec;
mod stream;
mod target;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod leakage;

pub use builder::{FeatureBuilder, RowCursor};
pub use calendar::DateFeature;
pub use calendar_cache::CalendarCache;
pub use known::{HOLIDAY_DISTANCE_CAP, PRICE_MEDIAN_WINDOW};
pub use lag_transform::{LagStat, LagTransform};
pub use matrix::{DesignMatrix, RowId};
pub use spec::{FeatureSpec, StaticEncoding};
pub use stream::{FeatureStream, SeriesFeatures};
