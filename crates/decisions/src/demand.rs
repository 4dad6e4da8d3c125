//! Demand distributions: normal, Poisson, empirical (sample) and quantile-defined.
//!
//! Every inventory rule in this crate takes a [`DemandDistribution`], so the same newsvendor,
//! safety stock or (r, Q) code runs on a textbook normal, on Poisson counts, on simulated sample
//! paths, or on the quantiles a forecasting model produced.

use crate::error::{DecisionError, Result, finite, non_negative, positive};
use crate::special::{normal_cdf, normal_pdf, normal_quantile, poisson_cdf, poisson_quantile};
use serde::{Deserialize, Serialize};

/// A distribution of demand over some interval (one period, or a lead time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DemandDistribution {
    /// Normal with a mean and standard deviation (may put mass below zero).
    Normal {
        /// Mean demand.
        mean: f64,
        /// Standard deviation, > 0.
        sd: f64,
    },
    /// Poisson counts with a mean.
    Poisson {
        /// Mean demand, > 0.
        mean: f64,
    },
    /// Equally weighted samples (e.g. sums of simulated sample paths), sorted ascending.
    Empirical {
        /// The samples, sorted ascending.
        samples: Vec<f64>,
    },
    /// A piecewise-linear quantile function through `(levels[i], values[i])`, from level 0 to
    /// level 1: between knots demand is uniform, a repeated value is a point mass.
    Quantiles {
        /// Levels from 0 to 1, increasing.
        levels: Vec<f64>,
        /// Quantile at each level, non-decreasing.
        values: Vec<f64>,
    },
}

impl DemandDistribution {
    /// Normal demand.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] when `mean` is not finite or `sd` is not > 0.
    pub fn normal(mean: f64, sd: f64) -> Result<Self> {
        Ok(Self::Normal { mean: finite("demand_mean", mean)?, sd: positive("demand_sd", sd)? })
    }

    /// Poisson demand.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] when `mean` is not > 0.
    pub fn poisson(mean: f64) -> Result<Self> {
        Ok(Self::Poisson { mean: positive("demand_mean", mean)? })
    }

