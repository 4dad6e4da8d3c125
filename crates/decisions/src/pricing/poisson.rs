//! Poisson regression with an offset by Newton's method (IRLS), with Fisher and sandwich
//! standard errors.

use crate::error::{DecisionError, Result};

/// A Poisson fit `E[y] = exp(offset + X b)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PoissonFit {
    pub(crate) coefficients: Vec<f64>,
    /// From the inverse Fisher information `(X' W X)^-1`, `W = diag(mu)`.
    pub(crate) fisher_std_errors: Vec<f64>,
    /// From `H^-1 (X' diag((y - mu)^2) X) H^-1 n / (n - p)`: robust to over-dispersion.
    pub(crate) sandwich_std_errors: Vec<f64>,
    /// Cluster-robust sandwich errors when clusters were given: the meat sums each
    /// cluster's score `sum_i x_i (y_i - mu_i)` before squaring, so errors correlated within a
    /// cluster (one baseline window, one promotion shared by the stores) are not taken as
    /// independent; corrected by `G / (G - 1) (n - 1) / (n - p)`.
    pub(crate) cluster_std_errors: Option<Vec<f64>>,
    /// Number of distinct clusters (0 without clusters).
    pub(crate) clusters: usize,
    /// Pearson `sum (y - mu)^2 / mu / (n - p)`.
    pub(crate) dispersion: f64,
}

