//! Exactness of both TreeSHAP variants against the Shapley formula evaluated by brute force over
//! every coalition, and of the tables against the direct walk, bit for bit.

use super::*;
use forecast_core::tree::{Missing, Node, Split, SplitRule, Tree};
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Values rows are drawn from: thresholds, zero, NaN, negatives and small categories.
const VALUES: [f64; 9] = [f64::NAN, 0.0, -1.0, 0.5, 1.0, 1.5, 2.0, 3.0, 7.0];

fn split(rng: &mut ChaCha8Rng, n_features: u32, left: u32, right: u32) -> Split {
    let feature = rng.random_range(0..n_features);
    let missing = [Missing::None, Missing::Zero, Missing::NaN][rng.random_range(0..3)];
    let rule = match rng.random_range(0..3) {
        0 => SplitRule::LessOrEqual(VALUES[rng.random_range(1..VALUES.len())]),
        1 => SplitRule::Less(VALUES[rng.random_range(1..VALUES.len())]),
        _ => SplitRule::Category(vec![rng.random_range(0..256u32)]),
    };
    Split { feature, rule, missing, default_left: rng.random_bool(0.5), left, right }
}

/// A random tree; covers are random positive leaf counts summed upwards.
pub(super) fn random_tree(rng: &mut ChaCha8Rng, n_features: u32, max_depth: usize) -> Tree {
    fn grow(rng: &mut ChaCha8Rng, t: &mut Tree, n_features: u32, depth: usize, max_depth: usize) -> usize {
        let at = t.nodes.len();
        t.nodes.push(Node::Leaf(0.0));
        t.cover.push(0.0);
        if depth < max_depth && rng.random_bool(0.8) {
            let l = grow(rng, t, n_features, depth + 1, max_depth);
            let r = grow(rng, t, n_features, depth + 1, max_depth);
            t.nodes[at] = Node::Split(split(rng, n_features, l as u32, r as u32));
            t.cover[at] = t.cover[l] + t.cover[r];
        } else {
            t.nodes[at] = Node::Leaf(rng.random_range(-5.0..5.0));
            t.cover[at] = rng.random_range(1..40) as f64;
        }
        at
    }
    let mut t = Tree::default();
    grow(rng, &mut t, n_features, 0, max_depth);
    t
}

pub(super) fn random_ensemble(seed: u64, n_features: usize, n_trees: usize, max_depth: usize) -> TreeEnsemble {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    TreeEnsemble {
        n_features,
        trees: (0..n_trees).map(|_| random_tree(&mut rng, n_features as u32, max_depth)).collect(),
        base_score: rng.random_range(-1.0..1.0),
        average: rng.random_bool(0.3),
        ..Default::default()
    }
}

fn random_rows(seed: u64, n: usize, p: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, p), |_| VALUES[rng.random_range(0..VALUES.len())])
}

/// Algorithm 1 of Lundberg et al.: E[f(x) | x_S] under the covers.
fn cond_expectation(tree: &Tree, x: &[f64], in_s: &[bool], node: usize) -> f64 {
    match &tree.nodes[node] {
        Node::Leaf(v) => *v,
        Node::Split(s) => {
            let (l, r) = (s.left as usize, s.right as usize);
            if in_s[s.feature as usize] {
                cond_expectation(tree, x, in_s, if s.goes_left(x[s.feature as usize]) { l } else { r })
            } else {
                (cond_expectation(tree, x, in_s, l) * tree.cover[l]
                    + cond_expectation(tree, x, in_s, r) * tree.cover[r])
                    / tree.cover[node]
            }
        }
    }
}

