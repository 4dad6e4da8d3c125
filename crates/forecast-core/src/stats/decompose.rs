//! Classical seasonal decomposition (statsmodels' `seasonal_decompose`, which statsforecast
//! uses to start ETS's seasonal states and to deseasonalise Theta's input), the sample
//! autocorrelation (`statsmodels.tsa.stattools.acf`, `fft=False`) and small least squares.

/// The seasonal component of `y` for `period`: the centred moving average (a `2 x period`
/// average for an even period) is the trend; the detrended values are averaged by position
/// in the cycle (ends without a trend skipped) and normalised to mean 0 (additive) or 1
/// (multiplicative); the result repeats them over `y`. Needs `y.len() >= 2 * period`,
/// `period >= 2` and, when multiplicative, positive values (the callers check).
pub(crate) fn seasonal_component(y: &[f64], period: usize, multiplicative: bool) -> Vec<f64> {
    let n = y.len();
    let (half, weights): (usize, Vec<f64>) = if period.is_multiple_of(2) {
        let mut w = vec![1.0 / period as f64; period + 1];
        w[0] = 0.5 / period as f64;
        w[period] = 0.5 / period as f64;
        (period / 2, w)
    } else {
        ((period - 1) / 2, vec![1.0 / period as f64; period])
    };
    let mut sums = vec![0.0; period];
    let mut counts = vec![0usize; period];
    for t in half..n.saturating_sub(half) {
        let trend: f64 = weights.iter().enumerate().map(|(k, w)| w * y[t + k - half]).sum();
        let detrended = if multiplicative { y[t] / trend } else { y[t] - trend };
        sums[t % period] += detrended;
        counts[t % period] += 1;
    }
    let mut averages: Vec<f64> = sums.iter().zip(&counts).map(|(s, c)| s / *c as f64).collect();
    let level = averages.iter().sum::<f64>() / period as f64;
    for a in &mut averages {
        if multiplicative {
            *a /= level;
        } else {
            *a -= level;
        }
    }
    (0..n).map(|t| averages[t % period]).collect()
}

/// Sample autocorrelations at lags `1..=max_lag` (biased: every lag divides by `n`).
pub(crate) fn autocorrelation(y: &[f64], max_lag: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum();
    (1..=max_lag).map(|k| d.iter().zip(&d[k.min(n)..]).map(|(a, b)| a * b).sum::<f64>() / c0).collect()
}

/// Least squares `min |X b - y|` for a few columns (normal equations solved by Gaussian
/// elimination with partial pivoting). `columns[j][i]` is `X[i, j]`. `None` when singular.
pub(crate) fn least_squares(columns: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let p = columns.len();
    let mut a = vec![vec![0.0; p + 1]; p];
    for j in 0..p {
        for k in 0..p {
            a[j][k] = columns[j].iter().zip(&columns[k]).map(|(u, v)| u * v).sum();
        }
        a[j][p] = columns[j].iter().zip(y).map(|(u, v)| u * v).sum();
    }
    for col in 0..p {
        let pivot = (col..p).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for row in rest {
            let factor = row[col] / pivot_row[col];
            for (v, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *v -= factor * p;
            }
        }
    }
    let mut b = vec![0.0; p];
    for j in (0..p).rev() {
        let tail: f64 = (j + 1..p).map(|k| a[j][k] * b[k]).sum();
        b[j] = (a[j][p] - tail) / a[j][j];
    }
    Some(b)
}

/// Intercept and slope of `y` on `t = 1..=y.len()` (closed form).
pub(crate) fn linear_fit(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let t_mean = (n + 1.0) / 2.0;
    let y_mean = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dt = (i + 1) as f64 - t_mean;
        sxy += dt * (v - y_mean);
        sxx += dt * dt;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (y_mean - slope * t_mean, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposition_recovers_an_exact_season() {
        // Trend plus a period-4 pattern with mean zero: the additive seasonal is the pattern.
        let pattern = [3.0, -1.0, -2.5, 0.5];
        let y: Vec<f64> = (0..24).map(|t| 10.0 + 0.5 * t as f64 + pattern[t % 4]).collect();
        let s = seasonal_component(&y, 4, false);
        assert!(s.iter().enumerate().all(|(t, v)| (v - pattern[t % 4]).abs() < 1e-12), "{s:?}");
        // Odd period, multiplicative: a level times factors averaging 1.
        let factors = [1.2, 0.9, 0.9];
        let y: Vec<f64> = (0..15).map(|t| 50.0 * factors[t % 3]).collect();
        let s = seasonal_component(&y, 3, true);
        assert!(s.iter().enumerate().all(|(t, v)| (v - factors[t % 3]).abs() < 1e-12), "{s:?}");
    }

    #[test]
    fn autocorrelation_and_least_squares() {
        let r = autocorrelation(&[1.0, -1.0, 1.0, -1.0], 2);
        // Biased estimator: lag 1 is -3/4, lag 2 is 2/4.
        assert!((r[0] + 0.75).abs() < 1e-12 && (r[1] - 0.5).abs() < 1e-12);
        let t: Vec<f64> = (1..=6).map(f64::from).collect();
        let y: Vec<f64> = t.iter().map(|t| 2.0 - 0.5 * t + 0.25 * t * t).collect();
        let b = least_squares(&[vec![1.0; 6], t.clone(), t.iter().map(|t| t * t).collect()], &y).unwrap();
        assert!((b[0] - 2.0).abs() < 1e-9 && (b[1] + 0.5).abs() < 1e-9 && (b[2] - 0.25).abs() < 1e-9);
        assert!(least_squares(&[vec![1.0; 3], vec![2.0; 3]], &[1.0, 2.0, 3.0]).is_none());
        assert_eq!(linear_fit(&[3.0, 5.0, 7.0]), (1.0, 2.0));
    }
}
