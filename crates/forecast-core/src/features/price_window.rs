//! The relative price's look-back kept sorted from one streaming row to the next: [`PriceWindow`].

use std::cmp::Ordering;

/// The non-missing prices of the periods `[end - window, end)` (clipped at 0), sorted in
/// [`f64::total_cmp`] order: the look-back of the relative price of the row at target index
/// `end` (see `relative_price_at`). Sliding it by one period is a binary search and a shift of
/// at most `window` values, where the batch helper copies the look-back and selects its median
/// anew for every row; the median read off it ([`PriceWindow::median`]) is the batch helper's
/// bit for bit.
///
/// It holds nothing (`end` is `None`) until a series state fills it; the state keeps it in step
/// with its kept prices after every change (see `FeatureStream::sync_price`), so that it is a
/// function of the state's other fields and two equal states hold equal windows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct PriceWindow {
    /// Target index of the row whose look-back is held, if one is.
    end: Option<usize>,
    sorted: Vec<f64>,
}

impl PriceWindow {
    /// The row whose look-back is held, if any.
    pub(super) fn end(&self) -> Option<usize> {
        self.end
    }

    /// Hold nothing.
    pub(super) fn clear(&mut self) {
        self.end = None;
        self.sorted.clear();
    }

    /// Hold the look-back `values` (NaN is missing) of the row at `end`.
    pub(super) fn fill(&mut self, values: &[f64], end: usize) {
        self.sorted.clear();
        self.sorted.extend(values.iter().copied().filter(|v| !v.is_nan()));
        self.sorted.sort_unstable_by(f64::total_cmp);
        self.end = Some(end);
    }

    /// Move to the next row: `leaving` (the oldest price of the look-back, `None` while the
    /// look-back is clipped at 0) goes, `entering` (the price of the row held until now) comes.
    /// Returns false, holding nothing, when `leaving` was not held (a window out of step).
    pub(super) fn slide(&mut self, leaving: Option<f64>, entering: f64) -> bool {
        let Some(end) = self.end else { return false };
        if leaving.map(f64::to_bits) == Some(entering.to_bits()) {
            // The same price leaves and comes (a price held for weeks): the window holds the same values.
            self.end = Some(end + 1);
            return true;
        }
        if let Some(x) = leaving.filter(|x| !x.is_nan()) {
            match self.sorted.binary_search_by(|v| v.total_cmp(&x)) {
                Ok(i) => {
                    self.sorted.remove(i);
                }
                Err(_) => {
                    self.clear();
                    return false;
                }
            }
        }
        if !entering.is_nan() {
            let i = self.sorted.partition_point(|v| v.total_cmp(&entering) == Ordering::Less);
            self.sorted.insert(i, entering);
        }
        self.end = Some(end + 1);
        true
    }

    /// The median of the held prices, as `median` (known.rs) computes it on the same values:
    /// the middle value, or the mean of the middle two for an even count; `None` when empty.
    ///
    /// `median` selects the upper middle in `total_cmp` order (here `sorted[n / 2]`) and takes
    /// the largest of the values below it with `f64::max` (here `sorted[n / 2 - 1]`, the same
    /// value; only the sign of a zero could differ, and `0.0 + ±0.0` is `0.0` either way).
    pub(super) fn median(&self) -> Option<f64> {
        let n = self.sorted.len();
        let mid = n / 2;
        match n {
            0 => None,
            _ if n.is_multiple_of(2) => Some((self.sorted[mid - 1] + self.sorted[mid]) / 2.0),
            _ => Some(self.sorted[mid]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::known::median;
    use super::*;

    /// A sliding window over a price path with repeats, NaN, zeros of both signs and negative
    /// values gives the median that the batch helper selects from a copy, bit for bit.
    #[test]
    fn sliding_median_is_the_selected_median() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut draw = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let levels = [10.0, 9.5, 8.0, 12.25, 0.0, -0.0, -3.0, f64::NAN, 1e300, 7.1];
        let prices: Vec<f64> = (0..3000).map(|_| levels[(draw() % levels.len() as u64) as usize]).collect();
        for window in [1, 2, 5, 28] {
            let mut w = PriceWindow::default();
            w.fill(&[], 0);
            for t in 0..prices.len() {
                let look_back = &prices[t.saturating_sub(window)..t];
                let mut copy: Vec<f64> = look_back.iter().copied().filter(|v| !v.is_nan()).collect();
                let expected = median(&mut copy);
                assert_eq!(w.end(), Some(t));
                assert_eq!(w.median().map(f64::to_bits), expected.map(f64::to_bits), "window {window}, t {t}");
                let leaving = (t >= window).then(|| prices[t - window]);
                assert!(w.slide(leaving, prices[t]));
            }
        }
    }

    #[test]
    fn a_window_out_of_step_empties() {
        let mut w = PriceWindow::default();
        assert!(!w.slide(None, 1.0), "nothing held");
        w.fill(&[3.0, f64::NAN, 1.0], 3);
        assert_eq!(w.median(), Some(2.0));
        assert!(!w.slide(Some(5.0), 2.0), "5 was never held");
        assert_eq!((w.end(), w.median()), (None, None));
    }
}
