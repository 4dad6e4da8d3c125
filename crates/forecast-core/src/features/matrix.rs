//! `DesignMatrix`: the training rows of a panel, built in parallel over series.

use super::FeatureBuilder;
use super::builder::check_shift;
use crate::{Error, Result};
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which series and target index a design-matrix row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowId {
    /// Series index in the panel.
    pub series: usize,
    /// Target index within the series.
    pub t: usize,
}

/// Feature rows with their targets and provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignMatrix {
    /// Features, rows x columns; NaN where missing.
    pub x: Array2<f64>,
    /// Targets, one per row (always observed).
    pub y: Array1<f64>,
    /// Column names.
    pub names: Vec<String>,
    /// Indices of categorical columns.
    pub categorical: Vec<usize>,
    /// Series and target index of each row.
    pub rows: Vec<RowId>,
    /// Targets inside the requested ranges (past the warm-up) that were missing (NaN) and so
    /// produced no row.
    pub missing_targets: usize,
}

impl DesignMatrix {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }
}

impl FeatureBuilder {
    /// The training rows of every series: for series `i`, each target index `t` with
    /// `shift <= t < end[i]` whose target is observed, built with [`FeatureBuilder::row`]'s
    /// rules from the series' own targets. `t < shift` is the warm-up (no target readable yet).
    /// Rows are ordered by series, then `t`. Names are [`FeatureBuilder::names_for_shift`].
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `shift == 0`; [`Error::ShapeMismatch`] when `end` does not
    /// have one entry per series; [`Error::InvalidData`] when an `end` exceeds its series' length.
    pub fn training_matrix(&self, end: &[usize], shift: usize) -> Result<DesignMatrix> {
        check_shift(shift)?;
        if end.len() != self.n_series() {
            return Err(Error::ShapeMismatch {
                context: "training_matrix: end (one per series)",
                expected: self.n_series(),
                got: end.len(),
            });
        }
        if let Some((i, (e, s))) = end.iter().zip(&self.series).enumerate().find(|(_, (e, s))| **e > s.target.len()) {
            return Err(Error::InvalidData(format!(
                "training_matrix: end {e} of series {i} is past its {} targets",
                s.target.len()
            )));
        }
        let p = self.n_features();
        // Count rows first so every series writes straight into its own slice of one buffer.
        let counts: Vec<(usize, usize)> = self
            .series
            .par_iter()
            .zip(end.par_iter())
            .map(|(columns, &end)| {
                let targets = columns.target.get(shift..end).unwrap_or(&[]);
                let missing = targets.iter().filter(|y| y.is_nan()).count();
                (targets.len() - missing, missing)
            })
            .collect();
        let n: usize = counts.iter().map(|c| c.0).sum();
        let missing: usize = counts.iter().map(|c| c.1).sum();
        let mut x = vec![0.0; n * p];
        let mut y = vec![0.0; n];
        let mut rows = vec![RowId { series: 0, t: 0 }; n];
        let mut chunks = Vec::with_capacity(self.n_series());
        let (mut x_rest, mut y_rest, mut rows_rest) = (x.as_mut_slice(), y.as_mut_slice(), rows.as_mut_slice());
        for &(count, _) in &counts {
            let (xs, xr) = x_rest.split_at_mut(count * p);
            let (ys, yr) = y_rest.split_at_mut(count);
            let (rs, rr) = rows_rest.split_at_mut(count);
            chunks.push((xs, ys, rs));
            (x_rest, y_rest, rows_rest) = (xr, yr, rr);
        }
        chunks.into_par_iter().zip(end.par_iter()).enumerate().for_each(|(series, ((xs, ys, rs), &end))| {
            let columns = &self.series[series];
            let mut carried = self.carried();
            let observed = (shift..end).filter(|&t| !columns.target[t].is_nan());
            for (((t, x_row), y_out), id) in observed.zip(xs.chunks_exact_mut(p)).zip(ys.iter_mut()).zip(rs.iter_mut())
            {
                self.fill_row(columns, &columns.target, t, shift, Some(&mut carried), x_row);
                *y_out = columns.target[t];
                *id = RowId { series, t };
            }
        });
        let x = Array2::from_shape_vec((n, p), x)
            .map_err(|e| Error::InvalidData(format!("training_matrix: assembling {n} x {p}: {e}")))?;
        Ok(DesignMatrix {
            x,
            y: Array1::from(y),
            names: self.names_for_shift(shift),
            categorical: self.categorical(),
            rows,
            missing_targets: missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::FeatureSpec;
    use super::super::fixture::{monday, panel};
    use super::*;
    use crate::Frequency;

    const NAN: f64 = f64::NAN;

    #[test]
    fn rows_skip_warm_up_and_missing_targets() {
        let regs = || [vec![1.0; 6], vec![0.0; 6], vec![0.0; 6], vec![0.0; 6]];
        let p = panel(
            Frequency::Daily,
            monday(),
            vec![(vec![1.0, 2.0, NAN, 4.0, 5.0, 6.0], regs()), (vec![7.0, 8.0, 9.0, 10.0], regs())],
        );
        let b = FeatureBuilder::new(&p, FeatureSpec::empty().lags([1, 2]).with_statics(true)).unwrap();
        let m = b.training_matrix(&[6, 3], 2).unwrap();
        // Series 0: t = 2..6 minus the NaN at 2; series 1: t = 2 only (end 3).
        let ids: Vec<(usize, usize)> = m.rows.iter().map(|r| (r.series, r.t)).collect();
        assert_eq!(ids, vec![(0, 3), (0, 4), (0, 5), (1, 2)]);
        assert_eq!(m.missing_targets, 1);
        assert_eq!(m.y.to_vec(), vec![4.0, 5.0, 6.0, 9.0]);
        assert_eq!(m.names, ["lag_2", "lag_3", "store", "item"]);
        assert_eq!(m.categorical, vec![2, 3]);
        // Row (0, 4): lag_2 = h[2] = NaN, lag_3 = h[1] = 2; row (1, 2): lag_2 = 7, lag_3 missing.
        assert!(m.x[[1, 0]].is_nan());
        assert_eq!(m.x[[1, 1]], 2.0);
        assert_eq!(m.x[[3, 0]], 7.0);
        assert!(m.x[[3, 1]].is_nan());
        assert_eq!(m.x.row(3).to_vec()[2..], [1.0, 1.0]);
    }

    #[test]
    fn default_panel_with_default_spec() {
        let p = crate::data::default_panel();
        let b = FeatureBuilder::new(&p, FeatureSpec::for_frequency(Frequency::Daily)).unwrap();
        // 10 lags + 3 windows x 4 + 2 EWMs + 5 calendar + 3 holiday + price_rel + discount + promo
        // + raw price + 2 statics.
        assert_eq!(b.n_features(), 38);
        let ends: Vec<usize> = p.series.iter().map(|s| s.len()).collect();
        let m = b.training_matrix(&ends, 1).unwrap();
        let observed: usize = p.series.iter().map(|s| s.target[1..].iter().filter(|v| !v.is_nan()).count()).sum();
        assert_eq!(m.n_rows(), observed);
        assert_eq!(m.n_rows() + m.missing_targets, p.series.iter().map(|s| s.len() - 1).sum::<usize>());
        // Every known-future column is filled inside the history (the plan covers it).
        let promo = m.names.iter().position(|n| n == "promo").unwrap();
        assert!(m.x.column(promo).iter().all(|v| *v == 0.0 || *v == 1.0));
        assert_eq!(b.categorical(), vec![36, 37]);
    }

    #[test]
    fn rejects_bad_ends_and_shift() {
        let regs = [vec![1.0; 3], vec![0.0; 3], vec![0.0; 3], vec![0.0; 3]];
        let p = panel(Frequency::Daily, monday(), vec![(vec![1.0, 2.0, 3.0], regs)]);
        let b = FeatureBuilder::new(&p, FeatureSpec::empty().lags([1])).unwrap();
        assert!(matches!(b.training_matrix(&[3, 3], 1), Err(Error::ShapeMismatch { .. })));
        assert!(matches!(b.training_matrix(&[4], 1), Err(Error::InvalidData(_))));
        assert!(matches!(b.training_matrix(&[3], 0), Err(Error::InvalidParam { .. })));
        assert_eq!(b.training_matrix(&[0], 1).unwrap().n_rows(), 0);
    }
}
