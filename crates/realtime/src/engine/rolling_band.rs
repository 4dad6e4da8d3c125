//! A [`ScaledBand`] whose tails follow the stream: the calibrated tails, moved and stretched by
//! the location and spread of each Mondrian bin's most recent scores.
//!
//! A band calibrated once on the periods before the stream holds its coverage only while the
//! noise keeps the scale it had then; retail noise does not (December's spread is wider than
//! August's), and the band's misses then pile up. Re-reading the 0.5% tails from a window of
//! recent scores (rolling split-conformal) follows the noise, but the tails of a window are
//! exactly where the anomalies are: at the simulator's rates a few percent of the scores are
//! anomalies, the window's 0.5% tails are theirs, and the band widens until it misses most of
//! them; keeping flagged scores out (or censoring them) instead leaves the tails unable to
//! widen at all, since every score then lies inside the band (both measured: docs/realtime.md).
//!
//! So each bin keeps the normalised scores `(actual - point) / scale` of its `window` most recent
//! pairs and reads from them only what anomalies hardly move, the median `m` and the
//! interquartile range `r` (linear interpolation between order statistics). The scores are taken
//! to change by location and scale only: with `m0`, `r0` and the tails `l0`, `u0` of the bin's
//! calibration, the current tails are `m + (l0 - m0)·r/r0` and `m + (u0 - m0)·r/r0` (clamped to
//! their side of 0, so that the band holds the point forecast). The tails' shape, the part that
//! needs many pairs, comes from the calibration; the window need only be large enough for the
//! quartiles (200 pairs: a standard error of about 7% of the spread on normal noise). Up to a
//! quarter of a window can lie beyond the band on one side before its quartiles move by more
//! than the normal scores between them.
//!
//! Points outside the band are learned according to a [`LearnPolicy`]: with [`LearnPolicy::All`]
//! as they are; with [`LearnPolicy::SkipFlagged`] **right-censored**: as "beyond the tail it
//! crossed", their size unknown (an infinite score of their sign), so that their size can never
//! enter the band while their count still moves the quartiles by their rank, as it must
//! (leaving them out would bias the window inwards). Since a flagged score lies beyond the
//! quartiles, the two policies give the same band unless the band is narrower than the
//! interquartile range. Should a quartile fall on a censored score, the tails stay as they are.
//! Deterministic: the band depends on the pairs and their order only.

use super::band::{CalibrationPoint, ScaledBand};
use crate::detect::LearnPolicy;
use std::collections::VecDeque;

/// Pairs per bin whose scores give the location and spread of a [`RollingBand`], by default.
pub const ROLLING_WINDOW: usize = 200;

/// The most recent scores of one bin, in arrival order and sorted.
#[derive(Debug, Clone, PartialEq)]
struct ScoreWindow {
    capacity: usize,
    arrivals: VecDeque<f64>,
    sorted: Vec<f64>,
}

impl ScoreWindow {
    fn new(capacity: usize) -> Self {
        Self { capacity, arrivals: VecDeque::with_capacity(capacity), sorted: Vec::with_capacity(capacity) }
    }

    /// Add `score`, dropping the oldest when full; one shift of the sorted scores between the
    /// two positions.
    fn push(&mut self, score: f64) {
        self.arrivals.push_back(score);
        if self.arrivals.len() <= self.capacity {
            let at = self.sorted.partition_point(|v| v.total_cmp(&score).is_lt());
            self.sorted.insert(at, score);
            return;
        }
        let Some(old) = self.arrivals.pop_front() else { return };
        let out = self.sorted.partition_point(|v| v.total_cmp(&old).is_lt());
        let at = self.sorted.partition_point(|v| v.total_cmp(&score).is_lt());
        if at > out {
            // The new score goes after the removed one: shift the ones between left.
            self.sorted.copy_within(out + 1..at, out);
            self.sorted[at - 1] = score;
        } else {
            self.sorted.copy_within(at..out, at + 1);
            self.sorted[at] = score;
        }
    }

