//! Leaf-wise (best-first) growth of one regression tree from gradient histograms.
//!
//! Rows of each leaf are a contiguous range of one index array, partitioned in place at
//! every split. Only the smaller child's histogram is built from rows; the larger child's is
//! its parent's minus the smaller one (the subtraction trick), in the parent's pool slot.

use super::binning::BinnedMatrix;
use super::histogram::{GradPair, HistogramPool};
use super::split::{BinSet, SplitInfo, SplitRules, Sums, best_categorical_split, best_split};
use crate::tree::{Missing, Node, Split, SplitRule};
use rayon::prelude::*;
use std::ops::Range;

/// Tree-shape limits and split rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrowLimits {
    pub(crate) num_leaves: usize,
    pub(crate) max_depth: usize,
    pub(crate) rules: SplitRules,
}

/// A split in bin space, to route binned rows exactly as the float split does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BinSplit {
    feature: usize,
    bin: u8,
    nan_bin: u8,
    default_left: bool,
    /// The bins sent left by a categorical split (the NaN/unseen bin is never among them).
    categories: Option<BinSet>,
    left: usize,
    right: usize,
}

impl BinSplit {
    fn of(split: &SplitInfo, data: &BinnedMatrix, left: usize, right: usize) -> Self {
        Self {
            feature: split.feature,
            bin: split.bin as u8,
            nan_bin: data.mappers[split.feature].nan_bin() as u8,
            default_left: split.default_left,
            categories: split.categories,
            left,
            right,
        }
    }

    #[inline]
    fn goes_left(&self, b: u8) -> bool {
        match &self.categories {
            Some(set) => set.contains(b),
            None if b == self.nan_bin => self.default_left,
            None => b <= self.bin,
        }
    }
}

/// The tree rule of a split found in bin space: a threshold, or the bitset of the categories
/// of the left bins (32 per word, as LightGBM stores them).
fn split_rule(split: &SplitInfo, mapper: &super::binning::BinMapper) -> SplitRule {
    match (split.categories, mapper.categories()) {
        (Some(set), Some(cats)) => {
            let left: Vec<u32> = set.iter().filter_map(|b| cats.get(b).copied()).collect();
            let words = left.iter().max().map_or(1, |&c| c as usize / 32 + 1);
            let mut bits = vec![0u32; words];
            left.iter().for_each(|&c| bits[c as usize / 32] |= 1 << (c % 32));
            SplitRule::Category(bits)
        }
        _ => SplitRule::LessOrEqual(mapper.threshold(split.bin)),
    }
}

/// A grown tree: nodes with unshrunk leaf values, and each leaf's rows in the grower's index array.
#[derive(Debug)]
pub(crate) struct GrownTree {
    pub(crate) nodes: Vec<Node>,
    /// `(node index, range of rows in `Grower::rows`)` of each leaf.
    pub(crate) leaves: Vec<(usize, Range<usize>)>,
    bin_splits: Vec<Option<BinSplit>>,
    /// `(feature, gain)` of each split.
    pub(crate) gains: Vec<(usize, f64)>,
    /// Training rows that reached each node (parallel to `nodes`), as LightGBM's counts.
    pub(crate) cover: Vec<f64>,
}

impl GrownTree {
    /// The node index of the leaf a binned training row falls into.
    pub(crate) fn leaf_of_row(&self, data: &BinnedMatrix, row: usize) -> usize {
        let mut node = 0;
        while let Some(Some(s)) = self.bin_splits.get(node) {
            node = if s.goes_left(data.bins[s.feature * data.n_rows + row]) { s.left } else { s.right };
        }
        node
    }
}

#[derive(Debug, Clone)]
struct Leaf {
    rows: Range<usize>,
    sums: Sums,
    depth: usize,
    node: usize,
    slot: usize,
    best: Option<SplitInfo>,
    /// L2 penalty added to this leaf's value by the split that made it.
    extra_l2: f64,
}

