//! The scoring engine on a fitted pipeline: streaming forecasts equal to the batch path's, and a
//! champion hot-swapped through the `ModelStore` port mid-stream with 8 producer threads, every
//! event scored exactly once.

use chrono::{TimeDelta, TimeZone, Utc};
use forecast_core::data::RetailGenerator;
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::GlobalForecaster;
use forecast_core::gbdt::Gbdt;
use forecast_core::{
    AliasMove, Error, ForecastPipeline, ManualClock, ModelArtifact, ModelRef, ModelStore, ModelVersion,
    NewModelVersion, Panel, ParamGuard,
};
use forecast_realtime::detect::{DetectorSpec, Direction};
use forecast_realtime::engine::{
    BandParams, EngineParams, Evaluation, FlagScoring, ModelWatcher, Scored, ScoringEngine, ServedModel,
};
use forecast_realtime::source::{
    AnomalyKind, AnomalyPlan, AnomalySpec, Event, Next, Pace, Replay, Source, channel, inject,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

const WARM: usize = 150;

/// Two stores, four items, 200 days; the history is the first `WARM` days of targets (with
/// every regressor, as plans are known ahead).
fn data() -> (Panel, Panel) {
    let panel = RetailGenerator::new(17).stores(2).items(4).days(200).future_days(0).generate().panel;
    let mut history = panel.clone();
    history.series.iter_mut().for_each(|s| s.target.truncate(WARM));
    (panel, history)
}

fn fit(history: &Panel, rounds: usize) -> ForecastPipeline {
    let spec = FeatureSpec::for_frequency(history.frequency).retain_available(&history.regressor_names);
    let params = Gbdt::params().n_rounds(rounds).check().unwrap();
    GlobalForecaster::new("gbdt", params, spec).fit_pipeline(history).unwrap()
}

/// The batch path's one-step forecast of every (series, period) from `WARM` on.
fn batch_forecasts(pipeline: &ForecastPipeline, panel: &Panel) -> HashMap<(usize, usize), f64> {
    let mut out = HashMap::new();
    for t in WARM..panel.series[0].len() {
        let origins = vec![Some(t); panel.series.len()];
        let f = pipeline.forecast_from(panel, &origins, 1).unwrap();
        for (s, series) in f.series.iter().enumerate() {
            out.insert((s, t), series.point[0]);
        }
    }
    out
}

fn events(panel: &Panel, clock: Arc<ManualClock>) -> Vec<Event> {
    let start = panel.date(&panel.series[0], WARM).unwrap();
    let mut replay = Replay::new(Arc::new(panel.clone()), Pace::AsFastAsPossible, clock)
        .unwrap()
        .lookahead(60)
        .starting_from(start)
        .unwrap();
    let mut out = Vec::new();
    while let Next::Event(e) = replay.poll_next().unwrap() {
        out.push(e);
    }
    out
}

fn locate(panel: &Panel, scored: &Scored) -> (usize, usize) {
    let s = panel.series.iter().position(|s| s.key == *scored.key).unwrap();
    let t = panel.frequency.periods_between(panel.series[s].start, scored.timestamp.date_naive()).unwrap();
    (s, usize::try_from(t).unwrap())
}

fn registered_at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()))
}

