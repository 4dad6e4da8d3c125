//! `DesignMatrix`: the training rows of a panel, built in parallel over series.

use super::FeatureBuilder;
use super::builder::check_shift;
use super::target::Ewm;
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

/// One series' share of a design matrix.
struct Block {
    x: Vec<f64>,
    y: Vec<f64>,
    rows: Vec<RowId>,
    missing: usize,
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
        let blocks: Vec<Block> = self
            .series
            .par_iter()
            .zip(end.par_iter())
            .enumerate()
            .map(|(series, (columns, &end))| {
                let mut block = Block { x: Vec::new(), y: Vec::new(), rows: Vec::new(), missing: 0 };
                let mut ewm = Ewm::new(self.ewm_alphas());
                for t in shift..end {
                    let y = columns.target[t];
                    if y.is_nan() {
                        block.missing += 1;
                        continue;
                    }
                    let at = block.x.len();
                    block.x.resize(at + p, 0.0);
                    self.fill_row(columns, &columns.target, t, shift, Some(&mut ewm), &mut block.x[at..]);
                    block.y.push(y);
                    block.rows.push(RowId { series, t });
                }
                block
            })
            .collect();
        let n: usize = blocks.iter().map(|b| b.y.len()).sum();
        let (mut x, mut y, mut rows, mut missing) =
            (Vec::with_capacity(n * p), Vec::with_capacity(n), Vec::with_capacity(n), 0);
        for b in blocks {
            x.extend_from_slice(&b.x);
            y.extend_from_slice(&b.y);
            rows.extend_from_slice(&b.rows);
            missing += b.missing;
        }
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
