//! ADWIN, adaptive windowing for drift (Bifet and Gavaldà 2007), as River's `drift.ADWIN`.

use super::{Detector, Expectation};
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Parameters of [`Adwin`] (River's defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `delta` | 0.002 | confidence: smaller means fewer false alarms and later detections | (0, 1) |
/// | `clock` | 32 | check for a cut every `clock` points | >= 1 |
/// | `max_buckets` | 5 | buckets of each size kept before the two oldest merge (ADWIN2's compression) | >= 2 |
/// | `min_window_length` | 5 | shortest sub-window a cut may leave | >= 1 |
/// | `grace_period` | 10 | no check until the window is longer than this | >= 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdwinParams {
    /// Confidence δ.
    pub delta: f64,
    /// Points between checks.
    pub clock: u32,
    /// Buckets per size.
    pub max_buckets: usize,
    /// Shortest sub-window.
    pub min_window_length: u32,
    /// Points before the first check.
    pub grace_period: u32,
}

impl Default for AdwinParams {
    fn default() -> Self {
        Self { delta: 0.002, clock: 32, max_buckets: 5, min_window_length: 5, grace_period: 10 }
    }
}

/// One row of buckets of equal size `2^row`, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Row {
    totals: Vec<f64>,
    /// Sum of squared deviations inside each bucket.
    variances: Vec<f64>,
}

/// ADWIN keeps a window of recent values, compressed into buckets of sizes 1, 2, 4, ... (at most
/// `max_buckets` of each size), and drops its oldest buckets while some split of the window
/// into an older part `W0` and a newer part `W1` has means that differ by more than
///
/// `ε = sqrt(2·m·σ²·δ') + (2/3)·δ'·m`, `δ' = ln(2·ln(n) / δ)`,
/// `m = 1/(n0 - min_len + 1) + 1/(n1 - min_len + 1)`
///
/// (`σ²` the window's variance, `n` its length). It checks every `clock` points once the window
/// is longer than `grace_period`, scanning cuts from the oldest bucket to the newest. As in
/// River, the point after a detected drift starts a new, empty detector.
///
/// As a [`Detector`]: `score = 1` when learning the point makes ADWIN cut its window (a drift),
/// else 0, so the threshold is 0.5. Learn every point ([`super::LearnPolicy::All`]): skipping
/// flagged points would hide the very change ADWIN reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adwin {
    params: AdwinParams,
    rows: Vec<Row>,
    total: f64,
    variance: f64,
    width: f64,
    tick: u64,
    drift_detected: bool,
    n_detections: u64,
}

impl Adwin {
    /// A detector with these parameters.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for δ outside (0, 1), a clock of 0, fewer than 2 buckets
    /// per size or a minimum window length of 0.
    pub fn new(params: AdwinParams) -> Result<Self> {
        if !(params.delta > 0.0 && params.delta < 1.0) {
            return Err(RealtimeError::param("delta", params.delta, "a number in (0, 1)"));
        }
        if params.clock == 0 {
            return Err(RealtimeError::param("clock", 0, "at least 1"));
        }
        if params.max_buckets < 2 {
            return Err(RealtimeError::param("max_buckets", params.max_buckets, "at least 2"));
        }
        if params.min_window_length == 0 {
            return Err(RealtimeError::param("min_window_length", 0, "at least 1"));
        }
        Ok(Self::fresh(params))
    }

    fn fresh(params: AdwinParams) -> Self {
        Self {
            params,
            rows: vec![Row::default()],
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            drift_detected: false,
            n_detections: 0,
        }
    }

