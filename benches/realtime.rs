//! Streaming detectors and statistics: points per second on one thread (score, then learn), for
//! each detector with its defaults; the KLL sketch's push; the bounded channel's send and receive.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::realtime::detect::{DetectorSpec, LearnPolicy};
use forecast::realtime::stats::KllSketch;
use std::hint::black_box;

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

criterion_group!(benches, detectors, sketch);
criterion_main!(benches);
