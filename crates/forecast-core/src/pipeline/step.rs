//! `StepModel`: the point and quantile models a fitted pipeline scores one range of forecast
//! steps with, and the scorer each artifact compiles to once.

use crate::artifact::ModelArtifact;
use crate::predictor::CompiledPredictor;
use crate::{Error, Predict, Result};
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A fitted model artifact with its compiled scorer, built on first use (never serialised).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScoredModel {
    artifact: ModelArtifact,
    #[serde(skip)]
    compiled: OnceLock<CompiledPredictor>,
}

impl PartialEq for ScoredModel {
    fn eq(&self, other: &Self) -> bool {
        self.artifact == other.artifact
    }
}

impl ScoredModel {
    /// Wrap a row-scoring artifact.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a model that does not score design rows (a baseline or a
    /// nested pipeline).
    pub fn new(artifact: ModelArtifact) -> Result<Self> {
        if !artifact.is_row_model() {
            return Err(Error::Unsupported {
                operation: "a step model of a global pipeline",
                kind: artifact.kind(),
                hint: "step models score design rows: a GBDT, tree ensemble or linear model",
            });
        }
        Ok(Self { artifact, compiled: OnceLock::new() })
    }

    /// The fitted model.
    pub fn artifact(&self) -> &ModelArtifact {
        &self.artifact
    }

    /// Number of feature columns the model reads.
    pub fn n_features(&self) -> usize {
        match &self.artifact {
            ModelArtifact::Gbdt(m) => m.n_features(),
            ModelArtifact::TreeEnsemble(m) => m.n_features,
            ModelArtifact::Linear(m) => m.n_features(),
            _ => 0,
        }
    }

    /// One prediction per row of `x`, through the compiled batch predictor for tree models.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for a wrong column count; a malformed tree ensemble.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        match &self.artifact {
            ModelArtifact::Gbdt(m) => m.predict(x),
            ModelArtifact::Linear(m) => m.predict(x),
            ModelArtifact::TreeEnsemble(m) => {
                if let Some(c) = self.compiled.get() {
                    return c.predict(x);
                }
                let c = CompiledPredictor::compile(m)?;
                self.compiled.get_or_init(|| c).predict(x)
            }
            other => Err(Error::Unsupported {
                operation: "scoring design rows",
                kind: other.kind(),
                hint: "step models score design rows: a GBDT, tree ensemble or linear model",
            }),
        }
    }
}

/// The models of one range of forecast steps.
///
/// The recursive strategy has one step model (shift 1, applied at every step). The direct
/// strategy has one per step `h` (rows read targets up to `t - h`), or one per group of steps
/// fitted on the stacked rows of its steps with an extra last column `step` holding `h`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepModel {
    /// First forecast step covered (1-based).
    pub first_step: usize,
    /// Last forecast step covered (inclusive; the recursive model covers any step).
    pub last_step: usize,
    /// Whether the rows carry the forecast step as an extra last column `step`.
    pub step_column: bool,
    /// Column names, in the order the models read them.
    pub feature_names: Vec<String>,
    /// Indices of the categorical columns.
    pub categorical: Vec<usize>,
    /// The point model.
    pub point: ScoredModel,
    /// Quantile models by level, increasing.
    pub quantiles: Vec<(f64, ScoredModel)>,
    /// Number of training rows.
    pub n_train_rows: usize,
}

impl StepModel {
    /// Whether this model scores forecast step `step` (1-based).
    pub fn covers(&self, step: usize) -> bool {
        (self.first_step..=self.last_step).contains(&step)
    }
}
