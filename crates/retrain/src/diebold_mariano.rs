//! The Diebold-Mariano test of equal predictive accuracy, with the Harvey, Leybourne and
//! Newbold (1997) small-sample correction and Student-t p-values, on per-period loss
//! differences (champion minus challenger).

use crate::error::{Result, invalid};
use serde::{Deserialize, Serialize};

/// Which alternative the p-value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alternative {
    /// The two forecasts differ in accuracy.
    TwoSided,
    /// The second forecast (the challenger) is more accurate: mean loss difference > 0.
    Greater,
}

/// The result of a Diebold-Mariano test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DmTest {
    /// The (corrected) statistic: mean loss difference over its long-run standard error.
    pub statistic: f64,
    /// The p-value from Student's t with `n - 1` degrees of freedom.
    pub p_value: f64,
    /// Mean loss difference (positive: the second forecast has smaller loss).
    pub mean_difference: f64,
    /// Number of periods.
    pub n: usize,
    /// Forecast horizon (autocovariance lags `0..h` enter the variance).
    pub horizon: usize,
}

/// Diebold-Mariano test on loss differences `d[t] = loss_1[t] - loss_2[t]` for `horizon`-step
/// forecasts, with the Harvey-Leybourne-Newbold correction
/// `sqrt((n + 1 - 2h + h(h - 1) / n) / n)` and a t(n - 1) p-value. The long-run variance is
/// `gamma_0 + 2 sum_{k=1}^{h-1} gamma_k`, autocovariances with divisor `n`.
///
/// # Errors
/// [`crate::RetrainError::InvalidParam`] for fewer than 3 differences, a non-finite value, a
/// horizon of 0 or not below `n`, or a non-positive variance (identical losses).
pub fn diebold_mariano(d: &[f64], horizon: usize, alternative: Alternative) -> Result<DmTest> {
    let n = d.len();
    if n < 3 {
        return Err(invalid("loss differences", n, "at least 3 periods"));
    }
    if let Some(i) = d.iter().position(|v| !v.is_finite()) {
        return Err(invalid("loss difference", format!("{} at period {i}", d[i]), "finite values"));
    }
    if horizon == 0 || horizon >= n {
        return Err(invalid("horizon", horizon, "1 to n - 1"));
    }
    let nf = n as f64;
    let mean = d.iter().sum::<f64>() / nf;
    let gamma = |k: usize| (k..n).map(|t| (d[t] - mean) * (d[t - k] - mean)).sum::<f64>() / nf;
    let variance = (gamma(0) + 2.0 * (1..horizon).map(gamma).sum::<f64>()) / nf;
    if variance.is_nan() || variance <= 0.0 {
        return Err(invalid("loss differences", format!("long-run variance {variance}"), "differences that vary"));
    }
    let h = horizon as f64;
    let correction = ((nf + 1.0 - 2.0 * h + h * (h - 1.0) / nf) / nf).sqrt();
    let statistic = mean / variance.sqrt() * correction;
    let df = nf - 1.0;
    let p_value = match alternative {
        Alternative::TwoSided => 2.0 * student_t_cdf(-statistic.abs(), df),
        Alternative::Greater => student_t_cdf(-statistic, df),
    };
    Ok(DmTest { statistic, p_value, mean_difference: mean, n, horizon })
}

pub use forecast_core::special::student_t_cdf;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_cdf_known_values() {
        // t(1) is Cauchy: F(1) = 0.75; t(2): F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
        assert!((student_t_cdf(1.0, 1.0) - 0.75).abs() < 1e-14);
        let t: f64 = 1.7;
        assert!((student_t_cdf(t, 2.0) - (0.5 + t / (2.0 * (2.0 + t * t).sqrt()))).abs() < 1e-14);
        assert!((student_t_cdf(0.0, 7.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_rejected() {
        assert!(diebold_mariano(&[1.0, 2.0], 1, Alternative::TwoSided).is_err());
        assert!(diebold_mariano(&[1.0, 1.0, 1.0], 1, Alternative::TwoSided).is_err());
        assert!(diebold_mariano(&[1.0, f64::NAN, 1.0], 1, Alternative::TwoSided).is_err());
        assert!(diebold_mariano(&[1.0, 2.0, 3.0], 3, Alternative::TwoSided).is_err());
    }
}
