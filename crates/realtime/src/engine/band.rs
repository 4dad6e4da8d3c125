//! A split-conformal band around one-step forecasts whose width follows the forecast's own size,
//! with its two tails calibrated apart.
//!
//! Sales noise is neither constant nor proportional to a series' level: counts are roughly
//! Poisson or negative binomial, their spread grows like the square root of the mean on quiet
//! series and closer to the mean itself on busy, over-dispersed ones, and their distribution is
//! skewed (a long upper tail, a floor at 0). A band of one half-width times the series' mean
//! level (core's `ConformalScale::SeriesLevel`) is therefore too wide on busy series and too
//! narrow on slow ones, and a symmetric band spends its misses on the upper side. This band
//! scales each residual by `max(point, floor)^power`, picks the power among 0, 1/2 and 1 that
//! gives the narrowest band on the calibration residuals (all three at the same coverage), and
//! takes the lower and upper tails' conformal quantiles separately, at `(1 - level)/2` and
//! `(1 + level)/2` (normalised split-conformal prediction, Papadopoulos et al. 2002; Lei et al.
//! 2018, with a one-parameter family of difficulty estimates). One pooled calibration still
//! covers quiet series too well and busy ones too little (their tails are heavier than any one
//! power says), so the pairs are first cut into bins of the point forecast, equal in count, and
//! each bin is calibrated on its own (Mondrian conformal prediction, Vovk et al. 2005): coverage
//! holds per bin, i.e. per sales volume. Bins hold at least `3 · 2/(1 - level)` pairs (each tail
//! quantile is then at least the third most extreme residual of its bin), at most 8 bins.

use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Powers of the forecast that scale the residuals: absolute, square-root (Poisson-like),
/// proportional (constant coefficient of variation).
pub const BAND_POWERS: [f64; 3] = [0.0, 0.5, 1.0];

/// One calibration pair: the actual and the point forecast made for it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationPoint {
    /// The observed value.
    pub actual: f64,
    /// The one-step point forecast of it (already clamped if the pipeline is non-negative).
    pub point: f64,
    /// The difficulty of the pair's series (its [`SeriesScales`] entry; 1 for none): the
    /// residual is divided by it as well as by the power of the forecast.
    pub scale: f64,
}

/// Most forecast bins of a [`ScaledBand`].
pub const MAX_BAND_BINS: usize = 8;

/// The band of one bin of point forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BandBin {
    /// Largest point forecast of the bin (the last bin takes every larger one).
    pub up_to: f64,
    /// The power of the forecast that scales residuals (one of [`BAND_POWERS`]).
    pub power: f64,
    /// The `(1 - level)/2` conformal quantile of `residual / scale` (at most 0).
    pub lower: f64,
    /// The `(1 + level)/2` conformal quantile of `residual / scale` (at least 0).
    pub upper: f64,
    /// Calibration pairs of the bin.
    pub n: usize,
    /// Mean width of the bin's band on its calibration pairs.
    pub mean_width: f64,
}

/// The calibrated band; see the [engine docs](crate::engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaledBand {
    /// Nominal coverage.
    pub level: f64,
    /// Smallest forecast a scale takes (keeps zero forecasts from giving a zero-width band):
    /// 5% of the mean absolute actual.
    pub floor: f64,
    /// The bins, by increasing `up_to`.
    pub bins: Vec<BandBin>,
    /// Each series' difficulty, which its residuals were divided by (all 1 unless recorded
    /// with [`ScaledBand::with_series`]).
    pub series: SeriesScales,
}

/// Fewest residuals behind a series' own scale in [`SeriesScales::from_residuals`].
pub const MIN_SCALE_RESIDUALS: usize = 8;

/// The per-series difficulty of a [`ScaledBand`] (locally adaptive conformal prediction, Lei et
/// al. 2018): each series' robust spread of one-step residuals, relative to the median series'.
///
/// Series of one panel differ in dispersion by more than any power of their forecast says
/// (promotion-driven, over-dispersed items beside steady ones at the same volume), so a band
/// pooled over them alone is too wide on some and too narrow on others. Dividing each residual
/// by its series' own spread `σ_s` as well makes the pooled scores comparable; the band at
/// `point` on series `s` is then `point + q · σ_s · max(point, floor)^power`. `σ_s` is `1.4826 ·
/// MAD` of the residuals the caller gives (they must lie before the calibration pairs, or the
/// scores are no longer exchangeable with the stream's), divided by the median of the series'
/// spreads, and floored at [`SeriesScales::FLOOR`] of that median (a series of near-constant
/// residuals would get a zero-width band). A series with fewer than [`MIN_SCALE_RESIDUALS`]
/// finite residuals, and one the warm-start panel did not hold, takes 1 (the median series).
///
/// Off by default in the engine ([`crate::engine::BandParams::scale_periods`] 0): on the
/// simulator it made the band worse (docs/realtime.md, "Per-series difficulty"). The MAD of a
/// quiet count series' residuals understates its tails (a few 0/1/2 sales: discrete, skewed),
/// so after dividing by it the quiet series' scores have the heavier tails, the pooled quantile
/// sits between, and the band becomes too narrow on quiet series (false alarms move there) and
/// too wide on busy ones (spikes and drops missed there).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SeriesScales {
    /// One scale per series of the warm-start panel, in panel order (empty: all 1).
    pub scales: Vec<f64>,
}

