//! Rolling statistics, one value at a time, per series.
//!
//! | Statistic | Memory | Mergeable | Exact |
//! |---|---|---|---|
//! | [`Welford`] mean and variance | O(1) | yes (Chan et al.) | yes, to rounding |
//! | [`RollingMoments`] mean and variance over the last `w` points | O(w) | no | yes, to rounding |
//! | [`Ewma`] exponentially weighted mean | O(1) | yes, one segment after another | yes |
//! | [`MinMax`] running minimum and maximum | O(1) | yes | yes |
//! | [`WindowedMinMax`] minimum and maximum of the last `w` points (monotonic deques) | O(w) worst case | no | yes |
//! | [`P2Quantile`] one quantile, P² (River's `stats.Quantile`) and [`Mad`] | O(1) | no | estimate |
//! | [`KllSketch`] every quantile at once (KLL) | O(k log(n/k)) | yes | rank error bound below |
//!
//! Mergeable statistics implement [`Merge`]: two shards of one series (or two stores rolled up to a
//! region) merge into the statistic of the union, as if one had seen all the values.

mod ewma;
mod extrema;
mod kll;
mod p2;
mod welford;

pub use ewma::Ewma;
pub use extrema::{MinMax, WindowedMinMax};
pub use kll::KllSketch;
pub use p2::{Mad, P2Quantile};
pub use welford::{RollingMoments, Welford};

/// A statistic that can absorb another one computed on other values.
pub trait Merge {
    /// Fold `other` into `self`: afterwards `self` summarises the values of both.
    fn merge(&mut self, other: &Self);
}
