//! From parsed rows to a `Panel`: group by key, reject duplicates and off-grid dates, place
//! every row on its series' calendar, and fill the gaps.

use super::gaps::{fill_regressor, fill_target};
use super::options::{DuplicatePolicy, NegativePolicy};
use super::report::{IngestReport, Issue, Problem, SeriesGaps};
use crate::{Error, Frequency, Panel, Result, Series, SeriesKey};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// One parsed input row.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    /// 1-based line (record number for in-memory records).
    pub(crate) line: u64,
    pub(crate) key: SeriesKey,
    pub(crate) date: NaiveDate,
    /// `None` for an empty target cell.
    pub(crate) target: Option<f64>,
    /// One per regressor; NaN for an empty cell.
    pub(crate) regressors: Vec<f64>,
    pub(crate) statics: Vec<String>,
}

/// Names and 1-based positions of the columns, for the panel and for messages.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) frequency: Frequency,
    pub(crate) key_names: Vec<String>,
    pub(crate) target_name: String,
    pub(crate) target_column: usize,
    pub(crate) date_name: String,
    pub(crate) date_column: usize,
    pub(crate) regressor_names: Vec<String>,
    pub(crate) static_names: Vec<String>,
    pub(crate) static_columns: Vec<usize>,
}

/// A series after validation, before static coding.
struct Built {
    series: Series,
    statics: Vec<String>,
}

/// Build the panel from parsed rows, raising series-level problems through `report`
/// (in line order, so strict mode reports the earliest).
pub(crate) fn assemble(rows: Vec<RawRow>, layout: &Layout, report: &mut IngestReport) -> Result<Panel> {
    // A regressor whose every value is 0 or 1 is a flag (promotion, holiday, display): a
    // missing period's flag is unknown, never the previous period's.
    let flags: Vec<bool> = (0..layout.regressor_names.len())
        .map(|j| {
            let mut seen = false;
            let all_binary = rows.iter().map(|r| r.regressors[j]).filter(|v| !v.is_nan()).all(|v| {
                seen = true;
                v == 0.0 || v == 1.0
            });
            seen && all_binary
        })
        .collect();
    let mut by_key: BTreeMap<SeriesKey, Vec<RawRow>> = BTreeMap::new();
    for row in rows {
        by_key.entry(row.key.clone()).or_default().push(row);
    }
    let mut issues: Vec<(Issue, usize)> = Vec::new();
    let mut built = Vec::with_capacity(by_key.len());
    for (key, rows) in by_key {
        if let Some(b) = build_series(key, rows, layout, &flags, report, &mut issues) {
            built.push(b);
        }
    }
    issues.sort_by_key(|(i, _)| i.line);
    for (issue, rows) in issues {
        let problem = issue.problem;
        report.raise(issue)?;
        // `raise` counted the issue's row; a series without history skips all of its rows.
        if let Some(n) = report.skipped.get_mut(&problem) {
            *n += rows - 1;
        }
    }
    if built.is_empty() {
        return Err(Error::InvalidData(format!("no usable rows in {}\n{report}", report.source)));
    }
    let mut static_levels: Vec<Vec<String>> = Vec::with_capacity(layout.static_names.len());
    for j in 0..layout.static_names.len() {
        let levels: BTreeSet<&str> = built.iter().map(|b| b.statics[j].as_str()).collect();
        static_levels.push(levels.into_iter().map(str::to_string).collect());
    }
    let series = built
        .into_iter()
        .map(|b| {
            let mut s = b.series;
            s.statics = b
                .statics
                .iter()
                .zip(&static_levels)
                .map(|(v, levels)| levels.binary_search(v).map_or(0, |i| i as u32))
                .collect();
            s
        })
        .collect::<Vec<_>>();
    report.series = series.len();
    Ok(Panel {
        frequency: layout.frequency,
        key_names: layout.key_names.clone(),
        target_name: layout.target_name.clone(),
        regressor_names: layout.regressor_names.clone(),
        static_names: layout.static_names.clone(),
        static_levels,
        series,
    })
}

fn issue(line: u64, column: usize, field: &str, value: String, problem: Problem, message: String) -> Issue {
    Issue { line, column, field: field.into(), value, problem, message }
}

fn grid_description(frequency: Frequency, anchor: NaiveDate) -> String {
    match frequency {
        Frequency::Daily => "daily".into(),
        Frequency::Weekly => format!("weekly grid (every {:?}, 7 days apart)", anchor.weekday()),
        Frequency::Monthly if crate::panel::is_month_end(anchor) => "monthly grid (month-ends)".into(),
        Frequency::Monthly => format!("monthly grid (day {} of each month)", anchor.day()),
    }
}

