//! Model traits shared by every learner: params -> `check()` -> valid params -> `fit` -> fitted model.

mod linear;

pub use linear::{LinearModel, Link};

use crate::Result;
use ndarray::{Array1, ArrayView1, ArrayView2};
use std::fmt::Debug;

/// A fitted model that scores rows. Object safe, so registries hold `Box<dyn Predict>`.
pub trait Predict: Send + Sync + Debug {
    /// Number of feature columns the model was fitted on.
    fn n_features(&self) -> usize;

    /// One prediction per row of `x` (rows x `n_features`).
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] when `x` has the wrong number of columns.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>>;
}

/// Checked hyper-parameters that can fit a model on a design matrix.
pub trait Fit {
    /// The fitted model.
    type Fitted: Predict;

    /// Fit on `x` (rows x features) and targets `y`.
    ///
    /// # Errors
    /// When shapes disagree, the data is unusable, or the backend fails.
    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Self::Fitted>;
}

/// Unchecked hyper-parameters that validate into a [`Fit`] implementation (linfa's split).
pub trait ParamGuard {
    /// The checked parameters.
    type Checked: Fit;

    /// Validate every parameter.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] naming the first parameter out of range.
    fn check(self) -> Result<Self::Checked>;
}

/// Return a shape error unless `x` has `n_features` columns.
///
/// # Errors
/// [`crate::Error::ShapeMismatch`] when the column count differs.
pub fn check_n_features(x: &ArrayView2<'_, f64>, n_features: usize) -> Result<()> {
    if x.ncols() != n_features {
        return Err(crate::Error::ShapeMismatch {
            context: "predict: feature columns",
            expected: n_features,
            got: x.ncols(),
        });
    }
    Ok(())
}

/// Return a shape error unless `x` and `y` have the same number of rows and `x` has rows.
///
/// # Errors
/// [`crate::Error::ShapeMismatch`] or [`crate::Error::InvalidData`].
pub fn check_xy(x: &ArrayView2<'_, f64>, y: &ArrayView1<'_, f64>) -> Result<()> {
    if x.nrows() != y.len() {
        return Err(crate::Error::ShapeMismatch {
            context: "fit: rows of x vs length of y",
            expected: x.nrows(),
            got: y.len(),
        });
    }
    if x.nrows() == 0 {
        return Err(crate::Error::InvalidData("fit: no training rows".into()));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(crate::Error::InvalidData(format!("fit: target at row {i} is {}, targets must be finite", y[i])));
    }
    Ok(())
}

impl<P: Predict + ?Sized> Predict for Box<P> {
    fn n_features(&self) -> usize {
        (**self).n_features()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        (**self).predict(x)
    }
}
