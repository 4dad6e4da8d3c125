//! The generator's calendar: demand is simulated day by day, then summed into the panel's
//! periods (days, weeks or calendar months).

use crate::Frequency;
use chrono::{Datelike, NaiveDate};

/// Periods of a panel laid over the simulated days.
#[derive(Debug, Clone)]
pub(super) struct Calendar {
    /// Date of each period (its first day).
    pub(super) dates: Vec<NaiveDate>,
    /// `bounds[p]..bounds[p + 1]` are the day indices of period `p`.
    bounds: Vec<usize>,
}

impl Calendar {
    /// `periods` periods from `start`. Monthly periods start on the first of `start`'s month.
    pub(super) fn new(frequency: Frequency, start: NaiveDate, periods: usize) -> Self {
        let first = match frequency {
            Frequency::Monthly => start.with_day(1).unwrap_or(start),
            Frequency::Daily | Frequency::Weekly => start,
        };
        let mut dates = Vec::with_capacity(periods);
        let mut bounds = Vec::with_capacity(periods + 1);
        for p in 0..=periods {
            // Dates past chrono's range cannot occur for the sizes a generator is asked for;
            // saturate rather than panic.
            let date = frequency.add(first, p as i64).unwrap_or(NaiveDate::MAX);
            bounds.push(usize::try_from((date - first).num_days()).unwrap_or(usize::MAX));
            if p < periods {
                dates.push(date);
            }
        }
        Self { dates, bounds }
    }

    /// Number of periods.
    pub(super) fn len(&self) -> usize {
        self.dates.len()
    }

    /// First day of period `p` as an index into the simulated days (`p = len()` gives the
    /// number of days).
    pub(super) fn first_day(&self, p: usize) -> usize {
        self.bounds[p]
    }

    /// The day indices of period `p`.
    pub(super) fn days(&self, p: usize) -> std::ops::Range<usize> {
        self.bounds[p]..self.bounds[p + 1]
    }
}

/// Sum of `values` over a period's days; one day gives its value unchanged.
pub(super) fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.reduce(|a, b| a + b).unwrap_or(0.0)
}

/// Mean of `values` over a period's days; one day gives its value unchanged.
pub(super) fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (total, n) = values.fold((None::<f64>, 0usize), |(s, n), v| (Some(s.map_or(v, |s| s + v)), n + 1));
    total.map_or(f64::NAN, |s| if n == 1 { s } else { s / n as f64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_cover_the_days_on_the_grid() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let monthly = Calendar::new(Frequency::Monthly, d(2023, 1, 15), 3);
        assert_eq!(monthly.dates, vec![d(2023, 1, 1), d(2023, 2, 1), d(2023, 3, 1)]);
        assert_eq!((monthly.days(0), monthly.days(1), monthly.first_day(3)), (0..31, 31..59, 90));
        let weekly = Calendar::new(Frequency::Weekly, d(2024, 1, 1), 2);
        assert_eq!((weekly.dates[1], weekly.days(1), weekly.len()), (d(2024, 1, 8), 7..14, 2));
        let daily = Calendar::new(Frequency::Daily, d(2024, 2, 28), 2);
        assert_eq!((daily.dates[1], daily.days(1)), (d(2024, 2, 29), 1..2));
        assert_eq!((sum([1.5, 2.0].into_iter()), mean([1.0, 2.0, 6.0].into_iter())), (3.5, 3.0));
        assert_eq!((sum(std::iter::empty()), mean([0.1].into_iter())), (0.0, 0.1));
    }
}