/// Reusable buffers of tree growth.
#[derive(Debug)]
pub(crate) struct Grower {
    limits: GrowLimits,
    pool: HistogramPool,
    rows: Vec<u32>,
    scratch: Vec<u32>,
    ordered: Vec<GradPair>,
}

impl Grower {
    pub(crate) fn new(limits: GrowLimits, data: &BinnedMatrix) -> Self {
        let total_bins = data.offsets.last().copied().unwrap_or(0);
        Self {
            limits,
            pool: HistogramPool::new(limits.num_leaves, total_bins),
            rows: Vec::with_capacity(data.n_rows),
            scratch: vec![0; data.n_rows],
            ordered: Vec::with_capacity(data.n_rows),
        }
    }

    /// The row index array the leaf ranges of the last grown tree point into.
    pub(crate) fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// Grow one tree on the rows `bag` (all rows when `None`) and the `features` given.
    pub(crate) fn grow(
        &mut self,
        data: &BinnedMatrix,
        grads: &[GradPair],
        bag: Option<&[u32]>,
        features: &[usize],
    ) -> GrownTree {
        self.pool.reset();
        self.rows.clear();
        match bag {
            Some(b) => self.rows.extend_from_slice(b),
            None => self.rows.extend(0..data.n_rows as u32),
        }
        let root_slot = self.pool.take();
        let sums = match bag {
            Some(b) => {
                self.gather(0..b.len(), grads);
                self.pool.build(root_slot, data, features, Some(&self.rows), &self.ordered);
                sum_pairs(&self.ordered)
            }
            None => {
                self.pool.build(root_slot, data, features, None, grads);
                sum_pairs(grads)
            }
        };
        let mut root = Leaf {
            rows: 0..self.rows.len(),
            sums: Sums { count: self.rows.len(), ..sums },
            depth: 0,
            node: 0,
            slot: root_slot,
            best: None,
            extra_l2: 0.0,
        };
        root.best = self.find_best(data, features, &root);
        let mut leaves = vec![root];
        let mut tree = GrownTree {
            nodes: vec![Node::Leaf(0.0)],
            leaves: Vec::new(),
            bin_splits: vec![None],
            gains: Vec::new(),
            cover: vec![self.rows.len() as f64],
        };
        while leaves.len() < self.limits.num_leaves {
            let Some((i, split)) = leaves.iter().enumerate().filter_map(|(i, l)| l.best.map(|s| (i, s))).fold(
                None,
                |acc: Option<(usize, SplitInfo)>, (i, s)| match acc {
                    Some((_, a)) if a.gain >= s.gain => acc,
                    _ => Some((i, s)),
                },
            ) else {
                break;
            };
            let parent = leaves[i].clone();
            let mid = self.partition(data, &parent.rows, &split);
            let (left_node, right_node) = (tree.nodes.len(), tree.nodes.len() + 1);
            let mapper = &data.mappers[split.feature];
            tree.nodes[parent.node] = Node::Split(Split {
                feature: split.feature as u32,
                rule: split_rule(&split, mapper),
                missing: Missing::NaN,
                default_left: split.default_left,
                left: left_node as u32,
                right: right_node as u32,
            });
            tree.bin_splits[parent.node] = Some(BinSplit::of(&split, data, left_node, right_node));
            tree.nodes.extend([Node::Leaf(0.0), Node::Leaf(0.0)]);
            tree.bin_splits.extend([None, None]);
            tree.cover.extend([(mid - parent.rows.start) as f64, (parent.rows.end - mid) as f64]);
            tree.gains.push((split.feature, split.gain));
            let child = |rows: Range<usize>, sums: Sums, node| Leaf {
                sums: Sums { count: rows.len(), ..sums },
                rows,
                depth: parent.depth + 1,
                node,
                slot: parent.slot,
                best: None,
                extra_l2: split.extra_l2,
            };
            let mut left = child(parent.rows.start..mid, split.left, left_node);
            let mut right = child(mid..parent.rows.end, split.right, right_node);
            if leaves.len() + 1 < self.limits.num_leaves && self.can_split(&left, &right) {
                let (small, large) =
                    if left.rows.len() <= right.rows.len() { (&mut left, &mut right) } else { (&mut right, &mut left) };
                small.slot = self.pool.take();
                self.gather(small.rows.clone(), grads);
                let rows = &self.rows[small.rows.clone()];
                self.pool.build(small.slot, data, features, Some(rows), &self.ordered);
                self.pool.subtract(large.slot, small.slot, data, features);
                left.best = self.find_best(data, features, &left);
                right.best = self.find_best(data, features, &right);
            }
            leaves[i] = left;
            leaves.push(right);
        }
        let rules = self.limits.rules;
        for leaf in &leaves {
            tree.nodes[leaf.node] = Node::Leaf(rules.leaf_value(leaf.sums.grad, leaf.sums.hess + leaf.extra_l2));
            tree.leaves.push((leaf.node, leaf.rows.clone()));
        }
        tree
    }

