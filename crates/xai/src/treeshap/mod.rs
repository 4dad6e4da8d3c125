//! Exact SHAP values of tree ensembles ([`TreeEnsemble`]: our GBDT, imported LightGBM and
//! XGBoost models, smartcore forests).
//!
//! - [`TreeShap`]: path-dependent TreeSHAP (Lundberg et al. 2020, Algorithm 2), weighting each
//!   branch by the node covers the model carries. On an imported LightGBM model it returns what
//!   LightGBM's `predict(X, pred_contrib=True)` returns, bit for bit (same arithmetic, same order).
//! - [`InterventionalShap`]: interventional TreeSHAP against a background set: the Shapley
//!   values of `S -> mean_z f(x_S, z_rest)`, exact, with no cover needed.
//!
//! Both explain the raw score (before the output transform): contributions plus the bias equal
//! `base_score + Σ trees` (or the mean of the trees when the ensemble averages). Rows run in
//! parallel on the rayon pool in scope; no allocation happens per row.

mod interventional;
mod lightgbm;
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

/// How [`TreeShap`] computes each tree's contributions (all give identical numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Precompute a tree's table when the rows of a call repay its construction and it fits the
    /// budget; otherwise walk the tree directly.
    #[default]
    Auto,
    /// Always the direct recursion of Algorithm 2.
    Direct,
    /// Build every table that fits the budget, whatever the number of rows.
    Tables,
}

/// Path-dependent TreeSHAP explainer of one tree ensemble.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `strategy` | [`Strategy::Auto`] | direct walk or precomputed tables | any |
/// | `table_budget` | 256 MiB | memory all tables of this explainer may take | bytes, 0 = none |
///
/// Tables, once built, are kept for later calls.
#[derive(Debug)]
pub struct TreeShap {
    trees: Vec<ShapTree>,
    costs: Vec<Cost>,
    tables: Vec<OnceLock<Table>>,
    table_bytes: AtomicUsize,
    /// Held while tables are planned and built, so two calls never build the same one.
    planning: Mutex<()>,
    budget: usize,
    strategy: Strategy,
    n_features: usize,
    base_score: f64,
    expected_value: f64,
    max_depth: usize,
    feature_names: Vec<String>,
}

/// Per-thread scratch space.
struct Scratch {
    buf: Vec<PathElement>,
    stack: Vec<(u32, u32)>,
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
            costs,
            table_bytes: AtomicUsize::new(0),
            planning: Mutex::new(()),
            budget: 256 << 20,
            strategy: Strategy::Auto,
            n_features: ensemble.n_features,
            base_score: ensemble.base_score,
            expected_value,
            max_depth: trees.iter().map(|t| t.depth).max().unwrap_or(0),
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
        self.plan_tables(x.nrows());
        let mut out = vec![0.0; x.nrows() * (p + 1)];
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
        self.row_into(row, &mut phi, &mut self.scratch());
        Ok(phi)
    }

    fn scratch(&self) -> Scratch {
        Scratch {
            buf: vec![PathElement::default(); path::path_capacity(self.max_depth)],
            stack: Vec::with_capacity(2 * self.max_depth + 2),
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
    fn reserve(&self, bytes: usize) -> bool {
        self.table_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.budget)
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests;
