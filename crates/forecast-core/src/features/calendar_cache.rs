//! The calendar columns of one period, shared by the rows of many series: [`CalendarCache`].

use super::DateFeature;
use crate::Frequency;
use chrono::NaiveDate;

/// The calendar columns of the last period a [`FeatureStream`](super::FeatureStream) wrote
/// through [`FeatureStream::row_cached`](super::FeatureStream::row_cached), kept by the caller:
/// a scorer that writes the rows of many series for the same period (every store and item of a
/// day) computes the day's calendar once instead of once per series.
///
/// The columns are a function of the period's date alone; the cache keys them by the series'
/// start and the row's target index (which fix the date without date arithmetic) and by the
/// calendar layout (frequency and date features), so one cache may serve series of any start
/// and streams of any spec: a key that does not match is a miss, and the columns are computed.
///
/// ```
/// use forecast_core::features::{CalendarCache, FeatureSpec, FeatureStream};
/// use forecast_core::Frequency;
/// use chrono::NaiveDate;
///
/// let spec = FeatureSpec::empty().lags([1]).with_calendar(true);
/// let stream = FeatureStream::new(spec, Frequency::Daily, &[], &[])?;
/// let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let (mut a, mut b) = (stream.series(monday, &[])?, stream.series(monday, &[])?);
/// stream.push(&mut a, 3.0)?;
/// stream.push(&mut b, 5.0)?;
/// let mut cache = CalendarCache::default();
/// let (mut row_a, mut row_b, mut plain) = (vec![0.0; 6], vec![0.0; 6], vec![0.0; 6]);
/// stream.row_cached(&a, 1, &mut cache, &mut row_a)?; // computes Tuesday's calendar
/// stream.row_cached(&b, 1, &mut cache, &mut row_b)?; // reads it
/// stream.row(&b, 1, &mut plain)?;
/// assert_eq!(row_b, plain);
/// // lag_1, day_of_week, day_of_month, day_of_year, week_of_year, month
/// assert_eq!(row_a, [3.0, 1.0, 2.0, 2.0, 1.0, 1.0]);
/// # Ok::<(), forecast_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarCache {
    /// Series start and target index of the period held, with its layout, if one is held.
    key: Option<(NaiveDate, usize, Frequency)>,
    date_features: Vec<DateFeature>,
    values: Vec<f64>,
}

impl CalendarCache {
    /// The columns held for the period `t` of a series starting on `start`, if they are.
    pub(super) fn get(
        &self,
        start: NaiveDate,
        t: usize,
        frequency: Frequency,
        date_features: &[DateFeature],
    ) -> Option<&[f64]> {
        (self.key == Some((start, t, frequency)) && self.date_features == date_features)
            .then_some(self.values.as_slice())
    }

    /// Hold `values`, the columns of period `t` of a series starting on `start`.
    pub(super) fn put(
        &mut self,
        start: NaiveDate,
        t: usize,
        frequency: Frequency,
        date_features: &[DateFeature],
        values: &[f64],
    ) {
        self.key = Some((start, t, frequency));
        self.date_features.clear();
        self.date_features.extend_from_slice(date_features);
        self.values.clear();
        self.values.extend_from_slice(values);
    }
}
