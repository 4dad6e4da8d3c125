//! Sources: no event lost or doubled under backpressure; replays in time order on the clock;
//! injected anomalies match their ground truth.

use chrono::{TimeDelta, TimeZone, Utc};
use forecast_core::data::{CsvSpec, IngestOptions, RetailGenerator, read_csv};
use forecast_core::{ManualClock, Panel, SeriesKey};
use forecast_realtime::source::{
    AnomalyKind, AnomalyPlan, AnomalySpec, Event, IterSource, Next, Pace, Replay, Source, TrySendError, channel, inject,
};
use std::collections::HashSet;
use std::sync::Arc;

fn event(seq: u64) -> Event {
    Event {
        seq,
        key: Arc::new(SeriesKey(vec!["s".into()])),
        timestamp: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        value: seq as f64,
        regressors: vec![],
        plan: None,
    }
}

#[test]
fn eight_producers_under_backpressure_lose_and_double_nothing() {
    const PER_PRODUCER: u64 = 5_000;
    let (producer, mut source) = channel(16);
    let handles: Vec<_> = (0..8u64)
        .map(|p| {
            let producer = producer.clone();
            std::thread::spawn(move || {
                for i in 0..PER_PRODUCER {
                    // Alternate the waiting and the non-waiting send: a refused try_send gets its event back.
                    let mut ev = event(p * 1_000_000 + i);
                    if i % 2 == 0 {
                        loop {
                            match producer.try_send(ev) {
                                Ok(()) => break,
                                Err(TrySendError::Full(back)) => {
                                    ev = back;
                                    std::thread::yield_now();
                                }
                                Err(TrySendError::Closed(_)) => panic!("source dropped"),
                            }
                        }
                    } else {
                        producer.send(ev).unwrap();
                    }
                }
            })
        })
        .collect();
    drop(producer);
    let mut seen = HashSet::new();
    while let Some(ev) = source.recv() {
        assert!(seen.insert(ev.seq), "event {} delivered twice", ev.seq);
    }
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(seen.len() as u64, 8 * PER_PRODUCER);
    let stats = source.stats();
    assert_eq!((stats.accepted, stats.delivered, stats.queued()), (8 * PER_PRODUCER, 8 * PER_PRODUCER, 0));
    assert!(matches!(source.poll_next().unwrap(), Next::Closed));
}

#[test]
fn full_channel_hands_the_event_back() {
    let (producer, mut source) = channel(2);
    producer.try_send(event(0)).unwrap();
    producer.try_send(event(1)).unwrap();
    match producer.try_send(event(2)) {
        Err(TrySendError::Full(back)) => assert_eq!(back.seq, 2),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(source.stats().rejected_full, 1);
    assert!(matches!(source.poll_next().unwrap(), Next::Event(e) if e.seq == 0));
    producer.try_send(event(2)).unwrap();
    assert_eq!(source.stats().accepted, 3);
    drop(source);
    assert!(matches!(producer.try_send(event(3)), Err(TrySendError::Closed(e)) if e.seq == 3));
}

#[test]
fn iterator_source_gives_events_then_closes() {
    let mut s = IterSource::new((0..3).map(event));
    let mut got = vec![];
    while let Next::Event(e) = s.poll_next().unwrap() {
        got.push(e.seq);
    }
    assert_eq!(got, [0, 1, 2]);
    assert!(matches!(s.poll_next().unwrap(), Next::Closed));
}

fn small_panel() -> Panel {
    RetailGenerator::new(7).stores(2).items(3).days(120).future_days(0).generate().panel
}

fn drain(replay: &mut Replay) -> Vec<Event> {
    let mut out = vec![];
    loop {
        match replay.poll_next().unwrap() {
            Next::Event(e) => out.push(e),
            Next::Closed => return out,
            Next::Pending { .. } => panic!("as fast as possible never waits"),
        }
    }
}

#[test]
fn replay_plays_every_observation_in_time_order() {
    let panel = small_panel();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    let mut replay = Replay::new(Arc::new(panel.clone()), Pace::AsFastAsPossible, clock).unwrap();
    let events = drain(&mut replay);
    assert_eq!(events.len(), panel.n_observations());
    assert!(events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp && w[0].seq + 1 == w[1].seq));
    let first = &panel.series[1];
    let e = events.iter().filter(|e| *e.key == first.key).nth(5).unwrap();
    assert_eq!(e.value, first.target[5]);
    assert_eq!(e.regressors, first.regressors.iter().map(|r| r[5]).collect::<Vec<_>>());
}

