//! `CsvSpec`: which CSV columns are the date, the series keys, the target, the regressors
//! and the static features.

use crate::{Error, Frequency, Result};
use serde::{Deserialize, Serialize};

/// A column mapping for [`super::read_csv`]. Any column names work; columns not named
/// here are ignored.
///
/// | Field | Default | Purpose |
/// |---|---|---|
/// | `date` | (required) | date column: ISO `YYYY-MM-DD` unless `date_format` is set |
/// | `date_format` | `None` | a chrono strftime format such as `%d/%m/%Y` |
/// | `keys` | (at least one) | columns whose values identify a series |
/// | `target` | (required) | the column to forecast (empty cell = missing or future) |
/// | `regressors` | `[]` | known-future numeric columns; booleans true/false, yes/no, 1/0 read as 1/0 |
/// | `statics` | `[]` | per-series categorical columns, coded through [`crate::Panel::static_levels`] |
/// | `frequency` | `Daily` | daily, weekly (same weekday, 7 days apart) or monthly (same day of month) |
/// | `delimiter` | `b','` | field separator |
///
/// ```
/// use forecast_core::{Frequency, data::CsvSpec};
/// let spec = CsvSpec::new("week", "sales")
///     .keys(["store", "sku"])
///     .regressors(["price", "on_promo"])
///     .statics(["region"])
///     .date_format("%d/%m/%Y")
///     .frequency(Frequency::Weekly);
/// assert!(spec.check().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvSpec {
    /// Name of the date column.
    pub date: String,
    /// strftime format of the dates; `None` means ISO `YYYY-MM-DD` (a trailing time is ignored).
    pub date_format: Option<String>,
    /// Names of the series key columns.
    pub keys: Vec<String>,
    /// Name of the target column.
    pub target: String,
    /// Names of the known-future regressor columns.
    pub regressors: Vec<String>,
    /// Names of the static categorical columns.
    pub statics: Vec<String>,
    /// The panel's frequency.
    pub frequency: Frequency,
    /// Field delimiter byte.
    pub delimiter: u8,
}

fn names<I, S>(columns: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    columns.into_iter().map(Into::into).collect()
}

impl CsvSpec {
    /// A mapping with the date and target columns; add keys with [`CsvSpec::keys`].
    pub fn new(date: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            date: date.into(),
            date_format: None,
            keys: Vec::new(),
            target: target.into(),
            regressors: Vec::new(),
            statics: Vec::new(),
            frequency: Frequency::Daily,
            delimiter: b',',
        }
    }

    /// The layout [`super::GeneratedData::write_csv`] writes: `date`, keys `store`, `item`,
    /// target `units`, regressors `price`, `discount`, `promo`, `holiday`, statics `store`, `item`.
    pub fn retail() -> Self {
        Self::new("date", "units")
            .keys(["store", "item"])
            .regressors(["price", "discount", "promo", "holiday"])
            .statics(["store", "item"])
    }

    /// Set the strftime format of the date column.
    pub fn date_format(mut self, format: impl Into<String>) -> Self {
        self.date_format = Some(format.into());
        self
    }

    /// Set the series key columns.
    pub fn keys<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.keys = names(columns);
        self
    }

    /// Set the known-future regressor columns.
    pub fn regressors<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.regressors = names(columns);
        self
    }

    /// Set the static categorical columns.
    pub fn statics<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.statics = names(columns);
        self
    }

    /// Set the frequency.
    pub fn frequency(mut self, frequency: Frequency) -> Self {
        self.frequency = frequency;
        self
    }

    /// Set the field delimiter.
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Check the mapping: at least one key, and no column used twice within one role or as
    /// both target and another role (a static may also be a key).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the offending column.
    pub fn check(&self) -> Result<()> {
        if self.keys.is_empty() {
            return Err(Error::InvalidParam {
                name: "keys",
                value: "[]".into(),
                expected: "at least one series key column",
            });
        }
        let mut seen: Vec<&str> = vec![self.date.as_str(), self.target.as_str()];
        if self.date == self.target {
            return Err(duplicate("target", &self.target));
        }
        for (role, cols) in [("keys", &self.keys), ("regressors", &self.regressors)] {
            for c in cols {
                if seen.contains(&c.as_str()) {
                    return Err(duplicate(role, c));
                }
                seen.push(c);
            }
        }
        let mut statics: Vec<&str> = Vec::new();
        for c in &self.statics {
            let clash = statics.contains(&c.as_str())
                || (seen.contains(&c.as_str()) && !self.keys.contains(c))
                || c == &self.date
                || c == &self.target;
            if clash {
                return Err(duplicate("statics", c));
            }
            statics.push(c);
        }
        Ok(())
    }
}

fn duplicate(role: &'static str, column: &str) -> Error {
    Error::InvalidParam {
        name: role,
        value: column.into(),
        expected: "each column in one role only (a static column may also be a key)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_missing_keys_and_reused_columns() {
        assert!(CsvSpec::new("d", "y").check().is_err());
        assert!(CsvSpec::new("d", "y").keys(["y"]).check().is_err());
        assert!(CsvSpec::new("d", "y").keys(["k"]).regressors(["p", "p"]).check().is_err());
        assert!(CsvSpec::new("d", "y").keys(["k"]).statics(["y"]).check().is_err());
        assert!(CsvSpec::new("d", "y").keys(["k"]).statics(["k"]).check().is_ok());
        assert!(CsvSpec::retail().check().is_ok());
    }
}