#[test]
fn streamed_forecasts_are_the_batch_forecasts_bit_for_bit() {
    let (panel, history) = data();
    let pipeline = Arc::new(fit(&history, 8));
    let expected = batch_forecasts(&pipeline, &panel);
    let clock = clock();
    let model = ServedModel::prepare(pipeline, None, &BandParams::default(), &history).unwrap();
    let params = EngineParams { max_batch: 5, ..EngineParams::default() };
    let mut engine = ScoringEngine::new(model, Arc::new(history), params, clock.clone()).unwrap();
    let events = events(&panel, clock.clone());
    assert_eq!(events.len(), 8 * 50);
    let mut scored = Vec::new();
    for e in events {
        scored.extend(engine.ingest(e).unwrap());
    }
    assert_eq!(engine.pending(), 400 % 5);
    scored.extend(engine.flush().unwrap());
    assert_eq!(scored.len(), 400);
    for s in &scored {
        let at = locate(&panel, s);
        assert_eq!(s.forecast.to_bits(), expected[&at].to_bits(), "{at:?}: {} vs {}", s.forecast, expected[&at]);
        assert_eq!(s.value, panel.series[at.0].target[at.1]);
        assert!(s.interval.0 <= s.forecast && s.forecast <= s.interval.1, "{:?}", s.interval);
        assert_eq!(s.verdicts.len(), 2);
    }
    let stats = engine.stats();
    assert_eq!((stats.events_in, stats.scored, stats.rejected, stats.lost(engine.pending())), (400, 400, 0, 0));
    assert_eq!(stats.batches, 80);
}

#[test]
fn bad_events_are_rejected_whole_and_counted() {
    let (panel, history) = data();
    let pipeline = Arc::new(fit(&history, 4));
    let clock = clock();
    let model = ServedModel::prepare(pipeline, None, &BandParams::default(), &history).unwrap();
    let params = EngineParams { max_batch: 1, ..EngineParams::default() };
    let mut engine = ScoringEngine::new(model, Arc::new(history), params, clock.clone()).unwrap();
    let good = events(&panel, clock)[0].clone();
    let mut unknown = good.clone();
    unknown.key = Arc::new(forecast_core::SeriesKey(vec!["nowhere".into(), "x".into()]));
    let mut nan = good.clone();
    nan.value = f64::NAN;
    let mut short = good.clone();
    short.regressors.pop();
    let mut stale = good.clone();
    stale.timestamp -= TimeDelta::days(1);
    for (bad, why) in
        [(unknown, "unknown series"), (nan, "not a finite"), (short, "regressor values"), (stale, "not after")]
    {
        let e = engine.ingest(bad).unwrap_err().to_string();
        assert!(e.contains(why) && e.contains("event 0"), "{e}");
    }
    // Nothing changed: the good event is still the next one and scores as usual.
    assert_eq!(engine.ingest(good).unwrap().len(), 1);
    let stats = engine.stats();
    assert_eq!((stats.events_in, stats.scored, stats.rejected, stats.lost(0)), (5, 1, 4, 0));
}

/// A registry in memory, as the `ModelStore` port sees one (forecast-mlops is not a dependency).
#[derive(Debug, Default)]
struct MemoryStore {
    versions: Mutex<Vec<(ModelVersion, ModelArtifact)>>,
    aliases: Mutex<Vec<AliasMove>>,
    loads: Mutex<Vec<ModelRef>>,
}

impl ModelStore for MemoryStore {
    fn register(&self, new: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let mut versions = self.versions.lock().unwrap();
        let artifact = new.artifact.clone();
        let v = ModelVersion::from_new(new, versions.len() as u32 + 1, String::new(), registered_at());
        versions.push((v.clone(), artifact));
        Ok(v)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        let version = match reference {
            ModelRef::Version { version, .. } => Some(*version),
            ModelRef::Alias { name, alias } => {
                self.aliases.lock().unwrap().iter().rfind(|m| &m.name == name && &m.alias == alias).and_then(|m| m.to)
            }
        };
        let versions = self.versions.lock().unwrap();
        version
            .and_then(|v| versions.get(v as usize - 1))
            .filter(|(v, _)| v.name == reference.name())
            .map(|(v, _)| v.clone())
            .ok_or_else(|| Error::NotFound { what: "model", id: reference.to_string() })
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.loads.lock().unwrap().push(reference.clone());
        let v = self.resolve(reference)?;
        Ok(self.versions.lock().unwrap()[v.version as usize - 1].1.clone())
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        let from = self.resolve(&ModelRef::Alias { name: name.into(), alias: alias.into() }).ok().map(|v| v.version);
        let m = AliasMove {
            name: name.into(),
            alias: alias.into(),
            from,
            to: Some(version),
            actor: actor.into(),
            at: registered_at(),
            reason: reason.into(),
        };
        self.aliases.lock().unwrap().push(m.clone());
        Ok(m)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(self.aliases.lock().unwrap().iter().filter(|m| m.name == name && m.alias == alias).cloned().collect())
    }

