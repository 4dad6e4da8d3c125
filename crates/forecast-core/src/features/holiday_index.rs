//! The kept holidays of one streaming series, by target index: [`HolidayIndex`].

/// The target indices whose holiday regressor is positive, sorted, over the periods a series
/// state keeps: the distances of a streaming row to the next holiday and from the last one are
/// two binary searches in it, where the batch columns (`holiday_distances`) scan the whole
/// regressor; both give the same values (capped at the same distance, and neither sees a period
/// that is not kept: the state keeps the cap's look-back, see `FeatureStream::push`).
///
/// The state updates it with every holiday value it writes and drops the indices it stops
/// keeping, so that it is a function of the state's kept regressors.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct HolidayIndex {
    at: Vec<usize>,
}

impl HolidayIndex {
    /// Index the holidays of `values`, the kept regressor from target index `base` on.
    pub(super) fn fill(&mut self, values: &[f64], base: usize) {
        self.at.clear();
        self.at.extend(values.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(i, _)| base + i));
    }

    /// Target index `t` was a holiday (`was`) and now is one or not (`is`).
    pub(super) fn set(&mut self, t: usize, was: bool, is: bool) {
        if was == is {
            return;
        }
        match (self.at.binary_search(&t), is) {
            (Err(k), true) => self.at.insert(k, t),
            (Ok(k), false) => {
                self.at.remove(k);
            }
            _ => {}
        }
    }

    /// Forget the holidays before target index `base` (no longer kept).
    pub(super) fn drop_before(&mut self, base: usize) {
        let k = self.at.partition_point(|&i| i < base);
        self.at.drain(..k);
    }

    /// Periods from `t` to the next holiday at or after it and since the last one at or before
    /// it, each capped at `cap` (also when there is none).
    pub(super) fn distances(&self, t: usize, cap: usize) -> (f64, f64) {
        let next = self.at.partition_point(|&i| i < t);
        let to = self.at.get(next).map_or(cap, |&i| (i - t).min(cap));
        let last = self.at.partition_point(|&i| i <= t);
        let from = last.checked_sub(1).map_or(cap, |k| (t - self.at[k]).min(cap));
        (to as f64, from as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::known::{flags, holiday_distances};
    use super::*;

    const NAN: f64 = f64::NAN;

    /// Paths with no, a few and many holidays (and missing values), indexed whole or built up
    /// value by value with rewrites: the distances are the batch columns' at every index and cap.
    #[test]
    fn distances_are_the_columns() {
        for (n, every) in [(0, 1), (1, 1), (7, 3), (50, 200), (200, 37), (200, 2), (130, 61)] {
            let values: Vec<f64> = (0..n)
                .map(|i: usize| match i % every {
                    0 if i % 5 != 4 => 1.0,
                    3 => NAN,
                    _ => 0.0,
                })
                .collect();
            let mut whole = HolidayIndex::default();
            whole.fill(&values, 0);
            // Built up: every index first a holiday, then set to its value.
            let mut built = HolidayIndex::default();
            for (t, v) in values.iter().enumerate() {
                built.set(t, false, true);
                built.set(t, true, *v > 0.0);
            }
            assert_eq!(built, whole);
            for cap in [0, 1, 7, 60] {
                let (to, from) = holiday_distances(&flags(&values), cap);
                for t in 0..n {
                    assert_eq!(whole.distances(t, cap), (to[t], from[t]), "n {n}, every {every}, cap {cap}, index {t}");
                }
            }
        }
    }

    #[test]
    fn dropping_the_oldest_keeps_the_rest() {
        let mut index = HolidayIndex::default();
        index.fill(&[0.0, 1.0, 0.0, 1.0, 1.0], 10);
        index.drop_before(13);
        assert_eq!(index.at, [13, 14]);
        assert_eq!(index.distances(12, 60), (1.0, 60.0));
    }
}
