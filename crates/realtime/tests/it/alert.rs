//! Alertmanager's timing, grouping, inhibition and silences, on a manual clock.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use forecast_core::{Clock, ManualClock};
use forecast_realtime::RealtimeError;
use forecast_realtime::alert::{
    Alert, AlertManager, AlertSink, CallbackSink, ChannelSink, Evidence, EvidenceWindow, InhibitRule, Labels, LogSink,
    Matcher, Notification, Route, Severity, Silence,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn anomaly(store: &str, item: &str, at: DateTime<Utc>) -> Alert {
    let labels =
        Labels::from_pairs([("alertname", "anomaly"), ("store", store), ("item", item), ("detector", "residual")]);
    Alert::new(labels, Severity::Warning, at).with_evidence(Evidence {
        value: 42.0,
        expected: Some(12.0),
        interval: Some((5.0, 20.0)),
        detector: "residual".into(),
        score: 2.5,
        threshold: 1.0,
        window: EvidenceWindow { start: None, end: at, points: 1 },
    })
}

fn outage(store: &str, at: DateTime<Utc>) -> Alert {
    Alert::new(Labels::from_pairs([("alertname", "store_outage"), ("store", store)]), Severity::Critical, at)
}

fn manager(route: Route, rules: Vec<InhibitRule>) -> (AlertManager, Arc<ManualClock>, Receiver<Notification>) {
    let clock = Arc::new(ManualClock::new(t0()));
    let (sink, rx) = ChannelSink::new();
    let m = AlertManager::new(
        clock.clone(),
        vec![route],
        rules,
        vec![("default".into(), Arc::new(sink) as Arc<dyn AlertSink>)],
    )
    .unwrap()
    .with_resolve_timeout(TimeDelta::days(1));
    (m, clock, rx)
}

fn by_store() -> Route {
    Route { group_by: vec!["alertname".into(), "store".into()], ..Route::default() }
}

fn items(n: &Notification) -> (Vec<String>, Vec<String>) {
    let f = |a: &[Alert]| a.iter().map(|a| a.labels.get("item").to_string()).collect();
    (f(&n.firing), f(&n.resolved))
}

#[test]
fn group_wait_then_group_interval_then_repeat_interval() {
    let (mut m, clock, rx) = manager(by_store(), vec![]);
    m.fire(anomaly("s1", "a", t0())).unwrap();
    clock.advance(TimeDelta::seconds(29));
    assert_eq!(m.tick().delivered, 0);
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(m.tick().delivered, 1);
    let first = rx.try_recv().unwrap();
    assert_eq!(items(&first), (vec!["a".into()], vec![]));
    assert_eq!(first.firing[0].evidence.as_ref().unwrap().expected, Some(12.0));
    assert_eq!(first.group_labels, Labels::from_pairs([("alertname", "anomaly"), ("store", "s1")]));
    // A second alert in the group waits for the group interval, counted from the last flush.
    clock.advance(TimeDelta::seconds(10));
    m.fire(anomaly("s1", "b", clock.now())).unwrap();
    clock.set(t0() + TimeDelta::seconds(30) + TimeDelta::minutes(5) - TimeDelta::seconds(1));
    assert_eq!(m.tick().delivered, 0);
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(m.tick().delivered, 1);
    assert_eq!(items(&rx.try_recv().unwrap()).0, ["a", "b"]);
    let last_sent = clock.now();
    // Unchanged: nothing until the first flush strictly after last + repeat_interval (4 h).
    for _ in 0..48 {
        clock.advance(TimeDelta::minutes(5));
        assert_eq!(m.tick().delivered, 0, "at {}", clock.now() - last_sent);
    }
    assert_eq!(clock.now() - last_sent, TimeDelta::hours(4));
    clock.advance(TimeDelta::minutes(5));
    assert_eq!(m.tick().delivered, 1);
    assert_eq!(items(&rx.try_recv().unwrap()).0, ["a", "b"]);
}

#[test]
fn resolved_alerts_are_notified_once_then_the_group_goes() {
    let (mut m, clock, rx) = manager(by_store(), vec![]);
    let a = anomaly("s1", "a", t0());
    let b = anomaly("s1", "b", t0());
    m.fire(a.clone()).unwrap();
    m.fire(b.clone()).unwrap();
    clock.advance(TimeDelta::seconds(30));
    m.tick();
    rx.try_recv().unwrap();
    assert!(m.resolve(&a.labels));
    assert!(!m.resolve(&a.labels));
    clock.advance(TimeDelta::minutes(5));
    m.tick();
    assert_eq!(items(&rx.try_recv().unwrap()), (vec!["b".into()], vec!["a".into()]));
    m.resolve(&b.labels);
    clock.advance(TimeDelta::minutes(5));
    m.tick();
    assert_eq!(items(&rx.try_recv().unwrap()), (vec![], vec!["b".into()]));
    assert_eq!(m.n_groups(), 0);
    clock.advance(TimeDelta::minutes(5));
    assert_eq!(m.tick().delivered, 0);
    assert!(rx.try_recv().is_err());
}

#[test]
fn without_send_resolved_a_resolved_alert_alone_sends_nothing() {
    let (mut m, clock, rx) = manager(Route { send_resolved: false, ..by_store() }, vec![]);
    let a = anomaly("s1", "a", t0());
    m.fire(a.clone()).unwrap();
    m.fire(anomaly("s1", "b", t0())).unwrap();
    clock.advance(TimeDelta::seconds(30));
    m.tick();
    rx.try_recv().unwrap();
    m.resolve(&a.labels);
    clock.advance(TimeDelta::minutes(5));
    assert_eq!(m.tick().delivered, 0, "firing set shrank, nothing new fired");
}

#[test]
fn an_old_alert_flushes_at_once_and_resolve_timeout_ends_alerts() {
    let clock = Arc::new(ManualClock::new(t0()));
    let (sink, rx) = ChannelSink::new();
    let mut m = AlertManager::new(
        clock.clone(),
        vec![by_store()],
        vec![],
        vec![("default".into(), Arc::new(sink) as Arc<dyn AlertSink>)],
    )
    .unwrap();
    m.fire(anomaly("s1", "a", t0() - TimeDelta::minutes(2))).unwrap();
    assert_eq!(m.tick().delivered, 1);
    rx.try_recv().unwrap();
    // Not fired again: resolved 5 min (the default resolve_timeout) after it was fired.
    clock.advance(TimeDelta::minutes(5));
    assert_eq!(m.tick().delivered, 1);
    assert_eq!(items(&rx.try_recv().unwrap()).1, ["a"]);
}

#[test]
fn a_store_outage_inhibits_its_item_alerts_only() {
    let rule = InhibitRule {
        source: vec![Matcher::eq("alertname", "store_outage")],
        target: vec![Matcher::eq("alertname", "anomaly")],
        equal: vec!["store".into()],
    };
    let (mut m, clock, rx) = manager(Route { group_by: vec!["alertname".into()], ..Route::default() }, vec![rule]);
    m.fire(outage("s1", t0())).unwrap();
    m.fire(anomaly("s1", "a", t0())).unwrap();
    m.fire(anomaly("s2", "a", t0())).unwrap();
    assert!(m.is_muted(&anomaly("s1", "a", t0()).labels));
    assert!(!m.is_muted(&outage("s1", t0()).labels));
    clock.advance(TimeDelta::seconds(30));
    assert_eq!(m.tick().delivered, 2);
    let mut got: Vec<Notification> = rx.try_iter().collect();
    got.sort_by(|a, b| a.group_key.cmp(&b.group_key));
    assert_eq!(got[0].firing.len(), 1);
    assert_eq!(got[0].firing[0].labels.get("store"), "s2");
    assert_eq!(got[1].firing[0].labels.get("alertname"), "store_outage");
    // The outage ends: the muted item alert is now notified.
    m.resolve(&outage("s1", t0()).labels);
    clock.advance(TimeDelta::minutes(5));
    m.tick();
    let anomalies = rx.try_iter().find(|n| n.group_labels.get("alertname") == "anomaly").unwrap();
    assert_eq!(anomalies.firing.iter().map(|a| a.labels.get("store")).collect::<Vec<_>>(), ["s1", "s2"]);
}

#[test]
fn silences_mute_until_they_expire() {
    let (mut m, clock, rx) = manager(by_store(), vec![]);
    let silence = Silence {
        matchers: vec![Matcher::eq("store", "s2")],
        starts_at: t0(),
        ends_at: t0() + TimeDelta::hours(1),
        created_by: "ops".into(),
        comment: "refit in progress".into(),
    };
    let id = m.add_silence(silence.clone()).unwrap();
    m.fire(anomaly("s2", "a", t0())).unwrap();
    clock.advance(TimeDelta::seconds(30));
    assert_eq!(m.tick().delivered, 0);
    clock.advance(TimeDelta::minutes(30));
    m.tick();
    assert!(rx.try_recv().is_err());
    m.expire_silence(id).unwrap();
    assert!(m.expire_silence(id).is_err());
    assert_eq!(m.silences().count(), 0);
    clock.advance(TimeDelta::minutes(5));
    assert_eq!(m.tick().delivered, 1);
    assert_eq!(rx.try_recv().unwrap().firing[0].labels.get("store"), "s2");
    // A silence that runs out by itself.
    let mut later = silence.clone();
    later.matchers = vec![Matcher::eq("store", "s3")];
    later.starts_at = clock.now();
    later.ends_at = clock.now() + TimeDelta::minutes(10);
    m.add_silence(later).unwrap();
    m.fire(anomaly("s3", "a", clock.now())).unwrap();
    clock.advance(TimeDelta::seconds(30));
    assert_eq!(m.tick().delivered, 0);
    clock.advance(TimeDelta::minutes(10));
    assert_eq!(m.tick().delivered, 1);
    assert!(m.add_silence(Silence { matchers: vec![], ..silence.clone() }).is_err());
    assert!(m.add_silence(Silence { ends_at: silence.starts_at, ..silence }).is_err());
}

#[test]
fn a_failed_delivery_is_retried_at_the_next_flush() {
    let clock = Arc::new(ManualClock::new(t0()));
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(vec![]));
    let (c, s) = (calls.clone(), seen.clone());
    let sink = CallbackSink::new(move |n| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(RealtimeError::Sink { sink: "webhook".into(), message: "503".into() });
        }
        s.lock().unwrap().push(n.clone());
        Ok(())
    });
    let mut m = AlertManager::new(
        clock.clone(),
        vec![by_store()],
        vec![],
        vec![("default".into(), Arc::new(sink) as Arc<dyn AlertSink>)],
    )
    .unwrap()
    .with_resolve_timeout(TimeDelta::hours(1));
    m.fire(anomaly("s1", "a", t0())).unwrap();
    clock.advance(TimeDelta::seconds(30));
    let report = m.tick();
    assert_eq!((report.delivered, report.failed.len()), (0, 1));
    assert!(report.failed[0].0.starts_with("default:"));
    clock.advance(TimeDelta::minutes(5) - TimeDelta::seconds(1));
    assert_eq!(m.tick().delivered, 0);
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(m.tick().delivered, 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn routes_send_by_severity_and_the_log_sink_writes_evidence() {
    let clock = Arc::new(ManualClock::new(t0()));
    let pager = Arc::new(LogSink::new(Vec::<u8>::new()));
    let (log, rx) = ChannelSink::new();
    let critical = Route {
        name: "critical".into(),
        receiver: "pager".into(),
        matchers: vec![Matcher::parse("severity=critical").unwrap()],
        group_wait: TimeDelta::zero(),
        ..by_store()
    };
    let sinks: Vec<(String, Arc<dyn AlertSink>)> =
        vec![("pager".into(), pager.clone()), ("default".into(), Arc::new(log))];
    let mut m = AlertManager::new(clock.clone(), vec![critical, by_store()], vec![], sinks).unwrap();
    m.fire(outage("s1", t0())).unwrap();
    m.fire(anomaly("s1", "a", t0())).unwrap();
    assert_eq!(m.tick().delivered, 1);
    assert!(rx.try_recv().is_err());
    clock.advance(TimeDelta::seconds(30));
    m.tick();
    assert_eq!(rx.try_recv().unwrap().receiver, "default");
    m.fire(anomaly("s1", "b", t0()).with_annotation("summary", "late")).unwrap();
    drop(m);
    let text = String::from_utf8(Arc::try_unwrap(pager).unwrap().into_inner()).unwrap();
    assert!(text.contains("[critical:{alertname=\"store_outage\", store=\"s1\"}] 1 firing"), "{text}");
    let log = LogSink::new(Vec::<u8>::new());
    let n = Notification {
        receiver: "x".into(),
        group_key: "g".into(),
        group_labels: Labels::default(),
        firing: vec![anomaly("s1", "a", t0())],
        resolved: vec![],
        sent_at: t0(),
    };
    log.notify(&n).unwrap();
    let line = String::from_utf8(log.into_inner()).unwrap();
    assert!(
        line.contains("residual: value 42 score 2.500 > 1 expected 12.000 in [5.000, 20.000] over 1 points"),
        "{line}"
    );
}

#[test]
fn invalid_configuration_is_refused() {
    let clock = Arc::new(ManualClock::new(t0()));
    let (sink, _rx) = ChannelSink::new();
    let sinks = || vec![("default".to_string(), Arc::new(ChannelSink::new().0) as Arc<dyn AlertSink>)];
    assert!(AlertManager::new(clock.clone(), vec![], vec![], sinks()).is_err());
    let filtered = Route { matchers: vec![Matcher::eq("a", "b")], ..Route::default() };
    assert!(AlertManager::new(clock.clone(), vec![filtered], vec![], sinks()).is_err());
    let no_sink = Route { receiver: "pager".into(), ..Route::default() };
    assert!(AlertManager::new(clock.clone(), vec![no_sink], vec![], sinks()).is_err());
    let zero = Route { group_interval: TimeDelta::zero(), ..Route::default() };
    assert!(AlertManager::new(clock.clone(), vec![zero], vec![], sinks()).is_err());
    let mut m =
        AlertManager::new(clock, vec![Route::default()], vec![], vec![("default".into(), Arc::new(sink))]).unwrap();
    let bad = Alert::new(Labels::from_pairs([("bad name", "x")]), Severity::Info, t0());
    assert!(m.fire(bad).is_err());
}
