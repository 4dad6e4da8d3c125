//! Baseline forecasters that extrapolate a series' own history: naive, seasonal naive and
//! moving average. Every global model should beat them; backtests report them alongside.
//!
//! They forecast from a target history (the values up to the forecast origin, NaN where
//! missing), not from design rows, so they implement [`SeriesForecaster`] rather than
//! [`Predict`](crate::Predict).
//!
//! ```
//! use forecast_core::baseline::{BaselineModel, SeriesForecaster};
//!
//! let history = [5.0, 1.0, 2.0, 6.0, f64::NAN, 3.0];
//! let model = BaselineModel::seasonal_naive(3);
//! // Positions 6, 7, 8 repeat positions 3, 4, 5; position 4 is missing, so it falls back
//! // to the previous season (index 1).
//! assert_eq!(model.forecast(&history, 4)?, vec![6.0, 1.0, 3.0, 6.0]);
//! assert_eq!(BaselineModel::naive().forecast(&history, 2)?, vec![3.0, 3.0]);
//! # Ok::<(), forecast_core::Error>(())
//! ```

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// A model that forecasts a series from its own history.
pub trait SeriesForecaster: Send + Sync + Debug {
    /// Short name, e.g. `"seasonal-naive"`.
    fn name(&self) -> &str;

    /// Forecast the `horizon` values after `history` (whose last entry is the forecast
    /// origin). NaN entries of `history` are missing observations.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when `history` has no observed value;
    /// [`Error::InvalidParam`] when the model's own parameter is out of range.
    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>>;
}

/// Repeats the last observed (non-NaN) value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Naive;

/// Repeats the last observed season: step `h` after an origin at index `n - 1` takes the
/// value at the latest index `i < n` with `i ≡ n + h (mod season)` that is observed. A
/// seasonal position never observed (history shorter than a season, or always missing there)
/// takes the last observed value, as [`Naive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonalNaive {
    /// Season length in periods (7 for a weekly cycle in daily data, 52 for weekly data).
    pub season: usize,
}

/// Repeats the mean of the last `window` observed values (NaN entries are skipped, so the
/// window reaches further back over gaps; fewer values are used when the history is shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovingAverage {
    /// Number of observed values averaged.
    pub window: usize,
}

/// The baselines as one serialisable model kind (`ModelArtifact::Baseline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineModel {
    /// See [`Naive`].
    Naive(Naive),
    /// See [`SeasonalNaive`].
    SeasonalNaive(SeasonalNaive),
    /// See [`MovingAverage`].
    MovingAverage(MovingAverage),
}

impl BaselineModel {
    /// The naive baseline.
    pub fn naive() -> Self {
        Self::Naive(Naive)
    }

    /// The seasonal naive baseline with this season length.
    pub fn seasonal_naive(season: usize) -> Self {
        Self::SeasonalNaive(SeasonalNaive { season })
    }

    /// The moving-average baseline over this many observed values.
    pub fn moving_average(window: usize) -> Self {
        Self::MovingAverage(MovingAverage { window })
    }

    fn inner(&self) -> &dyn SeriesForecaster {
        match self {
            Self::Naive(m) => m,
            Self::SeasonalNaive(m) => m,
            Self::MovingAverage(m) => m,
        }
    }
}

impl SeriesForecaster for BaselineModel {
    fn name(&self) -> &str {
        self.inner().name()
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        self.inner().forecast(history, horizon)
    }
}

fn last_observed(history: &[f64]) -> Result<f64> {
    history.iter().rev().copied().find(|v| !v.is_nan()).ok_or_else(|| {
        Error::InvalidData(format!(
            "baseline forecast: the history of {} values has no observed (non-NaN) value",
            history.len()
        ))
    })
}

fn check_positive(name: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(Error::InvalidParam { name, value: "0".into(), expected: ">= 1" });
    }
    Ok(())
}

impl SeriesForecaster for Naive {
    fn name(&self) -> &str {
        "naive"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        Ok(vec![last_observed(history)?; horizon])
    }
}

