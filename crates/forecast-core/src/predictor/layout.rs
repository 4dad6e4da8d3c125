//! The compiled forest: every tree in the layouts the scoring paths want.
//!
//! QuickScorer (Lucchese et al., SIGIR 2015) numbers a tree's leaves left to right; a node
//! whose test sends a row right removes the leaves of its left subtree from the row's set of
//! reachable leaves, and the exit leaf is the lowest leaf that survives every node. All
//! nodes are evaluated, without branches, which vectorises. Two forms of it are laid out:
//!
//! - *Leaf planes* (batch path, trees of at most 256 leaves): the leaf set is cut into bytes
//!   of 8 leaves ("groups"), and each group is a plane of one byte per row, so one 256-bit
//!   register holds a group for 32 rows. A node becomes one [`PlaneOp`] per group its left
//!   subtree touches (39 ops for the 30 nodes of an average 31-leaf LightGBM tree), and a
//!   group's ops run back to back over a block of rows with its planes in registers.
//! - *Lanes* (single-row path, trees of at most 32 leaves): eight consecutive trees side by
//!   side, one 32-bit leaf set per tree, with node `j` of the eight trees in slot `j`; four
//!   slots (32 nodes) are tested by one byte compare after a byte shuffle fetches their keys.
//!
//! Larger trees keep a branch-free walk: structure-of-arrays nodes in pre-order whose leaves
//! loop to themselves, so a walk runs a fixed number of steps (the tree depth) and several
//! walks advance in lock step.

use super::quantize::{Key, NEVER, Quantizer, SplitCode};
use crate::tree::{Node, Tree};

/// Leaves per group (one byte of a leaf set).
pub(crate) const GROUP_LEAVES: usize = 8;
/// Most leaves a QuickScorer tree may have: exit leaves are numbered in a byte.
pub(crate) const QS_MAX_LEAVES: usize = 256;
/// Leaf table length of a narrow tree (at most 32 leaves, four groups).
pub(crate) const NARROW: usize = 32;
/// Trees side by side in a single-row lane group.
pub(crate) const LANES: usize = 8;
/// Most columns the single-row lanes can fetch keys from (four 16-byte shuffle tables).
pub(crate) const LANE_MAX_COLUMNS: usize = 64;
/// Trees whose exit leaves the batch path collects before adding their values.
pub(crate) const RUN_TREES: usize = 16;
/// Consecutive narrow trees whose leaf tables form one table of [`OCTET_TABLE`] entries,
/// indexed by a byte (`32 * tree + leaf`) without a bounds check.
pub(crate) const OCTET: usize = 8;
/// Entries of the leaf table of an octet of narrow trees.
pub(crate) const OCTET_TABLE: usize = OCTET * NARROW;

/// One node test applied to one leaf group: rows whose key in `col` is below `below` go
/// left and keep the group's leaves; the others keep only the leaves `keep`. (`below` is the
/// split's key plus one, so that the vector compare can read the keys from memory; `keep` is a
/// bit set stored as `i8` so that it is broadcast straight from memory.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlaneOp {
    pub(crate) col: u16,
    pub(crate) below: Key,
    pub(crate) keep: i8,
}

/// A tree in leaf-plane form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QsTree {
    /// First op of group 0 in [`Forest::ops`].
    pub(crate) op_start: u32,
    /// Its groups' op ends in [`Forest::group_ends`]: `group_ends[first_end + g]`.
    pub(crate) first_end: u32,
    /// Number of leaf groups, `ceil(leaves / 8)`.
    pub(crate) n_groups: u32,
    /// Its leaf values in [`Forest::leaf_values`]: a power-of-two table of at least 32 entries.
    pub(crate) leaf_base: u32,
}

/// A piece of the batch path's work, in tree order.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Segment {
    /// Consecutive trees `qs[first..first + len]` (at most [`RUN_TREES`]); `narrow` when each
    /// has at most 32 leaves.
    Qs { first: u32, len: u32, narrow: bool },
    /// One large tree: walk `walk[root..]` for `depth` steps.
    Walk { root: u32, depth: u32 },
}

/// One node in walk form; a leaf has `key = NEVER` and both children equal to itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalkNode {
    pub(crate) col: u32,
    pub(crate) key: Key,
    pub(crate) left: u32,
    pub(crate) right: u32,
}

