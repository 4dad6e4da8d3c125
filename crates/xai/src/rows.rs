//! Feature rows from CSV, matched to a model's columns.

use crate::Result;
use forecast_core::Error as CoreError;
use ndarray::Array2;
use std::path::Path;

/// Cells read as a missing value (NaN), compared without case after trimming.
pub const MISSING_TOKENS: [&str; 7] = ["", "nan", "na", "n/a", "null", "none", "?"];

/// Rows read from a CSV file, in the model's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRows {
    /// Rows x model features; missing cells are NaN.
    pub x: Array2<f64>,
    /// How the columns were matched, and what was left out: messages for the person running the tool.
    pub notes: Vec<String>,
}

/// Read feature rows from CSV text for a model with `feature_names` (in model order).
///
/// - A first line whose cells are all numbers or missing is data (no header); then the file
///   must have exactly one column per model feature, in model order.
/// - With a header that names every model feature, columns are taken by name; other columns
///   are left out and listed in `notes`.
/// - With a header of other names but as many columns as features, columns are taken in order
///   (also noted).
/// - Missing values: an empty cell or one of [`MISSING_TOKENS`]; numbers as Rust reads them
///   (`1.5`, `-2e-3`, `inf`).
///
/// # Errors
/// [`CoreError::Parse`] naming the file, line, column and field of the first bad cell or
/// ragged line; [`CoreError::MissingColumn`] when a header lacks model features and does not
/// have one column per feature.
pub fn read_feature_rows(text: &str, path: &Path, feature_names: &[String]) -> Result<FeatureRows> {
    let parse_err = |line: u64, column: usize, field: &str, message: String| CoreError::Parse {
        path: path.to_path_buf(),
        line,
        column,
        field: field.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut notes = Vec::new();
    let p = feature_names.len();
    let Some(first) = records.next() else {
        return Ok(FeatureRows { x: Array2::zeros((0, p)), notes: vec!["no rows".into()] });
    };
    let first = first.map_err(|e| parse_err(1, 1, "", e.to_string()))?;
    let is_data = first.iter().all(|c| cell(c).is_some());
    let header: Vec<String> = if is_data {
        (0..first.len()).map(|i| feature_names.get(i).cloned().unwrap_or_else(|| format!("column {}", i + 1))).collect()
    } else {
        first.iter().map(|c| c.trim().to_string()).collect()
    };
    let positions: Vec<usize> = if is_data {
        if first.len() != p {
            return Err(parse_err(
                1,
                first.len().min(p) + 1,
                "",
                format!(
                    "a file without header needs one column per model feature: {p} expected, {} found",
                    first.len()
                ),
            )
            .into());
        }
        (0..p).collect()
    } else if let Some(pos) =
        feature_names.iter().map(|n| header.iter().position(|h| h == n)).collect::<Option<Vec<_>>>()
    {
        let unused: Vec<&str> =
            header.iter().enumerate().filter(|(i, _)| !pos.contains(i)).map(|(_, h)| h.as_str()).collect();
        if !unused.is_empty() {
            notes.push(format!("columns not used by the model, left out: {}", unused.join(", ")));
        }
        pos
    } else if header.len() == p {
        notes.push(format!(
            "the header ({}) does not name the model's features ({}): columns taken in order",
            header.join(", "),
            feature_names.join(", ")
        ));
        (0..p).collect()
    } else {
        let missing = feature_names.iter().find(|n| !header.contains(n)).cloned().unwrap_or_default();
        return Err(CoreError::MissingColumn { path: path.to_path_buf(), column: missing, header }.into());
    };
    let mut data = Vec::new();
    let mut n_rows = 0;
    let all = (is_data.then_some(Ok(first))).into_iter().chain(records);
    for (k, record) in all.enumerate() {
        let line = if is_data { k as u64 + 1 } else { k as u64 + 2 };
        let record = record.map_err(|e| parse_err(line, 1, "", e.to_string()))?;
        if record.len() != header.len() {
            return Err(parse_err(
                line,
                record.len().min(header.len()) + 1,
                "",
                format!("{} cells, the header has {}", record.len(), header.len()),
            )
            .into());
        }
        for &j in &positions {
            let raw = &record[j];
            let v = cell(raw).ok_or_else(|| {
                parse_err(line, j + 1, &header[j], format!("`{raw}` is not a number or a missing value"))
            })?;
            data.push(v);
        }
        n_rows += 1;
    }
    let x = Array2::from_shape_vec((n_rows, p), data)
        .map_err(|e| crate::XaiError::Backend { backend: "ndarray", message: e.to_string() })?;
    Ok(FeatureRows { x, notes })
}

/// A cell as a number, NaN for a missing token, `None` when it is neither.
fn cell(raw: &str) -> Option<f64> {
    let t = raw.trim();
    if MISSING_TOKENS.iter().any(|m| t.eq_ignore_ascii_case(m)) {
        return Some(f64::NAN);
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn header_by_name_without_header_and_missing_cells() {
        let p = Path::new("rows.csv");
        let r = read_feature_rows("b,y,a\n1,9,2\n,9,NaN\n", p, &names()).unwrap();
        assert_eq!(r.x[[0, 0]], 2.0);
        assert_eq!(r.x[[0, 1]], 1.0);
        assert!(r.x[[1, 0]].is_nan() && r.x[[1, 1]].is_nan());
        assert!(r.notes[0].contains("y"));
        let r = read_feature_rows("1.5,-2e-3\nna,inf\n", p, &names()).unwrap();
        assert_eq!(r.x.dim(), (2, 2));
        assert_eq!(r.x[[1, 1]], f64::INFINITY);
        let r = read_feature_rows("x1,x2\n1,2\n", p, &names()).unwrap();
        assert!(r.notes[0].contains("in order"));
    }

    #[test]
    fn errors_name_line_column_and_field() {
        let p = Path::new("rows.csv");
        let e = read_feature_rows("a,b\n1,2\n3,abc\n", p, &names()).unwrap_err().to_string();
        assert!(e.contains("rows.csv:3:2") && e.contains("(b)") && e.contains("abc"), "{e}");
        let e = read_feature_rows("a,b\n1,2,3\n", p, &names()).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("3 cells"), "{e}");
        let e = read_feature_rows("a,c,d\n1,2,3\n", p, &names()).unwrap_err().to_string();
        assert!(e.contains("`b`"), "{e}");
        assert!(read_feature_rows("1,2,3\n", p, &names()).is_err());
    }
}
