//! KLL quantile sketch (Karnin, Lang and Liberty 2016), in the compactor layout of Apache
//! DataSketches: level `h` holds items of weight `2^h`, level capacities shrink by 2/3 going
//! down from the top, and a full level is sorted and halved with a random offset.

use super::Merge;
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// Every quantile of a stream, in `O(k log(n / k))` memory, mergeable.
///
/// **Error bound.** A quantile query returns an item whose normalised rank is within `ε` of the
/// requested one; KLL proves `ε = O(1/k)` with high probability. Apache DataSketches measures
/// `ε ≈ 2.296 / k^0.9723` at 99% confidence for a single query, 1.33% at the default `k = 200`
/// ([`KllSketch::rank_error_bound`]); the tests here check the bound on seeded streams against
/// the exact ranks. Minimum and maximum are exact.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `k` | 200 | accuracy against memory | 8 ..= 65535 |
/// | `seed` | (required) | the compactors' coin flips | any `u64` |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KllSketch {
    k: usize,
    levels: Vec<Vec<f64>>,
    n: u64,
    min: f64,
    max: f64,
    rng: SplitMix64,
}

/// Narrowest level, as DataSketches' `m`.
const MIN_WIDTH: usize = 8;

impl KllSketch {
    /// A sketch with accuracy parameter `k` (clamped into 8 ..= 65535).
    pub fn new(k: usize, seed: u64) -> Self {
        Self {
            k: k.clamp(MIN_WIDTH, 65_535),
            levels: vec![Vec::new()],
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            rng: SplitMix64::new(seed),
        }
    }

    /// DataSketches' measured single-query rank error at 99% confidence for this `k`.
    pub fn rank_error_bound(&self) -> f64 {
        2.296 / (self.k as f64).powf(0.9723)
    }

    /// Values seen.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Items retained (memory is about 8 bytes each).
    pub fn retained(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    /// Add a value; NaN is ignored (it has no rank), and the caller's validation should reject it first.
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.levels[0].push(x);
        self.compress();
    }

    fn capacity(&self, level: usize) -> usize {
        let depth = (self.levels.len() - 1 - level) as i32;
        ((self.k as f64) * (2.0_f64 / 3.0).powi(depth)).ceil().max(MIN_WIDTH as f64) as usize
    }

    fn compress(&mut self) {
        loop {
            let total_capacity: usize = (0..self.levels.len()).map(|h| self.capacity(h)).sum();
            if self.retained() <= total_capacity {
                return;
            }
            let Some(h) = (0..self.levels.len()).find(|&h| self.levels[h].len() >= self.capacity(h)) else {
                return;
            };
            self.compact(h);
        }
    }

    fn compact(&mut self, h: usize) {
        if h + 1 == self.levels.len() {
            self.levels.push(Vec::new());
        }
        let mut items = std::mem::take(&mut self.levels[h]);
        items.sort_by(f64::total_cmp);
        // An odd item out stays behind so that weights add up exactly.
        if items.len() % 2 == 1
            && let Some(last) = items.pop()
        {
            self.levels[h].push(last);
        }
        let offset = (self.rng.next_u64() & 1) as usize;
        let promoted = items.iter().skip(offset).step_by(2).copied();
        self.levels[h + 1].extend(promoted);
    }

    fn weighted(&self) -> Vec<(f64, u64)> {
        let mut items: Vec<(f64, u64)> =
            self.levels.iter().enumerate().flat_map(|(h, l)| l.iter().map(move |&x| (x, 1u64 << h))).collect();
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        items
    }

    /// The estimated `q`-quantile (`q` clamped into [0, 1]); `None` before any value.
    /// `q = 0` and `q = 1` give the exact minimum and maximum.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        if q == 0.0 {
            return Some(self.min);
        }
        if q == 1.0 {
            return Some(self.max);
        }
        let target = q * self.n as f64;
        let mut cumulative = 0u64;
        for (x, w) in self.weighted() {
            cumulative += w;
            if cumulative as f64 >= target {
                return Some(x);
            }
        }
        Some(self.max)
    }

    /// Estimated fraction of values `<= x`.
    pub fn rank(&self, x: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let below: u64 = self.weighted().iter().take_while(|(v, _)| *v <= x).map(|(_, w)| w).sum();
        below as f64 / self.n as f64
    }
}

impl Merge for KllSketch {
    /// Merge two sketches; the result keeps `self`'s `k`.
    fn merge(&mut self, other: &Self) {
        while self.levels.len() < other.levels.len() {
            self.levels.push(Vec::new());
        }
        for (h, level) in other.levels.iter().enumerate() {
            self.levels[h].extend_from_slice(level);
        }
        self.n += other.n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.compress();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| -(1.0 - rng.unit()).ln() * 3.0).collect()
    }

    fn max_rank_error(sketch: &KllSketch, sorted: &[f64]) -> f64 {
        let n = sorted.len() as f64;
        (1..100)
            .map(|i| {
                let q = i as f64 / 100.0;
                let x = sketch.quantile(q).unwrap();
                let lo = sorted.partition_point(|&v| v < x) as f64 / n;
                let hi = sorted.partition_point(|&v| v <= x) as f64 / n;
                if q < lo {
                    lo - q
                } else if q > hi {
                    q - hi
                } else {
                    0.0
                }
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn rank_error_within_the_stated_bound_and_merge_keeps_it() {
        for seed in 0..5 {
            let xs = stream(seed, 50_000);
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let mut whole = KllSketch::new(200, seed);
            xs.iter().for_each(|&x| whole.push(x));
            let bound = whole.rank_error_bound();
            assert!(max_rank_error(&whole, &sorted) <= bound, "seed {seed}: {}", max_rank_error(&whole, &sorted));
            assert!(whole.retained() < 1_000, "{}", whole.retained());
            let (mut a, mut b) = (KllSketch::new(200, seed + 100), KllSketch::new(200, seed + 200));
            xs[..20_000].iter().for_each(|&x| a.push(x));
            xs[20_000..].iter().for_each(|&x| b.push(x));
            a.merge(&b);
            assert_eq!(a.count(), 50_000);
            assert!(max_rank_error(&a, &sorted) <= bound, "merged, seed {seed}: {}", max_rank_error(&a, &sorted));
            assert_eq!(a.quantile(0.0), sorted.first().copied());
            assert_eq!(a.quantile(1.0), sorted.last().copied());
        }
    }

    #[test]
    fn small_streams_are_exact() {
        let mut s = KllSketch::new(200, 1);
        for x in [5.0, 1.0, 4.0, 2.0, 3.0] {
            s.push(x);
        }
        assert_eq!(s.quantile(0.5), Some(3.0));
        assert_eq!(s.rank(2.0), 0.4);
        assert_eq!(KllSketch::new(200, 1).quantile(0.5), None);
    }
}
