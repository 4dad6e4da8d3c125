//! Global feature importance: mean |SHAP|, split counts, covers and gain from the trees, and
//! permutation importance on a design matrix with its actuals (any [`Predict`] model).

use crate::{Result, ShapValues, XaiError};
use forecast_core::Predict;
use forecast_core::gbdt::{GbdtModel, ImportanceKind};
use forecast_core::metrics;
use forecast_core::tree::{Node, TreeEnsemble};
use ndarray::{ArrayView1, ArrayView2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Number of splits on each feature, over every tree (LightGBM's `split` importance).
pub fn split_counts(e: &TreeEnsemble) -> Vec<f64> {
    let mut out = vec![0.0; e.n_features];
    for node in e.trees.iter().flat_map(|t| &t.nodes) {
        if let Node::Split(s) = node
            && let Some(v) = out.get_mut(s.feature as usize)
        {
            *v += 1.0;
        }
    }
    out
}

/// Sum of the covers of the splits on each feature (XGBoost's `total_cover`): how much training
/// weight each feature's splits route. `None` when a tree with splits has no covers.
pub fn total_cover(e: &TreeEnsemble) -> Option<Vec<f64>> {
    let mut out = vec![0.0; e.n_features];
    for tree in &e.trees {
        for (i, node) in tree.nodes.iter().enumerate() {
            if let Node::Split(s) = node {
                *out.get_mut(s.feature as usize)? += *tree.cover.get(i)?;
            }
        }
    }
    Some(out)
}

/// One feature's importance, by every measure available for the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// Column name.
    pub feature: String,
    /// Mean absolute SHAP value over the explained rows (raw-score units), when computed.
    pub mean_abs_shap: Option<f64>,
    /// Total loss reduction of the feature's splits, when the learner recorded it (our GBDT).
    pub gain: Option<f64>,
    /// Number of splits on the feature.
    pub splits: f64,
    /// Training weight routed by the feature's splits, when the model has covers.
    pub cover: Option<f64>,
}

/// Importance table of a tree ensemble, ranked by mean |SHAP| when given, else by splits.
/// `gain` comes from [`gbdt_gain`] for our GBDT (other formats do not keep it).
pub fn importance_table(e: &TreeEnsemble, shap: Option<&ShapValues>, gain: Option<&[f64]>) -> Vec<FeatureImportance> {
    let names = crate::treeshap::feature_names_of(e);
    let splits = split_counts(e);
    let cover = total_cover(e);
    let shap = shap.map(ShapValues::mean_abs);
    let mut rows: Vec<FeatureImportance> = names
        .into_iter()
        .enumerate()
        .map(|(j, feature)| FeatureImportance {
            feature,
            mean_abs_shap: shap.as_ref().and_then(|s| s.get(j).copied()),
            gain: gain.and_then(|g| g.get(j).copied()),
            splits: splits[j],
            cover: cover.as_ref().map(|c| c[j]),
        })
        .collect();
    let key = |f: &FeatureImportance| f.mean_abs_shap.unwrap_or(f.splits);
    rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    rows
}

/// Gain importance recorded by our GBDT during training.
pub fn gbdt_gain(m: &GbdtModel) -> Vec<f64> {
    m.importance(ImportanceKind::Gain)
}

/// The error measure permutation importance degrades (lower is better for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ErrorMetric {
    /// Mean absolute error, in units.
    #[default]
    Mae,
    /// Root mean squared error, in units.
    Rmse,
    /// Weighted absolute percentage error, a fraction.
    Wape,
}

impl ErrorMetric {
    /// The metric of predictions against actuals (NaN actuals are skipped).
    pub fn score(self, actual: &[f64], pred: &[f64]) -> f64 {
        match self {
            Self::Mae => metrics::mae(actual, pred),
            Self::Rmse => metrics::rmse(actual, pred),
            Self::Wape => metrics::wape(actual, pred),
        }
    }
}

/// Parameters of [`permutation_importance`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `metric` | [`ErrorMetric::Mae`] | the error that shuffling a feature should raise | any |
/// | `n_repeats` | 5 | shuffles per feature (mean and spread are reported) | >= 1 |
/// | `seed` | 0 | seed of the shuffles | any |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermutationParams {
    /// Error measure.
    pub metric: ErrorMetric,
    /// Shuffles per feature.
    pub n_repeats: usize,
    /// Seed of the shuffles.
    pub seed: u64,
}

