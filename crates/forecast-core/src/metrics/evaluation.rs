//! Per-series metric sets and an aggregator over many series.

use super::point::{bias, mae, mape, mase, pinball_term, r2, rmse, rmsse, smape, wape};
use super::serde_nan;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The point metrics of one series (see the functions in [`crate::metrics`] for formulas).
/// NaN values serialise as JSON `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricSet {
    /// Pairs with an observed actual.
    pub n: usize,
    /// Root mean squared error.
    #[serde(with = "serde_nan")]
    pub rmse: f64,
    /// Mean absolute error.
    #[serde(with = "serde_nan")]
    pub mae: f64,
    /// Mean of prediction minus actual.
    #[serde(with = "serde_nan")]
    pub bias: f64,
    /// MAPE (fraction) over non-zero actuals.
    #[serde(with = "serde_nan")]
    pub mape: f64,
    /// Zero actuals excluded from the MAPE.
    pub mape_zeros_excluded: usize,
    /// Symmetric MAPE (fraction, 0..2).
    #[serde(with = "serde_nan")]
    pub smape: f64,
    /// Weighted absolute percentage error (fraction).
    #[serde(with = "serde_nan")]
    pub wape: f64,
    /// Mean absolute scaled error (NaN when the training scale is zero or undefined).
    #[serde(with = "serde_nan")]
    pub mase: f64,
    /// Root mean squared scaled error (NaN when the training scale is zero or undefined).
    #[serde(with = "serde_nan")]
    pub rmsse: f64,
    /// Coefficient of determination.
    #[serde(with = "serde_nan")]
    pub r2: f64,
}

impl MetricSet {
    /// All point metrics of one series; `train` gives the MASE scale (with `season`) and the
    /// RMSSE scale (one-step naive from the first sale, as in M5).
    /// Length mismatches give NaN metrics, as the free functions do.
    pub fn compute(actual: &[f64], pred: &[f64], train: &[f64], season: usize) -> Self {
        let (mape, mape_zeros_excluded) = mape(actual, pred);
        Self {
            n: if actual.len() == pred.len() { actual.iter().filter(|a| !a.is_nan()).count() } else { 0 },
            rmse: rmse(actual, pred),
            mae: mae(actual, pred),
            bias: bias(actual, pred),
            mape,
            mape_zeros_excluded,
            smape: smape(actual, pred),
            wape: wape(actual, pred),
            mase: mase(actual, pred, train, season),
            rmsse: rmsse(actual, pred, train),
            r2: r2(actual, pred),
        }
    }
}

/// Running sums of one quantile level's pinball loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct QuantileSums {
    alpha: f64,
    #[serde(with = "serde_nan")]
    loss: f64,
    n: usize,
}

/// Accumulates forecasts of many series (and windows) and summarises them.
///
/// Pooled over all points: WAPE `Σ|e| / Σ|a|`, RMSE, MAE, bias, MAPE, sMAPE, R², interval
/// coverage and pinball loss. Averaged over series: MASE and RMSSE (series whose training
/// scale is zero or undefined are left out and counted in
/// [`EvaluationSummary::series_without_scale`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    season: usize,
    n_series: usize,
    n_points: usize,
    #[serde(with = "serde_nan")]
    abs_error: f64,
    #[serde(with = "serde_nan")]
    sq_error: f64,
    #[serde(with = "serde_nan")]
    error: f64,
    #[serde(with = "serde_nan")]
    abs_actual: f64,
    #[serde(with = "serde_nan")]
    actual: f64,
    #[serde(with = "serde_nan")]
    sq_actual: f64,
    #[serde(with = "serde_nan")]
    ape: f64,
    n_ape: usize,
    zeros_excluded: usize,
    #[serde(with = "serde_nan")]
    sape: f64,
    #[serde(with = "serde_nan")]
    mase: f64,
    #[serde(with = "serde_nan")]
    rmsse: f64,
    n_scaled: usize,
    covered: usize,
    n_interval: usize,
    quantiles: Vec<QuantileSums>,
}