impl SeriesScales {
    /// Smallest relative scale, a share of the median series' spread.
    pub const FLOOR: f64 = 0.25;

    /// Scales from each series' residuals (one slice per series, in panel order).
    pub fn from_residuals(residuals: &[Vec<f64>]) -> Self {
        let raw: Vec<Option<f64>> = residuals
            .iter()
            .map(|r| {
                let mut finite: Vec<f64> = r.iter().copied().filter(|v| v.is_finite()).collect();
                if finite.len() < MIN_SCALE_RESIDUALS {
                    return None;
                }
                let centre = median(&mut finite);
                let mut spread: Vec<f64> = finite.iter().map(|v| (v - centre).abs()).collect();
                Some(1.4826 * median(&mut spread))
            })
            .collect();
        let mut known: Vec<f64> = raw.iter().flatten().copied().filter(|v| *v > 0.0).collect();
        if known.is_empty() {
            return Self { scales: vec![1.0; residuals.len()] };
        }
        let mid = median(&mut known);
        let scales = raw.iter().map(|r| r.map_or(1.0, |v| (v / mid).max(Self::FLOOR))).collect();
        Self { scales }
    }

    /// The scale of the `index`-th series (1 for one not held).
    pub fn of(&self, index: usize) -> f64 {
        self.scales.get(index).copied().unwrap_or(1.0)
    }
}

/// The median of a non-empty sample (sorts it).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

impl ScaledBand {
    /// Calibrate a band at `level` on `points` (non-finite pairs skipped).
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a level outside (0, 1); [`RealtimeError::InvalidInput`]
    /// with fewer finite pairs than the level needs for both tails (`2 / (1 - level)`).
    pub fn calibrate(points: &[CalibrationPoint], level: f64) -> Result<Self> {
        if !(level > 0.0 && level < 1.0) {
            return Err(RealtimeError::param("band.level", level, "a coverage in (0, 1)"));
        }
        let mut finite: Vec<CalibrationPoint> = points
            .iter()
            .copied()
            .filter(|p| p.actual.is_finite() && p.point.is_finite() && p.scale.is_finite() && p.scale > 0.0)
            .collect();
        let needed = (2.0 / (1.0 - level) - 1e-9).ceil() as usize;
        if finite.len() < needed {
            return Err(RealtimeError::input(
                "band calibration",
                "residuals",
                format!(
                    "{} finite (actual, forecast) pairs; a {level} band needs at least {needed} (more calibration periods or series)",
                    finite.len()
                ),
            ));
        }
        let mean_abs = finite.iter().map(|p| p.actual.abs()).sum::<f64>() / finite.len() as f64;
        let floor = if mean_abs > 0.0 { 0.05 * mean_abs } else { 1.0 };
        finite.sort_by(|a, b| a.point.total_cmp(&b.point));
        let n_bins = (finite.len() / (3 * needed)).clamp(1, MAX_BAND_BINS);
        let mut bins = Vec::with_capacity(n_bins);
        let mut scores = Vec::with_capacity(finite.len());
        for b in 0..n_bins {
            let chunk = &finite[b * finite.len() / n_bins..(b + 1) * finite.len() / n_bins];
            let up_to = if b + 1 == n_bins { f64::INFINITY } else { chunk[chunk.len() - 1].point };
            bins.push(calibrate_bin(chunk, level, floor, up_to, &mut scores));
        }
        Ok(Self { level, floor, bins, series: SeriesScales::default() })
    }

    /// The band with these series scales recorded (the pairs it was calibrated on must carry
    /// them in their `scale`).
    pub fn with_series(mut self, series: SeriesScales) -> Self {
        self.series = series;
        self
    }