    /// Empirical demand from samples (sorted here).
    ///
    /// # Errors
    /// [`DecisionError::InsufficientData`] for no samples; [`DecisionError::InvalidParameter`]
    /// for a non-finite sample (naming its index).
    pub fn empirical(mut samples: Vec<f64>) -> Result<Self> {
        if samples.is_empty() {
            return Err(DecisionError::InsufficientData { what: "empirical demand".into(), needed: 1, got: 0 });
        }
        if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
            return Err(DecisionError::invalid(format!("samples[{i}]"), samples[i], "a finite number"));
        }
        samples.sort_by(f64::total_cmp);
        Ok(Self::Empirical { samples })
    }

    /// Demand from quantiles at `levels` strictly inside (0, 1), as a forecasting model gives them.
    ///
    /// Crossed quantiles are sorted (monotone rearrangement). Beyond the outermost levels the
    /// quantile function is extended linearly with the slope of its outer segments, and cut at
    /// `lower_bound` (0 for demand that cannot be negative; `None` leaves it unbounded).
    ///
    /// # Errors
    /// [`DecisionError::InsufficientData`] for fewer than two levels;
    /// [`DecisionError::LengthMismatch`] when `levels` and `values` differ in length;
    /// [`DecisionError::InvalidParameter`] for a level outside (0, 1), repeated levels or a
    /// non-finite value.
    pub fn from_quantiles(levels: &[f64], values: &[f64], lower_bound: Option<f64>) -> Result<Self> {
        if levels.len() != values.len() {
            return Err(DecisionError::LengthMismatch {
                what: "quantile values".into(),
                expected: levels.len(),
                got: values.len(),
            });
        }
        if levels.len() < 2 {
            return Err(DecisionError::InsufficientData {
                what: "a quantile distribution (levels)".into(),
                needed: 2,
                got: levels.len(),
            });
        }
        let mut pairs: Vec<(f64, f64)> = Vec::with_capacity(levels.len());
        for (i, (&a, &v)) in levels.iter().zip(values).enumerate() {
            if !(a > 0.0 && a < 1.0) {
                return Err(DecisionError::invalid(format!("levels[{i}]"), a, "a level in (0, 1)"));
            }
            finite(&format!("values[{i}]"), v)?;
            pairs.push((a, v));
        }
        pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
        if let Some(w) = pairs.windows(2).find(|w| w[1].0 - w[0].0 < 1e-12) {
            return Err(DecisionError::invalid("levels", w[1].0, "distinct levels"));
        }
        let mut vals: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        vals.sort_by(f64::total_cmp);
        let lv: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let m = lv.len();
        let slope_lo = (vals[1] - vals[0]) / (lv[1] - lv[0]);
        let slope_hi = (vals[m - 1] - vals[m - 2]) / (lv[m - 1] - lv[m - 2]);
        let mut q0 = vals[0] - lv[0] * slope_lo;
        let q1 = vals[m - 1] + (1.0 - lv[m - 1]) * slope_hi;
        let mut levels_out = vec![0.0];
        let mut values_out = Vec::with_capacity(m + 2);
        if let Some(lb) = lower_bound {
            for v in &mut vals {
                *v = v.max(lb);
            }
            q0 = q0.max(lb);
        }
        values_out.push(q0);
        levels_out.extend_from_slice(&lv);
        values_out.extend_from_slice(&vals);
        levels_out.push(1.0);
        values_out.push(q1.max(*values_out.last().unwrap_or(&q1)));
        Ok(Self::Quantiles { levels: levels_out, values: values_out })
    }

    /// True for distributions on the integers or on a finite set of points whose optimal stock
    /// levels are taken from the support (Poisson, empirical).
    pub fn is_discrete(&self) -> bool {
        matches!(self, Self::Poisson { .. } | Self::Empirical { .. })
    }

    /// Mean demand.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Normal { mean, .. } | Self::Poisson { mean } => *mean,
            Self::Empirical { samples } => samples.iter().sum::<f64>() / samples.len() as f64,
            Self::Quantiles { levels, values } => segments(levels, values).map(|(m, a, b)| m * 0.5 * (a + b)).sum(),
        }
    }

    /// Variance of demand.
    pub fn variance(&self) -> f64 {
        match self {
            Self::Normal { sd, .. } => sd * sd,
            Self::Poisson { mean } => *mean,
            Self::Empirical { samples } => {
                let mu = self.mean();
                samples.iter().map(|s| (s - mu) * (s - mu)).sum::<f64>() / samples.len() as f64
            }
            Self::Quantiles { levels, values } => {
                let mu = self.mean();
                let second: f64 = segments(levels, values).map(|(m, a, b)| m * (a * a + a * b + b * b) / 3.0).sum();
                (second - mu * mu).max(0.0)
            }
        }
    }

    /// Standard deviation of demand.
    pub fn sd(&self) -> f64 {
        self.variance().sqrt()
    }

    /// `P(D <= x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Self::Normal { mean, sd } => normal_cdf((x - mean) / sd),
            Self::Poisson { mean } => poisson_cdf(x.floor(), *mean),
            Self::Empirical { samples } => samples.partition_point(|s| *s <= x) as f64 / samples.len() as f64,
            Self::Quantiles { levels, values } => {
                let mut f = 0.0;
                for (m, a, b) in segments(levels, values) {
                    let point_mass = b - a <= 4.0 * f64::EPSILON * a.abs().max(1.0);
                    if x >= b || (point_mass && x >= a) {
                        f += m;
                    } else if x > a {
                        f += m * (x - a) / (b - a);
                    }
                }
                f.min(1.0)
            }
        }
    }

    /// The quantile at `alpha` in (0, 1): the smallest `x` with `P(D <= x) >= alpha` (for
    /// discrete distributions a support point).
    pub fn quantile(&self, alpha: f64) -> f64 {
        match self {
            Self::Normal { mean, sd } => mean + sd * normal_quantile(alpha),
            Self::Poisson { mean } => poisson_quantile(alpha, *mean),
            Self::Empirical { samples } => {
                let n = samples.len();
                let k = ((alpha * n as f64).ceil() as usize).clamp(1, n);
                samples[k - 1]
            }
            Self::Quantiles { levels, values } => {
                let i = levels.partition_point(|l| *l < alpha).clamp(1, levels.len() - 1);
                let (a0, a1, v0, v1) = (levels[i - 1], levels[i], values[i - 1], values[i]);
                v0 + (v1 - v0) * (alpha - a0) / (a1 - a0)
            }
        }
    }

    /// Loss `n(x) = E[(D - x)+]` (expected units short) and complementary loss
    /// `n_bar(x) = E[(x - D)+]` (expected units left over).
    pub fn loss(&self, x: f64) -> (f64, f64) {
        let n = match self {
            Self::Normal { mean, sd } => return crate::loss::normal_loss(x, *mean, *sd),
            Self::Poisson { mean } => {
                let k = x.floor();
                let tail_k1 = 1.0 - poisson_cdf(k - 1.0, *mean);
                let tail_k = 1.0 - poisson_cdf(k, *mean);
                mean * tail_k1 - x * tail_k
            }
            Self::Empirical { samples } => samples.iter().map(|s| (s - x).max(0.0)).sum::<f64>() / samples.len() as f64,
            Self::Quantiles { levels, values } => segments(levels, values)
                .map(|(m, a, b)| {
                    if x <= a {
                        m * (0.5 * (a + b) - x)
                    } else if x >= b {
                        0.0
                    } else {
                        m * (b - x) * (b - x) / (2.0 * (b - a))
                    }
                })
                .sum(),
        };
        (n, x - self.mean() + n)
    }

    /// Second-order loss `n2(x) = 0.5 E[((D - x)+)^2]` and its complement
    /// `n2_bar(x) = 0.5 E[((x - D)+)^2]`. `n2(a) - n2(b)` is the integral of `n` over `[a, b]`.
    pub fn second_loss(&self, x: f64) -> (f64, f64) {
        let n2 = match self {
            Self::Normal { mean, sd } => return crate::loss::normal_second_loss(x, *mean, *sd),
            Self::Poisson { mean } => {
                let k = x.floor();
                let t = |j: f64| 1.0 - poisson_cdf(j, *mean);
                let e_d2 = mean * mean * t(k - 2.0) + mean * t(k - 1.0);
                let e_d = mean * t(k - 1.0);
                0.5 * (e_d2 - 2.0 * x * e_d + x * x * t(k))
            }
            Self::Empirical { samples } => {
                0.5 * samples.iter().map(|s| (s - x).max(0.0).powi(2)).sum::<f64>() / samples.len() as f64
            }
            Self::Quantiles { levels, values } => segments(levels, values)
                .map(|(m, a, b)| {
                    if x >= b {
                        0.0
                    } else if x <= a {
                        m * 0.5 * ((b - x).powi(3) - (a - x).powi(3)) / (3.0 * (b - a))
                    } else {
                        m * 0.5 * (b - x).powi(3) / (3.0 * (b - a))
                    }
                })
                .sum(),
        };
        let mu = self.mean();
        (n2, 0.5 * ((x - mu) * (x - mu) + self.variance()) - n2)
    }

    /// Density at `x` for continuous distributions (normal, quantile-defined); `None` for
    /// discrete ones.
    pub fn pdf(&self, x: f64) -> Option<f64> {
        match self {
            Self::Normal { mean, sd } => Some(normal_pdf((x - mean) / sd) / sd),
            Self::Quantiles { levels, values } => {
                Some(segments(levels, values).filter(|(_, a, b)| x >= *a && x < *b).map(|(m, a, b)| m / (b - a)).sum())
            }
            _ => None,
        }
    }

    /// Scale demand by `factor >= 0` (e.g. one period's demand to a fraction of a period).
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] for a negative or non-finite factor, or for scaling a
    /// Poisson distribution by anything but an integer-preserving factor of 1.
    pub fn scaled(&self, factor: f64) -> Result<Self> {
        non_negative("factor", factor)?;
        Ok(match self {
            Self::Normal { mean, sd } => Self::Normal { mean: mean * factor, sd: sd * factor },
            Self::Poisson { .. } if (factor - 1.0).abs() > 0.0 => {
                return Err(DecisionError::invalid(
                    "factor",
                    factor,
                    "1 for Poisson demand (a scaled Poisson is not Poisson; sum periods instead)",
                ));
            }
            Self::Poisson { mean } => Self::Poisson { mean: *mean },
            Self::Empirical { samples } => Self::Empirical { samples: samples.iter().map(|s| s * factor).collect() },
            Self::Quantiles { levels, values } => {
                Self::Quantiles { levels: levels.clone(), values: values.iter().map(|v| v * factor).collect() }
            }
        })
    }

    /// The lowest and highest levels worth searching for a stock level: the 1e-12 and 1 - 1e-12
    /// quantiles (the support's ends for empirical and quantile demand).
    pub(crate) fn search_bounds(&self) -> (f64, f64) {
        match self {
            Self::Empirical { samples } => (samples[0], samples[samples.len() - 1]),
            Self::Quantiles { values, .. } => (values[0], values[values.len() - 1]),
            _ => (self.quantile(1e-12), self.quantile(1.0 - 1e-12)),
        }
    }
}

