//! SHAP values in LightGBM's `pred_contrib` layout.

use crate::{Result, XaiError};
use forecast_core::tree::TreeEnsemble;
use ndarray::{Array2, ArrayView1, ArrayView2, s};
use std::io::Write;

/// SHAP values of a set of rows: one row per input row, one column per feature in model order,
/// then a last column, the bias (expected value), as LightGBM's `pred_contrib` lays them out.
/// Each row sums to the raw score of the model for that row.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapValues {
    contributions: Array2<f64>,
    feature_names: Vec<String>,
}

/// The model's column names, or `f0, f1, ...` when it has none (XGBoost's default names).
pub(crate) fn feature_names(e: &TreeEnsemble) -> Vec<String> {
    if e.feature_names.len() == e.n_features {
        e.feature_names.clone()
    } else {
        (0..e.n_features).map(|i| format!("f{i}")).collect()
    }
}

impl ShapValues {
    /// Wrap a row-major `rows x (features + 1)` buffer.
    pub(crate) fn new(data: Vec<f64>, rows: usize, feature_names: Vec<String>) -> Result<Self> {
        let cols = feature_names.len() + 1;
        let contributions = Array2::from_shape_vec((rows, cols), data)
            .map_err(|e| XaiError::Backend { backend: "ndarray", message: e.to_string() })?;
        Ok(Self { contributions, feature_names })
    }

    /// Number of explained rows.
    pub fn n_rows(&self) -> usize {
        self.contributions.nrows()
    }

    /// Number of features (columns before the bias).
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The feature names, in model order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The contributions, rows x features (without the bias column).
    pub fn values(&self) -> ArrayView2<'_, f64> {
        self.contributions.slice(s![.., ..self.n_features()])
    }

    /// The bias column (the same expected value on every row).
    pub fn bias(&self) -> ArrayView1<'_, f64> {
        self.contributions.column(self.n_features())
    }

    /// Contributions and bias, rows x (features + 1): LightGBM's `pred_contrib` layout.
    pub fn as_pred_contrib(&self) -> ArrayView2<'_, f64> {
        self.contributions.view()
    }

    /// The `pred_contrib` matrix, by value.
    pub fn into_pred_contrib(self) -> Array2<f64> {
        self.contributions
    }

    /// Mean absolute contribution of each feature over the rows (the usual global importance).
    pub fn mean_abs(&self) -> Vec<f64> {
        let n = self.n_rows().max(1) as f64;
        self.values().columns().into_iter().map(|c| c.iter().map(|v| v.abs()).sum::<f64>() / n).collect()
    }

    /// Write CSV: a header with the feature names and `bias`, then one line per row. Numbers are
    /// printed with the fewest digits that read back to the same `f64` (`1e-300`, `0.25`, `3.0`).
    ///
    /// # Errors
    /// [`XaiError::Report`] when writing fails.
    pub fn write_csv(&self, mut out: impl Write) -> Result<()> {
        let io = |e: std::io::Error| XaiError::Report(format!("writing SHAP CSV: {e}"));
        let mut line = String::new();
        for name in &self.feature_names {
            line.push_str(&csv_field(name));
            line.push(',');
        }
        line.push_str("bias\n");
        out.write_all(line.as_bytes()).map_err(io)?;
        for row in self.contributions.rows() {
            line.clear();
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                // Debug prints the shortest round-trip digits, in exponent form for tiny and huge values.
                line.push_str(&format!("{v:?}"));
            }
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(io)?;
        }
        out.flush().map_err(io)
    }
}

/// Quote a CSV field when it holds a separator, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_header_and_round_trip_numbers() {
        let v = ShapValues::new(vec![0.1, -2.5, 3.0, 1e-300, 0.0, 3.0], 2, vec!["a".into(), "b,c".into()]).unwrap();
        let mut out = Vec::new();
        v.write_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "a,\"b,c\",bias\n0.1,-2.5,3.0\n1e-300,0.0,3.0\n");
        assert_eq!(v.mean_abs(), vec![0.05, 1.25]);
        assert_eq!(v.bias().to_vec(), vec![3.0, 3.0]);
    }
}
