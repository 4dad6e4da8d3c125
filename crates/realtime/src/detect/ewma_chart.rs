//! EWMA control chart (Roberts 1959).

use super::{Detector, EPSILON, Expectation};
use crate::stats::Welford;
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Parameters of [`EwmaChart`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `lambda` | 0.2 | weight of the newest value in the EWMA (Montgomery's usual 0.05 to 0.25) | (0, 1] |
/// | `l` | 3.0 | width of the control limits in standard deviations of the EWMA | > 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EwmaChartParams {
    /// Smoothing factor λ.
    pub lambda: f64,
    /// Control-limit width `L`: flag above this score.
    pub l: f64,
}

impl Default for EwmaChartParams {
    fn default() -> Self {
        Self { lambda: 0.2, l: 3.0 }
    }
}

/// `z_t = λ·x_t + (1 - λ)·z_{t-1}` with `z_1 = x_1` (River's `stats.EWMean`); the in-control mean
/// `μ̂` and standard deviation `σ̂` are the running mean and sample std of the learned values
/// before `x_t`. The variance of `z_t` is `σ̂²·w_t` with `w_1 = 1`,
/// `w_t = (1 - λ)²·w_{t-1} + λ²` (which tends to `λ / (2 - λ)`, the textbook limit).
///
/// `score = |z_t - μ̂| / (σ̂·√w_t + 1e-10)`: the chart signals when `z_t` leaves `μ̂ ± L·σ̂·√w_t`.
/// 0 until two values are learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwmaChart {
    params: EwmaChartParams,
    z: Option<f64>,
    w: f64,
    moments: Welford,
}

impl EwmaChart {
    /// A chart with these parameters.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for λ outside (0, 1] or `L` not positive.
    pub fn new(params: EwmaChartParams) -> Result<Self> {
        if !(params.lambda > 0.0 && params.lambda <= 1.0) {
            return Err(RealtimeError::param("lambda", params.lambda, "a number in (0, 1]"));
        }
        if params.l.is_nan() || params.l <= 0.0 {
            return Err(RealtimeError::param("l", params.l, "a positive number"));
        }
        Ok(Self { params, z: None, w: 0.0, moments: Welford::new() })
    }

    /// The EWMA and its variance factor once `x` is included.
    fn step(&self, x: f64) -> (f64, f64) {
        let lambda = self.params.lambda;
        match self.z {
            None => (x, 1.0),
            Some(z) => (lambda * x + (1.0 - lambda) * z, (1.0 - lambda).powi(2) * self.w + lambda * lambda),
        }
    }
}

impl Detector for EwmaChart {
    fn name(&self) -> &'static str {
        "ewma"
    }

    fn n_inputs(&self) -> usize {
        1
    }

    fn score(&self, x: &[f64]) -> f64 {
        if self.moments.count() < 2 {
            return 0.0;
        }
        let (z, w) = self.step(x[0]);
        (z - self.moments.mean()).abs() / (self.moments.std() * w.sqrt() + EPSILON)
    }

    fn learn(&mut self, x: &[f64]) {
        let (z, w) = self.step(x[0]);
        self.z = Some(z);
        self.w = w;
        self.moments.push(x[0]);
    }

    fn threshold(&self) -> f64 {
        self.params.l
    }

    fn expectation(&self) -> Expectation {
        let m = &self.moments;
        let lambda = self.params.lambda;
        let w_next = if self.z.is_some() { (1.0 - lambda).powi(2) * self.w + lambda * lambda } else { 1.0 };
        let half = self.params.l * (m.std() * w_next.sqrt() + EPSILON);
        Expectation {
            expected: (m.count() > 0).then(|| m.mean()),
            interval: (m.count() >= 2).then(|| (m.mean() - half, m.mean() + half)),
            window: m.count() as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computation() {
        let mut c = EwmaChart::new(EwmaChartParams::default()).unwrap();
        c.learn(&[10.0]);
        c.learn(&[12.0]);
        // z: 10, then 0.2·12 + 0.8·10 = 10.4; w: 1, then 0.64 + 0.04 = 0.68.
        // Next x = 20: z = 4 + 8.32 = 12.32, w = 0.64·0.68 + 0.04 = 0.4752; mean 11, std √2.
        let expected = (12.32f64 - 11.0).abs() / (2f64.sqrt() * 0.4752f64.sqrt() + EPSILON);
        assert!((c.score(&[20.0]) - expected).abs() < 1e-12);
        assert!(EwmaChart::new(EwmaChartParams { lambda: 0.0, l: 3.0 }).is_err());
    }
}
