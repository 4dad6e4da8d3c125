//! The boosting loop: gradients, row and feature sampling, one tree per round, score updates,
//! early stopping on a validation set.

use super::binning::{BinCache, BinnedMatrix};
use super::grow::{GrowLimits, Grower, GrownTree};
use super::histogram::GradPair;
use super::importance::Importances;
use super::model::GbdtModel;
use super::objective::{ROW_CHUNK, quantile};
use super::params::{GbdtValidParams, Objective};
use super::split::SplitRules;
use crate::forecast::TrainingSet;
use crate::model::{Fit, check_xy};
use crate::tree::{Node, Tree, TreeEnsemble};
use crate::{Error, Result};
use ndarray::{ArrayView1, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

impl Fit for GbdtValidParams {
    type Fitted = GbdtModel;

    /// Fit on every row of `(x, y)`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `early_stopping_rounds > 0` (early stopping needs
    /// validation rows: use [`GbdtValidParams::fit_with_validation`], or a
    /// [`GlobalForecaster`](crate::forecast::GlobalForecaster), which holds out the last periods
    /// of every series); shape mismatches, no rows, non-finite targets, infinite features,
    /// negative targets for Poisson or Tweedie.
    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<GbdtModel> {
        if self.early_stopping_rounds > 0 {
            return Err(Error::InvalidParam {
                name: "early_stopping_rounds",
                value: self.early_stopping_rounds.to_string(),
                expected: "0 when fitting without validation data; use fit_with_validation, or a \
                           GlobalForecaster, which holds out the last periods of every series",
            });
        }
        check_xy(&x, &y)?;
        in_pool(self.threads, || {
            train(self, x, &y.to_vec(), &BinCache::default(), &self.categorical_features, None, self.n_rounds)
        })
    }
}

impl GbdtValidParams {
    /// Fit on `(x, y)` while scoring `(x_valid, y_valid)` after every round. With
    /// `early_stopping_rounds > 0`, training stops once the validation loss has not improved
    /// for that many rounds and the model is cut back to its best round.
    ///
    /// # Errors
    /// Shape mismatches between any of the four inputs, no rows, non-finite targets,
    /// infinite features, negative targets for Poisson or Tweedie.
    pub fn fit_with_validation(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        x_valid: ArrayView2<'_, f64>,
        y_valid: ArrayView1<'_, f64>,
    ) -> Result<GbdtModel> {
        check_xy(&x, &y)?;
        if x_valid.ncols() != x.ncols() {
            return Err(Error::ShapeMismatch {
                context: "fit_with_validation: validation feature columns",
                expected: x.ncols(),
                got: x_valid.ncols(),
            });
        }
        check_xy(&x_valid, &y_valid)?;
        let all = ndarray::concatenate(ndarray::Axis(0), &[x.view(), x_valid.view()])
            .map_err(|e| Error::InvalidData(format!("fit_with_validation: stacking rows: {e}")))?;
        let y_all: Vec<f64> = y.iter().chain(y_valid.iter()).copied().collect();
        let mut valid = vec![false; x.nrows()];
        valid.resize(y_all.len(), true);
        in_pool(self.threads, || {
            let cats = &self.categorical_features;
            train(self, all.view(), &y_all, &BinCache::default(), cats, Some(&valid), self.n_rounds)
        })
    }

    /// Fit on a forecaster's training set. With early stopping: boost on the rows outside
    /// the validation split while scoring the validation rows, then refit on every row for
    /// the best number of rounds (so the latest periods still train the model). Without: fit
    /// on every row. The set's quantile bins are built once and shared by every head. The
    /// set's categorical columns are split as categories, with the params' own.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when early stopping is on and the set has no validation rows
    /// (or only validation rows); as [`Fit::fit`] otherwise.
    pub(crate) fn fit_set(&self, set: &TrainingSet<'_>) -> Result<GbdtModel> {
        check_xy(&set.x, &set.y)?;
        let y = set.y.to_vec();
        let mut cats: Vec<usize> = self.categorical_features.iter().chain(set.categorical).copied().collect();
        cats.sort_unstable();
        cats.dedup();
        let cats = &cats;
        in_pool(self.threads, || {
            if self.early_stopping_rounds == 0 {
                return train(self, set.x, &y, &set.bins, cats, None, self.n_rounds);
            }
            let valid = set.validation.filter(|v| v.contains(&true) && v.contains(&false)).ok_or_else(|| {
                Error::InvalidData(format!(
                    "early stopping ({} rounds) needs validation rows and training rows; {}",
                    self.early_stopping_rounds,
                    "give the forecaster validation periods (GlobalForecaster::validation) and series long enough for them"
                ))
            })?;
            let stopped = train(self, set.x, &y, &set.bins, cats, Some(valid), self.n_rounds)?;
            let mut model = train(self, set.x, &y, &set.bins, cats, None, stopped.best_iteration)?;
            model.best_iteration = stopped.best_iteration;
            model.best_validation_loss = stopped.best_validation_loss;
            Ok(model)
        })
    }
}

/// Run `f` on a pool of `threads` workers: the caller's pool when it already has that many
/// (or when `threads` is 0, "all cores"), so nested fits (one per step, quantile heads)
/// share one pool instead of building one each.
fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    if threads == 0 || threads == rayon::current_num_threads() {
        return f();
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Backend { backend: "rayon", source: Box::new(e) })?
        .install(f)
}

