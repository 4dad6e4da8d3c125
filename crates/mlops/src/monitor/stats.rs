//! Two-sample statistics behind the drift tests, written to match scipy and numpy.
//!
//! Every function takes plain slices without NaN (the drift layer drops missing values first).

use crate::error::{MlopsError, Result};
use serde::{Deserialize, Serialize};

/// scipy's `ks_2samp(method="auto")` is exact up to this many rows in the larger sample.
pub const KS_EXACT_MAX_N: usize = 10_000;

/// How a KS p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KsMethod {
    /// Exact lattice-path count (scipy's `exact`).
    Exact,
    /// Kolmogorov's limiting distribution at `sqrt(n1 n2 / (n1 + n2)) * D`.
    Asymptotic,
}

/// The two-sided two-sample Kolmogorov-Smirnov test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsTest {
    /// The largest distance between the two empirical CDFs.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: KsMethod,
}

fn non_empty(what: &str, a: &[f64], b: &[f64]) -> Result<()> {
    if a.is_empty() || b.is_empty() {
        return Err(MlopsError::InvalidInput(format!(
            "{what} needs two non-empty samples, got {} and {} values",
            a.len(),
            b.len()
        )));
    }
    Ok(())
}

fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Two-sided two-sample KS test as `scipy.stats.ks_2samp(a, b)` computes it.
///
/// Up to [`KS_EXACT_MAX_N`] rows in the larger sample the p-value is scipy's exact one
/// (Hodges' lattice-path recursion, bit for bit the same arithmetic). Above that scipy
/// evaluates `kstwo.sf(D, round(en))`; this crate uses Kolmogorov's limiting
/// distribution at `sqrt(en) * D` instead, which differs from scipy by O(1/sqrt(en)).
///
/// # Errors
/// [`MlopsError::InvalidInput`] when a sample is empty.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Result<KsTest> {
    non_empty("ks_2samp", a, b)?;
    let (a, b) = (sorted(a), sorted(b));
    let (n1, n2) = (a.len(), b.len());
    let (mut i, mut j) = (0, 0);
    let (mut max_s, mut min_s) = (f64::NEG_INFINITY, f64::INFINITY);
    while i < n1 || j < n2 {
        let v = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(*y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => break,
        };
        while i < n1 && a[i] <= v {
            i += 1;
        }
        while j < n2 && b[j] <= v {
            j += 1;
        }
        let diff = i as f64 / n1 as f64 - j as f64 / n2 as f64;
        max_s = max_s.max(diff);
        min_s = min_s.min(diff);
    }
    let min_s = (-min_s).clamp(0.0, 1.0);
    let d = if min_s > max_s { min_s } else { max_s };
    if n1.max(n2) <= KS_EXACT_MAX_N
        && let Some((d, p)) = exact_two_sided(n1, n2, d)
    {
        return Ok(KsTest { statistic: d, p_value: p, method: KsMethod::Exact });
    }
    let en = (n1 as f64 * n2 as f64) / (n1 + n2) as f64;
    let p = kolmogorov_sf(en.sqrt() * d).clamp(0.0, 1.0);
    Ok(KsTest { statistic: d, p_value: p, method: KsMethod::Asymptotic })
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// scipy's `_attempt_exact_2kssamp` for the two-sided alternative; None when it would fail.
fn exact_two_sided(n1: usize, n2: usize, d: f64) -> Option<(f64, f64)> {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as usize;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return Some((d, 1.0));
    }
    let p = if n1 == n2 { prob_outside_square(n1, h) } else { outer_prob_inside(n1, n2, g, h) };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some((d, p))
}

/// Share of lattice paths leaving the band |x - y| < h when n1 = n2 = n (scipy's Horner form).
fn prob_outside_square(n: usize, h: usize) -> f64 {
    let mut total = 0.0;
    let mut k = (n / h) as i64;
    let (n, h) = (n as f64, h as f64);
    while k >= 0 {
        let kf = k as f64;
        let mut p1 = 1.0;
        for j in 0..h as usize {
            let j = j as f64;
            p1 = (n - kf * h - j) * p1 / (n + kf * h + j + 1.0);
        }
        total = p1 * (1.0 - total);
        k -= 1;
    }
    2.0 * total
}

/// 1 - share of lattice paths staying strictly inside |x/m - y/n| < h/lcm (Hodges, Viehmann).
fn outer_prob_inside(m: usize, n: usize, g: usize, h: usize) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (h, n_i) = (h as i64, n as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n_i + 1);
    let mut curlen = maxj - minj;
    let len_a = usize::try_from((2 * maxj + 2).min(n_i + 1)).unwrap_or(0);
    let mut a = vec![1.0f64; len_a];
    for v in a.iter_mut().take(maxj as usize) {
        *v = 0.0;
    }
    for i in 1..=m as i64 {
        let (lastminj, lastlen) = (minj, curlen);
        minj = ((((ng * i - h) as f64) / mg as f64).floor() as i64 + 1).max(0).min(n_i);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n_i + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        let fi = i as f64;
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            val = (a[(jj + minj - lastminj) as usize] * fi + val * j) / (fi + j);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let start = (maxj - minj) as usize;
            let end = (start + (lastlen - curlen) as usize).min(a.len());
            for v in &mut a[start..end] {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

/// Survival function of Kolmogorov's limiting distribution, P(K > x).
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < 1.0 {
        // Jacobi form converges fast for small x.
        let c = -std::f64::consts::PI.powi(2) / (8.0 * x * x);
        let s: f64 = (1..=20).map(|k| (((2 * k - 1) * (2 * k - 1)) as f64 * c).exp()).sum();
        return 1.0 - (2.0 * std::f64::consts::PI).sqrt() / x * s;
    }
    let s: f64 = (1..=100)
        .map(|k| {
            let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
            sign * (-2.0 * (k * k) as f64 * x * x).exp()
        })
        .sum();
    2.0 * s
}

/// `ln Γ(x)` for x > 0 (Lanczos, g = 7; about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum: f64 = C[0] + C.iter().enumerate().skip(1).map(|(i, c)| c / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
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
