//! Path-dependent TreeSHAP on an imported LightGBM model (crates/xai/tests/fixtures/lgbm_nan.txt:
//! Poisson, 40 trees of up to 24 leaves over 9 features, NaN default directions), on 1, 100 and
//! 2,500 rows, at 1 and 2 threads, by the direct recursion and with the precomputed tables.
//! Interventional TreeSHAP against 100 background rows on 100 rows.
//!
//! `cargo bench --bench treeshap`. The comparison with the `shap` package on a larger model is
//! `benches/scripts/treeshap_vs_shap.py`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::xai::treeshap::{Strategy, lightgbm_contrib_model};
use forecast::xai::{InterventionalShap, TreeShap, read_feature_rows};
use ndarray::{Array2, Axis};
use std::hint::black_box;
use std::path::Path;

fn fixture(name: &str) -> (String, std::path::PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/xai/tests/fixtures").join(name);
    (std::fs::read_to_string(&path).expect("fixture present"), path)
}

/// The fixture's rows, repeated to `n` rows.
fn rows(x: &Array2<f64>, n: usize) -> Array2<f64> {
    let idx: Vec<usize> = (0..n).map(|i| i % x.nrows()).collect();
    x.select(Axis(0), &idx)
}

fn treeshap(c: &mut Criterion) {
    let model = lightgbm_contrib_model(&fixture("lgbm_nan.txt").0).expect("fixture model");
    let (text, path) = fixture("lgbm_nan_rows.csv");
    let x = read_feature_rows(&text, &path, &model.feature_names).expect("fixture rows").x;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        let mut group = c.benchmark_group(format!("treeshap/{threads}t"));
        for n in [1, 100, 2_500] {
            let batch = rows(&x, n);
            group.throughput(Throughput::Elements(n as u64));
            for (name, strategy) in [("direct", Strategy::Direct), ("tables", Strategy::Tables)] {
                let shap = TreeShap::new(&model).expect("covers").strategy(strategy);
                // Tables are built on the first call and kept: time the steady state.
                shap.explain(batch.view()).expect("shapes match");
                group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                    b.iter(|| pool.install(|| shap.explain(black_box(batch.view())).expect("shapes match")))
                });
            }
        }
        group.finish();
    }
    let bg = rows(&x, 100);
    let batch = rows(&x, 100);
    let shap = InterventionalShap::new(&model, bg.view()).expect("background");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    c.bench_function("interventional/1t/100x100", |b| {
        b.iter(|| pool.install(|| shap.explain(black_box(batch.view())).expect("shapes match")))
    });
}

criterion_group!(benches, treeshap);
criterion_main!(benches);
