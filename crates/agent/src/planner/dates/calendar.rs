//! The calendar the expressions resolve against: units, periods, recurring ranges.

use chrono::{Datelike, Duration, Months, NaiveDate};
use forecast_core::Frequency;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Unit {
    Day,
    Week,
    Fortnight,
    Month,
    Quarter,
    Year,
    Weekend,
}

/// Dates the expressions resolve against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calendar {
    pub(crate) today: NaiveDate,
    pub(crate) origin: NaiveDate,
    pub(crate) frequency: Frequency,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Anchor {
    pub(super) past: Option<(NaiveDate, NaiveDate)>,
    pub(super) future_end: Option<NaiveDate>,
}

pub(super) fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

pub(super) fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    ymd(y, m, 1)?.checked_add_months(Months::new(1))?.pred_opt()
}

pub(super) fn unit_days(unit: Unit) -> f64 {
    match unit {
        Unit::Day => 1.0,
        Unit::Week => 7.0,
        Unit::Fortnight => 14.0,
        Unit::Month => 365.0 / 12.0,
        Unit::Quarter => 365.0 / 4.0,
        Unit::Year => 365.0,
        Unit::Weekend => 2.0,
    }
}

impl Calendar {
    fn period_days(&self) -> f64 {
        match self.frequency {
            Frequency::Daily => 1.0,
            Frequency::Weekly => 7.0,
            Frequency::Monthly => 365.0 / 12.0,
        }
    }

    /// Whole periods of `n` units, at least one.
    pub(super) fn periods(&self, n: f64, unit: Unit) -> Option<u32> {
        let p = (n * unit_days(unit) / self.period_days()).round();
        (0.5..=3660.0).contains(&p).then_some(p as u32)
    }

    /// Periods from the origin up to and including `end`.
    pub(crate) fn periods_until(&self, end: NaiveDate) -> Option<u32> {
        let days = (end - self.origin).num_days();
        if days <= 0 {
            return None;
        }
        let p = match self.frequency {
            Frequency::Daily => days,
            Frequency::Weekly => (days + 6) / 7,
            Frequency::Monthly => {
                let m = (end.year() - self.origin.year()) * 12 + end.month() as i32 - self.origin.month() as i32;
                i64::from(m.max(1))
            }
        };
        u32::try_from(p).ok().filter(|p| *p <= 3660)
    }

    pub(super) fn unit_range(&self, unit: Unit, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        Some(match unit {
            Unit::Day => (day, day),
            Unit::Week | Unit::Fortnight => {
                let start = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (start, start + Duration::days(6))
            }
            Unit::Weekend => {
                let start = day - Duration::days(i64::from(day.weekday().num_days_from_monday())) + Duration::days(5);
                (start, start + Duration::days(1))
            }
            Unit::Month => (ymd(day.year(), day.month(), 1)?, month_end(day.year(), day.month())?),
            Unit::Quarter => {
                let q0 = (day.month() - 1) / 3 * 3 + 1;
                (ymd(day.year(), q0, 1)?, month_end(day.year(), q0 + 2)?)
            }
            Unit::Year => (ymd(day.year(), 1, 1)?, ymd(day.year(), 12, 31)?),
        })
    }

    pub(super) fn back(&self, day: NaiveDate, n: u32, unit: Unit) -> Option<NaiveDate> {
        match unit {
            Unit::Day => day.checked_sub_signed(Duration::days(i64::from(n))),
            Unit::Week => day.checked_sub_signed(Duration::days(7 * i64::from(n))),
            Unit::Fortnight => day.checked_sub_signed(Duration::days(14 * i64::from(n))),
            Unit::Weekend => day.checked_sub_signed(Duration::days(7 * i64::from(n))),
            Unit::Month => day.checked_sub_months(Months::new(n)),
            Unit::Quarter => day.checked_sub_months(Months::new(3 * n)),
            Unit::Year => day.checked_sub_months(Months::new(12 * n)),
        }
    }

    /// A recurring range (`make(year)`) seen from today: its latest start not after today
    /// (end clipped to today) and the end of its next occurrence ending after today.
    pub(super) fn recurring(&self, make: impl Fn(i32) -> Option<(NaiveDate, NaiveDate)>) -> Anchor {
        let y = self.today.year();
        let past = [y, y - 1].into_iter().filter_map(&make).find(|(s, _)| *s <= self.today);
        let future_end = [y, y + 1].into_iter().filter_map(&make).map(|(_, e)| e).find(|e| *e > self.today);
        Anchor { past: past.map(|(s, e)| (s, e.min(self.today))), future_end }
    }

    pub(super) fn fixed(&self, range: Option<(NaiveDate, NaiveDate)>) -> Option<Anchor> {
        let (s, e) = range?;
        Some(Anchor {
            past: (s <= self.today).then_some((s, e.min(self.today))),
            future_end: (e > self.today).then_some(e),
        })
    }
}

pub(super) fn add_unit(day: NaiveDate, unit: Unit) -> Option<NaiveDate> {
    match unit {
        Unit::Day => day.succ_opt(),
        Unit::Week | Unit::Weekend => day.checked_add_signed(Duration::days(7)),
        Unit::Fortnight => day.checked_add_signed(Duration::days(14)),
        Unit::Month => day.checked_add_months(Months::new(1)),
        Unit::Quarter => day.checked_add_months(Months::new(3)),
        Unit::Year => day.checked_add_months(Months::new(12)),
    }
}
