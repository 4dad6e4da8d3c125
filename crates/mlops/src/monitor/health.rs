//! The `HealthReport`: drift, prediction drift, train-versus-production metrics and
//! performance decay on delayed actuals, with one verdict.

use super::drift::{DriftOptions, FeatureDrift, FeatureKind, PsiLevel, feature_drift};
use crate::error::{MlopsError, Result};
use chrono::{DateTime, Utc};
use forecast_core::Clock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The overall state of a model in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing moved beyond its threshold.
    Healthy,
    /// Some features drifted or PSI shows a moderate shift; watch it.
    Warning,
    /// The data set or the predictions drifted, or accuracy fell beyond tolerance: retrain or roll back.
    Degraded,
}

/// One metric measured at training time and in production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    /// Metric name.
    pub metric: String,
    /// Value at training (backtest).
    pub train: f64,
    /// Value in production.
    pub production: f64,
    /// `production - train`.
    pub delta: f64,
    /// `delta / |train|` (None when train is 0).
    pub relative_delta: Option<f64>,
    /// Whether larger values are better (r2, coverage) instead of smaller.
    pub higher_is_better: bool,
    /// Worse than training by more than the tolerance.
    pub degraded: bool,
}

/// Rolling accuracy on delayed actuals against the training backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecayReport {
    /// Window length in periods.
    pub window: usize,
    /// WAPE of each full window, oldest first.
    pub rolling_wape: Vec<f64>,
    /// MASE of each full window, oldest first (empty without a scale).
    pub rolling_mase: Vec<f64>,
    /// The backtest WAPE the rolling values are held against.
    pub baseline_wape: f64,
    /// The backtest MASE, if given.
    pub baseline_mase: Option<f64>,
    /// Allowed relative worsening (0.2 = 20 %).
    pub tolerance: f64,
    /// The latest window is worse than baseline x (1 + tolerance) in WAPE or MASE.
    pub decayed: bool,
}

/// Delayed actuals and the predictions made for them, in time order.
#[derive(Debug, Clone, Copy)]
pub struct DecayInput<'a> {
    /// Observed values (NaN = not yet known, skipped).
    pub actual: &'a [f64],
    /// Predictions for the same periods.
    pub predicted: &'a [f64],
    /// Rolling window in periods.
    pub window: usize,
    /// The training backtest's WAPE.
    pub baseline_wape: f64,
    /// The training backtest's MASE and the in-sample seasonal-naive MAE that scales it.
    pub mase: Option<(f64, f64)>,
    /// Allowed relative worsening.
    pub tolerance: f64,
}

/// Everything measured about one model, serialisable to JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The model checked, e.g. `demand@champion`.
    pub model: String,
    /// When the report was made (from the `Clock`).
    pub generated_at: DateTime<Utc>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is not `Healthy`, one line each.
    pub reasons: Vec<String>,
    /// Per-feature drift.
    pub features: Vec<FeatureDrift>,
    /// Share of features that drifted.
    pub drifted_share: f64,
    /// At least `drift_share` of the features drifted.
    pub dataset_drift: bool,
    /// Drift of the model's predictions.
    pub prediction_drift: Option<FeatureDrift>,
    /// Train-versus-production metrics.
    pub metrics: Vec<MetricComparison>,
    /// Performance decay on delayed actuals.
    pub decay: Option<DecayReport>,
}

impl HealthReport {
    /// The report as pretty JSON.
    ///
    /// # Errors
    /// When a value cannot be written (non-finite numbers are written as `null`).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| forecast_core::Error::Serde { format: "json", message: e.to_string() }.into())
    }
}

/// Collects samples and metrics, then builds a [`HealthReport`].
#[derive(Debug, Clone)]
pub struct HealthCheck<'a> {
    model: String,
    options: DriftOptions,
    metric_tolerance: f64,
    features: Vec<(String, FeatureKind, &'a [f64], &'a [f64])>,
    predictions: Option<(&'a [f64], &'a [f64])>,
    metrics: Option<(&'a Metrics, &'a Metrics)>,
    decay: Option<DecayInput<'a>>,
}

/// Named metric values.
type Metrics = BTreeMap<String, f64>;

/// Metrics where a larger value is better; every other metric is an error measure.
const HIGHER_IS_BETTER: &[&str] = &["r2", "coverage", "accuracy"];

