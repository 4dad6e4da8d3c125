//! Routes (grouping and timing) and inhibition rules.

use super::matcher::all_match;
use super::{Labels, Matcher};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// Where matching alerts go and how they are grouped and timed (Alertmanager's route).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `name` | `default` | the route's name, part of group keys | non-empty |
/// | `receiver` | `default` | the sink notified | a registered sink |
/// | `matchers` | none (everything) | which alerts take this route; first matching route wins | any |
/// | `group_by` | `["alertname"]` | labels that form a group; `["..."]` groups by all labels | any |
/// | `group_wait` | 30 s | wait before a new group's first notification, to batch alerts | >= 0 |
/// | `group_interval` | 5 min | wait before notifying about changes to a group already notified | > 0 |
/// | `repeat_interval` | 4 h | resend an unchanged, still-firing group after this | > 0 |
/// | `send_resolved` | true | also notify alerts that resolved | - |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Route name.
    pub name: String,
    /// Receiver (sink) name.
    pub receiver: String,
    /// Which alerts take the route.
    pub matchers: Vec<Matcher>,
    /// Grouping labels.
    pub group_by: Vec<String>,
    /// First-notification delay.
    pub group_wait: TimeDelta,
    /// Delay between notifications of a changed group.
    pub group_interval: TimeDelta,
    /// Delay before re-sending an unchanged group.
    pub repeat_interval: TimeDelta,
    /// Notify resolved alerts too.
    pub send_resolved: bool,
}

impl Default for Route {
    fn default() -> Self {
        Self {
            name: "default".into(),
            receiver: "default".into(),
            matchers: vec![],
            group_by: vec!["alertname".into()],
            group_wait: TimeDelta::seconds(30),
            group_interval: TimeDelta::minutes(5),
            repeat_interval: TimeDelta::hours(4),
            send_resolved: true,
        }
    }
}

impl Route {
    /// The labels of `labels` this route groups by.
    pub(crate) fn group_labels(&self, labels: &Labels) -> Labels {
        if self.group_by.iter().any(|g| g == "...") {
            return labels.clone();
        }
        Labels(
            labels.0.iter().filter(|(k, _)| self.group_by.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    }

    pub(crate) fn takes(&self, labels: &Labels) -> bool {
        all_match(&self.matchers, labels)
    }
}

/// Mutes alerts matching `target` while an alert matching `source` fires with the same values
/// of the `equal` labels: e.g. a store-level outage (`source: alertname=store_outage`) mutes
/// that store's item-level anomalies (`target: alertname=anomaly`, `equal: [store]`).
/// As in Alertmanager, an alert that matches both sides is not muted by another that does too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InhibitRule {
    /// What the inhibiting alert matches.
    pub source: Vec<Matcher>,
    /// What the muted alerts match.
    pub target: Vec<Matcher>,
    /// Labels whose values must agree (missing on both sides counts as equal).
    pub equal: Vec<String>,
}

impl InhibitRule {
    /// Whether `source` (firing) mutes `target` under this rule.
    pub(crate) fn inhibits(&self, source: &Labels, target: &Labels) -> bool {
        if source == target || !all_match(&self.source, source) || !all_match(&self.target, target) {
            return false;
        }
        if all_match(&self.source, target) && all_match(&self.target, source) {
            return false;
        }
        self.equal.iter().all(|l| source.get(l) == target.get(l))
    }
}
