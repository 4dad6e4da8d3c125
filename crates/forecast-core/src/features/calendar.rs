//! Calendar columns of a row's own date, adapted to the panel's frequency.

use crate::Frequency;
use chrono::{Datelike, NaiveDate};

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
