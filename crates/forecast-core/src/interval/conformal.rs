//! Split-conformal intervals from backtest residuals.
//!
//! For a nominal coverage `c` and each horizon step `k`, the calibration scores are
//! `|actual - point| / scale` of that step over every calibration (series, window); the
//! half-width `q_k` is the `ceil((n + 1) c)`-th smallest score (the finite-sample split-conformal
//! quantile), and the interval is `point ± q_k · scale`. With [`ConformalScale::Absolute`]
//! the scale is 1; with [`ConformalScale::SeriesLevel`] it is the series' mean absolute target
//! over the last `level_window` observations before the origin, so one calibration serves
//! slow and fast sellers alike.

use crate::forecast::Forecasts;
use crate::{Panel, Result};
use serde::{Deserialize, Serialize};

/// Steps with fewer calibration scores than this borrow the pooled quantile of all steps.
const MIN_SCORES_PER_STEP: usize = 20;

/// What residuals are divided by before taking their quantile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConformalScale {
    /// Raw absolute residuals, one half-width for every series.
    Absolute,
    /// Absolute residuals divided by the series' recent mean absolute target.
    #[default]
    SeriesLevel,
}

/// One calibration residual.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Residual {
    /// 0-based horizon step.
    pub step: usize,
    /// `actual - point`.
    pub residual: f64,
    /// The series' scale at the origin (1 for absolute intervals).
    pub scale: f64,
}

/// Per-step conformal half-widths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConformalIntervals {
    /// Nominal coverage, e.g. 0.8.
    pub coverage: f64,
    /// How residuals were scaled.
    pub scale: ConformalScale,
    /// Observations of the level window (for [`ConformalScale::SeriesLevel`]).
    pub level_window: usize,
    /// Half-width (in scale units) of each step.
    pub half_width: Vec<f64>,
    /// Number of calibration scores behind each step.
    pub n_scores: Vec<usize>,
}

/// The mean absolute value of the last `window` observed (non-NaN) targets of `history`, or 1
/// when there are none or they are all zero.
pub fn series_level(history: &[f64], window: usize) -> f64 {
    let recent: Vec<f64> = history.iter().rev().filter(|v| !v.is_nan()).take(window.max(1)).map(|v| v.abs()).collect();
    let level = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
    if level > 0.0 && level.is_finite() { level } else { 1.0 }
}

impl ConformalIntervals {
    /// The scale of a series whose observed history is `history`.
    pub fn scale_of(scale: ConformalScale, history: &[f64], level_window: usize) -> f64 {
        match scale {
            ConformalScale::Absolute => 1.0,
            ConformalScale::SeriesLevel => series_level(history, level_window),
        }
    }

    /// Calibrate half-widths for steps `0..horizon` from `residuals` (NaN residuals skipped).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] for a coverage outside (0, 1);
    /// [`crate::Error::InvalidData`] when no residual is finite.
    pub fn calibrate(
        residuals: &[Residual],
        horizon: usize,
        coverage: f64,
        scale: ConformalScale,
        level_window: usize,
    ) -> Result<Self> {
        if !(coverage > 0.0 && coverage < 1.0) {
            return Err(crate::Error::InvalidParam {
                name: "coverage",
                value: coverage.to_string(),
                expected: "a level strictly between 0 and 1",
            });
        }
        let mut per_step = vec![Vec::new(); horizon];
        let mut pooled = Vec::new();
        for r in residuals {
            let score = (r.residual / r.scale).abs();
            if score.is_finite() {
                pooled.push(score);
                if let Some(s) = per_step.get_mut(r.step) {
                    s.push(score);
                }
            }
        }
        if pooled.is_empty() {
            return Err(crate::Error::InvalidData("conformal calibration: no finite residual".into()));
        }
        let pooled_q = conformal_quantile(&mut pooled, coverage);
        let n_scores = per_step.iter().map(Vec::len).collect();
        let half_width = per_step
            .iter_mut()
            .map(|s| if s.len() >= MIN_SCORES_PER_STEP { conformal_quantile(s, coverage) } else { pooled_q })
            .collect();
        Ok(Self { coverage, scale, level_window, half_width, n_scores })
    }