    /// The interval around `point` of a series of difficulty `series_scale` (its
    /// [`SeriesScales`] entry, 1 for a band calibrated without); with `non_negative` the lower
    /// bound stops at 0.
    pub fn bounds(&self, point: f64, series_scale: f64, non_negative: bool) -> (f64, f64) {
        let Some(bin) = self.bins.iter().find(|b| point <= b.up_to).or(self.bins.last()) else {
            return (f64::NAN, f64::NAN);
        };
        let s = series_scale * scale(point, self.floor, bin.power);
        let lower = point + bin.lower * s;
        (if non_negative { lower.max(0.0) } else { lower }, point + bin.upper * s)
    }

    /// The bin `point` falls in (the last for larger ones) and the scale of its residuals there
    /// on a series of difficulty `series_scale`: the pair's score is `(actual - point) / scale`.
    /// `None` for a band without bins.
    pub fn bin_of(&self, point: f64, series_scale: f64) -> Option<(usize, f64)> {
        let b = self.bins.iter().position(|b| point <= b.up_to).unwrap_or(self.bins.len().checked_sub(1)?);
        Some((b, series_scale * scale(point, self.floor, self.bins[b].power)))
    }
}

/// The narrowest of the [`BAND_POWERS`] bands on `chunk` (the first on ties).
fn calibrate_bin(chunk: &[CalibrationPoint], level: f64, floor: f64, up_to: f64, scores: &mut Vec<f64>) -> BandBin {
    let mut best: Option<BandBin> = None;
    for power in BAND_POWERS {
        scores.clear();
        scores.extend(chunk.iter().map(|p| (p.actual - p.point) / (p.scale * scale(p.point, floor, power))));
        scores.sort_by(f64::total_cmp);
        let (lower, upper) = tails(scores, level);
        let mean_width = chunk.iter().map(|p| (upper - lower) * p.scale * scale(p.point, floor, power)).sum::<f64>()
            / chunk.len().max(1) as f64;
        let bin = BandBin { up_to, power, lower, upper, n: chunk.len(), mean_width };
        if best.is_none_or(|b| bin.mean_width < b.mean_width) {
            best = Some(bin);
        }
    }
    best.unwrap_or(BandBin { up_to, power: 0.0, lower: 0.0, upper: 0.0, n: 0, mean_width: 0.0 })
}

fn scale(point: f64, floor: f64, power: f64) -> f64 {
    let x = point.abs().max(floor);
    // The powers of BAND_POWERS without `powf` (a libm call per event): exact for 0 and 1,
    // and `sqrt` is correctly rounded.
    if power == 0.0 {
        1.0
    } else if power == 0.5 {
        x.sqrt()
    } else if power == 1.0 {
        x
    } else {
        x.powf(power)
    }
}

