//! Criterion benches of the native GBDT: fit and predict at several sizes.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use forecast::core::gbdt::{Gbdt, GbdtModel, Objective};
use forecast::core::{Fit, ParamGuard, Predict};
use ndarray::{Array1, Array2};
use std::hint::black_box;

/// A deterministic regression set: `rows x features`, a step, a ramp and an interaction.
fn data(rows: usize, features: usize) -> (Array2<f64>, Array1<f64>) {
    let x = Array2::from_shape_fn((rows, features), |(i, j)| ((i * 7919 + j * 104_729) % 1000) as f64 / 100.0);
    let y =
        x.rows().into_iter().map(|r| if r[0] > 5.0 { 2.0 } else { 0.0 } + 0.3 * r[1] + r[2] * r[3] / 10.0).collect();
    (x, y)
}

fn sizes() -> &'static [usize] {
    // `cargo test --benches` runs each bench once: keep that cheap.
    if cfg!(debug_assertions) { &[500] } else { &[10_000, 100_000] }
}

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("gbdt_fit");
    group.sample_size(10);
    for &rows in sizes() {
        let (x, y) = data(rows, 20);
        for (name, objective) in [("l2", Objective::L2), ("tweedie", Objective::Tweedie { variance_power: 1.3 })] {
            let params = Gbdt::params().objective(objective).n_rounds(50).threads(2).check().expect("valid params");
            group.bench_with_input(BenchmarkId::new(name, rows), &rows, |b, _| {
                b.iter(|| params.fit(black_box(x.view()), black_box(y.view())).expect("fit"));
            });
        }
    }
    group.finish();
}

fn predict(c: &mut Criterion) {
    let mut group = c.benchmark_group("gbdt_predict");
    group.sample_size(10);
    for &rows in sizes() {
        let (x, y) = data(rows, 20);
        let model: GbdtModel =
            Gbdt::params().n_rounds(50).check().expect("valid params").fit(x.view(), y.view()).expect("fit");
        group.bench_with_input(BenchmarkId::new("reference_walk", rows), &rows, |b, _| {
            b.iter(|| model.predict(black_box(x.view())).expect("predict"));
        });
    }
    group.finish();
}

criterion_group!(benches, fit, predict);
criterion_main!(benches);
