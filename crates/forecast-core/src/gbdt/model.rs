//! The fitted GBDT: a tree ensemble plus what training learned about it.

use super::importance::{ImportanceKind, Importances};
use super::params::Objective;
use crate::Result;
use crate::model::{Predict, check_n_features};
use crate::predictor::CompiledPredictor;
use crate::tree::TreeEnsemble;
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A fitted gradient-boosted tree model.
///
/// Predictions are `transform(base_score + Σ trees)`: the raw leaves, base score and
/// output transform are in [`GbdtModel::ensemble`], so any tree predictor can score it.
/// [`Predict`] scores through the compiled batch predictor, built on first use (it is
/// bit-identical to the reference walk of [`TreeEnsemble::predict_row`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GbdtModel {
    pub(crate) ensemble: TreeEnsemble,
    pub(crate) objective: Objective,
    pub(crate) best_iteration: usize,
    pub(crate) best_validation_loss: Option<f64>,
    pub(crate) importances: Importances,
    /// The compiled form of `ensemble`; derived state, so never serialised or compared.
    #[serde(skip)]
    pub(crate) compiled: OnceLock<Box<CompiledPredictor>>,
}

impl PartialEq for GbdtModel {
    fn eq(&self, other: &Self) -> bool {
        self.ensemble == other.ensemble
            && self.objective == other.objective
            && self.best_iteration == other.best_iteration
            && self.best_validation_loss == other.best_validation_loss
            && self.importances == other.importances
    }
}

impl GbdtModel {
    /// The trees (raw leaf values), base score and output transform.
    pub fn ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }

    /// Consume the model, keeping its tree ensemble.
    pub fn into_ensemble(self) -> TreeEnsemble {
        self.ensemble
    }

    /// The objective the model was trained with.
    pub fn objective(&self) -> Objective {
        self.objective
    }

    /// Number of boosting rounds kept: the round with the best validation loss under early
    /// stopping (the model is truncated to it), else every round trained.
    pub fn best_iteration(&self) -> usize {
        self.best_iteration
    }

    /// The validation loss at [`GbdtModel::best_iteration`], when a validation set was given:
    /// mean squared error (L2), mean Poisson or Tweedie negative log-likelihood up to
    /// constants, or mean pinball loss (quantile).
    pub fn best_validation_loss(&self) -> Option<f64> {
        self.best_validation_loss
    }

    /// The compiled batch predictor of this model (compiled once, then shared by every call).
    ///
    /// # Errors
    /// [`crate::Error::InvalidData`] if the ensemble is malformed (never for a trained model).
    pub fn compiled(&self) -> Result<&CompiledPredictor> {
        if let Some(c) = self.compiled.get() {
            return Ok(c);
        }
        let c = Box::new(CompiledPredictor::compile(&self.ensemble)?);
        Ok(self.compiled.get_or_init(|| c))
    }

    /// Feature importance of the kept trees, one value per feature column.
    pub fn importance(&self, kind: ImportanceKind) -> Vec<f64> {
        self.importances.get(kind).to_vec()
    }
}

impl Predict for GbdtModel {
    fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_n_features(&x, self.ensemble.n_features)?;
        self.compiled()?.predict(x)
    }
}
