//! Point, scaled, quantile and interval accuracy metrics on slices.
//!
//! Conventions shared by every function:
//! - pairs whose **actual is NaN are skipped** (masked history, missing weeks);
//! - a NaN prediction for an observed actual propagates: the metric is NaN;
//! - slices of **different lengths** or with **no usable pair** give NaN (never a panic);
//! - ratios are returned as fractions (multiply by 100 for percent).
//!
//! Notation: `a_i` actual, `p_i` prediction, `e_i = p_i - a_i`, sums over the `n` usable pairs.

/// Pairs `(actual, prediction)` with an observed actual, or `None` when the lengths differ.
fn pairs<'a>(actual: &'a [f64], pred: &'a [f64]) -> Option<impl Iterator<Item = (f64, f64)> + 'a> {
    (actual.len() == pred.len()).then(|| actual.iter().zip(pred).filter(|(a, _)| !a.is_nan()).map(|(&a, &p)| (a, p)))
}

/// Mean of `f(a, p)` over usable pairs; NaN without any.
fn mean_of(actual: &[f64], pred: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    let Some(it) = pairs(actual, pred) else { return f64::NAN };
    let (sum, n) = it.fold((0.0, 0usize), |(s, n), (a, p)| (s + f(a, p), n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Root mean squared error: `sqrt(Σ e_i² / n)`.
pub fn rmse(actual: &[f64], pred: &[f64]) -> f64 {
    mean_of(actual, pred, |a, p| (p - a) * (p - a)).sqrt()
}

/// Mean absolute error: `Σ |e_i| / n`.
pub fn mae(actual: &[f64], pred: &[f64]) -> f64 {
    mean_of(actual, pred, |a, p| (p - a).abs())
}

/// Mean error (bias): `Σ (p_i - a_i) / n`; positive means over-forecasting.
pub fn bias(actual: &[f64], pred: &[f64]) -> f64 {
    mean_of(actual, pred, |a, p| p - a)
}

/// Mean absolute percentage error as a fraction, `Σ |e_i| / |a_i| / m` over the `m` pairs with
/// `a_i != 0`, and the number of pairs excluded because `a_i == 0` (retail series have many).
/// NaN when every actual is zero or missing.
pub fn mape(actual: &[f64], pred: &[f64]) -> (f64, usize) {
    let Some(it) = pairs(actual, pred) else { return (f64::NAN, 0) };
    let (mut sum, mut m, mut zeros) = (0.0, 0usize, 0usize);
    for (a, p) in it {
        if a == 0.0 {
            zeros += 1;
        } else {
            sum += (p - a).abs() / a.abs();
            m += 1;
        }
    }
    (if m == 0 { f64::NAN } else { sum / m as f64 }, zeros)
}

/// Symmetric MAPE as a fraction in `[0, 2]`: `Σ 2 |e_i| / (|a_i| + |p_i|) / n`, a term being 0
/// when `a_i = p_i = 0`.
pub fn smape(actual: &[f64], pred: &[f64]) -> f64 {
    mean_of(actual, pred, |a, p| {
        let d = a.abs() + p.abs();
        if d == 0.0 { 0.0 } else { 2.0 * (p - a).abs() / d }
    })
}

/// Weighted absolute percentage error as a fraction: `Σ |e_i| / Σ |a_i|`. NaN when every
/// actual is zero (or missing).
pub fn wape(actual: &[f64], pred: &[f64]) -> f64 {
    let Some(it) = pairs(actual, pred) else { return f64::NAN };
    let (err, act) = it.fold((0.0, 0.0), |(e, s), (a, p)| (e + (p - a).abs(), s + a.abs()));
    if act == 0.0 { f64::NAN } else { err / act }
}

/// The in-sample seasonal naive error of a training series: the mean over `t >= season` of
/// `|y_t - y_{t-season}|` (or of its square when `squared`), over the pairs where both values
/// are observed. NaN for `season == 0` or when no pair exists.
pub fn seasonal_scale(train: &[f64], season: usize, squared: bool) -> f64 {
    if season == 0 {
        return f64::NAN;
    }
    let diffs = train.iter().skip(season).zip(train).map(|(y, back)| y - back).filter(|d| !d.is_nan());
    let (sum, n) = diffs.fold((0.0, 0usize), |(s, n), d| (s + if squared { d * d } else { d.abs() }, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Mean absolute scaled error (Hyndman & Koehler, 2006): `MAE / s` with
/// `s = seasonal_scale(train, season, false)`, the in-sample MAE of the seasonal naive
/// forecast on the training part. Below 1 beats the seasonal naive in-sample error.
///
/// Returns NaN when the scale is undefined or zero (a constant or too-short training series,
/// e.g. all zeros): there is no meaningful scale then, and aggregators count such series apart.
pub fn mase(actual: &[f64], pred: &[f64], train: &[f64], season: usize) -> f64 {
    scaled(mae(actual, pred), seasonal_scale(train, season, false))
}

/// Root mean squared scaled error, as the M5 competition defines it: `sqrt(MSE / s²)` where
/// `s²` is the in-sample mean squared error of the one-step naive forecast,
/// `Σ_{t=f+1}^{n} (y_t - y_{t-1})² / (n - f - 1)`, counted from the first non-zero sale `y_f`
/// (periods before a product was sold do not shrink or inflate its scale). Pairs with a
/// missing value are skipped.
///
/// Returns NaN when the scale is undefined or zero (no sale, one value after the first sale,
/// or a constant series), as [`mase`].
pub fn rmsse(actual: &[f64], pred: &[f64], train: &[f64]) -> f64 {
    let first_sale = train.iter().position(|v| *v != 0.0 && !v.is_nan()).unwrap_or(train.len());
    scaled(mean_of(actual, pred, |a, p| (p - a) * (p - a)), seasonal_scale(&train[first_sale..], 1, true)).sqrt()
}

fn scaled(value: f64, scale: f64) -> f64 {
    if scale > 0.0 { value / scale } else { f64::NAN }
}

/// Coefficient of determination: `1 - Σ e_i² / Σ (a_i - ā)²`. NaN when the actuals are constant.
pub fn r2(actual: &[f64], pred: &[f64]) -> f64 {
    let mean = mean_of(actual, actual, |a, _| a);
    let ss_tot = mean_of(actual, pred, |a, _| (a - mean) * (a - mean));
    let ss_res = mean_of(actual, pred, |a, p| (p - a) * (p - a));
    if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { f64::NAN }
}

/// Pinball (quantile) loss of the `alpha` quantile forecast `q`:
/// `Σ max(alpha (a_i - q_i), (alpha - 1)(a_i - q_i)) / n`. NaN for `alpha` outside `[0, 1]`.
pub fn pinball(actual: &[f64], q_pred: &[f64], alpha: f64) -> f64 {
    if !(0.0..=1.0).contains(&alpha) {
        return f64::NAN;
    }
    mean_of(actual, q_pred, |a, q| pinball_term(a, q, alpha))
}

pub(super) fn pinball_term(a: f64, q: f64, alpha: f64) -> f64 {
    let d = a - q;
    (alpha * d).max((alpha - 1.0) * d)
}

/// Interval coverage: the fraction of observed actuals with `lower_i <= a_i <= upper_i`. A NaN
/// bound counts as a miss. NaN when the three lengths differ or no actual is observed.
pub fn coverage(actual: &[f64], lower: &[f64], upper: &[f64]) -> f64 {
    if actual.len() != lower.len() || actual.len() != upper.len() {
        return f64::NAN;
    }
    let (inside, n) = actual
        .iter()
        .zip(lower)
        .zip(upper)
        .filter(|((a, _), _)| !a.is_nan())
        .fold((0usize, 0usize), |(c, n), ((&a, &l), &u)| (c + usize::from(l <= a && a <= u), n + 1));
    if n == 0 { f64::NAN } else { inside as f64 / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    // Golden case. Usable pairs (the NaN actual is skipped): a = [2, 0, 4, 5], p = [3, 1, 2, 5],
    // e = [1, 1, -2, 0]. By hand (and checked with numpy, masking NaN actuals first):
    //   rmse  = sqrt(6 / 4)                                   = 1.224744871391589
    //   mae   = 4 / 4 = 1;  bias = 0 / 4 = 0
    //   mape  = mean(1/2, 2/4, 0/5) = 1/3, one zero actual excluded
    //   smape = (2/5 + 2/1 + 4/6 + 0) / 4                     = 0.7666666666666666
    //   wape  = 4 / 11
    //   r2    = 1 - 6 / 14.75 (mean 2.75)                     = 0.5932203389830508
    // Training series [1, 2, 3, NaN, 5, 4, 7], season 2: observed seasonal differences 2, 2, 2,
    // so the MAE scale is 2 and the MSE scale 4: mase = 1 / 2, rmsse = sqrt(1.5 / 4).
    // Pinball at alpha 0.9 with d = a - q = [-1, -1, 2, 0]: (0.1 + 0.1 + 1.8 + 0) / 4 = 0.5.
    const A: [f64; 5] = [2.0, 0.0, 4.0, NAN, 5.0];
    const P: [f64; 5] = [3.0, 1.0, 2.0, 100.0, 5.0];
    const TRAIN: [f64; 7] = [1.0, 2.0, 3.0, NAN, 5.0, 4.0, 7.0];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn golden_point_metrics() {
        assert!(close(rmse(&A, &P), 1.224744871391589));
        assert!(close(mae(&A, &P), 1.0));
        assert!(close(bias(&A, &P), 0.0));
        let (m, zeros) = mape(&A, &P);
        assert!(close(m, 1.0 / 3.0));
        assert_eq!(zeros, 1);
        assert!(close(smape(&A, &P), 0.7666666666666666));
        assert!(close(wape(&A, &P), 4.0 / 11.0));
        assert!(close(r2(&A, &P), 0.5932203389830508));
        assert!(close(bias(&[1.0, 1.0], &[2.0, 4.0]), 2.0));
    }

    #[test]
    fn golden_scaled_metrics() {
        assert!(close(seasonal_scale(&TRAIN, 2, false), 2.0));
        assert!(close(seasonal_scale(&TRAIN, 2, true), 4.0));
        assert!(close(mase(&A, &P, &TRAIN, 2), 0.5));
        // M5: one-step naive scale from the first sale. Leading zeros do not count: the
        // scale of [0, 0, 2, 4, 3] is ((4-2)^2 + (3-4)^2) / 2 = 2.5; MSE of A vs P is 1.5.
        assert!(close(rmsse(&A, &P, &[0.0, 0.0, 2.0, 4.0, 3.0]), (1.5f64 / 2.5).sqrt()));
        assert!(close(rmsse(&A, &P, &[2.0, 4.0, 3.0]), (1.5f64 / 2.5).sqrt()));
        // Constant training series: zero scale, undefined.
        assert!(mase(&A, &P, &[3.0; 10], 2).is_nan());
        assert!(rmsse(&A, &P, &[3.0; 10]).is_nan());
        assert!(rmsse(&A, &P, &[0.0, 0.0, 5.0]).is_nan(), "one value after the first sale");
        // Too short for the season, or season 0.
        assert!(mase(&A, &P, &[1.0, 2.0], 7).is_nan());
        assert!(seasonal_scale(&TRAIN, 0, false).is_nan());
    }

    #[test]
    fn golden_quantile_and_interval() {
        assert!(close(pinball(&A, &P, 0.9), 0.5));
        // alpha 0.5 is half the MAE.
        assert!(close(pinball(&A, &P, 0.5), 0.5));
        assert!(pinball(&A, &P, 1.5).is_nan());
        // Observed actuals 2, 0, 4, 5 against [1, 3], [1, 3], [4, 4], [NaN, 9]: 2 and 4 inside.
        let lower = [1.0, 1.0, 4.0, 0.0, NAN];
        let upper = [3.0, 3.0, 4.0, 0.0, 9.0];
        assert!(close(coverage(&A, &lower, &upper), 0.5));
    }

    #[test]
    fn degenerate_inputs_give_nan_not_panics() {
        assert!(rmse(&[1.0], &[1.0, 2.0]).is_nan());
        assert!(mae(&[], &[]).is_nan());
        assert!(wape(&[0.0, 0.0], &[1.0, 1.0]).is_nan());
        assert!(mape(&[0.0, NAN], &[1.0, 1.0]).0.is_nan());
        assert!(r2(&[2.0, 2.0], &[1.0, 3.0]).is_nan());
        assert!(coverage(&[1.0], &[0.0], &[]).is_nan());
        assert!(smape(&[0.0], &[0.0]) == 0.0);
        // A NaN prediction for an observed actual propagates.
        assert!(mae(&[1.0, 2.0], &[1.0, NAN]).is_nan());
    }
}
