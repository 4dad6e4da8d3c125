//! Interventional TreeSHAP (Lundberg et al. 2020, "Independent Tree SHAP"): the exact Shapley
//! values of `v(S) = mean_z f(x_S, z_rest)` over a background set.
//!
//! For one foreground row `x` and one background row `z`, a hybrid row takes `x` on the set `S`
//! and `z` elsewhere. A leaf is reached by the hybrids whose `S` contains every feature `X` the
//! path needs from `x` and none of the features `Z` it needs from `z` (a feature both rows send
//! the same way is free). That game is `[X ⊆ S, S ∩ Z = ∅]`; its Shapley value is
//! `(a-1)! b! / (a+b)!` for each feature of `X` (`a = |X|`, `b = |Z|`) and `-a! (b-1)! / (a+b)!`
//! for each of `Z`. Walking the tree once per pair, with the side of each feature fixed at its
//! first disagreeing split, sums those values over the leaves exactly.

use super::prepare::{self, ShapTree};
use super::values::{ShapValues, feature_names};
use crate::{Result, XaiError};
use forecast_core::tree::{Node, TreeEnsemble};
use ndarray::ArrayView2;
use rayon::prelude::*;

/// Rows handed to one rayon task.
const CHUNK_ROWS: usize = 16;

/// Interventional TreeSHAP explainer: one tree ensemble and a background set.
///
/// The cost is `rows x background rows x trees x (nodes visited)`: 100 to 1000 background rows
/// are usual. The bias is the mean raw score of the background rows.
#[derive(Debug, Clone)]
pub struct InterventionalShap {
    trees: Vec<ShapTree>,
    background: Vec<f64>,
    n_background: usize,
    n_features: usize,
    expected_value: f64,
    /// `weight[a * stride + b] = (a-1)! b! / (a+b)!` for `a >= 1`.
    weight: Vec<f64>,
    stride: usize,
    feature_names: Vec<String>,
}

/// Which row a feature follows on the current path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Free,
    X,
    Z,
}

struct Scratch {
    side: Vec<Side>,
    on_path: Vec<u32>,
    sum: Vec<f64>,
}

impl InterventionalShap {
    /// Prepare the explainer with `background` (rows x `n_features`, at least one row).
    ///
    /// # Errors
    /// [`XaiError::Shape`] for a background of the wrong width, [`XaiError::InvalidArgument`]
    /// for an empty one, [`XaiError::TooDeep`] or [`XaiError::Core`] for a malformed ensemble.
    pub fn new(ensemble: &TreeEnsemble, background: ArrayView2<'_, f64>) -> Result<Self> {
        let trees = prepare::prepare(ensemble, false)?;
        let p = ensemble.n_features;
        if background.ncols() != p {
            return Err(XaiError::Shape {
                context: "InterventionalShap::new: columns of background",
                expected: p,
                got: background.ncols(),
            });
        }
        if background.nrows() == 0 {
            return Err(XaiError::argument("background", "0 rows", "at least one background row"));
        }
        let background: Vec<f64> = background.iter().copied().collect();
        let n_background = background.len() / p.max(1);
        let raw = |z: &[f64]| trees.iter().fold(0.0, |acc, t| acc + t.value[leaf_of(t, z)]);
        let mean = if p == 0 { raw(&[]) } else { background.chunks(p).map(raw).sum::<f64>() / n_background as f64 };
        let max_depth = trees.iter().map(|t| t.depth).max().unwrap_or(0);
        let stride = max_depth.min(p) + 1;
        let mut weight = vec![0.0; stride * stride];
        for a in 1..stride {
            let mut w = 1.0 / a as f64;
            for b in 0..stride {
                weight[a * stride + b] = w;
                w *= (b + 1) as f64 / (a + b + 1) as f64;
            }
        }
        Ok(Self {
            trees,
            background,
            n_background,
            n_features: p,
            expected_value: ensemble.base_score + mean,
            weight,
            stride,
            feature_names: feature_names(ensemble),
        })
    }

