//! Time expressions resolved against the clock's date: past periods ("last month", "Q3",
//! "since Black Friday") and horizons ("next two weeks", "until Easter").
//!
//! Conventions (documented in the README): "last week/month/quarter/year" is the previous
//! calendar one; "last N days" and "past week" are rolling and end yesterday; "this month"
//! is its first day to today; a named period without a year (March, Q3, Easter) is its
//! most recent occurrence for a past question and its next one for a horizon; durations
//! convert at 7 days a week, 365/12 a month, 365/4 a quarter, rounded to whole periods.

use super::text::{Tok, stem};
use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};
use forecast_core::Frequency;
use forecast_core::data::holidays::{easter, thanksgiving};

/// Words of time expressions, known to the typo corrector.
pub(crate) const TIME_WORDS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "next",
    "coming",
    "upcoming",
    "following",
    "last",
    "past",
    "previous",
    "prior",
    "preceding",
    "trailing",
    "current",
    "rest",
    "remainder",
    "fortnight",
    "weekend",
    "quarter",
    "yesterday",
    "today",
    "tomorrow",
    "since",
    "until",
    "through",
    "before",
    "after",
    "between",
    "christmas",
    "easter",
    "thanksgiving",
    "black",
    "friday",
    "independence",
    "horizon",
    "ahead",
    "summer",
    "winter",
    "spring",
    "autumn",
    "season",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "saturday",
    "sunday",
    "first",
    "second",
    "third",
    "fourth",
];

/// A resolved time expression: its token span and what it means for a past-period tool
/// and for a horizon tool (either may be absent, e.g. "next week" has no past).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeSpan {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) past: Option<(NaiveDate, NaiveDate)>,
    pub(crate) ahead: Option<u32>,
    pub(crate) vague: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
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
struct Anchor {
    past: Option<(NaiveDate, NaiveDate)>,
    future_end: Option<NaiveDate>,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const MONTH_ABBR: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const VAGUE: &[&str] = &[
    "summer",
    "winter",
    "spring",
    "autumn",
    "season",
    "soon",
    "later",
    "few",
    "several",
    "monday",
    "tuesday",
    "thursday",
    "saturday",
    "sunday",
    "term",
    "someday",
    "eventually",
    "while",
    "holiday",
];

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    ymd(y, m, 1)?.checked_add_months(Months::new(1))?.pred_opt()
}

