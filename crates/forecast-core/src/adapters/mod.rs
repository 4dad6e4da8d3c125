//! Adapters that fit models with other Rust ML libraries behind this crate's
//! [`crate::ParamGuard`] / [`crate::Fit`] / [`crate::Predict`] traits, then convert the fitted
//! model into a native type ([`crate::model::LinearModel`], [`crate::TreeEnsemble`]), so a
//! saved [`crate::ModelArtifact`] loads and predicts without these features.
//!
//! - feature `linfa`: [`linfa::Ols`] (linfa-linear's `LinearRegression`),
//!   [`linfa::TweedieGlm`] (linfa-linear's `TweedieRegressor`, log link for Poisson and
//!   Tweedie), [`linfa::ElasticNet`] (linfa-elasticnet);
//! - feature `smartcore`: [`smartcore::RandomForest`] and [`smartcore::ExtraTrees`]
//!   (smartcore's `RandomForestRegressor` and `ExtraTreesRegressor`), converted to a
//!   [`crate::TreeEnsemble`] with `average: true`.
//!
//! Missing (NaN) inputs are replaced by the training column means, both when fitting and
//! when predicting (linear models store them in `impute`; converted forests send NaN down
//! the branch the mean would take).
//!
//! **linfa-trees is not offered.** Its `DecisionTree` (and linfa-ensemble's forests) only
//! classify: the target must be a `Label`, which `f64` is not, and the split criteria are
//! Gini and entropy only. Tree and forest regression comes from smartcore instead.

#[cfg(feature = "linfa")]
pub mod linfa;
#[cfg(feature = "smartcore")]
pub mod smartcore;

/// Per-column mean of the non-NaN values (0 for an all-NaN column).
#[cfg(any(feature = "linfa", feature = "smartcore"))]
pub(crate) fn column_means(x: &ndarray::ArrayView2<'_, f64>) -> Vec<f64> {
    x.columns()
        .into_iter()
        .map(|c| {
            let (sum, n) = c.iter().filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            if n == 0 { 0.0 } else { sum / n as f64 }
        })
        .collect()
}

/// A copy of `x` with NaN replaced by `means[column]`, row-major.
#[cfg(any(feature = "linfa", feature = "smartcore"))]
pub(crate) fn imputed(x: &ndarray::ArrayView2<'_, f64>, means: &[f64]) -> ndarray::Array2<f64> {
    let mut out = x.to_owned();
    for mut row in out.rows_mut() {
        for (v, m) in row.iter_mut().zip(means) {
            if v.is_nan() {
                *v = *m;
            }
        }
    }
    out
}

/// A backend error wrapped for this crate.
#[cfg(any(feature = "linfa", feature = "smartcore"))]
pub(crate) fn backend<E: std::error::Error + Send + Sync + 'static>(backend: &'static str, e: E) -> crate::Error {
    crate::Error::Backend { backend, source: Box::new(e) }
}
