//! `Panel`: many time series on one regular calendar, each a dense date-sorted array.

use crate::{Error, Result};
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
    ///
    /// Monthly steps keep the day of the month (clamped to the month's length), except that a
    /// date on the last day of its month stays on month-ends: from 2024-01-31 one month is
    /// 2024-02-29 and two months 2024-03-31; from 2024-02-29, one month is 2024-03-31.
    pub fn add(self, date: NaiveDate, steps: i64) -> Option<NaiveDate> {
        match self {
            Self::Daily => date.checked_add_signed(TimeDelta::try_days(steps)?),
            Self::Weekly => date.checked_add_signed(TimeDelta::try_weeks(steps)?),
            Self::Monthly => {
                let m = Months::new(u32::try_from(steps.unsigned_abs()).ok()?);
                let moved = if steps >= 0 { date.checked_add_months(m) } else { date.checked_sub_months(m) }?;
                // A date on its month's last day stands for month-end: Jan 31, Feb 29, Mar 31.
                if is_month_end(date) { month_end(moved) } else { Some(moved) }
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

/// Whether `date` is the last day of its month.
pub fn is_month_end(date: NaiveDate) -> bool {
    date.succ_opt().is_some_and(|next| next.month() != date.month())
}

/// The last day of `date`'s month.
fn month_end(date: NaiveDate) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
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
    /// A panel from its parts, checked with [`Panel::validate`] and with its series sorted by key.
    ///
    /// # Errors
    /// As [`Panel::validate`].
    pub fn new(
        frequency: Frequency,
        key_names: Vec<String>,
        target_name: impl Into<String>,
        regressor_names: Vec<String>,
        static_names: Vec<String>,
        static_levels: Vec<Vec<String>>,
        mut series: Vec<Series>,
    ) -> Result<Self> {
        series.sort_by(|a, b| a.key.cmp(&b.key));
        let panel = Self {
            frequency,
            key_names,
            target_name: target_name.into(),
            regressor_names,
            static_names,
            static_levels,
            series,
        };
        panel.validate()?;
        Ok(panel)
    }

    /// Check everything the forecasting code relies on, so that no later step can panic on a
    /// hand-built panel: one key value per key column and unique, sorted keys; one static code
    /// per static column, each indexing that column's levels; one regressor vector per
    /// regressor name, each at least as long as the target; targets and regressors finite or
    /// NaN (missing).
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the series, the column and the offending value.
    pub fn validate(&self) -> Result<()> {
        let bad = |s: &Series, what: String| Err(Error::InvalidData(format!("panel series {}: {what}", s.key)));
        if self.static_levels.len() != self.static_names.len() {
            return Err(Error::InvalidData(format!(
                "panel: {} static columns but {} level lists",
                self.static_names.len(),
                self.static_levels.len()
            )));
        }
        for (i, s) in self.series.iter().enumerate() {
            if s.key.0.len() != self.key_names.len() {
                return bad(s, format!("{} key values for the {} key columns", s.key.0.len(), self.key_names.len()));
            }
            if let Some(prev) = i.checked_sub(1).map(|j| &self.series[j])
                && prev.key >= s.key
            {
                return bad(s, format!("keys must be unique and sorted, but it follows {}", prev.key));
            }
            if s.statics.len() != self.static_names.len() {
                return bad(
                    s,
                    format!("{} static codes for the {} static columns", s.statics.len(), self.static_names.len()),
                );
            }
            for ((&code, levels), name) in s.statics.iter().zip(&self.static_levels).zip(&self.static_names) {
                if code as usize >= levels.len() {
                    return bad(s, format!("static `{name}` code {code}, but the column has {} levels", levels.len()));
                }
            }
            if s.regressors.len() != self.regressor_names.len() {
                return bad(
                    s,
                    format!(
                        "{} regressor columns for the {} regressor names",
                        s.regressors.len(),
                        self.regressor_names.len()
                    ),
                );
            }
            if let Some(t) = s.target.iter().position(|v| v.is_infinite()) {
                return bad(
                    s,
                    format!("target `{}` at index {t} is {}; accepted: finite or NaN", self.target_name, s.target[t]),
                );
            }
            for (r, name) in s.regressors.iter().zip(&self.regressor_names) {
                if r.len() < s.target.len() {
                    return bad(s, format!("regressor `{name}` has {} values for {} targets", r.len(), s.target.len()));
                }
                if let Some(t) = r.iter().position(|v| v.is_infinite()) {
                    return bad(s, format!("regressor `{name}` at index {t} is {}; accepted: finite or NaN", r[t]));
                }
            }
        }
        Ok(())
    }

    /// Total number of target observations across series (gaps included).
    pub fn n_observations(&self) -> usize {
        self.series.iter().map(Series::len).sum()
    }

    /// A panel of the same schema holding copies of the series at `indices`, in that order.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the first index that is not a series of this panel.
    pub fn subset(&self, indices: &[usize]) -> Result<Panel> {
        let series = indices
            .iter()
            .map(|&s| {
                self.series.get(s).cloned().ok_or_else(|| {
                    Error::InvalidData(format!("series index {s}: the panel has {} series", self.series.len()))
                })
            })
            .collect::<Result<_>>()?;
        Ok(Panel {
            frequency: self.frequency,
            key_names: self.key_names.clone(),
            target_name: self.target_name.clone(),
            regressor_names: self.regressor_names.clone(),
            static_names: self.static_names.clone(),
            static_levels: self.static_levels.clone(),
            series,
        })
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
        // Month-end stays month-end, forwards and backwards.
        let feb = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(Frequency::Monthly.add(feb, 1), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(Frequency::Monthly.add(feb, 12), NaiveDate::from_ymd_opt(2025, 2, 28));
        assert_eq!(Frequency::Monthly.add(d, 2), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(Frequency::Monthly.add(NaiveDate::from_ymd_opt(2024, 4, 30).unwrap(), -2), Some(feb));
        assert_eq!(Frequency::Monthly.periods_between(feb, NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()), Some(4));
        let mid = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        assert_eq!(Frequency::Monthly.add(mid, 1), NaiveDate::from_ymd_opt(2024, 2, 15));
        let m = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(Frequency::Monthly.periods_between(m, NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()), Some(14));
        assert_eq!(Frequency::Daily.add(m, -1), NaiveDate::from_ymd_opt(2023, 12, 31));
    }

    #[test]
    fn validate_names_what_is_wrong_and_where() {
        let series = |key: &str, target: Vec<f64>, reg: Vec<f64>, statics: Vec<u32>| Series {
            key: SeriesKey(vec![key.into()]),
            start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            target,
            regressors: vec![reg],
            statics,
        };
        let make = |s: Vec<Series>| {
            Panel::new(
                Frequency::Daily,
                vec!["id".into()],
                "units",
                vec!["price".into()],
                vec!["kind".into()],
                vec![vec!["a".into()]],
                s,
            )
        };
        let ok =
            make(vec![series("b", vec![1.0], vec![1.0, 2.0], vec![0]), series("a", vec![2.0], vec![1.0], vec![0])])
                .unwrap();
        assert_eq!(ok.series[0].key.0, ["a"], "sorted by key");
        let sub = ok.subset(&[1, 0, 1]).unwrap();
        let keys: Vec<&str> = sub.series.iter().map(|s| s.key.0[0].as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"], "the series asked for, in the order asked");
        assert_eq!((sub.regressor_names, sub.static_levels), (ok.regressor_names.clone(), ok.static_levels.clone()));
        assert!(ok.subset(&[0, 2]).unwrap_err().to_string().contains("series index 2: the panel has 2 series"));
        let err = |s: Vec<Series>| make(s).unwrap_err().to_string();
        assert!(err(vec![series("a", vec![1.0], vec![1.0], vec![3])]).contains("static `kind` code 3"));
        assert!(err(vec![series("a", vec![1.0], vec![1.0], vec![])]).contains("0 static codes"));
        assert!(
            err(vec![series("a", vec![1.0, 2.0], vec![1.0], vec![0])]).contains("`price` has 1 values for 2 targets")
        );
        assert!(err(vec![series("a", vec![1.0], vec![f64::INFINITY], vec![0])]).contains("`price` at index 0 is inf"));
        assert!(err(vec![series("a", vec![f64::NEG_INFINITY], vec![1.0], vec![0])]).contains("target `units`"));
        assert!(
            err(vec![series("a", vec![1.0], vec![1.0], vec![0]), series("a", vec![1.0], vec![1.0], vec![0])])
                .contains("unique")
        );
        let mut two_keys = series("a", vec![1.0], vec![1.0], vec![0]);
        two_keys.key.0.push("x".into());
        assert!(err(vec![two_keys]).contains("2 key values for the 1 key columns"));
        // NaN is a missing value, not an error.
        assert!(make(vec![series("a", vec![f64::NAN], vec![f64::NAN], vec![0])]).is_ok());
    }
}