    /// Median and interquartile range, if the window has scores and they are finite.
    fn location_spread(&self) -> Option<(f64, f64)> {
        location_spread(&self.sorted)
    }
}

/// Median and interquartile range of sorted scores (linear interpolation between order
/// statistics); `None` when empty or either is not finite.
fn location_spread(sorted: &[f64]) -> Option<(f64, f64)> {
    let q = |p: f64| {
        let h = p * (sorted.len() - 1) as f64;
        let (i, f) = (h.floor() as usize, h - h.floor());
        let next = sorted[(i + 1).min(sorted.len() - 1)];
        if f == 0.0 { sorted[i] } else { sorted[i] + f * (next - sorted[i]) }
    };
    if sorted.is_empty() {
        return None;
    }
    let (m, r) = (q(0.5), q(0.75) - q(0.25));
    (m.is_finite() && r.is_finite()).then_some((m, r))
}

/// What a bin was calibrated with.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reference {
    lower: f64,
    upper: f64,
    median: f64,
    spread: f64,
}

/// The band the scoring engine tests one-step forecasts against; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct RollingBand {
    band: ScaledBand,
    /// One window per bin; empty for a band calibrated once.
    windows: Vec<ScoreWindow>,
    /// Each bin's calibration.
    reference: Vec<Reference>,
    /// How points outside the band are learned.
    policy: LearnPolicy,
    /// Pairs learned since the calibration.
    learned: u64,
}

impl RollingBand {
    /// A band that keeps the tails of its calibration.
    pub fn fixed(band: ScaledBand) -> Self {
        Self { band, windows: Vec::new(), reference: Vec::new(), policy: LearnPolicy::All, learned: 0 }
    }

    /// A band whose tails follow the stream: each bin's reference median and spread are those
    /// of its scores in `calibration` (the pairs the band was calibrated on, oldest first), its
    /// window holds the `window` most recent scores (at least 4), filled with the newest of
    /// `calibration`. `policy` says how the points outside the band are learned. A bin whose
    /// calibration scores have no spread keeps its tails.
    pub fn rolling(band: ScaledBand, calibration: &[CalibrationPoint], window: usize, policy: LearnPolicy) -> Self {
        let mut per_bin: Vec<Vec<f64>> = vec![Vec::new(); band.bins.len()];
        for p in calibration.iter().filter(|p| p.actual.is_finite() && p.point.is_finite()) {
            if let Some((b, s)) = band.bin_of(p.point) {
                per_bin[b].push((p.actual - p.point) / s);
            }
        }
        let mut windows: Vec<ScoreWindow> = (0..band.bins.len()).map(|_| ScoreWindow::new(window.max(4))).collect();
        let mut reference = Vec::with_capacity(band.bins.len());
        for ((bin, scores), w) in band.bins.iter().zip(&mut per_bin).zip(&mut windows) {
            scores.iter().skip(scores.len().saturating_sub(w.capacity)).for_each(|&v| w.push(v));
            scores.sort_by(f64::total_cmp);
            let (median, spread) = location_spread(scores).unwrap_or((0.0, 0.0));
            reference.push(Reference { lower: bin.lower, upper: bin.upper, median, spread });
        }
        let mut rolling = Self { band, windows, reference, policy, learned: 0 };
        for b in 0..rolling.windows.len() {
            rolling.reread(b);
        }
        rolling
    }

    /// Whether the tails follow the stream.
    pub fn is_rolling(&self) -> bool {
        !self.windows.is_empty()
    }

    /// The band as it stands: bins, powers and the current tails (`n` and `mean_width` stay
    /// the calibration's).
    pub fn band(&self) -> &ScaledBand {
        &self.band
    }

    /// Pairs learned since the calibration.
    pub fn learned(&self) -> u64 {
        self.learned
    }

    /// The interval around `point`; with `non_negative` the lower bound stops at 0.
    pub fn bounds(&self, point: f64, non_negative: bool) -> (f64, f64) {
        self.band.bounds(point, non_negative)
    }

