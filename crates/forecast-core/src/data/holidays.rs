//! A fixed US-like retail holiday calendar, used by the generator (and available to
//! features that want named holidays).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A holiday of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Holiday {
    /// January 1.
    NewYear,
    /// Easter Sunday (Gregorian computus).
    Easter,
    /// July 4.
    IndependenceDay,
    /// Fourth Thursday of November.
    Thanksgiving,
    /// The day after Thanksgiving.
    BlackFriday,
    /// December 24.
    ChristmasEve,
    /// December 25.
    Christmas,
}

/// Easter Sunday of `year` (anonymous Gregorian algorithm). `None` outside chrono's range.
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Thanksgiving (fourth Thursday of November) of `year`.
pub fn thanksgiving(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)
}

/// The holiday on `date`, if any.
pub fn holiday(date: NaiveDate) -> Option<Holiday> {
    match (date.month(), date.day()) {
        (1, 1) => return Some(Holiday::NewYear),
        (7, 4) => return Some(Holiday::IndependenceDay),
        (12, 24) => return Some(Holiday::ChristmasEve),
        (12, 25) => return Some(Holiday::Christmas),
        _ => {}
    }
    let year = date.year();
    if easter(year) == Some(date) {
        return Some(Holiday::Easter);
    }
    let tg = thanksgiving(year)?;
    if tg == date {
        Some(Holiday::Thanksgiving)
    } else if tg.succ_opt() == Some(date) {
        Some(Holiday::BlackFriday)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn known_dates() {
        assert_eq!(easter(2023), Some(d(2023, 4, 9)));
        assert_eq!(easter(2024), Some(d(2024, 3, 31)));
        assert_eq!(easter(2025), Some(d(2025, 4, 20)));
        assert_eq!(thanksgiving(2024), Some(d(2024, 11, 28)));
        assert_eq!(holiday(d(2024, 11, 29)), Some(Holiday::BlackFriday));
        assert_eq!(holiday(d(2023, 7, 4)), Some(Holiday::IndependenceDay));
        assert_eq!(holiday(d(2023, 7, 5)), None);
    }
}
