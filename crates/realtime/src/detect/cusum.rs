//! Two-sided tabular CUSUM (Page 1954).

use super::{Detector, EPSILON, Expectation};
use crate::stats::Welford;
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Parameters of [`Cusum`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `k` | 0.5 | allowance (slack) in standard deviations: half the shift to detect quickly | >= 0 |
/// | `h` | 5.0 | decision interval in standard deviations (NIST/SEMATECH and Montgomery: h = 4 or 5 with k = 0.5) | > 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CusumParams {
    /// Allowance `k`.
    pub k: f64,
    /// Decision interval `h`: flag above this score.
    pub h: f64,
}

impl Default for CusumParams {
    fn default() -> Self {
        Self { k: 0.5, h: 5.0 }
    }
}

/// On standardised values `z_t = (x_t - μ̂) / (σ̂ + 1e-10)` (running mean and sample std of the
/// learned values before `x_t`): `S+_t = max(0, S+_{t-1} + z_t - k)`,
/// `S-_t = max(0, S-_{t-1} - z_t - k)`, `score = max(S+_t, S-_t)`. After a signal (`score > h`)
/// both sums restart at 0, the usual practice after an alarm is investigated. 0 until two values
/// are learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cusum {
    params: CusumParams,
    upper: f64,
    lower: f64,
    moments: Welford,
}

impl Cusum {
    /// A chart with these parameters.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a negative `k` or a `h` that is not positive.
    pub fn new(params: CusumParams) -> Result<Self> {
        if !(params.k >= 0.0 && params.k.is_finite()) {
            return Err(RealtimeError::param("k", params.k, "a finite number >= 0"));
        }
        if params.h.is_nan() || params.h <= 0.0 {
            return Err(RealtimeError::param("h", params.h, "a positive number"));
        }
        Ok(Self { params, upper: 0.0, lower: 0.0, moments: Welford::new() })
    }

    fn sums(&self, x: f64) -> (f64, f64) {
        if self.moments.count() < 2 {
            return (0.0, 0.0);
        }
        let z = (x - self.moments.mean()) / (self.moments.std() + EPSILON);
        ((self.upper + z - self.params.k).max(0.0), (self.lower - z - self.params.k).max(0.0))
    }
}

impl Detector for Cusum {
    fn name(&self) -> &'static str {
        "cusum"
    }

    fn n_inputs(&self) -> usize {
        1
    }

    fn score(&self, x: &[f64]) -> f64 {
        let (u, l) = self.sums(x[0]);
        u.max(l)
    }

    fn learn(&mut self, x: &[f64]) {
        let (u, l) = self.sums(x[0]);
        (self.upper, self.lower) = if u.max(l) > self.params.h { (0.0, 0.0) } else { (u, l) };
        self.moments.push(x[0]);
    }

    fn threshold(&self) -> f64 {
        self.params.h
    }

    fn expectation(&self) -> Expectation {
        let m = &self.moments;
        Expectation { expected: (m.count() > 0).then(|| m.mean()), interval: None, window: m.count() as usize }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computation_and_reset() {
        let mut c = Cusum::new(CusumParams::default()).unwrap();
        for x in [0.0, 2.0] {
            c.learn(&[x]);
        }
        // mean 1, std √2: x = 5 gives z = 4/√2 ≈ 2.828, S+ = 2.328.
        let z = 4.0 / (2f64.sqrt() + EPSILON);
        assert!((c.score(&[5.0]) - (z - 0.5)).abs() < 1e-12);
        c.learn(&[5.0]);
        // Learned 0, 2, 5: mean 7/3, sample variance ((7/3)² + (1/3)² + (8/3)²) / 2 = 19/3; next x = 12.
        let (m, s) = (7.0 / 3.0, (19.0f64 / 3.0).sqrt());
        let s_plus = (z - 0.5) + (12.0 - m) / (s + EPSILON) - 0.5;
        assert!((c.score(&[12.0]) - s_plus).abs() < 1e-12);
        c.learn(&[12.0]);
        assert!(s_plus > 5.0);
        assert_eq!((c.upper, c.lower), (0.0, 0.0));
    }
}