    /// Learn the pair (`actual`, `point`) once its actual is known, after it was scored: its
    /// score enters its bin's window (censored when it lies outside the band and the band's
    /// policy skips flagged points), and the bin's tails are re-read. Does nothing for a fixed
    /// band or a non-finite pair.
    pub fn learn(&mut self, actual: f64, point: f64) {
        if self.windows.is_empty() || !actual.is_finite() || !point.is_finite() {
            return;
        }
        let Some((b, s)) = self.band.bin_of(point) else { return };
        let mut score = (actual - point) / s;
        let bin = &self.band.bins[b];
        if self.policy == LearnPolicy::SkipFlagged && !(bin.lower..=bin.upper).contains(&score) {
            score = if score > 0.0 { f64::INFINITY } else { f64::NEG_INFINITY };
        }
        self.windows[b].push(score);
        self.reread(b);
        self.learned += 1;
    }

    fn reread(&mut self, b: usize) {
        let r = self.reference[b];
        let Some((median, spread)) = self.windows[b].location_spread() else { return };
        if r.spread <= 0.0 {
            return;
        }
        let stretch = spread / r.spread;
        let bin = &mut self.band.bins[b];
        bin.lower = (median + (r.lower - r.median) * stretch).min(0.0);
        bin.upper = (median + (r.upper - r.median) * stretch).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// Pairs around a constant forecast of 100 with Gaussian-like noise of `sd` (sum of 12
    /// uniforms, centred), an upward outlier every `spike_every` pairs if given.
    fn pairs(n: usize, sd: f64, seed: u64) -> Vec<CalibrationPoint> {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|_| {
                let z: f64 = (0..12).map(|_| rng.unit()).sum::<f64>() - 6.0;
                CalibrationPoint { actual: 100.0 + sd * z, point: 100.0 }
            })
            .collect()
    }

    fn outside(band: &RollingBand, p: &CalibrationPoint) -> bool {
        let (lo, hi) = band.bounds(p.point, false);
        p.actual < lo || p.actual > hi
    }

    #[test]
    fn window_stays_sorted_and_bounded() {
        let mut w = ScoreWindow::new(5);
        let mut rng = SplitMix64::new(1);
        let mut all = Vec::new();
        for _ in 0..200 {
            let v = (rng.unit() * 20.0).floor();
            all.push(v);
            w.push(v);
            let mut expect: Vec<f64> = all.iter().rev().take(5).copied().collect();
            expect.sort_by(f64::total_cmp);
            assert_eq!(w.sorted, expect);
        }
    }

    /// Miss rate of `band` on `stream` after its first `settle` pairs, learning each pair.
    fn miss_rate(band: &mut RollingBand, stream: &[CalibrationPoint], settle: usize) -> f64 {
        let mut miss = 0;
        for (i, p) in stream.iter().enumerate() {
            if i >= settle {
                miss += usize::from(outside(band, p));
            }
            band.learn(p.actual, p.point);
        }
        miss as f64 / (stream.len() - settle) as f64
    }

    #[test]
    fn tracks_a_change_of_the_noise_scale() {
        // Calibrated on noise sd 1 (one bin of 60 pairs, whose tails are conservative: the
        // fixed band misses `nominal` < 10% on more of the same noise). The noise doubles: the
        // fixed band misses far more, the rolling one (either policy) is back at `nominal`
        // once its window has turned over.
        let calibration = pairs(600, 1.0, 3);
        let scaled = ScaledBand::calibrate(&calibration, 0.9).unwrap();
        let nominal = miss_rate(&mut RollingBand::fixed(scaled.clone()), &pairs(20_000, 1.0, 8), 0);
        assert!((0.03..0.11).contains(&nominal), "{nominal}");
        let shifted = pairs(6000, 2.0, 4);
        let mut fixed = RollingBand::fixed(scaled.clone());
        assert!(miss_rate(&mut fixed, &shifted, 1000) > 0.3);
        assert_eq!(fixed.learned(), 0);
        for policy in [LearnPolicy::All, LearnPolicy::SkipFlagged] {
            let mut rolling = RollingBand::rolling(scaled.clone(), &calibration, ROLLING_WINDOW, policy);
            let rate = miss_rate(&mut rolling, &shifted, 1000);
            assert!((rate - nominal).abs() < 0.025, "{policy:?}: rolling band misses {rate}, calibrated {nominal}");
            assert_eq!(rolling.learned(), 6000);
        }
    }

