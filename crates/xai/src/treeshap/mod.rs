//! Exact SHAP values of tree ensembles ([`TreeEnsemble`]: our GBDT, imported LightGBM and
//! XGBoost models, smartcore forests).
//!
//! - [`TreeShap`]: path-dependent TreeSHAP (Lundberg et al. 2020), weighting each branch by the
//!   node covers the model carries. By default it runs Linear TreeSHAP (`O(nodes × depth/2)` per
//!   row and tree, see `linear`), which agrees with LightGBM's `predict(X, pred_contrib=True)` to
//!   rounding (about 1e-15 relative); [`Strategy::Exact`] runs Algorithm 2 with LightGBM's own
//!   arithmetic and returns its values bit for bit.
//! - [`InterventionalShap`]: interventional TreeSHAP against a background set: the Shapley
//!   values of `S -> mean_z f(x_S, z_rest)`, exact, with no cover needed.
//!
//! Both explain the raw score (before the output transform): contributions plus the bias equal
//! `base_score + Σ trees` (or the mean of the trees when the ensemble averages). Rows run in
//! parallel on the rayon pool in scope; no allocation happens per row.

mod interventional;
mod lightgbm;
mod linear;
pub(crate) mod path;
mod prepare;
mod table;
mod values;

pub use interventional::InterventionalShap;
pub use lightgbm::{lightgbm_contrib_model, lightgbm_input};
pub use prepare::{MAX_DEPTH, fill_covers};
pub use values::ShapValues;
pub(crate) use values::feature_names as feature_names_of;

use crate::{Result, XaiError};
use forecast_core::tree::TreeEnsemble;
use linear::{BLOCK_ROWS, LinearScratch, LinearTree};
use ndarray::ArrayView2;
use path::PathElement;
use prepare::ShapTree;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use table::{Cost, Table};

/// Rows handed to one rayon task.
const CHUNK_ROWS: usize = 64;

/// Largest table of one tree, in stored terms (8 bytes each).
const MAX_TERMS_PER_TREE: f64 = (1u64 << 22) as f64;

/// How [`TreeShap`] computes each tree's contributions. All are exact; `Auto` differs from the
/// others by rounding only (about 1e-15 relative), the others give identical numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Linear TreeSHAP (Gauss-Legendre form) for every tree whose paths hold at most 32 distinct
    /// features and whose tables fit the budget; Algorithm 2 for the others. The fastest.
    #[default]
    Auto,
    /// Algorithm 2 with LightGBM's arithmetic: precompute a tree's table of states when the rows
    /// of a call repay its construction and it fits the budget, otherwise walk the tree directly.
    /// Bit-identical to LightGBM's `pred_contrib`.
    Exact,
    /// Always the direct recursion of Algorithm 2 (bit-identical, like `Exact`).
    Direct,
    /// Algorithm 2 with every table of states that fits the budget, whatever the number of rows
    /// (bit-identical, like `Exact`).
    Tables,
}

/// Path-dependent TreeSHAP explainer of one tree ensemble.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `strategy` | [`Strategy::Auto`] | Linear TreeSHAP, or Algorithm 2 (direct walk or precomputed tables) | any |
/// | `table_budget` | 256 MiB | memory all tables of this explainer may take | bytes, 0 = none |
///
/// Tables, once built, are kept for later calls.
#[derive(Debug)]
pub struct TreeShap {
    trees: Vec<ShapTree>,
    costs: Vec<Cost>,
    tables: Vec<OnceLock<Table>>,
    /// Linear TreeSHAP form of each tree (built on the first `Auto` call; `None`: Algorithm 2).
    linear: OnceLock<Vec<Option<LinearTree>>>,
    table_bytes: AtomicUsize,
    /// Held while tables are planned and built, so two calls never build the same one.
    planning: Mutex<()>,
    budget: usize,
    strategy: Strategy,
    n_features: usize,
    base_score: f64,
    expected_value: f64,
    max_depth: usize,
    max_nodes: usize,
    feature_names: Vec<String>,
}

/// Per-thread scratch space.
struct Scratch {
    buf: Vec<PathElement>,
    stack: Vec<(u32, u32)>,
    linear: LinearScratch,
}

