//! Gradients, base scores, validation losses and output transforms of each objective.

use super::histogram::GradPair;
use super::params::Objective;
use crate::tree::OutputTransform;
use crate::{Error, Result};
use rayon::prelude::*;

/// LightGBM's `poisson_max_delta_step`: inflates the Poisson hessian so early steps stay small.
const POISSON_MAX_DELTA_STEP: f64 = 0.7;

/// Rows per parallel work item in per-row loops.
pub(crate) const ROW_CHUNK: usize = 16 * 1024;

impl Objective {
    /// The transform from raw score to prediction.
    pub(crate) fn transform(self) -> OutputTransform {
        match self {
            Self::Poisson | Self::Tweedie { .. } => OutputTransform::Exp,
            Self::L2 | Self::Quantile { .. } => OutputTransform::Identity,
        }
    }

    /// Reject targets the objective cannot fit (`what` names the data set in the message).
    pub(crate) fn check_targets(self, y: &[f64], what: &str) -> Result<()> {
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!("{what}: target at row {i} is {}, targets must be finite", y[i])));
        }
        if matches!(self, Self::Poisson | Self::Tweedie { .. }) {
            if let Some(i) = y.iter().position(|v| *v < 0.0) {
                return Err(Error::InvalidData(format!(
                    "{what}: target at row {i} is {}; Poisson and Tweedie objectives need targets >= 0",
                    y[i]
                )));
            }
        }
        Ok(())
    }

    /// The best constant raw score: mean (L2), log mean (Poisson, Tweedie), alpha-quantile.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when a log-link objective sees only zero targets.
    pub(crate) fn base_score(self, y: &[f64]) -> Result<f64> {
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        match self {
            Self::L2 => Ok(mean),
            Self::Poisson | Self::Tweedie { .. } => {
                if mean > 0.0 {
                    Ok(mean.ln())
                } else {
                    Err(Error::InvalidData(
                        "fit: every target is 0; Poisson and Tweedie objectives need a positive mean target".into(),
                    ))
                }
            }
            Self::Quantile { alpha } => Ok(quantile(&mut y.to_vec(), alpha)),
        }
    }

    /// Gradient and hessian of the loss at every row's raw score.
    pub(crate) fn gradients(self, y: &[f64], score: &[f64], out: &mut [GradPair]) {
        out.par_chunks_mut(ROW_CHUNK).zip(y.par_chunks(ROW_CHUNK).zip(score.par_chunks(ROW_CHUNK))).for_each(
            |(out, (y, score))| {
                for ((o, &y), &s) in out.iter_mut().zip(y).zip(score) {
                    let (g, h) = self.gradient(y, s);
                    *o = [g as f32, h as f32];
                }
            },
        );
    }

    #[inline]
    fn gradient(self, y: f64, s: f64) -> (f64, f64) {
        match self {
            Self::L2 => (s - y, 1.0),
            Self::Poisson => (s.exp() - y, (s + POISSON_MAX_DELTA_STEP).exp()),
            Self::Tweedie { variance_power: p } => {
                let a = ((1.0 - p) * s).exp();
                let b = ((2.0 - p) * s).exp();
                (-y * a + b, -y * (1.0 - p) * a + (2.0 - p) * b)
            }
            Self::Quantile { alpha } => (if s >= y { 1.0 - alpha } else { -alpha }, 1.0),
        }
    }

    /// Mean loss of raw scores against targets (the early-stopping metric): squared error,
    /// Poisson or Tweedie negative log-likelihood (up to constants), or pinball loss.
    pub(crate) fn loss(self, y: &[f64], score: &[f64]) -> f64 {
        let total: f64 = y
            .iter()
            .zip(score)
            .map(|(&y, &s)| match self {
                Self::L2 => (s - y) * (s - y),
                Self::Poisson => s.exp() - y * s,
                Self::Tweedie { variance_power: p } if p == 1.0 => s.exp() - y * s,
                Self::Tweedie { variance_power: p } => {
                    -y * ((1.0 - p) * s).exp() / (1.0 - p) + ((2.0 - p) * s).exp() / (2.0 - p)
                }
                Self::Quantile { alpha } => {
                    let d = y - s;
                    if d >= 0.0 { alpha * d } else { (alpha - 1.0) * d }
                }
            })
            .sum();
        total / y.len().max(1) as f64
    }
}

/// The `alpha`-quantile of `values` with linear interpolation between order statistics
/// (reorders `values`). NaN for an empty slice.
pub(crate) fn quantile(values: &mut [f64], alpha: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let pos = alpha * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    let (_, &mut v_lo, upper) = values.select_nth_unstable_by(lo, f64::total_cmp);
    if frac == 0.0 || upper.is_empty() {
        return v_lo;
    }
    let v_hi = upper.iter().copied().fold(f64::INFINITY, f64::min);
    v_lo + frac * (v_hi - v_lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_scores_are_the_optimal_constants() {
        let y = [1.0, 2.0, 3.0, 6.0];
        assert_eq!(Objective::L2.base_score(&y).unwrap(), 3.0);
        assert_eq!(Objective::Poisson.base_score(&y).unwrap(), 3.0f64.ln());
        assert_eq!(Objective::Quantile { alpha: 0.5 }.base_score(&y).unwrap(), 2.5);
        assert!(Objective::Poisson.base_score(&[0.0, 0.0]).is_err());
    }

    #[test]
    fn gradients_vanish_at_the_optimum() {
        for obj in [Objective::L2, Objective::Poisson, Objective::Tweedie { variance_power: 1.5 }] {
            let y = [2.0, 2.0];
            let s = obj.base_score(&y).unwrap();
            let mut g = [[9.0f32; 2]; 2];
            obj.gradients(&y, &[s, s], &mut g);
            assert!(g.iter().all(|g| g[0].abs() < 1e-6 && g[1] > 0.0), "{obj:?} {g:?}");
        }
    }

    #[test]
    fn negative_targets_rejected_for_log_link() {
        assert!(Objective::Poisson.check_targets(&[1.0, -1.0], "fit").is_err());
        assert!(Objective::L2.check_targets(&[1.0, -1.0], "fit").is_ok());
        assert!(Objective::L2.check_targets(&[f64::NAN], "fit").is_err());
    }
}
