//! Time expressions resolved against the clock's date: past periods ("last month", "Q3",
//! "since Black Friday") and horizons ("next two weeks", "until Easter").
//!
//! Conventions (documented in the README): "last week/month/quarter/year" is the previous
//! calendar one; "last N days" and "past week" are rolling and end yesterday; "this month"
//! is its first day to today; a named period without a year (March, Q3, Easter) is its
//! most recent occurrence for a past question and its next one for a horizon; durations
//! convert at 7 days a week, 365/12 a month, 365/4 a quarter, rounded to whole periods.

mod anchor;
mod calendar;

pub(crate) use calendar::Calendar;

use super::text::{Tok, stem};
use anchor::{anchor_at, count_unit, is, plain_number, unit_at, word};
use calendar::{Anchor, Unit};
use chrono::{Duration, NaiveDate, Weekday};

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
