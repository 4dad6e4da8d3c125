//! Target-derived features: lags, rolling statistics and exponentially weighted means.
//!
//! Every function here reads `history` only at indices `<= newest`, where `newest = t - shift`
//! is the newest target a row may read. That single rule makes the features leak-free: a row
//! never sees a target newer than `t - shift`. Indices past the end of `history` and NaN
//! values both count as missing.

/// Lag columns: lag `k` reads `history[newest - (k - 1)]`, NaN when missing.
pub(super) fn fill_lags(history: &[f64], newest: Option<usize>, lags: &[usize], out: &mut [f64]) {
    for (o, &k) in out.iter_mut().zip(lags) {
        *o = newest.and_then(|n| n.checked_sub(k - 1)).and_then(|i| history.get(i)).copied().unwrap_or(f64::NAN);
    }
}

/// Rolling mean, sample standard deviation (n - 1), min and max over the non-NaN values of
/// `history[newest + 1 - w ..= newest]` (clipped at 0), four columns per window in the order
/// the windows were given. Mean, min and max are NaN without any value; the standard deviation
/// needs two.
///
/// One backward pass over the longest window serves every window, each window's statistics
/// being read off when the pass reaches its length. Sums are taken of `x - k`, with `k` the
/// newest observed value of the window (the shifted-data variance algorithm): no cancellation
/// for large, nearly constant sales, and no division in the loop.
#[derive(Debug, Clone)]
pub(super) struct RollingWindows {
    /// `(window, output slot)` sorted by window length.
    order: Vec<(usize, usize)>,
}

impl RollingWindows {
    pub(super) fn new(windows: &[usize]) -> Self {
        let mut order: Vec<(usize, usize)> = windows.iter().copied().zip(0..).collect();
        order.sort_unstable();
        Self { order }
    }

    pub(super) fn fill(&self, history: &[f64], newest: Option<usize>, out: &mut [f64]) {
        let (mut n, mut k, mut sum, mut sum_sq) = (0usize, f64::NAN, 0.0, 0.0);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut covered = 0usize;
        for &(w, slot) in &self.order {
            if let Some(newest) = newest {
                // Extend the pass from `covered` to `w` values back from `newest`: indices
                // `newest + 1 - reach ..= newest - covered`, newest first; those past the end of
                // `history` are missing and skipped, as NaN is.
                let reach = w.min(newest + 1);
                let top = (newest + 1).saturating_sub(covered).min(history.len());
                let bottom = newest + 1 - reach;
                for &x in history.get(bottom..top).unwrap_or(&[]).iter().rev() {
                    if x.is_nan() {
                        continue;
                    }
                    if n == 0 {
                        k = x;
                    }
                    n += 1;
                    let d = x - k;
                    sum += d;
                    sum_sq += d * d;
                    // Not `f64::min`/`max`: `x` is never NaN here, and plain comparisons are cheaper.
                    if x < min {
                        min = x;
                    }
                    if x > max {
                        max = x;
                    }
                }
                covered = covered.max(reach);
            }
            let nf = n as f64;
            let stats = match n {
                0 => [f64::NAN; 4],
                1 => [k, f64::NAN, min, max],
                _ => [k + sum / nf, ((sum_sq - sum * sum / nf) / (nf - 1.0)).max(0.0).sqrt(), min, max],
            };
            out[4 * slot..4 * slot + 4].copy_from_slice(&stats);
        }
    }
}

/// Running exponentially weighted means, one per smoothing factor.
///
/// `m` starts at the first non-NaN value and then follows `m = alpha * x + (1 - alpha) * m`
/// for each later non-NaN `x`; NaN values are skipped (pandas `ewm(alpha, adjust=False,
/// ignore_na=True).mean()`). Stepping through `history` one index at a time performs exactly
/// the floating-point operations of [`Ewm::over`], so training rows and forecast rows agree
/// bit for bit.
#[derive(Debug, Clone)]
pub(super) struct Ewm<'a> {
    alphas: &'a [f64],
    state: Vec<f64>,
    /// Number of history values consumed so far.
    consumed: usize,
}

impl<'a> Ewm<'a> {
    pub(super) fn new(alphas: &'a [f64]) -> Self {
        Self { alphas, state: vec![f64::NAN; alphas.len()], consumed: 0 }
    }

    /// The means over `history[..=newest]` (or nothing when `newest` is `None`).
    pub(super) fn over(alphas: &'a [f64], history: &[f64], newest: Option<usize>, out: &mut [f64]) {
        let mut ewm = Self::new(alphas);
        ewm.fill(history, newest, out);
    }

    /// Advance to cover `history[..=newest]` and write the means. `newest` must not decrease
    /// between calls on the same `history`.
    pub(super) fn fill(&mut self, history: &[f64], newest: Option<usize>, out: &mut [f64]) {
        let upto = newest.map_or(0, |n| (n + 1).min(history.len()));
        for &x in history.get(self.consumed..upto).unwrap_or(&[]) {
            ewm_update(self.alphas, &mut self.state, x);
        }
        self.consumed = self.consumed.max(upto);
        out.copy_from_slice(&self.state);
    }
}

