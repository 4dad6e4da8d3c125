//! Forecast-residual detector: an actual against the model's own interval.

use super::{Detector, Expectation};
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Parameters of [`ResidualDetector`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `level` | 0.99 | the central interval taken from the forecast's quantiles: `(1 - level)/2` to `(1 + level)/2` | (0, 1) |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResidualParams {
    /// Nominal coverage of the interval.
    pub level: f64,
}

impl Default for ResidualParams {
    fn default() -> Self {
        Self { level: 0.99 }
    }
}

/// Input `[actual, point, lower, upper]`: the observed value and the forecast made for it (point
/// and the `level` interval from the model's quantiles, see [`ResidualDetector::input`]).
///
/// `score = (actual - point) / (upper - point)` above the point forecast and
/// `(point - actual) / (point - lower)` below it (with `1e-10` added to the half-width), so the
/// score exceeds 1 exactly when the actual is outside the interval, and says by how many
/// half-widths. Stateless: it learns nothing (pair it with [`super::Adwin`] on the residuals to
/// see the model drift).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResidualDetector {
    params: ResidualParams,
    last: Option<(f64, f64, f64)>,
}

impl ResidualDetector {
    /// A detector for intervals of this level.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a level outside (0, 1).
    pub fn new(params: ResidualParams) -> Result<Self> {
        if !(params.level > 0.0 && params.level < 1.0) {
            return Err(RealtimeError::param("level", params.level, "a number in (0, 1)"));
        }
        Ok(Self { params, last: None })
    }

    /// The detector's input from an actual, the point forecast and the forecast's quantiles
    /// `(q, value)`: it picks the `(1 - level)/2` and `(1 + level)/2` quantiles.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidInput`] when either quantile is missing (the message lists those
    /// given) or the interval does not contain the point forecast.
    pub fn input(&self, actual: f64, point: f64, quantiles: &[(f64, f64)]) -> Result<[f64; 4]> {
        let find = |q: f64| quantiles.iter().find(|(p, _)| (p - q).abs() < 1e-9).map(|&(_, v)| v);
        let (lo_q, hi_q) = ((1.0 - self.params.level) / 2.0, (1.0 + self.params.level) / 2.0);
        let given = || quantiles.iter().map(|(q, _)| q.to_string()).collect::<Vec<_>>().join(", ");
        let lower = find(lo_q).ok_or_else(|| {
            RealtimeError::input("residual", "quantiles", format!("no {lo_q} quantile; given: {}", given()))
        })?;
        let upper = find(hi_q).ok_or_else(|| {
            RealtimeError::input("residual", "quantiles", format!("no {hi_q} quantile; given: {}", given()))
        })?;
        let x = [actual, point, lower, upper];
        check_interval(&x)?;
        Ok(x)
    }
}

fn check_interval(x: &[f64]) -> Result<()> {
    if !(x[2] <= x[1] && x[1] <= x[3]) {
        return Err(RealtimeError::input(
            "residual",
            "interval",
            format!("lower {} <= point {} <= upper {} does not hold", x[2], x[1], x[3]),
        ));
    }
    Ok(())
}

impl Detector for ResidualDetector {
    fn name(&self) -> &'static str {
        "residual"
    }

    fn n_inputs(&self) -> usize {
        4
    }

    fn score(&self, x: &[f64]) -> f64 {
        let (actual, point, lower, upper) = (x[0], x[1], x[2], x[3]);
        if actual >= point {
            (actual - point) / ((upper - point).max(0.0) + super::EPSILON)
        } else {
            (point - actual) / ((point - lower).max(0.0) + super::EPSILON)
        }
    }

    fn learn(&mut self, x: &[f64]) {
        self.last = Some((x[1], x[2], x[3]));
    }

    fn threshold(&self) -> f64 {
        1.0
    }

    fn expectation(&self) -> Expectation {
        Expectation {
            expected: self.last.map(|l| l.0),
            interval: self.last.map(|l| (l.1, l.2)),
            window: usize::from(self.last.is_some()),
        }
    }

    fn observe(&mut self, x: &[f64], policy: super::LearnPolicy) -> Result<super::Verdict> {
        super::check_input(self.name(), self.n_inputs(), x)?;
        check_interval(x)?;
        let score = self.score(x);
        let flagged = score > self.threshold();
        let learned = !(flagged && policy == super::LearnPolicy::SkipFlagged);
        self.learn(x);
        Ok(super::Verdict { score, flagged, learned })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::LearnPolicy;

    #[test]
    fn outside_the_interval_scores_above_one() {
        let mut d = ResidualDetector::new(ResidualParams::default()).unwrap();
        let q = [(0.005, 4.0), (0.5, 10.0), (0.995, 20.0)];
        let inside = d.input(18.0, 10.0, &q).unwrap();
        assert!((d.observe(&inside, LearnPolicy::All).unwrap().score - 0.8).abs() < 1e-9);
        let above = d.input(25.0, 10.0, &q).unwrap();
        let v = d.observe(&above, LearnPolicy::All).unwrap();
        assert!((v.score - 1.5).abs() < 1e-9 && v.flagged);
        let below = d.input(1.0, 10.0, &q).unwrap();
        assert!((d.score(&below) - 1.5).abs() < 1e-9);
        assert!(d.input(1.0, 10.0, &[(0.025, 1.0), (0.975, 12.0)]).is_err());
        assert!(d.observe(&[1.0, 10.0, 12.0, 20.0], LearnPolicy::All).is_err());
    }
}
