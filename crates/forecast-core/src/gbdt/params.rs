//! Hyper-parameters of the GBDT learner: the unchecked builder and its checked form.

use crate::model::ParamGuard;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The loss the trees minimise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum Objective {
    /// Squared error; the prediction is the conditional mean.
    #[default]
    L2,
    /// Poisson deviance with a log link (counts); predictions are `exp(raw)`.
    Poisson,
    /// Tweedie deviance with a log link (zero-inflated, skewed sales); predictions are `exp(raw)`.
    Tweedie {
        /// Variance power `p`, `1 <= p < 2` (1 is Poisson-like, near 2 is Gamma-like).
        variance_power: f64,
    },
    /// Pinball loss; the prediction is the conditional `alpha`-quantile.
    Quantile {
        /// The quantile level, `0 < alpha < 1`.
        alpha: f64,
    },
}

/// Unchecked GBDT hyper-parameters (LightGBM's names and defaults where they exist).
///
/// | Name | Default | Purpose | Range |
/// |------|---------|---------|-------|
/// | `objective` | `L2` | loss to minimise | `L2`, `Poisson`, `Tweedie { variance_power }` with `1 <= p < 2`, `Quantile { alpha }` with `0 < alpha < 1` |
/// | `n_rounds` | 100 | boosting rounds (trees) | `>= 1` |
/// | `learning_rate` | 0.1 | shrinkage of each tree | `0 < lr <= 1` |
/// | `num_leaves` | 31 | maximum leaves per tree (leaf-wise growth) | `2..=65536` |
/// | `max_depth` | 0 | maximum tree depth | 0 (no limit) or `1..=64` |
/// | `max_bins` | 255 | histogram bins per feature (NaN gets one more) | `2..=255` |
/// | `lambda_l2` | 0.0 | L2 penalty on leaf values | finite, `>= 0` |
/// | `min_data_in_leaf` | 20 | fewest training rows in a leaf | `>= 1` |
/// | `min_sum_hessian` | 1e-3 | smallest hessian sum in a leaf | finite, `>= 0` |
/// | `bagging_fraction` | 1.0 | share of rows sampled for each tree | `0 < f <= 1` |
/// | `feature_fraction` | 1.0 | share of features sampled for each tree | `0 < f <= 1` |
/// | `early_stopping_rounds` | 0 | stop after this many rounds without a better validation loss | 0 (off) or `>= 1` |
/// | `categorical_features` | `[]` | columns split as categories (a forecaster adds the feature spec's categorical statics) | column indices; values whole numbers in `0..=2147483647`, NaN or negative = missing |
/// | `max_cat_to_onehot` | 4 | a categorical feature with at most this many categories splits one category versus the rest | `>= 1` |
/// | `max_cat_threshold` | 32 | most categories on the left of a sorted categorical split | `>= 1` |
/// | `cat_smooth` | 10.0 | smoothing of `G / (H + cat_smooth)` that orders categories; fewest rows of a category in a sorted split | finite, `>= 0` |
/// | `cat_l2` | 10.0 | extra L2 penalty of a sorted categorical split's children | finite, `>= 0` |
/// | `min_data_per_group` | 100 | fewest rows per group of categories between two candidate categorical splits | `>= 1` |
/// | `threads` | 0 | worker threads for binning, histograms and split search | 0 (all cores) or `1..=1024` |
/// | `seed` | 0 | seed of the row and feature sampling | any `u64` |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtParams(pub(crate) GbdtValidParams);

/// Checked GBDT hyper-parameters; fit with [`crate::Fit::fit`] or [`GbdtValidParams::fit_with_validation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtValidParams {
    pub(crate) objective: Objective,
    pub(crate) n_rounds: usize,
    pub(crate) learning_rate: f64,
    pub(crate) num_leaves: usize,
    pub(crate) max_depth: usize,
    pub(crate) max_bins: usize,
    pub(crate) lambda_l2: f64,
    pub(crate) min_data_in_leaf: usize,
    pub(crate) min_sum_hessian: f64,
    pub(crate) bagging_fraction: f64,
    pub(crate) feature_fraction: f64,
    pub(crate) early_stopping_rounds: usize,
    /// Sorted, deduplicated column indices (the setter normalises them).
    #[serde(default)]
    pub(crate) categorical_features: Vec<usize>,
    #[serde(default = "defaults::max_cat_to_onehot")]
    pub(crate) max_cat_to_onehot: usize,
    #[serde(default = "defaults::max_cat_threshold")]
    pub(crate) max_cat_threshold: usize,
    #[serde(default = "defaults::cat_smooth")]
    pub(crate) cat_smooth: f64,
    #[serde(default = "defaults::cat_l2")]
    pub(crate) cat_l2: f64,
    #[serde(default = "defaults::min_data_per_group")]
    pub(crate) min_data_per_group: usize,
    pub(crate) threads: usize,
    pub(crate) seed: u64,
}