/// What an [`Evaluation`] found. NaN values serialise as JSON `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    /// Series added.
    pub n_series: usize,
    /// Points with an observed actual.
    pub n_points: usize,
    /// Pooled weighted absolute percentage error.
    #[serde(with = "serde_nan")]
    pub wape: f64,
    /// Pooled root mean squared error.
    #[serde(with = "serde_nan")]
    pub rmse: f64,
    /// Pooled mean absolute error.
    #[serde(with = "serde_nan")]
    pub mae: f64,
    /// Pooled mean of prediction minus actual.
    #[serde(with = "serde_nan")]
    pub bias: f64,
    /// Pooled MAPE over non-zero actuals.
    #[serde(with = "serde_nan")]
    pub mape: f64,
    /// Zero actuals excluded from the MAPE.
    pub mape_zeros_excluded: usize,
    /// Pooled sMAPE.
    #[serde(with = "serde_nan")]
    pub smape: f64,
    /// Pooled R² (against the pooled mean of the actuals).
    #[serde(with = "serde_nan")]
    pub r2: f64,
    /// Mean MASE over the series with a defined scale.
    #[serde(with = "serde_nan")]
    pub mase: f64,
    /// Mean RMSSE over the series with a defined scale.
    #[serde(with = "serde_nan")]
    pub rmsse: f64,
    /// Series left out of the MASE/RMSSE means because their training scale was zero or undefined.
    pub series_without_scale: usize,
    /// Fraction of actuals inside the intervals added, NaN when none were added.
    #[serde(with = "serde_nan")]
    pub coverage: f64,
    /// Mean pinball loss per quantile level added, as `(alpha, loss)`, in the order first added.
    pub pinball: Vec<(f64, f64)>,
}

fn ratio(num: f64, den: usize) -> f64 {
    if den == 0 { f64::NAN } else { num / den as f64 }
}

fn check_len(context: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::ShapeMismatch { context, expected, got });
    }
    Ok(())
}

impl Evaluation {
    /// An empty evaluation; `season` is the seasonal period of the MASE scale.
    pub fn new(season: usize) -> Self {
        Self {
            season,
            n_series: 0,
            n_points: 0,
            abs_error: 0.0,
            sq_error: 0.0,
            error: 0.0,
            abs_actual: 0.0,
            actual: 0.0,
            sq_actual: 0.0,
            ape: 0.0,
            n_ape: 0,
            zeros_excluded: 0,
            sape: 0.0,
            mase: 0.0,
            rmsse: 0.0,
            n_scaled: 0,
            covered: 0,
            n_interval: 0,
            quantiles: Vec::new(),
        }
    }

    /// Add the forecast of one series (or one series in one backtest window), with the
    /// training part that sets its MASE/RMSSE scale. Returns that series' own metrics.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `actual` and `pred` differ in length.
    pub fn add(&mut self, actual: &[f64], pred: &[f64], train: &[f64]) -> Result<MetricSet> {
        check_len("Evaluation::add: pred vs actual", actual.len(), pred.len())?;
        let set = MetricSet::compute(actual, pred, train, self.season);
        self.n_series += 1;
        for (&a, &p) in actual.iter().zip(pred).filter(|(a, _)| !a.is_nan()) {
            let e = p - a;
            self.n_points += 1;
            self.abs_error += e.abs();
            self.sq_error += e * e;
            self.error += e;
            self.abs_actual += a.abs();
            self.actual += a;
            self.sq_actual += a * a;
            let d = a.abs() + p.abs();
            self.sape += if d == 0.0 { 0.0 } else { 2.0 * e.abs() / d };
            if a == 0.0 {
                self.zeros_excluded += 1;
            } else {
                self.ape += e.abs() / a.abs();
                self.n_ape += 1;
            }
        }
        if set.mase.is_finite() && set.rmsse.is_finite() {
            self.mase += set.mase;
            self.rmsse += set.rmsse;
            self.n_scaled += 1;
        }
        Ok(set)
    }

    /// Add prediction intervals for the actuals of one series (for coverage).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the lengths differ.
    pub fn add_interval(&mut self, actual: &[f64], lower: &[f64], upper: &[f64]) -> Result<()> {
        check_len("Evaluation::add_interval: lower vs actual", actual.len(), lower.len())?;
        check_len("Evaluation::add_interval: upper vs actual", actual.len(), upper.len())?;
        for ((&a, &l), &u) in actual.iter().zip(lower).zip(upper).filter(|((a, _), _)| !a.is_nan()) {
            self.covered += usize::from(l <= a && a <= u);
            self.n_interval += 1;
        }
        Ok(())
    }

