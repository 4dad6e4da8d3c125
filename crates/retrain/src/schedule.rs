//! Retraining schedules on the [`Clock`]: daily, weekly, monthly (a day or the last business
//! day) and cron expressions, in a time zone, with a policy for runs missed while the process
//! was down.

use crate::error::{Result, RetrainError, invalid};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use forecast_core::Clock;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Which day of the month a monthly schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthDay {
    /// Day 1 to 31; in shorter months the month's last day.
    Day(u32),
    /// The last Monday-to-Friday of the month.
    LastBusinessDay,
}

/// The calendar rule of a schedule.
#[derive(Debug, Clone)]
pub enum Calendar {
    /// Every day at a local time.
    Daily {
        /// Local time of day.
        at: NaiveTime,
    },
    /// Every week on a weekday at a local time.
    Weekly {
        /// Day of the week.
        weekday: Weekday,
        /// Local time of day.
        at: NaiveTime,
    },
    /// Every month on a day at a local time.
    Monthly {
        /// Which day.
        day: MonthDay,
        /// Local time of day.
        at: NaiveTime,
    },
    /// A cron expression (croner's syntax: five fields, or six with seconds first is not
    /// enabled; `L` for the last day, `#` for the nth weekday), evaluated in local time.
    Cron {
        /// The expression as given.
        expression: String,
        /// The parsed expression.
        cron: Box<croner::Cron>,
    },
}

/// What to do with the runs that fell due while nobody polled (the process was down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedRuns {
    /// Drop runs older than the grace period; run only one that is on time.
    Skip,
    /// However many were missed, run once (for the latest).
    RunOnce,
    /// Run every missed occurrence, oldest first, at most `max`.
    CatchUp {
        /// Upper bound on the runs replayed at once.
        max: usize,
    },
}

/// A schedule: a calendar rule in a time zone and a missed-run policy.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `calendar` | (required) | when runs fall due | [`Calendar`] |
/// | `tz` | UTC | time zone of the local times | any IANA zone |
/// | `missed` | `RunOnce` | runs missed while down | [`MissedRuns`] |
/// | `grace` | 1 hour | how late a run may start and still count as on time | >= 0 |
#[derive(Debug, Clone)]
pub struct Schedule {
    calendar: Calendar,
    tz: Tz,
    missed: MissedRuns,
    grace: Duration,
}

impl Schedule {
    fn with(calendar: Calendar) -> Self {
        Self { calendar, tz: Tz::UTC, missed: MissedRuns::RunOnce, grace: Duration::hours(1) }
    }

    /// Every day at `at` (local time).
    pub fn daily(at: NaiveTime) -> Self {
        Self::with(Calendar::Daily { at })
    }

    /// Every `weekday` at `at`.
    pub fn weekly(weekday: Weekday, at: NaiveTime) -> Self {
        Self::with(Calendar::Weekly { weekday, at })
    }

    /// Every month on `day` at `at`.
    ///
    /// # Errors
    /// [`RetrainError::InvalidParam`] for a day outside 1..=31.
    pub fn monthly(day: MonthDay, at: NaiveTime) -> Result<Self> {
        if let MonthDay::Day(d) = day
            && !(1..=31).contains(&d)
        {
            return Err(invalid("day of month", d, "1 to 31, or the last business day"));
        }
        Ok(Self::with(Calendar::Monthly { day, at }))
    }

    /// A cron expression such as `0 6 * * MON` (minute hour day-of-month month day-of-week).
    ///
    /// # Errors
    /// [`RetrainError::Cron`] when croner cannot parse it.
    pub fn cron(expression: &str) -> Result<Self> {
        let cron = croner::Cron::from_str(expression)
            .map_err(|e| RetrainError::Cron { expression: expression.into(), message: e.to_string() })?;
        Ok(Self::with(Calendar::Cron { expression: expression.into(), cron: Box::new(cron) }))
    }

    /// Evaluate local times in the IANA zone `tz` (e.g. `Europe/Paris`).
    ///
    /// # Errors
    /// [`RetrainError::InvalidParam`] for an unknown zone name.
    pub fn in_zone(mut self, tz: &str) -> Result<Self> {
        self.tz = Tz::from_str(tz).map_err(|_| invalid("time zone", tz, "an IANA name such as Europe/Paris"))?;
        Ok(self)
    }

    /// Set the missed-run policy.
    pub fn missed(mut self, missed: MissedRuns) -> Self {
        self.missed = missed;
        self
    }

