//! CSV ingest: read a file through a [`CsvSpec`], validate every cell, build a [`Panel`].

use super::assemble::{Layout, RawRow, assemble};
use super::cells::{CellError, parse_date, parse_regressor, parse_target};
use super::options::IngestOptions;
use super::report::{IngestReport, Issue, Problem};
use super::spec::CsvSpec;
use crate::{Error, Panel, Result, SeriesKey};
use std::io::Read;
use std::path::Path;

/// Read a CSV file into a [`Panel`] with the column mapping `spec`.
///
/// Rows after a series' last observed target whose target cell is empty are the
/// known-future plan: their regressors extend [`crate::Series::regressors`] past
/// [`crate::Series::target`]. An empty target inside the history is a missing observation,
/// filled by [`IngestOptions::gap_policy`] like a missing date.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened; otherwise as [`read_csv_from`].
pub fn read_csv(path: impl AsRef<Path>, spec: &CsvSpec, options: &IngestOptions) -> Result<(Panel, IngestReport)> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| Error::Io { path: path.into(), source })?;
    read_csv_from(std::io::BufReader::new(file), &path.display().to_string(), spec, options)
}

/// Read CSV text from any reader; `name` stands for the file in messages and the report.
///
/// # Errors
/// - [`Error::InvalidParam`] for an invalid `spec`;
/// - [`Error::MissingColumn`] when a mapped column is not in the header;
/// - [`Error::Parse`] (strict mode) at the first problem row, naming line, column, value
///   and what is accepted;
/// - [`Error::InvalidData`] when no row is usable.
pub fn read_csv_from<R: Read>(
    reader: R,
    name: &str,
    spec: &CsvSpec,
    options: &IngestOptions,
) -> Result<(Panel, IngestReport)> {
    spec.check()?;
    let mut rdr = csv::ReaderBuilder::new().delimiter(spec.delimiter).trim(csv::Trim::All).from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::Parse {
            path: name.into(),
            line: 1,
            column: 1,
            field: "(header)".into(),
            message: format!("the header row cannot be read ({e}); accepted: a UTF-8 CSV header naming the columns"),
        })?
        .iter()
        .map(str::to_string)
        .collect();
    let find = |column: &str| -> Result<usize> {
        header.iter().position(|h| h == column).ok_or_else(|| Error::MissingColumn {
            path: name.into(),
            column: column.into(),
            header: header.clone(),
        })
    };
    let date = find(&spec.date)?;
    let target = find(&spec.target)?;
    let keys = spec.keys.iter().map(|c| find(c)).collect::<Result<Vec<_>>>()?;
    let regressors = spec.regressors.iter().map(|c| find(c)).collect::<Result<Vec<_>>>()?;
    let statics = spec.statics.iter().map(|c| find(c)).collect::<Result<Vec<_>>>()?;

    let mut report = IngestReport::new(name, options);
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                report.rows_read += 1;
                let line = record.position().map_or(0, csv::Position::line);
                let cell = |i: usize| record.get(i).unwrap_or("");
                let at = |i: usize, (problem, message): CellError| Issue {
                    line,
                    column: i + 1,
                    field: header[i].clone(),
                    value: cell(i).to_string(),
                    problem,
                    message,
                };
                let parsed = (|| {
                    if let Some(&k) = keys.iter().find(|&&k| cell(k).is_empty()) {
                        let msg = format!("key column `{}` is empty; accepted: a non-empty series key", header[k]);
                        return Err(at(k, (Problem::EmptyKey, msg)));
                    }
                    let d = parse_date(cell(date), spec.date_format.as_deref()).map_err(|e| at(date, e))?;
                    let y = parse_target(cell(target)).map_err(|e| at(target, e))?;
                    let regs = regressors
                        .iter()
                        .map(|&r| parse_regressor(cell(r)).map_err(|e| at(r, e)))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(RawRow {
                        line,
                        key: SeriesKey(keys.iter().map(|&k| cell(k).to_string()).collect()),
                        date: d,
                        target: y,
                        regressors: regs,
                        statics: statics.iter().map(|&s| cell(s).to_string()).collect(),
                    })
                })();
                match parsed {
                    Ok(row) => rows.push(row),
                    Err(issue) => report.raise(issue)?,
                }
            }
            Err(e) => {
                report.rows_read += 1;
                report.raise(malformed(&e, &header))?;
            }
        }
    }
    let layout = Layout {
        frequency: spec.frequency,
        key_names: spec.keys.clone(),
        target_name: spec.target.clone(),
        target_column: target + 1,
        date_name: spec.date.clone(),
        date_column: date + 1,
        regressor_names: spec.regressors.clone(),
        static_names: spec.statics.clone(),
        static_columns: statics.iter().map(|s| s + 1).collect(),
    };
    let panel = assemble(rows, &layout, &mut report)?;
    Ok((panel, report))
}

/// The issue for a row the CSV reader rejected (wrong field count, invalid UTF-8).
fn malformed(e: &csv::Error, header: &[String]) -> Issue {
    let line = e.position().map_or(0, csv::Position::line);
    let (column, message) = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => (
            (*len.min(expected_len) as usize) + 1,
            format!(
                "the row has {len} fields but the header has {expected_len}; accepted: one field per header column"
            ),
        ),
        csv::ErrorKind::Utf8 { err, .. } => {
            (err.field() + 1, format!("a field is not valid UTF-8 ({err}); accepted: UTF-8 text"))
        }
        other => {
            (1, format!("the row cannot be read ({other:?}); accepted: a CSV row with one field per header column"))
        }
    };
    let field = header.get(column - 1).cloned().unwrap_or_else(|| "(beyond the header)".into());
    Issue { line, column, field, value: String::new(), problem: Problem::MalformedRow, message }
}
