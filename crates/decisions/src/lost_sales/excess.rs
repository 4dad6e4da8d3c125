//! Demand above a censoring point: the distribution of `D - c` given `D >= c`, under the
//! forecast's predictive distribution of a censored period.

use crate::demand::DemandDistribution;
use crate::special::ln_gamma;

/// Terms of a count distribution summed before giving up (a mean of millions per period).
const MAX_TERMS: usize = 2_000_000;

/// `D - c` given `D >= c`, ready for its mean and for sampling.
#[derive(Debug, Clone)]
pub(crate) enum Excess {
    /// Counts `c0, c0 + 1, ...` (with `c0 = ceil(c)`) with cumulative conditional probabilities.
    Counts { censor: f64, first: f64, cumulative: Vec<f64>, mean: f64, p_reached: f64 },
    /// A continuous distribution from the forecast's quantiles.
    Band { censor: f64, dist: DemandDistribution, below: f64, mean: f64 },
    /// The model puts no mass at or above `c`: demand is taken to be the sales.
    None,
}

impl Excess {
    /// Negative binomial counts with `mean` and dispersion `k` (variance `mean + mean^2 / k`;
    /// `k = inf` is Poisson), censored at `censor`.
    pub(crate) fn counts(mean: f64, k: f64, censor: f64) -> Self {
        if !(mean > 0.0 && mean.is_finite()) {
            return Self::None;
        }
        let first = (censor - 1e-9).ceil().max(0.0);
        let poisson = !k.is_finite();
        let q = if poisson { 0.0 } else { mean / (k + mean) };
        // Weights relative to P(D = first): the tail far above the mean stays representable.
        let ln_first = if poisson {
            first * mean.ln() - mean - ln_gamma(first + 1.0)
        } else {
            ln_gamma(first + k) - ln_gamma(k) - ln_gamma(first + 1.0) + k * (k / (k + mean)).ln() + first * q.ln()
        };
        let mut cumulative = Vec::new();
        let (mut w, mut total, mut weighted) = (1.0f64, 0.0f64, 0.0f64);
        let mut d = first;
        for _ in 0..MAX_TERMS {
            total += w;
            weighted += w * d;
            cumulative.push(total);
            let ratio = if poisson { mean / (d + 1.0) } else { (d + k) / (d + 1.0) * q };
            w *= ratio;
            d += 1.0;
            if (d > mean && w < 1e-13 * total) || w == 0.0 || !w.is_finite() {
                break;
            }
        }
        if !(total.is_finite() && total > 0.0) {
            return Self::None;
        }
        for c in &mut cumulative {
            *c /= total;
        }
        let p_reached = (ln_first + total.ln()).exp().min(1.0);
        Self::Counts { censor, first, cumulative, mean: weighted / total - censor, p_reached }
    }

    /// A continuous predictive distribution (e.g. from the forecast's quantile band).
    pub(crate) fn band(dist: DemandDistribution, censor: f64) -> Self {
        let below = dist.cdf(censor);
        let above = 1.0 - below;
        if above <= 1e-12 {
            return Self::None;
        }
        let mean = dist.loss(censor).0 / above;
        Self::Band { censor, dist, below, mean }
    }

    /// `E[D - c | D >= c]`.
    pub(crate) fn mean(&self) -> f64 {
        match self {
            Self::Counts { mean, .. } | Self::Band { mean, .. } => mean.max(0.0),
            Self::None => 0.0,
        }
    }

    /// `P(D >= c)` under the model (1 when there is no model mass to speak of).
    pub(crate) fn p_reached(&self) -> f64 {
        match self {
            Self::Counts { p_reached, .. } => *p_reached,
            Self::Band { below, .. } => 1.0 - below,
            Self::None => 0.0,
        }
    }

    /// The conditional quantile of `D - c` at `u` in (0, 1).
    pub(crate) fn sample(&self, u: f64) -> f64 {
        match self {
            Self::Counts { censor, first, cumulative, .. } => {
                let i = cumulative.partition_point(|&c| c < u).min(cumulative.len().saturating_sub(1));
                (first + i as f64 - censor).max(0.0)
            }
            Self::Band { censor, dist, below, .. } => {
                let level = (below + u * (1.0 - below)).clamp(1e-12, 1.0 - 1e-12);
                (dist.quantile(level) - censor).max(0.0)
            }
            Self::None => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb_pmf(d: f64, mean: f64, k: f64) -> f64 {
        (ln_gamma(d + k) - ln_gamma(k) - ln_gamma(d + 1.0) + k * (k / (k + mean)).ln() + d * (mean / (k + mean)).ln())
            .exp()
    }

    #[test]
    fn conditional_mean_matches_direct_summation() {
        for (mean, k, c) in [(10.0, 5.0, 3.0), (10.0, 5.0, 14.0), (2.5, 0.8, 1.0), (40.0, f64::INFINITY, 30.0)] {
            let e = Excess::counts(mean, k, c);
            let pmf = |d: f64| if k.is_finite() { nb_pmf(d, mean, k) } else { crate::special::poisson_pmf(d, mean) };
            let (mut p, mut m) = (0.0, 0.0);
            for d in (c as usize)..5000 {
                p += pmf(d as f64);
                m += pmf(d as f64) * (d as f64 - c);
            }
            assert!((e.mean() - m / p).abs() < 1e-9, "{mean} {k} {c}: {} vs {}", e.mean(), m / p);
            assert!((e.p_reached() - p).abs() < 1e-9);
            // Sampling through the quantile function reproduces the mean.
            let n = 20_000;
            let mc = (0..n).map(|i| e.sample((i as f64 + 0.5) / n as f64)).sum::<f64>() / n as f64;
            assert!((mc - e.mean()).abs() < 1e-2 * e.mean().max(1.0), "{mc} vs {}", e.mean());
        }
    }

    #[test]
    fn censoring_far_below_the_mean_adds_almost_the_whole_mean() {
        let e = Excess::counts(20.0, 8.0, 2.0);
        assert!((e.mean() - 18.0).abs() < 0.01, "{}", e.mean());
        assert!(e.p_reached() > 0.999);
        assert_eq!(Excess::counts(0.0, 8.0, 2.0).mean(), 0.0);
    }

    #[test]
    fn band_excess_is_the_loss_over_the_tail() {
        let d = DemandDistribution::from_quantiles(&[0.1, 0.5, 0.9], &[4.0, 10.0, 18.0], Some(0.0)).unwrap();
        let e = Excess::band(d.clone(), 10.0);
        assert!((e.mean() - d.loss(10.0).0 / 0.5).abs() < 1e-12);
        assert!((e.sample(0.0) - 0.0).abs() < 1e-6);
        assert!((e.sample(0.8) - 8.0).abs() < 1e-9, "the conditional 0.8 quantile is the 0.9 quantile");
    }
}
