//! The alert manager: routing, grouping, timing, muting and delivery.

use super::{Alert, AlertSink, InhibitRule, Labels, Notification, Route, Silence, SilenceId};
use crate::{RealtimeError, Result};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::Clock;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// An alert held by a group.
#[derive(Debug, Clone)]
struct Held {
    alert: Alert,
    ends_at: DateTime<Utc>,
}

/// A group: the alerts of one route sharing the route's `group_by` label values.
#[derive(Debug)]
struct Group {
    alerts: BTreeMap<Labels, Held>,
    next_flush: DateTime<Utc>,
    has_flushed: bool,
}

/// What was last notified for a group (Alertmanager's notification log).
#[derive(Debug, Clone)]
struct Sent {
    firing: BTreeSet<Labels>,
    resolved: BTreeSet<Labels>,
    at: DateTime<Utc>,
}

/// What one [`AlertManager::tick`] did.
#[derive(Debug, Default)]
pub struct TickReport {
    /// Notifications delivered.
    pub delivered: usize,
    /// Deliveries that failed, by group key; those groups are retried at their next flush.
    pub failed: Vec<(String, RealtimeError)>,
}

/// Alertmanager's dispatcher, driven by the clock.
///
/// [`fire`](Self::fire) adds or refreshes an alert (its identity is its label set): the first
/// route whose matchers match takes it into the group of its `group_by` labels. A new group is
/// flushed `group_wait` later (at once if the alert started more than `group_wait` ago), then
/// every `group_interval`. A flush notifies the route's receiver when the group's unmuted firing
/// alerts are not all already notified, when alerts resolved since (with `send_resolved`), when
/// the last firing alert resolved, or when `repeat_interval` has passed since the last
/// notification; resolved alerts then leave the group. An alert is muted while a silence matches
/// it or an inhibition rule's source fires. Alerts without `ends_at` resolve `resolve_timeout`
/// (5 min) after they were last fired.
pub struct AlertManager {
    clock: Arc<dyn Clock>,
    routes: Vec<Route>,
    inhibit_rules: Vec<InhibitRule>,
    sinks: BTreeMap<String, Arc<dyn AlertSink>>,
    silences: BTreeMap<SilenceId, Silence>,
    next_silence: u64,
    groups: BTreeMap<(usize, Labels), Group>,
    log: BTreeMap<(usize, Labels), Sent>,
    resolve_timeout: TimeDelta,
}

impl fmt::Debug for AlertManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertManager")
            .field("routes", &self.routes)
            .field("inhibit_rules", &self.inhibit_rules)
            .field("receivers", &self.sinks.keys().collect::<Vec<_>>())
            .field("groups", &self.groups.len())
            .field("silences", &self.silences.len())
            .finish()
    }
}

impl AlertManager {
    /// A manager with `routes` tried in order (the last must match every alert, as Alertmanager's
    /// root route does), inhibition rules, and one sink per receiver name.
    ///
    /// # Errors
    /// [`RealtimeError::AlertConfig`] when there is no route, the last route has matchers, route
    /// names repeat or are empty, a receiver has no sink, `group_wait` is negative, or
    /// `group_interval` or `repeat_interval` is not positive.
    pub fn new(
        clock: Arc<dyn Clock>,
        routes: Vec<Route>,
        inhibit_rules: Vec<InhibitRule>,
        sinks: Vec<(String, Arc<dyn AlertSink>)>,
    ) -> Result<Self> {
        let config = |place: String, message: &str| RealtimeError::AlertConfig { place, message: message.into() };
        let sinks: BTreeMap<String, Arc<dyn AlertSink>> = sinks.into_iter().collect();
        let Some(last) = routes.last() else {
            return Err(config("routes".into(), "give at least one route; the last one takes every alert"));
        };
        if !last.matchers.is_empty() {
            return Err(config(format!("route `{}`", last.name), "the last route must have no matchers"));
        }
        let mut names = BTreeSet::new();
        for r in &routes {
            let place = format!("route `{}`", r.name);
            if r.name.is_empty() || !names.insert(r.name.as_str()) {
                return Err(config(place, "route names must be non-empty and unique"));
            }
            if !sinks.contains_key(&r.receiver) {
                return Err(config(place, "its receiver has no sink; register one under that name"));
            }
            if r.group_wait < TimeDelta::zero() {
                return Err(config(place, "group_wait must be >= 0"));
            }
            if r.group_interval <= TimeDelta::zero() || r.repeat_interval <= TimeDelta::zero() {
                return Err(config(place, "group_interval and repeat_interval must be > 0"));
            }
        }
        Ok(Self {
            clock,
            routes,
            inhibit_rules,
            sinks,
            silences: BTreeMap::new(),
            next_silence: 1,
            groups: BTreeMap::new(),
            log: BTreeMap::new(),
            resolve_timeout: TimeDelta::minutes(5),
        })
    }

