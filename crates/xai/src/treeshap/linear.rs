//! Path-dependent TreeSHAP in `O(N·Q)` per row and tree (`N` nodes, `Q` quadrature points, at most
//! half the tree's depth), after Yu et al. (2022), "Linear TreeShap", NeurIPS, evaluated at
//! Gauss-Legendre points rather than through polynomial coefficients.
//!
//! For a leaf of value `v` whose path holds the distinct features `U` (each with zero fraction
//! `q_j`, the product of the cover shares of its splits on the path, and one fraction `s_j`, 1
//! when the row satisfies all of them), Algorithm 2's contribution to feature `i` is the Shapley
//! sum `v (s_i - q_i) Σ_S |S|!(d-|S|-1)!/d! Π_{j∈S} s_j Π_{j∉S} q_j`. The Shapley weight is the
//! Beta integral `∫₀¹ t^|S| (1-t)^(d-|S|-1) dt`, so the sum is
//! `v ∫₀¹ P(t) F_i'(t) / F_i(t) dt` with `F_j(t) = q_j + (s_j - q_j) t` and `P = Π_j F_j`:
//! the integral of a polynomial of degree `d - 1`, exact with `⌈d/2⌉` Gauss-Legendre points.
//!
//! Over a tree, write `F_i'/F_i` along a path as a telescoping sum over the splits on `i` (each
//! split's merged factor against the previous one's). Then the contribution of the edge into
//! node `c` is `∫ H_c(t) D_c(t) dt`, where `H_c = Σ_{leaves below c} v P` is summed bottom-up
//! from `A_c = Π_{edges to c} F_e / F_prev(e)` carried top-down. A row only decides, for each edge,
//! whether its feature was still "hot" (all earlier splits on it followed) and whether the row
//! takes the edge; `F_e / F_prev(e)` and `D` for those three states are precomputed per edge, so
//! a row costs two linear passes over the nodes with `Q`-wide products and no division.
//!
//! The values agree with Algorithm 2 to rounding (about 1e-15 relative), not bit for bit.

use super::prepare::ShapTree;
use forecast_core::tree::{Missing, Node, Split, SplitRule};

/// Most quadrature points per tree; a tree with more than `2 * MAX_POINTS` distinct features on
/// one path is left to Algorithm 2.
pub(crate) const MAX_POINTS: usize = 16;

const NONE: u32 = u32::MAX;

/// Rows that go through a tree together (see [`LinearTree::add`]).
pub(crate) const BLOCK_ROWS: usize = 4;

/// Gauss-Legendre points and weights on `[0, 1]` (Newton's iteration on `P_n`, to full precision).
pub(crate) fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut t = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_n(x) and P_{n-1}(x) by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() <= 1e-16 {
                break;
            }
        }
        t[i] = (1.0 - x) / 2.0;
        w[i] = 1.0 / ((1.0 - x * x) * dp * dp);
    }
    (t, w)
}

/// One node in preorder, with the edge from its parent.
#[derive(Debug, Clone, Copy)]
struct EdgeNode {
    parent: u32,
    /// Preorder id of the node entered through the previous split on the same feature on the
    /// path, or 0 (the root, always hot) when this edge's split is the feature's first.
    prev: u32,
    /// Feature of the parent's split.
    feature: u32,
    /// Preorder ids of the children (for a leaf, `[n; 2]`: the zero row of the scratch).
    kids: [u32; 2],
    /// Index in `splits` (split nodes only).
    split: u32,
    /// This node is its parent's left child.
    left: bool,
    /// `cover / parent cover`: the factor when the feature is already cold.
    ratio: f64,
    /// Leaf value (0 for a split).
    value: f64,
}

/// A split's test in branch-free form: the row goes left when `x <= threshold`, or when `x` is
/// NaN and `nan_left`. Zero-as-missing and categorical splits keep their [`Split`] (`generic`).
#[derive(Debug, Clone, Copy)]
struct Test {
    threshold: f64,
    feature: u32,
    nan_left: bool,
    /// Index in `splits` when the test needs [`Split::goes_left`], else [`NONE`].
    generic: u32,
}