/// LightGBM's defaults of the categorical parameters, also for params saved before they existed.
mod defaults {
    pub(super) fn max_cat_to_onehot() -> usize {
        4
    }
    pub(super) fn max_cat_threshold() -> usize {
        32
    }
    pub(super) fn cat_smooth() -> f64 {
        10.0
    }
    pub(super) fn cat_l2() -> f64 {
        10.0
    }
    pub(super) fn min_data_per_group() -> usize {
        100
    }
}

impl Default for GbdtParams {
    fn default() -> Self {
        Self(GbdtValidParams {
            objective: Objective::L2,
            n_rounds: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: 0,
            max_bins: 255,
            lambda_l2: 0.0,
            min_data_in_leaf: 20,
            min_sum_hessian: 1e-3,
            bagging_fraction: 1.0,
            feature_fraction: 1.0,
            early_stopping_rounds: 0,
            categorical_features: Vec::new(),
            max_cat_to_onehot: defaults::max_cat_to_onehot(),
            max_cat_threshold: defaults::max_cat_threshold(),
            cat_smooth: defaults::cat_smooth(),
            cat_l2: defaults::cat_l2(),
            min_data_per_group: defaults::min_data_per_group(),
            threads: 0,
            seed: 0,
        })
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        impl GbdtParams {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $name(mut self, value: $ty) -> Self {
                    self.0.$name = value;
                    self
                }
            )*
        }
        impl GbdtValidParams {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> $ty {
                    self.$name
                }
            )*
        }
    };
}

setters! {
    /// The loss to minimise.
    objective: Objective;
    /// Number of boosting rounds (trees).
    n_rounds: usize;
    /// Shrinkage applied to every tree's leaves.
    learning_rate: f64;
    /// Maximum leaves per tree.
    num_leaves: usize;
    /// Maximum depth (0 = no limit).
    max_depth: usize;
    /// Histogram bins per feature, not counting the NaN bin.
    max_bins: usize;
    /// L2 penalty on leaf values.
    lambda_l2: f64;
    /// Fewest training rows in a leaf.
    min_data_in_leaf: usize;
    /// Smallest hessian sum in a leaf.
    min_sum_hessian: f64;
    /// Share of rows sampled (without replacement) for each tree.
    bagging_fraction: f64;
    /// Share of features sampled for each tree.
    feature_fraction: f64;
    /// Rounds without validation improvement before stopping (0 = off).
    early_stopping_rounds: usize;
    /// Categorical features with at most this many categories split one category versus the rest.
    max_cat_to_onehot: usize;
    /// Most categories on the left of a sorted categorical split.
    max_cat_threshold: usize;
    /// Smoothing of the gradient ratio that orders categories (and fewest rows per category).
    cat_smooth: f64;
    /// Extra L2 penalty of a sorted categorical split's children.
    cat_l2: f64;
    /// Fewest rows per group of categories between two candidate categorical splits.
    min_data_per_group: usize;
    /// Worker threads (0 = all cores).
    threads: usize;
    /// Seed of the row and feature sampling.
    seed: u64;
}

impl GbdtParams {
    /// Columns of the design matrix to split as categories (LightGBM's `categorical_feature`);
    /// a [`GlobalForecaster`](crate::forecast::GlobalForecaster) adds the categorical static
    /// columns of its feature spec to these.
    #[must_use]
    pub fn categorical_features(mut self, columns: impl Into<Vec<usize>>) -> Self {
        let mut c = columns.into();
        c.sort_unstable();
        c.dedup();
        self.0.categorical_features = c;
        self
    }
}

impl GbdtValidParams {
    /// Columns split as categories, ascending.
    pub fn categorical_features(&self) -> &[usize] {
        &self.categorical_features
    }
}

impl GbdtValidParams {
    /// The same checked parameters with another, already valid objective (no other setting
    /// depends on the objective).
    pub(crate) fn with_objective(&self, objective: Objective) -> Self {
        Self { objective, ..self.clone() }
    }
}

fn invalid(name: &'static str, value: impl ToString, expected: &'static str) -> Error {
    Error::InvalidParam { name, value: value.to_string(), expected }
}

fn check_fraction(name: &'static str, v: f64) -> Result<()> {
    if v > 0.0 && v <= 1.0 { Ok(()) } else { Err(invalid(name, v, "0 < value <= 1")) }
}

impl ParamGuard for GbdtParams {
    type Checked = GbdtValidParams;

