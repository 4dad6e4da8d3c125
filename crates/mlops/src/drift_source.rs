//! forecast-core's [`DriftSource`] port implemented by the health check: a [`HealthReport`]
//! becomes a plain [`DriftReport`], and [`HealthDriftSource`] serves the newest one per model
//! to whoever consumes the port (forecast-retrain's drift trigger).

use crate::monitor::{HealthReport, Verdict};
use forecast_core::{DriftReport, DriftSignal, DriftSource};
use std::collections::BTreeMap;
use std::sync::Mutex;

impl From<&HealthReport> for DriftReport {
    fn from(h: &HealthReport) -> Self {
        let mut signals: Vec<DriftSignal> = h
            .features
            .iter()
            .chain(h.prediction_drift.iter())
            .map(|f| DriftSignal {
                name: f.feature.clone(),
                method: format!("{:?}", f.method).to_lowercase(),
                score: f.score,
                threshold: f.threshold,
                drifted: f.drifted,
            })
            .collect();
        if let Some(d) = &h.decay {
            signals.push(DriftSignal {
                name: "wape".into(),
                method: "decay".into(),
                score: d.rolling_wape.last().copied().unwrap_or(f64::NAN),
                threshold: d.baseline_wape * (1.0 + d.tolerance),
                drifted: d.decayed,
            });
        }
        Self {
            model: h.model.clone(),
            generated_at: h.generated_at,
            drifted: h.verdict == Verdict::Degraded,
            drifted_share: h.drifted_share,
            signals,
            reasons: h.reasons.clone(),
        }
    }
}

/// The newest health report of each model, served through the [`DriftSource`] port.
#[derive(Debug, Default)]
pub struct HealthDriftSource {
    latest: Mutex<BTreeMap<String, DriftReport>>,
}

impl HealthDriftSource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Publish a health report; it replaces an older report about the same model.
    pub fn publish(&self, report: &HealthReport) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.insert(report.model.clone(), DriftReport::from(report));
    }
}

impl DriftSource for HealthDriftSource {
    fn latest(&self, model: &str) -> forecast_core::Result<Option<DriftReport>> {
        Ok(self.latest.lock().unwrap_or_else(|e| e.into_inner()).get(model).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HealthCheck;
    use forecast_core::ManualClock;
    use forecast_core::clock::Clock;

    #[test]
    fn a_shifted_feature_reaches_the_port_as_drifted() {
        let clock = ManualClock::new(chrono::DateTime::UNIX_EPOCH);
        let reference: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
        let shifted: Vec<f64> = reference.iter().map(|v| v + 15.0).collect();
        let same = reference.clone();
        let drifted = HealthCheck::new("m@champion")
            .feature("price", crate::monitor::FeatureKind::Numerical, &reference, &shifted)
            .run(&clock)
            .unwrap();
        let source = HealthDriftSource::new();
        assert_eq!(source.latest("m@champion").unwrap(), None);
        source.publish(&drifted);
        let got = source.latest("m@champion").unwrap().unwrap();
        assert!(got.signals.iter().any(|s| s.name == "price" && s.drifted));
        assert_eq!(got.generated_at, clock.now());
        let healthy = HealthCheck::new("m@champion")
            .feature("price", crate::monitor::FeatureKind::Numerical, &reference, &same)
            .run(&clock)
            .unwrap();
        source.publish(&healthy);
        let got = source.latest("m@champion").unwrap().unwrap();
        assert!(!got.drifted && got.signals.iter().all(|s| !s.drifted));
    }
}
