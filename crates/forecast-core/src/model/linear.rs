//! A fitted linear model (coefficients and intercept), whatever library estimated it.

use super::{Predict, check_n_features};
use crate::Result;
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

/// How the linear predictor maps to the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Link {
    /// `y = x·w + b`.
    #[default]
    Identity,
    /// `y = exp(x·w + b)` (log link, as in Poisson and Tweedie GLMs).
    Log,
}

/// `y = link⁻¹(x·coefficients + intercept)`. Missing (NaN) inputs are imputed with
/// `impute` (the training column means), so prediction never returns NaN for a NaN feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// One weight per feature.
    pub coefficients: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
    /// Value used in place of a missing feature, one per feature.
    pub impute: Vec<f64>,
    /// The link function.
    pub link: Link,
}

impl Predict for LinearModel {
    fn n_features(&self) -> usize {
        self.coefficients.len()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_n_features(&x, self.n_features())?;
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                let eta = row
                    .iter()
                    .zip(&self.coefficients)
                    .zip(&self.impute)
                    .map(|((v, w), m)| if v.is_nan() { m * w } else { v * w })
                    .sum::<f64>()
                    + self.intercept;
                match self.link {
                    Link::Identity => eta,
                    Link::Log => eta.exp(),
                }
            })
            .collect())
    }
}