/// The validation rows with their targets, and the loss history.
struct Validation {
    rows: Vec<usize>,
    y: Vec<f64>,
    score: Vec<f64>,
    best: (f64, usize),
    last: f64,
}

/// Boost `rounds` trees on the rows of `x` outside `valid` (all rows when `None`), scoring the
/// `valid` rows after every round for early stopping; the sorted `categorical` columns split as
/// categories.
fn train(
    p: &GbdtValidParams,
    x: ArrayView2<'_, f64>,
    y: &[f64],
    bins: &BinCache,
    categorical: &[usize],
    valid: Option<&[bool]>,
    rounds: usize,
) -> Result<GbdtModel> {
    if valid.is_some_and(|v| v.len() != y.len()) {
        return Err(Error::ShapeMismatch {
            context: "fit: validation flags vs rows",
            expected: y.len(),
            got: valid.map_or(0, <[bool]>::len),
        });
    }
    let is_train = |i: usize| valid.is_none_or(|v| !v[i]);
    let train_y: Vec<f64> = (0..y.len()).filter(|&i| is_train(i)).map(|i| y[i]).collect();
    p.objective.check_targets(&train_y, "fit")?;
    let data = bins.get(x, p.max_bins, categorical)?;
    if p.feature_fraction < 1.0 && data.n_features() == 0 {
        return Err(Error::InvalidParam {
            name: "feature_fraction",
            value: p.feature_fraction.to_string(),
            expected: "1.0 when the design matrix has no feature columns (there is nothing to sample)",
        });
    }
    let base = p.objective.base_score(&train_y)?;
    let validation = match valid {
        Some(v) => {
            let rows: Vec<usize> = (0..y.len()).filter(|&i| v[i]).collect();
            let yv: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
            p.objective.check_targets(&yv, "validation")?;
            let n = rows.len();
            Some(Validation { rows, y: yv, score: vec![base; n], best: (f64::INFINITY, 0), last: f64::NAN })
        }
        None => None,
    };
    let train_rows: Option<Vec<u32>> = valid.map(|_| (0..y.len()).filter(|&i| is_train(i)).map(|i| i as u32).collect());
    Ok(boost(p, &data, y, base, train_rows.as_deref(), validation, rounds))
}

fn boost(
    p: &GbdtValidParams,
    data: &BinnedMatrix,
    y: &[f64],
    base: f64,
    train_rows: Option<&[u32]>,
    mut valid: Option<Validation>,
    rounds: usize,
) -> GbdtModel {
    let n = data.n_rows;
    let limits = GrowLimits {
        num_leaves: p.num_leaves,
        max_depth: p.max_depth,
        rules: SplitRules {
            lambda_l2: p.lambda_l2,
            min_data_in_leaf: p.min_data_in_leaf,
            min_sum_hessian: p.min_sum_hessian,
            max_cat_to_onehot: p.max_cat_to_onehot,
            max_cat_threshold: p.max_cat_threshold,
            cat_smooth: p.cat_smooth,
            cat_l2: p.cat_l2,
            min_data_per_group: p.min_data_per_group,
        },
    };
    let mut grower = Grower::new(limits, data);
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut score = vec![base; n];
    let mut grads: Vec<GradPair> = vec![[0.0; 2]; n];
    let mut bag: Vec<u32> = Vec::new();
    let mut in_bag: Vec<bool> = Vec::new();
    if let Some(rows) = train_rows {
        in_bag.resize(n, false);
        rows.iter().for_each(|&r| in_bag[r as usize] = true);
        bag.extend_from_slice(rows);
    }
    let mut residuals: Vec<f64> = Vec::new();
    let mut trees = Vec::with_capacity(rounds);
    let mut split_gains: Vec<Vec<(usize, f64)>> = Vec::with_capacity(rounds);
    for round in 0..rounds {
        p.objective.gradients(y, &score, &mut grads);
        let bagged = p.bagging_fraction < 1.0;
        if bagged {
            sample_bag(&mut rng, n, p.bagging_fraction, train_rows, &mut bag, &mut in_bag);
        }
        let subset = bagged || train_rows.is_some();
        let features = sample_features(&mut rng, data.n_features(), p.feature_fraction);
        let mut grown = grower.grow(data, &grads, subset.then_some(&bag[..]), &features);
        set_leaf_values(p, &mut grown, grower.rows(), y, &score, &mut residuals);
        update_scores(&grown, grower.rows(), data, subset.then_some(&in_bag[..]), &mut score);
        trees.push(Tree { nodes: grown.nodes, cover: grown.cover });
        split_gains.push(grown.gains);
        if let Some(v) = valid.as_mut() {
            v.rows.iter().zip(v.score.iter_mut()).for_each(|(&r, s)| *s = score[r]);
            let loss = p.objective.loss(&v.y, &v.score);
            v.last = loss;
            if loss < v.best.0 {
                v.best = (loss, round + 1);
            }
            if p.early_stopping_rounds > 0 && round + 1 - v.best.1 >= p.early_stopping_rounds {
                break;
            }
        }
    }
    let (best_iteration, best_validation_loss) = match &valid {
        Some(v) if p.early_stopping_rounds > 0 => (v.best.1.max(1), Some(v.best.0)),
        Some(v) => (trees.len(), Some(v.last)),
        None => (trees.len(), None),
    };
    trees.truncate(best_iteration);
    let importances = Importances::from_splits(data.n_features(), split_gains[..trees.len()].iter().flatten());
    GbdtModel {
        ensemble: TreeEnsemble {
            n_features: data.n_features(),
            feature_names: Vec::new(),
            trees,
            base_score: base,
            average: false,
            transform: p.objective.transform(),
        },
        objective: p.objective,
        best_iteration,
        best_validation_loss,
        importances,
        compiled: std::sync::OnceLock::new(),
    }
}