    fn check(self) -> Result<GbdtValidParams> {
        let p = self.0;
        match p.objective {
            Objective::L2 | Objective::Poisson => {}
            Objective::Tweedie { variance_power } => {
                if !(1.0..2.0).contains(&variance_power) {
                    return Err(invalid("objective.variance_power", variance_power, "1 <= variance_power < 2"));
                }
            }
            Objective::Quantile { alpha } => {
                if !(alpha > 0.0 && alpha < 1.0) {
                    return Err(invalid("objective.alpha", alpha, "0 < alpha < 1"));
                }
            }
        }
        if p.n_rounds == 0 {
            return Err(invalid("n_rounds", p.n_rounds, ">= 1"));
        }
        check_fraction("learning_rate", p.learning_rate)?;
        if !(2..=65536).contains(&p.num_leaves) {
            return Err(invalid("num_leaves", p.num_leaves, "2..=65536"));
        }
        if p.max_depth > 64 {
            return Err(invalid("max_depth", p.max_depth, "0 (no limit) or 1..=64"));
        }
        if !(2..=255).contains(&p.max_bins) {
            return Err(invalid("max_bins", p.max_bins, "2..=255"));
        }
        if !(p.lambda_l2.is_finite() && p.lambda_l2 >= 0.0) {
            return Err(invalid("lambda_l2", p.lambda_l2, "finite and >= 0"));
        }
        if p.min_data_in_leaf == 0 {
            return Err(invalid("min_data_in_leaf", p.min_data_in_leaf, ">= 1"));
        }
        if !(p.min_sum_hessian.is_finite() && p.min_sum_hessian >= 0.0) {
            return Err(invalid("min_sum_hessian", p.min_sum_hessian, "finite and >= 0"));
        }
        check_fraction("bagging_fraction", p.bagging_fraction)?;
        check_fraction("feature_fraction", p.feature_fraction)?;
        for (name, v) in [("max_cat_to_onehot", p.max_cat_to_onehot), ("max_cat_threshold", p.max_cat_threshold)] {
            if v == 0 {
                return Err(invalid(name, v, ">= 1"));
            }
        }
        for (name, v) in [("cat_smooth", p.cat_smooth), ("cat_l2", p.cat_l2)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(name, v, "finite and >= 0"));
            }
        }
        if p.min_data_per_group == 0 {
            return Err(invalid("min_data_per_group", p.min_data_per_group, ">= 1"));
        }
        if p.threads > 1024 {
            return Err(invalid("threads", p.threads, "0 (all cores) or 1..=1024"));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gbdt::Gbdt;

    fn rejected(p: GbdtParams) -> &'static str {
        match p.check() {
            Err(Error::InvalidParam { name, .. }) => name,
            other => panic!("expected InvalidParam, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_each_bad_value_names_its_param() {
        let ok = Gbdt::params().check().unwrap();
        assert_eq!(ok.num_leaves(), 31);
        assert_eq!(ok.max_bins(), 255);
        let p = Gbdt::params;
        assert_eq!(rejected(p().n_rounds(0)), "n_rounds");
        assert_eq!(rejected(p().learning_rate(0.0)), "learning_rate");
        assert_eq!(rejected(p().learning_rate(f64::NAN)), "learning_rate");
        assert_eq!(rejected(p().num_leaves(1)), "num_leaves");
        assert_eq!(rejected(p().max_depth(65)), "max_depth");
        assert_eq!(rejected(p().max_bins(256)), "max_bins");
        assert_eq!(rejected(p().max_bins(1)), "max_bins");
        assert_eq!(rejected(p().lambda_l2(-1.0)), "lambda_l2");
        assert_eq!(rejected(p().min_data_in_leaf(0)), "min_data_in_leaf");
        assert_eq!(rejected(p().min_sum_hessian(f64::INFINITY)), "min_sum_hessian");
        assert_eq!(rejected(p().bagging_fraction(1.5)), "bagging_fraction");
        assert_eq!(rejected(p().feature_fraction(0.0)), "feature_fraction");
        assert_eq!(rejected(p().threads(5000)), "threads");
        assert_eq!(rejected(p().max_cat_to_onehot(0)), "max_cat_to_onehot");
        assert_eq!(rejected(p().max_cat_threshold(0)), "max_cat_threshold");
        assert_eq!(rejected(p().cat_smooth(-1.0)), "cat_smooth");
        assert_eq!(rejected(p().cat_l2(f64::NAN)), "cat_l2");
        assert_eq!(rejected(p().min_data_per_group(0)), "min_data_per_group");
        assert_eq!(p().categorical_features([3, 1, 3]).check().unwrap().categorical_features(), [1, 3]);
        assert_eq!(rejected(p().objective(Objective::Tweedie { variance_power: 2.0 })), "objective.variance_power");
        assert_eq!(rejected(p().objective(Objective::Quantile { alpha: 1.0 })), "objective.alpha");
    }
}