/// Solve `a z = b` for a symmetric positive definite `a` (`p x p`, row-major) by Cholesky;
/// `None` when `a` is not positive definite (collinear columns).
fn cholesky_solve(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = a[i * p + j] - (0..j).map(|k| l[i * p + k] * l[j * p + k]).sum::<f64>();
            if i == j {
                if s <= 1e-12 * a[i * p + i].abs().max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    let mut z = b.to_vec();
    for i in 0..p {
        z[i] = (z[i] - (0..i).map(|k| l[i * p + k] * z[k]).sum::<f64>()) / l[i * p + i];
    }
    for i in (0..p).rev() {
        z[i] = (z[i] - (i + 1..p).map(|k| l[k * p + i] * z[k]).sum::<f64>()) / l[i * p + i];
    }
    Some(z)
}

fn log_likelihood(x: &[f64], y: &[f64], offset: &[f64], b: &[f64], p: usize) -> f64 {
    y.iter()
        .enumerate()
        .map(|(i, &yi)| {
            let eta = offset[i] + (0..p).map(|j| x[i * p + j] * b[j]).sum::<f64>();
            yi * eta - eta.exp()
        })
        .sum()
}

/// Fit `E[y] = exp(offset + X b)` where `x` is row-major `n x p` (include a column of ones
/// for an intercept), `y >= 0`; `clusters` (one id per row) adds cluster-robust errors.
pub(crate) fn poisson_regression(
    x: &[f64],
    y: &[f64],
    offset: &[f64],
    p: usize,
    clusters: Option<&[usize]>,
) -> Result<PoissonFit> {
    let n = y.len();
    let collinear = || DecisionError::NoSolution {
        what: "the Poisson regression".into(),
        reason: "its columns are (nearly) collinear or a column is constant; drop a control or vary prices".into(),
    };
    let mut b = vec![0.0; p];
    // Start at the intercept matching the total when the first column is ones.
    let (sy, so) = (y.iter().sum::<f64>(), offset.iter().map(|o| o.exp()).sum::<f64>());
    if sy > 0.0 && so > 0.0 && (0..n).all(|i| x[i * p] == 1.0) {
        b[0] = (sy / so).ln();
    }
    let mut ll = log_likelihood(x, y, offset, &b, p);
    let (mut hessian, mut mu) = (vec![0.0; p * p], vec![0.0; n]);
    for _ in 0..100 {
        let mut score = vec![0.0; p];
        hessian.fill(0.0);
        for i in 0..n {
            let row = &x[i * p..(i + 1) * p];
            mu[i] = (offset[i] + row.iter().zip(&b).map(|(a, c)| a * c).sum::<f64>()).exp();
            for j in 0..p {
                score[j] += row[j] * (y[i] - mu[i]);
                for k in 0..=j {
                    hessian[j * p + k] += mu[i] * row[j] * row[k];
                }
            }
        }
        for j in 0..p {
            for k in 0..j {
                hessian[k * p + j] = hessian[j * p + k];
            }
        }
        let step = cholesky_solve(&hessian, &score, p).ok_or_else(collinear)?;
        // Step halving keeps the likelihood rising from a poor start.
        let mut scale = 1.0;
        let mut next: Vec<f64> = b.iter().zip(&step).map(|(a, s)| a + s).collect();
        let mut next_ll = log_likelihood(x, y, offset, &next, p);
        while !(next_ll.is_finite() && next_ll >= ll - 1e-12 * ll.abs()) && scale > 1e-6 {
            scale /= 2.0;
            next = b.iter().zip(&step).map(|(a, s)| a + scale * s).collect();
            next_ll = log_likelihood(x, y, offset, &next, p);
        }
        let moved = step.iter().map(|s| (scale * s).abs()).fold(0.0, f64::max);
        b = next;
        ll = next_ll;
        if moved < 1e-10 {
            break;
        }
    }
    if !b.iter().all(|v| v.is_finite()) {
        return Err(collinear());
    }
    // Information, meat and dispersion at the solution.
    hessian.fill(0.0);
    let mut meat = vec![0.0; p * p];
    let mut pearson = 0.0;
    let n_clusters = clusters.map_or(0, |c| c.iter().max().map_or(0, |m| m + 1));
    let (mut cluster_scores, mut seen) = (vec![0.0; n_clusters * p], vec![false; n_clusters]);
    for i in 0..n {
        let row = &x[i * p..(i + 1) * p];
        let m = (offset[i] + row.iter().zip(&b).map(|(a, c)| a * c).sum::<f64>()).exp();
        let r2 = (y[i] - m).powi(2);
        pearson += r2 / m;
        if let Some(&g) = clusters.and_then(|c| c.get(i)) {
            seen[g] = true;
            for j in 0..p {
                cluster_scores[g * p + j] += row[j] * (y[i] - m);
            }
        }
        for j in 0..p {
            for k in 0..p {
                hessian[j * p + k] += m * row[j] * row[k];
                meat[j * p + k] += r2 * row[j] * row[k];
            }
        }
    }
    let mut inverse = vec![0.0; p * p];
    for j in 0..p {
        let e: Vec<f64> = (0..p).map(|k| f64::from(u8::from(j == k))).collect();
        let col = cholesky_solve(&hessian, &e, p).ok_or_else(collinear)?;
        for k in 0..p {
            inverse[k * p + j] = col[k];
        }
    }
    let df = n.saturating_sub(p).max(1) as f64;
    let sandwich = |meat: &[f64], j: usize| -> f64 {
        let mut v = 0.0;
        for a in 0..p {
            for c in 0..p {
                v += inverse[j * p + a] * meat[a * p + c] * inverse[c * p + j];
            }
        }
        v
    };
    let used: Vec<&[f64]> = cluster_scores.chunks(p.max(1)).zip(&seen).filter(|(_, s)| **s).map(|(c, _)| c).collect();
    let cluster_std_errors = (used.len() >= 2).then(|| {
        let mut cluster_meat = vec![0.0; p * p];
        for s in &used {
            for j in 0..p {
                for k in 0..p {
                    cluster_meat[j * p + k] += s[j] * s[k];
                }
            }
        }
        let g = used.len() as f64;
        let correction = g / (g - 1.0) * (n as f64 - 1.0) / df;
        (0..p).map(|j| (sandwich(&cluster_meat, j) * correction).sqrt()).collect()
    });
    Ok(PoissonFit {
        fisher_std_errors: (0..p).map(|j| inverse[j * p + j].sqrt()).collect(),
        sandwich_std_errors: (0..p).map(|j| (sandwich(&meat, j) * n as f64 / df).sqrt()).collect(),
        cluster_std_errors,
        clusters: used.len(),
        coefficients: b,
        dispersion: pearson / df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_means_and_an_offset() {
        // y = exp(offset + 0.5 - 2 x) exactly: the fit is exact and the residual errors vanish.
        let xs: Vec<f64> = (0..30).map(|i| f64::from(i) / 30.0).collect();
        let offset: Vec<f64> = (0..30).map(|i| (f64::from(i % 5) + 1.0).ln()).collect();
        let x: Vec<f64> = xs.iter().flat_map(|&v| [1.0, v]).collect();
        let y: Vec<f64> = xs.iter().zip(&offset).map(|(v, o)| (o + 0.5 - 2.0 * v).exp()).collect();
        let fit = poisson_regression(&x, &y, &offset, 2, None).unwrap();
        assert!((fit.coefficients[0] - 0.5).abs() < 1e-9 && (fit.coefficients[1] + 2.0).abs() < 1e-9);
        assert!(fit.sandwich_std_errors[1] < 1e-6 && fit.fisher_std_errors[1] > 0.1);
        assert!(fit.dispersion < 1e-12);
    }

    #[test]
    fn clusters_of_copies_count_once() {
        // Every row four times, clustered by the original row: the per-row sandwich takes the
        // copies as independent (half the error), the cluster-robust one does not.
        let xs: Vec<f64> = (0..40).map(|i| f64::from(i % 10) / 10.0).collect();
        let y: Vec<f64> = (0..40).map(|i| f64::from((i * 7) % 5 + 1)).collect();
        let rows = |k: usize| -> (Vec<f64>, Vec<f64>, Vec<usize>) {
            let idx: Vec<usize> = (0..40).flat_map(|i| std::iter::repeat_n(i, k)).collect();
            (idx.iter().flat_map(|&i| [1.0, xs[i]]).collect(), idx.iter().map(|&i| y[i]).collect(), idx)
        };
        let (x1, y1, c1) = rows(1);
        let one = poisson_regression(&x1, &y1, &[0.0; 40], 2, Some(&c1)).unwrap();
        let (x4, y4, c4) = rows(4);
        let four = poisson_regression(&x4, &y4, &[0.0; 160], 2, Some(&c4)).unwrap();
        assert_eq!((one.clusters, four.clusters), (40, 40));
        assert!((one.coefficients[1] - four.coefficients[1]).abs() < 1e-9);
        let cluster = four.cluster_std_errors.as_ref().unwrap()[1];
        let ratio = cluster / four.sandwich_std_errors[1];
        assert!((ratio - 2.0).abs() < 0.1, "{ratio}");
        assert!(
            (cluster / one.sandwich_std_errors[1] - 1.0).abs() < 0.05,
            "{cluster} vs {}",
            one.sandwich_std_errors[1]
        );
        assert!(poisson_regression(&x1, &y1, &[0.0; 40], 2, None).unwrap().cluster_std_errors.is_none());
    }

    #[test]
    fn a_constant_column_is_an_error() {
        let x: Vec<f64> = (0..10).flat_map(|_| [1.0, 2.0]).collect();
        let y = vec![1.0; 10];
        assert!(poisson_regression(&x, &y, &[0.0; 10], 2, None).is_err());
    }
}
