//! The P² single-quantile estimator (Jain and Chlamtac 1985) and the online MAD built on it,
//! with River's conventions (`stats.Quantile`, `stats.MAD`), so that detectors built on them
//! score as River's do.

use serde::{Deserialize, Serialize};

/// One running quantile in constant memory: five markers whose heights follow the quantile by
/// piecewise-parabolic interpolation.
///
/// Until five values have arrived it answers with the order statistic of index
/// `floor(min(n - 1, n·q))` of the values seen (River's convention); afterwards with the
/// middle marker. No error bound holds in general (P² is a heuristic); use [`super::KllSketch`]
/// when one is needed.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `q` | 0.5 | the quantile | (0, 1) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct P2Quantile {
    q: f64,
    heights: [f64; 5],
    positions: [f64; 5],
    desired: [f64; 5],
    increments: [f64; 5],
    n: usize,
}

impl Default for P2Quantile {
    fn default() -> Self {
        Self::new(0.5)
    }
}

impl P2Quantile {
    /// An estimator of quantile `q`, clamped into [0.001, 0.999].
    pub fn new(q: f64) -> Self {
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.001, 0.999) };
        Self {
            q,
            heights: [0.0; 5],
            positions: [1.0, 2.0, 3.0, 4.0, 5.0],
            desired: [1.0, 1.0 + 2.0 * q, 1.0 + 4.0 * q, 3.0 + 2.0 * q, 5.0],
            increments: [0.0, q / 2.0, q, (1.0 + q) / 2.0, 1.0],
            n: 0,
        }
    }

    /// Values seen.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Add a value.
    pub fn push(&mut self, x: f64) {
        if self.n < 5 {
            self.heights[self.n] = x;
            self.n += 1;
            return;
        }
        if self.n == 5 {
            self.heights.sort_by(f64::total_cmp);
        }
        self.n += 1;
        let h = &mut self.heights;
        let k = if x < h[0] {
            h[0] = x;
            1
        } else {
            match (1..5).find(|&i| h[i - 1] <= x && x < h[i]) {
                Some(i) => i,
                None => {
                    if h[4] < x {
                        h[4] = x;
                    }
                    4
                }
            }
        };
        for p in &mut self.positions[k..] {
            *p += 1.0;
        }
        for (d, inc) in self.desired.iter_mut().zip(self.increments) {
            *d += inc;
        }
        self.adjust();
    }

    fn adjust(&mut self) {
        let (h, p) = (&mut self.heights, &mut self.positions);
        for i in 1..4 {
            let d = self.desired[i] - p[i];
            if (d >= 1.0 && p[i + 1] - p[i] > 1.0) || (d <= -1.0 && p[i - 1] - p[i] < -1.0) {
                let s = 1.0_f64.copysign(d);
                let parabolic = h[i]
                    + s / (p[i + 1] - p[i - 1])
                        * ((p[i] - p[i - 1] + s) * (h[i + 1] - h[i]) / (p[i + 1] - p[i])
                            + (p[i + 1] - p[i] - s) * (h[i] - h[i - 1]) / (p[i] - p[i - 1]));
                h[i] = if h[i - 1] < parabolic && parabolic < h[i + 1] {
                    parabolic
                } else {
                    let j = if s > 0.0 { i + 1 } else { i - 1 };
                    h[i] + s * (h[j] - h[i]) / (p[j] - p[i])
                };
                p[i] += s;
            }
        }
    }

    /// The estimate, `None` before any value.
    pub fn get(&self) -> Option<f64> {
        match self.n {
            0 => None,
            n if n <= 5 => {
                let mut seen = self.heights;
                seen[..n].sort_by(f64::total_cmp);
                let index = ((n - 1) as f64).min(n as f64 * self.q) as usize;
                Some(seen[index])
            }
            _ => Some(self.heights[2]),
        }
    }
}

/// Online median absolute deviation as River's `stats.MAD`: a P² median of the values and a P²
/// median of each value's distance to the median as it stood once that value had been added.
/// It does not equal the batch MAD exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mad {
    median: P2Quantile,
    deviation: P2Quantile,
    mean_deviation: super::Welford,
}

impl Mad {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a value.
    pub fn push(&mut self, x: f64) {
        self.median.push(x);
        let d = (x - self.median.get().unwrap_or(x)).abs();
        self.deviation.push(d);
        self.mean_deviation.push(d);
    }

    /// The running median, `None` before any value.
    pub fn median(&self) -> Option<f64> {
        self.median.get()
    }

    /// The running MAD, `None` before any value.
    pub fn mad(&self) -> Option<f64> {
        self.deviation.get()
    }

    /// The mean of the same deviations (the fallback scale when the MAD is 0).
    pub fn mean_absolute_deviation(&self) -> Option<f64> {
        (self.mean_deviation.count() > 0).then(|| self.mean_deviation.mean())
    }

    /// Values seen.
    pub fn count(&self) -> usize {
        self.median.count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_values_follow_rivers_convention() {
        // River's first-five rule: index floor(min(n - 1, n q)) of the sorted values.
        let mut q = P2Quantile::new(0.99);
        let mut got = vec![];
        for x in [5.0, 0.0, 0.0, 0.0, 0.0] {
            q.push(x);
            got.push(q.get().unwrap());
        }
        assert_eq!(got, [5.0, 5.0, 5.0, 5.0, 5.0]);
        q.push(0.0);
        assert_eq!(q.get(), Some(0.0));
    }

    #[test]
    fn converges_on_a_long_stream() {
        let mut q = P2Quantile::new(0.9);
        for i in 0..10_000u64 {
            q.push(((i * 7919) % 10_000) as f64);
        }
        assert!((q.get().unwrap() - 9000.0).abs() < 100.0, "{:?}", q.get());
    }
}
