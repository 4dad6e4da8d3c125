//! smartcore random forest and extra trees regressors, converted to a [`TreeEnsemble`].
//!
//! smartcore keeps its fitted trees private; its `serde` feature serialises them, and the
//! node list (`split_feature`, `split_value`, `true_child`, `false_child`, `output`) is read
//! back into our tree type. smartcore sends a row to the true child when
//! `x <= split_value`, and the forest averages its trees: [`SplitRule::LessOrEqual`] and
//! `average: true` reproduce its predictions bit for bit.

use super::{backend, column_means, imputed};
use crate::model::{check_n_features, check_xy};
use crate::tree::{Missing, Node, Split, SplitRule, Tree, TreeEnsemble};
use crate::{Error, Fit, ModelArtifact, ParamGuard, Predict, Result};
use ndarray::{Array1, ArrayView1, ArrayView2};
use serde::Deserialize;
use smartcore::ensemble::extra_trees_regressor::{ExtraTreesRegressor, ExtraTreesRegressorParameters};
use smartcore::ensemble::random_forest_regressor::{RandomForestRegressor, RandomForestRegressorParameters};
use smartcore::linalg::basic::matrix::DenseMatrix;

/// smartcore's `RandomForestRegressor` (bootstrap samples, best splits). Entry point:
/// [`RandomForest::params`].
#[derive(Debug, Clone, Copy)]
pub struct RandomForest;

/// smartcore's `ExtraTreesRegressor` (no bootstrap, random split points). Entry point:
/// [`ExtraTrees::params`].
#[derive(Debug, Clone, Copy)]
pub struct ExtraTrees;

/// Which forest to grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForestKind {
    /// Random forest.
    RandomForest,
    /// Extremely randomised trees.
    ExtraTrees,
}

/// Unchecked forest parameters.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_trees` | 100 | trees in the forest | >= 1 |
/// | `max_depth` | `None` | depth limit (`None` = grow until pure or `min_samples_*`) | >= 1 |
/// | `min_samples_leaf` | 5 | rows per leaf | >= 1 |
/// | `min_samples_split` | 10 | rows to split a node | >= 2 |
/// | `max_features` | `None` | features tried per split (`None` = smartcore's default) | >= 1 |
/// | `seed` | 0 | bootstrap and feature sampling | any |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestParams {
    kind: ForestKind,
    n_trees: usize,
    max_depth: Option<u16>,
    min_samples_leaf: usize,
    min_samples_split: usize,
    max_features: Option<usize>,
    seed: u64,
}

/// Checked forest parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestValidParams(ForestParams);

fn defaults(kind: ForestKind) -> ForestParams {
    ForestParams {
        kind,
        n_trees: 100,
        max_depth: None,
        min_samples_leaf: 5,
        min_samples_split: 10,
        max_features: None,
        seed: 0,
    }
}

impl RandomForest {
    /// Default random forest parameters.
    pub fn params() -> ForestParams {
        defaults(ForestKind::RandomForest)
    }
}

impl ExtraTrees {
    /// Default extra trees parameters.
    pub fn params() -> ForestParams {
        defaults(ForestKind::ExtraTrees)
    }
}

impl ForestParams {
    /// Number of trees.
    pub fn n_trees(mut self, n: usize) -> Self {
        self.n_trees = n;
        self
    }
    /// Maximum depth.
    pub fn max_depth(mut self, depth: u16) -> Self {
        self.max_depth = Some(depth);
        self
    }
    /// Minimum rows per leaf.
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.min_samples_leaf = n;
        self
    }
    /// Minimum rows to split a node.
    pub fn min_samples_split(mut self, n: usize) -> Self {
        self.min_samples_split = n;
        self
    }
    /// Features tried per split.
    pub fn max_features(mut self, n: usize) -> Self {
        self.max_features = Some(n);
        self
    }
    /// Random seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl ParamGuard for ForestParams {
    type Checked = ForestValidParams;
    fn check(self) -> Result<ForestValidParams> {
        let bad = |name, value: String, expected| Err(Error::InvalidParam { name, value, expected });
        if self.n_trees == 0 {
            return bad("n_trees", "0".into(), ">= 1");
        }
        if self.max_depth == Some(0) {
            return bad("max_depth", "0".into(), ">= 1");
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf", "0".into(), ">= 1");
        }
        if self.min_samples_split < 2 {
            return bad("min_samples_split", self.min_samples_split.to_string(), ">= 2");
        }
        if self.max_features == Some(0) {
            return bad("max_features", "0".into(), ">= 1");
        }
        Ok(ForestValidParams(self))
    }
}