    /// How long an alert without `ends_at` stays firing after it was last fired (default 5 min).
    pub fn with_resolve_timeout(mut self, timeout: TimeDelta) -> Self {
        self.resolve_timeout = timeout.max(TimeDelta::zero());
        self
    }

    /// Add or refresh an alert.
    ///
    /// # Errors
    /// [`RealtimeError::AlertConfig`] for an alert without labels or with an invalid label name.
    pub fn fire(&mut self, alert: Alert) -> Result<()> {
        if alert.labels.0.is_empty() {
            return Err(RealtimeError::AlertConfig { place: "alert".into(), message: "an alert needs labels".into() });
        }
        if let Some(name) =
            alert.labels.0.keys().find(|k| k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(RealtimeError::AlertConfig {
                place: format!("alert {}", alert.labels),
                message: format!("label name `{name}` must be letters, digits and _"),
            });
        }
        let now = self.clock.now();
        let ends_at = alert.ends_at.unwrap_or(now + self.resolve_timeout);
        let route = self.routes.iter().position(|r| r.takes(&alert.labels)).unwrap_or(self.routes.len() - 1);
        let group_wait = self.routes[route].group_wait;
        let key = (route, self.routes[route].group_labels(&alert.labels));
        let group = self.groups.entry(key).or_insert_with(|| Group {
            alerts: BTreeMap::new(),
            next_flush: now + group_wait,
            has_flushed: false,
        });
        if !group.has_flushed && alert.starts_at + group_wait < now {
            group.next_flush = group.next_flush.min(now);
        }
        let mut alert = alert;
        if let Some(held) = group.alerts.get(&alert.labels)
            && held.ends_at > now
        {
            alert.starts_at = alert.starts_at.min(held.alert.starts_at);
        }
        group.alerts.insert(alert.labels.clone(), Held { alert, ends_at });
        Ok(())
    }

    /// Resolve the alert with exactly these labels (its `severity` label included) now.
    /// Returns whether it was found firing.
    pub fn resolve(&mut self, labels: &Labels) -> bool {
        let now = self.clock.now();
        for group in self.groups.values_mut() {
            if let Some(held) = group.alerts.get_mut(labels)
                && held.ends_at > now
            {
                held.ends_at = now;
                held.alert.ends_at = Some(now);
                return true;
            }
        }
        false
    }

    /// Add a silence.
    ///
    /// # Errors
    /// [`RealtimeError::AlertConfig`] when it has no matcher or does not end after it starts.
    pub fn add_silence(&mut self, silence: Silence) -> Result<SilenceId> {
        if silence.matchers.is_empty() {
            return Err(RealtimeError::AlertConfig {
                place: "silence".into(),
                message: "a silence needs at least one matcher".into(),
            });
        }
        if silence.ends_at <= silence.starts_at {
            return Err(RealtimeError::AlertConfig {
                place: "silence".into(),
                message: format!("ends_at {} must be after starts_at {}", silence.ends_at, silence.starts_at),
            });
        }
        let id = SilenceId(self.next_silence);
        self.next_silence += 1;
        self.silences.insert(id, silence);
        Ok(id)
    }

    /// End a silence now.
    ///
    /// # Errors
    /// A core `NotFound` error when no such silence is active or pending.
    pub fn expire_silence(&mut self, id: SilenceId) -> Result<()> {
        let now = self.clock.now();
        match self.silences.get_mut(&id) {
            Some(s) if s.ends_at > now => {
                s.ends_at = now;
                s.starts_at = s.starts_at.min(now);
                Ok(())
            }
            _ => Err(forecast_core::Error::NotFound { what: "active silence", id: id.0.to_string() }.into()),
        }
    }

    /// Silences that have not ended.
    pub fn silences(&self) -> impl Iterator<Item = (SilenceId, &Silence)> {
        let now = self.clock.now();
        self.silences.iter().filter(move |(_, s)| s.ends_at > now).map(|(id, s)| (*id, s))
    }

