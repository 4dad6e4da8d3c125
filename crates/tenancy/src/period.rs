//! Calendar months in a tenant's timezone: the period of quotas, metering and invoices.

use crate::{Result, TenancyError};
use chrono::{DateTime, Datelike, LocalResult, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One calendar month, e.g. `2026-03`; its instants depend on the tenant's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BillingPeriod {
    year: i32,
    month: u32,
}

impl BillingPeriod {
    /// The month `year-month`.
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] unless `month` is 1..=12 and `year` 1970..=9999.
    pub fn new(year: i32, month: u32) -> Result<Self> {
        if (1..=12).contains(&month) && (1970..=9999).contains(&year) {
            Ok(Self { year, month })
        } else {
            Err(TenancyError::InvalidField {
                field: "billing period",
                value: format!("{year}-{month}"),
                expected: "a month 1..=12 of a year 1970..=9999",
            })
        }
    }

    /// The month that contains `instant` on the wall clock of `tz`.
    pub fn containing(instant: DateTime<Utc>, tz: Tz) -> Self {
        let local = instant.with_timezone(&tz);
        Self { year: local.year(), month: local.month() }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(&self) -> u32 {
        self.month
    }

    /// The following month.
    pub fn next(&self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    /// The storage key, `YYYY-MM`.
    pub fn key(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// The first instant of the month: local midnight on the 1st in `tz`.
    pub fn start(&self, tz: Tz) -> DateTime<Utc> {
        local_midnight(self.year, self.month, tz)
    }

    /// The first instant after the month (the start of the next one), when quotas reset.
    pub fn end(&self, tz: Tz) -> DateTime<Utc> {
        self.next().start(tz)
    }
}

/// Local midnight on the 1st of a month, as a UTC instant.
///
/// Where a DST change skips midnight (e.g. America/Santiago), the month starts at the first
/// local time that exists; where midnight happens twice, at the earlier one.
fn local_midnight(year: i32, month: u32, tz: Tz) -> DateTime<Utc> {
    let Some(naive) = NaiveDate::from_ymd_opt(year, month, 1).and_then(|d| d.and_hms_opt(0, 0, 0)) else {
        return DateTime::<Utc>::UNIX_EPOCH;
    };
    let mut probe = naive;
    for _ in 0..=24 * 4 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => probe += TimeDelta::minutes(15),
        }
    }
    naive.and_utc()
}

impl std::str::FromStr for BillingPeriod {
    type Err = TenancyError;

    /// Parse `YYYY-MM`.
    fn from_str(key: &str) -> Result<Self> {
        let bad =
            || TenancyError::InvalidField { field: "billing period", value: key.to_owned(), expected: "`YYYY-MM`" };
        let (y, m) = key.split_once('-').ok_or_else(bad)?;
        Self::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?)
    }
}

impl fmt::Display for BillingPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Pacific};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn auckland_month_starts_half_a_day_before_utc() {
        // NZDT is UTC+13 in March: local midnight 1 March = 28 Feb 11:00 UTC (2026 is not a leap year).
        let march = BillingPeriod::new(2026, 3).unwrap();
        assert_eq!(march.start(Pacific::Auckland), utc("2026-02-28T11:00:00Z"));
        // NZ leaves DST on 5 April 2026, so 1 April midnight is still NZDT, UTC+13.
        assert_eq!(march.end(Pacific::Auckland), utc("2026-03-31T11:00:00Z"));
        assert_eq!(BillingPeriod::containing(utc("2026-02-28T10:59:59Z"), Pacific::Auckland).key(), "2026-02");
        assert_eq!(BillingPeriod::containing(utc("2026-02-28T11:00:00Z"), Pacific::Auckland).key(), "2026-03");
    }

    #[test]
    fn los_angeles_and_year_end() {
        let dec = BillingPeriod::new(2026, 12).unwrap();
        assert_eq!(dec.next().key(), "2027-01");
        // PST is UTC-8: local midnight 1 January = 08:00 UTC.
        assert_eq!(dec.end(America::Los_Angeles), utc("2027-01-01T08:00:00Z"));
        assert!(BillingPeriod::new(2026, 13).is_err());
        assert_eq!("2026-03".parse::<BillingPeriod>().unwrap(), BillingPeriod::new(2026, 3).unwrap());
        assert!("2026/03".parse::<BillingPeriod>().is_err());
    }
}
