//! Online min-max scaling, as River's `preprocessing.MinMaxScaler`, for detectors that assume
//! inputs in [0, 1].

use super::{Detector, Expectation};
use crate::stats::MinMax;
use serde::{Deserialize, Serialize};

/// Scales each feature by the running minimum and maximum learned so far:
/// `(x - min) / (max - min)`, or 0 while `max == min` (and before any value). A value
/// beyond the learned range scales outside [0, 1], as in River.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    ranges: Vec<MinMax>,
}

impl MinMaxScaler {
    /// A scaler for `n_features` features.
    pub fn new(n_features: usize) -> Self {
        Self { ranges: vec![MinMax::new(); n_features] }
    }

    /// Learn the ranges from `x`.
    pub fn learn(&mut self, x: &[f64]) {
        for (range, &v) in self.ranges.iter_mut().zip(x) {
            range.push(v);
        }
    }

    /// Scale `x` into `out` (both `n_features` long).
    pub fn transform_into(&self, x: &[f64], out: &mut [f64]) {
        for ((o, &v), range) in out.iter_mut().zip(x).zip(&self.ranges) {
            *o = match (range.min(), range.max()) {
                (Some(lo), Some(hi)) if hi > lo => (v - lo) / (hi - lo),
                _ => 0.0,
            };
        }
    }

    /// Scale `x`.
    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len().min(self.ranges.len())];
        self.transform_into(x, &mut out);
        out
    }
}

/// A detector behind an online [`MinMaxScaler`], as River's `MinMaxScaler() | detector`: a point
/// is scored with the ranges learned before it; learning updates the ranges first, then feeds
/// the detector the point scaled by the updated ranges.
#[derive(Debug, Clone)]
pub struct MinMaxScaled<D> {
    scaler: MinMaxScaler,
    inner: D,
}

/// Features scaled on the stack up to this many (no allocation per point).
const STACK_FEATURES: usize = 16;

impl<D: Detector> MinMaxScaled<D> {
    fn with_scaled<R>(&self, x: &[f64], f: impl FnOnce(&[f64]) -> R) -> R {
        if x.len() <= STACK_FEATURES {
            let mut buf = [0.0; STACK_FEATURES];
            self.scaler.transform_into(x, &mut buf[..x.len()]);
            f(&buf[..x.len()])
        } else {
            f(&self.scaler.transform(x))
        }
    }

    /// Put `inner` behind a fresh scaler.
    pub fn new(inner: D) -> Self {
        Self { scaler: MinMaxScaler::new(inner.n_inputs()), inner }
    }

    /// The wrapped detector.
    pub fn inner(&self) -> &D {
        &self.inner
    }
}

impl<D: Detector> Detector for MinMaxScaled<D> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn n_inputs(&self) -> usize {
        self.inner.n_inputs()
    }

    fn score(&self, x: &[f64]) -> f64 {
        self.with_scaled(x, |scaled| self.inner.score(scaled))
    }

    fn learn(&mut self, x: &[f64]) {
        self.scaler.learn(x);
        if x.len() <= STACK_FEATURES {
            let mut buf = [0.0; STACK_FEATURES];
            self.scaler.transform_into(x, &mut buf[..x.len()]);
            self.inner.learn(&buf[..x.len()]);
        } else {
            let scaled = self.scaler.transform(x);
            self.inner.learn(&scaled);
        }
    }

    fn threshold(&self) -> f64 {
        self.inner.threshold()
    }

    fn expectation(&self) -> Expectation {
        self.inner.expectation()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_by_learned_range() {
        let mut s = MinMaxScaler::new(2);
        assert_eq!(s.transform(&[3.0, 1.0]), [0.0, 0.0]);
        s.learn(&[2.0, 5.0]);
        assert_eq!(s.transform(&[3.0, 1.0]), [0.0, 0.0]);
        s.learn(&[4.0, 5.0]);
        assert_eq!(s.transform(&[3.0, 6.0]), [0.5, 0.0]);
        assert_eq!(s.transform(&[5.0, 6.0]), [1.5, 0.0]);
    }
}