    /// Set how late a run may start and still count as on time.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace.max(Duration::zero());
        self
    }

    /// The calendar rule.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The missed-run policy.
    pub fn missed_runs(&self) -> MissedRuns {
        self.missed
    }

    /// The first run strictly after `after`.
    ///
    /// # Errors
    /// [`RetrainError::Cron`] when a cron expression has no next occurrence.
    pub fn next_after(&self, after: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let local = after.with_timezone(&self.tz);
        let (day_rule, at) = match &self.calendar {
            Calendar::Cron { expression, cron } => {
                let next = cron
                    .find_next_occurrence(&local, false)
                    .map_err(|e| RetrainError::Cron { expression: expression.clone(), message: e.to_string() })?;
                return Ok(next.with_timezone(&Utc));
            }
            Calendar::Daily { at } => (DayRule::Any, *at),
            Calendar::Weekly { weekday, at } => (DayRule::Weekday(*weekday), *at),
            Calendar::Monthly { day, at } => (DayRule::Month(*day), *at),
        };
        // Start a day early: the local date of `after` may still hold a run later that day.
        let mut date = local.date_naive() - Duration::days(1);
        for _ in 0..400 {
            if day_rule.matches(date) {
                let t = self.instant(date, at);
                if t > after {
                    return Ok(t);
                }
            }
            date += Duration::days(1);
        }
        Err(invalid("schedule", format!("{:?}", self.calendar), "a rule that falls due at least once a year"))
    }

    /// The next `n` runs strictly after `after`.
    ///
    /// # Errors
    /// As [`Schedule::next_after`].
    pub fn next_runs(&self, after: DateTime<Utc>, n: usize) -> Result<Vec<DateTime<Utc>>> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        for _ in 0..n {
            t = self.next_after(t)?;
            out.push(t);
        }
        Ok(out)
    }

    /// Every run in `(after, until]`, at most `limit` (the oldest first).
    fn between(&self, after: DateTime<Utc>, until: DateTime<Utc>, limit: usize) -> Result<Vec<DateTime<Utc>>> {
        let mut out = Vec::new();
        let mut t = after;
        loop {
            t = self.next_after(t)?;
            if t > until || out.len() >= limit {
                return Ok(out);
            }
            out.push(t);
        }
    }

    /// The UTC instant of a local date and time; a time skipped by a daylight-saving jump
    /// moves to the first valid minute after the gap, an ambiguous one takes the earlier.
    fn instant(&self, date: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
        let naive = date.and_time(at);
        for shift in 0..=180 {
            match self.tz.from_local_datetime(&(naive + Duration::minutes(shift))) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
                LocalResult::None => {}
            }
        }
        Utc.from_utc_datetime(&naive)
    }
}

#[derive(Debug, Clone, Copy)]
enum DayRule {
    Any,
    Weekday(Weekday),
    Month(MonthDay),
}

