//! A native histogram gradient-boosted tree learner (LightGBM's design, in Rust).
//!
//! Features are cut into at most 255 quantile bins (plus one bin for NaN) on a row sample;
//! trees grow leaf-wise (best first) up to `num_leaves` and `max_depth`; split search reads
//! per-leaf gradient histograms built in parallel over features, and the larger child of every
//! split gets its histogram by subtraction. Missing values learn a default direction at each
//! split. Objectives: L2, Poisson, Tweedie, quantile (with leaf renewal).
//!
//! Categorical features (`categorical_features`, and the categorical statics of a forecaster's
//! feature spec) get one bin per category and split as sets of categories, as LightGBM does:
//! one category against the rest up to `max_cat_to_onehot` categories, else the categories
//! sorted by `G / (H + cat_smooth)` and scanned from both ends (at most `max_cat_threshold` on
//! the left, `min_data_per_group` rows per step, `cat_l2` on the children). Missing, negative
//! and unseen categories go right. The split is a [`crate::tree::SplitRule::Category`] bitset,
//! which the tree walk and the compiled predictor score alike.
//!
//! ```
//! use forecast_core::gbdt::{Gbdt, ImportanceKind, Objective};
//! use forecast_core::{Fit, ParamGuard, Predict};
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((400, 2), |(i, j)| ((i * (j + 3)) % 97) as f64);
//! let y: Array1<f64> = x.rows().into_iter().map(|r| if r[0] > 40.0 { 5.0 } else { 1.0 }).collect();
//! let params = Gbdt::params().objective(Objective::Poisson).n_rounds(200).learning_rate(0.3).min_data_in_leaf(5);
//! let model = params.check()?.fit(x.view(), y.view())?;
//! let pred = model.predict(x.view())?;
//! assert!((pred[0] - y[0]).abs() < 0.1);
//! assert!(model.importance(ImportanceKind::Gain)[0] > model.importance(ImportanceKind::Gain)[1]);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod binning;
mod grow;
mod histogram;
mod importance;
mod model;
mod objective;
mod params;
mod split;
mod train;

pub(crate) use binning::BinCache;
pub use importance::ImportanceKind;
pub use model::GbdtModel;
pub use params::{GbdtParams, GbdtValidParams, Objective};

/// Entry point of the GBDT learner: `Gbdt::params()` starts the builder.
#[derive(Debug, Clone, Copy)]
pub struct Gbdt;

impl Gbdt {
    /// Default hyper-parameters (see [`GbdtParams`] for the table).
    pub fn params() -> GbdtParams {
        GbdtParams::default()
    }
}

#[cfg(test)]
mod categorical_tests;
#[cfg(test)]
mod tests;
