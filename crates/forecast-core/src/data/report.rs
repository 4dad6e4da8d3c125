//! What ingest found: every problem with its place, counts by kind, and the gaps it filled.

use super::options::{DuplicatePolicy, GapPolicy, IngestMode, NegativePolicy};
use crate::{Error, Result, SeriesKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How many issues an [`IngestReport`] stores; counts stay exact beyond it.
pub const MAX_STORED_ISSUES: usize = 1000;

/// The kind of a problem found in an input row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Problem {
    /// The row could not be read as CSV (wrong number of fields, invalid UTF-8).
    MalformedRow,
    /// A key cell was empty.
    EmptyKey,
    /// A date did not parse with the expected format.
    BadDate,
    /// A number (or boolean regressor) did not parse.
    BadNumber,
    /// A number was NaN or infinite.
    NonFinite,
    /// The target was negative.
    NegativeTarget,
    /// A value was outside its accepted range (e.g. a discount outside 0..1).
    OutOfRange,
    /// A second row for the same series and date.
    Duplicate,
    /// A date not on the series' calendar grid (e.g. a weekly date on another weekday).
    Misaligned,
    /// A static feature changed value within a series.
    InconsistentStatic,
    /// A series had no observed target at all.
    NoHistory,
}

impl Problem {
    /// A short snake_case name, e.g. `"bad_date"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::MalformedRow => "malformed_row",
            Self::EmptyKey => "empty_key",
            Self::BadDate => "bad_date",
            Self::BadNumber => "bad_number",
            Self::NonFinite => "non_finite",
            Self::NegativeTarget => "negative_target",
            Self::OutOfRange => "out_of_range",
            Self::Duplicate => "duplicate",
            Self::Misaligned => "misaligned",
            Self::InconsistentStatic => "inconsistent_static",
            Self::NoHistory => "no_history",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One problem at a known place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// 1-based line in the file (the record number for in-memory records).
    pub line: u64,
    /// 1-based column.
    pub column: usize,
    /// Column name.
    pub field: String,
    /// The offending cell, as written.
    pub value: String,
    /// The kind of problem.
    pub problem: Problem,
    /// What was wrong and what is accepted.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {} ({}): {}", self.line, self.column, self.field, self.message)
    }
}

impl Issue {
    /// The issue as an [`Error::Parse`] for `source`.
    pub fn to_error(&self, source: &str) -> Error {
        Error::Parse {
            path: source.into(),
            line: self.line,
            column: self.column,
            field: self.field.clone(),
            message: self.message.clone(),
        }
    }
}

/// Missing periods filled in one series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesGaps {
    /// The series.
    pub key: SeriesKey,
    /// Runs of consecutive missing dates.
    pub gaps: usize,
    /// Periods filled (missing dates plus empty target cells inside the history).
    pub periods: usize,
}

/// The outcome of an ingest: counts, problems and filled gaps. Nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    /// The file name (or the name given to `read_csv_from`, `<records>` for records).
    pub source: String,
    /// Strict or lenient.
    pub mode: IngestMode,
    /// The gap policy applied.
    pub gap_policy: GapPolicy,
    /// The duplicate policy applied.
    pub duplicate_policy: DuplicatePolicy,
    /// The negative-target policy applied.
    pub negative_policy: NegativePolicy,
    /// Data rows read (header excluded).
    pub rows_read: usize,
    /// Rows that made it into the panel (history and future rows).
    pub rows_kept: usize,
    /// Rows skipped, by problem kind (lenient mode; a row counts under its first problem).
    pub skipped: BTreeMap<Problem, usize>,
    /// The first [`MAX_STORED_ISSUES`] issues, in the order found.
    pub issues: Vec<Issue>,
    /// Series in the panel.
    pub series: usize,
    /// Series with at least one filled period.
    pub series_gaps: Vec<SeriesGaps>,
    /// Total filled periods (missing dates and empty target cells inside histories).
    pub periods_filled: usize,
    /// Empty regressor cells (and regressors on missing dates) filled from the previous value.
    pub regressor_cells_filled: usize,
    /// Rows after a series' last observed target with an empty target: the known-future plan.
    pub future_rows: usize,
    /// Rows after the last observed target with neither a target nor a regressor value: not a
    /// plan, so not kept (they do not extend the series).
    pub empty_trailing_rows: usize,
    /// Flag regressor cells (0/1 columns such as promo or holiday) left missing in a gap
    /// instead of being carried forward from the previous period.
    pub flag_cells_missing: usize,
    /// Duplicate (series, date) rows whose targets were added into the first row.
    pub duplicates_summed: usize,
    /// Negative targets replaced by zero.
    pub negatives_clipped: usize,
    /// Negative targets kept as they were.
    pub negatives_kept: usize,
}

