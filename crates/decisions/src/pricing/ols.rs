//! Ordinary least squares by Householder QR, with the classical covariance of the estimates.

use crate::error::{DecisionError, Result};

/// A least-squares fit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OlsFit {
    pub(crate) coefficients: Vec<f64>,
    pub(crate) std_errors: Vec<f64>,
    pub(crate) residual_variance: f64,
    pub(crate) r_squared: f64,
    pub(crate) df: usize,
}

/// Fit `y ~ X` where `x` is row-major `n x p` (include a column of ones for an intercept).
pub(crate) fn ols(x: &[f64], y: &[f64], p: usize) -> Result<OlsFit> {
    let n = y.len();
    if n <= p {
        return Err(DecisionError::InsufficientData {
            what: "the regression (observations beyond parameters)".into(),
            needed: p + 1,
            got: n,
        });
    }
    // Column-major copy for Householder reflections.
    let mut a: Vec<Vec<f64>> = (0..p).map(|j| (0..n).map(|i| x[i * p + j]).collect()).collect();
    let mut qty = y.to_vec();
    let mut r = vec![vec![0.0; p]; p];
    for k in 0..p {
        let norm = a[k][k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        let scale = a[k][k..].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if norm <= 1e-12 * scale.max(1.0) * (n as f64).sqrt() || norm == 0.0 {
            return Err(DecisionError::NoSolution {
                what: "the regression".into(),
                reason: format!("column {k} is (nearly) a combination of the others; drop a control or vary prices"),
            });
        }
        let alpha = if a[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[k][k..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|t| t * t).sum();
        for col in a.iter_mut().skip(k) {
            let dot: f64 = col[k..].iter().zip(&v).map(|(c, vi)| c * vi).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, vi) in col[k..].iter_mut().zip(&v) {
                *c -= f * vi;
            }
        }
        let dot: f64 = qty[k..].iter().zip(&v).map(|(c, vi)| c * vi).sum();
        let f = 2.0 * dot / vnorm2;
        for (c, vi) in qty[k..].iter_mut().zip(&v) {
            *c -= f * vi;
        }
        for (j, col) in a.iter().enumerate().skip(k) {
            r[k][j] = col[k];
        }
    }
    let mut beta = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|j| r[i][j] * beta[j]).sum();
        beta[i] = (qty[i] - s) / r[i][i];
    }
    let rss: f64 = qty[p..].iter().map(|v| v * v).sum();
    let df = n - p;
    let sigma2 = rss / df as f64;
    // (X'X)^-1 = R^-1 R^-T: invert the upper-triangular R.
    let mut rinv = vec![vec![0.0; p]; p];
    for i in 0..p {
        rinv[i][i] = 1.0 / r[i][i];
        for j in (0..i).rev() {
            let s: f64 = (j + 1..=i).map(|k| r[j][k] * rinv[k][i]).sum();
            rinv[j][i] = -s / r[j][j];
        }
    }
    let std_errors = (0..p).map(|i| (sigma2 * (i..p).map(|k| rinv[i][k] * rinv[i][k]).sum::<f64>()).sqrt()).collect();
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let tss: f64 = y.iter().map(|v| (v - mean_y).powi(2)).sum();
    Ok(OlsFit {
        coefficients: beta,
        std_errors,
        residual_variance: sigma2,
        r_squared: if tss > 0.0 { 1.0 - rss / tss } else { 1.0 },
        df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_line() {
        let x: Vec<f64> = (0..5).flat_map(|i| [1.0, i as f64]).collect();
        let y: Vec<f64> = (0..5).map(|i| 3.0 - 2.0 * i as f64).collect();
        let fit = ols(&x, &y, 2).unwrap();
        assert!((fit.coefficients[0] - 3.0).abs() < 1e-12 && (fit.coefficients[1] + 2.0).abs() < 1e-12);
        assert!(fit.std_errors.iter().all(|s| *s < 1e-6));
    }

    #[test]
    fn collinear_columns_are_an_error() {
        let x: Vec<f64> = (0..5).flat_map(|i| [1.0, i as f64, 2.0 * i as f64]).collect();
        assert!(ols(&x, &[1.0, 2.0, 3.0, 4.0, 6.0], 3).is_err());
    }
}
