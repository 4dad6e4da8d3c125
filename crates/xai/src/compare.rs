//! Sales per segment of a static or key column (store, item, region ...) over a period, ranked,
//! with the change against the period before (same length).

use crate::error::{Result, XaiError};
use crate::format::with_unit;
use chrono::NaiveDate;
use forecast_core::Panel;
use std::collections::BTreeMap;

/// One segment's sales.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The segment's label (the column's value).
    pub segment: String,
    /// Sales in the period.
    pub value: f64,
    /// Sales in the period before, when it is observed.
    pub previous: Option<f64>,
    /// Series in the segment.
    pub series: usize,
}

impl Segment {
    /// Change against the period before in percent, when it had sales.
    pub fn change_pct(&self) -> Option<f64> {
        self.previous.filter(|p| p.abs() > 0.0).map(|p| (self.value / p - 1.0) * 100.0)
    }
}

/// Segments ranked by sales, highest first.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentComparison {
    /// The column grouped by.
    pub by: String,
    /// The period compared (inclusive).
    pub period: (NaiveDate, NaiveDate),
    /// The period before it.
    pub previous: (NaiveDate, NaiveDate),
    /// The segments, highest sales first.
    pub segments: Vec<Segment>,
}

impl SegmentComparison {
    /// The segment whose sales fell the most in percent (only segments that fell).
    pub fn largest_drop(&self) -> Option<&Segment> {
        self.segments
            .iter()
            .filter(|s| s.change_pct().is_some_and(|c| c < 0.0))
            .min_by(|a, b| a.change_pct().unwrap_or(0.0).total_cmp(&b.change_pct().unwrap_or(0.0)))
    }

    /// "Store_01 sold the most (1,234 units, +5%); store_03 the least (...); store_02 fell the most (-12%)."
    pub fn narrative(&self, unit: &str) -> String {
        let pct = |s: &Segment| s.change_pct().map(|c| format!(", {}%", crate::format::signed(c))).unwrap_or_default();
        let (Some(hi), Some(lo)) = (self.segments.first(), self.segments.last()) else {
            return format!("No sales by {} from {} to {}.", self.by, self.period.0, self.period.1);
        };
        let mut text = format!(
            "From {} to {}, {} {} sold the most ({}{}) and {} the least ({}{})",
            self.period.0,
            self.period.1,
            self.by,
            hi.segment,
            with_unit(hi.value, unit),
            pct(hi),
            lo.segment,
            with_unit(lo.value, unit),
            pct(lo)
        );
        if let Some(d) = self.largest_drop() {
            text.push_str(&format!("; {} fell the most against the period before{}", d.segment, pct(d)));
        }
        text.push('.');
        text
    }
}

/// The segment label of each series for column `by` (a static column, shown by its level,
/// or a key column such as `store`).
///
/// # Errors
/// [`XaiError::InvalidArgument`] naming `by` when it is neither (the message lists them).
pub(crate) fn segment_labeler<'a>(panel: &'a Panel, by: &str) -> Result<Box<dyn Fn(usize) -> String + 'a>> {
    if let Some(k) = panel.static_names.iter().position(|n| n == by) {
        Ok(Box::new(move |s| {
            let code = panel.series[s].statics[k] as usize;
            panel.static_levels.get(k).and_then(|l| l.get(code)).cloned().unwrap_or_else(|| code.to_string())
        }))
    } else if let Some(k) = panel.key_names.iter().position(|n| n == by) {
        Ok(Box::new(move |s| panel.series[s].key.0.get(k).cloned().unwrap_or_default()))
    } else {
        let mut columns: Vec<&str> = panel.key_names.iter().chain(&panel.static_names).map(String::as_str).collect();
        columns.dedup();
        Err(XaiError::argument("by", by, format!("a key or static column: {}", columns.join(", "))))
    }
}

/// Sales of `series` grouped by column `by` (a static column, or a key column such as `store`)
/// over `[from, to]`, and over the same number of periods right before.
///
/// # Errors
/// [`XaiError::InvalidArgument`] naming `by` when it is neither a static nor a key column (the
/// message lists them), or `period` when no selected series has a date in it.
pub fn compare_segments(
    panel: &Panel,
    by: &str,
    series: &[usize],
    (from, to): (NaiveDate, NaiveDate),
) -> Result<SegmentComparison> {
    let label = segment_labeler(panel, by)?;
    let freq = panel.frequency;
    let n = freq.periods_between(from, to).unwrap_or(0).max(0) + 1;
    let previous = freq
        .add(from, -n)
        .zip(freq.add(from, -1))
        .ok_or_else(|| XaiError::argument("period", from, "a period with a period before it"))?;
    let mut groups: BTreeMap<String, Segment> = BTreeMap::new();
    let mut any = false;
    for &s in series {
        let ser = panel
            .series
            .get(s)
            .ok_or_else(|| XaiError::argument("series", s, format!("an index below {}", panel.series.len())))?;
        let (mut now, mut before, mut seen_before) = (0.0, 0.0, false);
        for t in 0..ser.len() {
            let (Some(d), v) = (panel.date(ser, t), ser.target[t]) else { continue };
            if !v.is_finite() {
                continue;
            }
            if d >= from && d <= to {
                now += v;
                any = true;
            } else if d >= previous.0 && d <= previous.1 {
                before += v;
                seen_before = true;
            }
        }
        let e = groups.entry(label(s)).or_insert_with_key(|k| Segment {
            segment: k.clone(),
            value: 0.0,
            previous: Some(0.0),
            series: 0,
        });
        e.value += now;
        e.series += 1;
        e.previous = if seen_before { e.previous.map(|p| p + before) } else { None };
    }
    if !any {
        return Err(XaiError::argument("period", format!("{from} to {to}"), "dates with observed sales"));
    }
    let mut segments: Vec<Segment> = groups.into_values().collect();
    segments.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.segment.cmp(&b.segment)));
    Ok(SegmentComparison { by: by.to_string(), period: (from, to), previous, segments })
}