/// A fitted forest as a native [`TreeEnsemble`] (averaged trees). NaN inputs follow the
/// branch of the training column mean, as the forest was fitted on mean-imputed data.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    ensemble: TreeEnsemble,
}

impl Forest {
    /// The trees.
    pub fn ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }

    /// The artifact ([`ModelArtifact::TreeEnsemble`]); loading it needs no feature.
    pub fn into_artifact(self) -> ModelArtifact {
        ModelArtifact::TreeEnsemble(self.ensemble)
    }
}

impl From<Forest> for ModelArtifact {
    fn from(f: Forest) -> Self {
        f.into_artifact()
    }
}

impl Predict for Forest {
    fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_n_features(&x, self.n_features())?;
        self.ensemble.predict(x)
    }
}

#[derive(Deserialize)]
struct ModelMirror {
    forest_regressor: Option<ForestMirror>,
}

#[derive(Deserialize)]
struct ForestMirror {
    trees: Option<Vec<TreeMirror>>,
}

#[derive(Deserialize)]
struct TreeMirror {
    nodes: Vec<NodeMirror>,
}

#[derive(Deserialize)]
struct NodeMirror {
    output: f64,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

/// Read smartcore's serialised forest into a [`TreeEnsemble`]; NaN goes where `impute` goes.
fn to_ensemble<M: serde::Serialize>(model: &M, impute: &[f64]) -> Result<TreeEnsemble> {
    let serde_err = |e: serde_json::Error| Error::Serde { format: "json", message: format!("smartcore forest: {e}") };
    let mirror: ModelMirror = serde_json::to_value(model).and_then(serde_json::from_value).map_err(serde_err)?;
    let trees = mirror.forest_regressor.and_then(|f| f.trees).filter(|t| !t.is_empty()).ok_or_else(|| {
        Error::InvalidData("smartcore forest: the serialised model holds no trees (smartcore's layout changed?)".into())
    })?;
    let mut out = Vec::with_capacity(trees.len());
    for t in trees {
        let nodes = t
            .nodes
            .iter()
            .map(|n| match (n.true_child, n.false_child) {
                (Some(l), Some(r)) => {
                    let threshold = n.split_value.unwrap_or(f64::NAN);
                    let m = impute.get(n.split_feature).copied().unwrap_or(0.0);
                    Ok(Node::Split(Split {
                        feature: u32::try_from(n.split_feature).map_err(|_| too_big("feature"))?,
                        rule: SplitRule::LessOrEqual(threshold),
                        missing: Missing::NaN,
                        default_left: m <= threshold,
                        left: u32::try_from(l).map_err(|_| too_big("node"))?,
                        right: u32::try_from(r).map_err(|_| too_big("node"))?,
                    }))
                }
                _ => Ok(Node::Leaf(n.output)),
            })
            .collect::<Result<Vec<_>>>()?;
        // smartcore's regression trees keep no per-node sample counts, so no covers.
        out.push(Tree { nodes, cover: Vec::new() });
    }
    let ensemble = TreeEnsemble {
        n_features: impute.len(),
        feature_names: Vec::new(),
        trees: out,
        base_score: 0.0,
        average: true,
        transform: Default::default(),
    };
    ensemble.validate()?;
    Ok(ensemble)
}

fn too_big(what: &str) -> Error {
    Error::InvalidData(format!("smartcore forest: {what} index does not fit in u32"))
}

impl Fit for ForestValidParams {
    type Fitted = Forest;
    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Forest> {
        check_xy(&x, &y)?;
        let p = self.0;
        let impute = column_means(&x);
        let (n, cols) = x.dim();
        let values: Vec<f64> = imputed(&x, &impute).iter().copied().collect();
        let matrix = DenseMatrix::new(n, cols, values, false).map_err(|e| backend("smartcore", e))?;
        let targets = y.to_vec();
        // Both smartcore parameter types have the same fields.
        macro_rules! smartcore_params {
            ($t:ident) => {
                $t {
                    max_depth: p.max_depth,
                    min_samples_leaf: p.min_samples_leaf,
                    min_samples_split: p.min_samples_split,
                    n_trees: p.n_trees,
                    m: p.max_features,
                    keep_samples: false,
                    seed: p.seed,
                }
            };
        }
        let failed = |e| backend("smartcore", e);
        let ensemble = match p.kind {
            ForestKind::RandomForest => {
                let params = smartcore_params!(RandomForestRegressorParameters);
                to_ensemble(&RandomForestRegressor::fit(&matrix, &targets, params).map_err(failed)?, &impute)?
            }
            ForestKind::ExtraTrees => {
                let params = smartcore_params!(ExtraTreesRegressorParameters);
                to_ensemble(&ExtraTreesRegressor::fit(&matrix, &targets, params).map_err(failed)?, &impute)?
            }
        };
        Ok(Forest { ensemble })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// A nonlinear target of 4 features (the last is noise-free but irrelevant).
    fn data(n: usize, offset: usize) -> (Array2<f64>, Array1<f64>) {
        let x =
            Array2::from_shape_fn((n, 4), |(i, j)| (((i + offset) * (2 * j + 3) * 7919) % 1009) as f64 / 504.5 - 1.0);
        let y = x
            .rows()
            .into_iter()
            .map(|r| (3.0 * r[0]).sin() + 2.0 * r[1] * r[1] + if r[2] > 0.3 { 1.0 } else { 0.0 })
            .collect();
        (x, y)
    }

    fn mse(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64
    }

    #[test]
    fn forests_beat_the_mean_on_held_out_rows() {
        let (x, y) = data(600, 0);
        let (xt, yt) = data(200, 600);
        let mean = Array1::from_elem(yt.len(), y.mean().unwrap());
        for params in [RandomForest::params(), ExtraTrees::params()] {
            let forest = params.n_trees(30).seed(3).check().unwrap().fit(x.view(), y.view()).unwrap();
            let p = forest.predict(xt.view()).unwrap();
            assert!(mse(&p, &yt) < 0.2 * mse(&mean, &yt), "{:?}: {} vs {}", params, mse(&p, &yt), mse(&mean, &yt));
            assert_eq!(forest.ensemble().trees.len(), 30);
            assert!(forest.ensemble().average);
        }
    }

    #[test]
    fn converted_trees_predict_exactly_what_smartcore_predicts() {
        let (x, y) = data(300, 0);
        let (xt, _) = data(100, 300);
        let forest = RandomForest::params().n_trees(10).seed(9).check().unwrap().fit(x.view(), y.view()).unwrap();
        let params = RandomForestRegressorParameters {
            max_depth: None,
            min_samples_leaf: 5,
            min_samples_split: 10,
            n_trees: 10,
            m: None,
            keep_samples: false,
            seed: 9,
        };
        let dense =
            |a: &Array2<f64>| DenseMatrix::new(a.nrows(), a.ncols(), a.iter().copied().collect(), false).unwrap();
        let native = RandomForestRegressor::fit(&dense(&x), &y.to_vec(), params).unwrap();
        let theirs: Vec<f64> = native.predict(&dense(&xt)).unwrap();
        let ours = forest.predict(xt.view()).unwrap();
        assert!(ours.iter().zip(&theirs).all(|(a, b)| a.to_bits() == b.to_bits()));
        let artifact = ModelArtifact::from_bytes(&forest.clone().into_artifact().to_bytes().unwrap()).unwrap();
        assert_eq!(artifact.into_predictor().unwrap().predict(xt.view()).unwrap(), ours);
    }

    #[test]
    fn missing_inputs_follow_the_training_mean() {
        let (x, y) = data(300, 0);
        let forest = ExtraTrees::params().n_trees(5).check().unwrap().fit(x.view(), y.view()).unwrap();
        let means = column_means(&x.view());
        let mut with_nan = x.slice(ndarray::s![..20, ..]).to_owned();
        with_nan.column_mut(1).fill(f64::NAN);
        let mut with_mean = with_nan.clone();
        with_mean.column_mut(1).fill(means[1]);
        assert_eq!(forest.predict(with_nan.view()).unwrap(), forest.predict(with_mean.view()).unwrap());
        let err = forest.predict(Array2::zeros((1, 3)).view()).unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { expected: 4, got: 3, .. }));
    }

    #[test]
    fn check_rejects_out_of_range_parameters() {
        assert!(RandomForest::params().n_trees(0).check().is_err());
        assert!(RandomForest::params().min_samples_split(1).check().is_err());
        assert!(ExtraTrees::params().max_depth(0).check().is_err());
        assert!(ExtraTrees::params().max_features(0).check().is_err());
        assert!(RandomForest::params().min_samples_leaf(0).check().is_err());
    }
}
