//! The compiled forest: every tree twice, in the two layouts the scoring paths want.
//!
//! - QuickScorer layout (trees of at most 64 leaves, batch path): leaves numbered left to
//!   right, and per internal node the bit mask of the leaves that stay reachable when the node
//!   sends a row right. A row's exit leaf is the lowest bit left after AND-ing the masks of
//!   every node whose test is false (Lucchese et al., QuickScorer, SIGIR 2015). Every node is
//!   evaluated, without branches, over a block of rows at a time, which vectorises.
//! - Walk layout (single rows, and batch trees with more than 64 leaves): structure-of-arrays
//!   nodes in pre-order, leaves looping to themselves so that a walk can run a fixed number of
//!   branch-free steps (the tree depth) and several trees or rows advance in lock step.

use super::quantize::{Bin, Quantizer};
use crate::tree::{Node, Tree};

/// One internal node in QuickScorer form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QsNode<B, M> {
    /// Column of the test.
    pub(crate) col: u32,
    /// Go right when `bin > c`.
    pub(crate) c: B,
    /// Leaves still reachable when the node goes right.
    pub(crate) mask: M,
}

/// One node in walk form; a leaf has `c = B::MAX` and both children equal to itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalkNode<B> {
    /// Column of the test.
    pub(crate) col: u32,
    /// Go right when `bin > c`.
    pub(crate) c: B,
    /// Left child (absolute index).
    pub(crate) left: u32,
    /// Right child (absolute index).
    pub(crate) right: u32,
}

/// Leaf values of a QuickScorer tree, padded so that any exit index (0..=64) is in range.
pub(crate) type LeafTable = [f64; 65];

/// How the batch path scores one tree.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BatchTree {
    /// At most 32 leaves: nodes `qs32[start..end]`, leaves `leaves[leaf_table]`.
    Qs32 { start: u32, end: u32, leaf_table: u32 },
    /// At most 64 leaves: nodes `qs64[start..end]`.
    Qs64 { start: u32, end: u32, leaf_table: u32 },
    /// More leaves: walk `walk[root..]` for `depth` steps.
    Walk { root: u32, depth: u32 },
}

/// Consecutive trees walked in lock step by the single-row path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalkGroup {
    /// First tree.
    pub(crate) first: u32,
    /// Number of trees (at most [`GROUP`]).
    pub(crate) len: u32,
    /// Deepest tree of the group.
    pub(crate) depth: u32,
}

/// Trees per single-row lock-step group.
pub(crate) const GROUP: usize = 8;

/// Every tree of an ensemble in both layouts, for bins of type `B`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forest<B> {
    pub(crate) qs32: Vec<QsNode<B, u32>>,
    pub(crate) qs64: Vec<QsNode<B, u64>>,
    pub(crate) leaves: Vec<LeafTable>,
    pub(crate) walk: Vec<WalkNode<B>>,
    pub(crate) walk_values: Vec<f64>,
    /// Root of each tree in `walk`.
    pub(crate) walk_roots: Vec<u32>,
    pub(crate) batch: Vec<BatchTree>,
    pub(crate) groups: Vec<WalkGroup>,
}

impl<B: Bin> Forest<B> {
    /// Lay out `trees` (already validated) against the quantiser's columns.
    pub(crate) fn build(trees: &[Tree], q: &Quantizer) -> Self {
        let mut f = Self::default();
        let mut depths = Vec::with_capacity(trees.len());
        for tree in trees {
            let root = f.walk.len() as u32;
            let depth = f.push_walk(tree, q);
            f.walk_roots.push(root);
            depths.push(depth);
            let n_leaves = count_leaves(tree, 0);
            let code = if n_leaves <= 32 {
                let start = f.qs32.len() as u32;
                let leaf_table = f.push_qs(tree, q, |n| &mut n.qs32);
                BatchTree::Qs32 { start, end: f.qs32.len() as u32, leaf_table }
            } else if n_leaves <= 64 {
                let start = f.qs64.len() as u32;
                let leaf_table = f.push_qs(tree, q, |n| &mut n.qs64);
                BatchTree::Qs64 { start, end: f.qs64.len() as u32, leaf_table }
            } else {
                BatchTree::Walk { root, depth }
            };
            f.batch.push(code);
        }
        for (g, chunk) in depths.chunks(GROUP).enumerate() {
            let depth = chunk.iter().copied().max().unwrap_or(0);
            f.groups.push(WalkGroup { first: (g * GROUP) as u32, len: chunk.len() as u32, depth });
        }
        f
    }