#[test]
fn replay_paces_on_the_clock() {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let mut replay = Replay::new(Arc::new(small_panel()), Pace::PerSecond(4.0), clock.clone()).unwrap();
    assert!(matches!(replay.poll_next().unwrap(), Next::Event(e) if e.seq == 0));
    match replay.poll_next().unwrap() {
        Next::Pending { until } => assert_eq!(until, Some(t0 + TimeDelta::milliseconds(250))),
        other => panic!("expected Pending, got {other:?}"),
    }
    clock.advance(TimeDelta::milliseconds(250));
    assert!(matches!(replay.poll_next().unwrap(), Next::Event(e) if e.seq == 1));
    clock.advance(TimeDelta::seconds(1));
    // Four more are due now; the fifth is not.
    for seq in 2..6 {
        assert!(matches!(replay.poll_next().unwrap(), Next::Event(e) if e.seq == seq));
    }
    assert!(matches!(replay.poll_next().unwrap(), Next::Pending { .. }));
    assert!(Replay::new(Arc::new(small_panel()), Pace::PerSecond(0.0), clock).is_err());
}

#[test]
fn replay_of_a_csv_panel() {
    let data = RetailGenerator::new(3).stores(1).items(2).days(40).future_days(0).generate();
    let mut csv = Vec::new();
    data.write_csv_to(&mut csv).unwrap();
    let dir = std::env::temp_dir().join(format!("realtime-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sales.csv");
    std::fs::write(&path, csv).unwrap();
    let spec = CsvSpec::retail();
    let (panel, _) = read_csv(&path, &spec, &IngestOptions::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    let events = drain(&mut Replay::new(Arc::new(panel), Pace::AsFastAsPossible, clock).unwrap());
    assert_eq!(events.len(), 80);
    let total: f64 = data.records.iter().map(|r| r.units).sum();
    assert_eq!(events.iter().map(|e| e.value).sum::<f64>(), total);
}

#[test]
fn injected_anomalies_match_their_ground_truth() {
    let panel = RetailGenerator::new(11).stores(2).items(4).days(730).future_days(0).generate().panel;
    let plan = AnomalyPlan::new(5);
    let (injected, truth) = inject(&panel, &plan).unwrap();
    assert_eq!(truth.n_labelled(), truth.episodes.iter().map(|e| e.len).sum::<usize>());
    for kind in AnomalyKind::ALL {
        assert!(truth.episodes.iter().any(|e| e.kind == kind), "no {kind:?} injected");
    }
    for (s, (a, b)) in panel.series.iter().zip(&injected.series).enumerate() {
        for t in 0..a.len() {
            let label = truth.label(s, t);
            if label.is_none() {
                assert_eq!(a.target[t].to_bits(), b.target[t].to_bits(), "series {s} t {t} changed without a label");
            }
            if t < plan.skip_first {
                assert!(label.is_none());
            }
        }
    }
    for e in &truth.episodes {
        let (orig, new) = (&panel.series[e.series].target, &injected.series[e.series].target);
        let span = e.start..e.start + e.len;
        match e.kind {
            AnomalyKind::Spike => assert_eq!(new[e.start], (orig[e.start] + e.magnitude).round()),
            AnomalyKind::Drop => {
                let level = e.level.unwrap();
                // 4σ with σ at its floor of 0.5 at least.
                assert!(new[e.start] <= orig[e.start].min(level - 2.0) && new[e.start] >= 0.0)
            }
            AnomalyKind::LevelShift => {
                assert!(span.clone().all(|t| new[t] == (orig[t] * (1.0 + e.magnitude)).round()))
            }
            AnomalyKind::Stuck => assert!(span.clone().all(|t| new[t] == orig[e.start - 1])),
            AnomalyKind::Stockout => assert!(span.clone().all(|t| new[t] == 0.0 && orig[t] > 0.0)),
        }
        let date = panel.date(&panel.series[e.series], e.start).unwrap();
        assert_eq!(truth.label_at(&e.key, date), Some(e.kind));
    }
    let (again, truth_again) = inject(&panel, &plan).unwrap();
    assert_eq!((again, truth_again.episodes.len()), (injected, truth.episodes.len()));
    let (_, other) = inject(&panel, &AnomalyPlan::new(6)).unwrap();
    assert_ne!(other.episodes, truth.episodes);
    let bad = AnomalyPlan::with_specs(
        1,
        vec![AnomalySpec { magnitude: 2.0, ..AnomalySpec::default_for(AnomalyKind::LevelShift) }],
    );
    assert!(inject(&panel, &bad).is_err());
}