impl IngestReport {
    pub(crate) fn new(source: &str, options: &super::IngestOptions) -> Self {
        Self {
            source: source.into(),
            mode: options.mode,
            gap_policy: options.gap_policy,
            duplicate_policy: options.duplicates,
            negative_policy: options.negatives,
            rows_read: 0,
            rows_kept: 0,
            skipped: BTreeMap::new(),
            issues: Vec::new(),
            series: 0,
            series_gaps: Vec::new(),
            periods_filled: 0,
            regressor_cells_filled: 0,
            future_rows: 0,
            empty_trailing_rows: 0,
            flag_cells_missing: 0,
            duplicates_summed: 0,
            negatives_clipped: 0,
            negatives_kept: 0,
        }
    }

    /// Total rows skipped.
    pub fn rows_skipped(&self) -> usize {
        self.skipped.values().sum()
    }

    /// Rows skipped for one problem kind.
    pub fn skipped_for(&self, problem: Problem) -> usize {
        self.skipped.get(&problem).copied().unwrap_or(0)
    }

    /// Whether ingest found no problem and filled no gap.
    pub fn is_clean(&self) -> bool {
        self.skipped.is_empty() && self.periods_filled == 0 && self.regressor_cells_filled == 0
    }

    /// Record a problem row: an error in strict mode, skipped and counted in lenient mode.
    pub(crate) fn raise(&mut self, issue: Issue) -> Result<()> {
        if self.mode == IngestMode::Strict {
            return Err(issue.to_error(&self.source));
        }
        *self.skipped.entry(issue.problem).or_insert(0) += 1;
        if self.issues.len() < MAX_STORED_ISSUES {
            self.issues.push(issue);
        }
        Ok(())
    }
}

impl fmt::Display for IngestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} rows read, {} kept ({} future-plan rows), {} skipped; {} series",
            self.source,
            self.rows_read,
            self.rows_kept,
            self.future_rows,
            self.rows_skipped(),
            self.series
        )?;
        for (problem, n) in &self.skipped {
            writeln!(f, "  skipped {n} rows: {problem}")?;
        }
        if self.periods_filled > 0 {
            writeln!(
                f,
                "  filled {} missing periods in {} series (policy: {})",
                self.periods_filled,
                self.series_gaps.len(),
                self.gap_policy
            )?;
        }
        if self.regressor_cells_filled > 0 {
            writeln!(f, "  forward-filled {} regressor cells", self.regressor_cells_filled)?;
        }
        if self.flag_cells_missing > 0 {
            writeln!(
                f,
                "  left {} flag cells missing in gaps (flags are not carried forward)",
                self.flag_cells_missing
            )?;
        }
        if self.empty_trailing_rows > 0 {
            writeln!(
                f,
                "  ignored {} trailing rows with neither a target nor a regressor (not a plan)",
                self.empty_trailing_rows
            )?;
        }
        if self.duplicates_summed > 0 {
            writeln!(f, "  summed {} duplicate (series, date) rows into the first", self.duplicates_summed)?;
        }
        if self.negatives_clipped + self.negatives_kept > 0 {
            writeln!(f, "  negative targets: {} clipped to 0, {} kept", self.negatives_clipped, self.negatives_kept)?;
        }
        let total = self.rows_skipped();
        for issue in self.issues.iter().take(10) {
            writeln!(f, "  {issue}")?;
        }
        if total > 10 {
            writeln!(f, "  ... and {} more issues", total - 10)?;
        }
        Ok(())
    }
}