impl Default for PermutationParams {
    fn default() -> Self {
        Self { metric: ErrorMetric::Mae, n_repeats: 5, seed: 0 }
    }
}

/// How much the error grows when one feature's column is shuffled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationImportance {
    /// Column index.
    pub feature: usize,
    /// Error with the data as given.
    pub baseline: f64,
    /// Mean error increase over the shuffles (metric units; near 0 or below: not used).
    pub mean_increase: f64,
    /// Standard deviation of the increase over the shuffles.
    pub std_increase: f64,
}

/// Permutation importance of every column of `x` (e.g. a backtest window's design matrix and
/// its actuals `y`) for any model.
///
/// # Errors
/// [`XaiError::Shape`] when `x`, `y` and the model disagree, [`XaiError::InvalidArgument`] for
/// fewer than 2 rows or `n_repeats = 0`, or the model's own error.
pub fn permutation_importance(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    params: PermutationParams,
) -> Result<Vec<PermutationImportance>> {
    let (n, p) = x.dim();
    if p != model.n_features() {
        return Err(XaiError::Shape {
            context: "permutation_importance: columns of x",
            expected: model.n_features(),
            got: p,
        });
    }
    if y.len() != n {
        return Err(XaiError::Shape {
            context: "permutation_importance: actuals vs rows of x",
            expected: n,
            got: y.len(),
        });
    }
    if n < 2 {
        return Err(XaiError::argument("x", format!("{n} rows"), "at least 2 rows to shuffle"));
    }
    if params.n_repeats == 0 {
        return Err(XaiError::argument("n_repeats", 0, ">= 1"));
    }
    let actual = y.to_vec();
    let baseline = params.metric.score(&actual, model.predict(x)?.as_slice().unwrap_or(&[]));
    let mut work = x.to_owned();
    let mut order: Vec<usize> = (0..n).collect();
    let mut out = Vec::with_capacity(p);
    for j in 0..p {
        let column = x.column(j).to_vec();
        let mut increases = Vec::with_capacity(params.n_repeats);
        for r in 0..params.n_repeats {
            let mut rng = ChaCha8Rng::seed_from_u64(
                params.seed ^ ((j as u64) << 32 | r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
            for i in (1..n).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            work.column_mut(j).iter_mut().zip(&order).for_each(|(d, &k)| *d = column[k]);
            let pred = model.predict(work.view())?;
            increases.push(params.metric.score(&actual, pred.as_slice().unwrap_or(&[])) - baseline);
        }
        work.column_mut(j).iter_mut().zip(&column).for_each(|(d, s)| *d = *s);
        let k = increases.len() as f64;
        let mean = increases.iter().sum::<f64>() / k;
        let var = increases.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / k;
        out.push(PermutationImportance { feature: j, baseline, mean_increase: mean, std_increase: var.sqrt() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::model::{LinearModel, Link};
    use ndarray::{Array1, Array2};

    #[test]
    fn shuffling_a_used_feature_hurts_and_an_unused_one_does_not() {
        let model = LinearModel {
            impute: vec![0.0; 3],
            coefficients: vec![2.0, 0.0, 0.5],
            intercept: 1.0,
            link: Link::Identity,
        };
        let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * (j + 3) * 7) % 23) as f64);
        let y: Array1<f64> = model.predict(x.view()).unwrap();
        let imp = permutation_importance(&model, x.view(), y.view(), PermutationParams::default()).unwrap();
        assert_eq!(imp[0].baseline, 0.0);
        assert!(imp[0].mean_increase > imp[2].mean_increase && imp[2].mean_increase > 0.0);
        assert_eq!(imp[1].mean_increase, 0.0);
        let again = permutation_importance(&model, x.view(), y.view(), PermutationParams::default()).unwrap();
        assert_eq!(imp, again, "seeded");
        let bad = PermutationParams { n_repeats: 0, ..Default::default() };
        assert!(permutation_importance(&model, x.view(), y.view(), bad).is_err());
    }
}