    /// Groups currently held.
    pub fn n_groups(&self) -> usize {
        self.groups.len()
    }

    /// Whether `labels` are muted now (silenced, or inhibited by a firing alert).
    pub fn is_muted(&self, labels: &Labels) -> bool {
        let now = self.clock.now();
        self.is_muted_at(labels, now, &self.firing_labels(now))
    }

    fn firing_labels(&self, now: DateTime<Utc>) -> Vec<&Labels> {
        self.groups.values().flat_map(|g| g.alerts.iter()).filter(|(_, h)| h.ends_at > now).map(|(l, _)| l).collect()
    }

    fn is_muted_at(&self, labels: &Labels, now: DateTime<Utc>, firing: &[&Labels]) -> bool {
        self.silences.values().any(|s| s.mutes(labels, now))
            || self.inhibit_rules.iter().any(|rule| firing.iter().any(|src| rule.inhibits(src, labels)))
    }

    /// Flush every group that is due, notifying as Alertmanager would.
    pub fn tick(&mut self) -> TickReport {
        let now = self.clock.now();
        self.silences.retain(|_, s| s.ends_at > now);
        let due: Vec<(usize, Labels)> =
            self.groups.iter().filter(|(_, g)| g.next_flush <= now).map(|(k, _)| k.clone()).collect();
        let mut report = TickReport::default();
        for key in due {
            match self.flush(&key, now) {
                Ok(sent) => report.delivered += usize::from(sent),
                Err(e) => report.failed.push((group_key(&self.routes[key.0], &key.1), e)),
            }
        }
        report
    }

    /// Flush one group; `Ok(true)` when a notification was delivered.
    fn flush(&mut self, key: &(usize, Labels), now: DateTime<Utc>) -> Result<bool> {
        let route = &self.routes[key.0];
        let firing_now = self.firing_labels(now);
        let Some(group) = self.groups.get(key) else { return Ok(false) };
        let (mut firing, mut resolved) = (vec![], vec![]);
        for (labels, held) in &group.alerts {
            if self.is_muted_at(labels, now, &firing_now) {
                continue;
            }
            if held.ends_at > now { firing.push(&held.alert) } else { resolved.push(&held.alert) }
        }
        let firing_set: BTreeSet<Labels> = firing.iter().map(|a| a.labels.clone()).collect();
        let resolved_set: BTreeSet<Labels> =
            if route.send_resolved { resolved.iter().map(|a| a.labels.clone()).collect() } else { BTreeSet::new() };
        let last = self.log.get(key);
        let needs_update = match last {
            None => !firing_set.is_empty(),
            Some(sent) if !firing_set.is_subset(&sent.firing) => true,
            Some(sent) if firing_set.is_empty() => !sent.firing.is_empty(),
            Some(sent) if route.send_resolved && !resolved_set.is_subset(&sent.resolved) => true,
            Some(sent) => sent.at + route.repeat_interval < now,
        };
        let mut delivered = false;
        if needs_update {
            let notification = Notification {
                receiver: route.receiver.clone(),
                group_key: group_key(route, &key.1),
                group_labels: key.1.clone(),
                firing: firing.into_iter().cloned().collect(),
                resolved: if route.send_resolved { resolved.into_iter().cloned().collect() } else { vec![] },
                sent_at: now,
            };
            if !notification.firing.is_empty() || !notification.resolved.is_empty() {
                let sink = self.sinks.get(&route.receiver).ok_or_else(|| RealtimeError::Sink {
                    sink: route.receiver.clone(),
                    message: "no sink registered".into(),
                })?;
                if let Err(e) = sink.notify(&notification) {
                    if let Some(g) = self.groups.get_mut(key) {
                        g.next_flush = now + route.group_interval;
                        g.has_flushed = true;
                    }
                    return Err(e);
                }
                delivered = true;
            }
            if firing_set.is_empty() {
                self.log.remove(key);
            } else {
                self.log.insert(key.clone(), Sent { firing: firing_set, resolved: resolved_set, at: now });
            }
        }
        let interval = route.group_interval;
        if let Some(g) = self.groups.get_mut(key) {
            g.alerts.retain(|_, h| h.ends_at > now);
            g.next_flush = now + interval;
            g.has_flushed = true;
            if g.alerts.is_empty() {
                self.groups.remove(key);
            }
        }
        Ok(delivered)
    }
}

fn group_key(route: &Route, labels: &Labels) -> String {
    format!("{}:{labels}", route.name)
}
