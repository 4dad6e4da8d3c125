//! Test-only feature rows and a least-squares learner, so the strategies and the backtest are
//! tested independently of the production feature builder and GBDT.

use super::{BuildFeatures, RowFeatures, TrainingRows};
use crate::model::{LinearModel, Link, check_xy};
use crate::{Fit, Frequency, Panel, Result, Series, SeriesKey};
use chrono::NaiveDate;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Columns: `lag` (target at `t - shift`, NaN before the start) and every regressor at `t`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LagAndRegressors;

#[derive(Debug)]
pub(crate) struct LagRows<'a>(&'a Panel);

impl BuildFeatures for LagAndRegressors {
    fn build<'a>(&self, panel: &'a Panel) -> Result<Box<dyn RowFeatures + 'a>> {
        Ok(Box::new(LagRows(panel)))
    }
}

impl RowFeatures for LagRows<'_> {
    fn n_features(&self) -> usize {
        1 + self.0.regressor_names.len()
    }
    fn names_for_shift(&self, _shift: usize) -> Vec<String> {
        std::iter::once("lag".to_owned()).chain(self.0.regressor_names.iter().cloned()).collect()
    }
    fn categorical(&self) -> Vec<usize> {
        Vec::new()
    }
    fn row(&self, series: usize, history: &[f64], t: usize, shift: usize, out: &mut [f64]) -> Result<()> {
        out[0] = t.checked_sub(shift).and_then(|i| history.get(i)).copied().unwrap_or(f64::NAN);
        for (j, r) in self.0.series[series].regressors.iter().enumerate() {
            out[1 + j] = r.get(t).copied().unwrap_or(f64::NAN);
        }
        Ok(())
    }
    fn training_rows(&self, end: &[usize], shift: usize) -> Result<TrainingRows> {
        let nf = self.n_features();
        let (mut x, mut y, mut rows) = (Vec::new(), Vec::new(), Vec::new());
        let mut buf = vec![0.0; nf];
        for (s, series) in self.0.series.iter().enumerate() {
            for t in shift..end[s] {
                let target = series.target[t];
                self.row(s, &series.target[..end[s]], t, shift, &mut buf)?;
                if target.is_nan() || buf.iter().any(|v| v.is_nan()) {
                    continue;
                }
                x.extend_from_slice(&buf);
                y.push(target);
                rows.push((s, t));
            }
        }
        let x = Array2::from_shape_vec((y.len(), nf), x)
            .map_err(|e| crate::Error::InvalidData(format!("test rows: {e}")))?;
        Ok(TrainingRows { x, y: Array1::from(y), rows })
    }
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
                key: SeriesKey(vec![format!("s{i}")]),
                start,
                target,
                regressors: vec![reg],
                statics: Vec::new(),
            })
            .collect(),
    }
}
