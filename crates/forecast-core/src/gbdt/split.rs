//! The best split of a leaf on one feature's histogram, trying missing values on both sides;
//! for a categorical feature, the best set of categories to send left (LightGBM's search).

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
    /// Categorical features with at most this many categories split one category versus the rest.
    pub(crate) max_cat_to_onehot: usize,
    /// Most categories on the left of a sorted categorical split.
    pub(crate) max_cat_threshold: usize,
    /// Smoothing of the gradient ratio that orders categories; also the fewest rows a category
    /// needs to take part in a sorted split.
    pub(crate) cat_smooth: f64,
    /// Extra L2 penalty of the children of a sorted categorical split.
    pub(crate) cat_l2: f64,
    /// Fewest rows per group of categories added to the left side between two candidate splits.
    pub(crate) min_data_per_group: usize,
}

/// A set of bins of one feature (at most 256), as a bitset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct BinSet([u64; 4]);

impl BinSet {
    #[inline]
    pub(crate) fn insert(&mut self, b: usize) {
        self.0[b / 64] |= 1 << (b % 64);
    }

    #[inline]
    pub(crate) fn contains(&self, b: u8) -> bool {
        (self.0[usize::from(b) / 64] >> (b % 64)) & 1 == 1
    }

    /// The bins in the set, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..256).filter(|&b| self.contains(b as u8))
    }
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
/// A categorical split sends the bins of `categories` left and every other bin (NaN, missing,
/// unseen) right; its `bin` is the number of categories on the left minus one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SplitInfo {
    pub(crate) feature: usize,
    pub(crate) bin: usize,
    pub(crate) default_left: bool,
    pub(crate) gain: f64,
    pub(crate) left: Sums,
    pub(crate) right: Sums,
    pub(crate) categories: Option<BinSet>,
    /// L2 penalty added to the children's leaf values (`cat_l2` after a sorted categorical split).
    pub(crate) extra_l2: f64,
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
                best = Some(SplitInfo {
                    feature,
                    bin: b,
                    default_left,
                    gain,
                    left,
                    right,
                    categories: None,
                    extra_l2: 0.0,
                });
            }
        }
    }
    best
}

