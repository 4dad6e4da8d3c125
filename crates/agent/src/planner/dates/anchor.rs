//! Named dates and ranges (ISO dates, months, quarters, holidays, years) and the token
//! helpers the time grammar shares.

use super::calendar::{Anchor, Calendar, Unit, add_unit, month_end, ymd};
use crate::planner::text::{Tok, stem};
use chrono::NaiveDate;
use forecast_core::data::holidays::{easter, thanksgiving};

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

pub(super) fn word(tokens: &[Tok], i: usize) -> Option<&str> {
    tokens.get(i).and_then(Tok::word)
}

pub(super) fn is(tokens: &[Tok], i: usize, words: &[&str]) -> bool {
    word(tokens, i).is_some_and(|w| words.iter().any(|x| stem(x) == w))
}

pub(super) fn plain_number(tokens: &[Tok], i: usize) -> Option<f64> {
    match tokens.get(i) {
        Some(Tok::Num { value, percent: false, currency: false, hash: false, glued: false }) => Some(*value),
        _ => None,
    }
}

pub(super) fn unit_at(tokens: &[Tok], i: usize) -> Option<Unit> {
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
pub(super) fn count_unit(tokens: &[Tok], i: usize, bare: bool) -> Option<(f64, Unit, usize)> {
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

pub(super) fn month_at(tokens: &[Tok], i: usize) -> Option<u32> {
    let w = word(tokens, i)?;
    let m = MONTHS.iter().position(|m| stem(m) == w).or_else(|| MONTH_ABBR.iter().position(|m| *m == w))?;
    Some(m as u32 + 1)
}

pub(super) fn year_at(tokens: &[Tok], i: usize) -> Option<i32> {
    plain_number(tokens, i).filter(|y| y.fract() == 0.0 && (2000.0..=2100.0).contains(y)).map(|y| y as i32)
}

pub(super) fn day_of_month(tokens: &[Tok], i: usize) -> Option<u32> {
    plain_number(tokens, i).filter(|d| d.fract() == 0.0 && (1.0..=31.0).contains(d)).map(|d| d as u32)
}

type Make = Box<dyn Fn(i32) -> Option<(NaiveDate, NaiveDate)>>;

/// Words after which "may" names the month.
const MONTH_PREPOSITIONS: &[&str] =
    &["of", "in", "until", "through", "till", "by", "since", "from", "to", "before", "after", "during", "for"];

fn single(f: fn(i32) -> Option<NaiveDate>) -> Make {
    Box::new(move |y| f(y).map(|d| (d, d)))
}

/// A named date or range at `i`: ISO date, month (with day, year), quarter, holiday, year,
/// "end of the month".
pub(super) fn anchor_at(cal: &Calendar, tokens: &[Tok], i: usize, allow_year: bool) -> Option<(Anchor, usize)> {
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
        // "may" is the month after a preposition ("end of may", "until may") or before a
        // day or year; otherwise it is the verb.
        let after_preposition = i > 0 && is(tokens, i - 1, MONTH_PREPOSITIONS);
        if word(tokens, i) == Some("may")
            && !after_preposition
            && year_at(tokens, i + 1).is_none()
            && day_of_month(tokens, i + 1).is_none()
        {
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