    fn rollback(&self, _: &str, _: &str, _: &str, _: &str) -> forecast_core::Result<AliasMove> {
        Err(Error::InvalidData("not needed by these tests".into()))
    }
}

#[test]
fn champion_swapped_mid_stream_from_eight_producers_scores_every_event_once() {
    let (panel, history) = data();
    let v1 = fit(&history, 4);
    let v2 = fit(&history, 12);
    let expected = [batch_forecasts(&v1, &panel), batch_forecasts(&v2, &panel)];
    let store = Arc::new(MemoryStore::default());
    for p in [&v1, &v2] {
        store.register(NewModelVersion::new("demand", ModelArtifact::from(p.clone()), "test")).unwrap();
    }
    store.set_alias("demand", "champion", 1, "test", "first").unwrap();
    let clock = clock();
    let model = ServedModel::prepare(Arc::new(v1), Some(1), &BandParams::default(), &history).unwrap();
    let params = EngineParams { max_batch: 7, ..EngineParams::default() };
    let mut engine = ScoringEngine::new(model, Arc::new(history), params, clock.clone()).unwrap();
    let reference: ModelRef = "demand@champion".parse().unwrap();
    let watcher = ModelWatcher::new(store.clone(), reference, TimeDelta::hours(1), Some(1)).unwrap();
    let notifier = watcher.notifier();
    engine.watch(watcher);

    let events = events(&panel, clock.clone());
    let total = events.len();
    // One producer thread per series, each sending its series in order through a small channel.
    let (producer, mut source) = channel(16);
    let mut per_series: Vec<Vec<Event>> = vec![Vec::new(); panel.series.len()];
    for e in events {
        let s = panel.series.iter().position(|s| s.key == *e.key).unwrap();
        per_series[s].push(e);
    }
    assert_eq!(per_series.len(), 8);
    let threads: Vec<_> = per_series
        .into_iter()
        .map(|mine| {
            let producer = producer.clone();
            std::thread::spawn(move || mine.into_iter().for_each(|e| producer.send(e).unwrap()))
        })
        .collect();
    drop(producer);

    let mut scored: Vec<Scored> = Vec::new();
    let mut received = 0;
    loop {
        match source.poll_next().unwrap() {
            Next::Event(e) => {
                received += 1;
                if received == total / 2 {
                    store.set_alias("demand", "champion", 2, "test", "better").unwrap();
                    notifier.notify();
                }
                scored.extend(engine.ingest(e).unwrap());
            }
            Next::Pending { .. } => {
                // The producers are behind: move the clock past the batch wait, as a driver would.
                clock.advance(TimeDelta::milliseconds(1));
                scored.extend(engine.tick().unwrap());
                std::thread::yield_now();
            }
            Next::Closed => break,
        }
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
    scored.extend(engine.flush().unwrap());

    // Every event exactly once.
    let mut seqs: Vec<u64> = scored.iter().map(|s| s.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..total as u64).collect::<Vec<_>>());
    let stats = engine.stats();
    assert_eq!((stats.scored, stats.rejected, stats.lost(engine.pending()), stats.swaps), (total as u64, 0, 0, 1));
    assert_eq!(engine.model().version(), Some(2));
    // Loaded by number, never by alias.
    assert_eq!(*store.loads.lock().unwrap(), vec![ModelRef::Version { name: "demand".into(), version: 2 }]);
    // Each event was scored by one model, with the series state carried across the swap: its
    // forecast is that model's batch forecast; per series, version 1 then version 2.
    let mut last: BTreeMap<usize, u32> = BTreeMap::new();
    let mut by_version = [0usize; 2];
    for s in &scored {
        let at = locate(&panel, s);
        let v = s.version.unwrap();
        by_version[v as usize - 1] += 1;
        assert_eq!(s.forecast.to_bits(), expected[v as usize - 1][&at].to_bits(), "{at:?} by version {v}");
        assert!(last.insert(at.0, v).is_none_or(|before| before <= v), "{at:?}: back to an older version");
    }
    assert!(by_version[0] >= total / 2 - 1 && by_version[1] > 0, "{by_version:?}");
    assert_ne!(expected[0][&(0, WARM)], expected[1][&(0, WARM)], "the two versions must forecast differently");
}