impl DayRule {
    fn matches(self, date: NaiveDate) -> bool {
        match self {
            Self::Any => true,
            Self::Weekday(w) => date.weekday() == w,
            Self::Month(MonthDay::Day(d)) => date.day() == d.min(days_in_month(date)),
            Self::Month(MonthDay::LastBusinessDay) => date == last_business_day(date),
        }
    }
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let first_next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    first_next.and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

/// The last Monday-to-Friday of `date`'s month.
pub fn last_business_day(date: NaiveDate) -> NaiveDate {
    let mut d = date.with_day(days_in_month(date)).unwrap_or(date);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// A schedule being polled: remembers the last instant it looked at, so each run falls due once.
#[derive(Debug, Clone)]
pub struct Scheduler {
    schedule: Schedule,
    checked_until: DateTime<Utc>,
}

impl Scheduler {
    /// Start polling `schedule` from the clock's now (nothing before it is due).
    pub fn new(schedule: Schedule, clock: &dyn Clock) -> Self {
        Self { schedule, checked_until: clock.now() }
    }

    /// Resume polling from a persisted `checked_until` (runs after it may be missed runs).
    pub fn resume(schedule: Schedule, checked_until: DateTime<Utc>) -> Self {
        Self { schedule, checked_until }
    }

    /// The instant polled up to (persist it to resume after a restart).
    pub fn checked_until(&self) -> DateTime<Utc> {
        self.checked_until
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The runs due since the last poll, after the missed-run policy (the scheduled instants,
    /// oldest first); advances the poll mark to now.
    ///
    /// # Errors
    /// As [`Schedule::next_after`].
    pub fn due(&mut self, clock: &dyn Clock) -> Result<Vec<DateTime<Utc>>> {
        let now = clock.now();
        if now <= self.checked_until {
            return Ok(Vec::new());
        }
        let limit = match self.schedule.missed {
            MissedRuns::CatchUp { max } => max.max(1),
            _ => usize::MAX,
        };
        let all = if matches!(self.schedule.missed, MissedRuns::CatchUp { .. }) {
            self.schedule.between(self.checked_until, now, limit)?
        } else {
            // Only the latest occurrence matters: find it without listing years of misses.
            let mut latest = None;
            let mut t = self.checked_until;
            loop {
                let next = self.schedule.next_after(t)?;
                if next > now {
                    break;
                }
                latest = Some(next);
                t = next;
            }
            latest.into_iter().collect()
        };
        self.checked_until = now;
        Ok(match self.schedule.missed {
            MissedRuns::Skip => all.into_iter().filter(|t| now - *t <= self.schedule.grace).collect(),
            MissedRuns::RunOnce | MissedRuns::CatchUp { .. } => all,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::ManualClock;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn daily_runs_in_the_zone_across_daylight_saving() {
        // Paris: UTC+1 in winter, UTC+2 from 2026-03-29 02:00 local.
        let s = Schedule::daily(hm(6, 0)).in_zone("Europe/Paris").unwrap();
        let runs = s.next_runs(utc(2026, 3, 27, 12, 0), 3).unwrap();
        assert_eq!(runs, vec![utc(2026, 3, 28, 5, 0), utc(2026, 3, 29, 4, 0), utc(2026, 3, 30, 4, 0)]);
        // 02:30 does not exist on the switch day: the run moves to 03:00 local (01:00 UTC).
        let s = Schedule::daily(hm(2, 30)).in_zone("Europe/Paris").unwrap();
        assert_eq!(s.next_after(utc(2026, 3, 28, 12, 0)).unwrap(), utc(2026, 3, 29, 1, 0));
        assert!(Schedule::daily(hm(1, 0)).in_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn weekly_and_monthly_rules() {
        // 2026-01-05 is a Monday.
        let s = Schedule::weekly(Weekday::Mon, hm(7, 30));
        assert_eq!(
            s.next_runs(utc(2026, 1, 5, 7, 30), 2).unwrap(),
            vec![utc(2026, 1, 12, 7, 30), utc(2026, 1, 19, 7, 30)]
        );
        let s = Schedule::monthly(MonthDay::Day(31), hm(0, 0)).unwrap();
        assert_eq!(
            s.next_runs(utc(2026, 1, 1, 0, 0), 3).unwrap(),
            vec![utc(2026, 1, 31, 0, 0), utc(2026, 2, 28, 0, 0), utc(2026, 3, 31, 0, 0)]
        );
        // May 2026 ends on a Sunday: last business day Friday the 29th; January 2026 on Saturday.
        let s = Schedule::monthly(MonthDay::LastBusinessDay, hm(18, 0)).unwrap();
        assert_eq!(s.next_runs(utc(2026, 1, 1, 0, 0), 1).unwrap()[0], utc(2026, 1, 30, 18, 0),);
        assert_eq!(s.next_after(utc(2026, 5, 1, 0, 0)).unwrap(), utc(2026, 5, 29, 18, 0));
        assert!(Schedule::monthly(MonthDay::Day(0), hm(0, 0)).is_err());
        assert!(Schedule::monthly(MonthDay::Day(32), hm(0, 0)).is_err());
    }

    #[test]
    fn cron_in_a_zone() {
        let s = Schedule::cron("0 6 * * MON").unwrap().in_zone("America/New_York").unwrap();
        // 2026-01-05 Monday 06:00 EST = 11:00 UTC.
        assert_eq!(s.next_after(utc(2026, 1, 1, 0, 0)).unwrap(), utc(2026, 1, 5, 11, 0));
        let err = Schedule::cron("61 * * * *").unwrap_err().to_string();
        assert!(err.contains("61 * * * *"), "{err}");
    }

    #[test]
    fn missed_run_policies() {
        let start = utc(2026, 1, 1, 12, 0);
        let daily = || Schedule::daily(hm(6, 0));
        let clock = ManualClock::new(start);
        let mut skip = Scheduler::new(daily().missed(MissedRuns::Skip), &clock);
        let mut once = Scheduler::new(daily().missed(MissedRuns::RunOnce), &clock);
        let mut catch = Scheduler::new(daily().missed(MissedRuns::CatchUp { max: 10 }), &clock);
        // Down for three days and a bit: runs of the 2nd, 3rd, 4th were missed.
        clock.set(utc(2026, 1, 4, 9, 0));
        assert!(skip.due(&clock).unwrap().is_empty());
        assert_eq!(once.due(&clock).unwrap(), vec![utc(2026, 1, 4, 6, 0)]);
        assert_eq!(
            catch.due(&clock).unwrap(),
            vec![utc(2026, 1, 2, 6, 0), utc(2026, 1, 3, 6, 0), utc(2026, 1, 4, 6, 0)]
        );
        // A poll that is on time runs under every policy, and a second poll runs nothing.
        clock.set(utc(2026, 1, 5, 6, 10));
        for s in [&mut skip, &mut once, &mut catch] {
            assert_eq!(s.due(&clock).unwrap(), vec![utc(2026, 1, 5, 6, 0)]);
            assert!(s.due(&clock).unwrap().is_empty());
        }
        let mut capped = Scheduler::resume(daily().missed(MissedRuns::CatchUp { max: 2 }), start);
        assert_eq!(capped.due(&clock).unwrap().len(), 2);
    }
}
