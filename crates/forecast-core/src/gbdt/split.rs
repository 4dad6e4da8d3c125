//! The best split of a leaf on one feature's histogram, trying missing values on both sides.

use super::histogram::HistBin;

/// Sums over a set of rows.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Sums {
    pub(crate) grad: f64,
    pub(crate) hess: f64,
    pub(crate) count: usize,
}

/// Split constraints and regularisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitRules {
    pub(crate) lambda_l2: f64,
    pub(crate) min_data_in_leaf: usize,
    pub(crate) min_sum_hessian: f64,
}

impl SplitRules {
    /// The loss reduction score `G² / (H + λ)` of a leaf.
    #[inline]
    pub(crate) fn leaf_score(&self, grad: f64, hess: f64) -> f64 {
        grad * grad / (hess + self.lambda_l2)
    }

    /// The optimal leaf value `-G / (H + λ)`.
    #[inline]
    pub(crate) fn leaf_value(&self, grad: f64, hess: f64) -> f64 {
        let denom = hess + self.lambda_l2;
        if denom > 0.0 { -grad / denom } else { 0.0 }
    }

    #[inline]
    fn admissible(&self, s: &Sums) -> bool {
        s.count >= self.min_data_in_leaf && s.hess >= self.min_sum_hessian
    }
}

/// A candidate split: rows with `bin <= bin` go left; the NaN bin goes left iff `default_left`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SplitInfo {
    pub(crate) feature: usize,
    pub(crate) bin: usize,
    pub(crate) default_left: bool,
    pub(crate) gain: f64,
    pub(crate) left: Sums,
    pub(crate) right: Sums,
}

impl SplitInfo {
    /// Deterministic order: higher gain wins, ties go to the lower feature then lower bin.
    pub(crate) fn better(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(x), Some(y)) => {
                if y.gain > x.gain || (y.gain == x.gain && (y.feature, y.bin) < (x.feature, x.bin)) {
                    Some(y)
                } else {
                    Some(x)
                }
            }
            (x, None) => x,
            (None, y) => y,
        }
    }
}

/// The best split of a leaf with totals `parent` on feature `feature`, whose histogram
/// `hist` has its NaN bin last. Counts come from hessians (as in LightGBM), scaled by the
/// leaf's rows per unit hessian. `None` when no split has positive gain.
pub(crate) fn best_split(feature: usize, hist: &[HistBin], parent: Sums, rules: &SplitRules) -> Option<SplitInfo> {
    let (numeric, nan) = hist.split_at(hist.len().checked_sub(1)?);
    let nan = nan[0];
    let per_hess = if parent.hess > 0.0 { parent.count as f64 / parent.hess } else { 0.0 };
    let count_of = |hess: f64| (hess * per_hess + 0.5) as usize;
    let parent_score = rules.leaf_score(parent.grad, parent.hess);
    let has_nan = nan[1] > 0.0;
    let mut best: Option<SplitInfo> = None;
    let (mut gl, mut hl) = (0.0, 0.0);
    let last = numeric.len().saturating_sub(1);
    // Bins 0..last cut between observed values; bin `last` (every observed value left, NaN
    // right) separates missing from present, as LightGBM tries for a feature with NaN.
    for (b, bin) in numeric.iter().enumerate() {
        gl += bin[0];
        hl += bin[1];
        if b == last && !has_nan {
            break;
        }
        if bin[1] <= 0.0 && b > 0 && b < last {
            continue;
        }
        for nan_left in [false, true] {
            if nan_left && (!has_nan || b == last) {
                break;
            }
            let (g, h) = if nan_left { (gl + nan[0], hl + nan[1]) } else { (gl, hl) };
            let left = Sums { grad: g, hess: h, count: count_of(h) };
            let right =
                Sums { grad: parent.grad - g, hess: parent.hess - h, count: parent.count.saturating_sub(left.count) };
            if !rules.admissible(&left) || !rules.admissible(&right) {
                continue;
            }
            let gain = rules.leaf_score(left.grad, left.hess) + rules.leaf_score(right.grad, right.hess) - parent_score;
            if gain > best.map_or(0.0, |s| s.gain) {
                // With no NaN in the leaf, unseen NaNs follow the larger side.
                let default_left = if has_nan { nan_left } else { left.count >= right.count };
                best = Some(SplitInfo { feature, bin: b, default_left, gain, left, right });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: SplitRules = SplitRules { lambda_l2: 0.0, min_data_in_leaf: 1, min_sum_hessian: 0.0 };

    #[test]
    fn finds_the_step_and_sends_nan_where_it_fits() {
        // Bins 0,1 have gradient +1 per row, bin 2 has -1, NaN rows have -1: NaN belongs right.
        let hist = vec![[2.0, 2.0], [2.0, 2.0], [-4.0, 4.0], [-3.0, 3.0]];
        let parent = Sums { grad: -3.0, hess: 11.0, count: 11 };
        let s = best_split(0, &hist, parent, &RULES).unwrap();
        assert_eq!((s.bin, s.default_left), (1, false));
        assert_eq!(s.left.count, 4);
        assert_eq!(s.right.count, 7);
        let flipped = vec![[2.0, 2.0], [2.0, 2.0], [-4.0, 4.0], [3.0, 3.0]];
        let s = best_split(0, &flipped, Sums { grad: 3.0, ..parent }, &RULES).unwrap();
        assert_eq!((s.bin, s.default_left), (1, true));
    }

    #[test]
    fn separates_missing_from_every_observed_value() {
        // Observed rows have no signal (gradients cancel across bins); NaN rows differ: the
        // only useful split is NaN versus everything else.
        let hist = vec![[1.0, 2.0], [-1.0, 2.0], [6.0, 3.0]];
        let parent = Sums { grad: 6.0, hess: 7.0, count: 7 };
        let s = best_split(0, &hist, parent, &RULES).unwrap();
        assert_eq!((s.bin, s.default_left), (1, false), "{s:?}");
        assert_eq!((s.left.count, s.right.count), (4, 3));
        // Without NaN rows there is nothing to separate.
        let no_nan = vec![[1.0, 2.0], [-1.0, 2.0], [0.0, 0.0]];
        let s = best_split(0, &no_nan, Sums { grad: 0.0, hess: 4.0, count: 4 }, &RULES);
        assert!(s.is_none_or(|s| s.bin == 0), "{s:?}");
    }

    #[test]
    fn respects_min_data_in_leaf() {
        let hist = vec![[5.0, 1.0], [0.0, 10.0], [0.0, 0.0]];
        let parent = Sums { grad: 5.0, hess: 11.0, count: 11 };
        assert!(best_split(0, &hist, parent, &RULES).is_some());
        let strict = SplitRules { min_data_in_leaf: 2, ..RULES };
        assert!(best_split(0, &hist, parent, &strict).is_none());
    }
}