/// The best categorical split of a leaf with totals `parent` on `feature`, whose histogram has
/// one bin per category and the missing/unseen bin last (never sent left), as LightGBM's
/// `FindBestThresholdCategoricalInner`: with at most `max_cat_to_onehot` categories, one
/// category versus the rest; otherwise the categories with at least `cat_smooth` rows sorted by
/// `G / (H + cat_smooth)` and scanned from both ends, taking at most `max_cat_threshold` of them
/// (and half the categories), trying a split after every `min_data_per_group` rows, with
/// `cat_l2` added to the children's penalty. `None` when no split has positive gain.
pub(crate) fn best_categorical_split(
    feature: usize,
    hist: &[HistBin],
    parent: Sums,
    rules: &SplitRules,
) -> Option<SplitInfo> {
    let cats = &hist[..hist.len().checked_sub(1)?];
    let per_hess = if parent.hess > 0.0 { parent.count as f64 / parent.hess } else { 0.0 };
    let count_of = |hess: f64| (hess * per_hess + 0.5) as usize;
    let parent_score = rules.leaf_score(parent.grad, parent.hess);
    let mut best: Option<SplitInfo> = None;
    let mut consider = |left_bins: &[usize], g: f64, h: f64, extra_l2: f64| -> bool {
        let left = Sums { grad: g, hess: h, count: count_of(h) };
        let right =
            Sums { grad: parent.grad - g, hess: parent.hess - h, count: parent.count.saturating_sub(left.count) };
        if !rules.admissible(&left) || !rules.admissible(&right) {
            return false;
        }
        let score = |s: &Sums| s.grad * s.grad / (s.hess + rules.lambda_l2 + extra_l2);
        let gain = score(&left) + score(&right) - parent_score;
        if gain > best.map_or(0.0, |s| s.gain) {
            let mut set = BinSet::default();
            left_bins.iter().for_each(|&b| set.insert(b));
            best = Some(SplitInfo {
                feature,
                bin: left_bins.len() - 1,
                default_left: false,
                gain,
                left,
                right,
                categories: Some(set),
                extra_l2,
            });
        }
        true
    };
    if cats.len() <= rules.max_cat_to_onehot {
        for (b, bin) in cats.iter().enumerate() {
            if bin[1] > 0.0 {
                consider(&[b], bin[0], bin[1], 0.0);
            }
        }
        return best;
    }
    let mut order: Vec<usize> = (0..cats.len()).filter(|&b| count_of(cats[b][1]) as f64 >= rules.cat_smooth).collect();
    let ratio = |b: usize| cats[b][0] / (cats[b][1] + rules.cat_smooth);
    // Stable: ties keep the ascending category order.
    order.sort_by(|&a, &b| ratio(a).total_cmp(&ratio(b)));
    let used = order.len();
    let max_left = rules.max_cat_threshold.min(used.div_ceil(2));
    for reverse in [false, true] {
        let (mut g, mut h, mut group) = (0.0, 0.0, 0usize);
        let mut left_bins: Vec<usize> = Vec::with_capacity(max_left);
        for i in 0..used.min(max_left) {
            let b = if reverse { order[used - 1 - i] } else { order[i] };
            left_bins.push(b);
            g += cats[b][0];
            h += cats[b][1];
            group += count_of(cats[b][1]);
            let left_count = count_of(h);
            if left_count < rules.min_data_in_leaf || h < rules.min_sum_hessian {
                continue;
            }
            let right_count = parent.count.saturating_sub(left_count);
            if right_count < rules.min_data_in_leaf
                || right_count < rules.min_data_per_group
                || parent.hess - h < rules.min_sum_hessian
            {
                break;
            }
            if group < rules.min_data_per_group {
                continue;
            }
            group = 0;
            consider(&left_bins, g, h, rules.cat_l2);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: SplitRules = SplitRules {
        lambda_l2: 0.0,
        min_data_in_leaf: 1,
        min_sum_hessian: 0.0,
        max_cat_to_onehot: 4,
        max_cat_threshold: 32,
        cat_smooth: 0.0,
        cat_l2: 0.0,
        min_data_per_group: 1,
    };

    fn left_bins(s: &SplitInfo) -> Vec<usize> {
        s.categories.map(|c| c.iter().collect()).unwrap_or_default()
    }

    #[test]
    fn few_categories_split_one_versus_the_rest() {
        // Category 2 stands out; the missing bin (last) never goes left.
        let hist = vec![[1.0, 4.0], [1.0, 4.0], [-8.0, 4.0], [1.0, 4.0], [9.0, 4.0]];
        let parent = Sums { grad: 4.0, hess: 20.0, count: 20 };
        let s = best_categorical_split(0, &hist, parent, &RULES).unwrap();
        assert_eq!(left_bins(&s), vec![2]);
        assert_eq!((s.left.count, s.right.count, s.extra_l2), (4, 16, 0.0));
        assert!(!s.default_left);
    }

    #[test]
    fn many_categories_are_sorted_by_gradient_ratio_and_grouped() {
        // Bins 1, 4 and 6 have negative gradients (high targets); an ordinal threshold cannot
        // isolate them, the sorted scan takes exactly them.
        let mut hist: Vec<HistBin> =
            (0..8).map(|b| if [1, 4, 6].contains(&b) { [-5.0, 5.0] } else { [3.0, 5.0] }).collect();
        hist.push([0.0, 0.0]);
        let parent = Sums { grad: 0.0, hess: 40.0, count: 40 };
        let s = best_categorical_split(0, &hist, parent, &RULES).unwrap();
        assert_eq!(left_bins(&s), vec![1, 4, 6]);
        let expected = 15.0f64.powi(2) / 15.0 + 15.0f64.powi(2) / 25.0;
        assert!((s.gain - expected).abs() < 1e-9, "{}", s.gain);
        // cat_l2 penalises both children; the stored extra penalty reaches the leaf values.
        let s = best_categorical_split(0, &hist, parent, &SplitRules { cat_l2: 10.0, ..RULES }).unwrap();
        assert!((s.gain - (225.0 / 25.0 + 225.0 / 35.0)).abs() < 1e-9, "{}", s.gain);
        assert_eq!(s.extra_l2, 10.0);
        // max_cat_threshold caps the left side: two of the three from the low end, or the
        // five others from the high end only up to two; so the best has at most 2 categories.
        let s = best_categorical_split(0, &hist, parent, &SplitRules { max_cat_threshold: 2, ..RULES }).unwrap();
        assert_eq!(s.categories.map(|c| c.iter().count()), Some(2));
        // min_data_per_group: 5 rows per category, groups of 15 rows allow only 3, 6, ... categories.
        let s = best_categorical_split(0, &hist, parent, &SplitRules { min_data_per_group: 15, ..RULES }).unwrap();
        assert_eq!(left_bins(&s), vec![1, 4, 6]);
        let grouped = SplitRules { min_data_per_group: 20, ..RULES };
        assert!(best_categorical_split(0, &hist, parent, &grouped).is_none_or(|s| s.bin + 1 == 4));
        // Categories with fewer rows than cat_smooth take no part.
        assert!(best_categorical_split(0, &hist, parent, &SplitRules { cat_smooth: 6.0, ..RULES }).is_none());
    }

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