/// Four busy daily series (a weekly pattern on a level of 200, noise of a few units), no regressors.
fn busy_panel(days: usize) -> Panel {
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 9) as f64
    };
    let series = (0..4)
        .map(|i| forecast_core::Series {
            key: forecast_core::SeriesKey(vec![format!("s{i}")]),
            start,
            target: (0..days)
                .map(|t| 200.0 + 10.0 * i as f64 + [0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 50.0][t % 7] + noise())
                .collect(),
            regressors: vec![],
            statics: vec![],
        })
        .collect();
    Panel::new(forecast_core::Frequency::Daily, vec!["series".into()], "units", vec![], vec![], vec![], series).unwrap()
}

#[test]
fn the_residual_detector_finds_clear_spikes_above_and_drops_below() {
    let clean = busy_panel(200);
    let specs = [AnomalyKind::Spike, AnomalyKind::Drop]
        .map(|k| AnomalySpec { per_1000: 40.0, ..AnomalySpec::default_for(k) })
        .to_vec();
    let (panel, truth) =
        inject(&clean, &AnomalyPlan { skip_first: WARM, ..AnomalyPlan::with_specs(8, specs) }).unwrap();
    for kind in [AnomalyKind::Spike, AnomalyKind::Drop] {
        assert!(truth.episodes.iter().any(|e| e.kind == kind), "no {kind:?} placed: {:?}", truth.not_placed);
    }
    let mut history = panel.clone();
    history.series.iter_mut().for_each(|s| s.target.truncate(WARM));
    let pipeline = Arc::new(fit(&history, 30));
    let clock = clock();
    let model = ServedModel::prepare(pipeline, None, &BandParams::default(), &history).unwrap();
    let params =
        EngineParams { detectors: vec![DetectorSpec::from_name("residual").unwrap()], ..EngineParams::default() };
    let mut engine = ScoringEngine::new(model, Arc::new(history), params, clock.clone()).unwrap();
    let mut scored = Vec::new();
    for e in events(&panel, clock) {
        scored.extend(engine.ingest(e).unwrap());
    }
    scored.extend(engine.flush().unwrap());
    let mut evaluation = Evaluation::new(&truth);
    for s in &scored {
        let label = truth.label_at(&s.key, s.timestamp.date_naive());
        let side = s.alerts.first().and_then(|a| a.direction());
        assert_eq!(s.alerts.len(), usize::from(s.verdicts[0].flagged));
        match label {
            Some(AnomalyKind::Spike) => assert_eq!(side, Some(Direction::Above), "spike missed: {s:?}"),
            Some(AnomalyKind::Drop) => assert_eq!(side, Some(Direction::Below), "drop missed: {s:?}"),
            _ => {}
        }
        if let Some(d) = side {
            evaluation.record_direction(&s.key, s.timestamp, d).unwrap();
        }
    }
    for kind in [AnomalyKind::Spike, AnomalyKind::Drop] {
        let score = evaluation.score_with(Some(kind), FlagScoring::KindDirection);
        assert_eq!(score.episodes_detected, score.episodes, "{kind:?}");
    }
}
