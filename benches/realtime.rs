//! Streaming detectors and statistics: points per second on one thread (score, then learn), for
//! each detector with its defaults; the KLL sketch's push; the bounded channel's send and receive.
//! The scoring engine end to end (`engine/ingest`: streaming features, micro-batched scoring
//! through the fitted GBDT, the residual and ADWIN detectors per series) against the compiled
//! predictor alone on the same feature rows in the same batches (`engine/kernel`).

use chrono::TimeDelta;
use criterion::BatchSize;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::core::data::RetailGenerator;
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::GlobalForecaster;
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::pipeline::PipelineStream;
use forecast::core::{Clock, ParamGuard, SystemClock};
use forecast::realtime::detect::{DetectorSpec, LearnPolicy};
use forecast::realtime::engine::{BandParams, EngineParams, ScoringEngine, ServedModel};
use forecast::realtime::source::{Next, Pace, Replay, Source};
use forecast::realtime::stats::KllSketch;
use ndarray::ArrayView2;
use std::hint::black_box;
use std::sync::Arc;

const POINTS: usize = 10_000;

/// A deterministic stream: a daily cycle with noise from a fixed linear congruential generator.
fn stream(n: usize, dims: usize) -> Vec<Vec<f64>> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|i| {
            (0..dims)
                .map(|d| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                    50.0 + 10.0 * ((i + 7 * d) as f64 * std::f64::consts::TAU / 24.0).sin() + 4.0 * noise
                })
                .collect()
        })
        .collect()
}

fn detectors(c: &mut Criterion) {
    let mut group = c.benchmark_group("detector_observe");
    group.throughput(Throughput::Elements(POINTS as u64));
    for (name, dims) in [("zscore", 1), ("mad", 1), ("ewma", 1), ("cusum", 1), ("adwin", 1), ("hst", 1), ("hst", 9)] {
        let points = stream(POINTS, dims);
        let spec = DetectorSpec::from_name(name).expect("known detector");
        group.bench_with_input(BenchmarkId::new(name, dims), &points, |b, points| {
            b.iter(|| {
                let mut detector = spec.build(dims, 42).expect("valid defaults");
                for x in points {
                    black_box(detector.observe(x, LearnPolicy::All).expect("finite input"));
                }
            })
        });
    }
    let residual: Vec<Vec<f64>> = stream(POINTS, 1).into_iter().map(|x| vec![x[0], 50.0, 30.0, 70.0]).collect();
    let spec = DetectorSpec::from_name("residual").expect("known detector");
    group.bench_with_input(BenchmarkId::new("residual", 4), &residual, |b, points| {
        b.iter(|| {
            let mut detector = spec.build(4, 0).expect("valid defaults");
            for x in points {
                black_box(detector.observe(x, LearnPolicy::All).expect("valid interval"));
            }
        })
    });
    group.finish();
}

fn sketch(c: &mut Criterion) {
    let mut group = c.benchmark_group("kll_push");
    group.throughput(Throughput::Elements(POINTS as u64));
    let values: Vec<f64> = stream(POINTS, 1).into_iter().map(|x| x[0]).collect();
    group.bench_function("k200", |b| {
        b.iter(|| {
            let mut s = KllSketch::new(200, 1);
            values.iter().for_each(|&v| s.push(v));
            black_box(s.quantile(0.99))
        })
    });
    group.finish();
}

/// The default panel's 50 series: fitted on days 0..544, warm-started on 0..600, the 130 days
/// after replayed (6,500 events) as fast as possible, batches of 256.
fn engine(c: &mut Criterion) {
    const WARM: usize = 600;
    let panel = RetailGenerator::new(42).generate().panel;
    let spec = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let params = Gbdt::params().objective(Objective::Poisson).n_rounds(100).check().expect("valid GBDT");
    let model = GlobalForecaster::new("gbdt", params, spec);
    let pipeline = Arc::new(model.fit_pipeline_until(&panel, &vec![544; panel.series.len()]).expect("fits"));
    let mut history = panel.clone();
    history.series.iter_mut().for_each(|s| s.target.truncate(WARM));
    let history = Arc::new(history);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let start = panel.date(&panel.series[0], WARM).expect("a date");
    let mut replay = Replay::new(Arc::new(panel.clone()), Pace::AsFastAsPossible, clock.clone())
        .expect("replay")
        .lookahead(60)
        .starting_from(start)
        .expect("on the calendar");
    let mut events = Vec::new();
    while let Ok(Next::Event(e)) = replay.poll_next() {
        events.push(e);
    }
    let served = ServedModel::prepare(pipeline.clone(), None, &BandParams::default(), &history).expect("band");
    let params = EngineParams { max_batch: 256, max_wait: TimeDelta::milliseconds(1), ..EngineParams::default() };
    let fresh = || ScoringEngine::new(served.clone(), history.clone(), params.clone(), clock.clone()).expect("engine");

    // The exact rows the engine scores, for the kernel alone.
    let stream = PipelineStream::new(pipeline.clone()).expect("global");
    let mut states = stream.warm_start(&history).expect("warm start");
    let width = stream.row_width(1).expect("step 1");
    let mut rows = vec![0.0; width * events.len()];
    for (e, row) in events.iter().zip(rows.chunks_exact_mut(width)) {
        let s = panel.series.iter().position(|s| s.key == *e.key).expect("known series");
        let f = stream.features();
        let date = e.timestamp.date_naive();
        let t = f.next_index(&states[s], date).expect("in order");
        f.plan_at(&mut states[s], t, &e.regressors).expect("plan");
        if let Some(plan) = &e.plan {
            f.plan_at(&mut states[s], t + plan.offset, &plan.rows).expect("plan ahead");
        }
        f.advance_to_index(&mut states[s], t).expect("advance");
        stream.step_row(&states[s], 1, row).expect("row");
        f.push(&mut states[s], e.value).expect("push");
    }
    let point = &pipeline.step_models()[stream.step_model(1).expect("step 1")].point;

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20);
    group.bench_function("ingest", |b| {
        b.iter_batched(
            || (fresh(), events.clone()),
            |(mut engine, events)| {
                let mut n = 0;
                for e in events {
                    n += engine.ingest(e).expect("scored").len();
                }
                n += engine.flush().expect("scored").len();
                black_box(n)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("kernel", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for chunk in rows.chunks(width * 256) {
                let x = ArrayView2::from_shape((chunk.len() / width, width), chunk).expect("whole rows");
                sum += point.predict(x).expect("scored").sum();
            }
            black_box(sum)
        })
    });
    group.finish();
}

criterion_group!(benches, detectors, sketch, engine);
criterion_main!(benches);