impl SeriesForecaster for SeasonalNaive {
    fn name(&self) -> &str {
        "seasonal-naive"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        check_positive("season", self.season)?;
        let fallback = last_observed(history)?;
        // Latest observed value at each seasonal position (index mod season).
        let mut by_position = vec![f64::NAN; self.season];
        let mut open = self.season;
        for (i, &v) in history.iter().enumerate().rev() {
            if open == 0 {
                break;
            }
            let slot = &mut by_position[i % self.season];
            if slot.is_nan() && !v.is_nan() {
                *slot = v;
                open -= 1;
            }
        }
        let n = history.len();
        Ok((0..horizon)
            .map(|h| {
                let v = by_position[(n + h) % self.season];
                if v.is_nan() { fallback } else { v }
            })
            .collect())
    }
}

impl SeriesForecaster for MovingAverage {
    fn name(&self) -> &str {
        "moving-average"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        check_positive("window", self.window)?;
        last_observed(history)?;
        let (sum, n) = history
            .iter()
            .rev()
            .filter(|v| !v.is_nan())
            .take(self.window)
            .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        Ok(vec![sum / n as f64; horizon])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn naive_repeats_last_observed() {
        assert_eq!(Naive.forecast(&[1.0, 2.0, NAN, NAN], 3).unwrap(), vec![2.0; 3]);
        assert_eq!(Naive.forecast(&[4.0], 0).unwrap(), Vec::<f64>::new());
        assert!(matches!(Naive.forecast(&[NAN, NAN], 2), Err(Error::InvalidData(_))));
        assert!(Naive.forecast(&[], 1).is_err());
    }

    #[test]
    fn seasonal_naive_repeats_and_falls_back() {
        let m = SeasonalNaive { season: 7 };
        let week: Vec<f64> = (1..=14).map(f64::from).collect();
        // Last season is 8..=14, repeated twice over a 10-step horizon.
        assert_eq!(m.forecast(&week, 10).unwrap(), vec![8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 8.0, 9.0, 10.0]);
        // Index 12 missing: position 12 % 7 = 5 falls back to index 5 (value 6).
        let mut gappy = week.clone();
        gappy[12] = NAN;
        assert_eq!(m.forecast(&gappy, 7).unwrap()[5], 6.0);
        // Shorter than a season: unseen positions 3..=6 take the last observed value (3);
        // step 4 lands on position 0 again, seen at index 0.
        assert_eq!(m.forecast(&[1.0, 2.0, 3.0], 5).unwrap(), vec![3.0, 3.0, 3.0, 3.0, 1.0]);
        // Season 2, history [1, NaN, 3, NaN]: position 1 never observed -> naive 3.
        let m2 = SeasonalNaive { season: 2 };
        assert_eq!(m2.forecast(&[1.0, NAN, 3.0, NAN], 3).unwrap(), vec![3.0, 3.0, 3.0]);
        assert!(matches!(SeasonalNaive { season: 0 }.forecast(&week, 1), Err(Error::InvalidParam { .. })));
    }

    #[test]
    fn moving_average_skips_gaps() {
        let m = MovingAverage { window: 3 };
        // Last three observed: 4, 6, 8 -> 6.
        assert_eq!(m.forecast(&[100.0, 4.0, NAN, 6.0, 8.0], 2).unwrap(), vec![6.0, 6.0]);
        // Fewer observed values than the window: mean of what there is.
        assert_eq!(m.forecast(&[NAN, 2.0, 4.0], 1).unwrap(), vec![3.0]);
        assert!(MovingAverage { window: 0 }.forecast(&[1.0], 1).is_err());
        assert!(m.forecast(&[NAN], 1).is_err());
    }

    #[test]
    fn enum_dispatches_and_serialises() {
        let models = [BaselineModel::naive(), BaselineModel::seasonal_naive(7), BaselineModel::moving_average(28)];
        let names: Vec<&str> = models.iter().map(SeriesForecaster::name).collect();
        assert_eq!(names, ["naive", "seasonal-naive", "moving-average"]);
        let h = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        assert_eq!(models[1].forecast(&h, 1).unwrap(), SeasonalNaive { season: 7 }.forecast(&h, 1).unwrap());
        for m in models {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<BaselineModel>(&json).unwrap(), m);
        }
        assert_eq!(serde_json::to_string(&models[1]).unwrap(), r#"{"seasonal_naive":{"season":7}}"#);
    }
}
