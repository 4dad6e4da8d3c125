//! The engine's building blocks end to end: sources, micro-batches, per-series detectors, alerts.

use chrono::{TimeDelta, TimeZone, Utc};
use forecast_core::data::RetailGenerator;
use forecast_core::{ManualClock, SeriesKey};
use forecast_realtime::alert::{
    Alert, AlertManager, AlertSink, ChannelSink, Evidence, EvidenceWindow, Labels, Route, Severity,
};
use forecast_realtime::detect::{DetectorSpec, Direction, LearnPolicy};
use forecast_realtime::engine::{
    Evaluation, FlagScoring, LatencyHistogram, MicroBatcher, Monitor, MonitorParams, Throughput,
};
use forecast_realtime::source::{
    AnomalyKind, AnomalyPlan, AnomalySpec, Event, Next, Pace, Replay, Source, channel, inject,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

#[test]
fn replay_with_anomalies_through_monitor_and_alerts() {
    let panel = RetailGenerator::new(21).stores(2).items(3).days(365).future_days(0).generate().panel;
    let (injected, truth) = inject(&panel, &AnomalyPlan::new(9)).unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    let mut replay = Replay::new(Arc::new(injected), Pace::AsFastAsPossible, clock.clone()).unwrap();
    let params = MonitorParams {
        detector: DetectorSpec::from_name("mad").unwrap(),
        policy: LearnPolicy::SkipFlagged,
        ..MonitorParams::default()
    };
    let mut monitor = Monitor::new(params, panel.key_names.clone()).unwrap();
    let (sink, rx) = ChannelSink::new();
    let route = Route { group_by: vec!["store".into()], group_wait: TimeDelta::zero(), ..Route::default() };
    let mut alerts = AlertManager::new(
        clock.clone(),
        vec![route],
        vec![],
        vec![("default".into(), Arc::new(sink) as Arc<dyn AlertSink>)],
    )
    .unwrap();
    let (mut n, mut flagged, mut flagged_spikes) = (0, 0, 0);
    let mut flagged_series = HashSet::new();
    while let Next::Event(event) = replay.poll_next().unwrap() {
        let obs = monitor.observe(&event).unwrap();
        n += 1;
        if let Some(alert) = obs.alert {
            flagged += 1;
            let ev = alert.evidence.as_ref().unwrap();
            assert_eq!((ev.value, ev.detector.as_str()), (event.value, "mad"));
            assert!(ev.window.points > 0 && ev.window.end == event.timestamp);
            assert_eq!(alert.labels.get("store"), event.key.0[0]);
            assert_eq!(alert.labels.get("item"), event.key.0[1]);
            if truth.label_at(&event.key, event.timestamp.date_naive()) == Some(AnomalyKind::Spike) {
                flagged_spikes += 1;
            }
            flagged_series.insert((event.key.clone(), alert.direction()));
            alerts.fire(alert).unwrap();
        }
    }
    assert_eq!(n, panel.n_observations());
    let hst = MonitorParams { detector: DetectorSpec::from_name("hst").unwrap(), ..MonitorParams::default() };
    assert!(Monitor::new(hst, panel.key_names.clone()).is_ok());
    let residual = MonitorParams { detector: DetectorSpec::from_name("residual").unwrap(), ..MonitorParams::default() };
    assert!(Monitor::new(residual, panel.key_names.clone()).is_err());
    assert_eq!(monitor.n_series(), 6);
    assert!(flagged > 0 && flagged_spikes > 0, "{flagged} flagged, {flagged_spikes} on spikes");
    // One alert per series and side (its labels, `direction` among them, are its identity),
    // refreshed by each flag; one group per store.
    assert!(flagged_series.iter().all(|(_, side)| side.is_some()), "the median detector flags with a side");
    let stores: HashSet<&String> = flagged_series.iter().map(|(k, _)| &k.0[0]).collect();
    assert_eq!(alerts.tick().delivered, stores.len());
    assert_eq!(rx.try_iter().map(|n| n.firing.len()).sum::<usize>(), flagged_series.len());
}

#[test]
fn eight_producers_micro_batched_into_monitors_lose_and_double_nothing() {
    const PER_PRODUCER: u64 = 2_000;
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    let (producer, mut source) = channel(64);
    let handles: Vec<_> = (0..8u64)
        .map(|p| {
            let producer = producer.clone();
            std::thread::spawn(move || {
                let key = Arc::new(SeriesKey(vec![format!("store_{p}"), "item".into()]));
                for i in 0..PER_PRODUCER {
                    let event = Event {
                        seq: p * 1_000_000 + i,
                        key: key.clone(),
                        timestamp: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(i as i64),
                        value: (i % 17) as f64,
                        regressors: vec![],
                        plan: None,
                    };
                    producer.send(event).unwrap();
                }
            })
        })
        .collect();
    drop(producer);
    let mut batcher = MicroBatcher::new(32, TimeDelta::milliseconds(1), clock.clone()).unwrap();
    let mut monitor = Monitor::new(MonitorParams::default(), vec!["store".into(), "item".into()]).unwrap();
    let mut latency = LatencyHistogram::new().unwrap();
    let mut throughput = Throughput::default();
    let mut seen = HashSet::new();
    let started = Instant::now();
    let mut process = |batch: Vec<Event>, throughput: &mut Throughput| {
        throughput.batches += 1;
        for event in batch {
            let t = Instant::now();
            let obs = monitor.observe(&event).unwrap();
            latency.record(t.elapsed());
            assert!(seen.insert(obs.seq), "event {} scored twice", obs.seq);
            throughput.events_done += 1;
        }
    };
    loop {
        match source.poll_next().unwrap() {
            Next::Event(event) => {
                throughput.events_in += 1;
                if let Some(batch) = batcher.push(event) {
                    process(batch, &mut throughput);
                }
            }
            Next::Pending { .. } => {
                // Nothing arrived: let the batch's deadline pass on the manual clock.
                clock.advance(TimeDelta::milliseconds(1));
                if let Some(batch) = batcher.poll() {
                    process(batch, &mut throughput);
                }
                std::thread::yield_now();
            }
            Next::Closed => break,
        }
    }
    if let Some(batch) = batcher.flush() {
        process(batch, &mut throughput);
    }
    handles.into_iter().for_each(|h| h.join().unwrap());
    throughput.elapsed = started.elapsed();
    assert_eq!(seen.len() as u64, 8 * PER_PRODUCER);
    assert_eq!((throughput.events_in, throughput.lost()), (8 * PER_PRODUCER, 0));
    assert_eq!(latency.count(), 8 * PER_PRODUCER);
    assert_eq!(monitor.n_series(), 8);
}

#[test]
fn evaluation_against_ground_truth() {
    let panel = RetailGenerator::new(4).stores(1).items(3).days(400).future_days(0).generate().panel;
    let mut plan = AnomalyPlan::new(2);
    plan.specs.iter_mut().filter(|s| s.kind == AnomalyKind::LevelShift).for_each(|s| s.per_1000 = 8.0);
    let (injected, truth) = inject(&panel, &plan).unwrap();
    assert!(truth.episodes.iter().any(|e| e.kind == AnomalyKind::LevelShift));
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    let mut replay = Replay::new(Arc::new(injected), Pace::AsFastAsPossible, clock).unwrap();
    let (mut oracle, mut late, mut silent) =
        (Evaluation::new(&truth), Evaluation::new(&truth), Evaluation::new(&truth));
    let mut false_alarms = 0;
    let mut i = 0;
    while let Next::Event(e) = replay.poll_next().unwrap() {
        let date = e.timestamp.date_naive();
        let label = truth.label_at(&e.key, date);
        oracle.record(&e.key, e.timestamp, label.is_some()).unwrap();
        // Flags every labelled point but the first of each episode, and one unlabelled point in 100.
        let (s, t) = truth.locate(&e.key, date).unwrap();
        let first = label.is_some() && truth.label(s, t.wrapping_sub(1)) != label;
        i += 1;
        let alarm = label.is_none() && i % 100 == 0;
        false_alarms += usize::from(alarm);
        late.record(&e.key, e.timestamp, (label.is_some() && !first) || alarm).unwrap();
        silent.record(&e.key, e.timestamp, false).unwrap();
    }
    let all = oracle.score(None);
    assert_eq!((all.precision, all.recall, all.f1, all.delay_mean), (1.0, 1.0, 1.0, Some(0.0)));
    assert_eq!(all.true_positives, truth.n_labelled());
    assert_eq!(all.episodes_detected, truth.episodes.len());
    let shifts = late.score(Some(AnomalyKind::LevelShift));
    let n_shifts = truth.episodes.iter().filter(|e| e.kind == AnomalyKind::LevelShift).count();
    assert_eq!((shifts.episodes, shifts.episodes_detected, shifts.delay_mean), (n_shifts, n_shifts, Some(1.0)));
    assert_eq!(shifts.false_positives, false_alarms);
    let spikes = late.score(Some(AnomalyKind::Spike));
    assert_eq!((spikes.true_positives, spikes.recall, spikes.episodes_detected), (0, 0.0, 0));
    assert_eq!(silent.score(None).f1, 0.0);
    let stranger = SeriesKey(vec!["x".into(), "y".into()]);
    assert!(oracle.record(&stranger, Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(), true).is_err());
}

#[test]
fn directional_scoring_counts_a_kind_on_the_flags_of_its_side() {
    let panel = RetailGenerator::new(4).stores(1).items(3).days(400).future_days(0).generate().panel;
    let spikes = AnomalySpec { per_1000: 20.0, ..AnomalySpec::default_for(AnomalyKind::Spike) };
    let (injected, truth) = inject(&panel, &AnomalyPlan::with_specs(2, vec![spikes])).unwrap();
    let n_spikes = truth.n_labelled();
    assert!(n_spikes > 5);
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    let mut replay = Replay::new(Arc::new(injected), Pace::AsFastAsPossible, clock).unwrap();
    // `sided` flags every spike above, and false alarms alternately above and below; `sideless`
    // flags the same points without a side.
    let (mut sided, mut sideless) = (Evaluation::new(&truth), Evaluation::new(&truth));
    let (mut i, mut above, mut below) = (0, 0, 0);
    while let Next::Event(e) = replay.poll_next().unwrap() {
        let spike = truth.label_at(&e.key, e.timestamp.date_naive()).is_some();
        i += 1;
        let alarm = !spike && i % 50 == 0;
        let side = if spike || (alarm && i % 100 == 0) { Direction::Above } else { Direction::Below };
        if alarm {
            if side == Direction::Above { above += 1 } else { below += 1 }
        }
        if spike || alarm {
            sided.record(&e.key, e.timestamp, true).unwrap();
            sided.record_direction(&e.key, e.timestamp, side).unwrap();
        }
        sideless.record(&e.key, e.timestamp, spike || alarm).unwrap();
    }
    assert!(above > 0 && below > 0);
    let all = sided.score(Some(AnomalyKind::Spike));
    assert_eq!((all.true_positives, all.false_positives), (n_spikes, above + below));
    let directed = sided.score_with(Some(AnomalyKind::Spike), FlagScoring::KindDirection);
    assert_eq!((directed.true_positives, directed.false_positives), (n_spikes, above));
    assert!(directed.precision > all.precision);
    // Drops are a "below" kind: only the below flags count (here none is on a label).
    let drops = sided.score_with(Some(AnomalyKind::Drop), FlagScoring::KindDirection);
    assert_eq!(drops.false_positives, below);
    // A level shift has no side, nor have all kinds together: every flag counts.
    assert_eq!(
        sided.score_with(Some(AnomalyKind::LevelShift), FlagScoring::KindDirection).false_positives,
        above + below
    );
    assert_eq!(sided.score_with(None, FlagScoring::KindDirection), sided.score(None));
    // A detector without a side is scored on every flag whatever the scoring.
    assert_eq!(sideless.score_with(Some(AnomalyKind::Spike), FlagScoring::KindDirection), all);
}

#[test]
fn alerts_of_point_detectors_carry_their_side() {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let evidence = |detector: &str, value: f64| Evidence {
        value,
        expected: Some(10.0),
        interval: Some((4.0, 20.0)),
        detector: detector.into(),
        score: 1.5,
        threshold: 1.0,
        window: EvidenceWindow { start: None, end: at, points: 1 },
    };
    let alert = |detector: &str, value: f64| {
        Alert::new(Labels::from_pairs([("alertname", "anomaly")]), Severity::Warning, at)
            .with_evidence(evidence(detector, value))
    };
    assert_eq!(alert("residual", 25.0).labels.get("direction"), "above");
    assert_eq!(alert("residual", 1.0).labels.get("direction"), "below");
    assert_eq!(alert("zscore", 1.0).direction(), Some(Direction::Below));
    for sideless in ["cusum", "ewma", "hst", "adwin"] {
        let a = alert(sideless, 25.0);
        assert_eq!((a.direction(), a.labels.0.contains_key("direction")), (None, false), "{sideless}");
    }
    let mut no_expectation = evidence("mad", 3.0);
    no_expectation.expected = None;
    assert_eq!(no_expectation.direction(), None);
    // The monitor's alerts get it too.
    let params = MonitorParams { detector: DetectorSpec::from_name("zscore").unwrap(), ..MonitorParams::default() };
    let mut monitor = Monitor::new(params, vec!["store".into()]).unwrap();
    let key = Arc::new(SeriesKey(vec!["s1".into()]));
    let mut last = None;
    for (i, v) in [10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0, 0.0].into_iter().enumerate() {
        let event = Event {
            seq: i as u64,
            key: key.clone(),
            timestamp: at + TimeDelta::days(i as i64),
            value: v,
            regressors: vec![],
            plan: None,
        };
        last = monitor.observe(&event).unwrap().alert;
    }
    assert_eq!(last.unwrap().direction(), Some(Direction::Below));
}
