//! The two-sample Kolmogorov-Smirnov test, as scipy computes it.

use super::stats::{non_empty, sorted};
use crate::error::Result;
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

/// Two-sided two-sample KS test as `scipy.stats.ks_2samp(a, b)` computes it.
///
/// Up to [`KS_EXACT_MAX_N`] rows in the larger sample the p-value is scipy's exact one
/// (Hodges' lattice-path recursion, bit for bit the same arithmetic). Above that scipy
/// evaluates `kstwo.sf(D, round(en))`; this crate uses Kolmogorov's limiting
/// distribution at `sqrt(en) * D` instead, which differs from scipy by O(1/sqrt(en)).
///
/// # Errors
/// [`crate::MlopsError::InvalidInput`] when a sample is empty.
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
