//! Running and windowed minimum and maximum.

use super::Merge;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Running minimum and maximum of every value seen, as River's `stats.Min` and `stats.Max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MinMax {
    min: f64,
    max: f64,
}

impl Default for MinMax {
    fn default() -> Self {
        Self { min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

impl MinMax {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a value.
    pub fn push(&mut self, x: f64) {
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// The minimum, `None` before any value.
    pub fn min(&self) -> Option<f64> {
        (self.min <= self.max).then_some(self.min)
    }

    /// The maximum, `None` before any value.
    pub fn max(&self) -> Option<f64> {
        (self.min <= self.max).then_some(self.max)
    }
}

impl Merge for MinMax {
    fn merge(&mut self, other: &Self) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// Minimum and maximum of the last `window` values, with two monotonic deques (amortised O(1) a
/// value, as River's `stats.RollingMin` / `RollingMax` answer it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowedMinMax {
    window: u64,
    seen: u64,
    /// (index, value) with increasing values: the front is the window's minimum.
    lows: VecDeque<(u64, f64)>,
    /// (index, value) with decreasing values: the front is the window's maximum.
    highs: VecDeque<(u64, f64)>,
}

impl WindowedMinMax {
    /// Over the last `window` values (at least 1).
    pub fn new(window: usize) -> Self {
        Self { window: window.max(1) as u64, seen: 0, lows: VecDeque::new(), highs: VecDeque::new() }
    }

    /// Add a value, forgetting the one that leaves the window.
    pub fn push(&mut self, x: f64) {
        let i = self.seen;
        self.seen += 1;
        while self.lows.back().is_some_and(|&(_, v)| v >= x) {
            self.lows.pop_back();
        }
        self.lows.push_back((i, x));
        while self.highs.back().is_some_and(|&(_, v)| v <= x) {
            self.highs.pop_back();
        }
        self.highs.push_back((i, x));
        let oldest = self.seen.saturating_sub(self.window);
        while self.lows.front().is_some_and(|&(j, _)| j < oldest) {
            self.lows.pop_front();
        }
        while self.highs.front().is_some_and(|&(j, _)| j < oldest) {
            self.highs.pop_front();
        }
    }

    /// The window's minimum, `None` before any value.
    pub fn min(&self) -> Option<f64> {
        self.lows.front().map(|&(_, v)| v)
    }

    /// The window's maximum, `None` before any value.
    pub fn max(&self) -> Option<f64> {
        self.highs.front().map(|&(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windowed_matches_brute_force() {
        let xs: Vec<f64> = (0..300).map(|i| ((i * 7919 % 263) as f64) - 100.0).collect();
        for w in [1, 2, 5, 17] {
            let mut m = WindowedMinMax::new(w);
            for (i, &x) in xs.iter().enumerate() {
                m.push(x);
                let win = &xs[(i + 1).saturating_sub(w)..=i];
                assert_eq!(m.min(), win.iter().copied().reduce(f64::min), "w={w} i={i}");
                assert_eq!(m.max(), win.iter().copied().reduce(f64::max), "w={w} i={i}");
            }
        }
    }

    #[test]
    fn running_merges() {
        let (mut a, mut b) = (MinMax::new(), MinMax::new());
        assert_eq!(a.min(), None);
        [3.0, -1.0].iter().for_each(|&x| a.push(x));
        [7.0, 2.0].iter().for_each(|&x| b.push(x));
        a.merge(&b);
        assert_eq!((a.min(), a.max()), (Some(-1.0), Some(7.0)));
    }
}