/// Shapley values of the set function `v` over `p` players, by enumerating coalitions.
fn shapley(p: usize, v: impl Fn(&[bool]) -> f64) -> Vec<f64> {
    let fact = |n: usize| (1..=n).map(|k| k as f64).product::<f64>();
    let mut phi = vec![0.0; p];
    for mask in 0u32..(1 << p) {
        let s: Vec<bool> = (0..p).map(|j| mask >> j & 1 == 1).collect();
        let size = s.iter().filter(|b| **b).count();
        let base = v(&s);
        for i in (0..p).filter(|&i| !s[i]) {
            let mut with = s.clone();
            with[i] = true;
            phi[i] += fact(size) * fact(p - size - 1) / fact(p) * (v(&with) - base);
        }
    }
    phi
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

fn scale(e: &TreeEnsemble) -> f64 {
    if e.average { e.trees.len() as f64 } else { 1.0 }
}

#[test]
fn path_dependent_equals_brute_force_shapley_of_the_conditional_expectation() {
    for seed in 0..40 {
        let p = 1 + seed as usize % 5;
        let e = random_ensemble(seed, p, 3, 5);
        let x = random_rows(seed + 1000, 6, p);
        for strategy in [Strategy::Direct, Strategy::Auto] {
            let shap = TreeShap::new(&e).unwrap().strategy(strategy).explain(x.view()).unwrap();
            for (r, row) in x.rows().into_iter().enumerate() {
                let row = row.to_vec();
                let v = |s: &[bool]| e.trees.iter().map(|t| cond_expectation(t, &row, s, 0)).sum::<f64>() / scale(&e);
                let want = shapley(p, v);
                for (j, w) in want.iter().enumerate() {
                    assert!(close(shap.values()[[r, j]], *w), "{strategy:?} seed {seed} row {r} feature {j}");
                }
                let total: f64 = shap.as_pred_contrib().row(r).sum();
                assert!(close(total, e.raw_row(&row)), "additivity, {strategy:?} seed {seed} row {r}");
            }
        }
    }
}

#[test]
fn tables_reproduce_the_direct_walk_bit_for_bit() {
    for seed in 0..30 {
        let p = 1 + seed as usize % 6;
        let e = random_ensemble(seed, p, 4, 7);
        let x = random_rows(seed + 7, 50, p);
        let direct = TreeShap::new(&e).unwrap().strategy(Strategy::Direct).explain(x.view()).unwrap();
        let tabled = TreeShap::new(&e).unwrap().strategy(Strategy::Tables);
        let got = tabled.explain(x.view()).unwrap();
        assert!(tabled.table_bytes() > 0 || e.trees.iter().all(|t| t.nodes.len() == 1));
        let bits = |v: &ShapValues| v.as_pred_contrib().iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&direct), bits(&got), "seed {seed}");
    }
}

#[test]
fn interventional_equals_brute_force_over_the_background() {
    for seed in 0..30 {
        let p = 1 + seed as usize % 5;
        let mut e = random_ensemble(seed, p, 3, 5);
        e.trees.iter_mut().for_each(|t| t.cover.clear());
        let bg = random_rows(seed + 50, 7, p);
        let x = random_rows(seed + 99, 4, p);
        let shap = InterventionalShap::new(&e, bg.view()).unwrap().explain(x.view()).unwrap();
        for (r, row) in x.rows().into_iter().enumerate() {
            let v = |s: &[bool]| {
                let mut total = 0.0;
                for z in bg.rows() {
                    let h: Vec<f64> = (0..p).map(|j| if s[j] { row[j] } else { z[j] }).collect();
                    total += e.raw_row(&h);
                }
                total / bg.nrows() as f64
            };
            let want = shapley(p, v);
            for (j, w) in want.iter().enumerate() {
                assert!(close(shap.values()[[r, j]], *w), "seed {seed} row {r} feature {j}");
            }
            assert!(close(shap.as_pred_contrib().row(r).sum(), e.raw_row(&row.to_vec())));
        }
    }
}

#[test]
fn missing_or_zero_covers_are_clear_errors() {
    let mut e = random_ensemble(3, 2, 2, 3);
    e.trees[1] = Tree {
        nodes: vec![
            Node::Split(Split {
                feature: 0,
                rule: SplitRule::LessOrEqual(0.0),
                missing: Missing::NaN,
                default_left: true,
                left: 1,
                right: 2,
            }),
            Node::Leaf(1.0),
            Node::Leaf(2.0),
        ],
        cover: Vec::new(),
    };
    let err = TreeShap::new(&e).unwrap_err();
    assert!(matches!(err, XaiError::MissingCovers { tree: 1 }), "{err}");
    assert!(err.to_string().contains("interventional"));
    e.trees[1].cover = vec![0.0, 0.0, 0.0];
    assert!(matches!(TreeShap::new(&e).unwrap_err(), XaiError::BadCover { tree: 1, node: 0, .. }));
    let rows = random_rows(1, 30, 2);
    fill_covers(&mut e, rows.view()).unwrap();
    assert_eq!(e.trees[1].cover[0], 30.0);
    assert!(TreeShap::new(&e).is_ok());
}