impl Test {
    fn new(split: &Split, index: u32) -> Self {
        let generic = Self { threshold: 0.0, feature: split.feature, nan_left: false, generic: index };
        let threshold = match (split.missing, &split.rule) {
            (Missing::Zero, _) | (_, SplitRule::Category(_)) => return generic,
            (_, SplitRule::LessOrEqual(t)) => *t,
            // `x < t` is `x <= t.next_down()` for every non-NaN `x`.
            (_, SplitRule::Less(t)) if t.is_finite() => t.next_down(),
            (_, SplitRule::Less(_)) => return generic,
        };
        if threshold.is_nan() {
            return generic;
        }
        // NaN takes the default direction (`Missing::NaN`) or compares as 0 (`Missing::None`):
        // either way, where `goes_left` sends it.
        Self { threshold, feature: split.feature, nan_left: split.goes_left(f64::NAN), generic: NONE }
    }

    #[inline(always)]
    fn goes_left(&self, x: f64, splits: &[Split]) -> bool {
        if self.generic != NONE {
            return splits[self.generic as usize].goes_left(x);
        }
        (x <= self.threshold) | (x.is_nan() & self.nan_left)
    }
}

/// A tree prepared for Linear TreeSHAP.
#[derive(Debug, Clone)]
pub(crate) struct LinearTree {
    points: usize,
    nodes: Vec<EdgeNode>,
    /// The split of each split node, in preorder (read by the generic tests).
    splits: Vec<Split>,
    /// The test of each split node, in preorder.
    tests: Vec<Test>,
    /// Preorder id of each split.
    split_nodes: Vec<u32>,
    /// Per node, `ROWS * points` values: the factor `F_e / F_prev` when the feature stays hot,
    /// when it turns cold here and when it was cold already, then the weighted `D` of each.
    table: Vec<f64>,
}

/// Per-thread scratch for [`LinearTree::add`].
#[derive(Debug, Default)]
pub(crate) struct LinearScratch {
    a: Vec<f64>,
    h: Vec<f64>,
    state: Vec<u8>,
    left: Vec<bool>,
}

impl LinearScratch {
    /// Room for trees of up to `nodes` nodes, [`BLOCK_ROWS`] rows at a time.
    pub(crate) fn reserve(&mut self, nodes: usize) {
        let n = (nodes + 1) * MAX_POINTS * BLOCK_ROWS;
        if self.a.len() < n {
            self.a.resize(n, 0.0);
            self.h.resize(n, 0.0);
        }
        if self.state.len() < nodes * BLOCK_ROWS {
            self.state.resize(nodes * BLOCK_ROWS, 0);
            self.left.resize(nodes * BLOCK_ROWS, false);
        }
    }
}

/// Edge states: the feature was hot before and the row takes the edge; hot before and the row
/// does not; already cold.
const HOT: u8 = 0;
const COLD: u8 = 2;

/// Table rows per node: the factor when hot, turning cold, cold; `D` for the same three states.
const ROWS: usize = 6;

impl LinearTree {
    /// Prepare `tree` (more than one node, covers checked), or `None` when one of its paths holds
    /// more than `2 * MAX_POINTS` distinct features.
    pub(crate) fn new(tree: &ShapTree) -> Option<Self> {
        let mut b =
            Builder { tree, nodes: Vec::new(), splits: Vec::new(), q: Vec::new(), orig: Vec::new(), distinct: 0 };
        b.visit(0, NONE, NONE, false, &mut Vec::new());
        let points = b.distinct.div_ceil(2).max(1);
        if points > MAX_POINTS {
            return None;
        }
        let (t, w) = gauss_legendre(points);
        let mut table = vec![0.0; b.nodes.len() * ROWS * points];
        for (c, node) in b.nodes.iter().enumerate().skip(1) {
            let row = &mut table[c * ROWS * points..(c + 1) * ROWS * points];
            let (q_prev, q) = (b.q[c].0, b.q[c].1);
            for k in 0..points {
                let f_prev = q_prev + (1.0 - q_prev) * t[k];
                let f_hot = q + (1.0 - q) * t[k];
                row[k] = f_hot / f_prev;
                row[points + k] = q * (1.0 - t[k]) / f_prev;
                // (1-q)/F_hot - (1-q_prev)/F_prev and -1/(1-t) - (1-q_prev)/F_prev, simplified so
                // that nothing cancels.
                row[2 * points + k] = node.ratio;
                row[3 * points + k] = w[k] * q_prev * (1.0 - node.ratio) / (f_hot * f_prev);
                row[4 * points + k] = -w[k] / ((1.0 - t[k]) * f_prev);
                // Row 5 (already cold) stays zero: such an edge adds nothing.
            }
        }
        let n = b.nodes.len() as u32;
        let mut nodes = b.nodes;
        for node in &mut nodes {
            if node.kids[0] == NONE {
                node.kids = [n; 2];
            }
        }
        let split_nodes = (0..n).filter(|&c| nodes[c as usize].split != NONE).collect();
        let tests = b.splits.iter().enumerate().map(|(i, sp)| Test::new(sp, i as u32)).collect();
        Some(Self { points, nodes, splits: b.splits, tests, split_nodes, table })
    }

