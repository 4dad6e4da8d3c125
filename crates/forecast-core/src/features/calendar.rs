//! Calendar columns of a row's own date, adapted to the panel's frequency.

use crate::Frequency;
use crate::panel::is_month_end;
use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A date feature of the row's own period, added after the default calendar block
/// (mlforecast's `date_features`).
///
/// A weekly period is the seven days starting at its date, a monthly one the month of its
/// date: `month_end` is 1 when the period holds the last day of a month, `week_of_month` is
/// `(day - 1) / 7 + 1` of the period's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFeature {
    /// Calendar year, e.g. 2024.
    Year,
    /// Quarter 1..=4.
    Quarter,
    /// Month 1..=12.
    Month,
    /// ISO 8601 week of the year 1..=53.
    WeekOfYear,
    /// Week of the month 1..=5 (days 1-7 are week 1).
    WeekOfMonth,
    /// Day of the week, 0 = Monday .. 6 = Sunday.
    DayOfWeek,
    /// Day of the month 1..=31.
    DayOfMonth,
    /// Day of the year 1..=366.
    DayOfYear,
    /// 1 when the period holds a month's last day, else 0.
    MonthEnd,
    /// 1 when the period holds a month's first day, else 0.
    MonthStart,
}

impl DateFeature {
    /// Every date feature.
    pub const ALL: [DateFeature; 10] = [
        Self::Year,
        Self::Quarter,
        Self::Month,
        Self::WeekOfYear,
        Self::WeekOfMonth,
        Self::DayOfWeek,
        Self::DayOfMonth,
        Self::DayOfYear,
        Self::MonthEnd,
        Self::MonthStart,
    ];

    /// The column name (also what [`DateFeature::from_str`] reads).
    pub fn name(self) -> &'static str {
        match self {
            Self::Year => "year",
            Self::Quarter => "quarter",
            Self::Month => "month",
            Self::WeekOfYear => "week_of_year",
            Self::WeekOfMonth => "week_of_month",
            Self::DayOfWeek => "day_of_week",
            Self::DayOfMonth => "day_of_month",
            Self::DayOfYear => "day_of_year",
            Self::MonthEnd => "month_end",
            Self::MonthStart => "month_start",
        }
    }

    /// The feature's value for a period of `frequency` starting at `date`.
    pub fn value(self, frequency: Frequency, date: NaiveDate) -> f64 {
        let days = match frequency {
            Frequency::Daily => 1,
            Frequency::Weekly => 7,
            Frequency::Monthly => i64::from(days_in_month(date)) - i64::from(date.day()) + 1,
        };
        let holds = |rule: fn(NaiveDate) -> bool| {
            let any = (0..days).any(|k| date.checked_add_signed(TimeDelta::days(k)).is_some_and(rule));
            if any { 1.0 } else { 0.0 }
        };
        match self {
            Self::Year => f64::from(date.year()),
            Self::Quarter => f64::from((date.month() - 1) / 3 + 1),
            Self::Month => f64::from(date.month()),
            Self::WeekOfYear => f64::from(date.iso_week().week()),
            Self::WeekOfMonth => f64::from((date.day() - 1) / 7 + 1),
            Self::DayOfWeek => f64::from(date.weekday().num_days_from_monday()),
            Self::DayOfMonth => f64::from(date.day()),
            Self::DayOfYear => f64::from(date.ordinal()),
            Self::MonthEnd => holds(is_month_end),
            Self::MonthStart => holds(|d| d.day() == 1),
        }
    }
}

fn days_in_month(date: NaiveDate) -> u32 {
    (28..=31).rev().find(|&d| date.with_day(d).is_some()).unwrap_or(28)
}

impl fmt::Display for DateFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DateFeature {
    type Err = crate::Error;

    fn from_str(text: &str) -> crate::Result<Self> {
        Self::ALL.into_iter().find(|d| d.name() == text.trim()).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|d| d.name()).collect();
            crate::Error::InvalidData(format!("unknown date feature `{text}`; accepted: {}", names.join(", ")))
        })
    }
}