/// `(mass, lo, hi)` of each piece of a quantile-defined distribution; a point mass has lo == hi
/// and is reported as a tiny interval so that the uniform formulas stay finite.
fn segments<'a>(levels: &'a [f64], values: &'a [f64]) -> impl Iterator<Item = (f64, f64, f64)> + 'a {
    levels.windows(2).zip(values.windows(2)).map(|(l, v)| {
        let width = v[1] - v[0];
        let hi = if width > 0.0 { v[1] } else { v[0] + f64::EPSILON * v[0].abs().max(1.0) };
        (l[1] - l[0], v[0], hi)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_loss(d: &DemandDistribution, x: f64) -> f64 {
        // Quantile-function integral: E[(D - x)+] = int_0^1 (Q(u) - x)+ du.
        let n = 200_000;
        (0..n).map(|i| (d.quantile((i as f64 + 0.5) / n as f64) - x).max(0.0)).sum::<f64>() / n as f64
    }

    #[test]
    fn quantile_distribution_round_trips_its_knots() {
        let d = DemandDistribution::from_quantiles(&[0.1, 0.5, 0.9], &[4.0, 10.0, 18.0], Some(0.0)).unwrap();
        for (a, v) in [(0.1, 4.0), (0.5, 10.0), (0.9, 18.0)] {
            assert!((d.quantile(a) - v).abs() < 1e-12);
            assert!((d.cdf(v) - a).abs() < 1e-12);
        }
        // Lower tail: slope 15 per unit level, so q(0) = 4 - 1.5 = 2.5.
        assert!((d.quantile(0.0) - 2.5).abs() < 1e-12);
    }

    #[test]
    fn losses_agree_with_the_quantile_integral() {
        let dists = [
            DemandDistribution::from_quantiles(&[0.05, 0.5, 0.95], &[0.0, 3.0, 11.0], Some(0.0)).unwrap(),
            DemandDistribution::normal(20.0, 5.0).unwrap(),
            DemandDistribution::empirical(vec![3.0, 7.0, 1.0, 9.0, 4.0]).unwrap(),
            DemandDistribution::poisson(4.3).unwrap(),
        ];
        for d in &dists {
            for x in [0.5, 2.0, 4.0, 6.3, 15.0] {
                let (n, n_bar) = d.loss(x);
                let expect = numeric_loss(d, x);
                assert!((n - expect).abs() < 2e-4, "{d:?} x={x} n={n} numeric={expect}");
                assert!((n_bar - (x - d.mean() + n)).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn second_loss_differences_integrate_the_loss() {
        let dists = [
            DemandDistribution::from_quantiles(&[0.1, 0.5, 0.9], &[2.0, 3.0, 11.0], Some(0.0)).unwrap(),
            DemandDistribution::empirical(vec![3.0, 7.0, 1.0, 9.0, 4.0]).unwrap(),
            DemandDistribution::poisson(4.3).unwrap(),
        ];
        for d in &dists {
            let (a, b) = (1.3, 8.7);
            let steps = 100_000;
            let h = (b - a) / steps as f64;
            let numeric: f64 = (0..steps).map(|i| d.loss(a + (i as f64 + 0.5) * h).0 * h).sum();
            let closed = d.second_loss(a).0 - d.second_loss(b).0;
            assert!((closed - numeric).abs() < 1e-6, "{d:?}: {closed} vs {numeric}");
            let numeric_bar: f64 = (0..steps).map(|i| d.loss(a + (i as f64 + 0.5) * h).1 * h).sum();
            let closed_bar = d.second_loss(b).1 - d.second_loss(a).1;
            assert!((closed_bar - numeric_bar).abs() < 1e-6, "{d:?}: {closed_bar} vs {numeric_bar}");
        }
    }

    #[test]
    fn zero_inflated_quantiles_put_mass_at_zero() {
        // 30% of days sell nothing: the 0.1 and 0.3 quantiles are both 0.
        let d = DemandDistribution::from_quantiles(&[0.1, 0.3, 0.6, 0.9], &[0.0, 0.0, 2.0, 6.0], Some(0.0)).unwrap();
        assert!((d.cdf(0.0) - 0.3).abs() < 1e-12);
        assert_eq!(d.quantile(0.2), 0.0);
        assert!(d.quantile(0.31) > 0.0);
    }

    #[test]
    fn empirical_quantile_is_inverse_cdf() {
        let d = DemandDistribution::empirical(vec![5.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(d.quantile(0.25), 1.0);
        assert_eq!(d.quantile(0.26), 2.0);
        assert_eq!(d.quantile(0.99), 5.0);
        assert_eq!(d.cdf(2.5), 0.5);
    }

    #[test]
    fn bad_inputs_name_the_parameter() {
        let e = DemandDistribution::from_quantiles(&[0.1, 1.2], &[1.0, 2.0], None).unwrap_err();
        assert_eq!(e.parameter(), Some("levels[1]"));
        let e = DemandDistribution::normal(1.0, 0.0).unwrap_err();
        assert_eq!(e.parameter(), Some("demand_sd"));
    }
}