/// Bernoulli row sampling among `eligible` rows (all when `None`): sorted row ids in `bag`,
/// membership in `in_bag`.
fn sample_bag(
    rng: &mut ChaCha8Rng,
    n: usize,
    fraction: f64,
    eligible: Option<&[u32]>,
    bag: &mut Vec<u32>,
    in_bag: &mut Vec<bool>,
) {
    let cut = (fraction * 4_294_967_296.0) as u64;
    bag.clear();
    in_bag.clear();
    match eligible {
        None => {
            in_bag.extend((0..n).map(|_| u64::from(rng.next_u32()) < cut));
            bag.extend(in_bag.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i as u32));
        }
        Some(rows) => {
            in_bag.resize(n, false);
            for &r in rows {
                if u64::from(rng.next_u32()) < cut {
                    in_bag[r as usize] = true;
                    bag.push(r);
                }
            }
        }
    }
    if bag.is_empty() {
        let pool = eligible.map_or(n, <[u32]>::len);
        let k = (rng.next_u64() % pool.max(1) as u64) as usize;
        let i = eligible.map_or(k, |rows| rows.get(k).map_or(0, |&r| r as usize));
        in_bag[i] = true;
        bag.push(i as u32);
    }
}

/// A sorted random subset of `round(fraction * n_features)` features (at least one).
fn sample_features(rng: &mut ChaCha8Rng, n_features: usize, fraction: f64) -> Vec<usize> {
    if fraction >= 1.0 {
        return (0..n_features).collect();
    }
    let k = ((fraction * n_features as f64).round() as usize).clamp(1, n_features);
    let mut f = rand::seq::index::sample(rng, n_features, k).into_vec();
    f.sort_unstable();
    f
}

/// Shrunk leaf values: `-G / (H + λ)` times the learning rate, or for the quantile objective
/// the `alpha`-quantile of the leaf's residuals (LightGBM's leaf renewal) times the learning rate.
fn set_leaf_values(
    p: &GbdtValidParams,
    tree: &mut GrownTree,
    rows: &[u32],
    y: &[f64],
    score: &[f64],
    residuals: &mut Vec<f64>,
) {
    for (node, range) in &tree.leaves {
        let Node::Leaf(value) = &mut tree.nodes[*node] else { continue };
        if let Objective::Quantile { alpha } = p.objective {
            residuals.clear();
            residuals.extend(rows[range.clone()].iter().map(|&r| y[r as usize] - score[r as usize]));
            let q = quantile(residuals, alpha);
            if q.is_finite() {
                *value = q;
            }
        }
        *value *= p.learning_rate;
    }
}

/// Add the new tree's output to the training scores: in-bag rows by their leaf ranges,
/// out-of-bag rows by walking the binned tree.
fn update_scores(tree: &GrownTree, rows: &[u32], data: &BinnedMatrix, in_bag: Option<&[bool]>, score: &mut [f64]) {
    let value = |node: usize| match tree.nodes[node] {
        Node::Leaf(v) => v,
        Node::Split(_) => 0.0,
    };
    for (node, range) in &tree.leaves {
        let v = value(*node);
        rows[range.clone()].iter().for_each(|&r| score[r as usize] += v);
    }
    if let Some(in_bag) = in_bag {
        score.par_chunks_mut(ROW_CHUNK).enumerate().for_each(|(c, chunk)| {
            for (k, s) in chunk.iter_mut().enumerate() {
                let row = c * ROW_CHUNK + k;
                if !in_bag[row] {
                    *s += value(tree.leaf_of_row(data, row));
                }
            }
        });
    }
}
