//! Replay the default panel with injected anomalies through a fitted pipeline: streaming
//! features, micro-batched one-step forecasts, every detector per series, alerts as they fire,
//! then a table per detector (precision, recall, F1, detection delay) and the engine's
//! throughput and latency.
//!
//! ```text
//! cargo run --release --example stream                       # paced at 5,000 events/s
//! cargo run --release --example stream -- --as-fast-as-possible --events 200000 --json
//! cargo run --release --example stream -- --by-kind          # one pass per anomaly kind
//! ```
//!
//! The GBDT is fitted on days 0..544 of the default panel (5 stores x 10 items), the engine is
//! warm-started on days 0..600 (its residual band calibrated on the one-step forecasts of days
//! 544..600, out of sample), and days 600.. are replayed with anomalies injected there only. More
//! `--events` than the default 130 replayed days hold extend the panel's days (same series, same
//! model). With `--json` the last line on stdout is one JSON object:
//! `{"events", "events_per_s", "latency_us_p50", "latency_us_p99", "lost", "detectors": {...}, ...}`.
//! With `--by-kind`, `by_kind` holds one run per kind, scored on the flags of the kind's side for
//! the detectors that flag with one (`"flags": "above"`, from their alerts' `direction` label)
//! and on every flag otherwise (`"flags": "all"`), with the every-flag figures under `all_flags`;
//! `episodes_by_kind` counts the episodes placed and not placed.
//!
//! Besides the end-to-end run, the example times the parts on the same events: the replay alone
//! (source), the streaming feature rows alone (features), and the compiled predictor on those
//! exact rows in batches of `--max-batch` (kernel); `engine_vs_kernel` is the engine's events/s
//! over the kernel's rows/s.

use chrono::TimeDelta;
use clap::Parser;
use forecast::core::data::{GeneratedData, RetailGenerator};
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::GlobalForecaster;
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::pipeline::PipelineStream;
use forecast::core::{Clock, ForecastPipeline, Panel, ParamGuard, SystemClock};
use forecast::realtime::alert::{AlertManager, AlertSink, LogSink, Route};
use forecast::realtime::detect::{DETECTOR_NAMES, DetectorSpec, Direction, LearnPolicy, is_directional};
use forecast::realtime::engine::{
    BandParams, DetectionScore, EngineParams, Evaluation, FlagScoring, Scored, ScoringEngine, ServedModel,
};
use forecast::realtime::source::{
    AnomalyKind, AnomalyPlan, AnomalySpec, GroundTruth, Next, Pace, Replay, Source, inject,
};
use ndarray::ArrayView2;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Days the GBDT is fitted on.
const FIT_DAYS: usize = 544;
/// Days of warm-start history (the last 56 calibrate the residual band).
const WARM_DAYS: usize = 600;

