//! `Learner`: what a global model is fitted with. Any checked params of any library plug in
//! (every [`Fit`] whose fitted model converts into a [`ModelArtifact`]); the GBDT adds early
//! stopping on a validation split and shares one binned matrix across the point and quantile
//! heads of a step.

use crate::artifact::ModelArtifact;
use crate::gbdt::{BinCache, GbdtValidParams};
use crate::{Fit, Result};
use ndarray::{ArrayView1, ArrayView2};
use std::fmt::Debug;

/// The rows one model is fitted on.
#[derive(Debug)]
pub struct TrainingSet<'a> {
    /// Features, rows x columns; NaN for missing.
    pub x: ArrayView2<'a, f64>,
    /// Targets.
    pub y: ArrayView1<'a, f64>,
    /// Indices of categorical columns.
    pub categorical: &'a [usize],
    /// For each row, whether it belongs to the validation split (the last periods of each
    /// series' training history); `None` without a split.
    pub validation: Option<&'a [bool]>,
    /// Quantile bins of `x`, built once and shared by every GBDT head fitted on these rows.
    pub(crate) bins: BinCache,
}

impl<'a> TrainingSet<'a> {
    /// Rows without a validation split.
    pub fn new(x: ArrayView2<'a, f64>, y: ArrayView1<'a, f64>, categorical: &'a [usize]) -> Self {
        Self { x, y, categorical, validation: None, bins: BinCache::default() }
    }

    /// Mark the validation rows.
    pub fn with_validation(mut self, validation: &'a [bool]) -> Self {
        self.validation = Some(validation);
        self
    }
}

/// Fits one model of a global forecaster.
pub trait Learner: Send + Sync + Debug {
    /// Fit on `set`, returning the fitted model as an artifact (so the fitted pipeline can be
    /// saved). Learners without early stopping fit on every row, validation rows included.
    ///
    /// # Errors
    /// The learner's own fit errors.
    fn fit_model(&self, set: &TrainingSet<'_>) -> Result<ModelArtifact>;

    /// Whether the learner needs a validation split (e.g. GBDT early stopping).
    fn uses_validation(&self) -> bool {
        false
    }
}

/// Any [`Fit`] of another library as a [`Learner`] (it fits on every row), e.g.
/// `GlobalForecaster::new("mine", AnyFit(my_params), spec)`. The crate's own params (GBDT,
/// linfa, smartcore) are learners already.
#[derive(Debug, Clone)]
pub struct AnyFit<F>(pub F);

impl<F> Learner for AnyFit<F>
where
    F: Fit + Send + Sync + Debug,
    F::Fitted: Into<ModelArtifact>,
{
    fn fit_model(&self, set: &TrainingSet<'_>) -> Result<ModelArtifact> {
        Ok(self.0.fit(set.x, set.y)?.into())
    }
}

impl Learner for GbdtValidParams {
    /// With early stopping: fit on the rows outside the validation split while scoring the
    /// validation rows, then refit on every row for the best number of rounds, so the most
    /// recent periods still train the model. Without: fit on every row.
    fn fit_model(&self, set: &TrainingSet<'_>) -> Result<ModelArtifact> {
        Ok(ModelArtifact::Gbdt(self.fit_set(set)?))
    }

    fn uses_validation(&self) -> bool {
        self.early_stopping_rounds() > 0
    }
}

/// `Learner` for params that fit on every row (no early stopping, no bin sharing).
macro_rules! fits_every_row {
    ($($(#[$attr:meta])* $ty:ty),* $(,)?) => {
        $(
            $(#[$attr])*
            impl Learner for $ty {
                fn fit_model(&self, set: &TrainingSet<'_>) -> Result<ModelArtifact> {
                    Ok(Fit::fit(self, set.x, set.y)?.into())
                }
            }
        )*
    };
}

fits_every_row!(
    #[cfg(feature = "linfa")]
    crate::adapters::linfa::OlsValidParams,
    #[cfg(feature = "linfa")]
    crate::adapters::linfa::TweedieValidParams,
    #[cfg(feature = "linfa")]
    crate::adapters::linfa::ElasticNetValidParams,
    #[cfg(feature = "smartcore")]
    crate::adapters::smartcore::ForestValidParams,
);

#[cfg(test)]
fits_every_row!(super::testing::LeastSquares);
