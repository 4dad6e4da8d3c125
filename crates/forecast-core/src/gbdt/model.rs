//! The fitted GBDT: a tree ensemble plus what training learned about it.

use super::importance::{ImportanceKind, Importances};
use super::params::Objective;
use crate::Result;
use crate::model::{Predict, check_n_features};
use crate::tree::TreeEnsemble;
use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per parallel prediction task.
const PREDICT_CHUNK: usize = 4096;

/// A fitted gradient-boosted tree model.
///
/// Predictions are `transform(base_score + Σ trees)`: the raw leaves, base score and
/// output transform are in [`GbdtModel::ensemble`], so any tree predictor can score it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtModel {
    pub(crate) ensemble: TreeEnsemble,
    pub(crate) objective: Objective,
    pub(crate) best_iteration: usize,
    pub(crate) best_validation_loss: Option<f64>,
    pub(crate) importances: Importances,
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
        let mut out = vec![0.0; x.nrows()];
        out.par_chunks_mut(PREDICT_CHUNK).enumerate().for_each(|(c, chunk)| {
            let mut row = vec![0.0; x.ncols()];
            for (k, o) in chunk.iter_mut().enumerate() {
                row.iter_mut().zip(x.row(c * PREDICT_CHUNK + k)).for_each(|(d, s)| *d = *s);
                *o = self.ensemble.predict_row(&row);
            }
        });
        Ok(Array1::from(out))
    }
}