impl<'a> HealthCheck<'a> {
    /// A check of `model` with Evidently's default thresholds and a 10 % metric tolerance.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            options: DriftOptions::default(),
            metric_tolerance: 0.1,
            features: Vec::new(),
            predictions: None,
            metrics: None,
            decay: None,
        }
    }

    /// Use other drift thresholds.
    pub fn options(mut self, options: DriftOptions) -> Self {
        self.options = options;
        self
    }

    /// Allowed relative worsening of a production metric against training (default 0.1).
    pub fn metric_tolerance(mut self, tolerance: f64) -> Self {
        self.metric_tolerance = tolerance;
        self
    }

    /// Add one feature's reference (training) and current (production) values.
    pub fn feature(
        mut self,
        name: impl Into<String>,
        kind: FeatureKind,
        reference: &'a [f64],
        current: &'a [f64],
    ) -> Self {
        self.features.push((name.into(), kind, reference, current));
        self
    }

    /// Add the predictions on the reference and on the current data.
    pub fn predictions(mut self, reference: &'a [f64], current: &'a [f64]) -> Self {
        self.predictions = Some((reference, current));
        self
    }

    /// Compare metrics measured at training with the same metrics in production.
    pub fn metrics(mut self, train: &'a BTreeMap<String, f64>, production: &'a BTreeMap<String, f64>) -> Self {
        self.metrics = Some((train, production));
        self
    }

    /// Check accuracy on delayed actuals.
    pub fn decay(mut self, input: DecayInput<'a>) -> Self {
        self.decay = Some(input);
        self
    }

    /// Run every check and decide the verdict.
    ///
    /// # Errors
    /// Empty samples, mismatched lengths, a window of zero.
    pub fn run(&self, clock: &dyn Clock) -> Result<HealthReport> {
        let o = &self.options;
        let features = self
            .features
            .iter()
            .map(|(name, kind, r, c)| feature_drift(name, *kind, r, c, o))
            .collect::<Result<Vec<_>>>()?;
        let n_drifted = features.iter().filter(|f| f.drifted).count();
        let drifted_share = if features.is_empty() { 0.0 } else { n_drifted as f64 / features.len() as f64 };
        let dataset_drift = !features.is_empty() && drifted_share >= o.drift_share;
        let prediction_drift =
            self.predictions.map(|(r, c)| feature_drift("prediction", FeatureKind::Numerical, r, c, o)).transpose()?;
        let metrics = self.metrics.map(|(t, p)| compare_metrics(t, p, self.metric_tolerance)).unwrap_or_default();
        let decay = self.decay.map(decay_report).transpose()?;

        let mut degraded = Vec::new();
        let mut warnings = Vec::new();
        if dataset_drift {
            degraded.push(format!("data set drift: {n_drifted} of {} features drifted", features.len()));
        }
        for f in features.iter().filter(|f| f.drifted) {
            warnings.push(format!("feature `{}` drifted ({:?} score {:.4})", f.feature, f.method, f.score));
        }
        for f in features.iter().filter(|f| !f.drifted && f.psi_level > PsiLevel::Stable) {
            warnings.push(format!("feature `{}` PSI {:.4} ({:?})", f.feature, f.psi, f.psi_level));
        }
        if let Some(p) = prediction_drift.as_ref().filter(|p| p.drifted) {
            degraded.push(format!("prediction drift ({:?} score {:.4})", p.method, p.score));
        }
        for m in metrics.iter().filter(|m| m.degraded) {
            degraded
                .push(format!("metric `{}` {:.4} in production vs {:.4} at training", m.metric, m.production, m.train));
        }
        if let Some(d) = decay.as_ref().filter(|d| d.decayed) {
            degraded.push(format!(
                "accuracy decayed: rolling WAPE {:.4} vs backtest {:.4} (+{:.0}% tolerance)",
                d.rolling_wape.last().copied().unwrap_or(f64::NAN),
                d.baseline_wape,
                d.tolerance * 100.0
            ));
        }
        let verdict = if !degraded.is_empty() {
            Verdict::Degraded
        } else if !warnings.is_empty() {
            Verdict::Warning
        } else {
            Verdict::Healthy
        };
        Ok(HealthReport {
            model: self.model.clone(),
            generated_at: clock.now(),
            verdict,
            reasons: degraded.into_iter().chain(warnings).collect(),
            features,
            drifted_share,
            dataset_drift,
            prediction_drift,
            metrics,
            decay,
        })
    }
}

/// Compare the metrics present in both maps.
pub fn compare_metrics(
    train: &BTreeMap<String, f64>,
    production: &BTreeMap<String, f64>,
    tolerance: f64,
) -> Vec<MetricComparison> {
    train
        .iter()
        .filter_map(|(k, t)| production.get(k).map(|p| (k, *t, *p)))
        .map(|(k, t, p)| {
            let higher_is_better = HIGHER_IS_BETTER.contains(&k.to_ascii_lowercase().as_str());
            let delta = p - t;
            let relative_delta = (t != 0.0).then(|| delta / t.abs());
            let worsening = if higher_is_better { -delta } else { delta };
            let degraded = worsening > tolerance * t.abs();
            MetricComparison {
                metric: k.clone(),
                train: t,
                production: p,
                delta,
                relative_delta,
                higher_is_better,
                degraded,
            }
        })
        .collect()
}

fn decay_report(input: DecayInput<'_>) -> Result<DecayReport> {
    if input.actual.len() != input.predicted.len() || input.window == 0 {
        return Err(MlopsError::InvalidInput(format!(
            "decay needs equal-length actuals and predictions and a window from 1, got {} actuals, {} predictions, window {}",
            input.actual.len(),
            input.predicted.len(),
            input.window
        )));
    }
    let pairs: Vec<(f64, f64)> = input
        .actual
        .iter()
        .zip(input.predicted)
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .map(|(a, p)| (*a, *p))
        .collect();
    let windows: Vec<&[(f64, f64)]> = pairs.windows(input.window).collect();
    let rolling_wape: Vec<f64> = windows
        .iter()
        .map(|w| {
            let abs_err: f64 = w.iter().map(|(a, p)| (a - p).abs()).sum();
            abs_err / w.iter().map(|(a, _)| a.abs()).sum::<f64>()
        })
        .collect();
    let rolling_mase: Vec<f64> = match input.mase {
        Some((_, scale)) => {
            windows.iter().map(|w| w.iter().map(|(a, p)| (a - p).abs()).sum::<f64>() / w.len() as f64 / scale).collect()
        }
        None => Vec::new(),
    };
    let worse = |latest: Option<&f64>, base: f64| latest.is_some_and(|v| *v > base * (1.0 + input.tolerance));
    let decayed = worse(rolling_wape.last(), input.baseline_wape)
        || input.mase.is_some_and(|(base, _)| worse(rolling_mase.last(), base));
    Ok(DecayReport {
        window: input.window,
        rolling_wape,
        rolling_mase,
        baseline_wape: input.baseline_wape,
        baseline_mase: input.mase.map(|(b, _)| b),
        tolerance: input.tolerance,
        decayed,
    })
}
