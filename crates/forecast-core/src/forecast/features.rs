//! What a global model needs from a feature builder, as two small object-safe traits, so the
//! forecasting code depends on the row contract and not on one builder's internals.

use crate::{Panel, Result};
use ndarray::{Array1, Array2};
use std::fmt::Debug;

/// Training rows of a design matrix: features, targets and where each row came from.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRows {
    /// Features, rows x columns; NaN for missing.
    pub x: Array2<f64>,
    /// Target of each row.
    pub y: Array1<f64>,
    /// `(series, t)` of each row.
    pub rows: Vec<(usize, usize)>,
}

/// Feature rows of one panel.
///
/// `shift` is the gap between the newest target a row may read and the row's own index:
/// a row for index `t` reads only `history[..=t - shift]`.
pub trait RowFeatures: Send + Sync + Debug {
    /// Column names of rows built with `shift`.
    fn names_for_shift(&self, shift: usize) -> Vec<String>;

    /// Indices of the categorical columns.
    fn categorical(&self) -> Vec<usize>;

    /// Number of columns.
    fn n_features(&self) -> usize;

    /// Features of the row for target index `t` of `series`, reading targets from `history`
    /// (observed values, possibly followed by predictions) and regressors at `t`.
    ///
    /// # Errors
    /// For an unknown series, a zero shift or a wrong `out` length.
    fn row(&self, series: usize, history: &[f64], t: usize, shift: usize, out: &mut [f64]) -> Result<()>;

    /// Every usable training row with a target index below `end[s]`.
    ///
    /// # Errors
    /// When `end` does not match the panel or no row is usable.
    fn training_rows(&self, end: &[usize], shift: usize) -> Result<TrainingRows>;
}

/// A feature recipe that builds [`RowFeatures`] for a panel.
pub trait BuildFeatures: Send + Sync + Debug {
    /// Build the features of `panel`.
    ///
    /// # Errors
    /// When the recipe names a column the panel does not have.
    fn build<'a>(&self, panel: &'a Panel) -> Result<Box<dyn RowFeatures + 'a>>;
}