fn unit_days(unit: Unit) -> f64 {
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
    fn periods(&self, n: f64, unit: Unit) -> Option<u32> {
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

    fn unit_range(&self, unit: Unit, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
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

    fn back(&self, day: NaiveDate, n: u32, unit: Unit) -> Option<NaiveDate> {
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
    fn recurring(&self, make: impl Fn(i32) -> Option<(NaiveDate, NaiveDate)>) -> Anchor {
        let y = self.today.year();
        let past = [y, y - 1].into_iter().filter_map(&make).find(|(s, _)| *s <= self.today);
        let future_end = [y, y + 1].into_iter().filter_map(&make).map(|(_, e)| e).find(|e| *e > self.today);
        Anchor { past: past.map(|(s, e)| (s, e.min(self.today))), future_end }
    }

    fn fixed(&self, range: Option<(NaiveDate, NaiveDate)>) -> Option<Anchor> {
        let (s, e) = range?;
        Some(Anchor {
            past: (s <= self.today).then_some((s, e.min(self.today))),
            future_end: (e > self.today).then_some(e),
        })
    }
}

fn word(tokens: &[Tok], i: usize) -> Option<&str> {
    tokens.get(i).and_then(Tok::word)
}

fn is(tokens: &[Tok], i: usize, words: &[&str]) -> bool {
    word(tokens, i).is_some_and(|w| words.iter().any(|x| stem(x) == w))
}

fn plain_number(tokens: &[Tok], i: usize) -> Option<f64> {
    match tokens.get(i) {
        Some(Tok::Num { value, percent: false, currency: false, hash: false, glued: false }) => Some(*value),
        _ => None,
    }
}

fn unit_at(tokens: &[Tok], i: usize) -> Option<Unit> {
    Some(match word(tokens, i)? {
        "day" | "d" | "night" => Unit::Day,
        "week" => Unit::Week,
        "fortnight" => Unit::Fortnight,
        "month" => Unit::Month,
        "quarter" => Unit::Quarter,
        "year" => Unit::Year,
        "weekend" => Unit::Weekend,
        _ => return None,
    })
}

/// `N unit`, `a unit`, `a couple of units`, or `unit` alone (N = 1 when `bare` is allowed).
fn count_unit(tokens: &[Tok], i: usize, bare: bool) -> Option<(f64, Unit, usize)> {
    let mut j = i;
    if is(tokens, j, &["the"]) {
        j += 1;
    }
    if is(tokens, j, &["couple"]) {
        let k = if is(tokens, j + 1, &["of"]) { j + 2 } else { j + 1 };
        return unit_at(tokens, k).map(|u| (2.0, u, k + 1));
    }
    if is(tokens, j, &["a", "an"]) && is(tokens, j + 1, &["couple"]) {
        let k = if is(tokens, j + 2, &["of"]) { j + 3 } else { j + 2 };
        return unit_at(tokens, k).map(|u| (2.0, u, k + 1));
    }
    if let Some(n) = plain_number(tokens, j) {
        return unit_at(tokens, j + 1).map(|u| (n, u, j + 2));
    }
    if is(tokens, j, &["a", "an", "one"]) {
        return unit_at(tokens, j + 1).map(|u| (1.0, u, j + 2));
    }
    if bare { unit_at(tokens, j).map(|u| (1.0, u, j + 1)) } else { None }
}

fn month_at(tokens: &[Tok], i: usize) -> Option<u32> {
    let w = word(tokens, i)?;
    let m = MONTHS.iter().position(|m| stem(m) == w).or_else(|| MONTH_ABBR.iter().position(|m| *m == w))?;
    Some(m as u32 + 1)
}

fn year_at(tokens: &[Tok], i: usize) -> Option<i32> {
    plain_number(tokens, i).filter(|y| y.fract() == 0.0 && (2000.0..=2100.0).contains(y)).map(|y| y as i32)
}

fn day_of_month(tokens: &[Tok], i: usize) -> Option<u32> {
    plain_number(tokens, i).filter(|d| d.fract() == 0.0 && (1.0..=31.0).contains(d)).map(|d| d as u32)
}

type Make = Box<dyn Fn(i32) -> Option<(NaiveDate, NaiveDate)>>;

fn single(f: fn(i32) -> Option<NaiveDate>) -> Make {
    Box::new(move |y| f(y).map(|d| (d, d)))
}

/// A named date or range at `i`: ISO date, month (with day, year), quarter, holiday, year,
/// "end of the month".
fn anchor_at(cal: &Calendar, tokens: &[Tok], i: usize, allow_year: bool) -> Option<(Anchor, usize)> {
    if let Some(Tok::Date(d)) = tokens.get(i) {
        return Some((cal.fixed(Some((*d, *d)))?, i + 1));
    }
    let with_year = |make: Make, j: usize| -> Option<(Anchor, usize)> {
        let k = if is(tokens, j, &["of"]) && year_at(tokens, j + 1).is_some() { j + 1 } else { j };
        match year_at(tokens, k) {
            Some(y) => Some((cal.fixed(make(y))?, k + 1)),
            None => Some((cal.recurring(make), j)),
        }
    };
    if let Some(m) = month_at(tokens, i) {
        if word(tokens, i) == Some("may") && year_at(tokens, i + 1).is_none() && day_of_month(tokens, i + 1).is_none() {
            return None;
        }
        if let Some(d) = day_of_month(tokens, i + 1) {
            return with_year(Box::new(move |y| ymd(y, m, d).map(|x| (x, x))), i + 2);
        }
        return with_year(Box::new(move |y| Some((ymd(y, m, 1)?, month_end(y, m)?))), i + 1);
    }
    if let Some(d) = day_of_month(tokens, i) {
        let j = if is(tokens, i + 1, &["of"]) { i + 2 } else { i + 1 };
        if let Some(m) = month_at(tokens, j) {
            return with_year(Box::new(move |y| ymd(y, m, d).map(|x| (x, x))), j + 1);
        }
    }
    let quarter = |q: f64, j: usize| -> Option<(Anchor, usize)> {
        if !(1.0..=4.0).contains(&q) || q.fract() != 0.0 {
            return None;
        }
        let m0 = (q as u32 - 1) * 3 + 1;
        with_year(Box::new(move |y| Some((ymd(y, m0, 1)?, month_end(y, m0 + 2)?))), j)
    };
    if is(tokens, i, &["q"]) {
        if let Some(Tok::Num { value, glued: true, .. }) = tokens.get(i + 1) {
            return quarter(*value, i + 2);
        }
        if let (Some(y), Some(Tok::Num { value, glued: true, .. })) = (year_at(tokens, i + 1), tokens.get(i + 2)) {
            return quarter(*value, i + 3).and_then(|_| {
                let m0 = (*value as u32 - 1) * 3 + 1;
                Some((cal.fixed(ymd(y, m0, 1).zip(month_end(y, m0 + 2)))?, i + 3))
            });
        }
    }
    let ordinal = |j: usize| -> Option<f64> {
        plain_number(tokens, j).or_else(|| {
            ["first", "second", "third", "fourth"].iter().position(|o| is(tokens, j, &[o])).map(|p| p as f64 + 1.0)
        })
    };
    if let Some(q) = ordinal(i)
        && is(tokens, i + 1, &["quarter"])
    {
        return quarter(q, i + 2);
    }
    if is(tokens, i, &["quarter"])
        && let Some(q) = plain_number(tokens, i + 1)
    {
        return quarter(q, i + 2);
    }
    let holiday: Option<(Make, usize)> = if is(tokens, i, &["black"]) && is(tokens, i + 1, &["friday"]) {
        Some((single(|y| thanksgiving(y)?.succ_opt()), i + 2))
    } else if is(tokens, i, &["thanksgiving"]) {
        Some((single(thanksgiving), i + 1))
    } else if is(tokens, i, &["christmas"]) && is(tokens, i + 1, &["eve"]) {
        Some((single(|y| ymd(y, 12, 24)), i + 2))
    } else if is(tokens, i, &["christmas"]) {
        let j = if is(tokens, i + 1, &["day"]) { i + 2 } else { i + 1 };
        Some((single(|y| ymd(y, 12, 25)), j))
    } else if is(tokens, i, &["easter"]) {
        let j = if is(tokens, i + 1, &["sunday"]) { i + 2 } else { i + 1 };
        Some((single(easter), j))
    } else if is(tokens, i, &["new"]) && is(tokens, i + 1, &["year"]) {
        let j = if is(tokens, i + 2, &["day"]) { i + 3 } else { i + 2 };
        Some((single(|y| ymd(y, 1, 1)), j))
    } else if is(tokens, i, &["independence"]) && is(tokens, i + 1, &["day"]) {
        Some((single(|y| ymd(y, 7, 4)), i + 2))
    } else {
        None
    };
    if let Some((make, j)) = holiday {
        return with_year(make, j);
    }
    if is(tokens, i, &["end"]) && is(tokens, i + 1, &["of"]) {
        let mut j = i + 2;
        if is(tokens, j, &["the"]) {
            j += 1;
        }
        let next = is(tokens, j, &["next"]);
        if is(tokens, j, &["this", "current", "next"]) {
            j += 1;
        }
        if let Some(u) = unit_at(tokens, j) {
            let day = if next { cal.back(cal.today, 1, u).and_then(|_| add_unit(cal.today, u))? } else { cal.today };
            let (_, e) = cal.unit_range(u, day)?;
            return Some((cal.fixed(Some((e, e)))?, j + 1));
        }
        if let Some((a, end)) = anchor_at(cal, tokens, j, true) {
            let e = a.future_end.or(a.past.map(|p| p.1))?;
            return Some((cal.fixed(Some((e, e)))?, end));
        }
    }
    if allow_year && let Some(y) = year_at(tokens, i) {
        return Some((cal.fixed(ymd(y, 1, 1).zip(ymd(y, 12, 31)))?, i + 1));
    }
    None
}

fn add_unit(day: NaiveDate, unit: Unit) -> Option<NaiveDate> {
    match unit {
        Unit::Day => day.succ_opt(),
        Unit::Week | Unit::Weekend => day.checked_add_signed(Duration::days(7)),
        Unit::Fortnight => day.checked_add_signed(Duration::days(14)),
        Unit::Month => day.checked_add_months(Months::new(1)),
        Unit::Quarter => day.checked_add_months(Months::new(3)),
        Unit::Year => day.checked_add_months(Months::new(12)),
    }
}

fn span(
    start: usize,
    end: usize,
    past: Option<(NaiveDate, NaiveDate)>,
    ahead: Option<u32>,
) -> Option<(TimeSpan, usize)> {
    Some((TimeSpan { start, end, past, ahead, vague: false }, end))
}

fn anchor_span(cal: &Calendar, start: usize, a: Anchor, end: usize) -> Option<(TimeSpan, usize)> {
    span(start, end, a.past, a.future_end.and_then(|e| cal.periods_until(e)))
}

/// The time expression starting at `i`, if any.
fn parse_at(cal: &Calendar, tokens: &[Tok], i: usize) -> Option<(TimeSpan, usize)> {
    let t = cal.today;
    let w = word(tokens, i);
    if is(tokens, i, &["next", "coming", "upcoming", "following"]) {
        if let Some((n, u, end)) = count_unit(tokens, i + 1, true) {
            return span(i, end, None, cal.periods(n, u));
        }
        if let Some((a, end)) = anchor_at(cal, tokens, i + 1, false) {
            return span(i, end, None, a.future_end.and_then(|e| cal.periods_until(e)));
        }
    }
    if is(tokens, i, &["last", "past", "previous", "prior", "preceding", "trailing"]) {
        let rolling_word = is(tokens, i, &["past", "trailing"]);
        if let Some((n, u, end)) = count_unit(tokens, i + 1, false) {
            let from = cal.back(t, n as u32, u)?;
            return span(i, end, Some((from, t.pred_opt()?)), None);
        }
        if let Some(u) = unit_at(tokens, i + 1) {
            let range = if rolling_word && u != Unit::Weekend {
                (cal.back(t, 1, u)?, t.pred_opt()?)
            } else {
                cal.unit_range(u, cal.back(t, 1, u)?)?
            };
            return span(i, i + 2, Some(range), None);
        }
        if let Some((a, end)) = anchor_at(cal, tokens, i + 1, false) {
            return span(i, end, a.past, None);
        }
    }
    if is(tokens, i, &["this", "current"]) {
        if let Some(u) = unit_at(tokens, i + 1) {
            let (s, e) = cal.unit_range(u, t)?;
            return span(i, i + 2, Some((s, e.min(t))), cal.periods_until(e));
        }
        if let Some((a, end)) = anchor_at(cal, tokens, i + 1, false) {
            return anchor_span(cal, i, a, end);
        }
    }
    if is(tokens, i, &["so"]) && is(tokens, i + 1, &["far"]) && is(tokens, i + 2, &["this"]) {
        let u = unit_at(tokens, i + 3)?;
        let (s, _) = cal.unit_range(u, t)?;
        return span(i, i + 4, Some((s, t)), None);
    }
    if let Some(u) = unit_at(tokens, i)
        && is(tokens, i + 1, &["to"])
        && is(tokens, i + 2, &["date"])
    {
        let (s, _) = cal.unit_range(u, t)?;
        return span(i, i + 3, Some((s, t)), None);
    }
    if is(tokens, i, &["rest", "remainder", "balance"]) && is(tokens, i + 1, &["of"]) {
        let mut j = i + 2;
        if is(tokens, j, &["the", "this"]) {
            j += 1;
        }
        let u = unit_at(tokens, j)?;
        let (_, e) = cal.unit_range(u, t)?;
        return span(i, j + 1, None, cal.periods_until(e));
    }
    match w {
        Some("yesterday") => return span(i, i + 1, Some((t.pred_opt()?, t.pred_opt()?)), None),
        Some("today") => return span(i, i + 1, Some((t, t)), None),
        Some("tomorrow") => return span(i, i + 1, None, cal.periods_until(t.succ_opt()?)),
        _ => {}
    }
    if let Some((n, u, end)) = count_unit(tokens, i, false)
        && is(tokens, end, &["ago", "back", "earlier"])
    {
        let day = cal.back(t, n as u32, u)?;
        return span(i, end + 1, Some(cal.unit_range(u, day)?), None);
    }
    if is(tokens, i, &["since", "after", "from", "between"]) {
        let j = if is(tokens, i + 1, &["the"]) { i + 2 } else { i + 1 };
        let (a, end) = anchor_at(cal, tokens, j, true)?;
        let (from, a_end) = a.past?;
        let from = if is(tokens, i, &["after"]) { a_end.succ_opt()? } else { from };
        if is(tokens, end, &["to", "until", "through", "and", "till"]) {
            let k = if is(tokens, end + 1, &["the"]) { end + 2 } else { end + 1 };
            if let Some((b, end2)) = anchor_at(cal, tokens, k, true) {
                let to = b.past.map(|p| p.1)?;
                return span(i, end2, Some((from, to)), None);
            }
        }
        if is(tokens, i, &["since", "after"]) {
            return span(i, end, Some((from, t)), None);
        }
        return span(i, end, a.past, a.future_end.and_then(|e| cal.periods_until(e)));
    }
    if is(tokens, i, &["until", "through", "by", "before", "till", "up"]) {
        let mut j = i + 1;
        if is(tokens, i, &["up"]) {
            if !is(tokens, j, &["to", "until"]) {
                return None;
            }
            j += 1;
        }
        if is(tokens, j, &["the"]) {
            j += 1;
        }
        if let Some((a, end)) = anchor_at(cal, tokens, j, true) {
            return span(i, end, None, a.future_end.and_then(|e| cal.periods_until(e)));
        }
        if let Some(u) = unit_at(tokens, j) {
            let (_, e) = cal.unit_range(u, t)?;
            return span(i, j + 1, None, cal.periods_until(e));
        }
    }
    if is(tokens, i, &["week"])
        && let Some(n) = plain_number(tokens, i + 1)
    {
        let make = move |y: i32| {
            let monday = NaiveDate::from_isoywd_opt(y, n as u32, Weekday::Mon)?;
            Some((monday, monday + Duration::days(6)))
        };
        return anchor_span(cal, i, cal.recurring(make), i + 2);
    }
    if is(tokens, i, &["horizon"]) {
        let j = if is(tokens, i + 1, &["of"]) { i + 2 } else { i + 1 };
        if let Some((n, u, end)) = count_unit(tokens, j, false) {
            return span(i, end, None, cal.periods(n, u));
        }
        let n = plain_number(tokens, j)?;
        let end = if is(tokens, j + 1, &["step", "period"]) { j + 2 } else { j + 1 };
        return span(i, end, None, (n >= 1.0 && n.fract() == 0.0).then_some(n as u32));
    }
    if let Some(n) = plain_number(tokens, i)
        && is(tokens, i + 1, &["step", "period"])
    {
        let end = if is(tokens, i + 2, &["ahead", "out", "forward"]) { i + 3 } else { i + 2 };
        return span(i, end, None, (n >= 1.0 && n.fract() == 0.0).then_some(n as u32));
    }
    if is(tokens, i, &["in", "during", "over", "for", "on", "at", "around", "of", "within", "throughout"]) {
        let mut j = i + 1;
        if is(tokens, j, &["the"]) {
            j += 1;
        }
        if is(tokens, j, &["month"]) && is(tokens, j + 1, &["of"]) {
            j += 2;
        }
        if let Some((n, u, end)) = count_unit(tokens, j, false) {
            let end = if is(tokens, end, &["ahead", "out", "forward", "horizon"]) { end + 1 } else { end };
            return span(i, end, None, cal.periods(n, u));
        }
        if is(tokens, j, &["week"]) && is(tokens, j + 1, &["of"]) {
            let (a, end) = anchor_at(cal, tokens, j + 2, true)?;
            let (s, _) = a.past?;
            return span(i, end, Some(cal.unit_range(Unit::Week, s)?), None);
        }
        if let Some((a, end)) = anchor_at(cal, tokens, j, true) {
            return anchor_span(cal, i, a, end);
        }
    }
    if let Some((n, u, end)) = count_unit(tokens, i, false) {
        let end = if is(tokens, end, &["ahead", "out", "forward", "horizon"]) { end + 1 } else { end };
        return span(i, end, None, cal.periods(n, u));
    }
    if let Some((a, end)) = anchor_at(cal, tokens, i, false) {
        if is(tokens, end, &["week"]) {
            let (s, _) = a.past?;
            return span(i, end + 1, Some(cal.unit_range(Unit::Week, s)?), None);
        }
        return anchor_span(cal, i, a, end);
    }
    if w.is_some_and(|w| VAGUE.iter().any(|v| stem(v) == w)) {
        return Some((TimeSpan { start: i, end: i + 1, past: None, ahead: None, vague: true }, i + 1));
    }
    if is(tokens, i, &["this", "next", "last", "the", "in"]) && is(tokens, i + 1, &["fall"]) {
        return Some((TimeSpan { start: i, end: i + 2, past: None, ahead: None, vague: true }, i + 2));
    }
    None
}

/// Every time expression among the tokens not yet `claimed`; marks their tokens claimed.
pub(crate) fn time_spans(cal: &Calendar, tokens: &[Tok], claimed: &mut [bool]) -> Vec<TimeSpan> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if claimed[i] {
            i += 1;
            continue;
        }
        match parse_at(cal, tokens, i) {
            Some((s, end)) if end > i && (i..end).all(|k| !claimed.get(k).copied().unwrap_or(true)) => {
                for c in &mut claimed[i..end] {
                    *c = true;
                }
                spans.push(s);
                i = end;
            }
            _ => i += 1,
        }
    }
    spans
}
