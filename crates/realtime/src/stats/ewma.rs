//! Exponentially weighted moving average.

use super::Merge;
use serde::{Deserialize, Serialize};

/// Exponentially weighted mean `z_t = alpha·x_t + (1 - alpha)·z_{t-1}`, started at the first
/// value (`z_1 = x_1`), as River's `stats.EWMean(fading_factor = alpha)` and the batch feature
/// builder's `ewm_{alpha}` columns.
///
/// Mergeable one segment after another: an EWMA of a later segment, started fresh, folds into
/// the EWMA of the earlier one exactly, because `z_AB = z_B + (1 - alpha)^{n_B}·(z_A - x_B1)`.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha` | (required) | weight of the newest value | (0, 1] |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ewma {
    alpha: f64,
    value: Option<f64>,
    first: f64,
    decay_since_first: f64,
    n: u64,
}

impl Ewma {
    /// A fresh average with smoothing factor `alpha`, clamped into (0, 1] (a NaN becomes 1).
    pub fn new(alpha: f64) -> Self {
        let alpha = if alpha > 0.0 {
            alpha.min(1.0)
        } else if alpha.is_nan() {
            1.0
        } else {
            f64::MIN_POSITIVE
        };
        Self { alpha, value: None, first: 0.0, decay_since_first: 1.0, n: 0 }
    }

    /// Add a value.
    pub fn push(&mut self, x: f64) {
        self.value = Some(match self.value {
            None => {
                self.first = x;
                x
            }
            Some(z) => {
                self.decay_since_first *= 1.0 - self.alpha;
                self.alpha * x + (1.0 - self.alpha) * z
            }
        });
        self.n += 1;
    }

    /// The average, `None` before any value.
    pub fn get(&self) -> Option<f64> {
        self.value
    }

    /// The smoothing factor.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Values seen.
    pub fn count(&self) -> u64 {
        self.n
    }
}

impl Merge for Ewma {
    /// `other` must have seen the values that came after `self`'s, with the same `alpha`.
    fn merge(&mut self, other: &Self) {
        let (Some(za), Some(zb)) = (self.value, other.value) else {
            if self.value.is_none() {
                *self = *other;
            }
            return;
        };
        let decay_b = other.decay_since_first * (1.0 - self.alpha);
        self.value = Some(zb + decay_b * (za - other.first));
        self.decay_since_first *= decay_b;
        self.n += other.n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursion_and_segment_merge() {
        // Hand computation, alpha 0.5 over 3, 1, 4, 1, 5, 9: 3, 2, 3, 2, 3.5, 6.25.
        let mut e = Ewma::new(0.5);
        let mut got = vec![];
        for x in [3.0, 1.0, 4.0, 1.0, 5.0, 9.0] {
            e.push(x);
            got.push(e.get().unwrap());
        }
        assert_eq!(got, [3.0, 2.0, 3.0, 2.0, 3.5, 6.25]);
        let xs: Vec<f64> = (0..50).map(|i| (i as f64 * 0.7).cos() * 4.0).collect();
        let mut whole = Ewma::new(0.2);
        xs.iter().for_each(|&x| whole.push(x));
        let (mut a, mut b) = (Ewma::new(0.2), Ewma::new(0.2));
        xs[..17].iter().for_each(|&x| a.push(x));
        xs[17..].iter().for_each(|&x| b.push(x));
        a.merge(&b);
        assert!((a.get().unwrap() - whole.get().unwrap()).abs() < 1e-12);
        assert_eq!(a.count(), 50);
    }
}
