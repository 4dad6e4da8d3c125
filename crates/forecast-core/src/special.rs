//! Special functions: the normal, Poisson and Student t distributions to full double precision.
//!
//! The error function comes from `libm` (a port of musl's, accurate to about one ulp); the
//! incomplete gamma and beta functions are the classic series and Lentz continued fractions.
//! Accuracy matters here: the stockpyl golden tests compare to 1e-6 relative, and the
//! bisections of forecast-decisions' (r, Q) policy amplify any error in these functions.

use std::f64::consts::{FRAC_1_SQRT_2, PI, SQRT_2};

const SQRT_2PI: f64 = 2.506_628_274_631_000_5;
const EPS: f64 = 1e-16;
const MAX_ITER: usize = 100_000;

/// Standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / SQRT_2PI
}

/// Standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * FRAC_1_SQRT_2)
}

/// Standard normal survival function `1 - normal_cdf(z)`, without cancellation in the upper tail.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z * FRAC_1_SQRT_2)
}

/// Standard normal quantile function (inverse of [`normal_cdf`]); `-inf` at 0, `inf` at 1 and
/// NaN outside [0, 1].
///
/// Acklam's rational approximation (relative error 1.2e-9) refined by two Halley steps on
/// `erfc`, which brings it to full double precision.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    // 1 - p is exact for p > 0.5, so the lower-tail routine serves both halves.
    if p > 0.5 { -lower_quantile(1.0 - p) } else { lower_quantile(p) }
}

fn lower_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let mut x = if p < 0.024_25 {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    for _ in 0..2 {
        let e = 0.5 * libm::erfc(-x / SQRT_2) - p;
        let u = e * SQRT_2PI * (0.5 * x * x).exp();
        x -= u / (1.0 + 0.5 * x * u);
    }
    x
}

/// Natural log of the gamma function for `x > 0`.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// Regularised lower incomplete gamma `P(a, x)` and upper `Q(a, x) = 1 - P(a, x)`, each computed
/// directly in the region where it is accurate. `a > 0`, `x >= 0`.
pub fn regularized_gamma(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    let log_prefactor = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        let p = sum * log_prefactor.exp();
        (p, 1.0 - p)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
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
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        let q = log_prefactor.exp() * h;
        (1.0 - q, q)
    }
}

/// Poisson probability mass `P(D = k)` for mean `mean > 0`; 0 for negative `k`.
pub fn poisson_pmf(k: f64, mean: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    (k * mean.ln() - mean - ln_gamma(k + 1.0)).exp()
}

/// Poisson distribution function `P(D <= k)` for integer `k` and mean `mean > 0`.
pub fn poisson_cdf(k: f64, mean: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    regularized_gamma(k.floor() + 1.0, mean).1
}

/// Poisson survival function `P(D > k)`.
pub fn poisson_sf(k: f64, mean: f64) -> f64 {
    if k < 0.0 {
        return 1.0;
    }
    regularized_gamma(k.floor() + 1.0, mean).0
}

/// Poisson quantile: the smallest integer `k >= 0` with `P(D <= k) >= q`, for `q` in (0, 1).
pub fn poisson_quantile(q: f64, mean: f64) -> f64 {
    if q.is_nan() || mean.is_nan() || !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    if q >= 1.0 {
        return f64::INFINITY;
    }
    if q <= 0.0 {
        return 0.0;
    }
    let guess = (mean + mean.sqrt() * normal_quantile(q)).floor().max(0.0);
    let mut k = guess;
    if poisson_cdf(k, mean) >= q {
        while k > 0.0 && poisson_cdf(k - 1.0, mean) >= q {
            k -= 1.0;
        }
    } else {
        k += 1.0;
        while poisson_cdf(k, mean) < q {
            k += 1.0;
        }
    }
    k
}

/// Regularised incomplete beta function `I_x(a, b)`.
pub fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Student t distribution function with `df > 0` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * regularized_beta(df / (df + t * t), 0.5 * df, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// Student t quantile with `df > 0` degrees of freedom, for `p` in (0, 1).
///
/// Bisection on [`student_t_cdf`] to 1e-14 of the bracket, then a Newton polish.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    let (mut lo, mut hi) = (-1.0, 1.0);
    while student_t_cdf(lo, df) > p {
        lo *= 2.0;
    }
    while student_t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid
        } else {
            hi = mid
        }
        if hi - lo <= 1e-14 * mid.abs().max(1.0) {
            break;
        }
    }
    let mut t = 0.5 * (lo + hi);
    let ln_c = ln_gamma(0.5 * (df + 1.0)) - ln_gamma(0.5 * df) - 0.5 * (df * PI).ln();
    let density = (ln_c - 0.5 * (df + 1.0) * (1.0 + t * t / df).ln()).exp();
    if density > 0.0 {
        t -= (student_t_cdf(t, df) - p) / density;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_inverts_cdf_across_the_range() {
        for &p in &[1e-12, 1e-6, 0.001, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.999, 1.0 - 1e-9] {
            let z = normal_quantile(p);
            let back = if p > 0.5 { 1.0 - normal_sf(z) } else { normal_cdf(z) };
            assert!((back - p).abs() <= 1e-15 * p.max(1e-300) + 1e-17, "p={p} z={z} back={back}");
        }
        // Textbook values.
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472_2).abs() < 1e-14);
    }

    #[test]
    fn poisson_cdf_sums_the_pmf() {
        for &mean in &[0.3, 4.0, 37.5, 400.0] {
            let mut sum = 0.0;
            for k in 0..(mean as usize * 3 + 10) {
                sum += poisson_pmf(k as f64, mean);
                let cdf = poisson_cdf(k as f64, mean);
                assert!((cdf - sum).abs() < 1e-12, "mean={mean} k={k} cdf={cdf} sum={sum}");
            }
        }
    }

    #[test]
    fn poisson_quantile_is_the_smallest_k_reaching_q() {
        for &mean in &[0.5, 3.0, 25.0, 900.0] {
            for &q in &[0.01, 0.3, 0.5, 0.8, 0.99] {
                let k = poisson_quantile(q, mean);
                assert!(poisson_cdf(k, mean) >= q);
                assert!(k == 0.0 || poisson_cdf(k - 1.0, mean) < q);
            }
        }
    }

    #[test]
    fn student_t_quantile_matches_tables() {
        // Two-sided 95% critical values from any t table.
        assert!((student_t_quantile(0.975, 1.0) - 12.706_204_736_174_7).abs() < 1e-9);
        assert!((student_t_quantile(0.975, 10.0) - 2.228_138_851_986_27).abs() < 1e-10);
        assert!((student_t_quantile(0.025, 30.0) + 2.042_272_456_301_24).abs() < 1e-10);
    }
}