/// Column names of the calendar block for a frequency.
///
/// - daily: `day_of_week` (0 = Monday .. 6 = Sunday), `day_of_month` (1..=31), `day_of_year`
///   (1..=366), `week_of_year` (ISO 8601, 1..=53), `month` (1..=12);
/// - weekly: `week_of_year` (ISO 8601 week of the period's date), `month`;
/// - monthly: `month`.
pub(super) fn names(frequency: Frequency) -> &'static [&'static str] {
    match frequency {
        Frequency::Daily => &["day_of_week", "day_of_month", "day_of_year", "week_of_year", "month"],
        Frequency::Weekly => &["week_of_year", "month"],
        Frequency::Monthly => &["month"],
    }
}

/// Write the calendar block for `date` (NaN everywhere when the date is out of range).
pub(super) fn fill(frequency: Frequency, date: Option<NaiveDate>, out: &mut [f64]) {
    let Some(d) = date else {
        out.fill(f64::NAN);
        return;
    };
    let week = f64::from(d.iso_week().week());
    let month = f64::from(d.month());
    match frequency {
        Frequency::Daily => out.copy_from_slice(&[
            f64::from(d.weekday().num_days_from_monday()),
            f64::from(d.day()),
            f64::from(d.ordinal()),
            week,
            month,
        ]),
        Frequency::Weekly => out.copy_from_slice(&[week, month]),
        Frequency::Monthly => out.copy_from_slice(&[month]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn daily_calendar_by_hand() {
        // 2024-12-30 is a Monday, day 365 of leap year 2024, and in ISO week 1 of 2025.
        let mut out = [0.0; 5];
        fill(Frequency::Daily, ymd(2024, 12, 30), &mut out);
        assert_eq!(out, [0.0, 30.0, 365.0, 1.0, 12.0]);
        // 2023-01-01 is a Sunday in ISO week 52 of 2022.
        fill(Frequency::Daily, ymd(2023, 1, 1), &mut out);
        assert_eq!(out, [6.0, 1.0, 1.0, 52.0, 1.0]);
        fill(Frequency::Daily, None, &mut out);
        assert!(out.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn date_features_by_hand() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 26).expect("date"); // a Monday; Feb 2024 has 29 days
        let v = |f: DateFeature, freq| f.value(freq, d);
        assert_eq!(v(DateFeature::Year, Frequency::Daily), 2024.0);
        assert_eq!(v(DateFeature::Quarter, Frequency::Daily), 1.0);
        assert_eq!(v(DateFeature::WeekOfMonth, Frequency::Daily), 4.0);
        assert_eq!(v(DateFeature::MonthEnd, Frequency::Daily), 0.0);
        // The week of 26 Feb - 3 Mar holds both the 29th and the 1st.
        assert_eq!(v(DateFeature::MonthEnd, Frequency::Weekly), 1.0);
        assert_eq!(v(DateFeature::MonthStart, Frequency::Weekly), 1.0);
        assert_eq!(v(DateFeature::MonthEnd, Frequency::Daily), 0.0);
        let end = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
        assert_eq!(DateFeature::MonthEnd.value(Frequency::Daily, end), 1.0);
        assert_eq!(
            DateFeature::Quarter.value(Frequency::Monthly, NaiveDate::from_ymd_opt(2024, 12, 1).expect("date")),
            4.0
        );
        assert_eq!("week_of_month".parse::<DateFeature>().expect("parse"), DateFeature::WeekOfMonth);
        assert!("weekday".parse::<DateFeature>().expect_err("unknown").to_string().contains("accepted"));
    }

    #[test]
    fn weekly_and_monthly_adapt() {
        let mut w = [0.0; 2];
        fill(Frequency::Weekly, ymd(2024, 3, 4), &mut w);
        assert_eq!(w, [10.0, 3.0]);
        let mut m = [0.0; 1];
        fill(Frequency::Monthly, ymd(2024, 7, 1), &mut m);
        assert_eq!(m, [7.0]);
        assert_eq!(names(Frequency::Weekly).len(), 2);
        assert!(!names(Frequency::Weekly).contains(&"day_of_week"));
    }
}
