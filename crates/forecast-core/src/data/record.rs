//! `SalesRecord`: one store x item x date row, and building a [`Panel`] from records.

use super::assemble::{Layout, RawRow, assemble};
use super::cells::non_finite;
use super::options::IngestOptions;
use super::report::{IngestReport, Issue, Problem};
use crate::{Frequency, Panel, Result, SeriesKey};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One day (week, month) of sales of one item in one store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesRecord {
    /// The period's date.
    pub date: NaiveDate,
    /// Store id.
    pub store: String,
    /// Item id.
    pub item: String,
    /// Units sold; NaN for a future (planned) row or a missing observation.
    pub units: f64,
    /// Regular shelf price.
    pub price: f64,
    /// Discount off `price` as a fraction in `0..=1` (0.2 = 20% off).
    pub discount: f64,
    /// Whether the item was on promotion.
    pub promo: bool,
    /// Whether the date is a holiday.
    pub holiday: bool,
    /// Stock on hand at the start of the period, when known (sales cannot exceed it).
    pub on_hand: Option<f64>,
}

/// Column names of a record, in field order (the CSV layout of [`super::GeneratedData::write_csv`]).
pub const RECORD_COLUMNS: [&str; 9] =
    ["date", "store", "item", "units", "price", "discount", "promo", "holiday", "on_hand"];

impl SalesRecord {
    /// Check the numeric fields; the first problem as an [`Issue`] at record `line`.
    fn validate(&self, line: u64) -> std::result::Result<(), Issue> {
        let at = |column: usize, value: f64, (problem, message): (Problem, String)| Issue {
            line,
            column: column + 1,
            field: RECORD_COLUMNS[column].into(),
            value: value.to_string(),
            problem,
            message,
        };
        if self.store.is_empty() || self.item.is_empty() {
            let c = if self.store.is_empty() { 1 } else { 2 };
            let msg = format!("key `{}` is empty; accepted: a non-empty id", RECORD_COLUMNS[c]);
            return Err(at(c, f64::NAN, (Problem::EmptyKey, msg)));
        }
        if self.units.is_infinite() {
            return Err(at(3, self.units, non_finite(&self.units.to_string())));
        }
        for (c, v) in [(4, self.price), (5, self.discount)] {
            if !v.is_finite() {
                return Err(at(c, v, non_finite(&v.to_string())));
            }
        }
        if self.price < 0.0 {
            let msg = format!("price `{}` is negative; accepted: zero or more", self.price);
            return Err(at(4, self.price, (Problem::OutOfRange, msg)));
        }
        if !(0.0..=1.0).contains(&self.discount) {
            let msg = format!("discount `{}` is outside 0..=1; accepted: a fraction (0.2 = 20% off)", self.discount);
            return Err(at(5, self.discount, (Problem::OutOfRange, msg)));
        }
        if let Some(stock) = self.on_hand.filter(|s| !s.is_finite() || *s < 0.0) {
            let msg = format!("on_hand `{stock}` must be a finite number, zero or more");
            return Err(at(8, stock, (Problem::OutOfRange, msg)));
        }
        Ok(())
    }
}

impl Panel {
    /// Build a panel from sales records: key `["store", "item"]`, target `"units"`,
    /// regressors `["price", "discount", "promo", "holiday"]` (booleans as 1/0), statics
    /// `["store", "item"]`.
    ///
    /// A record's "line" in issues is its 1-based position in `records`. Records with NaN
    /// `units` after a series' last observed value are its known-future plan (they extend
    /// the regressors); inside the history they are missing observations filled by the gap
    /// policy. Validation and gap filling are those of [`super::read_csv`].
    ///
    /// # Errors
    /// Strict mode: [`crate::Error::Parse`] at the first invalid record (negative or
    /// infinite units, non-finite or negative price, discount outside 0..=1, empty ids,
    /// duplicates, off-grid dates). [`crate::Error::InvalidData`] when no record is usable.
    pub fn from_records(
        records: &[SalesRecord],
        frequency: Frequency,
        options: &IngestOptions,
    ) -> Result<(Panel, IngestReport)> {
        let mut report = IngestReport::new("<records>", options);
        report.rows_read = records.len();
        let mut rows = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let line = i as u64 + 1;
            if let Err(issue) = r.validate(line) {
                report.raise(issue)?;
                continue;
            }
            rows.push(RawRow {
                line,
                key: SeriesKey(vec![r.store.clone(), r.item.clone()]),
                date: r.date,
                target: (!r.units.is_nan()).then_some(r.units),
                regressors: vec![r.price, r.discount, f64::from(u8::from(r.promo)), f64::from(u8::from(r.holiday))],
                statics: vec![r.store.clone(), r.item.clone()],
            });
        }
        let layout = Layout {
            frequency,
            key_names: vec!["store".into(), "item".into()],
            target_name: "units".into(),
            target_column: 4,
            date_name: "date".into(),
            date_column: 1,
            regressor_names: ["price", "discount", "promo", "holiday"].map(String::from).to_vec(),
            static_names: vec!["store".into(), "item".into()],
            static_columns: vec![2, 3],
        };
        let panel = assemble(rows, &layout, &mut report)?;
        Ok((panel, report))
    }
}
