//! Path-dependent TreeSHAP, Algorithm 2 of Lundberg et al. (2020), "From local explanations to
//! global understanding with explainable AI for trees", Nature Machine Intelligence 2, 56-67.
//!
//! The arithmetic follows LightGBM's `Tree::TreeSHAP` operation for operation (the same
//! products and quotients in the same order, the hot child before the cold one), so that the
//! contributions of an imported LightGBM model equal its `pred_contrib` bit for bit rather than
//! merely to rounding. [`super::table`] relies on these same functions.

use super::prepare::ShapTree;
use forecast_core::tree::Node;

/// One feature on the unique path: its zero fraction (share of cover that follows the path),
/// one fraction (1 when the row follows the path, else 0) and the permutation weight.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PathElement {
    pub(crate) feature: i32,
    pub(crate) zero: f64,
    pub(crate) one: f64,
    pub(crate) weight: f64,
}

/// Append a feature to the path of length `depth` (elements `0..depth` in use).
#[inline]
pub(crate) fn extend(path: &mut [PathElement], depth: usize, zero: f64, one: f64, feature: i32) {
    path[depth] = PathElement { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / d1;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / d1;
    }
}

/// Remove element `index` from the path whose last element is `depth`.
#[inline]
pub(crate) fn unwind(path: &mut [PathElement], depth: usize, index: usize) {
    let PathElement { one, zero, .. } = path[index];
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next * d1 / ((i + 1) as f64 * one);
            next = tmp - path[i].weight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].weight = (path[i].weight * d1) / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/// Total permutation weight of the path with element `index` removed (without changing it).
#[inline]
pub(crate) fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let PathElement { one, zero, .. } = path[index];
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next * d1 / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].weight - tmp * zero * ((depth - i) as f64 / d1);
        } else {
            total += (path[i].weight / zero) / ((depth - i) as f64 / d1);
        }
    }
    total
}

/// Path elements needed for a tree of `depth` splits: level `k` keeps up to `k + 1` elements.
pub(crate) fn path_capacity(depth: usize) -> usize {
    (depth + 1) * (depth + 2) / 2
}

/// Offset of tree level `k`'s path in the shared buffer.
#[inline]
pub(crate) fn level_offset(k: usize) -> usize {
    k * (k + 1) / 2
}

/// The state one recursion step hands its child.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub(crate) node: usize,
    /// Tree level of `node` (0 at the root).
    pub(crate) level: usize,
    /// Length of the unique path after extending it with this step.
    pub(crate) unique: usize,
    pub(crate) zero: f64,
    pub(crate) one: f64,
    pub(crate) feature: i32,
}

impl Step {
    pub(crate) fn root() -> Self {
        Self { node: 0, level: 0, unique: 0, zero: 1.0, one: 1.0, feature: -1 }
    }
}

/// Copy the parent's unique path into this level's slot and extend it with the step.
#[inline]
pub(crate) fn enter(buf: &mut [PathElement], s: &Step) -> usize {
    let start = level_offset(s.level);
    if s.level > 0 && s.unique > 0 {
        let parent = level_offset(s.level - 1);
        buf.copy_within(parent..parent + s.unique, start);
    }
    extend(&mut buf[start..], s.unique, s.zero, s.one, s.feature);
    start
}

/// After entering split node `s.node` on `feature`: undo an earlier split on the same feature.
/// Returns `(unique depth, incoming zero fraction, incoming one fraction)` for the children.
#[inline]
pub(crate) fn merge_feature(path: &mut [PathElement], unique: usize, feature: i32) -> (usize, f64, f64) {
    match path[..=unique].iter().position(|e| e.feature == feature) {
        Some(k) => {
            let (zero, one) = (path[k].zero, path[k].one);
            unwind(path, unique, k);
            (unique - 1, zero, one)
        }
        None => (unique, 1.0, 1.0),
    }
}

/// Add one tree's contributions for row `x` to `phi` (length `n_features`; the bias is added by
/// the caller). `buf` holds at least `path_capacity(tree.depth)` elements.
pub(crate) fn tree_shap(tree: &ShapTree, x: &[f64], phi: &mut [f64], buf: &mut [PathElement]) {
    if tree.nodes.len() > 1 {
        recurse(tree, x, phi, buf, Step::root());
    }
}

fn recurse(tree: &ShapTree, x: &[f64], phi: &mut [f64], buf: &mut [PathElement], s: Step) {
    let start = enter(buf, &s);
    let path = &mut buf[start..];
    match &tree.nodes[s.node] {
        Node::Leaf(_) => {
            let v = tree.value[s.node];
            for i in 1..=s.unique {
                let w = unwound_sum(path, s.unique, i);
                let el = path[i];
                phi[el.feature as usize] += w * (el.one - el.zero) * v;
            }
        }
        Node::Split(split) => {
            let (left, right) = (split.left as usize, split.right as usize);
            let (hot, cold) = if split.goes_left(x[split.feature as usize]) { (left, right) } else { (right, left) };
            let w = tree.cover[s.node];
            let hot_zero = tree.cover[hot] / w;
            let cold_zero = tree.cover[cold] / w;
            let feature = split.feature as i32;
            let (unique, zero, one) = merge_feature(path, s.unique, feature);
            let level = s.level + 1;
            let step = |node, zero, one| Step { node, level, unique: unique + 1, zero, one, feature };
            recurse(tree, x, phi, buf, step(hot, hot_zero * zero, one));
            recurse(tree, x, phi, buf, step(cold, cold_zero * zero, 0.0));
        }
    }
}