    /// The bias: `base_score` plus the mean raw tree sum over the background rows.
    pub fn expected_value(&self) -> f64 {
        self.expected_value
    }

    /// Number of background rows.
    pub fn n_background(&self) -> usize {
        self.n_background
    }

    /// SHAP values of every row of `x`, averaged over the background rows.
    ///
    /// # Errors
    /// [`XaiError::Shape`] when `x` has the wrong number of columns.
    pub fn explain(&self, x: ArrayView2<'_, f64>) -> Result<ShapValues> {
        let p = self.n_features;
        if x.ncols() != p {
            return Err(XaiError::Shape {
                context: "InterventionalShap::explain: columns of x",
                expected: p,
                got: x.ncols(),
            });
        }
        let x = x.as_standard_layout();
        let data = x.as_slice().unwrap_or_default();
        let mut out = vec![0.0; x.nrows() * (p + 1)];
        out.par_chunks_mut(CHUNK_ROWS * (p + 1)).enumerate().for_each_init(
            || Scratch { side: vec![Side::Free; p], on_path: Vec::with_capacity(p), sum: vec![0.0; p] },
            |s, (c, chunk)| {
                for (r, phi) in chunk.chunks_mut(p + 1).enumerate() {
                    let row = (c * CHUNK_ROWS + r) * p;
                    self.row_into(&data[row..row + p], phi, s);
                }
            },
        );
        ShapValues::new(out, x.nrows(), self.feature_names.clone())
    }

    fn row_into(&self, x: &[f64], phi: &mut [f64], s: &mut Scratch) {
        let p = self.n_features;
        s.sum.iter_mut().for_each(|v| *v = 0.0);
        for b in 0..self.n_background {
            let z = &self.background[b * p..(b + 1) * p];
            for tree in &self.trees {
                if tree.nodes.len() > 1 {
                    self.walk(tree, 0, x, z, 0, 0, s);
                }
            }
        }
        let n = self.n_background as f64;
        for (out, sum) in phi.iter_mut().zip(&s.sum) {
            *out = sum / n;
        }
        phi[p] = self.expected_value;
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(&self, tree: &ShapTree, node: usize, x: &[f64], z: &[f64], a: usize, b: usize, s: &mut Scratch) {
        match &tree.nodes[node] {
            Node::Leaf(_) => {
                if a + b == 0 {
                    return;
                }
                let v = tree.value[node];
                let on_x = if a > 0 { v * self.weight[a * self.stride + b] } else { 0.0 };
                let on_z = if b > 0 { v * self.weight[b * self.stride + a] } else { 0.0 };
                for &f in &s.on_path {
                    match s.side[f as usize] {
                        Side::X => s.sum[f as usize] += on_x,
                        _ => s.sum[f as usize] -= on_z,
                    }
                }
            }
            Node::Split(split) => {
                let f = split.feature as usize;
                let child = |left: bool| if left { split.left } else { split.right } as usize;
                let (dx, dz) = (split.goes_left(x[f]), split.goes_left(z[f]));
                if dx == dz {
                    return self.walk(tree, child(dx), x, z, a, b, s);
                }
                match s.side[f] {
                    Side::X => self.walk(tree, child(dx), x, z, a, b, s),
                    Side::Z => self.walk(tree, child(dz), x, z, a, b, s),
                    Side::Free => {
                        s.on_path.push(f as u32);
                        s.side[f] = Side::X;
                        self.walk(tree, child(dx), x, z, a + 1, b, s);
                        s.side[f] = Side::Z;
                        self.walk(tree, child(dz), x, z, a, b + 1, s);
                        s.side[f] = Side::Free;
                        s.on_path.pop();
                    }
                }
            }
        }
    }
}

/// The node index of the leaf row `z` reaches.
fn leaf_of(tree: &ShapTree, z: &[f64]) -> usize {
    let mut i = 0;
    while let Node::Split(s) = &tree.nodes[i] {
        i = if s.goes_left(z[s.feature as usize]) { s.left } else { s.right } as usize;
    }
    i
}
