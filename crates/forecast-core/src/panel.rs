//! `Panel`: many time series on one regular calendar, each a dense date-sorted array.

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Sampling frequency of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    /// One observation per day.
    Daily,
    /// One observation per week (dates 7 days apart).
    Weekly,
    /// One observation per month (dates one calendar month apart).
    Monthly,
}

impl Frequency {
    /// The date `steps` periods after `date` (negative moves back). `None` on overflow.
    pub fn add(self, date: NaiveDate, steps: i64) -> Option<NaiveDate> {
        match self {
            Self::Daily => date.checked_add_signed(TimeDelta::try_days(steps)?),
            Self::Weekly => date.checked_add_signed(TimeDelta::try_weeks(steps)?),
            Self::Monthly => {
                let m = Months::new(u32::try_from(steps.unsigned_abs()).ok()?);
                if steps >= 0 { date.checked_add_months(m) } else { date.checked_sub_months(m) }
            }
        }
    }

    /// Whole periods from `from` to `to` (negative when `to` is earlier), or `None` when
    /// `to` is not on `from`'s calendar grid.
    pub fn periods_between(self, from: NaiveDate, to: NaiveDate) -> Option<i64> {
        match self {
            Self::Daily => Some((to - from).num_days()),
            Self::Weekly => {
                let d = (to - from).num_days();
                (d % 7 == 0).then_some(d / 7)
            }
            Self::Monthly => {
                let m = (to.year() as i64 * 12 + to.month0() as i64) - (from.year() as i64 * 12 + from.month0() as i64);
                (self.add(from, m)? == to).then_some(m)
            }
        }
    }

    /// The usual seasonal period: 7 (daily, weekly cycle), 52 (weekly, yearly cycle), 12 (monthly).
    pub fn default_season(self) -> usize {
        match self {
            Self::Daily => 7,
            Self::Weekly => 52,
            Self::Monthly => 12,
        }
    }

    /// Periods per year: 365, 52, 12.
    pub fn periods_per_year(self) -> usize {
        match self {
            Self::Daily => 365,
            Self::Weekly => 52,
            Self::Monthly => 12,
        }
    }
}

impl std::str::FromStr for Frequency {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "daily" | "d" => Ok(Self::Daily),
            "weekly" | "w" => Ok(Self::Weekly),
            "monthly" | "m" => Ok(Self::Monthly),
            _ => Err(crate::Error::InvalidParam {
                name: "frequency",
                value: s.into(),
                expected: "daily, weekly or monthly",
            }),
        }
    }
}

/// The values of a series' key columns, e.g. `["store_03", "item_17"]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey(pub Vec<String>);

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

/// One series: target history plus known-future regressors on a regular calendar.
///
/// `target[t]` is the value at `frequency.add(start, t)`; NaN marks a missing (masked)
/// observation. Each `regressors[j]` is at least as long as `target`: entries past the end
/// of `target` are the planned future values (price, promo, holiday) used when forecasting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Key column values.
    pub key: SeriesKey,
    /// Date of `target[0]`.
    pub start: NaiveDate,
    /// Target history; NaN where missing.
    pub target: Vec<f64>,
    /// Known-future regressors, in [`Panel::regressor_names`] order.
    pub regressors: Vec<Vec<f64>>,
    /// Static categorical codes, in [`Panel::static_names`] order, indexing [`Panel::static_levels`].
    pub statics: Vec<u32>,
}

impl Series {
    /// Number of target observations (history length, gaps included).
    pub fn len(&self) -> usize {
        self.target.len()
    }

    /// Whether the history is empty.
    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }

    /// How many future periods of regressors are known (shortest regressor wins).
    pub fn known_future(&self) -> usize {
        self.regressors.iter().map(|r| r.len().saturating_sub(self.target.len())).min().unwrap_or(usize::MAX)
    }
}

/// A set of series sharing a frequency and column layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    /// The calendar step.
    pub frequency: Frequency,
    /// Names of the key columns (e.g. `["store", "item"]`).
    pub key_names: Vec<String>,
    /// Name of the target column.
    pub target_name: String,
    /// Names of the known-future regressor columns.
    pub regressor_names: Vec<String>,
    /// Names of the static categorical columns.
    pub static_names: Vec<String>,
    /// For each static column, its levels; a series' code indexes this list.
    pub static_levels: Vec<Vec<String>>,
    /// The series, sorted by key.
    pub series: Vec<Series>,
}

impl Panel {
    /// Total number of target observations across series (gaps included).
    pub fn n_observations(&self) -> usize {
        self.series.iter().map(Series::len).sum()
    }

    /// Index of a regressor column by name.
    pub fn regressor_index(&self, name: &str) -> Option<usize> {
        self.regressor_names.iter().position(|n| n == name)
    }

    /// The date of step `t` of series `s`.
    pub fn date(&self, s: &Series, t: usize) -> Option<NaiveDate> {
        self.frequency.add(s.start, t as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_arithmetic() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        assert_eq!(Frequency::Monthly.add(d, 1), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(Frequency::Weekly.periods_between(d, d + TimeDelta::days(14)), Some(2));
        assert_eq!(Frequency::Weekly.periods_between(d, d + TimeDelta::days(3)), None);
        let m = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(Frequency::Monthly.periods_between(m, NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()), Some(14));
        assert_eq!(Frequency::Daily.add(m, -1), NaiveDate::from_ymd_opt(2023, 12, 31));
    }
}