    /// Quadrature points of this tree: half its most distinct features on a path, rounded up.
    pub(crate) fn points(&self) -> usize {
        self.points
    }

    /// Memory taken, in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.table.len() * 8
            + self.nodes.len() * std::mem::size_of::<EdgeNode>()
            + self.splits.len() * (48 + std::mem::size_of::<Test>())
    }

    /// Add the tree's contributions for the `R` rows of `x` (`p` wide, row-major) to the first
    /// `p` entries of the `R` rows of `phi` (`stride` wide; the bias is not touched). `s` was
    /// reserved for this tree's node count; `Q` equals [`Self::points`].
    ///
    /// The `R` rows go through each node together: their products are independent, so they
    /// overlap in the pipeline where one row alone would wait on its parent's product.
    /// Branch-free over the edge states and the node kinds (a row's states are unpredictable,
    /// and so is a leaf among splits): every edge multiplies by the factor row of its state (the
    /// cover share when already cold) and adds the dot with the `D` row of its state (zeros when
    /// cold); every node sums `value · A` (0 for a split) and its children's `H` (a leaf's
    /// children are the zero row `n`).
    #[inline]
    pub(crate) fn add<const Q: usize, const R: usize>(
        &self,
        x: &[f64],
        p: usize,
        phi: &mut [f64],
        stride: usize,
        s: &mut LinearScratch,
    ) {
        let n = self.nodes.len();
        let (a, _) = s.a[..n * R * Q].as_chunks_mut::<Q>();
        let (h, _) = s.h[..(n + 1) * R * Q].as_chunks_mut::<Q>();
        let (table, _) = self.table.as_chunks::<Q>();
        let state = &mut s.state[..n * R];
        let left = &mut s.left[..n * R];
        for (test, &c) in self.tests.iter().zip(&self.split_nodes) {
            let f = test.feature as usize;
            for r in 0..R {
                left[c as usize * R + r] = test.goes_left(x[r * p + f], &self.splits);
            }
        }
        for r in 0..R {
            a[r] = [1.0; Q];
            state[r] = HOT;
            h[n * R + r] = [0.0; Q];
        }
        for c in 1..n {
            let node = &self.nodes[c];
            let (pa, prev) = (node.parent as usize * R, node.prev as usize * R);
            for r in 0..R {
                // HOT (0) when the row takes the edge, 1 when it turns away, COLD (2) when cold
                // before; in arithmetic, as a branch here is mispredicted about every third edge.
                let (hot, turn) = (u8::from(state[prev + r] == HOT), u8::from(left[pa + r] != node.left));
                let st = COLD - hot * (COLD - turn);
                state[c * R + r] = st;
                let f = &table[ROWS * c + st as usize];
                let parent = a[pa + r];
                a[c * R + r] = std::array::from_fn(|k| parent[k] * f[k]);
            }
        }
        for c in (1..n).rev() {
            let node = &self.nodes[c];
            let (k0, k1) = (node.kids[0] as usize * R, node.kids[1] as usize * R);
            let feature = node.feature as usize;
            for r in 0..R {
                let (ac, l, rt) = (a[c * R + r], h[k0 + r], h[k1 + r]);
                let hc: [f64; Q] = std::array::from_fn(|k| ac[k] * node.value + (l[k] + rt[k]));
                h[c * R + r] = hc;
                let d = &table[ROWS * c + 3 + state[c * R + r] as usize];
                let mut acc = [0.0; 2];
                for k in 0..Q {
                    acc[k % 2] += hc[k] * d[k];
                }
                phi[r * stride + feature] += acc[0] + acc[1];
            }
        }
    }
}