/// Up to [`LANES`] consecutive trees of the single-row path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneGroup {
    /// First tree.
    pub(crate) first: u32,
    /// Number of trees.
    pub(crate) len: u32,
    /// Deepest tree: the steps of a lock-step walk of the group.
    pub(crate) depth: u32,
    /// The lane form, when every tree has at most 32 leaves.
    pub(crate) lanes: Option<Lanes>,
}

/// A lane group's nodes: quads `quad..quad + n_quads` of the lane arrays; its trees are
/// `qs[qs_first..]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lanes {
    pub(crate) quad: u32,
    pub(crate) n_quads: u32,
    pub(crate) qs_first: u32,
}

/// Every tree of an ensemble in every layout.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forest {
    pub(crate) ops: Vec<PlaneOp>,
    pub(crate) group_ends: Vec<u32>,
    /// Per group, like `group_ends`: the end of its ops that clear the whole group (`keep == 0`),
    /// which come first.
    pub(crate) full_ends: Vec<u32>,
    pub(crate) qs: Vec<QsTree>,
    pub(crate) leaf_values: Vec<f64>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) walk: Vec<WalkNode>,
    pub(crate) walk_values: Vec<f64>,
    /// Root and depth of every tree in walk form.
    pub(crate) walk_roots: Vec<(u32, u32)>,
    pub(crate) lane_groups: Vec<LaneGroup>,
    /// Per quad: the column of each of its 32 nodes (slot `4q + k / 8`, lane `k % 8`).
    pub(crate) lane_cols: Vec<[u8; 32]>,
    /// Per quad: each node's split key plus one (rows with a key below it go left); padding
    /// nodes have `i8::MIN`, which no key is below.
    pub(crate) lane_below: Vec<[Key; 32]>,
    /// Per slot: the leaves each lane's tree keeps when its node sends the row right.
    pub(crate) lane_keep: Vec<[u32; LANES]>,
    /// 16-byte shuffle tables the lanes fetch keys from, `ceil(columns / 16)`.
    pub(crate) lane_tables: u32,
}

/// A tree's internal nodes in QuickScorer form: test, and the leaves `lo..hi` of its left subtree.
struct QsForm {
    nodes: Vec<(SplitCode, usize, usize)>,
    leaves: Vec<f64>,
}

/// Leaves numbered left to right; `None` for a tree with more than [`QS_MAX_LEAVES`] leaves.
fn qs_form(tree: &Tree, q: &Quantizer) -> Option<QsForm> {
    let mut f = QsForm { nodes: Vec::new(), leaves: Vec::new() };
    // Iterative in-order walk: (node, first leaf of its subtree once the left side is done).
    let mut stack = vec![(0usize, None::<usize>)];
    while let Some((i, first_leaf)) = stack.pop() {
        match (tree.nodes.get(i), first_leaf) {
            (Some(Node::Leaf(v)), _) => {
                f.leaves.push(*v);
                if f.leaves.len() > QS_MAX_LEAVES {
                    return None;
                }
            }
            (Some(Node::Split(s)), None) => {
                stack.push((i, Some(f.leaves.len())));
                stack.push((s.left as usize, None));
            }
            (Some(Node::Split(s)), Some(first)) => {
                f.nodes.push((q.code(s), first, f.leaves.len()));
                stack.push((s.right as usize, None));
            }
            (None, _) => {}
        }
    }
    Some(f)
}

/// Bits `lo..hi` (clamped to `0..bits`) of a `bits`-wide set.
fn bit_range(lo: usize, hi: usize, bits: usize) -> u64 {
    let upto = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n.min(bits)) - 1 };
    upto(hi.min(bits)) & !upto(lo.min(bits))
}

impl Forest {
    /// Lay out `trees` (already validated) against the quantiser's columns.
    pub(crate) fn build(trees: &[Tree], q: &Quantizer) -> Self {
        let mut f = Self::default();
        let mut narrow_flags = Vec::with_capacity(trees.len());
        let mut qs_index = Vec::with_capacity(trees.len());
        for tree in trees {
            let root = f.walk.len() as u32;
            let depth = f.push_walk(tree, q);
            f.walk_roots.push((root, depth));
            let form = if q.n_columns() <= usize::from(u16::MAX) { qs_form(tree, q) } else { None };
            narrow_flags.push(form.as_ref().is_some_and(|form| form.leaves.len() <= NARROW));
            let index = form.map(|form| {
                f.push_planes(&form);
                (f.qs.len() - 1) as u32
            });
            qs_index.push(index);
        }
        // Padding, so that the octet table of a run's last trees is a whole `OCTET_TABLE`.
        f.leaf_values.extend(std::iter::repeat_n(f64::NAN, OCTET_TABLE));
        f.build_segments(&qs_index, &narrow_flags);
        f.build_lanes(trees, q, &qs_index, &narrow_flags);
        f
    }

