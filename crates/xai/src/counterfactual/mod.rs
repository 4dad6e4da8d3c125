//! Counterfactuals: the smallest changes to one feature row that bring a model's prediction
//! into a target range, against any [`Predict`] model ([`counterfactuals`]); and the smallest
//! changes to a series' plan of regressors that bring a fitted pipeline's total forecast over
//! some steps to a target, forecast again through the pipeline ([`plan_counterfactuals`]).
//! Both run the same search.
//!
//! Permitted ranges are enforced on every answer (DiCE does not for regressors, DiCE#426),
//! immutable features never move, linear constraints between features always hold, answers
//! change as few features as possible, and several answers use different features.
//!
//! ```
//! use forecast_core::model::{LinearModel, Link};
//! use forecast_xai::counterfactual::{counterfactuals, CounterfactualSpec, FeatureRule, SearchParams, Target};
//!
//! // units = 10 + 20 * discount + 4 * promo
//! let model = LinearModel { impute: vec![0.0; 2], coefficients: vec![20.0, 4.0], intercept: 10.0, link: Link::Identity };
//! let spec = CounterfactualSpec {
//!     features: vec![FeatureRule::range("discount", 0.0, 0.5).with_step(0.05), FeatureRule::range("promo", 0.0, 1.0).with_step(1.0)],
//!     constraints: vec![],
//!     target: Target::at_least(13.5),
//! };
//! let found = counterfactuals(&model, &[0.0, 0.0], &spec, SearchParams::default())?;
//! let first = &found.answers[0];
//! assert_eq!(first.changes.len(), 1);
//! assert!(first.prediction >= 13.5);
//! # Ok::<(), forecast_xai::XaiError>(())
//! ```

mod pipeline;
mod plan;
mod search;
mod spec;

pub use pipeline::{CellChange, PlanAnswer, PlanCounterfactuals, plan_counterfactuals};
pub use plan::{Lever, PlanConstraint, PlanQuestion, PlanTarget, Scope};
pub use spec::{CounterfactualSpec, FeatureRule, LinearConstraint, Target};

use crate::{Result, XaiError};
use forecast_core::Predict;
use ndarray::Array2;
use search::RowModel;
use serde::{Deserialize, Serialize};

/// Parameters of [`counterfactuals`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_answers` | 3 | answers wanted (on different feature sets) | >= 1 |
/// | `max_changes` | 3 | most features one answer may change | >= 1 |
/// | `max_evaluations` | 4,000 | rows (or plans) the model may score in all; a plan question on the default panel that no plan answers (the longest search) stops at 4,043 plans after 1.1 s (dev profile, load average 5; up to 2.1 s at 9); one that is answered, 2,750 plans in 0.7 to 1 s | >= 1 |
/// | `seed` | 0 | seed of the sampling | any |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchParams {
    /// Answers wanted.
    pub n_answers: usize,
    /// Most features one answer may change.
    pub max_changes: usize,
    /// Budget of model evaluations (rows scored).
    pub max_evaluations: usize,
    /// Seed of the sampling.
    pub seed: u64,
}

impl Default for SearchParams {
    fn default() -> Self {
        Self { n_answers: 3, max_changes: 3, max_evaluations: 4_000, seed: 0 }
    }
}

/// One changed feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Column index.
    pub feature: usize,
    /// Column name.
    pub name: String,
    /// Current value.
    pub from: f64,
    /// Proposed value.
    pub to: f64,
}

/// One answer: a changed row that reaches the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterfactual {
    /// The whole row with the changes applied.
    pub row: Vec<f64>,
    /// The model's prediction for it.
    pub prediction: f64,
    /// What changed, in column order.
    pub changes: Vec<Change>,
    /// Size of the change: Σ |change| / width of the feature's permitted range.
    pub distance: f64,
}

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterfactuals {
    /// The prediction for the row as given.
    pub prediction: f64,
    /// Whether the row already meets the target (then there are no answers).
    pub already_met: bool,
    /// Answers, fewest changes first, then smallest distance.
    pub answers: Vec<Counterfactual>,
    /// Rows the model scored.
    pub evaluations: usize,
}

/// Search for the smallest changes to `row` that bring `model`'s prediction into `spec.target`.
///
/// # Errors
/// [`XaiError::Shape`] / [`XaiError::InvalidArgument`] for a spec that does not fit the model,
/// [`XaiError::InfeasibleRow`] when the row breaks its own ranges or constraints, or the
/// model's error.
pub fn counterfactuals(
    model: &dyn Predict,
    row: &[f64],
    spec: &CounterfactualSpec,
    params: SearchParams,
) -> Result<Counterfactuals> {
    spec.check(row, model.n_features())?;
    if params.n_answers == 0 || params.max_changes == 0 || params.max_evaluations == 0 {
        return Err(XaiError::argument(
            "search params",
            format!("{params:?}"),
            "n_answers, max_changes and max_evaluations >= 1",
        ));
    }
    let x = Array2::from_shape_vec((1, row.len()), row.to_vec())
        .map_err(|e| XaiError::Backend { backend: "ndarray", message: e.to_string() })?;
    let prediction = model.predict(x.view())?[0];
    if spec.target.met(prediction) {
        return Ok(Counterfactuals { prediction, already_met: true, answers: Vec::new(), evaluations: 1 });
    }
    let found = search::search(&mut RowModel(model), row, spec, params, prediction)?;
    Ok(Counterfactuals { prediction, already_met: false, answers: found.answers, evaluations: 1 + found.evaluations })
}