/// The lower tail's `floor((n + 1) a)`-th smallest score and the upper tail's
/// `ceil((n + 1)(1 - a))`-th smallest, `a = (1 - level)/2` (clamped to the sample), each
/// clamped to its side of 0 so that the band holds the point forecast.
pub(super) fn tails(sorted: &[f64], level: f64) -> (f64, f64) {
    let n = sorted.len();
    let a = (1.0 - level) / 2.0;
    // 1e-9 keeps a rank that is an integer in exact arithmetic from moving by one in floating point.
    let lo_rank = (((n + 1) as f64) * a + 1e-9).floor() as usize;
    let hi_rank = (((n + 1) as f64) * (1.0 - a) - 1e-9).ceil() as usize;
    let lower = sorted[lo_rank.clamp(1, n) - 1].min(0.0);
    let upper = sorted[hi_rank.clamp(1, n) - 1].max(0.0);
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_are_the_finite_sample_ranks() {
        // n = 199, level 0.9: a = 0.05, ranks floor(200 * 0.05) = 10 and ceil(200 * 0.95) = 190.
        let s: Vec<f64> = (1..=199).map(|i| f64::from(i) - 100.0).collect();
        assert_eq!(tails(&s, 0.9), (10.0 - 100.0, 190.0 - 100.0));
        // All residuals positive: the lower tail is 0 (the band keeps the point).
        assert_eq!(tails(&[1.0, 2.0, 3.0], 0.5), (0.0, 3.0));
    }

    #[test]
    fn picks_the_power_of_the_noise() {
        // Residuals exactly +-sqrt(point): the square-root scale gives a constant score of 1.
        let points: Vec<CalibrationPoint> = (0..400)
            .map(|i| {
                let point = f64::from(10 + i % 100);
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                CalibrationPoint { actual: point + sign * point.sqrt(), point, scale: 1.0 }
            })
            .collect();
        let band = ScaledBand::calibrate(&points, 0.9).unwrap();
        // 400 pairs, 60 at least per bin: 6 bins, each with the square-root scale.
        assert_eq!(band.bins.len(), 6);
        for bin in &band.bins {
            assert_eq!(bin.power, 0.5);
            assert!((bin.upper - 1.0).abs() < 1e-12 && (bin.lower + 1.0).abs() < 1e-12, "{band:?}");
        }
        let (lo, hi) = band.bounds(16.0, 1.0, true);
        assert!((lo - 12.0).abs() < 1e-12 && (hi - 20.0).abs() < 1e-12);
        assert_eq!(band.bounds(0.5, 1.0, true).0, 0.0);
        assert!(ScaledBand::calibrate(&points[..10], 0.99).unwrap_err().to_string().contains("at least 200"));
        assert!(ScaledBand::calibrate(&points, 1.0).is_err());
    }

    #[test]
    fn each_volume_bin_keeps_its_own_tails() {
        // Quiet forecasts (1) miss by at most 1, busy ones (100) by up to 50: one pooled band
        // would be too wide for the first and too narrow for the second.
        let points: Vec<CalibrationPoint> = (0..1200)
            .map(|i| {
                let busy = i % 2 == 1;
                let (point, spread) = if busy { (100.0, 50.0) } else { (1.0, 1.0) };
                let u = f64::from((i / 2) % 100) / 99.0 * 2.0 - 1.0;
                CalibrationPoint { actual: point + spread * u, point, scale: 1.0 }
            })
            .collect();
        let band = ScaledBand::calibrate(&points, 0.9).unwrap();
        assert_eq!(band.bins.len(), 8, "1200 pairs / 60");
        let (lo, hi) = band.bounds(1.0, 1.0, true);
        assert!(lo >= 0.0 && hi <= 2.0 + 1e-9, "quiet: ({lo}, {hi})");
        let (lo, hi) = band.bounds(100.0, 1.0, true);
        assert!(lo <= 60.0 && (140.0..=150.0 + 1e-9).contains(&hi), "busy: ({lo}, {hi})");
    }

    #[test]
    fn series_scales_are_relative_robust_and_floored() {
        // Spreads 1, 2 and 4 (residuals +-s, one outlier each), a flat series and a short one.
        let series = |s: f64| -> Vec<f64> {
            (0..20)
                .map(|i| {
                    if i == 0 {
                        1e6
                    } else if i % 2 == 0 {
                        s
                    } else {
                        -s
                    }
                })
                .collect()
        };
        let residuals = vec![series(1.0), series(2.0), series(4.0), vec![0.0; 20], vec![9.0; 3]];
        let scales = SeriesScales::from_residuals(&residuals);
        // Raw 1.4826 * MAD: 1.4826 * (1, 2, 4), 0; the median of the positive ones is 1.4826 * 2.
        let expect = [0.5, 1.0, 2.0, SeriesScales::FLOOR, 1.0];
        for (got, want) in scales.scales.iter().zip(expect) {
            assert!((got - want).abs() < 1e-12, "{:?}", scales.scales);
        }
        assert_eq!(scales.of(99), 1.0);
        // A series twice as noisy gets a band twice as wide.
        let points: Vec<CalibrationPoint> = (0..400)
            .map(|i| {
                let s = 1.0 + f64::from(i % 2);
                let sign = if i % 4 < 2 { 1.0 } else { -1.0 };
                CalibrationPoint { actual: 10.0 + sign * 3.0 * s, point: 10.0, scale: s }
            })
            .collect();
        let band = ScaledBand::calibrate(&points, 0.9).unwrap();
        let (w1, w2) = (band.bounds(10.0, 1.0, false), band.bounds(10.0, 2.0, false));
        assert!((w1.1 - 13.0).abs() < 1e-9 && (w2.1 - 16.0).abs() < 1e-9, "{w1:?} {w2:?}");
    }

    #[test]
    fn tails_are_calibrated_apart() {
        // Skewed residuals: upper tail to +9, lower to -1 (three bins of equal forecasts, each as skewed).
        let points: Vec<CalibrationPoint> = (0..100)
            .map(|i| CalibrationPoint { actual: 10.0 + if i % 10 == 0 { 9.0 } else { -1.0 }, point: 10.0, scale: 1.0 })
            .collect();
        let band = ScaledBand::calibrate(&points, 0.8).unwrap();
        // Constant point: every power gives the same band.
        let (lo, hi) = band.bounds(10.0, 1.0, true);
        assert!((lo - 9.0).abs() < 1e-9 && (hi - 19.0).abs() < 1e-9, "{band:?}");
    }
}
