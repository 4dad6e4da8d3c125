//! Loss functions: expected shortage and excess of a demand distribution at a stock level.
//!
//! Conventions and names follow stockpyl's `loss_functions` module: the loss `n(x) = E[(D - x)+]`
//! (expected units short) and the complementary loss `n_bar(x) = E[(x - D)+]` (expected units
//! left over); the second-order loss `n2(x) = 0.5 E[((D - x)+)^2]` and its complement, whose
//! differences integrate the first-order losses over an interval (the (r, Q) cost).

use crate::special::{normal_pdf, normal_sf, poisson_cdf, poisson_pmf};

/// Standard normal loss `L(z) = phi(z) - z (1 - Phi(z))` and its complement `L_bar(z) = z + L(z)`.
pub fn standard_normal_loss(z: f64) -> (f64, f64) {
    let l = normal_pdf(z) - z * normal_sf(z);
    (l, z + l)
}

/// Standard normal second-order loss `L2(z) = 0.5 ((z^2 + 1)(1 - Phi(z)) - z phi(z))` and its
/// complement `L2_bar(z) = 0.5 (z^2 + 1) - L2(z)`.
pub fn standard_normal_second_loss(z: f64) -> (f64, f64) {
    let l2 = 0.5 * ((z * z + 1.0) * normal_sf(z) - z * normal_pdf(z));
    (l2, 0.5 * (z * z + 1.0) - l2)
}

/// Normal loss and complementary loss at `x` for demand `N(mean, sd^2)`, `sd > 0`.
pub fn normal_loss(x: f64, mean: f64, sd: f64) -> (f64, f64) {
    let (l, l_bar) = standard_normal_loss((x - mean) / sd);
    (sd * l, sd * l_bar)
}

/// Normal second-order loss and its complement at `x` for demand `N(mean, sd^2)`, `sd > 0`.
pub fn normal_second_loss(x: f64, mean: f64, sd: f64) -> (f64, f64) {
    let (l2, l2_bar) = standard_normal_second_loss((x - mean) / sd);
    (sd * sd * l2, sd * sd * l2_bar)
}

/// Poisson loss and complementary loss at integer `x` (stockpyl's `poisson_loss`):
/// `n = -(x - mean)(1 - F(x)) + mean f(x)`, `n_bar = (x - mean) F(x) + mean f(x)`.
pub fn poisson_loss(x: f64, mean: f64) -> (f64, f64) {
    let f = poisson_pmf(x, mean);
    let cdf = poisson_cdf(x, mean);
    (-(x - mean) * (1.0 - cdf) + mean * f, (x - mean) * cdf + mean * f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_loss_matches_its_definition_by_quadrature() {
        let (mean, sd, x) = (50.0, 8.0, 57.0);
        let (n, n_bar) = normal_loss(x, mean, sd);
        let (mut short, mut over) = (0.0, 0.0);
        let steps = 200_000;
        let (lo, hi) = (mean - 12.0 * sd, mean + 12.0 * sd);
        let dx = (hi - lo) / steps as f64;
        for i in 0..steps {
            let d = lo + (i as f64 + 0.5) * dx;
            let w = normal_pdf((d - mean) / sd) / sd * dx;
            short += (d - x).max(0.0) * w;
            over += (x - d).max(0.0) * w;
        }
        assert!((n - short).abs() < 1e-6 && (n_bar - over).abs() < 1e-6, "{n} {short} {n_bar} {over}");
        assert!((n_bar - n - (x - mean)).abs() < 1e-12);
    }

    #[test]
    fn second_loss_integrates_first_loss() {
        let (mean, sd) = (10.0, 3.0);
        let (a, b) = (6.0, 15.0);
        let closed = normal_second_loss(a, mean, sd).0 - normal_second_loss(b, mean, sd).0;
        let steps = 100_000;
        let h = (b - a) / steps as f64;
        let numeric: f64 = (0..steps).map(|i| normal_loss(a + (i as f64 + 0.5) * h, mean, sd).0 * h).sum();
        assert!((closed - numeric).abs() < 1e-8);
    }

    #[test]
    fn poisson_loss_matches_direct_sum() {
        let (mean, x) = (6.5, 8.0);
        let (n, n_bar) = poisson_loss(x, mean);
        let (mut short, mut over) = (0.0, 0.0);
        for k in 0..200 {
            let p = poisson_pmf(k as f64, mean);
            short += (k as f64 - x).max(0.0) * p;
            over += (x - k as f64).max(0.0) * p;
        }
        assert!((n - short).abs() < 1e-12 && (n_bar - over).abs() < 1e-12);
    }
}