/// Validate one series' rows and lay them on its calendar. Problem rows are dropped and
/// their issues pushed to `issues` (with the number of rows they skip).
fn build_series(
    key: SeriesKey,
    mut rows: Vec<RawRow>,
    layout: &Layout,
    flags: &[bool],
    report: &mut IngestReport,
    issues: &mut Vec<(Issue, usize)>,
) -> Option<Built> {
    rows.sort_by(|a, b| a.date.cmp(&b.date).then(a.line.cmp(&b.line)));
    let first = rows.first()?;
    let (anchor, first_line, statics) = (first.date, first.line, first.statics.clone());
    let mut kept: Vec<(usize, RawRow)> = Vec::with_capacity(rows.len());
    for mut row in rows {
        let date_text = row.date.to_string();
        if let Some(y) = row.target.filter(|y| *y < 0.0) {
            match report.negative_policy {
                NegativePolicy::Error => {
                    let msg = format!(
                        "target `{y}` of series {key} is negative; accepted: zero or more (empty cell = missing); \
                         for returns, choose a negative-target policy: clip to zero or keep"
                    );
                    let col = layout.target_column;
                    issues.push((
                        issue(row.line, col, &layout.target_name, y.to_string(), Problem::NegativeTarget, msg),
                        1,
                    ));
                    continue;
                }
                NegativePolicy::ClipToZero => {
                    row.target = Some(0.0);
                    report.negatives_clipped += 1;
                }
                NegativePolicy::Keep => report.negatives_kept += 1,
            }
        }
        if let Some((_, prev)) = kept.last_mut().filter(|(_, p)| p.date == row.date) {
            let conflict = (0..row.regressors.len()).find(|&j| {
                let (a, b) = (prev.regressors[j], row.regressors[j]);
                a != b && !(a.is_nan() && b.is_nan())
            });
            match (report.duplicate_policy, conflict) {
                (DuplicatePolicy::Sum, None) => {
                    prev.target = match (prev.target, row.target) {
                        (Some(a), Some(b)) => Some(a + b),
                        (a, b) => a.or(b),
                    };
                    report.duplicates_summed += 1;
                    report.rows_kept += 1;
                }
                (DuplicatePolicy::Sum, Some(j)) => {
                    let msg = format!(
                        "second row for series {key} on {date_text} (first on line {}) has regressor `{}` = {} \
                         where the first has {}; accepted for summing: rows that agree on every regressor",
                        prev.line, layout.regressor_names[j], row.regressors[j], prev.regressors[j]
                    );
                    let value = row.regressors[j].to_string();
                    issues.push((
                        issue(row.line, layout.date_column, &layout.date_name, value, Problem::Duplicate, msg),
                        1,
                    ));
                }
                (DuplicatePolicy::Error, _) => {
                    let msg = format!(
                        "second row for series {key} on {date_text} (first on line {}); accepted: one row per series \
                         and date; to add up several rows of a day (transaction lines), choose the duplicate policy `sum`",
                        prev.line
                    );
                    issues.push((
                        issue(row.line, layout.date_column, &layout.date_name, date_text, Problem::Duplicate, msg),
                        1,
                    ));
                }
            }
            continue;
        }
        if let Some(j) = (0..statics.len()).find(|&j| row.statics[j] != statics[j]) {
            let msg = format!(
                "static `{}` is `{}` here but `{}` on line {first_line} for series {key}; accepted: one value per series",
                layout.static_names[j], row.statics[j], statics[j]
            );
            let (col, name) = (layout.static_columns[j], &layout.static_names[j]);
            issues.push((issue(row.line, col, name, row.statics[j].clone(), Problem::InconsistentStatic, msg), 1));
            continue;
        }
        let Some(t) = layout.frequency.periods_between(anchor, row.date).and_then(|t| usize::try_from(t).ok()) else {
            let msg = format!(
                "date {date_text} is not on the {} of series {key}, which starts {anchor} (line {first_line}); \
                 accepted: dates a whole number of periods apart",
                grid_description(layout.frequency, anchor)
            );
            issues
                .push((issue(row.line, layout.date_column, &layout.date_name, date_text, Problem::Misaligned, msg), 1));
            continue;
        };
        kept.push((t, row));
    }
    let Some(last_obs) = kept.iter().filter(|(_, r)| r.target.is_some()).map(|(t, _)| *t).max() else {
        let msg = format!(
            "series {key} has no observed target (every `{}` cell is empty); accepted: at least one number",
            layout.target_name
        );
        let n = kept.len();
        if n > 0 {
            issues.push((
                issue(first_line, layout.target_column, &layout.target_name, String::new(), Problem::NoHistory, msg),
                n,
            ));
        }
        return None;
    };
    let n_hist = last_obs + 1;
    // Rows past the history extend the plan only where they carry a regressor value.
    let plan_row = |(t, r): &(usize, RawRow)| *t < n_hist || r.regressors.iter().any(|v| !v.is_nan());
    let n_total = kept.iter().filter(|r| plan_row(r)).map(|(t, _)| t + 1).max().unwrap_or(n_hist);
    let before = kept.len();
    kept.retain(|(t, _)| *t < n_total);
    report.empty_trailing_rows += before - kept.len();
    let mut present = vec![false; n_total];
    let mut target = vec![f64::NAN; n_hist];
    let mut regressors = vec![vec![f64::NAN; n_total]; layout.regressor_names.len()];
    for (t, row) in &kept {
        present[*t] = true;
        if *t < n_hist {
            target[*t] = row.target.unwrap_or(f64::NAN);
        } else {
            report.future_rows += 1;
        }
        for (col, v) in regressors.iter_mut().zip(&row.regressors) {
            col[*t] = *v;
        }
    }
    report.rows_kept += kept.len();
    let periods = fill_target(&mut target, report.gap_policy);
    let gaps = present[..n_hist]
        .iter()
        .zip(std::iter::once(&true).chain(&present[..n_hist]))
        .filter(|(p, prev)| !**p && **prev)
        .count();
    if periods > 0 {
        report.periods_filled += periods;
        report.series_gaps.push(SeriesGaps { key: key.clone(), gaps, periods });
    }
    for (col, &flag) in regressors.iter_mut().zip(flags) {
        if flag {
            report.flag_cells_missing += col.iter().filter(|v| v.is_nan()).count();
        } else {
            report.regressor_cells_filled += fill_regressor(col);
        }
    }
    Some(Built { series: Series { key, start: anchor, target, regressors, statics: Vec::new() }, statics })
}