impl TreeShap {
    /// Prepare the explainer.
    ///
    /// # Errors
    /// [`XaiError::MissingCovers`] when a tree of more than one node has no covers,
    /// [`XaiError::BadCover`] for a split node of cover 0, [`XaiError::TooDeep`], or
    /// [`XaiError::Core`] for a malformed ensemble.
    pub fn new(ensemble: &TreeEnsemble) -> Result<Self> {
        let trees = prepare::prepare(ensemble, true)?;
        let costs: Vec<Cost> = trees.iter().map(table::cost).collect();
        let expected_value = trees.iter().fold(ensemble.base_score, |acc, t| acc + t.expected);
        Ok(Self {
            tables: trees.iter().map(|_| OnceLock::new()).collect(),
            linear: OnceLock::new(),
            costs,
            table_bytes: AtomicUsize::new(0),
            planning: Mutex::new(()),
            budget: 256 << 20,
            strategy: Strategy::Auto,
            n_features: ensemble.n_features,
            base_score: ensemble.base_score,
            expected_value,
            max_depth: trees.iter().map(|t| t.depth).max().unwrap_or(0),
            max_nodes: trees.iter().map(|t| t.nodes.len()).max().unwrap_or(0),
            feature_names: values::feature_names(ensemble),
            trees,
        })
    }

    /// Choose how trees are computed (see [`Strategy`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Memory, in bytes, that the precomputed tables of this explainer may take in all.
    pub fn table_budget(mut self, bytes: usize) -> Self {
        self.budget = bytes;
        self
    }

    /// The bias: `base_score` plus each tree's cover-weighted mean leaf value, the model's
    /// expected raw score over its training data.
    pub fn expected_value(&self) -> f64 {
        self.expected_value
    }

    /// Number of input columns.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Bytes taken by the tables built so far.
    pub fn table_bytes(&self) -> usize {
        self.table_bytes.load(Ordering::Relaxed)
    }

    /// SHAP values of every row of `x` (rows x `n_features`; NaN is a missing value).
    ///
    /// # Errors
    /// [`XaiError::Shape`] when `x` has the wrong number of columns.
    pub fn explain(&self, x: ArrayView2<'_, f64>) -> Result<ShapValues> {
        let p = self.n_features;
        if x.ncols() != p {
            return Err(XaiError::Shape { context: "TreeShap::explain: columns of x", expected: p, got: x.ncols() });
        }
        let x = x.as_standard_layout();
        let data = x.as_slice().unwrap_or_default();
        let mut out = vec![0.0; x.nrows() * (p + 1)];
        if self.strategy == Strategy::Auto {
            let linear = self.linear_trees();
            out.par_chunks_mut(CHUNK_ROWS * (p + 1)).enumerate().for_each_init(
                || self.scratch(),
                |scratch, (c, chunk)| {
                    let rows = &data[c * CHUNK_ROWS * p..][..chunk.len() / (p + 1) * p];
                    self.chunk_into(linear, rows, chunk, scratch);
                },
            );
            return ShapValues::new(out, x.nrows(), self.feature_names.clone());
        }
        self.plan_tables(x.nrows());
        out.par_chunks_mut(CHUNK_ROWS * (p + 1)).enumerate().for_each_init(
            || self.scratch(),
            |scratch, (c, chunk)| {
                for (r, phi) in chunk.chunks_mut(p + 1).enumerate() {
                    let row = (c * CHUNK_ROWS + r) * p;
                    self.row_into(&data[row..row + p], phi, scratch);
                }
            },
        );
        ShapValues::new(out, x.nrows(), self.feature_names.clone())
    }

    /// SHAP values of one row: `n_features` contributions, then the bias.
    ///
    /// # Errors
    /// [`XaiError::Shape`] when `row` has the wrong length.
    pub fn explain_row(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.n_features {
            return Err(XaiError::Shape {
                context: "TreeShap::explain_row: row length",
                expected: self.n_features,
                got: row.len(),
            });
        }
        let mut phi = vec![0.0; self.n_features + 1];
        if self.strategy == Strategy::Auto {
            self.chunk_into(self.linear_trees(), row, &mut phi, &mut self.scratch());
        } else {
            self.row_into(row, &mut phi, &mut self.scratch());
        }
        Ok(phi)
    }

    fn scratch(&self) -> Scratch {
        let mut linear = LinearScratch::default();
        linear.reserve(self.max_nodes);
        Scratch {
            buf: vec![PathElement::default(); path::path_capacity(self.max_depth)],
            stack: Vec::with_capacity(2 * self.max_depth + 2),
            linear,
        }
    }

    /// The Linear TreeSHAP form of each tree, built once, within the table budget.
    fn linear_trees(&self) -> &[Option<LinearTree>] {
        self.linear.get_or_init(|| {
            let built: Vec<Option<LinearTree>> =
                self.trees.par_iter().map(|t| if t.nodes.len() > 1 { LinearTree::new(t) } else { None }).collect();
            built.into_iter().map(|t| t.filter(|t| self.reserve(t.bytes()))).collect()
        })
    }