    /// Half-width of step `k` in scale units (the last step's for steps past the calibration).
    pub fn half_width_at(&self, k: usize) -> f64 {
        self.half_width.get(k).or(self.half_width.last()).copied().unwrap_or(0.0)
    }

    /// Add the lower and upper quantile paths (`(1 - coverage) / 2` and `(1 + coverage) / 2`)
    /// to every series of `forecasts`, reading each series' scale from `panel` before its origin.
    /// With `non_negative` the lower bound is clamped at 0.
    pub fn apply(&self, panel: &Panel, forecasts: &mut Forecasts, non_negative: bool) {
        let (lo, hi) = self.alphas();
        for f in &mut forecasts.series {
            let history = panel.series.get(f.series).map(|s| &s.target[..f.origin.min(s.len())]).unwrap_or(&[]);
            let scale = Self::scale_of(self.scale, history, self.level_window);
            let (lower, upper) =
                f.point.iter().enumerate().map(|(k, &p)| self.bounds(p, k, scale, non_negative)).unzip();
            f.set_quantile(lo, lower);
            f.set_quantile(hi, upper);
        }
    }

    /// The interval around the point forecast `point` of 0-based step `k` for a series of scale
    /// `scale` ([`ConformalIntervals::scale_of`]): `point ± half_width_at(k) · scale`, the lower
    /// bound clamped at 0 with `non_negative`. [`ConformalIntervals::apply`] adds exactly these.
    pub fn bounds(&self, point: f64, k: usize, scale: f64, non_negative: bool) -> (f64, f64) {
        let w = self.half_width_at(k) * scale;
        let lower = if non_negative { (point - w).max(0.0) } else { point - w };
        (lower, point + w)
    }

    /// The quantile levels of the interval bounds.
    pub fn alphas(&self) -> (f64, f64) {
        ((1.0 - self.coverage) / 2.0, (1.0 + self.coverage) / 2.0)
    }
}

/// The `ceil((n + 1) c)`-th smallest score (the largest when that exceeds `n`).
fn conformal_quantile(scores: &mut [f64], coverage: f64) -> f64 {
    scores.sort_by(f64::total_cmp);
    let n = scores.len();
    let rank = (((n + 1) as f64) * coverage).ceil() as usize;
    scores[rank.clamp(1, n) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_the_finite_sample_rank() {
        let mut s: Vec<f64> = (1..=9).map(f64::from).collect();
        // (9 + 1) * 0.8 = 8 -> 8th smallest
        assert_eq!(conformal_quantile(&mut s, 0.8), 8.0);
        let mut s = vec![3.0, 1.0];
        assert_eq!(conformal_quantile(&mut s, 0.9), 3.0);
    }

    #[test]
    fn sparse_steps_borrow_the_pooled_quantile_and_scale_divides() {
        let mut residuals: Vec<Residual> =
            (0..40).map(|i| Residual { step: 0, residual: f64::from(i % 10), scale: 1.0 }).collect();
        residuals.push(Residual { step: 1, residual: 100.0, scale: 10.0 });
        let c = ConformalIntervals::calibrate(&residuals, 2, 0.8, ConformalScale::Absolute, 28).unwrap();
        assert_eq!(c.n_scores, vec![40, 1]);
        assert_eq!(c.half_width[0], 8.0);
        // step 1 has one score (10 after scaling) so it uses the pooled 41 scores
        let mut pooled: Vec<f64> = (0..40).map(|i| f64::from(i % 10)).chain([10.0]).collect();
        assert_eq!(c.half_width[1], conformal_quantile(&mut pooled, 0.8));
        assert!(ConformalIntervals::calibrate(&residuals, 2, 1.0, ConformalScale::Absolute, 28).is_err());
    }

    #[test]
    fn level_ignores_gaps_and_never_returns_zero() {
        assert_eq!(series_level(&[100.0, f64::NAN, 2.0, 4.0], 2), 3.0);
        assert_eq!(series_level(&[0.0, 0.0], 7), 1.0);
        assert_eq!(series_level(&[], 7), 1.0);
    }
}
