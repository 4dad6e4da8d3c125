//! Intermittent demand: Croston's method, its Syntetos-Boylan approximation (SBA) and
//! Teunter-Syntetos-Babai (TSB), as statsforecast's `CrostonClassic`, `CrostonSBA` and `TSB`
//! (2.1.1) define them. Each forecast is flat over the horizon.
//!
//! - Croston: simple exponential smoothing (alpha 0.1) of the positive demands and of the
//!   intervals between non-zero periods; the forecast is their ratio. No demand at all
//!   gives the last value (naive).
//! - SBA: Croston times 0.95 (the debiasing factor `1 - alpha / 2`).
//! - TSB: smoothing of the demand sizes (`alpha_d`) and of the demand occurrence, 1 or 0
//!   each period (`alpha_p`); the forecast is their product. All zeros give zero.
//!
//! ```
//! use forecast_core::baseline::SeriesForecaster;
//! use forecast_core::stats::{Croston, Sba, Tsb};
//!
//! let y = [0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 4.0, 0.0];
//! let croston = Croston.forecast(&y, 2)?;
//! assert_eq!(croston[0], croston[1]);
//! assert!((Sba.forecast(&y, 1)?[0] - 0.95 * croston[0]).abs() < 1e-12);
//! let tsb = Tsb { alpha_d: 0.2, alpha_p: 0.2 }.forecast(&y, 1)?;
//! assert!(tsb[0] > 0.0 && tsb[0] < 4.0);
//! # Ok::<(), forecast_core::Error>(())
//! ```

use super::prepare::Prepared;
use crate::baseline::SeriesForecaster;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Croston's classic method (statsforecast's `CrostonClassic`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Croston;

/// Croston with the Syntetos-Boylan debiasing factor 0.95 (statsforecast's `CrostonSBA`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sba;

/// Teunter-Syntetos-Babai: smoothed demand size times smoothed demand probability.
///
/// | Field | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha_d` | (required) | smoothing of the demand sizes | `0..=1` |
/// | `alpha_p` | (required) | smoothing of the demand probability | `0..=1` |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tsb {
    /// Smoothing of the demand sizes.
    pub alpha_d: f64,
    /// Smoothing of the demand probability.
    pub alpha_p: f64,
}

/// statsforecast's `ses_forecast`: the one-step forecast after `x` of simple exponential
/// smoothing started at `x[0]`. `x` must not be empty.
fn ses(x: &[f64], alpha: f64) -> f64 {
    let mut fitted = x[0];
    for &v in &x[..x.len() - 1] {
        fitted = alpha * v + (1.0 - alpha) * fitted;
    }
    if x.len() == 1 { x[0] } else { alpha * x[x.len() - 1] + (1.0 - alpha) * fitted }
}

fn croston(history: &[f64], model: &str) -> Result<f64> {
    let y = Prepared::new(history, model)?.values;
    let demand: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if demand.is_empty() {
        return Ok(y[y.len() - 1]);
    }
    let mut intervals = Vec::with_capacity(demand.len());
    let mut previous = 0usize;
    for (i, _) in y.iter().enumerate().filter(|(_, v)| **v != 0.0) {
        intervals.push((i + 1 - previous) as f64);
        previous = i + 1;
    }
    let size = ses(&demand, 0.1);
    let interval = ses(&intervals, 0.1);
    Ok(if interval != 0.0 { size / interval } else { size })
}

impl SeriesForecaster for Croston {
    fn name(&self) -> &str {
        "croston"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        Ok(vec![croston(history, "croston")?; horizon])
    }
}

impl SeriesForecaster for Sba {
    fn name(&self) -> &str {
        "sba"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        Ok(vec![0.95 * croston(history, "sba")?; horizon])
    }
}

impl SeriesForecaster for Tsb {
    fn name(&self) -> &str {
        "tsb"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        for (name, value) in [("alpha_d", self.alpha_d), ("alpha_p", self.alpha_p)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::InvalidParam { name, value: value.to_string(), expected: "0..=1" });
            }
        }
        let y = Prepared::new(history, "tsb")?.values;
        if y.iter().all(|v| *v == 0.0) {
            return Ok(vec![0.0; horizon]);
        }
        let demand: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
        if demand.is_empty() {
            return Err(Error::InvalidData(format!(
                "tsb: the history of {} values has no positive demand (only zeros and negatives)",
                y.len()
            )));
        }
        let occurrence: Vec<f64> = y.iter().map(|v| f64::from(u8::from(*v != 0.0))).collect();
        Ok(vec![ses(&occurrence, self.alpha_p) * ses(&demand, self.alpha_d); horizon])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn croston_by_hand() {
        // Demands 3, 5, 4 at positions 1, 4, 6: intervals 2, 3, 2.
        let y = [0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 4.0, 0.0];
        // SES(0.1) from the first value: sizes 3 -> 3 -> 3.2 -> 3.28; intervals 2 -> 2 -> 2.1 -> 2.09.
        let expected = (0.1 * 4.0 + 0.9 * (0.1 * 5.0 + 0.9 * 3.0)) / (0.1 * 2.0 + 0.9 * (0.1 * 3.0 + 0.9 * 2.0));
        assert!((Croston.forecast(&y, 1).unwrap()[0] - expected).abs() < 1e-12);
        assert!((Sba.forecast(&y, 1).unwrap()[0] - 0.95 * expected).abs() < 1e-12);
        assert_eq!(Croston.forecast(&[0.0, 0.0], 2).unwrap(), vec![0.0, 0.0]);
        assert_eq!(ses(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn tsb_by_hand_and_checks() {
        let y = [2.0, 0.0, 4.0];
        let m = Tsb { alpha_d: 0.5, alpha_p: 0.25 };
        // Probability 1, 0, 1 -> 1 -> 0.75 -> 0.8125; sizes 2, 4 -> 2 -> 3.
        assert!((m.forecast(&y, 1).unwrap()[0] - 0.8125 * 3.0).abs() < 1e-12);
        assert_eq!(m.forecast(&[0.0, 0.0, 0.0], 2).unwrap(), vec![0.0; 2]);
        assert!(matches!(Tsb { alpha_d: 1.5, alpha_p: 0.1 }.forecast(&y, 1), Err(Error::InvalidParam { .. })));
        assert!(matches!(m.forecast(&[0.0, -1.0], 1), Err(Error::InvalidData(_))));
        assert!(m.forecast(&[f64::NAN], 1).is_err());
    }
}
