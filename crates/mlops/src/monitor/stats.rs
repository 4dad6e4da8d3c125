//! Two-sample statistics behind the drift tests, written to match scipy and numpy.
//!
//! Every function takes plain slices without NaN (the drift layer drops missing values first).

pub use super::ks::{KS_EXACT_MAX_N, KsMethod, KsTest, kolmogorov_sf, ks_2samp};
use crate::error::{MlopsError, Result};
pub use forecast_core::data::ln_gamma;

pub(crate) fn non_empty(what: &str, a: &[f64], b: &[f64]) -> Result<()> {
    if a.is_empty() || b.is_empty() {
        return Err(MlopsError::InvalidInput(format!(
            "{what} needs two non-empty samples, got {} and {} values",
            a.len(),
            b.len()
        )));
    }
    Ok(())
}

pub(crate) fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 || a <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series for P(a, x).
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        return 1.0 - sum * log_prefix.exp();
    }
    // Continued fraction for Q(a, x) (modified Lentz).
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    log_prefix.exp() * h
}

/// P(X > x) for a chi-square variable with `dof` degrees of freedom (scipy's `chi2.sf`).
pub fn chi2_sf(x: f64, dof: f64) -> f64 {
    gamma_q(dof / 2.0, x / 2.0)
}

/// Pearson's chi-square test of observed against expected counts, as
/// `scipy.stats.chisquare(observed, expected)`: returns (statistic, p-value) with k - 1
/// degrees of freedom.
///
/// # Errors
/// [`MlopsError::InvalidInput`] for mismatched lengths or fewer than two categories.
pub fn chisquare(observed: &[f64], expected: &[f64]) -> Result<(f64, f64)> {
    if observed.len() != expected.len() || observed.len() < 2 {
        return Err(MlopsError::InvalidInput(format!(
            "chisquare needs matching observed and expected counts over at least 2 categories, got {} and {}",
            observed.len(),
            expected.len()
        )));
    }
    let stat: f64 = observed.iter().zip(expected).map(|(o, e)| (o - e) * (o - e) / e).sum();
    Ok((stat, chi2_sf(stat, (observed.len() - 1) as f64)))
}

/// Two-sided p-value of a standard normal statistic: 2 (1 - Φ(|z|)).
pub fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    // 2 (1 - Φ(|z|)) = erfc(|z| / √2) = Q(1/2, z² / 2).
    gamma_q(0.5, z * z / 2.0)
}

/// `scipy.stats.wasserstein_distance(u, v)`: the area between the two empirical CDFs.
///
/// # Errors
/// [`MlopsError::InvalidInput`] when a sample is empty.
pub fn wasserstein_distance(u: &[f64], v: &[f64]) -> Result<f64> {
    non_empty("wasserstein_distance", u, v)?;
    let (u, v) = (sorted(u), sorted(v));
    let all = sorted(&[u.as_slice(), v.as_slice()].concat());
    let (mut iu, mut iv) = (0, 0);
    let mut total = 0.0;
    for w in all.windows(2) {
        while iu < u.len() && u[iu] <= w[0] {
            iu += 1;
        }
        while iv < v.len() && v[iv] <= w[0] {
            iv += 1;
        }
        let gap = (iu as f64 / u.len() as f64 - iv as f64 / v.len() as f64).abs();
        total += gap * (w[1] - w[0]);
    }
    Ok(total)
}

/// Population standard deviation (numpy's `std` with `ddof=0`).
pub fn std_population(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
}

/// `scipy.spatial.distance.jensenshannon(p, q)` with the natural logarithm: both inputs are
/// normalised to sum to one first.
///
/// # Errors
/// [`MlopsError::InvalidInput`] for mismatched lengths or a zero or negative total.
pub fn jensen_shannon(p: &[f64], q: &[f64]) -> Result<f64> {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    if p.len() != q.len() || sp <= 0.0 || sq <= 0.0 {
        return Err(MlopsError::InvalidInput(format!(
            "jensen_shannon needs two distributions of equal length with positive totals, got lengths {} and {}",
            p.len(),
            q.len()
        )));
    }
    let rel_entr = |x: f64, y: f64| {
        if x > 0.0 && y > 0.0 {
            x * (x / y).ln()
        } else if x == 0.0 && y >= 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    };
    let (mut left, mut right) = (0.0, 0.0);
    for (a, b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    Ok(((left + right) / 2.0).sqrt())
}

/// numpy's default (`linear`) quantile of sorted data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let t = h - lo as f64;
    match sorted.get(lo + 1) {
        Some(&b) => {
            let a = sorted[lo];
            // numpy's _lerp: switch the anchor at t >= 0.5 for accuracy.
            if t >= 0.5 { b - (b - a) * (1.0 - t) } else { a + (b - a) * t }
        }
        None => sorted[lo],
    }
}

