//! One detector per series over a stream of events, raising alerts with evidence.

use super::SeriesStates;
use crate::alert::{Alert, Evidence, EvidenceWindow, Labels, Severity};
use crate::detect::{Detector, DetectorSpec, Expectation, LearnPolicy, Verdict};
use crate::source::Event;
use crate::{RealtimeError, Result};
use chrono::{DateTime, Utc};
use forecast_core::SeriesKey;
use std::sync::Arc;

/// Parameters of [`Monitor`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `detector` | `zscore` | the detector each series gets, on the event's value | any [`DetectorSpec`] but `residual` |
/// | `policy` | [`LearnPolicy::All`] | whether flagged points are learned | - |
/// | `seed` | 0 | base of each series' seed | any `u64` |
/// | `severity` | warning | severity of the alerts raised | - |
/// | `alertname` | `anomaly` | the `alertname` label | non-empty |
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorParams {
    /// Detector per series.
    pub detector: DetectorSpec,
    /// Learning policy.
    pub policy: LearnPolicy,
    /// Base seed.
    pub seed: u64,
    /// Alert severity.
    pub severity: Severity,
    /// Alert name.
    pub alertname: String,
}

impl Default for MonitorParams {
    fn default() -> Self {
        Self {
            detector: DetectorSpec::ZScore(Default::default()),
            policy: LearnPolicy::All,
            seed: 0,
            severity: Severity::Warning,
            alertname: "anomaly".into(),
        }
    }
}

/// One event's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The event's sequence number.
    pub seq: u64,
    /// Its series.
    pub key: Arc<SeriesKey>,
    /// Its period.
    pub timestamp: DateTime<Utc>,
    /// The detector's verdict.
    pub verdict: Verdict,
    /// What the detector expected before the event.
    pub expectation: Expectation,
    /// The alert, when the event was flagged.
    pub alert: Option<Alert>,
}

#[derive(Debug)]
struct SeriesMonitor {
    detector: Box<dyn Detector>,
    first_seen: DateTime<Utc>,
}

/// Runs a fresh detector per series over events (their `value`), and turns flagged events into
/// alerts labelled `alertname`, `detector` and the panel's key columns (e.g. `store`, `item`),
/// with the evidence: value, expected value, accepted interval, score, threshold and window.
#[derive(Debug)]
pub struct Monitor {
    params: MonitorParams,
    key_names: Vec<String>,
    states: SeriesStates<SeriesMonitor>,
}

impl Monitor {
    /// A monitor for series keyed by `key_names` (the panel's, e.g. `["store", "item"]`).
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for the residual detector or an empty `alertname`.
    pub fn new(params: MonitorParams, key_names: Vec<String>) -> Result<Self> {
        if matches!(params.detector, DetectorSpec::Residual(_)) {
            return Err(RealtimeError::param(
                "detector",
                "residual",
                "a detector of the value alone (the residual detector needs the forecast: the scoring engine feeds it)",
            ));
        }
        if params.alertname.is_empty() {
            return Err(RealtimeError::param("alertname", "", "a non-empty name"));
        }
        let seed = params.seed;
        Ok(Self { params, key_names, states: SeriesStates::new(seed) })
    }

    /// Score an event against its series' detector, learn per the policy, and build the alert.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidInput`] for a non-finite value or a key whose length differs
    /// from the key names; the series' state is then unchanged.
    pub fn observe(&mut self, event: &Event) -> Result<Observation> {
        if event.key.0.len() != self.key_names.len() {
            return Err(RealtimeError::input(
                "monitor",
                format!("event {} key", event.seq),
                format!(
                    "{} has {} parts, expected {} ({})",
                    event.key,
                    event.key.0.len(),
                    self.key_names.len(),
                    self.key_names.join(", ")
                ),
            ));
        }
        let spec = &self.params.detector;
        let state = self.states.get_or_try_insert(&event.key, |seed| {
            Ok::<_, RealtimeError>(SeriesMonitor { detector: spec.build(1, seed)?, first_seen: event.timestamp })
        })?;
        let expectation = state.detector.expectation();
        let verdict = state.detector.observe(&[event.value], self.params.policy)?;
        let alert = verdict.flagged.then(|| {
            let mut labels = Labels::from_pairs(self.key_names.iter().cloned().zip(event.key.0.iter().cloned()));
            labels.insert("alertname", self.params.alertname.clone());
            labels.insert("detector", state.detector.name());
            Alert::new(labels, self.params.severity, event.timestamp).with_evidence(Evidence {
                value: event.value,
                expected: expectation.expected,
                interval: expectation.interval,
                detector: state.detector.name().into(),
                score: verdict.score,
                threshold: state.detector.threshold(),
                window: EvidenceWindow {
                    start: Some(state.first_seen),
                    end: event.timestamp,
                    points: expectation.window,
                },
            })
        });
        Ok(Observation {
            seq: event.seq,
            key: event.key.clone(),
            timestamp: event.timestamp,
            verdict,
            expectation,
            alert,
        })
    }

    /// Series seen so far.
    pub fn n_series(&self) -> usize {
        self.states.len()
    }
}