    /// Runs of consecutive leaf-plane trees of one width class, and walked trees, in tree order.
    fn build_segments(&mut self, qs_index: &[Option<u32>], narrow: &[bool]) {
        for (t, (index, &narrow)) in qs_index.iter().zip(narrow).enumerate() {
            match (index, self.segments.last_mut()) {
                (None, _) => {
                    let (root, depth) = self.walk_roots.get(t).copied().unwrap_or((0, 0));
                    self.segments.push(Segment::Walk { root, depth });
                }
                (Some(_), Some(Segment::Qs { len, narrow: n, .. })) if (*len as usize) < RUN_TREES && *n == narrow => {
                    *len += 1;
                }
                (Some(first), _) => self.segments.push(Segment::Qs { first: *first, len: 1, narrow }),
            }
        }
    }

    fn push_planes(&mut self, form: &QsForm) {
        let n_groups = form.leaves.len().div_ceil(GROUP_LEAVES).max(1);
        let tree = QsTree {
            op_start: self.ops.len() as u32,
            first_end: self.group_ends.len() as u32,
            n_groups: n_groups as u32,
            leaf_base: self.leaf_values.len() as u32,
        };
        for g in 0..n_groups {
            let base = g * GROUP_LEAVES;
            let start = self.ops.len();
            for &(code, lo, hi) in &form.nodes {
                let clear = bit_range(lo.saturating_sub(base), hi.saturating_sub(base), GROUP_LEAVES) as u8;
                // Plane ops never test `NEVER` (split keys stay below bin 255), so `below` fits.
                if clear != 0 {
                    self.ops.push(PlaneOp {
                        col: code.col as u16,
                        below: code.key.saturating_add(1),
                        keep: !clear as i8,
                    });
                }
            }
            // Ops that clear the whole group first: they need no `| keep` (an and of planes is
            // the same in any order).
            let group = self.ops.get_mut(start..).unwrap_or(&mut []);
            group.sort_by_key(|op| op.keep != 0);
            let full = group.iter().take_while(|op| op.keep == 0).count();
            self.full_ends.push((start + full) as u32);
            self.group_ends.push(self.ops.len() as u32);
        }
        let table = (n_groups * GROUP_LEAVES).next_power_of_two().max(NARROW);
        self.leaf_values.extend(form.leaves.iter().copied().chain(std::iter::repeat(f64::NAN)).take(table));
        self.qs.push(tree);
    }

    /// Groups of [`LANES`] trees; a group whose trees all have at most 32 leaves (and a model
    /// with at most [`LANE_MAX_COLUMNS`] columns) gets the lane form, any other is walked.
    fn build_lanes(&mut self, trees: &[Tree], q: &Quantizer, qs_index: &[Option<u32>], narrow: &[bool]) {
        let lanes_ok = q.n_columns() <= LANE_MAX_COLUMNS;
        self.lane_tables = q.n_columns().div_ceil(16).clamp(1, LANE_MAX_COLUMNS / 16) as u32;
        for (g, chunk) in trees.chunks(LANES).enumerate() {
            let first = g * LANES;
            let all_narrow = narrow.get(first..first + chunk.len()).is_some_and(|n| n.iter().all(|b| *b));
            let forms: Vec<QsForm> =
                if lanes_ok && all_narrow { chunk.iter().filter_map(|t| qs_form(t, q)).collect() } else { Vec::new() };
            let lanes = if forms.len() == chunk.len() {
                let slots = forms.iter().map(|f| f.nodes.len()).max().unwrap_or(0).div_ceil(4) * 4;
                let quad = self.lane_cols.len() as u32;
                for s in (0..slots).step_by(4) {
                    let (mut cols, mut below) = ([0u8; 32], [i8::MIN; 32]);
                    for sub in 0..4 {
                        let mut keep = [u32::MAX; LANES];
                        for (lane, k) in keep.iter_mut().enumerate() {
                            if let Some(&(code, lo, hi)) = forms.get(lane).and_then(|f| f.nodes.get(s + sub)) {
                                cols[sub * LANES + lane] = code.col as u8;
                                below[sub * LANES + lane] = code.key.saturating_add(1);
                                *k = !(bit_range(lo, hi, NARROW) as u32);
                            }
                        }
                        self.lane_keep.push(keep);
                    }
                    self.lane_cols.push(cols);
                    self.lane_below.push(below);
                }
                let qs_first = qs_index.get(first).copied().flatten().unwrap_or(0);
                Some(Lanes { quad, n_quads: (slots / 4) as u32, qs_first })
            } else {
                None
            };
            let depth =
                (first..first + chunk.len()).filter_map(|t| self.walk_roots.get(t)).map(|&(_, d)| d).max().unwrap_or(0);
            self.lane_groups.push(LaneGroup { first: first as u32, len: chunk.len() as u32, depth, lanes });
        }
    }