/// One step of the EWM recursion of [`Ewm`] with the value `x` (NaN is skipped): what a
/// streaming series state applies to each new observation.
pub(super) fn ewm_update(alphas: &[f64], state: &mut [f64], x: f64) {
    if x.is_nan() {
        return;
    }
    for (m, &a) in state.iter_mut().zip(alphas) {
        *m = if m.is_nan() { x } else { a * x + (1.0 - a) * *m };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits() || (x - y).abs() < 1e-12)
    }

    #[test]
    fn lags_read_back_from_newest() {
        let h = [10.0, 11.0, NAN, 13.0, 14.0];
        let mut out = [0.0; 3];
        fill_lags(&h, Some(4), &[1, 2, 5], &mut out);
        assert!(same(&out, &[14.0, 13.0, 10.0]));
        fill_lags(&h, Some(3), &[1, 2, 5], &mut out);
        assert!(same(&out, &[13.0, NAN, NAN]));
        fill_lags(&h, None, &[1, 2, 5], &mut out);
        assert!(out.iter().all(|v| v.is_nan()));
        // Past the end of the history: missing, never a panic.
        fill_lags(&h, Some(6), &[1, 3], &mut out[..2]);
        assert!(same(&out[..2], &[NAN, 14.0]));
    }

    #[test]
    fn rolling_stats_by_hand() {
        // Window 3 ending at index 4 covers [2, NaN, 6]: mean 4, sd sqrt(((2-4)^2 + (6-4)^2) / 1) = sqrt(8)
        // (pandas `Series([1, 5, 2, NaN, 6]).rolling(3, min_periods=1).std()` agrees at every index).
        let h = [1.0, 5.0, 2.0, NAN, 6.0];
        let mut out = [0.0; 8];
        let fill_rolling = |h: &[f64], newest, windows: &[usize], out: &mut [f64]| {
            RollingWindows::new(windows).fill(h, newest, out);
        };
        fill_rolling(&h, Some(4), &[3, 10], &mut out);
        assert!(same(&out[..4], &[4.0, 8f64.sqrt(), 2.0, 6.0]));
        // Window 10 clipped at the start: [1, 5, 2, 6], mean 3.5, sd sqrt((6.25+2.25+2.25+6.25)/3).
        assert!(same(&out[4..], &[3.5, (17.0f64 / 3.0).sqrt(), 1.0, 6.0]));
        // One value: no standard deviation.
        fill_rolling(&h, Some(0), &[3], &mut out[..4]);
        assert!(same(&out[..4], &[1.0, NAN, 1.0, 1.0]));
        fill_rolling(&h, None, &[3], &mut out[..4]);
        assert!(out[..4].iter().all(|v| v.is_nan()));
        // Window 3 ending past the end, at index 6, covers indices 4..=6, of which only index 4 (6.0) exists.
        fill_rolling(&h, Some(6), &[3], &mut out[..4]);
        assert!(same(&out[..4], &[6.0, NAN, 6.0, 6.0]));
        // Large, nearly constant values: no cancellation (sd of 1e9 + [1, 2, 3] is 1).
        fill_rolling(&[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0], Some(2), &[3], &mut out[..4]);
        assert!(same(&out[..4], &[1e9 + 2.0, 1.0, 1e9 + 1.0, 1e9 + 3.0]));
        // Windows given out of order keep their slots.
        fill_rolling(&h, Some(4), &[10, 3], &mut out);
        assert!(same(&out[4..], &[4.0, 8f64.sqrt(), 2.0, 6.0]));
        assert!(same(&out[..2], &[3.5, (17.0f64 / 3.0).sqrt()]));
    }

    #[test]
    fn ewm_by_hand_and_incremental_equals_batch() {
        // alpha 0.5 over [4, NaN, 8, 2]: 4 -> 4 -> 6 -> 4 (as pandas `ewm(alpha=0.5, adjust=False, ignore_na=True)`).
        let h = [4.0, NAN, 8.0, 2.0];
        let mut out = [0.0];
        Ewm::over(&[0.5], &h, Some(3), &mut out);
        assert_eq!(out[0], 4.0);
        Ewm::over(&[0.5], &h, Some(2), &mut out);
        assert_eq!(out[0], 6.0);
        Ewm::over(&[0.5], &h, None, &mut out);
        assert!(out[0].is_nan());

        let long: Vec<f64> = (0..200).map(|i| if i % 7 == 3 { NAN } else { (i as f64 * 0.37).sin() * 5.0 }).collect();
        let alphas = [0.1, 0.3];
        let mut inc = Ewm::new(&alphas);
        for n in 0..long.len() {
            let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
            inc.fill(&long, Some(n), &mut a);
            Ewm::over(&alphas, &long, Some(n), &mut b);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "index {n}");
        }
    }
}
