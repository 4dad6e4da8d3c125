//! The compiled predictor against the reference walk on random ensembles and rows, on every
//! instruction set this CPU supports.

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

/// A random ensemble: trees of up to 32 leaves, 33-64, and up to 256 (all leaf-plane forms).
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
    let p = CompiledPredictor::compile_with(e, isa).unwrap().threads(threads).unwrap();
    prop_assert_eq!(p.isa(), isa, "the instruction set is supported, so it is used");
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

/// Every supported instruction set, one and two threads.
fn check_all(e: &TreeEnsemble, x: &[f64]) -> Result<(), TestCaseError> {
    for isa in Isa::available() {
        for threads in [1, 2] {
            check(e, x, isa, threads)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Bit-identical to the reference walk on every instruction set, with one and two threads,
    /// over full and partial row blocks (a short last block takes the single-row path).
    #[test]
    fn compiled_equals_reference(seed in any::<u64>(), extra in 0usize..40) {
        let e = ensemble(seed);
        check_all(&e, &rows(seed, BLOCK_ROWS + extra, e.n_features))?;
        check_all(&e, &rows(seed ^ 1, 9 * BLOCK_ROWS + extra, e.n_features))?;
        check(&e, &rows(seed ^ 2, 3, e.n_features), Isa::Portable, 1)?;
    }
}

fn grow_until(seed: u64, n_features: u32, min_leaves: usize) -> Tree {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    loop {
        let mut nodes = Vec::new();
        grow(&mut rng, &mut nodes, n_features, 0, 12);
        if nodes.iter().filter(|n| matches!(n, Node::Leaf(_))).count() > min_leaves {
            return Tree { nodes, cover: Vec::new() };
        }
    }
}

#[test]
fn trees_over_256_leaves_take_the_walk_path_and_stay_exact() {
    let mut e = ensemble(4);
    let big = grow_until(11, e.n_features as u32, 256);
    e.trees.insert(1, big);
    let x = rows(3, 2 * BLOCK_ROWS + 7, e.n_features);
    check_all(&e, &x).unwrap();
}

/// Many categorical splits: every distinct one is a column of its own, so single rows fetch
/// keys from several shuffle tables (over 16 columns) or take the walk (over 64).
#[test]
fn many_columns_stay_exact() {
    for n_cats in [20, 80] {
        let mut rng = ChaCha8Rng::seed_from_u64(n_cats);
        let trees = (0..n_cats)
            .map(|_| {
                let split = |rng: &mut ChaCha8Rng, left, right| {
                    Node::Split(Split {
                        feature: rng.random_range(0..2),
                        rule: SplitRule::Category(vec![rng.random::<u32>(), rng.random::<u32>()]),
                        missing: Missing::None,
                        default_left: false,
                        left,
                        right,
                    })
                };
                let (root, inner) = (split(&mut rng, 1, 2), split(&mut rng, 3, 4));
                let leaf = |rng: &mut ChaCha8Rng| Node::Leaf(rng.random_range(-1.0..1.0));
                Tree { nodes: vec![root, inner, leaf(&mut rng), leaf(&mut rng), leaf(&mut rng)], cover: Vec::new() }
            })
            .collect();
        let e = TreeEnsemble { n_features: 2, trees, ..Default::default() };
        let x: Vec<f64> = (0..2 * (BLOCK_ROWS + 5)).map(|_| f64::from(rng.random_range(-2..70))).collect();
        check_all(&e, &x).unwrap();
    }
}

/// A feature with more thresholds than a byte column holds is spread over several columns.
#[test]
fn features_with_hundreds_of_thresholds_stay_exact() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let trees = (0..40)
        .map(|_| {
            let mut nodes = Vec::new();
            grow(&mut rng, &mut nodes, 2, 0, 6);
            for n in &mut nodes {
                if let Node::Split(s) = n
                    && !matches!(s.rule, SplitRule::Category(_))
                {
                    s.rule = SplitRule::LessOrEqual(f64::from(rng.random_range(0..2000u32)) / 100.0);
                }
            }
            Tree { nodes, cover: Vec::new() }
        })
        .collect();
    let e = TreeEnsemble { n_features: 2, trees, ..Default::default() };
    let x: Vec<f64> = (0..2 * (2 * BLOCK_ROWS + 3))
        .map(|i| if i % 37 == 0 { f64::NAN } else { f64::from(rng.random_range(-100..2100)) / 100.0 })
        .collect();
    check_all(&e, &x).unwrap();
}

#[test]
fn every_name_parses_and_unknown_names_are_rejected() {
    for isa in Isa::ALL {
        assert_eq!(isa.name().parse::<Isa>().unwrap(), isa);
    }
    assert_eq!("portable".parse::<Isa>().unwrap(), Isa::Portable);
    let err = "sse9".parse::<Isa>().unwrap_err().to_string();
    assert!(err.contains("sse9") && err.contains("avx2"), "{err}");
    assert_eq!(Isa::available().last(), Some(&Isa::Portable));
    assert!(Isa::available().contains(&Isa::detect()));
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

/// The cases proptest once shrank to (`tests/proptest-regressions/predictor_exact.txt`),
/// replayed directly so that they run whatever the persistence settings.
#[test]
fn proptest_regressions_stay_exact() {
    for seed in [427_046_835_756_107_999_u64, 1_742_929_400_740_353_348] {
        let e = ensemble(seed);
        check_all(&e, &rows(seed, BLOCK_ROWS, e.n_features)).unwrap();
        check_all(&e, &rows(seed ^ 1, 9 * BLOCK_ROWS, e.n_features)).unwrap();
        check(&e, &rows(seed ^ 2, 3, e.n_features), Isa::Portable, 1).unwrap();
    }
}