    /// Contributions of the rows in `x` (row-major, `n_features` wide) into `out` (zeros,
    /// `n_features + 1` wide), tree by tree so that each tree's tables stay in cache.
    fn chunk_into(&self, linear: &[Option<LinearTree>], x: &[f64], out: &mut [f64], s: &mut Scratch) {
        let p = self.n_features;
        for phi in out.chunks_mut(p + 1) {
            phi[p] = self.expected_value;
        }
        for (tree, lin) in self.trees.iter().zip(linear) {
            match lin {
                Some(l) => linear_rows(l, x, out, p, &mut s.linear),
                None if tree.nodes.len() > 1 => {
                    for (row, phi) in x.chunks_exact(p).zip(out.chunks_mut(p + 1)) {
                        path::tree_shap(tree, row, &mut phi[..p], &mut s.buf);
                    }
                }
                None => {}
            }
        }
    }

    /// `phi` has `n_features + 1` zeros on entry.
    fn row_into(&self, x: &[f64], phi: &mut [f64], s: &mut Scratch) {
        let (contrib, bias) = phi.split_at_mut(self.n_features);
        bias[0] = self.base_score;
        for (tree, table) in self.trees.iter().zip(&self.tables) {
            bias[0] += tree.expected;
            if tree.nodes.len() == 1 {
                continue;
            }
            match table.get() {
                Some(t) => t.add(tree, x, contrib, &mut s.stack),
                None => path::tree_shap(tree, x, contrib, &mut s.buf),
            }
        }
    }

    /// Build the tables worth building for a call of `rows` rows, within the budget.
    fn plan_tables(&self, rows: usize) {
        if self.strategy == Strategy::Direct {
            return;
        }
        // A poisoned lock only means another call panicked while building; the tables it set are whole.
        let _guard = self.planning.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let wanted: Vec<usize> = (0..self.trees.len())
            .filter(|&t| {
                let c = &self.costs[t];
                let useful = self.trees[t].nodes.len() > 1 && self.tables[t].get().is_none();
                let small = c.terms <= MAX_TERMS_PER_TREE;
                let pays = self.strategy == Strategy::Tables || c.pays_off(rows);
                useful && small && pays && self.reserve(c.bytes() as usize)
            })
            .collect();
        wanted.into_par_iter().for_each(|t| {
            let built = table::build(&self.trees[t], &self.costs[t]);
            // Under the planning lock no other call sets this cell, so `set` cannot fail.
            let _ = self.tables[t].set(built);
        });
    }

    /// Take `bytes` from the budget, if they fit.
    ///
    /// Tables of states and Linear TreeSHAP forms share one budget.
    fn reserve(&self, bytes: usize) -> bool {
        self.table_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.budget)
            })
            .is_ok()
    }
}

/// One tree's Linear TreeSHAP over rows `x` into `out` (`p + 1` wide), [`BLOCK_ROWS`] rows at a
/// time, with the lane count fixed at compile time.
fn linear_rows(l: &LinearTree, x: &[f64], out: &mut [f64], p: usize, s: &mut LinearScratch) {
    fn run<const Q: usize>(l: &LinearTree, x: &[f64], out: &mut [f64], p: usize, s: &mut LinearScratch) {
        let mut blocks = out.chunks_exact_mut((p + 1) * BLOCK_ROWS);
        let mut rows = x.chunks_exact(p * BLOCK_ROWS);
        for (xb, ob) in (&mut rows).zip(&mut blocks) {
            l.add::<Q, BLOCK_ROWS>(xb, p, ob, p + 1, s);
        }
        for (row, phi) in rows.remainder().chunks_exact(p).zip(blocks.into_remainder().chunks_mut(p + 1)) {
            l.add::<Q, 1>(row, p, phi, p + 1, s);
        }
    }
    match l.points() {
        1 => run::<1>(l, x, out, p, s),
        2 => run::<2>(l, x, out, p, s),
        3 => run::<3>(l, x, out, p, s),
        4 => run::<4>(l, x, out, p, s),
        5 => run::<5>(l, x, out, p, s),
        6 => run::<6>(l, x, out, p, s),
        7 => run::<7>(l, x, out, p, s),
        8 => run::<8>(l, x, out, p, s),
        9 => run::<9>(l, x, out, p, s),
        10 => run::<10>(l, x, out, p, s),
        11 => run::<11>(l, x, out, p, s),
        12 => run::<12>(l, x, out, p, s),
        13 => run::<13>(l, x, out, p, s),
        14 => run::<14>(l, x, out, p, s),
        15 => run::<15>(l, x, out, p, s),
        // `LinearTree::new` keeps the points within 1..=MAX_POINTS (16).
        _ => run::<16>(l, x, out, p, s),
    }
}

#[cfg(test)]
mod tests;