#[derive(Debug, Parser)]
#[command(about = "Stream the default panel with injected anomalies through a fitted pipeline")]
struct Args {
    /// Events to replay (default: the 130 days after the warm-start, 6,500 events); more extend the panel.
    #[arg(long)]
    events: Option<usize>,
    /// Emit every event at once instead of at `--rate` on the system clock (a benchmark).
    #[arg(long)]
    as_fast_as_possible: bool,
    /// Events per second when paced.
    #[arg(long, default_value_t = 5000.0)]
    rate: f64,
    /// Print one JSON object last on stdout (alerts go to stderr then).
    #[arg(long)]
    json: bool,
    /// Seed of the anomaly plan.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Largest micro-batch.
    #[arg(long, default_value_t = 256)]
    max_batch: usize,
    /// Longest wait of an event for its batch, in microseconds.
    #[arg(long, default_value_t = 1000)]
    max_wait_us: i64,
    /// Detectors run on every series (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = DETECTOR_NAMES.map(String::from))]
    detectors: Vec<String>,
    /// Anomaly episodes per 1000 periods, relative to the simulator's defaults (2 spikes, 2 drops,
    /// 0.5 level shifts, stuck runs and stockouts): at 1 the 130 replayed days hold only ~13 spikes.
    #[arg(long, default_value_t = 10.0)]
    anomaly_rate: f64,
    /// Size of spikes and drops in noise σ (the simulator's default is 4).
    #[arg(long)]
    magnitude: Option<f64>,
    /// Also replay once per anomaly kind (that kind only), for a per-kind precision.
    #[arg(long)]
    by_kind: bool,
    /// Keep flagged points out of the detectors' state (River's protect_anomaly_detector).
    #[arg(long)]
    skip_flagged: bool,
    /// Roll the residual band's tails on the stream (`BandParams::rolling`) instead of calibrating
    /// them once on the warm-start days.
    #[arg(long)]
    rolling_band: bool,
    /// Periods before the calibration days whose one-step residuals give each series' difficulty
    /// in the residual band (`BandParams::scale_periods`; 0: one band for all series).
    #[arg(long, default_value_t = BandParams::default().scale_periods)]
    band_scale_periods: usize,
    /// Let the rolling band learn the points outside it as they are (default: censored).
    #[arg(long)]
    band_learns_flagged: bool,
    /// When paced, wait for the next event or batch deadline by spinning on the clock instead of
    /// sleeping (a sleep on a loaded machine overshoots by milliseconds; spinning burns a core).
    #[arg(long)]
    spin: bool,
    /// Write every scored event of the main run to this CSV (series, date, actual, forecast,
    /// interval, label, each detector's score) for offline analysis.
    #[arg(long)]
    dump: Option<std::path::PathBuf>,
    /// Boosting rounds of the GBDT.
    #[arg(long, default_value_t = 100)]
    rounds: usize,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The panel, the fitted pipeline and the warm-start history.
struct Setup {
    panel: Panel,
    history: Arc<Panel>,
    pipeline: Arc<ForecastPipeline>,
    replay_events: usize,
}

fn setup(args: &Args) -> Res<Setup> {
    let series = 50;
    let default_events = series * (730 - WARM_DAYS);
    let replay_events = args.events.unwrap_or(default_events);
    let data: GeneratedData = if replay_events <= default_events {
        RetailGenerator::new(42).generate()
    } else {
        RetailGenerator::new(42).days(WARM_DAYS + replay_events.div_ceil(series)).generate()
    };
    let panel = data.panel;
    let spec = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let params = Gbdt::params().objective(Objective::Poisson).n_rounds(args.rounds).check()?;
    let model = GlobalForecaster::new("gbdt", params, spec);
    let started = Instant::now();
    let pipeline = Arc::new(model.fit_pipeline_until(&panel, &vec![FIT_DAYS; panel.series.len()])?);
    eprintln!(
        "fitted {} rounds on {FIT_DAYS} days x {} series in {:.2?}",
        args.rounds,
        panel.series.len(),
        started.elapsed()
    );
    let mut history = panel.clone();
    history.series.iter_mut().for_each(|s| s.target.truncate(WARM_DAYS));
    Ok(Setup { panel, history: Arc::new(history), pipeline, replay_events })
}

fn plan(args: &Args, kinds: &[AnomalyKind]) -> AnomalyPlan {
    let specs = kinds
        .iter()
        .map(|&k| {
            let mut s = AnomalySpec::default_for(k);
            s.per_1000 *= args.anomaly_rate;
            if let (Some(m), AnomalyKind::Spike | AnomalyKind::Drop) = (args.magnitude, k) {
                s.magnitude = m;
            }
            s
        })
        .collect();
    AnomalyPlan { skip_first: WARM_DAYS, ..AnomalyPlan::with_specs(args.seed, specs) }
}

/// One replay through a fresh engine.
struct Run {
    events: u64,
    elapsed: Duration,
    lost: u64,
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
    batches: u64,
    alerts: usize,
    notifications: usize,
    scores: BTreeMap<&'static str, Value>,
}

fn replay(setup: &Setup, injected: &Arc<Panel>, pace: Pace, clock: &Arc<dyn Clock>) -> Res<Replay> {
    let start = setup.panel.date(&setup.panel.series[0], WARM_DAYS).ok_or("no warm-start date")?;
    Ok(Replay::new(injected.clone(), pace, clock.clone())?.lookahead(60).starting_from(start)?)
}

/// The engine's parameters; with `alert_all` every detector raises alerts (their `direction`
/// label gives the side of each flag to the per-kind evaluation), else only the residual detector.
fn engine_params(args: &Args, alert_all: bool) -> Res<EngineParams> {
    if args.detectors.len() > 64 {
        return Err(format!("--detectors: {} given, at most 64", args.detectors.len()).into());
    }
    let detectors = args.detectors.iter().map(|d| DetectorSpec::from_name(d)).collect::<Result<Vec<_>, _>>()?;
    let alert_on = if alert_all {
        args.detectors.clone()
    } else if args.detectors.iter().any(|d| d == "residual") {
        vec!["residual".to_string()]
    } else {
        args.detectors.first().cloned().into_iter().collect()
    };
    Ok(EngineParams {
        max_batch: args.max_batch,
        max_wait: TimeDelta::microseconds(args.max_wait_us),
        detectors,
        alert_on,
        policy: if args.skip_flagged { LearnPolicy::SkipFlagged } else { LearnPolicy::All },
        ..EngineParams::default()
    })
}

fn run_once(setup: &Setup, kinds: &[AnomalyKind], args: &Args, print_alerts: bool) -> Res<(Run, GroundTruth)> {
    let (injected, truth) = inject(&setup.panel, &plan(args, kinds))?;
    let injected = Arc::new(injected);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let learn = if args.band_learns_flagged { LearnPolicy::All } else { LearnPolicy::SkipFlagged };
    let band = BandParams {
        rolling: args.rolling_band,
        learn,
        scale_periods: args.band_scale_periods,
        ..BandParams::default()
    };
    let model = ServedModel::prepare(setup.pipeline.clone(), None, &band, &setup.history)?;
    // A one-kind run is scored per side (spikes on flags above, drops below): every detector
    // then alerts, its alerts carrying the side.
    let one_kind = match kinds {
        [kind] => Some(*kind),
        _ => None,
    };
    let mut engine =
        ScoringEngine::new(model, setup.history.clone(), engine_params(args, one_kind.is_some())?, clock.clone())?;
    let names = engine.detector_names();
    let mut evaluations: Vec<Evaluation> = names.iter().map(|_| Evaluation::new(&truth)).collect();
    let sink: Arc<dyn AlertSink> =
        if args.json { Arc::new(LogSink::new(std::io::stderr())) } else { Arc::new(LogSink::new(std::io::stdout())) };
    let route = Route {
        group_by: vec!["store".into(), "detector".into()],
        group_wait: TimeDelta::zero(),
        group_interval: TimeDelta::seconds(1),
        ..Route::default()
    };
    let mut alerts = AlertManager::new(clock.clone(), vec![route], vec![], vec![("default".into(), sink)])?;
    let (mut n_alerts, mut notifications) = (0, 0);
    let pace = if args.as_fast_as_possible { Pace::AsFastAsPossible } else { Pace::PerSecond(args.rate) };
    let mut source = replay(setup, &injected, pace, &clock)?;
    let mut dump = match (&args.dump, print_alerts) {
        (Some(path), true) => {
            let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
            writeln!(w, "series,date,actual,forecast,lower,upper,label,{}", names.join(","))?;
            Some(w)
        }
        _ => None,
    };
    let mut verdict_log = Vec::with_capacity(setup.replay_events);
    let mut handle = |scored: Vec<Scored>, alerts: &mut AlertManager| -> Res<()> {
        for s in scored {
            if let Some(w) = dump.as_mut() {
                let date = s.timestamp.date_naive();
                let label = truth.label_at(&s.key, date).map_or("", |k| k.name());
                let scores: Vec<String> = s.verdicts.iter().map(|v| v.score.to_string()).collect();
                writeln!(
                    w,
                    "{},{date},{},{},{},{},{label},{}",
                    s.key.0.join("/"),
                    s.value,
                    s.forecast,
                    s.interval.0,
                    s.interval.1,
                    scores.join(",")
                )?;
            }
            // Scored against the labels after the timed loop: evaluation is not the engine's work.
            let flags = s.verdicts.iter().enumerate().fold(0u64, |m, (d, v)| m | (u64::from(v.flagged) << d));
            let (mut above, mut below) = (0u64, 0u64);
            for a in &s.alerts {
                if let Some(d) = names.iter().position(|&n| n == a.labels.get("detector")) {
                    match a.direction() {
                        Some(Direction::Above) => above |= 1 << d,
                        Some(Direction::Below) => below |= 1 << d,
                        None => {}
                    }
                }
            }
            verdict_log.push((s.key, s.timestamp, flags, above, below));
            if print_alerts {
                for a in s.alerts {
                    n_alerts += 1;
                    alerts.fire(a)?;
                }
            }
        }
        Ok(())
    };
    let started = Instant::now();
    let (taken, delivered) =
        drive(&mut source, &mut engine, &mut alerts, setup.replay_events as u64, args.spin, &clock, &mut handle)?;
    let elapsed = started.elapsed();
    notifications += delivered;
    notifications += alerts.tick().delivered;
    for (key, timestamp, flags, above, below) in &verdict_log {
        for (d, e) in evaluations.iter_mut().enumerate() {
            e.record(key, *timestamp, flags >> d & 1 == 1)?;
            for (mask, side) in [(above, Direction::Above), (below, Direction::Below)] {
                if mask >> d & 1 == 1 {
                    e.record_direction(key, *timestamp, side)?;
                }
            }
        }
    }
    let stats = engine.stats();
    let lat = engine.latency();
    let scores = names
        .iter()
        .zip(&evaluations)
        .map(|(&name, e)| {
            let figures = |s: DetectionScore| json!({"precision": s.precision, "recall": s.recall, "f1": s.f1, "delay_mean": s.delay_mean, "episodes": s.episodes, "episodes_detected": s.episodes_detected, "true_positives": s.true_positives, "false_positives": s.false_positives, "false_positives_after": s.false_positives_after});
            let all_flags = figures(e.score(one_kind));
            let Some(kind) = one_kind else { return (name, all_flags) };
            // Scored on the kind's side when both kind and detector have one, on every flag else.
            let side = kind.direction().filter(|_| is_directional(name));
            let mut scored = figures(e.score_with(one_kind, FlagScoring::KindDirection));
            scored["flags"] = json!(side.map_or("all", Direction::name));
            scored["all_flags"] = all_flags;
            (name, scored)
        })
        .collect();
    let run = Run {
        events: taken,
        elapsed,
        lost: taken.saturating_sub(stats.scored),
        p50: lat.quantile_us(0.5),
        p99: lat.quantile_us(0.99),
        p999: lat.quantile_us(0.999),
        max: lat.quantile_us(1.0),
        batches: stats.batches,
        alerts: n_alerts,
        notifications,
        scores,
    };
    Ok((run, truth))
}

/// The timed loop: up to `limit` events from the source through the engine, each scored batch
/// to `handle` and the alert manager ticked after it, the open batch flushed at the end.
/// Returns the events taken and the notifications delivered. Never inlined, so that a profiler
/// counts it alone (`valgrind --tool=callgrind --toggle-collect='stream::drive*'`).
#[inline(never)]
fn drive(
    source: &mut Replay,
    engine: &mut ScoringEngine,
    alerts: &mut AlertManager,
    limit: u64,
    spin: bool,
    clock: &Arc<dyn Clock>,
    handle: &mut dyn FnMut(Vec<Scored>, &mut AlertManager) -> Res<()>,
) -> Res<(u64, usize)> {
    let (mut taken, mut notifications) = (0u64, 0usize);
    while taken < limit {
        match source.poll_next()? {
            Next::Event(event) => {
                taken += 1;
                let scored = engine.ingest(event)?;
                if !scored.is_empty() {
                    handle(scored, alerts)?;
                    notifications += alerts.tick().delivered;
                }
            }
            Next::Pending { until } => {
                let scored = engine.tick()?;
                if !scored.is_empty() {
                    handle(scored, alerts)?;
                    notifications += alerts.tick().delivered;
                }
                let wake = [until, engine.deadline()].into_iter().flatten().min();
                if let Some(w) = wake {
                    if spin {
                        while clock.now() < w {
                            std::hint::spin_loop();
                        }
                    } else if let Ok(wait) = (w - clock.now()).to_std() {
                        std::thread::sleep(wait.min(Duration::from_millis(1)));
                    }
                }
            }
            Next::Closed => break,
        }
    }
    let last = engine.flush()?;
    handle(last, alerts)?;
    Ok((taken, notifications))
}

/// The parts alone, on the same events: the replay, the streaming rows, and the compiled
/// predictor on those rows in batches of `max_batch`.
struct Parts {
    source: Duration,
    features: Duration,
    kernel: Duration,
    rows: usize,
}

fn parts(setup: &Setup, args: &Args) -> Res<Parts> {
    let (injected, _) = inject(&setup.panel, &plan(args, &AnomalyKind::ALL))?;
    let injected = Arc::new(injected);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let limit = setup.replay_events;
    let mut source = replay(setup, &injected, Pace::AsFastAsPossible, &clock)?;
    let started = Instant::now();
    let mut events = Vec::with_capacity(limit);
    while let Next::Event(e) = source.poll_next()? {
        events.push(e);
        if events.len() == limit {
            break;
        }
    }
    let source_time = started.elapsed();
    let stream = PipelineStream::new(setup.pipeline.clone())?;
    let features = stream.features();
    let mut states = stream.warm_start(&setup.history)?;
    let index: std::collections::HashMap<_, _> =
        setup.history.series.iter().enumerate().map(|(i, s)| (s.key.clone(), i)).collect();
    let width = stream.row_width(1)?;
    let mut rows = vec![0.0; width * events.len()];
    let started = Instant::now();
    for (e, row) in events.iter().zip(rows.chunks_exact_mut(width)) {
        let state = &mut states[index[&*e.key]];
        let date = e.timestamp.date_naive();
        let t = features.next_index(state, date)?;
        features.plan_at(state, t, &e.regressors)?;
        if let Some(plan) = &e.plan
            && let Some(first) = t.checked_add(plan.offset)
        {
            features.plan_at(state, first, &plan.rows)?;
        }
        features.advance_to_index(state, t)?;
        stream.step_row(state, 1, row)?;
        features.push(state, e.value)?;
    }
    let feature_time = started.elapsed();
    let model = &setup.pipeline.step_models()[stream.step_model(1)?].point;
    // Compile outside the timing.
    model.predict(ArrayView2::from_shape((1, width), &rows[..width])?)?;
    let started = Instant::now();
    let mut sum = 0.0;
    for chunk in rows.chunks(width * args.max_batch) {
        let x = ArrayView2::from_shape((chunk.len() / width, width), chunk)?;
        sum += model.predict(x)?.sum();
    }
    let kernel = started.elapsed();
    std::hint::black_box(sum);
    Ok(Parts { source: source_time, features: feature_time, kernel, rows: events.len() })
}

fn per_s(n: u64, d: Duration) -> f64 {
    if d.is_zero() { 0.0 } else { n as f64 / d.as_secs_f64() }
}

fn print_table(title: &str, scores: &BTreeMap<&'static str, Value>, order: &[&str]) {
    println!("\n{title}");
    println!(
        "| detector | flags scored | precision | recall | F1 | episodes detected | delay mean (periods) | F1 on all flags |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for name in order {
        if let Some(s) = scores.get(name) {
            let f = |k: &str| s[k].as_f64().unwrap_or(f64::NAN);
            let delay = s["delay_mean"].as_f64().map_or("-".to_string(), |d| format!("{d:.2}"));
            let all_flags = s["all_flags"]["f1"].as_f64().unwrap_or(f("f1"));
            println!(
                "| {name} | {} | {:.3} | {:.3} | {:.3} | {}/{} | {delay} | {all_flags:.3} |",
                s["flags"].as_str().unwrap_or("all"),
                f("precision"),
                f("recall"),
                f("f1"),
                s["episodes_detected"],
                s["episodes"]
            );
        }
    }
}

fn run(args: &Args) -> Res<()> {
    let setup = setup(args)?;
    let (main, truth) = run_once(&setup, &AnomalyKind::ALL, args, true)?;
    let parts = parts(&setup, args)?;
    let order: Vec<&str> = args.detectors.iter().map(String::as_str).collect();
    let events_per_s = per_s(main.events, main.elapsed);
    let kernel_per_s = per_s(parts.rows as u64, parts.kernel);
    let mut by_kind = Map::new();
    let mut best = Map::new();
    let mut placed = Map::new();
    if args.by_kind {
        for kind in AnomalyKind::ALL {
            let (r, t) = run_once(&setup, &[kind], args, false)?;
            if !args.json {
                print_table(&format!("{} only ({} episodes)", kind.name(), t.episodes.len()), &r.scores, &order);
            }
            let winner = r
                .scores
                .iter()
                .max_by(|a, b| a.1["f1"].as_f64().unwrap_or(0.0).total_cmp(&b.1["f1"].as_f64().unwrap_or(0.0)))
                .map(|(n, s)| json!({"detector": n, "f1": s["f1"]}));
            best.insert(kind.name().into(), winner.unwrap_or(Value::Null));
            let not_placed: usize = t.not_placed.iter().map(|&(_, n)| n).sum();
            placed.insert(kind.name().into(), json!({"placed": t.episodes.len(), "not_placed": not_placed}));
            by_kind.insert(kind.name().into(), json!(r.scores));
        }
    }
    let summary = json!({
        "events": main.events,
        "events_per_s": events_per_s,
        "latency_us_p50": main.p50,
        "latency_us_p99": main.p99,
        "latency_us_p999": main.p999,
        "latency_us_max": main.max,
        "lost": main.lost,
        "batches": main.batches,
        "max_batch": args.max_batch,
        "max_wait_us": args.max_wait_us,
        "paced_rate": if args.as_fast_as_possible { Value::Null } else { json!(args.rate) },
        "alerts": main.alerts,
        "notifications": main.notifications,
        "episodes": truth.episodes.len(),
        "detectors": main.scores,
        "by_kind": by_kind,
        "best_by_kind": best,
        "episodes_by_kind": placed,
        "parts": {
            "source_events_per_s": per_s(parts.rows as u64, parts.source),
            "features_rows_per_s": per_s(parts.rows as u64, parts.features),
            "kernel_rows_per_s": kernel_per_s,
            "engine_vs_kernel": if kernel_per_s > 0.0 { events_per_s / kernel_per_s } else { 0.0 },
            "us_per_event": {
                "end_to_end": 1e6 / events_per_s.max(f64::MIN_POSITIVE),
                "source": parts.source.as_secs_f64() * 1e6 / parts.rows.max(1) as f64,
                "features": parts.features.as_secs_f64() * 1e6 / parts.rows.max(1) as f64,
                "kernel": parts.kernel.as_secs_f64() * 1e6 / parts.rows.max(1) as f64,
            },
        },
    });
    if args.json {
        println!("{summary}");
        return Ok(());
    }
    print_table(
        &format!("all kinds ({} episodes, {} labelled points)", truth.episodes.len(), truth.n_labelled()),
        &main.scores,
        &order,
    );
    println!(
        "\n{} events in {:.3?}: {events_per_s:.0} events/s; latency p50 {:.1} us, p99 {:.1} us, max {:.1} us; {} batches; lost {}",
        main.events, main.elapsed, main.p50, main.p99, main.max, main.batches, main.lost
    );
    println!(
        "parts per event: source {:.3} us, features {:.3} us, kernel {:.3} us ({kernel_per_s:.0} rows/s); engine / kernel = {:.2}",
        summary["parts"]["us_per_event"]["source"].as_f64().unwrap_or(0.0),
        summary["parts"]["us_per_event"]["features"].as_f64().unwrap_or(0.0),
        summary["parts"]["us_per_event"]["kernel"].as_f64().unwrap_or(0.0),
        summary["parts"]["engine_vs_kernel"].as_f64().unwrap_or(0.0),
    );
    Ok(())
}