    /// Add a value; `true` when it made the window shrink (a drift).
    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            let n_detections = self.n_detections;
            *self = Self::fresh(self.params);
            self.n_detections = n_detections;
        }
        self.insert(x);
        self.drift_detected = self.detect_change();
        if self.drift_detected {
            self.n_detections += 1;
        }
        self.drift_detected
    }

    /// Whether the last update detected a drift.
    pub fn drift_detected(&self) -> bool {
        self.drift_detected
    }

    /// Values in the window.
    pub fn width(&self) -> usize {
        self.width as usize
    }

    /// Mean of the window (0 when empty).
    pub fn estimation(&self) -> f64 {
        if self.width == 0.0 { 0.0 } else { self.total / self.width }
    }

    /// Sum of squared deviations from the mean over the window (River's `ADWIN.variance`).
    pub fn variance(&self) -> f64 {
        self.variance
    }

    /// Drifts detected since creation (resets after a drift keep the count).
    pub fn n_detections(&self) -> u64 {
        self.n_detections
    }

    fn insert(&mut self, x: f64) {
        self.rows[0].totals.push(x);
        self.rows[0].variances.push(0.0);
        self.width += 1.0;
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            self.variance += (self.width - 1.0) * d * d / self.width;
        }
        self.total += x;
        self.compress();
    }

    fn compress(&mut self) {
        let cap = self.params.max_buckets;
        let mut row = 0;
        while self.rows[row].totals.len() > cap {
            let size = (1u64 << row) as f64;
            let r = &mut self.rows[row];
            let (t0, t1, v0, v1) = (r.totals[0], r.totals[1], r.variances[0], r.variances[1]);
            r.totals.drain(..2);
            r.variances.drain(..2);
            let (mu0, mu1) = (t0 / size, t1 / size);
            let merged_variance = v0 + v1 + size * 0.5 * (mu0 - mu1) * (mu0 - mu1);
            if row + 1 == self.rows.len() {
                self.rows.push(Row::default());
            }
            self.rows[row + 1].totals.push(t0 + t1);
            self.rows[row + 1].variances.push(merged_variance);
            row += 1;
        }
    }

    fn drop_oldest(&mut self) {
        let last = self.rows.len() - 1;
        let size = (1u64 << last) as f64;
        let (u, v) = (self.rows[last].totals[0], self.rows[last].variances[0]);
        self.width -= size;
        self.total -= u;
        let (mu, mu_window) = (u / size, self.total / self.width);
        self.variance -= v + size * self.width * (mu - mu_window) * (mu - mu_window) / (size + self.width);
        self.rows[last].totals.remove(0);
        self.rows[last].variances.remove(0);
        if self.rows[last].totals.is_empty() && last > 0 {
            self.rows.pop();
        }
    }

    fn detect_change(&mut self) -> bool {
        self.tick += 1;
        if !self.tick.is_multiple_of(u64::from(self.params.clock)) || self.width <= f64::from(self.params.grace_period)
        {
            return false;
        }
        let min_len = f64::from(self.params.min_window_length);
        let mut detected = false;
        'rescan: loop {
            let (mut n0, mut n1, mut u0, mut u1) = (0.0, self.width, 0.0, self.total);
            for row in (0..self.rows.len()).rev() {
                let size = (1u64 << row) as f64;
                let len = self.rows[row].totals.len();
                for k in 0..len {
                    if row == 0 && k + 1 == len {
                        break 'rescan;
                    }
                    let t = self.rows[row].totals[k];
                    n0 += size;
                    n1 -= size;
                    u0 += t;
                    u1 -= t;
                    if n0 >= min_len && n1 >= min_len && self.cut(n0, n1, u0 / n0 - u1 / n1) {
                        detected = true;
                        if self.width > 0.0 {
                            self.drop_oldest();
                            continue 'rescan;
                        }
                    }
                }
            }
            break;
        }
        detected
    }

    fn cut(&self, n0: f64, n1: f64, delta_mean: f64) -> bool {
        let min_len = f64::from(self.params.min_window_length);
        let delta_prime = (2.0 * self.width.ln() / self.params.delta).ln();
        let m = 1.0 / (n0 - min_len + 1.0) + 1.0 / (n1 - min_len + 1.0);
        let epsilon = (2.0 * m * (self.variance / self.width) * delta_prime).sqrt() + 2.0 / 3.0 * delta_prime * m;
        delta_mean.abs() > epsilon
    }
}

impl Detector for Adwin {
    fn name(&self) -> &'static str {
        "adwin"
    }

    fn n_inputs(&self) -> usize {
        1
    }

    fn score(&self, x: &[f64]) -> f64 {
        // Only a clock tick can cut; between ticks the answer is 0 without simulating.
        let next_tick = if self.drift_detected { 1 } else { self.tick + 1 };
        if !next_tick.is_multiple_of(u64::from(self.params.clock)) {
            return 0.0;
        }
        let mut trial = self.clone();
        f64::from(u8::from(trial.update(x[0])))
    }

    fn learn(&mut self, x: &[f64]) {
        self.update(x[0]);
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    fn expectation(&self) -> Expectation {
        Expectation { expected: (self.width > 0.0).then(|| self.estimation()), interval: None, window: self.width() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_statistics_by_hand() {
        let mut a = Adwin::new(AdwinParams::default()).unwrap();
        for x in [1.0, 2.0, 3.0, 4.0, 5.0] {
            assert!(!a.update(x));
        }
        assert_eq!((a.width(), a.estimation()), (5, 3.0));
        // Squared deviations from 3: 4 + 1 + 0 + 1 + 4.
        assert!((a.variance() - 10.0).abs() < 1e-12);
        // Six values: the two oldest unit buckets merge into one of size 2.
        a.update(6.0);
        assert_eq!((a.rows[0].totals.len(), a.rows[1].totals.clone()), (4, vec![3.0]));
        assert!((a.rows[1].variances[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn constant_stream_never_drifts_and_score_is_pure() {
        let mut a = Adwin::new(AdwinParams::default()).unwrap();
        for _ in 0..2_000 {
            assert_eq!(a.score(&[1.0]), 0.0);
            assert!(!a.update(1.0));
        }
        let before = a.clone();
        a.score(&[100.0]);
        assert_eq!(a, before);
    }
}
