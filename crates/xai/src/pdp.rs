//! Partial dependence and individual conditional expectation (ICE) curves of any [`Predict`]
//! model for one feature: every row scored with the feature set to each grid value.

use crate::{Result, XaiError};
use forecast_core::Predict;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Where the curve is evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Grid {
    /// These values, in this order.
    Values(Vec<f64>),
    /// `points` evenly spaced quantiles of the feature's finite values between the `lower` and
    /// `upper` quantile levels (scikit-learn uses 100 points between 0.05 and 0.95); a feature
    /// with no more distinct values than `points` (a flag, a category) uses them all.
    Quantiles {
        /// Number of grid points.
        points: usize,
        /// Lowest quantile level.
        lower: f64,
        /// Highest quantile level.
        upper: f64,
    },
}

impl Default for Grid {
    fn default() -> Self {
        Self::Quantiles { points: 20, lower: 0.05, upper: 0.95 }
    }
}

/// Partial dependence and ICE curves of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialDependence {
    /// Column index of the feature.
    pub feature: usize,
    /// Grid values of the feature.
    pub grid: Vec<f64>,
    /// Mean prediction at each grid value (the partial dependence curve).
    pub average: Vec<f64>,
    /// Rows x grid: each row's prediction at each grid value (its ICE curve).
    pub ice: Array2<f64>,
}

impl PartialDependence {
    /// ICE curves shifted to start at 0 (each row minus its value at the first grid point), which
    /// shows whether rows respond alike.
    pub fn centered_ice(&self) -> Array2<f64> {
        let mut c = self.ice.clone();
        for mut row in c.rows_mut() {
            let first = row.first().copied().unwrap_or(0.0);
            row.iter_mut().for_each(|v| *v -= first);
        }
        c
    }
}

/// Partial dependence and ICE of `feature` over the rows of `x`.
///
/// # Errors
/// [`XaiError::Shape`] or [`XaiError::InvalidArgument`] (feature out of range, empty or
/// non-finite grid, quantile levels outside `0 <= lower <= upper <= 1`, no finite value to
/// take quantiles of), or the model's own error.
pub fn partial_dependence(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    feature: usize,
    grid: &Grid,
) -> Result<PartialDependence> {
    let (n, p) = x.dim();
    if p != model.n_features() {
        return Err(XaiError::Shape {
            context: "partial_dependence: columns of x",
            expected: model.n_features(),
            got: p,
        });
    }
    if feature >= p {
        return Err(XaiError::argument("feature", feature, format!("a column index below {p}")));
    }
    if n == 0 {
        return Err(XaiError::argument("x", "0 rows", "at least one row"));
    }
    let values = grid_values(x.column(feature).iter().copied(), grid)?;
    let mut work = x.to_owned();
    let mut ice = Array2::zeros((n, values.len()));
    for (g, &v) in values.iter().enumerate() {
        work.column_mut(feature).fill(v);
        ice.column_mut(g).assign(&model.predict(work.view())?);
    }
    let average = ice.columns().into_iter().map(|c| c.sum() / n as f64).collect();
    Ok(PartialDependence { feature, grid: values, average, ice })
}

fn grid_values(column: impl Iterator<Item = f64>, grid: &Grid) -> Result<Vec<f64>> {
    match grid {
        Grid::Values(v) => {
            if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
                return Err(XaiError::argument("grid", format!("{v:?}"), "one or more finite values"));
            }
            Ok(v.clone())
        }
        &Grid::Quantiles { points, lower, upper } => {
            if points == 0 || !(0.0..=1.0).contains(&lower) || !(lower..=1.0).contains(&upper) {
                return Err(XaiError::argument(
                    "grid",
                    format!("{points} points from {lower} to {upper}"),
                    "points >= 1 and 0 <= lower <= upper <= 1",
                ));
            }
            let mut finite: Vec<f64> = column.filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                return Err(XaiError::argument("feature", "no finite value", "a column with finite values"));
            }
            finite.sort_by(f64::total_cmp);
            let mut distinct = finite.clone();
            distinct.dedup();
            if distinct.len() <= points {
                return Ok(distinct);
            }
            let at = |q: f64| {
                let pos = q * (finite.len() - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                finite[lo] + (finite[hi] - finite[lo]) * (pos - lo as f64)
            };
            let mut out: Vec<f64> = (0..points)
                .map(|k| at(if points == 1 { lower } else { lower + (upper - lower) * k as f64 / (points - 1) as f64 }))
                .collect();
            out.dedup();
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::model::{LinearModel, Link};

    #[test]
    fn linear_model_has_straight_parallel_curves() {
        let model =
            LinearModel { impute: vec![0.0; 2], coefficients: vec![3.0, -1.0], intercept: 0.5, link: Link::Identity };
        let x = Array2::from_shape_fn((50, 2), |(i, j)| (i * (j + 1)) as f64 / 7.0);
        let pd = partial_dependence(&model, x.view(), 0, &Grid::Values(vec![0.0, 1.0, 2.0])).unwrap();
        let mean_x1 = x.column(1).mean().unwrap();
        for (g, v) in pd.grid.iter().zip(&pd.average) {
            assert!((v - (0.5 + 3.0 * g - mean_x1)).abs() < 1e-12);
        }
        assert!(pd.centered_ice().rows().into_iter().all(|r| r.to_vec() == vec![0.0, 3.0, 6.0]));
        let q = partial_dependence(&model, x.view(), 1, &Grid::default()).unwrap();
        assert!(q.grid.windows(2).all(|w| w[0] < w[1]) && q.grid.len() == 20);
        let flag = Array2::from_shape_fn((10, 2), |(i, j)| if j == 0 { (i % 2) as f64 } else { 1.0 });
        assert_eq!(partial_dependence(&model, flag.view(), 0, &Grid::default()).unwrap().grid, vec![0.0, 1.0]);
        assert!(partial_dependence(&model, x.view(), 2, &Grid::default()).is_err());
        assert!(partial_dependence(&model, x.view(), 0, &Grid::Values(vec![f64::NAN])).is_err());
    }
}