struct Builder<'a> {
    tree: &'a ShapTree,
    nodes: Vec<EdgeNode>,
    splits: Vec<Split>,
    /// Per preorder node: the zero fraction of the edge's feature before and after the edge.
    q: Vec<(f64, f64)>,
    /// Per preorder node: its id in the original tree.
    orig: Vec<usize>,
    /// Most distinct features on one path.
    distinct: usize,
}

/// A feature on the current path: `(feature, preorder id of its last edge, zero fraction so far)`.
type Seen = (u32, u32, f64);

impl Builder<'_> {
    /// Visit original node `i`, entered from preorder node `parent` through a split on `feature`.
    fn visit(&mut self, i: usize, parent: u32, feature: u32, left: bool, seen: &mut Vec<Seen>) -> u32 {
        let id = self.nodes.len() as u32;
        let mut prev = 0;
        let (mut ratio, mut q_prev) = (1.0, 1.0);
        let mut restore = None;
        if parent != NONE {
            ratio = self.tree.cover[i] / self.tree.cover[self.orig[parent as usize]];
            match seen.iter().position(|e| e.0 == feature) {
                Some(k) => {
                    restore = Some((k, seen[k]));
                    (prev, q_prev) = (seen[k].1, seen[k].2);
                    seen[k] = (feature, id, q_prev * ratio);
                }
                None => seen.push((feature, id, ratio)),
            }
        }
        self.distinct = self.distinct.max(seen.len());
        self.nodes.push(EdgeNode {
            parent,
            prev,
            feature,
            kids: [NONE; 2],
            split: NONE,
            left,
            ratio,
            value: self.tree.value[i],
        });
        self.q.push((q_prev, q_prev * ratio));
        self.orig.push(i);
        if let Node::Split(s) = &self.tree.nodes[i] {
            self.nodes[id as usize].split = self.splits.len() as u32;
            self.splits.push(s.clone());
            let l = self.visit(s.left as usize, id, s.feature, true, seen);
            let r = self.visit(s.right as usize, id, s.feature, false, seen);
            self.nodes[id as usize].kids = [l, r];
        }
        match restore {
            Some((k, e)) => seen[k] = e,
            None if parent != NONE => {
                seen.pop();
            }
            None => {}
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_free_tests_route_every_value_as_the_splits_do() {
        let values = [
            f64::NAN,
            f64::NEG_INFINITY,
            f64::MIN,
            -1.0,
            -0.0,
            0.0,
            1e-40,
            0.5f64.next_down(),
            0.5,
            0.5f64.next_up(),
            2.0,
            f64::INFINITY,
        ];
        let rules = [
            SplitRule::LessOrEqual(0.5),
            SplitRule::Less(0.5),
            SplitRule::Less(0.0),
            SplitRule::LessOrEqual(-0.0),
            SplitRule::Less(f64::MIN),
            SplitRule::Less(f64::INFINITY),
            SplitRule::LessOrEqual(f64::NAN),
            SplitRule::Category(vec![0b101]),
        ];
        for rule in &rules {
            for missing in [Missing::None, Missing::Zero, Missing::NaN] {
                for default_left in [false, true] {
                    let split = Split { feature: 0, rule: rule.clone(), missing, default_left, left: 1, right: 2 };
                    let test = Test::new(&split, 0);
                    for &x in &values {
                        let got = test.goes_left(x, std::slice::from_ref(&split));
                        assert_eq!(got, split.goes_left(x), "{split:?} at {x}");
                    }
                }
            }
        }
    }
}