    /// Append `tree` in walk form (pre-order); returns its depth.
    fn push_walk(&mut self, tree: &Tree, q: &Quantizer) -> u32 {
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
                    self.walk.push(WalkNode { col: code.col, key: code.key, left: at, right: at });
                    self.walk_values.push(f64::NAN);
                    let slot = at as usize;
                    stack.push((s.right as usize, Some((slot, true)), d + 1));
                    stack.push((s.left as usize, Some((slot, false)), d + 1));
                }
                Some(Node::Leaf(v)) => {
                    self.walk.push(WalkNode { col: 0, key: NEVER, left: at, right: at });
                    self.walk_values.push(*v);
                }
                None => {}
            }
        }
        depth
    }

    /// The ops of group `g` of `tree`.
    #[inline(always)]
    pub(crate) fn group_ops(&self, tree: &QsTree, g: usize) -> &[PlaneOp] {
        let end_at = tree.first_end as usize + g;
        let start =
            if g == 0 { tree.op_start as usize } else { self.group_ends.get(end_at - 1).map_or(0, |e| *e as usize) };
        let end = self.group_ends.get(end_at).map_or(start, |e| *e as usize);
        self.ops.get(start..end).unwrap_or(&[])
    }

    /// The ops of group `g` of `tree`, split into those that clear the whole group (`keep == 0`)
    /// and the others.
    #[inline(always)]
    pub(crate) fn group_ops_split(&self, tree: &QsTree, g: usize) -> (&[PlaneOp], &[PlaneOp]) {
        let ops = self.group_ops(tree, g);
        let end_at = tree.first_end as usize + g;
        let start =
            if g == 0 { tree.op_start as usize } else { self.group_ends.get(end_at - 1).map_or(0, |e| *e as usize) };
        let full = self.full_ends.get(end_at).map_or(0, |e| (*e as usize).saturating_sub(start));
        ops.split_at(full.min(ops.len()))
    }

    /// The leaf values from the first table of a run of consecutive narrow trees to the end
    /// (their tables lie back to back and are followed by at least [`OCTET_TABLE`] entries).
    #[inline(always)]
    pub(crate) fn narrow_values(&self, trees: &[QsTree]) -> Option<&[f64]> {
        let base = trees.first()?.leaf_base as usize;
        let values = self.leaf_values.get(base..)?;
        (values.len() >= trees.len() * NARROW + OCTET_TABLE).then_some(values)
    }

    /// The leaf tables of a run of consecutive narrow trees, which lie back to back.
    #[inline(always)]
    pub(crate) fn narrow_tables(&self, trees: &[QsTree]) -> Option<&[[f64; NARROW]]> {
        let base = trees.first()?.leaf_base as usize;
        let values = self.leaf_values.get(base..base + trees.len() * NARROW)?;
        Some(values.as_chunks::<NARROW>().0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{Missing, Split, SplitRule};

    fn split(feature: u32, t: f64, left: u32, right: u32) -> Node {
        Node::Split(Split {
            feature,
            rule: SplitRule::LessOrEqual(t),
            missing: Missing::None,
            default_left: true,
            left,
            right,
        })
    }

    /// A complete tree of `depth` levels (2^depth leaves), thresholds 0, 1, 2 ... in pre-order.
    fn complete(depth: u32) -> Tree {
        fn grow(nodes: &mut Vec<Node>, depth: u32) -> u32 {
            let at = nodes.len() as u32;
            if depth == 0 {
                nodes.push(Node::Leaf(f64::from(at)));
                return at;
            }
            nodes.push(Node::Leaf(0.0));
            let (left, right) = (grow(nodes, depth - 1), grow(nodes, depth - 1));
            nodes[at as usize] = split(at % 2, f64::from(at), left, right);
            at
        }
        let mut nodes = Vec::new();
        grow(&mut nodes, depth);
        Tree { nodes, cover: Vec::new() }
    }

    fn forest(trees: &[Tree]) -> Forest {
        let splits: Vec<Split> = trees
            .iter()
            .flat_map(|t| t.nodes.iter())
            .filter_map(|n| if let Node::Split(s) = n { Some(s.clone()) } else { None })
            .collect();
        Forest::build(trees, &Quantizer::new(2, splits.iter()))
    }

    #[test]
    fn bit_ranges() {
        assert_eq!(bit_range(0, 3, 8), 0b111);
        assert_eq!(bit_range(2, 32, 32), 0xFFFF_FFFC);
        assert_eq!(bit_range(5, 12, 8), 0b1110_0000);
        assert_eq!(bit_range(9, 12, 8), 0);
        assert_eq!(bit_range(0, 64, 64), u64::MAX);
    }

    #[test]
    fn a_node_gets_one_op_per_group_its_left_subtree_touches() {
        // 16 leaves: the root's left subtree is leaves 0..8 (group 0 only), its left child's
        // is 0..4; no node's left subtree reaches into both groups.
        let f = forest(&[complete(4)]);
        let tree = f.qs[0];
        assert_eq!(tree.n_groups, 2);
        let (g0, g1) = (f.group_ops(&tree, 0), f.group_ops(&tree, 1));
        assert_eq!(g0.len() + g1.len(), 15, "15 nodes, none spanning two groups");
        assert!(g0.iter().any(|op| op.keep == 0), "the root clears all of group 0");
        assert_eq!(g1.len(), 7, "the right subtree's 7 nodes act on group 1");
        let wide = forest(&[complete(6)]);
        let ops: usize = (0..8).map(|g| wide.group_ops(&wide.qs[0], g).len()).sum();
        // 63 nodes; the root spans 4 groups, its children 2 each, the next level 1: 63 + 3 + 2.
        assert_eq!(ops, 68);
    }

    #[test]
    fn whole_group_clears_come_first_in_each_group() {
        let f = forest(&[complete(6)]);
        let tree = f.qs[0];
        let mut n_full = 0;
        for g in 0..tree.n_groups as usize {
            let (full, partial) = f.group_ops_split(&tree, g);
            assert_eq!(full.len() + partial.len(), f.group_ops(&tree, g).len());
            assert!(full.iter().all(|op| op.keep == 0) && partial.iter().all(|op| op.keep != 0), "group {g}");
            n_full += full.len();
        }
        // 64 leaves: the root's left subtree is groups 0-3, each of its children's two groups,
        // and each of the next level's one group, all whole: 4 + 2 x 2 + 4 x 1.
        assert_eq!(n_full, 12);
    }

    #[test]
    fn runs_of_narrow_trees_have_back_to_back_leaf_tables() {
        let trees: Vec<Tree> = (0..40).map(|i| complete(1 + i % 5)).collect();
        let f = forest(&trees);
        let runs: Vec<_> = f
            .segments
            .iter()
            .filter_map(|s| if let Segment::Qs { first, len, narrow } = *s { Some((first, len, narrow)) } else { None })
            .collect();
        assert_eq!(runs.iter().map(|r| r.1).sum::<u32>(), 40);
        assert!(runs.iter().all(|r| r.1 as usize <= RUN_TREES && r.2));
        for &(first, len, _) in &runs {
            let trees = &f.qs[first as usize..(first + len) as usize];
            let tables = f.narrow_tables(trees).unwrap();
            for (tree, table) in trees.iter().zip(tables) {
                let base = tree.leaf_base as usize;
                assert!(std::ptr::eq(f.leaf_values[base..].as_ptr(), table.as_ptr()), "tree's own table");
            }
        }
    }

    #[test]
    fn trees_over_256_leaves_are_walked_and_break_lane_groups() {
        let trees = vec![complete(2), complete(9), complete(3)];
        let f = forest(&trees);
        assert!(matches!(f.segments[1], Segment::Walk { depth: 9, .. }), "{:?}", f.segments);
        assert_eq!(f.segments.len(), 3, "the walked tree splits the run");
        assert!(f.lane_groups[0].lanes.is_none(), "a group holding a tree of 512 leaves is walked");
        assert_eq!(f.lane_groups[0].depth, 9);
        let lanes = forest(&[complete(2), complete(5)]);
        assert!(lanes.lane_groups[0].lanes.is_some());
    }
}
