//! Parsing single cells: dates, numbers, boolean-or-numeric regressors.

use super::report::Problem;
use chrono::NaiveDate;

/// Why a cell was rejected: the kind and a message saying what is accepted.
pub(crate) type CellError = (Problem, String);

/// Parse a date: ISO `YYYY-MM-DD` (a trailing `T..`/` ..` time is ignored) or `format`.
pub(crate) fn parse_date(text: &str, format: Option<&str>) -> Result<NaiveDate, CellError> {
    let parsed = match format {
        Some(f) => NaiveDate::parse_from_str(text, f),
        None => {
            let day = match text.as_bytes().get(10) {
                Some(b'T' | b' ') => text.get(..10).unwrap_or(text),
                _ => text,
            };
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
        }
    };
    parsed.map_err(|e| {
        let accepted = match format {
            Some(f) => format!("dates in the format `{f}`"),
            None => "ISO dates YYYY-MM-DD such as 2024-03-31 (or pass a strftime format)".to_string(),
        };
        (Problem::BadDate, format!("date `{text}` does not parse ({e}); accepted: {accepted}"))
    })
}

/// Parse an optional number: `Ok(None)` for an empty cell.
pub(crate) fn parse_number(text: &str) -> Result<Option<f64>, CellError> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Err(non_finite(text)),
        Err(_) => Err((
            Problem::BadNumber,
            format!("`{text}` is not a number; accepted: decimal numbers such as 12 or 3.5 (empty cell = missing)"),
        )),
    }
}

/// The error for a NaN or infinite value.
pub(crate) fn non_finite(text: &str) -> CellError {
    (
        Problem::NonFinite,
        format!(
            "`{text}` is not a finite number; accepted: finite decimal numbers (leave the cell empty for a missing value)"
        ),
    )
}

/// Parse a regressor cell: a number, or a boolean (true/false, yes/no, y/n, t/f) as 1/0.
/// An empty cell is `NaN` (missing, forward-filled later).
pub(crate) fn parse_regressor(text: &str) -> Result<f64, CellError> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "t" => return Ok(1.0),
        "false" | "no" | "n" | "f" => return Ok(0.0),
        _ => {}
    }
    match parse_number(text) {
        Ok(v) => Ok(v.unwrap_or(f64::NAN)),
        Err((Problem::BadNumber, _)) => Err((
            Problem::BadNumber,
            format!(
                "`{text}` is neither a number nor a boolean; accepted: decimal numbers, true/false, yes/no, 1/0 \
                 (empty cell = missing)"
            ),
        )),
        Err(e) => Err(e),
    }
}

/// Parse a target cell: empty is `None`. Negative values are handled by the ingest's
/// [`NegativePolicy`](super::NegativePolicy) when the series is assembled.
pub(crate) fn parse_target(text: &str) -> Result<Option<f64>, CellError> {
    parse_number(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_numbers_and_booleans() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        assert_eq!(parse_date("2024-03-31", None).unwrap(), d);
        assert_eq!(parse_date("2024-03-31T00:00:00", None).unwrap(), d);
        assert_eq!(parse_date("31/03/2024", Some("%d/%m/%Y")).unwrap(), d);
        assert_eq!(parse_date("31/03/2024", None).unwrap_err().0, Problem::BadDate);
        assert_eq!(parse_number("").unwrap(), None);
        assert_eq!(parse_number("inf").unwrap_err().0, Problem::NonFinite);
        assert_eq!(parse_number("NaN").unwrap_err().0, Problem::NonFinite);
        assert_eq!(parse_number("1,5").unwrap_err().0, Problem::BadNumber);
        assert_eq!(parse_regressor("Yes").unwrap(), 1.0);
        assert_eq!(parse_regressor("false").unwrap(), 0.0);
        assert!(parse_regressor("").unwrap().is_nan());
        assert_eq!(parse_regressor("maybe").unwrap_err().0, Problem::BadNumber);
        assert_eq!(parse_target("-1").unwrap(), Some(-1.0));
    }
}
