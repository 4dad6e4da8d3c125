//! A [`ScaledBand`] whose tails keep learning from the stream: rolling (sliding-window)
//! conformal calibration per Mondrian bin.
//!
//! A band calibrated once on the periods before the stream holds its coverage only while the
//! noise keeps the scale it had then; retail noise does not (December's spread is wider than
//! August's), and the band's misses then pile up. Here each bin of the [`ScaledBand`] keeps the
//! normalised scores `(actual - point) / scale` of the most recent pairs that fell in it, as many
//! as the bin was calibrated on, and its two tails are re-read from that window (the same
//! finite-sample ranks as the calibration) after every new pair. The bins' edges and scale powers
//! stay those of the calibration; only the tails move. Under exchangeability within the window
//! the band keeps the split-conformal coverage; when the noise scale changes, the window has
//! turned over (and the exceedance rate is back at the nominal level) once as many new pairs as
//! the bin's size have arrived (rolling-window conformal prediction; cf. the adaptive conformal
//! inference of Gibbs and Candès 2021, which moves the level instead of the sample).
//!
//! Flagged points, i.e. pairs outside the band at the time, are learned according to a
//! [`LearnPolicy`]: with [`LearnPolicy::All`] their score enters the window as it is; with
//! [`LearnPolicy::SkipFlagged`] it enters **right-censored**: as "beyond the tail it crossed",
//! its size unknown (stored as an infinite score of its sign). A tail whose rank falls on a
//! censored score, i.e. at least the nominal share of the window lies beyond the band, is read as
//! the calibration's tail. So a flagged point's size never enters the band, and no run of flagged
//! points widens it past its calibration: under this policy the band narrows when the noise
//! does, and widens back at most to its calibration. The flags must still count as
//! pairs beyond the band: leaving them out (or clamping them to the tail) makes the window a
//! sample truncated at the current tails, whose quantiles can then only move inwards, and the
//! band narrows turnover after turnover until nearly every point is flagged (a unit test shows
//! it). With [`LearnPolicy::All`] the band follows the noise both ways, but the anomalies enter
//! the window too. Deterministic: the band depends on the pairs and their order only.

use super::band::{CalibrationPoint, ScaledBand, tails};
use crate::detect::LearnPolicy;
use std::collections::VecDeque;

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
}

/// The band the scoring engine tests one-step forecasts against: a [`ScaledBand`], fixed or
/// rolling. Rolling, each bin keeps a sliding window of the normalised scores of its most
/// recent pairs (as many as it was calibrated on, seeded with the calibration) and re-reads its
/// tails from it after every [`RollingBand::learn`], at the calibration's finite-sample ranks.
/// Under [`LearnPolicy::SkipFlagged`] a point outside the band enters right-censored (beyond the
/// tail, size unknown), and a tail whose rank lands on a censored score reads the calibration's
/// tail: flagged points never widen the band past its calibration, and the band still narrows
/// when the noise does (leaving them out, or clamping them to the tail, would make the tails only
/// move inwards). Under [`LearnPolicy::All`] they enter as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct RollingBand {
    band: ScaledBand,
    /// One window per bin; empty for a band calibrated once.
    windows: Vec<ScoreWindow>,
    /// Each bin's tails as calibrated (what a tail on a censored rank is read as).
    calibrated: Vec<(f64, f64)>,
    /// How points outside the band are learned.
    policy: LearnPolicy,
    /// Pairs learned since the calibration.
    learned: u64,
}

impl RollingBand {
    /// A band that keeps the tails of its calibration.
    pub fn fixed(band: ScaledBand) -> Self {
        Self { band, windows: Vec::new(), calibrated: Vec::new(), policy: LearnPolicy::All, learned: 0 }
    }

    /// A band whose tails follow the stream: each bin's window holds as many scores as the bin
    /// was calibrated on (at least enough for both tails at the band's level), filled with the
    /// scores of `calibration` (the pairs the band was calibrated on, oldest first), and the
    /// tails are re-read from it. `policy` says how the points outside the band are learned.
    pub fn rolling(band: ScaledBand, calibration: &[CalibrationPoint], policy: LearnPolicy) -> Self {
        let needed = (2.0 / (1.0 - band.level) - 1e-9).ceil() as usize;
        let windows = band.bins.iter().map(|b| ScoreWindow::new(b.n.max(needed))).collect();
        let calibrated = band.bins.iter().map(|b| (b.lower, b.upper)).collect();
        let mut rolling = Self { band, windows, calibrated, policy, learned: 0 };
        for p in calibration.iter().filter(|p| p.actual.is_finite() && p.point.is_finite()) {
            if let Some((b, s)) = rolling.band.bin_of(p.point, p.scale) {
                rolling.windows[b].push((p.actual - p.point) / s);
            }
        }
        for b in 0..rolling.windows.len() {
            rolling.reread(b);
        }
        rolling
    }

