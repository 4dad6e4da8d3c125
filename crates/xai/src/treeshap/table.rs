//! Precomputed path-dependent TreeSHAP: the same numbers as [`super::path`], bit for bit, at a
//! fraction of the work per row.
//!
//! In Algorithm 2 a row influences a tree's computation only through its one fractions, which
//! are 0 or 1: at each split the path to the hot child keeps the feature's incoming one
//! fraction, the path to the cold child sets it to 0. Once a feature's fraction is 0 it stays 0,
//! so a feature met `m` times on the path to a node can be in only `m + 1` states there. This
//! module runs Algorithm 2 once over every reachable state of every node (the "expanded
//! tree") and stores, for each state of each leaf, the terms `w * (one - zero) * value` it adds.
//! Scoring a row then walks the tree in Algorithm 2's order (hot child first) following the
//! expanded node of each state, and adds the stored terms: no divisions, no path copies, the
//! same additions in the same order, hence identical results.
//!
//! The table grows like `Σ_leaves 2^(unique features on the path)`; [`Cost`] measures it before
//! building, and trees past the budget keep the direct algorithm.

use super::path::{PathElement, Step, enter, merge_feature, path_capacity, unwound_sum};
use super::prepare::ShapTree;
use forecast_core::tree::Node;

/// Structural work and memory figures of one tree.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cost {
    /// Nodes of the expanded tree.
    pub(crate) expanded: f64,
    /// Stored terms.
    pub(crate) terms: f64,
    /// Approximate operations per row of the direct algorithm.
    pub(crate) direct_ops: f64,
    /// Approximate operations per row with the table.
    pub(crate) table_ops: f64,
    /// Approximate operations to build the table.
    pub(crate) build_ops: f64,
}

impl Cost {
    /// Bytes the table would take.
    pub(crate) fn bytes(&self) -> f64 {
        self.expanded * 16.0 + self.terms * 8.0
    }

    /// Whether building the table pays for itself over `rows` rows.
    pub(crate) fn pays_off(&self, rows: usize) -> bool {
        rows as f64 * (self.direct_ops - self.table_ops) > self.build_ops
    }
}

/// Measure a tree's expanded size without building it.
pub(crate) fn cost(tree: &ShapTree) -> Cost {
    let mut c = Cost::default();
    if tree.nodes.len() > 1 {
        let mut seen: Vec<(u32, u32)> = Vec::with_capacity(tree.depth);
        measure(tree, 0, 0, 1.0, &mut seen, &mut c);
    }
    c
}

fn measure(tree: &ShapTree, node: usize, level: usize, states: f64, seen: &mut Vec<(u32, u32)>, c: &mut Cost) {
    c.expanded += states;
    c.direct_ops += (level + 1) as f64;
    c.build_ops += states * (level + 1) as f64;
    match &tree.nodes[node] {
        Node::Leaf(_) => {
            let d = seen.len() as f64;
            c.terms += states * d;
            c.direct_ops += d * d;
            c.table_ops += d + 1.0;
            c.build_ops += states * d * d;
        }
        Node::Split(s) => {
            c.table_ops += 1.0;
            let k = seen.iter().position(|(f, _)| *f == s.feature);
            let m = k.map_or(0, |k| seen[k].1) as f64;
            match k {
                Some(k) => seen[k].1 += 1,
                None => seen.push((s.feature, 1)),
            }
            let child = states * (m + 2.0) / (m + 1.0);
            measure(tree, s.left as usize, level + 1, child, seen, c);
            measure(tree, s.right as usize, level + 1, child, seen, c);
            match k {
                Some(k) => seen[k].1 -= 1,
                None => {
                    seen.pop();
                }
            }
        }
    }
}

/// The expanded tree of one tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    /// Per expanded node. A split: expanded ids of `[left hot, left cold, right hot, right
    /// cold]`. A leaf: `[offset in terms, number of terms, offset in features, 0]`.
    kids: Vec<[u32; 4]>,
    terms: Vec<f64>,
    /// Feature of each term, per original leaf (the order does not depend on the row).
    features: Vec<u32>,
}

