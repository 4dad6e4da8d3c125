//! Additivity: contributions plus the bias equal the raw prediction, on random ensembles with
//! NaN-routing, zero-as-missing, XGBoost-style `<` and categorical splits.

use forecast_core::tree::{Missing, Node, OutputTransform, Split, SplitRule, Tree, TreeEnsemble};
use forecast_xai::treeshap::Strategy;
use forecast_xai::{InterventionalShap, TreeShap};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const VALUES: [f64; 10] = [f64::NAN, 0.0, -0.0, -2.0, 0.25, 1.0, 2.0, 3.0, 5.5, 31.0];

fn node_split(rng: &mut ChaCha8Rng, p: u32, left: u32, right: u32) -> Split {
    let rule = match rng.random_range(0..4) {
        0 | 1 => SplitRule::LessOrEqual(rng.random_range(-3.0..6.0)),
        2 => SplitRule::Less(rng.random_range(-3.0..6.0)),
        _ => SplitRule::Category((0..rng.random_range(1..3)).map(|_| rng.random()).collect()),
    };
    Split {
        feature: rng.random_range(0..p),
        rule,
        missing: [Missing::None, Missing::Zero, Missing::NaN][rng.random_range(0..3)],
        default_left: rng.random_bool(0.5),
        left,
        right,
    }
}

/// A random tree grown leaf-wise to `leaves` leaves; covers are leaf counts summed upwards.
fn tree(rng: &mut ChaCha8Rng, p: u32, leaves: usize) -> Tree {
    let mut t = Tree { nodes: vec![Node::Leaf(0.0)], cover: vec![0.0] };
    let mut open = vec![0usize];
    while open.len() < leaves {
        let at = open.swap_remove(rng.random_range(0..open.len()));
        let (l, r) = (t.nodes.len(), t.nodes.len() + 1);
        t.nodes[at] = Node::Split(node_split(rng, p, l as u32, r as u32));
        t.nodes.extend([Node::Leaf(0.0), Node::Leaf(0.0)]);
        t.cover.extend([0.0, 0.0]);
        open.extend([l, r]);
    }
    for &leaf in &open {
        t.nodes[leaf] = Node::Leaf(rng.random_range(-10.0..10.0));
        t.cover[leaf] = rng.random_range(1..500) as f64;
    }
    // Children always come after their parent, so a reverse pass sums covers bottom-up.
    for i in (0..t.nodes.len()).rev() {
        if let Node::Split(s) = &t.nodes[i] {
            t.cover[i] = t.cover[s.left as usize] + t.cover[s.right as usize];
        }
    }
    t
}

pub(crate) fn ensemble(seed: u64, p: usize, trees: usize, leaves: usize) -> TreeEnsemble {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    TreeEnsemble {
        n_features: p,
        feature_names: Vec::new(),
        trees: (0..trees)
            .map(|_| {
                let n = rng.random_range(1..=leaves);
                tree(&mut rng, p as u32, n)
            })
            .collect(),
        base_score: rng.random_range(-2.0..2.0),
        average: rng.random_bool(0.25),
        transform: OutputTransform::Exp,
    }
}

fn rows(seed: u64, n: usize, p: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    Array2::from_shape_fn((n, p), |_| {
        if rng.random_bool(0.5) { VALUES[rng.random_range(0..VALUES.len())] } else { rng.random_range(-4.0..8.0) }
    })
}

fn assert_adds_up(contrib: ndarray::ArrayView2<'_, f64>, e: &TreeEnsemble, x: &Array2<f64>) {
    for (r, row) in x.rows().into_iter().enumerate() {
        let (total, raw) = (contrib.row(r).sum(), e.raw_row(&row.to_vec()));
        let scale: f64 = contrib.row(r).iter().map(|v| v.abs()).sum::<f64>().max(raw.abs()).max(1.0);
        assert!((total - raw).abs() <= 1e-9 * scale, "row {r}: {total} vs raw {raw}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn path_dependent_contributions_add_up(seed in any::<u64>(), p in 1usize..12, trees in 1usize..12, leaves in 1usize..40) {
        let e = ensemble(seed, p, trees, leaves);
        let x = rows(seed, 40, p);
        for strategy in [Strategy::Auto, Strategy::Direct, Strategy::Tables] {
            let shap = TreeShap::new(&e).unwrap().strategy(strategy).explain(x.view()).unwrap();
            assert_adds_up(shap.as_pred_contrib(), &e, &x);
        }
    }

    #[test]
    fn interventional_contributions_add_up(seed in any::<u64>(), p in 1usize..10, trees in 1usize..6, leaves in 1usize..24) {
        let mut e = ensemble(seed, p, trees, leaves);
        e.trees.iter_mut().for_each(|t| t.cover.clear());
        let x = rows(seed, 10, p);
        let bg = rows(seed.wrapping_add(1), 12, p);
        let shap = InterventionalShap::new(&e, bg.view()).unwrap().explain(x.view()).unwrap();
        assert_adds_up(shap.as_pred_contrib(), &e, &x);
    }
}
