//! A univariate detector applied to each of several columns.

use super::{Detector, Expectation};

/// One univariate detector per column; the score of a row is the largest column score, the
/// threshold the (shared) column threshold. With one column it is the detector itself.
#[derive(Debug)]
pub struct ColumnMax {
    columns: Vec<Box<dyn Detector>>,
}

impl ColumnMax {
    /// Combine per-column detectors (each must take one value).
    ///
    /// # Errors
    /// [`crate::RealtimeError::InvalidParam`] when `columns` is empty or a detector is not univariate.
    pub fn new(columns: Vec<Box<dyn Detector>>) -> crate::Result<Self> {
        if columns.is_empty() {
            return Err(crate::RealtimeError::param("columns", 0, "at least one detector"));
        }
        if let Some(d) = columns.iter().find(|d| d.n_inputs() != 1) {
            return Err(crate::RealtimeError::param("columns", d.name(), "univariate detectors (one input each)"));
        }
        Ok(Self { columns })
    }
}

impl Detector for ColumnMax {
    fn name(&self) -> &'static str {
        self.columns[0].name()
    }

    fn n_inputs(&self) -> usize {
        self.columns.len()
    }

    fn score(&self, x: &[f64]) -> f64 {
        self.columns.iter().zip(x).map(|(d, v)| d.score(std::slice::from_ref(v))).fold(f64::NEG_INFINITY, f64::max)
    }

    fn learn(&mut self, x: &[f64]) {
        for (d, v) in self.columns.iter_mut().zip(x) {
            d.learn(std::slice::from_ref(v));
        }
    }

    fn threshold(&self) -> f64 {
        self.columns[0].threshold()
    }

    fn expectation(&self) -> Expectation {
        self.columns[0].expectation()
    }
}
