//! Resolve `name@champion` and load its artifact from a registry holding many versions.
//!
//! `cargo bench --bench registry` stores 10,000 versions of tenant `acme` (distinct 64-feature
//! linear artifacts) beside 1,000 of another tenant in a WAL-mode SQLite file; run as a test
//! (`cargo test --benches`) it stores 100 so the smoke run stays cheap.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use forecast::core::model::{LinearModel, Link};
use forecast::core::tenant::TenantId;
use forecast::core::{ModelArtifact, ModelRef, NewModelVersion, NoAudit, SystemClock};
use forecast::mlops::{Registry, TenantRegistry};
use std::hint::black_box;
use std::sync::Arc;

const N_FEATURES: usize = 64;

fn artifact(seed: usize) -> ModelArtifact {
    let coefficients = (0..N_FEATURES).map(|i| ((seed * 31 + i * 7) % 997) as f64 / 100.0).collect();
    ModelArtifact::from(LinearModel {
        coefficients,
        intercept: seed as f64,
        impute: vec![0.0; N_FEATURES],
        link: Link::Log,
    })
}

fn registry_with(n_versions: usize, dir: &std::path::Path) -> TenantRegistry {
    let db = Registry::open(dir.join("bench.db"), Arc::new(SystemClock), Arc::new(NoAudit)).expect("open registry");
    // A second tenant's versions share the tables, so the tenant key has to narrow every lookup.
    let other = db.tenant(&TenantId::new("other").expect("tenant id"));
    for seed in 0..n_versions / 10 {
        other.register(NewModelVersion::new("demand", artifact(seed), "bench")).expect("register");
    }
    let reg = db.tenant(&TenantId::new("acme").expect("tenant id"));
    for seed in 0..n_versions {
        let v = reg.register(NewModelVersion::new("demand", artifact(seed), "bench")).expect("register");
        if v.version.is_multiple_of(1000) || v.version == 1 {
            reg.set_alias("demand", "champion", v.version, "bench", "promote").expect("alias");
        }
    }
    reg.set_alias("demand", "champion", (n_versions / 2).max(1) as u32, "bench", "pin").expect("alias");
    reg
}

fn resolve_and_load(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let n_versions = if full { 10_000 } else { 100 };
    let dir = tempfile::tempdir().expect("temp dir");
    let reg = registry_with(n_versions, dir.path());
    let champion: ModelRef = "demand@champion".parse().expect("reference");
    let mut group = c.benchmark_group("registry");
    group.bench_with_input(BenchmarkId::new("resolve_champion", n_versions), &champion, |b, r| {
        b.iter(|| black_box(reg.resolve(r).expect("resolve")));
    });
    group.bench_with_input(BenchmarkId::new("resolve_and_load_predictor", n_versions), &champion, |b, r| {
        b.iter(|| black_box(reg.load_predictor(r).expect("load")));
    });
    group.finish();
}

criterion_group!(benches, resolve_and_load);
criterion_main!(benches);