    /// Whether the tails follow the stream.
    pub fn is_rolling(&self) -> bool {
        !self.windows.is_empty()
    }

    /// The band as it stands: bins, powers and the current tails (`n` is the bin's window
    /// size once rolling; `mean_width` stays the calibration's).
    pub fn band(&self) -> &ScaledBand {
        &self.band
    }

    /// Pairs learned since the calibration.
    pub fn learned(&self) -> u64 {
        self.learned
    }

    /// The interval around `point` on a series of difficulty `series_scale` (see
    /// [`RollingBand::series_scale`]); with `non_negative` the lower bound stops at 0.
    pub fn bounds(&self, point: f64, series_scale: f64, non_negative: bool) -> (f64, f64) {
        self.band.bounds(point, series_scale, non_negative)
    }

    /// The difficulty of the `index`-th series of the warm-start panel (the median one's for a
    /// series it did not hold).
    pub fn series_scale(&self, index: usize) -> f64 {
        self.band.series.of(index)
    }

    /// Learn the pair (`actual`, `point`) of a series of difficulty `series_scale` once its actual is known, after it was scored: its
    /// score enters its bin's window (censored when it lies outside the band and the band's
    /// policy skips flagged points), and the bin's tails are re-read. Does nothing for a fixed
    /// band or a non-finite pair.
    pub fn learn(&mut self, actual: f64, point: f64, series_scale: f64) {
        if self.windows.is_empty()
            || !actual.is_finite()
            || !point.is_finite()
            || series_scale.is_nan()
            || series_scale <= 0.0
        {
            return;
        }
        let Some((b, s)) = self.band.bin_of(point, series_scale) else { return };
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
        let window = &self.windows[b];
        if window.sorted.is_empty() {
            return;
        }
        let sorted = &window.sorted;
        let (mut lower, mut upper) = tails(sorted, self.band.level);
        // A rank on a censored score: the calibration's tail.
        let (cal_lower, cal_upper) = self.calibrated[b];
        if lower == f64::NEG_INFINITY {
            lower = cal_lower;
        }
        if upper == f64::INFINITY {
            upper = cal_upper;
        }
        let bin = &mut self.band.bins[b];
        bin.lower = lower;
        bin.upper = upper;
        bin.n = window.sorted.len();
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
                CalibrationPoint { actual: 100.0 + sd * z, point: 100.0, scale: 1.0 }
            })
            .collect()
    }

    fn outside(band: &RollingBand, p: &CalibrationPoint) -> bool {
        let (lo, hi) = band.bounds(p.point, 1.0, false);
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

    #[test]
    fn tracks_a_change_of_the_noise_scale() {
        // Calibrated on noise sd 1, then the noise doubles: a fixed band misses far more than
        // 10%, the rolling one is back at the nominal 10% once its window has turned over.
        let calibration = pairs(600, 1.0, 3);
        let scaled = ScaledBand::calibrate(&calibration, 0.9).unwrap();
        let mut fixed = RollingBand::fixed(scaled.clone());
        let mut rolling = RollingBand::rolling(scaled, &calibration, LearnPolicy::All);
        assert_eq!(rolling.band().bins.iter().map(|b| b.n).sum::<usize>(), 600);
        let stream = pairs(6000, 2.0, 4);
        let (mut miss_fixed, mut miss_rolling, mut late) = (0, 0, 0);
        for (i, p) in stream.iter().enumerate() {
            let settled = i >= 1200;
            if settled {
                late += 1;
                miss_fixed += usize::from(outside(&fixed, p));
                miss_rolling += usize::from(outside(&rolling, p));
            }
            fixed.learn(p.actual, p.point, 1.0);
            rolling.learn(p.actual, p.point, 1.0);
        }
        let (rate_fixed, rate_rolling) = (miss_fixed as f64 / late as f64, miss_rolling as f64 / late as f64);
        assert!(rate_fixed > 0.35, "fixed band misses {rate_fixed}");
        assert!((0.07..0.13).contains(&rate_rolling), "rolling band misses {rate_rolling}");
        assert_eq!((fixed.learned(), rolling.learned()), (0, 6000));
    }

    #[test]
    fn a_flagged_point_does_not_widen_it_under_skip_flagged() {
        // Forecasts spread over 100..300 so that the band has several bins.
        let mut rng = SplitMix64::new(5);
        let calibration: Vec<CalibrationPoint> = (0..1200)
            .map(|i| {
                let point = 100.0 + f64::from(i % 200);
                let z: f64 = (0..12).map(|_| rng.unit()).sum::<f64>() - 6.0;
                CalibrationPoint { actual: point + z, point, scale: 1.0 }
            })
            .collect();
        let scaled = ScaledBand::calibrate(&calibration, 0.9).unwrap();
        let largest = calibration.iter().map(|p| p.actual - p.point).fold(0.0, f64::max);
        let start = RollingBand::rolling(scaled.clone(), &calibration, LearnPolicy::SkipFlagged);
        let before = start.bounds(150.0, 1.0, false);
        let (mut huge, mut big) = (start.clone(), start.clone());
        let mut all = RollingBand::rolling(scaled, &calibration, LearnPolicy::All);
        assert_eq!(all.bounds(150.0, 1.0, false), before);
        let p = CalibrationPoint { actual: 1e6, point: 150.0, scale: 1.0 };
        assert!(outside(&huge, &p));
        huge.learn(p.actual, p.point, 1.0);
        big.learn(1e3, p.point, 1.0);
        // One flagged point moves the upper tail by at most one rank of the window, whatever its size.
        assert_eq!(huge, big);
        let (b, scale) = start.band.bin_of(150.0, 1.0).unwrap();
        let window = &start.windows[b].sorted;
        let next = window.iter().find(|v| **v > start.band.bins[b].upper).copied().unwrap_or(f64::MAX) * scale;
        assert!(
            huge.bounds(150.0, 1.0, false).1 <= 150.0 + next + 1e-9,
            "{before:?} -> {:?}",
            huge.bounds(150.0, 1.0, false)
        );
        // A run of them: back to the calibration at most; learning them all takes them in.
        for _ in 0..100 {
            huge.learn(1e6, 150.0, 1.0);
            big.learn(1e3, 150.0, 1.0);
            all.learn(1e6, 150.0, 1.0);
        }
        assert_eq!(huge, big);
        assert!(huge.bounds(150.0, 1.0, false).1 <= before.1.max(150.0 + largest) + 1e-9);
        assert_eq!(huge.bounds(150.0, 1.0, false).1, before.1, "a run of flags above: the calibrated upper bound");
        assert!(all.bounds(150.0, 1.0, false).1 > 1e5, "learning every point takes the outliers in");
        // The other bins are untouched.
        assert_eq!(huge.bounds(290.0, 1.0, false), start.bounds(290.0, 1.0, false));
    }

    #[test]
    fn skip_flagged_keeps_the_nominal_rate_on_steady_noise() {
        // Right-censored flags keep the miss rate at the nominal 10% over 100 turnovers of the
        // window (60 pairs: one bin of equal forecasts); clamping the flags to the tail instead
        // (what `clamped` does by hand) lets the tails only shrink.
        let calibration = pairs(600, 1.0, 6);
        let scaled = ScaledBand::calibrate(&calibration, 0.9).unwrap();
        let mut band = RollingBand::rolling(scaled.clone(), &calibration, LearnPolicy::SkipFlagged);
        let mut clamped = RollingBand::rolling(scaled, &calibration, LearnPolicy::All);
        let stream = pairs(12_000, 1.0, 7);
        let (mut miss, mut miss_clamped) = (0, 0);
        for (i, p) in stream.iter().enumerate() {
            if i >= 6000 {
                miss += usize::from(outside(&band, p));
                miss_clamped += usize::from(outside(&clamped, p));
            }
            band.learn(p.actual, p.point, 1.0);
            let bin = clamped.band.bins[0];
            let score = (p.actual - p.point).clamp(bin.lower, bin.upper);
            clamped.learn(p.point + score, p.point, 1.0);
        }
        let (rate, rate_clamped) = (miss as f64 / 6000.0, miss_clamped as f64 / 6000.0);
        assert!((0.07..0.13).contains(&rate), "miss rate {rate}");
        assert!(rate_clamped > 0.2, "clamped flags: miss rate {rate_clamped}");
    }
}
