//! Robust modified z-score (Iglewicz and Hoaglin 1993).

use super::{Detector, EPSILON, Expectation};
use crate::stats::Mad;
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Parameters of [`ModifiedZScore`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `threshold` | 3.5 | Iglewicz and Hoaglin's cut-off for `|M|` | > 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MadParams {
    /// Flag above this score.
    pub threshold: f64,
}

impl Default for MadParams {
    fn default() -> Self {
        Self { threshold: 3.5 }
    }
}

/// Iglewicz and Hoaglin's consistency constant: `MAD / 0.6745` estimates σ under normality.
const CONSISTENCY: f64 = 0.6745;
/// `MeanAD · 1.253314` estimates σ under normality (the fallback when the MAD is 0).
const MEAN_AD_CONSISTENCY: f64 = 1.253314;

/// `score = |M|`, `M = 0.6745·(x - median) / MAD`, with River's online P² median and MAD
/// ([`crate::stats::Mad`]) of the learned values; flagged above 3.5.
///
/// Where the MAD is 0 (more than half the values tie, as slow sellers' zero days do) the scale
/// falls back to `1.253314·MeanAD`, the mean absolute deviation from the running median (the
/// convention of IBM SPSS); `1e-10` is added to the scale as in River's SAD. 0 before any value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModifiedZScore {
    params: MadParams,
    mad: Mad,
}

impl ModifiedZScore {
    /// A detector with these parameters.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a threshold that is not positive.
    pub fn new(params: MadParams) -> Result<Self> {
        if params.threshold.is_nan() || params.threshold <= 0.0 {
            return Err(RealtimeError::param("threshold", params.threshold, "a positive number"));
        }
        Ok(Self { params, mad: Mad::new() })
    }

    /// The scale `σ̂` the score divides by, `None` before any value.
    fn scale(&self) -> Option<f64> {
        let mad = self.mad.mad()?;
        let sigma = if mad > 0.0 {
            mad / CONSISTENCY
        } else {
            MEAN_AD_CONSISTENCY * self.mad.mean_absolute_deviation().unwrap_or(0.0)
        };
        Some(sigma + EPSILON)
    }
}

impl Detector for ModifiedZScore {
    fn name(&self) -> &'static str {
        "mad"
    }

    fn n_inputs(&self) -> usize {
        1
    }

    fn score(&self, x: &[f64]) -> f64 {
        match (self.mad.median(), self.scale()) {
            (Some(median), Some(scale)) => (x[0] - median).abs() / scale,
            _ => 0.0,
        }
    }

    fn learn(&mut self, x: &[f64]) {
        self.mad.push(x[0]);
    }

    fn threshold(&self) -> f64 {
        self.params.threshold
    }

    fn expectation(&self) -> Expectation {
        let median = self.mad.median();
        Expectation {
            expected: median,
            interval: median
                .zip(self.scale())
                .map(|(m, s)| (m - self.params.threshold * s, m + self.params.threshold * s)),
            window: self.mad.count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computation() {
        let mut d = ModifiedZScore::new(MadParams::default()).unwrap();
        assert_eq!(d.score(&[5.0]), 0.0);
        // Five values: the P² estimators still hold them exactly.
        // 1 -> median 1, dev 0; 2 -> median 2 (index floor(min(1, 1.0)) = 1), dev 0; 3 -> median 2, dev 1;
        // 4 -> median 3, dev 1; 10 -> median 3, dev 7. Deviations 0,0,1,1,7: MAD = 1.
        for x in [1.0, 2.0, 3.0, 4.0, 10.0] {
            d.learn(&[x]);
        }
        let expected = CONSISTENCY * (9.0 - 3.0) / (1.0 + EPSILON * CONSISTENCY);
        assert!((d.score(&[9.0]) - expected).abs() < 1e-9, "{}", d.score(&[9.0]));
        // All equal: MAD 0 and MeanAD 0, so any other value scores about 1e10.
        let mut flat = ModifiedZScore::new(MadParams::default()).unwrap();
        for _ in 0..10 {
            flat.learn(&[2.0]);
        }
        assert_eq!(flat.score(&[2.0]), 0.0);
        assert!(flat.score(&[3.0]) > 1e9);
    }
}
