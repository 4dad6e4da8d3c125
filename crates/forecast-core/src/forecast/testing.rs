//! Test-only features and a least-squares learner, so the strategies and the backtest are
//! tested independently of the GBDT.

use crate::features::FeatureSpec;
use crate::model::{LinearModel, Link, check_xy};
use crate::{Fit, Frequency, Panel, Result, Series, SeriesKey};
use chrono::NaiveDate;
use ndarray::{ArrayView1, ArrayView2};

/// One lag (`lag_1`, the previous target for shift 1) and the raw regressors.
pub(crate) fn lag_and_regressors() -> FeatureSpec {
    FeatureSpec::empty().lags([1]).with_regressors(true)
}

/// Ridge-stabilised least squares with an intercept, by normal equations (small feature
/// counts only); a missing (NaN) feature counts as 0, as [`LinearModel`] imputes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeastSquares;

impl Fit for LeastSquares {
    type Fitted = LinearModel;
    fn fit(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<LinearModel> {
        check_xy(&x, &y)?;
        let p = x.ncols() + 1;
        let mut a = vec![vec![0.0; p + 1]; p];
        for (row, &t) in x.rows().into_iter().zip(y) {
            let z: Vec<f64> =
                std::iter::once(1.0).chain(row.iter().map(|v| if v.is_nan() { 0.0 } else { *v })).collect();
            for i in 0..p {
                for j in 0..p {
                    a[i][j] += z[i] * z[j];
                }
                a[i][p] += z[i] * t;
            }
        }
        for (i, r) in a.iter_mut().enumerate() {
            r[i] += 1e-6;
        }
        for c in 0..p {
            let pivot = (c..p).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())).unwrap_or(c);
            a.swap(c, pivot);
            for r in 0..p {
                if r != c {
                    let f = a[r][c] / a[c][c];
                    let pivot_row = a[c].clone();
                    for (v, pv) in a[r].iter_mut().zip(&pivot_row) {
                        *v -= f * pv;
                    }
                }
            }
        }
        let w: Vec<f64> = (0..p).map(|i| a[i][p] / a[i][i]).collect();
        Ok(LinearModel {
            coefficients: w[1..].to_vec(),
            intercept: w[0],
            impute: vec![0.0; p - 1],
            link: Link::Identity,
        })
    }
}

/// A daily panel from `(target, regressor)` pairs per series; regressors may run past targets.
pub(crate) fn panel(series: Vec<(Vec<f64>, Vec<f64>)>) -> Panel {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    Panel {
        frequency: Frequency::Daily,
        key_names: vec!["id".into()],
        target_name: "units".into(),
        regressor_names: vec!["price".into()],
        static_names: Vec::new(),
        static_levels: Vec::new(),
        series: series
            .into_iter()
            .enumerate()
            .map(|(i, (target, reg))| Series {
                key: SeriesKey(vec![format!("s{i:03}")]),
                start,
                target,
                regressors: vec![reg],
                statics: Vec::new(),
            })
            .collect(),
    }
}
