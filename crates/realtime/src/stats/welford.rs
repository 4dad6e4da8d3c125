//! Welford's running mean and variance, and its rolling-window form.

use super::Merge;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Running count, mean and sum of squared deviations (Welford 1962), mergeable (Chan, Golub and
/// LeVeque 1983), as River's `stats.Mean` and `stats.Var`.
///
/// ```
/// use forecast_realtime::stats::Welford;
/// let mut w = Welford::new();
/// for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
///     w.push(x);
/// }
/// assert_eq!(w.mean(), 5.0);
/// assert!((w.variance(0) - 4.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Welford {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Welford {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a value.
    pub fn push(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    /// Take back a value that was pushed earlier (rolling windows). With no values left the
    /// statistic is reset.
    pub fn remove(&mut self, x: f64) {
        if self.n <= 1.0 {
            *self = Self::default();
            return;
        }
        let old_mean = self.mean;
        self.n -= 1.0;
        self.mean -= (x - old_mean) / self.n;
        self.m2 = (self.m2 - (x - old_mean) * (x - self.mean)).max(0.0);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.n as u64
    }

    /// Mean of the values (0 before any value, as River's `stats.Mean`).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Variance with divisor `n - ddof` (0 while `n <= ddof`, as River's `stats.Var`).
    pub fn variance(&self, ddof: u32) -> f64 {
        let d = self.n - f64::from(ddof);
        if d > 0.0 { self.m2 / d } else { 0.0 }
    }

    /// Sample standard deviation (`ddof = 1`).
    pub fn std(&self) -> f64 {
        self.variance(1).sqrt()
    }
}

impl Merge for Welford {
    fn merge(&mut self, other: &Self) {
        if other.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        self.mean += delta * other.n / n;
        self.m2 += other.m2 + delta * delta * self.n * other.n / n;
        self.n = n;
    }
}

/// Mean and variance of the last `window` values (River's `utils.Rolling(stats.Var(), window)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingMoments {
    window: usize,
    values: VecDeque<f64>,
    moments: Welford,
}

impl RollingMoments {
    /// Over the last `window` values (at least 1).
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        Self { window, values: VecDeque::with_capacity(window), moments: Welford::new() }
    }

    /// Add a value, dropping the oldest once the window is full.
    pub fn push(&mut self, x: f64) {
        if self.values.len() == self.window
            && let Some(old) = self.values.pop_front()
        {
            self.moments.remove(old);
        }
        self.values.push_back(x);
        self.moments.push(x);
    }

    /// The moments of the values in the window.
    pub fn moments(&self) -> &Welford {
        &self.moments
    }

    /// The window length.
    pub fn window(&self) -> usize {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        (mean, xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0))
    }

    #[test]
    fn welford_matches_two_pass_and_merges() {
        let xs: Vec<f64> = (0..500).map(|i| ((i * 37 % 101) as f64).sin() * 10.0 + 1e6).collect();
        let mut all = Welford::new();
        xs.iter().for_each(|&x| all.push(x));
        let (m, v) = exact(&xs);
        assert!((all.mean() - m).abs() < 1e-9 && (all.variance(1) - v).abs() < 1e-7 * v);
        let (a, b) = xs.split_at(123);
        let (mut wa, mut wb) = (Welford::new(), Welford::new());
        a.iter().for_each(|&x| wa.push(x));
        b.iter().for_each(|&x| wb.push(x));
        wa.merge(&wb);
        assert!((wa.mean() - m).abs() < 1e-9 && (wa.variance(1) - v).abs() < 1e-7 * v);
        assert_eq!(wa.count(), 500);
    }

    #[test]
    fn rolling_matches_window() {
        let xs: Vec<f64> = (0..200).map(|i| ((i * 13 % 29) as f64) - 7.5).collect();
        let mut r = RollingMoments::new(10);
        for (i, &x) in xs.iter().enumerate() {
            r.push(x);
            let w = &xs[i.saturating_sub(9)..=i];
            if w.len() >= 2 {
                let (m, v) = exact(w);
                assert!((r.moments().mean() - m).abs() < 1e-9, "{i}");
                assert!((r.moments().variance(1) - v).abs() < 1e-9, "{i}");
            }
        }
    }
}