#[test]
fn wrong_width_is_a_shape_error() {
    let e = random_ensemble(1, 3, 2, 3);
    let shap = TreeShap::new(&e).unwrap();
    assert!(matches!(shap.explain(random_rows(1, 2, 4).view()), Err(XaiError::Shape { expected: 3, got: 4, .. })));
    assert!(shap.explain_row(&[1.0]).is_err());
}

#[test]
fn gauss_legendre_integrates_polynomials_of_degree_2n_minus_1_exactly() {
    for n in 1..=linear::MAX_POINTS {
        let (t, w) = linear::gauss_legendre(n);
        assert!(t.iter().all(|t| *t > 0.0 && *t < 1.0));
        for m in 0..2 * n {
            let got: f64 = t.iter().zip(&w).map(|(t, w)| w * t.powi(m as i32)).sum();
            let want = 1.0 / (m + 1) as f64;
            assert!((got - want).abs() <= 4e-16 * want.max(1.0) * n as f64, "n {n} m {m}: {got} vs {want}");
        }
    }
}

#[test]
fn linear_treeshap_equals_algorithm_2_to_rounding() {
    for seed in 0..60 {
        let p = 1 + seed as usize % 9;
        // Deep trees on few features repeat features along paths, the case the telescoping handles.
        let e = random_ensemble(seed, p, 5, 3 + seed as usize % 10);
        let x = random_rows(seed + 3, 40, p);
        let direct = TreeShap::new(&e).unwrap().strategy(Strategy::Direct).explain(x.view()).unwrap();
        let linear = TreeShap::new(&e).unwrap().explain(x.view()).unwrap();
        for (r, (a, b)) in direct.as_pred_contrib().rows().into_iter().zip(linear.as_pred_contrib().rows()).enumerate()
        {
            let size = a.iter().map(|v| v.abs()).sum::<f64>().max(1.0);
            for (j, (a, b)) in a.iter().zip(b.iter()).enumerate() {
                assert!((a - b).abs() <= 1e-13 * size, "seed {seed} row {r} feature {j}: {a} vs {b}");
            }
        }
        let one = TreeShap::new(&e).unwrap().explain_row(&x.row(0).to_vec()).unwrap();
        assert_eq!(one, linear.as_pred_contrib().row(0).to_vec());
    }
}

#[test]
fn trees_past_the_quadrature_limit_fall_back_to_algorithm_2() {
    // A chain of 40 splits on 40 distinct features (split k at node 2k, its left child a leaf,
    // its right child the next split): 20 points would be needed, more than 16.
    let p = 40;
    let mut t = Tree::default();
    for f in 0..p as u32 {
        let at = 2 * f;
        t.nodes.push(Node::Split(Split {
            feature: f,
            rule: SplitRule::LessOrEqual(0.5),
            missing: Missing::NaN,
            default_left: true,
            left: at + 1,
            right: at + 2,
        }));
        t.nodes.push(Node::Leaf(f as f64));
    }
    t.nodes.push(Node::Leaf(-3.0));
    t.cover = vec![1.0; t.nodes.len()];
    for i in (0..p).rev() {
        t.cover[2 * i] = 1.0 + t.cover[2 * i + 2];
    }
    let e = TreeEnsemble { n_features: p, trees: vec![t], ..Default::default() };
    let x = random_rows(9, 5, p);
    let direct = TreeShap::new(&e).unwrap().strategy(Strategy::Direct).explain(x.view()).unwrap();
    let auto = TreeShap::new(&e).unwrap();
    let got = auto.explain(x.view()).unwrap();
    assert_eq!(auto.table_bytes(), 0, "no Linear TreeSHAP form for a 40-feature path");
    assert_eq!(direct, got);
}
