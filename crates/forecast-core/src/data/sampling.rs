//! Random variates the generator needs: normal, gamma, Poisson (so negative binomial as a
//! Poisson-gamma mixture), written out to keep one `rand` version in the public graph.

use rand::RngExt;

/// Uniform on (0, 1]: safe under `ln`.
fn open_unit<R: RngExt + ?Sized>(rng: &mut R) -> f64 {
    1.0 - rng.random::<f64>()
}

/// Standard normal (Box-Muller).
pub(crate) fn normal<R: RngExt + ?Sized>(rng: &mut R) -> f64 {
    let u = open_unit(rng);
    let v = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Gamma(shape, scale) by Marsaglia and Tsang (2000); `shape > 0`.
pub(crate) fn gamma<R: RngExt + ?Sized>(rng: &mut R, shape: f64, scale: f64) -> f64 {
    if shape < 1.0 {
        let boost = open_unit(rng).powf(1.0 / shape);
        return gamma(rng, shape + 1.0, scale) * boost;
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = open_unit(rng);
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v * scale;
        }
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
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
    let t = x + 7.5;
    let sum = C.iter().enumerate().skip(1).fold(C[0], |acc, (i, c)| acc + c / (x + i as f64));
    0.5 * std::f64::consts::TAU.ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Poisson(lambda): multiplication method below 10, Hörmann's PTRS above.
pub(crate) fn poisson<R: RngExt + ?Sized>(rng: &mut R, lambda: f64) -> f64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0.0;
    }
    if lambda < 10.0 {
        let limit = (-lambda).exp();
        let mut k = 0.0;
        let mut p = rng.random::<f64>();
        while p > limit {
            k += 1.0;
            p *= rng.random::<f64>();
        }
        return k;
    }
    let slam = lambda.sqrt();
    let loglam = lambda.ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.random::<f64>() - 0.5;
        let v = open_unit(rng);
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln() <= -lambda + k * loglam - ln_gamma(k + 1.0) {
            return k;
        }
    }
}

/// Negative binomial with `mean` and dispersion `k` (variance `mean + mean²/k`), as
/// Poisson(Gamma(k, mean/k)).
pub(crate) fn negative_binomial<R: RngExt + ?Sized>(rng: &mut R, mean: f64, k: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    let rate = gamma(rng, k, mean / k);
    poisson(rng, rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        (m, xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0))
    }

    #[test]
    fn sample_moments_match_theory() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for lambda in [0.5, 4.0, 25.0, 300.0] {
            let xs: Vec<f64> = (0..40_000).map(|_| poisson(&mut rng, lambda)).collect();
            let (m, v) = moments(&xs);
            assert!((m / lambda - 1.0).abs() < 0.03, "poisson({lambda}) mean {m}");
            assert!((v / lambda - 1.0).abs() < 0.06, "poisson({lambda}) var {v}");
        }
        for shape in [0.5, 3.0] {
            let xs: Vec<f64> = (0..40_000).map(|_| gamma(&mut rng, shape, 2.0)).collect();
            let (m, v) = moments(&xs);
            assert!((m / (2.0 * shape) - 1.0).abs() < 0.03, "gamma mean {m}");
            assert!((v / (4.0 * shape) - 1.0).abs() < 0.08, "gamma var {v}");
        }
        let xs: Vec<f64> = (0..40_000).map(|_| negative_binomial(&mut rng, 20.0, 5.0)).collect();
        let (m, v) = moments(&xs);
        assert!((m / 20.0 - 1.0).abs() < 0.03 && (v / 100.0 - 1.0).abs() < 0.1, "nb {m} {v}");
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-10);
    }
}
