//! From a history with gaps to the clean series the models fit (statsforecast needs one):
//! leading missing values are dropped, interior gaps are filled on the straight line between
//! their neighbours, and trailing missing values are forecast over (the model fits up to
//! the last observation and its forecasts skip the periods up to the end of the history,
//! so seasonal positions stay right).

use crate::{Error, Result};

/// A clean series and how far its last observation lies before the forecast origin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared {
    /// Observed values from the first to the last observation, gaps interpolated.
    pub(crate) values: Vec<f64>,
    /// Missing periods after the last observation.
    pub(crate) lead: usize,
}

impl Prepared {
    /// Prepare `history` for model `model` (named in errors).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when no value is observed or a value is infinite.
    pub(crate) fn new(history: &[f64], model: &str) -> Result<Self> {
        if let Some(i) = history.iter().position(|v| v.is_infinite()) {
            return Err(Error::InvalidData(format!(
                "{model}: history value {i} is {}; accepted: finite numbers, NaN for missing",
                history[i]
            )));
        }
        let (Some(first), Some(last)) =
            (history.iter().position(|v| !v.is_nan()), history.iter().rposition(|v| !v.is_nan()))
        else {
            return Err(Error::InvalidData(format!(
                "{model}: the history of {} values has no observed (non-NaN) value",
                history.len()
            )));
        };
        let mut values = history[first..=last].to_vec();
        let mut prev = 0;
        for i in 1..values.len() {
            if values[i].is_nan() {
                continue;
            }
            if i > prev + 1 {
                let (a, b) = (values[prev], values[i]);
                let width = (i - prev) as f64;
                for (k, v) in values.iter_mut().enumerate().take(i).skip(prev + 1) {
                    *v = a + (b - a) * (k - prev) as f64 / width;
                }
            }
            prev = i;
        }
        Ok(Self { values, lead: history.len() - 1 - last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn trims_interpolates_and_counts_the_lead() {
        let p = Prepared::new(&[NAN, 1.0, NAN, NAN, 4.0, 5.0, NAN], "m").unwrap();
        assert_eq!((p.values, p.lead), (vec![1.0, 2.0, 3.0, 4.0, 5.0], 1));
        assert_eq!(Prepared::new(&[2.0], "m").unwrap().values, vec![2.0]);
        assert!(matches!(Prepared::new(&[NAN, NAN], "m"), Err(Error::InvalidData(_))));
        assert!(Prepared::new(&[], "m").is_err());
        let inf = Prepared::new(&[1.0, f64::INFINITY], "ets").unwrap_err().to_string();
        assert!(inf.contains("ets: history value 1 is inf"), "{inf}");
    }
}
