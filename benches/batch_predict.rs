//! Batch and single-row scoring of the compiled predictor on a 500-tree x 31-leaf ensemble over
//! 14 features (built from a seed, shaped like a LightGBM retail model: thresholds on a 64-value
//! grid per feature, NaN default directions), at 1 and 2 threads.
//!
//! `cargo bench --bench batch_predict` runs batches of 1, 100, 10k and 1M rows and single
//! rows on every instruction set this CPU supports (`batch_predict/<isa>/<threads>t/<rows>`,
//! `predict_row/<isa>`); `FORECAST_PREDICTOR_ISA=avx512|avx2|scalar` keeps one of them. Under
//! `cargo test` (criterion's test mode: every benchmark once, unoptimised) the 1M-row size is
//! left out so that the smoke test stays fast; it is not a speed claim either way.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::core::predictor::{CompiledPredictor, Isa};
use forecast::core::tree::{Missing, Node, Split, SplitRule, Tree, TreeEnsemble};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const N_FEATURES: usize = 14;
const N_TREES: usize = 500;
const N_LEAVES: usize = 31;

/// Grow one tree leaf-wise (split a random leaf) up to `N_LEAVES` leaves.
fn tree(rng: &mut ChaCha8Rng) -> Tree {
    let mut nodes = vec![Node::Leaf(0.0)];
    let mut leaves = vec![0usize];
    while leaves.len() < N_LEAVES {
        let at = leaves.swap_remove(rng.random_range(0..leaves.len()));
        let (left, right) = (nodes.len(), nodes.len() + 1);
        nodes.push(Node::Leaf(rng.random_range(-0.1..0.1)));
        nodes.push(Node::Leaf(rng.random_range(-0.1..0.1)));
        nodes[at] = Node::Split(Split {
            feature: rng.random_range(0..N_FEATURES as u32),
            rule: SplitRule::LessOrEqual(f64::from(rng.random_range(0..64u32)) / 4.0),
            missing: if rng.random_bool(0.2) { Missing::NaN } else { Missing::None },
            default_left: rng.random_bool(0.5),
            left: left as u32,
            right: right as u32,
        });
        leaves.extend([left, right]);
    }
    Tree { nodes, cover: Vec::new() }
}

fn ensemble(seed: u64) -> TreeEnsemble {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    TreeEnsemble {
        n_features: N_FEATURES,
        trees: (0..N_TREES).map(|_| tree(&mut rng)).collect(),
        base_score: 5.0,
        ..Default::default()
    }
}

fn rows(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * N_FEATURES).map(|_| if rng.random_bool(0.02) { f64::NAN } else { rng.random_range(0.0..16.0) }).collect()
}

/// The instruction sets to run: `FORECAST_PREDICTOR_ISA` if set, else every supported one.
fn isas() -> Vec<Isa> {
    match std::env::var("FORECAST_PREDICTOR_ISA") {
        Ok(name) => {
            let isa: Isa = name.parse().expect("FORECAST_PREDICTOR_ISA is avx512, avx2 or scalar");
            assert!(isa.is_supported(), "FORECAST_PREDICTOR_ISA={name}: not supported by this CPU");
            vec![isa]
        }
        Err(_) => Isa::available(),
    }
}

fn batch_predict(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full { &[1, 100, 10_000, 1_000_000] } else { &[1, 100, 10_000] };
    let model = ensemble(42);
    let all_rows = rows(7, sizes.iter().copied().max().unwrap_or(1));
    for isa in isas() {
        for threads in [1, 2] {
            let p = CompiledPredictor::compile_with(&model, isa).and_then(|p| p.threads(threads)).expect("valid");
            let mut group = c.benchmark_group(format!("batch_predict/{isa}/{threads}t"));
            for &n in sizes {
                let x = &all_rows[..n * N_FEATURES];
                let mut out = vec![0.0; n];
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                    b.iter(|| p.predict_slice(black_box(x), &mut out).expect("shapes match"))
                });
            }
            group.finish();
        }
        let p = CompiledPredictor::compile_with(&model, isa).expect("valid ensemble");
        c.bench_function(&format!("predict_row/{isa}"), |b| {
            let mut r = 0;
            b.iter(|| {
                r = (r + 7919) % 1000;
                p.predict_row(black_box(&all_rows[r * N_FEATURES..(r + 1) * N_FEATURES]))
            })
        });
    }
}

criterion_group!(benches, batch_predict);
criterion_main!(benches);
