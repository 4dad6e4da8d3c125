//! Alerts as Prometheus' Alertmanager handles them: labelled alerts, routed and grouped by
//! labels, notified after `group_wait`, then at most every `group_interval` when the group
//! changed, or every `repeat_interval` when it did not; muted by inhibition rules and silences;
//! delivered to sinks. Time comes only from the [`Clock`](forecast_core::Clock): nothing sleeps,
//! [`AlertManager::tick`] does what is due.

mod manager;
mod matcher;
mod route;
mod silence;
mod sink;

pub use manager::{AlertManager, TickReport};
pub use matcher::{MatchOp, Matcher};
pub use route::{InhibitRule, Route};
pub use silence::{Silence, SilenceId};
pub use sink::{AlertSink, CallbackSink, ChannelSink, LogSink};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// An alert's identity: its label set (Alertmanager's fingerprint).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Labels(pub BTreeMap<String, String>);

impl Labels {
    /// Labels from `(name, value)` pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// A label's value; a missing label reads as "" (as in Alertmanager's matchers).
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// Set a label.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v:?}")?;
        }
        f.write_str("}")
    }
}

/// How urgent an alert is; also set as the `severity` label, so routes, silences and
/// inhibition rules can match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For the record.
    Info,
    /// Look at it today.
    Warning,
    /// Act now.
    Critical,
}

impl Severity {
    /// `info`, `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// The points a detector's expectation rested on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EvidenceWindow {
    /// The first period of the window, when known.
    pub start: Option<DateTime<Utc>>,
    /// The period that was flagged.
    pub end: DateTime<Utc>,
    /// Points in the window.
    pub points: usize,
}

/// Why an alert fired: what was seen, what was expected, and who said so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The observed value.
    pub value: f64,
    /// What the detector expected (mean, median, forecast), if it has a point expectation.
    pub expected: Option<f64>,
    /// The range the detector would have accepted, if it has one.
    pub interval: Option<(f64, f64)>,
    /// The detector's name.
    pub detector: String,
    /// Its score.
    pub score: f64,
    /// The score above which it flags.
    pub threshold: f64,
    /// The data behind the expectation.
    pub window: EvidenceWindow,
}

impl Evidence {
    /// The side of the value against the expected value, for a detector that flags with a side
    /// ([`crate::detect::is_directional`]: for the residual detector the side of the interval the
    /// actual fell out of); `None` for the others, or without an expected value.
    pub fn direction(&self) -> Option<crate::detect::Direction> {
        if !crate::detect::is_directional(&self.detector) {
            return None;
        }
        crate::detect::Direction::of(self.value, self.expected?)
    }
}

/// One alert, as a source fires it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Identity and routing labels (`alertname`, `store`, `item`, `detector`, `severity`, `direction`, ...).
    pub labels: Labels,
    /// Free text for people (`summary`, `runbook`), not part of the identity.
    pub annotations: BTreeMap<String, String>,
    /// Urgency.
    pub severity: Severity,
    /// What the detector saw.
    pub evidence: Option<Evidence>,
    /// When the condition started.
    pub starts_at: DateTime<Utc>,
    /// When it ends; `None` lets the manager end it `resolve_timeout` after the last firing.
    pub ends_at: Option<DateTime<Utc>>,
}

impl Alert {
    /// An alert with these labels and severity (also set as the `severity` label), starting at `starts_at`.
    pub fn new(labels: Labels, severity: Severity, starts_at: DateTime<Utc>) -> Self {
        let mut labels = labels;
        labels.insert("severity", severity.as_str());
        Self { labels, annotations: BTreeMap::new(), severity, evidence: None, starts_at, ends_at: None }
    }

    /// Attach the detector's evidence, and label the alert with its side,
    /// `direction="above"` or `direction="below"`, when it has one ([`Evidence::direction`]).
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        if let Some(direction) = evidence.direction() {
            self.labels.insert("direction", direction.name());
        }
        self.evidence = Some(evidence);
        self
    }

    /// The side of the alert's value, from its `direction` label.
    pub fn direction(&self) -> Option<crate::detect::Direction> {
        crate::detect::Direction::from_name(self.labels.get("direction"))
    }

    /// Add an annotation.
    pub fn with_annotation(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.annotations.insert(name.into(), value.into());
        self
    }
}

/// One message to a receiver about one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The receiver (sink) it goes to.
    pub receiver: String,
    /// The group's key: route name and group labels.
    pub group_key: String,
    /// The labels the group is formed by.
    pub group_labels: Labels,
    /// Firing, unmuted alerts of the group.
    pub firing: Vec<Alert>,
    /// Alerts resolved since the last notification (when the route sends resolved ones).
    pub resolved: Vec<Alert>,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}