    /// Add an `alpha` quantile forecast for the actuals of one series (for the pinball loss).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the lengths differ; [`Error::InvalidParam`] for an
    /// `alpha` outside `[0, 1]`.
    pub fn add_quantile(&mut self, actual: &[f64], q_pred: &[f64], alpha: f64) -> Result<()> {
        check_len("Evaluation::add_quantile: q_pred vs actual", actual.len(), q_pred.len())?;
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::InvalidParam { name: "alpha", value: alpha.to_string(), expected: "in [0, 1]" });
        }
        let idx = match self.quantiles.iter().position(|q| q.alpha == alpha) {
            Some(i) => i,
            None => {
                self.quantiles.push(QuantileSums { alpha, loss: 0.0, n: 0 });
                self.quantiles.len() - 1
            }
        };
        let sums = &mut self.quantiles[idx];
        for (&a, &q) in actual.iter().zip(q_pred).filter(|(a, _)| !a.is_nan()) {
            sums.loss += pinball_term(a, q, alpha);
            sums.n += 1;
        }
        Ok(())
    }

    /// The pooled and averaged metrics so far.
    pub fn summary(&self) -> EvaluationSummary {
        let n = self.n_points;
        let mean = ratio(self.actual, n);
        let ss_tot = self.sq_actual - n as f64 * mean * mean;
        EvaluationSummary {
            n_series: self.n_series,
            n_points: n,
            wape: if self.abs_actual > 0.0 { self.abs_error / self.abs_actual } else { f64::NAN },
            rmse: ratio(self.sq_error, n).sqrt(),
            mae: ratio(self.abs_error, n),
            bias: ratio(self.error, n),
            mape: ratio(self.ape, self.n_ape),
            mape_zeros_excluded: self.zeros_excluded,
            smape: ratio(self.sape, n),
            r2: if ss_tot > 0.0 { 1.0 - self.sq_error / ss_tot } else { f64::NAN },
            mase: ratio(self.mase, self.n_scaled),
            rmsse: ratio(self.rmsse, self.n_scaled),
            series_without_scale: self.n_series - self.n_scaled,
            coverage: ratio(self.covered as f64, self.n_interval),
            pinball: self.quantiles.iter().map(|q| (q.alpha, ratio(q.loss, q.n))).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn pooled_and_averaged_by_hand() {
        let mut ev = Evaluation::new(1);
        // Series 1: a = [1, 3], p = [2, 3], train [1, 2, 3] (scale |diffs| = 1, squared 1).
        let s1 = ev.add(&[1.0, 3.0], &[2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!((s1.mase, s1.rmsse, s1.n), (0.5, 0.5f64.sqrt(), 2));
        // Series 2: a = [0, NaN, 4], p = [1, 9, 2], constant train -> no scale.
        let s2 = ev.add(&[0.0, NAN, 4.0], &[1.0, 9.0, 2.0], &[5.0, 5.0]).unwrap();
        assert!(s2.mase.is_nan());
        let s = ev.summary();
        // Pooled errors e = [1, 0, 1, -2]: |e| sum 4, e² sum 6, e sum 0; |a| sum 8.
        assert_eq!((s.n_series, s.n_points), (2, 4));
        assert_eq!(s.wape, 0.5);
        assert_eq!(s.rmse, 1.5f64.sqrt());
        assert_eq!((s.mae, s.bias), (1.0, 0.0));
        // APE over non-zero actuals 1, 3, 4: (1 + 0 + 0.5) / 3; one zero excluded.
        assert_eq!((s.mape, s.mape_zeros_excluded), (0.5, 1));
        // sMAPE terms 2/3, 0, 2, 4/6 -> (2/3 + 2 + 2/3) / 4 = 5/6.
        assert!((s.smape - 5.0 / 6.0).abs() < 1e-12);
        // Actuals [1, 3, 0, 4]: mean 2, SS_tot = 1 + 1 + 4 + 4 = 10; R² = 1 - 6/10.
        assert!((s.r2 - 0.4).abs() < 1e-12);
        assert_eq!((s.mase, s.series_without_scale), (0.5, 1));
        assert!(s.coverage.is_nan());
    }

    #[test]
    fn coverage_pinball_and_json() {
        let mut ev = Evaluation::new(7);
        ev.add_interval(&[1.0, 5.0, NAN, 3.0], &[0.0, 0.0, 0.0, 3.0], &[2.0, 4.0, 0.0, 3.0]).unwrap();
        ev.add_quantile(&[1.0, 5.0], &[2.0, 2.0], 0.8).unwrap();
        // Pinball 0.8: a - q = -1 -> 0.2; a - q = 3 -> 2.4; mean 1.3.
        let s = ev.summary();
        assert_eq!(s.coverage, 2.0 / 3.0);
        assert_eq!(s.pinball.len(), 1);
        assert!((s.pinball[0].1 - 1.3).abs() < 1e-12);
        assert!(ev.add_quantile(&[1.0], &[1.0], 1.2).is_err());
        assert!(ev.add(&[1.0], &[1.0, 2.0], &[]).is_err());
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"wape\":null"), "{json}");
        let back: EvaluationSummary = serde_json::from_str(&json).unwrap();
        assert!(back.wape.is_nan());
        assert_eq!(back.coverage, s.coverage);
        let ev_back: Evaluation = serde_json::from_str(&serde_json::to_string(&ev).unwrap()).unwrap();
        assert_eq!(ev_back.summary().pinball, s.pinball);
    }
}
