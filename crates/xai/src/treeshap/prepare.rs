//! Trees made ready for TreeSHAP: validated, with leaf values scaled for averaged ensembles,
//! depths known and (for path-dependent SHAP) covers checked and expected values computed.

use crate::{Result, XaiError};
use forecast_core::tree::{Node, Tree, TreeEnsemble};
use ndarray::ArrayView2;

/// Deepest tree the explainers accept. The path-dependent walk keeps `(D + 1)(D + 2) / 2` path
/// elements per thread and recurses `D` levels; 1024 levels is far beyond any boosted tree.
pub const MAX_DEPTH: usize = 1024;

/// One tree of the ensemble, ready for either TreeSHAP variant.
#[derive(Debug, Clone)]
pub(crate) struct ShapTree {
    pub(crate) nodes: Vec<Node>,
    /// Leaf output per node (already divided by the tree count when the ensemble averages).
    pub(crate) value: Vec<f64>,
    /// Cover per node; empty for a single-leaf tree or when not needed.
    pub(crate) cover: Vec<f64>,
    /// Longest root-to-leaf path, in splits.
    pub(crate) depth: usize,
    /// Cover-weighted mean leaf value (path-dependent expected value).
    pub(crate) expected: f64,
}

/// Validate the ensemble and prepare its trees. With `need_covers`, every tree of more than one
/// node must carry a positive cover on each split node.
pub(crate) fn prepare(ensemble: &TreeEnsemble, need_covers: bool) -> Result<Vec<ShapTree>> {
    ensemble.validate()?;
    let scale = if ensemble.average && !ensemble.trees.is_empty() { ensemble.trees.len() as f64 } else { 1.0 };
    ensemble.trees.iter().enumerate().map(|(t, tree)| prepare_tree(t, tree, scale, need_covers)).collect()
}

fn prepare_tree(t: usize, tree: &Tree, scale: f64, need_covers: bool) -> Result<ShapTree> {
    // Averaged ensembles divide each leaf by the tree count; a plain sum leaves values untouched,
    // so the arithmetic is exactly that of libraries that sum trees (LightGBM's pred_contrib).
    let value: Vec<f64> = tree
        .nodes
        .iter()
        .map(|n| match n {
            Node::Leaf(v) if scale != 1.0 => v / scale,
            Node::Leaf(v) => *v,
            Node::Split(_) => 0.0,
        })
        .collect();
    let depth = depth(&tree.nodes);
    if depth > MAX_DEPTH {
        return Err(XaiError::TooDeep { tree: t, depth, max: MAX_DEPTH });
    }
    let single = tree.nodes.len() == 1;
    let mut cover = Vec::new();
    let mut expected = value[0];
    if need_covers && !single {
        if tree.cover.len() != tree.nodes.len() {
            return Err(XaiError::MissingCovers { tree: t });
        }
        for (i, n) in tree.nodes.iter().enumerate() {
            if matches!(n, Node::Split(_)) && tree.cover[i].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                return Err(XaiError::BadCover { tree: t, node: i, cover: tree.cover[i] });
            }
        }
        cover = tree.cover.clone();
        // LightGBM's Tree::ExpectedValue: leaves in index order, (count / root count) * value.
        let total = cover[0];
        expected = 0.0;
        for (i, n) in tree.nodes.iter().enumerate() {
            if matches!(n, Node::Leaf(_)) {
                expected += (cover[i] / total) * value[i];
            }
        }
    }
    Ok(ShapTree { nodes: tree.nodes.clone(), value, cover, depth, expected })
}

/// Longest root-to-leaf path in splits (the tree is known to be acyclic and in range).
fn depth(nodes: &[Node]) -> usize {
    let mut best = 0;
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, d)) = stack.pop() {
        match &nodes[i] {
            Node::Leaf(_) => best = best.max(d),
            Node::Split(s) => {
                stack.push((s.left as usize, d + 1));
                stack.push((s.right as usize, d + 1));
            }
        }
    }
    best
}

/// Fill every tree's covers with the number of rows of `x` that reach each node.
///
/// For models that keep no node counts (smartcore forests, hand-built ensembles): route the
/// training rows (or any representative sample) through the trees, then path-dependent
/// TreeSHAP can run. For a bagged forest these are counts of `x`, not of each tree's bootstrap
/// sample. A split node that no row reaches gets cover 0, which path-dependent TreeSHAP rejects
/// ([`XaiError::BadCover`] names it): pass rows that reach every split, such as the training rows.
///
/// # Errors
/// [`XaiError::Shape`] when `x` has the wrong number of columns, [`XaiError::InvalidArgument`]
/// when `x` has no rows, [`XaiError::Core`] for a malformed ensemble.
pub fn fill_covers(ensemble: &mut TreeEnsemble, x: ArrayView2<'_, f64>) -> Result<()> {
    ensemble.validate()?;
    if x.ncols() != ensemble.n_features {
        return Err(XaiError::Shape {
            context: "fill_covers: columns of x",
            expected: ensemble.n_features,
            got: x.ncols(),
        });
    }
    if x.nrows() == 0 {
        return Err(XaiError::argument("x", "0 rows", "at least one row to count"));
    }
    let mut row = vec![0.0; x.ncols()];
    let mut counts: Vec<Vec<f64>> = ensemble.trees.iter().map(|t| vec![0.0; t.nodes.len()]).collect();
    for r in x.rows() {
        row.iter_mut().zip(r.iter()).for_each(|(d, s)| *d = *s);
        for (tree, count) in ensemble.trees.iter().zip(counts.iter_mut()) {
            let mut i = 0usize;
            loop {
                count[i] += 1.0;
                match &tree.nodes[i] {
                    Node::Leaf(_) => break,
                    Node::Split(s) => {
                        i = if s.goes_left(row[s.feature as usize]) { s.left } else { s.right } as usize;
                    }
                }
            }
        }
    }
    for (tree, count) in ensemble.trees.iter_mut().zip(counts) {
        tree.cover = count;
    }
    Ok(())
}
