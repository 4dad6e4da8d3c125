//! What a counterfactual may change: permitted ranges, immutable features, linear constraints
//! between features, and the prediction to reach.

use crate::{Result, XaiError};
use serde::{Deserialize, Serialize};

/// How one feature may move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRule {
    /// Column name (for messages and answers).
    pub name: String,
    /// Smallest permitted value.
    pub lower: f64,
    /// Largest permitted value.
    pub upper: f64,
    /// Whether the search may change it (calendar, lags, store are not).
    pub mutable: bool,
    /// Changed values lie on `lower + k * step` (1 for counts and flags, 0.05 for a discount);
    /// `None` for any value.
    pub step: Option<f64>,
}

impl FeatureRule {
    /// A feature that may take any value in `[lower, upper]`.
    pub fn range(name: impl Into<String>, lower: f64, upper: f64) -> Self {
        Self { name: name.into(), lower, upper, mutable: true, step: None }
    }

    /// A feature that must keep its value.
    pub fn fixed(name: impl Into<String>) -> Self {
        Self { name: name.into(), lower: f64::NEG_INFINITY, upper: f64::INFINITY, mutable: false, step: None }
    }

    /// Changed values on `lower + k * step`.
    pub fn with_step(mut self, step: f64) -> Self {
        self.step = Some(step);
        self
    }

    /// Whether `v` is a permitted value (a changed one must also be on the step lattice).
    pub(crate) fn permits(&self, v: f64) -> bool {
        v >= self.lower && v <= self.upper
    }

    /// Snap `v` into the range and onto the lattice.
    pub(crate) fn snap(&self, v: f64) -> f64 {
        let v = v.clamp(self.lower, self.upper);
        match self.step {
            Some(s) => {
                let k = ((v - self.lower) / s).round();
                let snapped = self.lower + k * s;
                // Rounding can step past the upper bound; the lattice point below is then the answer.
                if snapped > self.upper { self.lower + (k - 1.0) * s } else { snapped }
            }
            None => v,
        }
    }
}

/// `Σ coefficient * x[feature] <= max`, e.g. `discount <= 0.5` or `cost - price <= 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearConstraint {
    /// `(column, coefficient)` terms.
    pub terms: Vec<(usize, f64)>,
    /// Right-hand side.
    pub max: f64,
    /// How a person says it, e.g. "price >= cost".
    pub label: String,
}

impl LinearConstraint {
    /// `x[a] - x[b] >= gap`, e.g. price at least cost (`gap` 0).
    pub fn at_least_difference(a: usize, b: usize, gap: f64, label: impl Into<String>) -> Self {
        Self { terms: vec![(a, -1.0), (b, 1.0)], max: -gap, label: label.into() }
    }

    /// `x[feature] <= max`.
    pub fn at_most(feature: usize, max: f64, label: impl Into<String>) -> Self {
        Self { terms: vec![(feature, 1.0)], max, label: label.into() }
    }

    /// Whether row `x` satisfies it (NaN never does).
    pub fn holds(&self, x: &[f64]) -> bool {
        let lhs: f64 = self.terms.iter().map(|&(j, c)| c * x[j]).sum();
        lhs <= self.max
    }
}

/// The prediction range to reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Lowest acceptable prediction.
    pub lower: f64,
    /// Highest acceptable prediction.
    pub upper: f64,
}

impl Target {
    /// At least `v` (e.g. +15% units: `Target::at_least(1.15 * current)`).
    pub fn at_least(v: f64) -> Self {
        Self { lower: v, upper: f64::INFINITY }
    }

    /// At most `v`.
    pub fn at_most(v: f64) -> Self {
        Self { lower: f64::NEG_INFINITY, upper: v }
    }

    /// Whether a prediction is in range.
    pub fn met(&self, prediction: f64) -> bool {
        prediction >= self.lower && prediction <= self.upper
    }
}

/// One counterfactual question about one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualSpec {
    /// One rule per model feature, in model order.
    pub features: Vec<FeatureRule>,
    /// Constraints every answer satisfies.
    pub constraints: Vec<LinearConstraint>,
    /// The prediction to reach.
    pub target: Target,
}

impl CounterfactualSpec {
    /// Check the spec against the model width and the starting row.
    ///
    /// # Errors
    /// [`XaiError::Shape`] for a width mismatch, [`XaiError::InvalidArgument`] for a bad rule
    /// (empty or non-finite range of a mutable feature, step <= 0, constraint on a missing
    /// column, empty target), [`XaiError::InfeasibleRow`] when the row itself breaks a
    /// mutable feature's range or a constraint (no answer could then keep to them).
    pub(crate) fn check(&self, row: &[f64], n_features: usize) -> Result<()> {
        if self.features.len() != n_features || row.len() != n_features {
            return Err(XaiError::Shape {
                context: "counterfactual: feature rules and row vs model features",
                expected: n_features,
                got: if self.features.len() != n_features { self.features.len() } else { row.len() },
            });
        }
        for (j, f) in self.features.iter().enumerate() {
            if !f.mutable {
                continue;
            }
            if !(f.lower.is_finite() && f.upper.is_finite() && f.lower <= f.upper) {
                return Err(XaiError::argument(
                    format!("features[{j}] ({}) range", f.name),
                    format!("[{}, {}]", f.lower, f.upper),
                    "finite lower <= upper for a mutable feature",
                ));
            }
            if let Some(s) = f.step
                && !(s > 0.0 && s.is_finite())
            {
                return Err(XaiError::argument(format!("features[{j}] ({}) step", f.name), s, "a finite step > 0"));
            }
            if !f.permits(row[j]) {
                return Err(XaiError::InfeasibleRow(format!(
                    "{} = {} is outside its permitted range [{}, {}]",
                    f.name, row[j], f.lower, f.upper
                )));
            }
        }
        for (k, c) in self.constraints.iter().enumerate() {
            if let Some(&(j, _)) = c.terms.iter().find(|(j, _)| *j >= n_features) {
                return Err(XaiError::argument(
                    format!("constraints[{k}] ({})", c.label),
                    j,
                    format!("columns below {n_features}"),
                ));
            }
            if !c.holds(row) {
                return Err(XaiError::InfeasibleRow(format!("the row breaks constraint `{}`", c.label)));
            }
        }
        let t = self.target;
        if t.lower.is_nan() || t.upper.is_nan() || t.lower > t.upper {
            return Err(XaiError::argument("target", format!("[{}, {}]", t.lower, t.upper), "lower <= upper"));
        }
        Ok(())
    }

    /// Whether `x` keeps every range (of features that differ from `row`), lattice and constraint.
    pub(crate) fn admits(&self, row: &[f64], x: &[f64]) -> bool {
        let features_ok = self.features.iter().zip(row.iter().zip(x)).all(|(f, (&a, &b))| {
            if a.to_bits() == b.to_bits() {
                return true;
            }
            f.mutable
                && f.permits(b)
                && f.step.is_none_or(|s| ((b - f.lower) / s - ((b - f.lower) / s).round()).abs() < 1e-9)
        });
        features_ok && self.constraints.iter().all(|c| c.holds(x))
    }
}
