//! The boosting loop: gradients, row and feature sampling, one tree per round, score updates,
//! early stopping on a validation set.

use super::binning::BinnedMatrix;
use super::grow::{GrowLimits, Grower, GrownTree};
use super::histogram::GradPair;
use super::importance::Importances;
use super::model::GbdtModel;
use super::objective::{ROW_CHUNK, quantile};
use super::params::{GbdtValidParams, Objective};
use super::split::SplitRules;
use crate::model::{Fit, check_xy};
use crate::tree::{Node, Tree, TreeEnsemble};
use crate::{Error, Result};
use ndarray::{ArrayView1, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

impl Fit for GbdtValidParams {
    type Fitted = GbdtModel;

    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<GbdtModel> {
        train(self, x, y, None)
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
        train(self, x, y, Some((x_valid, y_valid)))
    }
}

/// The validation set, row-major, with its running raw scores.
struct Validation {
    x: Vec<f64>,
    y: Vec<f64>,
    score: Vec<f64>,
    best: (f64, usize),
    last: f64,
}

fn train(
    p: &GbdtValidParams,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    valid: Option<(ArrayView2<'_, f64>, ArrayView1<'_, f64>)>,
) -> Result<GbdtModel> {
    check_xy(&x, &y)?;
    let y = y.to_vec();
    p.objective.check_targets(&y, "fit")?;
    if let Some((xv, yv)) = &valid {
        if xv.ncols() != x.ncols() {
            return Err(Error::ShapeMismatch {
                context: "fit_with_validation: validation feature columns",
                expected: x.ncols(),
                got: xv.ncols(),
            });
        }
        check_xy(xv, yv)?;
        p.objective.check_targets(&yv.to_vec(), "validation")?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(p.threads)
        .build()
        .map_err(|e| Error::Backend { backend: "rayon", source: Box::new(e) })?;
    pool.install(|| {
        let data = BinnedMatrix::build(x, p.max_bins, p.seed)?;
        let base = p.objective.base_score(&y)?;
        let valid = valid.map(|(xv, yv)| Validation {
            x: xv.iter().copied().collect(),
            y: yv.to_vec(),
            score: vec![base; yv.len()],
            best: (f64::INFINITY, 0),
            last: f64::NAN,
        });
        Ok(boost(p, &data, &y, base, valid))
    })
}

fn boost(p: &GbdtValidParams, data: &BinnedMatrix, y: &[f64], base: f64, mut valid: Option<Validation>) -> GbdtModel {
    let n = data.n_rows;
    let limits = GrowLimits {
        num_leaves: p.num_leaves,
        max_depth: p.max_depth,
        rules: SplitRules {
            lambda_l2: p.lambda_l2,
            min_data_in_leaf: p.min_data_in_leaf,
            min_sum_hessian: p.min_sum_hessian,
        },
    };
    let mut grower = Grower::new(limits, data);
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut score = vec![base; n];
    let mut grads: Vec<GradPair> = vec![[0.0; 2]; n];
    let mut bag: Vec<u32> = Vec::new();
    let mut in_bag: Vec<bool> = Vec::new();
    let mut residuals: Vec<f64> = Vec::new();
    let mut trees = Vec::with_capacity(p.n_rounds);
    let mut split_gains: Vec<Vec<(usize, f64)>> = Vec::with_capacity(p.n_rounds);
    for round in 0..p.n_rounds {
        p.objective.gradients(y, &score, &mut grads);
        let bagged = p.bagging_fraction < 1.0;
        if bagged {
            sample_bag(&mut rng, n, p.bagging_fraction, &mut bag, &mut in_bag);
        }
        let features = sample_features(&mut rng, data.n_features(), p.feature_fraction);
        let mut grown = grower.grow(data, &grads, bagged.then_some(&bag[..]), &features);
        set_leaf_values(p, &mut grown, grower.rows(), y, &score, &mut residuals);
        update_scores(&grown, grower.rows(), data, bagged.then_some(&in_bag[..]), &mut score);
        let tree = Tree { nodes: grown.nodes, cover: grown.cover };
        split_gains.push(grown.gains);
        if let Some(v) = valid.as_mut() {
            let p_cols = data.n_features();
            v.score.par_chunks_mut(ROW_CHUNK).zip(v.x.par_chunks(ROW_CHUNK * p_cols.max(1))).for_each(|(s, x)| {
                s.iter_mut().zip(x.chunks(p_cols.max(1))).for_each(|(s, row)| *s += tree.predict_row(row));
            });
            let loss = p.objective.loss(&v.y, &v.score);
            v.last = loss;
            if loss < v.best.0 {
                v.best = (loss, round + 1);
            }
            trees.push(tree);
            if p.early_stopping_rounds > 0 && round + 1 - v.best.1 >= p.early_stopping_rounds {
                break;
            }
        } else {
            trees.push(tree);
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

/// Bernoulli row sampling: sorted row ids in `bag`, membership in `in_bag`.
fn sample_bag(rng: &mut ChaCha8Rng, n: usize, fraction: f64, bag: &mut Vec<u32>, in_bag: &mut Vec<bool>) {
    let cut = (fraction * 4_294_967_296.0) as u64;
    bag.clear();
    in_bag.clear();
    in_bag.extend((0..n).map(|_| u64::from(rng.next_u32()) < cut));
    bag.extend(in_bag.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i as u32));
    if bag.is_empty() {
        let i = (rng.next_u64() % n as u64) as usize;
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