/// Replace zero shares as Evidently's `get_binned_data` does: by min/1e6 when the smallest
/// non-zero share is at most 1e-4, else by 1e-4.
pub(crate) fn fill_zeroes(shares: &mut [f64]) {
    let min = shares.iter().copied().filter(|s| *s != 0.0).fold(f64::INFINITY, f64::min);
    let fill = if min <= 1e-4 { min / 1e6 } else { 1e-4 };
    for s in shares.iter_mut().filter(|s| **s == 0.0) {
        *s = fill;
    }
}

/// Population stability index over `bins` quantile bins of the reference.
///
/// Interior edges are the reference's `i / bins` quantiles (numpy `linear`), duplicates
/// merged; a value v falls in the bin of the number of edges `<= v`. Empty shares are filled
/// as Evidently does, then PSI = Σ (ref - cur) ln(ref / cur).
///
/// # Errors
/// [`MlopsError::InvalidInput`] for an empty sample or fewer than 2 bins.
pub fn psi(reference: &[f64], current: &[f64], bins: usize) -> Result<f64> {
    non_empty("psi", reference, current)?;
    if bins < 2 {
        return Err(MlopsError::InvalidInput(format!("psi needs at least 2 bins, got {bins}")));
    }
    let r = sorted(reference);
    let mut edges: Vec<f64> = (1..bins).map(|i| quantile_sorted(&r, i as f64 / bins as f64)).collect();
    edges.dedup();
    let shares = |x: &[f64]| {
        let mut counts = vec![0.0; edges.len() + 1];
        for v in x {
            counts[edges.partition_point(|e| e <= v)] += 1.0;
        }
        let mut s: Vec<f64> = counts.iter().map(|c| c / x.len() as f64).collect();
        fill_zeroes(&mut s);
        s
    };
    let (rs, cs) = (shares(reference), shares(current));
    Ok(rs.iter().zip(&cs).map(|(r, c)| (r - c) * (r / c).ln()).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_functions_match_known_values() {
        // Γ(0.5) = √π, Γ(5) = 24.
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
        // Q(1, x) = e^{-x}; chi2.sf(3.84145882069412, 1) = 0.05.
        for x in [0.1, 1.0, 2.5, 30.0] {
            assert!((gamma_q(1.0, x) - (-x).exp()).abs() < 1e-15, "{x}");
        }
        assert!((chi2_sf(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-12);
        assert!((normal_two_sided_p(1.959_963_984_540_054) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn identical_samples_do_not_drift() {
        let x: Vec<f64> = (0..50).map(|i| (i * 7 % 13) as f64).collect();
        let ks = ks_2samp(&x, &x).unwrap();
        assert_eq!((ks.statistic, ks.p_value), (0.0, 1.0));
        assert_eq!(wasserstein_distance(&x, &x).unwrap(), 0.0);
        assert!(psi(&x, &x, 10).unwrap().abs() < 1e-15);
        assert_eq!(jensen_shannon(&[1.0, 2.0], &[2.0, 4.0]).unwrap(), 0.0);
        assert!(ks_2samp(&[], &x).is_err());
    }

    #[test]
    fn kolmogorov_branches_agree_at_the_switch() {
        let below = kolmogorov_sf(1.0 - 1e-12);
        let at = kolmogorov_sf(1.0);
        assert!((below - at).abs() < 1e-11, "{below} vs {at}");
        // scipy.stats.kstwobign.sf(1.36)
        assert!((kolmogorov_sf(1.36) - 0.049_485_876_755_377_876).abs() < 1e-12);
    }
}