    /// Append `tree` in walk form (pre-order); returns its depth.
    fn push_walk(&mut self, tree: &Tree, q: &Quantizer) -> u32 {
        let base = self.walk.len();
        let mut depth = 0;
        // (node in tree, parent slot to patch, is right child, depth)
        let mut stack = vec![(0usize, None::<(usize, bool)>, 0u32)];
        while let Some((i, parent, d)) = stack.pop() {
            let at = self.walk.len() as u32;
            if let Some((p, right)) = parent
                && let Some(n) = self.walk.get_mut(p)
            {
                if right {
                    n.right = at;
                } else {
                    n.left = at;
                }
            }
            depth = depth.max(d);
            match tree.nodes.get(i) {
                Some(Node::Split(s)) => {
                    let code = q.code(s);
                    self.walk.push(WalkNode { col: code.col, c: B::from_u32(code.c), left: at, right: at });
                    self.walk_values.push(f64::NAN);
                    let slot = at as usize;
                    stack.push((s.right as usize, Some((slot, true)), d + 1));
                    stack.push((s.left as usize, Some((slot, false)), d + 1));
                }
                Some(Node::Leaf(v)) => {
                    self.walk.push(WalkNode { col: 0, c: B::MAX, left: at, right: at });
                    self.walk_values.push(*v);
                }
                None => {}
            }
        }
        debug_assert!(self.walk.len() > base);
        depth
    }

    /// Append `tree` in QuickScorer form to the node list chosen by `list`; returns its leaf table.
    fn push_qs<M: Mask>(&mut self, tree: &Tree, q: &Quantizer, list: fn(&mut Self) -> &mut Vec<QsNode<B, M>>) -> u32 {
        let mut table: LeafTable = [f64::NAN; 65];
        let mut n_leaves = 0usize;
        let mut nodes = Vec::new();
        // Iterative in-order numbering: (node, visited-left?) with the first leaf index of each subtree.
        let mut stack = vec![(0usize, None::<usize>)];
        while let Some((i, first_leaf)) = stack.pop() {
            match (tree.nodes.get(i), first_leaf) {
                (Some(Node::Leaf(v)), _) => {
                    if let Some(slot) = table.get_mut(n_leaves) {
                        *slot = *v;
                    }
                    n_leaves += 1;
                }
                (Some(Node::Split(s)), None) => {
                    stack.push((i, Some(n_leaves)));
                    stack.push((s.left as usize, None));
                }
                (Some(Node::Split(s)), Some(first)) => {
                    // The left subtree took leaves first..n_leaves: going right clears them.
                    let code = q.code(s);
                    nodes.push(QsNode { col: code.col, c: B::from_u32(code.c), mask: !M::range(first, n_leaves) });
                    stack.push((s.right as usize, None));
                }
                (None, _) => {}
            }
        }
        list(self).extend(nodes);
        self.leaves.push(table);
        (self.leaves.len() - 1) as u32
    }
}

/// Reachable leaves of `tree` below node `i`.
fn count_leaves(tree: &Tree, i: usize) -> usize {
    let mut n = 0;
    let mut stack = vec![i];
    while let Some(i) = stack.pop() {
        match tree.nodes.get(i) {
            Some(Node::Leaf(_)) => n += 1,
            Some(Node::Split(s)) => stack.extend([s.left as usize, s.right as usize]),
            None => {}
        }
    }
    n
}

/// A leaf bit vector (u32 or u64).
pub(crate) trait Mask: Copy + std::ops::Not<Output = Self> + std::ops::BitAnd<Output = Self> {
    /// All leaves reachable.
    const ALL: Self;
    /// Bits `lo..hi` set.
    fn range(lo: usize, hi: usize) -> Self;
    /// Index of the exit leaf.
    fn first(self) -> usize;
}

macro_rules! impl_mask {
    ($($t:ty),*) => {$(
        impl Mask for $t {
            const ALL: Self = <$t>::MAX;
            fn range(lo: usize, hi: usize) -> Self {
                let bits = <$t>::BITS as usize;
                let upto = |n: usize| if n >= bits { <$t>::MAX } else { ((1 as $t) << n) - 1 };
                upto(hi) & !upto(lo)
            }
            #[inline(always)]
            fn first(self) -> usize {
                self.trailing_zeros() as usize
            }
        }
    )*};
}
impl_mask!(u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_ranges() {
        assert_eq!(<u32 as Mask>::range(0, 3), 0b111);
        assert_eq!(<u32 as Mask>::range(2, 32), !0b11);
        assert_eq!(<u64 as Mask>::range(63, 64), 1 << 63);
    }
}
