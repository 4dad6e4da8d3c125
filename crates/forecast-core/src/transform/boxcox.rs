//! The Box-Cox transform and Guerrero's choice of its lambda.

/// `(x^lambda - 1) / lambda`, or `ln x` for lambda 0.
pub(super) fn forward(x: f64, lambda: f64) -> f64 {
    if lambda.abs() < 1e-12 { x.ln() } else { (x.powf(lambda) - 1.0) / lambda }
}

/// The inverse of [`forward`]; values below the transform's range map to 0.
pub(super) fn inverse(z: f64, lambda: f64) -> f64 {
    if lambda.abs() < 1e-12 {
        z.exp()
    } else {
        let base = lambda * z + 1.0;
        if base <= 0.0 { 0.0 } else { base.powf(1.0 / lambda) }
    }
}

/// Guerrero's (1993) lambda, as R's `forecast::BoxCox.lambda(method = "guerrero")` and
/// statsforecast compute it: split the last whole seasons of `x` (season at least 2) into
/// one column per season, and choose the lambda in `[lower, upper]` that minimises the
/// coefficient of variation of `sd_i / mean_i^(1 - lambda)` across columns (golden-section
/// search). Missing values are skipped; with fewer than two usable seasons, 1 (no change).
pub fn guerrero_lambda(x: &[f64], season: usize, lower: f64, upper: f64) -> f64 {
    let period = season.max(2);
    let seasons = x.len() / period;
    let start = x.len() - seasons * period;
    let stats: Vec<(f64, f64)> = x[start..]
        .chunks_exact(period)
        .filter_map(|c| {
            let obs: Vec<f64> = c.iter().copied().filter(|v| !v.is_nan()).collect();
            if obs.len() < 2 {
                return None;
            }
            let n = obs.len() as f64;
            let mean = obs.iter().sum::<f64>() / n;
            let sd = (obs.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt();
            (mean > 0.0).then_some((mean, sd))
        })
        .collect();
    if stats.len() < 2 {
        return 1.0;
    }
    let cv = |lambda: f64| {
        let rat: Vec<f64> = stats.iter().map(|(m, s)| s / m.powf(1.0 - lambda)).collect();
        let n = rat.len() as f64;
        let mean = rat.iter().sum::<f64>() / n;
        let sd = (rat.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        if mean > 0.0 { sd / mean } else { f64::INFINITY }
    };
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lower, upper);
    let mut c = b - golden * (b - a);
    let mut d = a + golden * (b - a);
    let (mut fc, mut fd) = (cv(c), cv(d));
    while (b - a).abs() > 1e-7 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - golden * (b - a);
            fc = cv(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + golden * (b - a);
            fd = cv(d);
        }
    }
    (a + b) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_and_inverse_agree() {
        for lambda in [-0.5, 0.0, 0.3, 1.0, 2.0] {
            for x in [0.5, 1.0, 7.0, 120.0] {
                assert!((inverse(forward(x, lambda), lambda) - x).abs() < 1e-9 * x, "{lambda} {x}");
            }
        }
        assert_eq!(inverse(-10.0, 0.5), 0.0, "below the range");
    }

    #[test]
    fn guerrero_finds_the_variance_stabilising_lambda() {
        // Seasonal sd proportional to the level (multiplicative): the log (lambda 0) makes
        // sd_i / mean_i^(1 - lambda) constant.
        let x: Vec<f64> = (0..48)
            .map(|t| {
                let level = 10.0 * 1.5f64.powi(t / 12);
                level * (1.0 + 0.2 * ((t % 12) as f64 - 5.5) / 5.5)
            })
            .collect();
        let lambda = guerrero_lambda(&x, 12, -0.9, 2.0);
        assert!(lambda.abs() < 0.02, "{lambda}");
        // Constant spread whatever the level (additive): lambda 1.
        let y: Vec<f64> = (0..48).map(|t| 10.0 * f64::from(1 + t / 12) + ((t % 12) as f64 - 5.5)).collect();
        assert!((guerrero_lambda(&y, 12, -0.9, 2.0) - 1.0).abs() < 0.02);
        assert_eq!(guerrero_lambda(&y[..13], 12, -0.9, 2.0), 1.0, "one season only");
    }
}