    fn can_split(&self, a: &Leaf, b: &Leaf) -> bool {
        let depth_ok = self.limits.max_depth == 0 || a.depth < self.limits.max_depth;
        let big_enough = |l: &Leaf| l.rows.len() >= 2 * self.limits.rules.min_data_in_leaf;
        depth_ok && (big_enough(a) || big_enough(b))
    }

    fn find_best(&self, data: &BinnedMatrix, features: &[usize], leaf: &Leaf) -> Option<SplitInfo> {
        if self.limits.max_depth > 0 && leaf.depth >= self.limits.max_depth {
            return None;
        }
        if leaf.rows.len() < 2 * self.limits.rules.min_data_in_leaf {
            return None;
        }
        let hist = self.pool.get(leaf.slot);
        let rules = &self.limits.rules;
        features
            .par_iter()
            .map(|&f| {
                let h = &hist[data.offsets[f]..data.offsets[f + 1]];
                if data.mappers[f].categories().is_some() {
                    best_categorical_split(f, h, leaf.sums, rules)
                } else {
                    best_split(f, h, leaf.sums, rules)
                }
            })
            .reduce(|| None, SplitInfo::better)
    }

    /// Copy the gradients of `self.rows[range]` into `self.ordered`, in row-list order.
    fn gather(&mut self, range: Range<usize>, grads: &[GradPair]) {
        self.ordered.clear();
        self.ordered.extend(self.rows[range].iter().map(|&r| grads[r as usize]));
    }

    /// Stable in-place partition of a leaf's rows: left rows first. Returns the boundary.
    fn partition(&mut self, data: &BinnedMatrix, range: &Range<usize>, split: &SplitInfo) -> usize {
        let col = data.column(split.feature);
        let rule = BinSplit::of(split, data, 0, 0);
        let rows = &mut self.rows[range.clone()];
        let scratch = &mut self.scratch[..rows.len()];
        let (mut n_left, mut n_right) = (0, 0);
        for i in 0..rows.len() {
            let r = rows[i];
            let left = rule.goes_left(col[r as usize]);
            // Branch-free: write to both sides, advance one.
            rows[n_left] = r;
            scratch[n_right] = r;
            n_left += usize::from(left);
            n_right += usize::from(!left);
        }
        rows[n_left..].copy_from_slice(&scratch[..n_right]);
        range.start + n_left
    }
}

fn sum_pairs(g: &[GradPair]) -> Sums {
    let (grad, hess) = g
        .par_chunks(super::objective::ROW_CHUNK)
        .map(|c| c.iter().fold((0.0, 0.0), |(a, b), p| (a + f64::from(p[0]), b + f64::from(p[1]))))
        .collect::<Vec<_>>()
        .into_iter()
        .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
    Sums { grad, hess, count: g.len() }
}