    #[test]
    fn a_flagged_point_does_not_widen_it_under_skip_flagged() {
        // Forecasts spread over 100..300 so that the band has several bins.
        let mut rng = SplitMix64::new(5);
        let calibration: Vec<CalibrationPoint> = (0..1200)
            .map(|i| {
                let point = 100.0 + f64::from(i % 200);
                let z: f64 = (0..12).map(|_| rng.unit()).sum::<f64>() - 6.0;
                CalibrationPoint { actual: point + z, point }
            })
            .collect();
        let scaled = ScaledBand::calibrate(&calibration, 0.9).unwrap();
        let start = RollingBand::rolling(scaled.clone(), &calibration, ROLLING_WINDOW, LearnPolicy::SkipFlagged);
        let before = start.bounds(150.0, false);
        let half = before.1 - 150.0;
        let (mut huge, mut big) = (start.clone(), start.clone());
        let mut all = RollingBand::rolling(scaled, &calibration, ROLLING_WINDOW, LearnPolicy::All);
        assert_eq!(all.bounds(150.0, false), before);
        assert!(outside(&huge, &CalibrationPoint { actual: 1e6, point: 150.0 }));
        huge.learn(1e6, 150.0);
        big.learn(1e3, 150.0);
        all.learn(1e6, 150.0);
        // Its size does not enter; its rank moves the quartiles by at most one score.
        assert_eq!(huge, big);
        let after = huge.bounds(150.0, false).1 - 150.0;
        assert!((after - half).abs() < 0.03 * half, "{half} -> {after}");
        // Twenty more, a tenth of the window: still their count only, and the same band as
        // learning them as they are (a flagged score lies beyond the quartiles). Their ranks
        // move the quartiles by a tenth of the window: the band widens by about a third.
        for _ in 0..20 {
            huge.learn(1e6, 150.0);
            big.learn(1e3, 150.0);
            all.learn(1e6, 150.0);
        }
        assert_eq!(huge, big);
        assert_eq!(all.bounds(150.0, false), huge.bounds(150.0, false));
        let after = huge.bounds(150.0, false).1 - 150.0;
        assert!(after < 1.4 * half, "{half} -> {after}");
        // The other bins are untouched.
        assert_eq!(huge.bounds(290.0, false), start.bounds(290.0, false));
    }

    #[test]
    fn skip_flagged_keeps_the_calibrated_rate_on_steady_noise() {
        // Censored flags leave the quartiles where the normal scores put them: over 30
        // turnovers of the window the miss rate stays at the calibrated band's.
        let calibration = pairs(600, 1.0, 6);
        let scaled = ScaledBand::calibrate(&calibration, 0.9).unwrap();
        let stream = pairs(12_000, 1.0, 7);
        let nominal = miss_rate(&mut RollingBand::fixed(scaled.clone()), &stream, 6000);
        let mut band = RollingBand::rolling(scaled, &calibration, ROLLING_WINDOW, LearnPolicy::SkipFlagged);
        let rate = miss_rate(&mut band, &stream, 6000);
        assert!((rate - nominal).abs() < 0.02, "miss rate {rate}, calibrated {nominal}");
    }

    #[test]
    fn location_and_spread_by_hand() {
        // Sorted 1..=5: median 3; quartiles at ranks 1 and 3 (0-based): 2 and 4.
        assert_eq!(location_spread(&[1.0, 2.0, 3.0, 4.0, 5.0]), Some((3.0, 2.0)));
        // 1..=4: median 2.5; quartiles at 0.75 and 2.25: 1.75 and 3.25.
        assert_eq!(location_spread(&[1.0, 2.0, 3.0, 4.0]), Some((2.5, 1.5)));
        assert_eq!(location_spread(&[]), None);
        assert_eq!(location_spread(&[0.0, 1.0, f64::INFINITY, f64::INFINITY]), None);
    }
}