/// Build the table of a tree with more than one node (covers checked by `prepare`).
pub(crate) fn build(tree: &ShapTree, cost: &Cost) -> Table {
    let mut b = Builder {
        tree,
        table: Table {
            kids: Vec::with_capacity(cost.expanded as usize),
            terms: Vec::with_capacity(cost.terms as usize),
            features: Vec::new(),
        },
        leaf_features: vec![None; tree.nodes.len()],
        buf: vec![PathElement::default(); path_capacity(tree.depth)],
    };
    b.build(Step::root());
    b.table
}

struct Builder<'a> {
    tree: &'a ShapTree,
    table: Table,
    leaf_features: Vec<Option<u32>>,
    buf: Vec<PathElement>,
}

impl Builder<'_> {
    fn build(&mut self, s: Step) -> u32 {
        let start = enter(&mut self.buf, &s);
        let id = self.table.kids.len();
        self.table.kids.push([0; 4]);
        match &self.tree.nodes[s.node] {
            Node::Leaf(_) => {
                let path = &self.buf[start..];
                let v = self.tree.value[s.node];
                let offset = self.table.terms.len() as u32;
                for i in 1..=s.unique {
                    let w = unwound_sum(path, s.unique, i);
                    let el = path[i];
                    self.table.terms.push(w * (el.one - el.zero) * v);
                }
                let features = *self.leaf_features[s.node].get_or_insert_with(|| {
                    let at = self.table.features.len() as u32;
                    self.table.features.extend(path[1..=s.unique].iter().map(|e| e.feature as u32));
                    at
                });
                self.table.kids[id] = [offset, s.unique as u32, features, 0];
            }
            Node::Split(split) => {
                let (left, right) = (split.left as usize, split.right as usize);
                let w = self.tree.cover[s.node];
                let (left_zero, right_zero) = (self.tree.cover[left] / w, self.tree.cover[right] / w);
                let feature = split.feature as i32;
                let (unique, zero, one) = merge_feature(&mut self.buf[start..], s.unique, feature);
                let level = s.level + 1;
                let step = |node, zero, one| Step { node, level, unique: unique + 1, zero, one, feature };
                let left_hot = self.build(step(left, left_zero * zero, one));
                // A feature already cold is cold on both sides: the two states coincide.
                let left_cold = if one == 0.0 { left_hot } else { self.build(step(left, left_zero * zero, 0.0)) };
                let right_hot = self.build(step(right, right_zero * zero, one));
                let right_cold = if one == 0.0 { right_hot } else { self.build(step(right, right_zero * zero, 0.0)) };
                self.table.kids[id] = [left_hot, left_cold, right_hot, right_cold];
            }
        }
        id as u32
    }
}

impl Table {
    /// Add the tree's contributions for row `x` to `phi`, in Algorithm 2's order.
    /// `stack` is scratch space (cleared first).
    #[inline]
    pub(crate) fn add(&self, tree: &ShapTree, x: &[f64], phi: &mut [f64], stack: &mut Vec<(u32, u32)>) {
        stack.clear();
        stack.push((0, 0));
        while let Some((node, e)) = stack.pop() {
            let k = self.kids[e as usize];
            match &tree.nodes[node as usize] {
                Node::Leaf(_) => {
                    let terms = &self.terms[k[0] as usize..(k[0] + k[1]) as usize];
                    let features = &self.features[k[2] as usize..(k[2] + k[1]) as usize];
                    for (t, f) in terms.iter().zip(features) {
                        phi[*f as usize] += t;
                    }
                }
                Node::Split(s) => {
                    // Push the cold child first so that the hot subtree is finished before it.
                    if s.goes_left(x[s.feature as usize]) {
                        stack.push((s.right, k[3]));
                        stack.push((s.left, k[0]));
                    } else {
                        stack.push((s.left, k[1]));
                        stack.push((s.right, k[2]));
                    }
                }
            }
        }
    }
}
