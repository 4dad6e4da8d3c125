//! The compiled predictor against the reference walk on random ensembles and rows.

use forecast_core::Predict;
use forecast_core::predictor::{BLOCK_ROWS, CompiledPredictor, Isa};
use forecast_core::tree::{Missing, Node, OutputTransform, Split, SplitRule, Tree, TreeEnsemble};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Values splits and rows share, so rows land exactly on thresholds.
const POOL: [f64; 12] = [-1.0, 0.0, -0.0, 0.5, 1.0, 2.5, 3.0, 1e-36, -1e-36, 7.0, 40.0, f64::INFINITY];

fn pool_value(rng: &mut ChaCha8Rng) -> f64 {
    POOL[rng.random_range(0..POOL.len())]
}

fn grow(rng: &mut ChaCha8Rng, nodes: &mut Vec<Node>, n_features: u32, depth: u32, max_depth: u32) -> u32 {
    let at = nodes.len() as u32;
    if depth >= max_depth || rng.random_bool(0.15) {
        nodes.push(Node::Leaf(rng.random_range(-2.0..2.0)));
        return at;
    }
    let rule = match rng.random_range(0..10) {
        0..4 => SplitRule::LessOrEqual(pool_value(rng)),
        4..8 => SplitRule::Less(if rng.random_bool(0.5) { pool_value(rng) } else { rng.random_range(-3.0..8.0) }),
        8 => SplitRule::Category((0..rng.random_range(1..3)).map(|_| rng.random::<u32>()).collect()),
        _ => SplitRule::LessOrEqual(if rng.random_bool(0.5) { f64::NAN } else { f64::NEG_INFINITY }),
    };
    let missing = [Missing::None, Missing::Zero, Missing::NaN][rng.random_range(0..3)];
    let feature = rng.random_range(0..n_features);
    let default_left = rng.random_bool(0.5);
    nodes.push(Node::Leaf(0.0));
    let left = grow(rng, nodes, n_features, depth + 1, max_depth);
    let right = grow(rng, nodes, n_features, depth + 1, max_depth);
    nodes[at as usize] = Node::Split(Split { feature, rule, missing, default_left, left, right });
    at
}

/// A random ensemble: some trees small (QuickScorer, 32 or 64 leaves), some large (walk).
fn ensemble(seed: u64) -> TreeEnsemble {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_features = rng.random_range(1..6u32);
    let trees = (0..rng.random_range(1..10))
        .map(|_| {
            let mut nodes = Vec::new();
            let max_depth = [1, 3, 5, 6, 8][rng.random_range(0..5)];
            grow(&mut rng, &mut nodes, n_features, 0, max_depth);
            Tree { nodes, cover: Vec::new() }
        })
        .collect();
    TreeEnsemble {
        n_features: n_features as usize,
        feature_names: Vec::new(),
        trees,
        base_score: rng.random_range(-1.0..1.0),
        average: rng.random_bool(0.3),
        transform: [OutputTransform::Identity, OutputTransform::Exp, OutputTransform::Sigmoid][rng.random_range(0..3)],
    }
}

fn rows(seed: u64, n_rows: usize, n_features: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
    (0..n_rows * n_features)
        .map(|_| match rng.random_range(0..8) {
            0 => f64::NAN,
            1..4 => pool_value(&mut rng),
            4 => pool_value(&mut rng).next_up(),
            5 => pool_value(&mut rng).next_down(),
            6 => f64::from(rng.random_range(-3..70)),
            _ => rng.random_range(-3.0..8.0),
        })
        .collect()
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn check(e: &TreeEnsemble, x: &[f64], isa: Isa, threads: usize) -> Result<(), TestCaseError> {
    let nf = e.n_features;
    let p = CompiledPredictor::compile(e).unwrap().with_isa(isa).threads(threads).unwrap();
    let mut batch = vec![0.0; x.len() / nf];
    p.predict_slice(x, &mut batch).unwrap();
    for (r, row) in x.chunks(nf).enumerate() {
        let want = e.predict_row(row);
        prop_assert!(same(batch[r], want), "batch row {r} {row:?}: {} vs reference {want} ({isa:?})", batch[r]);
        let one = p.predict_row(row);
        prop_assert!(same(one, want), "single row {r} {row:?}: {one} vs reference {want} ({isa:?})");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Bit-identical to the reference walk on every instruction set, with one and two threads,
    /// over full and partial row blocks.
    #[test]
    fn compiled_equals_reference(seed in any::<u64>(), extra in 0usize..40) {
        let e = ensemble(seed);
        let x = rows(seed, BLOCK_ROWS + extra, e.n_features);
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Portable] {
            check(&e, &x, isa, 1)?;
        }
        check(&e, &x[..e.n_features * 3], Isa::Portable, 1)?;
        let long = rows(seed ^ 1, 9 * BLOCK_ROWS + extra, e.n_features);
        check(&e, &long, Isa::detect(), 2)?;
    }
}

#[test]
fn large_trees_take_the_walk_path_and_stay_exact() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut nodes = Vec::new();
    while nodes.len() < 300 {
        nodes.clear();
        grow(&mut rng, &mut nodes, 3, 0, 12);
    }
    let leaves = nodes.iter().filter(|n| matches!(n, Node::Leaf(_))).count();
    assert!(leaves > 64, "the tree must exceed the 64-leaf QuickScorer limit, has {leaves}");
    let e = TreeEnsemble { n_features: 3, trees: vec![Tree { nodes, cover: Vec::new() }], ..Default::default() };
    let x = rows(3, 2 * BLOCK_ROWS + 7, 3);
    check(&e, &x, Isa::detect(), 1).unwrap();
}

#[test]
fn predict_checks_shapes_and_matches_predict_slice() {
    let e = ensemble(5);
    let p = CompiledPredictor::compile(&e).unwrap();
    let nf = e.n_features;
    let x = Array2::from_shape_vec((50, nf), rows(5, 50, nf)).unwrap();
    let got = p.predict(x.view()).unwrap();
    let want = e.predict(x.view()).unwrap();
    assert!(got.iter().zip(&want).all(|(a, b)| same(*a, *b)));
    let transposed = x.t().to_owned();
    let back = transposed.t();
    let mut out = vec![0.0; 50];
    p.predict_into(back, &mut out).unwrap();
    assert!(out.iter().zip(&want).all(|(a, b)| same(*a, *b)), "non-contiguous input");
    let wide = Array2::<f64>::zeros((2, nf + 1));
    assert!(p.predict(wide.view()).is_err());
    assert!(p.predict_slice(&[0.0; 3], &mut [0.0; 7]).is_err());
}

#[test]
fn compile_rejects_invalid_trees() {
    let mut e = ensemble(9);
    e.trees.push(Tree { nodes: Vec::new(), cover: Vec::new() });
    assert!(CompiledPredictor::compile(&e).is_err());
}
