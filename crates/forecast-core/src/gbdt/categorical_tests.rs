//! Behaviour tests of categorical features: category-set splits, their scoring by the tree walk
//! and the compiled predictor, storage, and invariance to how categories are labelled.

use super::*;
use crate::tree::{Node, SplitRule};
use crate::{Fit, ModelArtifact, ParamGuard, Predict};
use ndarray::{Array1, Array2};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Column 0 a category in `0..n_cats`, column 1 uniform noise in `0..10`.
fn categories(n: usize, n_cats: u32, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, 2), |(_, j)| {
        if j == 0 { f64::from(rng.random_range(0..n_cats)) } else { rng.random_range(0.0..10.0) }
    })
}

fn mse(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    (a - b).mapv(|e| e * e).mean().unwrap_or(f64::NAN)
}

fn category_rules(m: &GbdtModel) -> Vec<Vec<u32>> {
    m.ensemble()
        .trees
        .iter()
        .flat_map(|t| &t.nodes)
        .filter_map(|n| match n {
            Node::Split(s) => match &s.rule {
                SplitRule::Category(bits) => Some(bits.clone()),
                _ => None,
            },
            Node::Leaf(_) => None,
        })
        .collect()
}

#[test]
fn a_non_monotone_category_set_takes_one_split_per_tree_but_thresholds_cannot() {
    // Categories 2, 7 and 11 of 16 are high: no threshold on the codes isolates them.
    let x = categories(4000, 16, 1);
    let y: Array1<f64> = x.column(0).mapv(|c| if [2.0, 7.0, 11.0].contains(&c) { 10.0 } else { 1.0 });
    let variance = y.var(0.0);
    let params = || Gbdt::params().n_rounds(3).learning_rate(1.0).num_leaves(2).max_depth(1);
    let categorical = params().categorical_features([0]).check().unwrap().fit(x.view(), y.view()).unwrap();
    let rules = category_rules(&categorical);
    assert_eq!(rules.len(), 3, "one category split per tree");
    assert_eq!(rules[0], vec![(1 << 2) | (1 << 7) | (1 << 11)], "the first split is exactly {{2, 7, 11}}");
    let fit = mse(&categorical.predict(x.view()).unwrap(), &y);
    assert!(fit < 1e-3 * variance, "categorical mse {fit} vs variance {variance}");
    let ordinal = params().check().unwrap().fit(x.view(), y.view()).unwrap();
    assert!(category_rules(&ordinal).is_empty());
    let fit = mse(&ordinal.predict(x.view()).unwrap(), &y);
    assert!(fit > 0.3 * variance, "ordinal mse {fit} vs variance {variance}");
}

#[test]
fn few_categories_split_one_against_the_rest() {
    let x = categories(1000, 4, 2);
    let y: Array1<f64> = x.column(0).mapv(|c| if c == 2.0 { 5.0 } else { 0.0 });
    let m = Gbdt::params().n_rounds(1).num_leaves(2).categorical_features([0]).check().unwrap();
    let m = m.fit(x.view(), y.view()).unwrap();
    assert_eq!(category_rules(&m), vec![vec![1 << 2]]);
}

/// A model with a one-hot categorical column (3 categories), a sorted one (30) and a numeric
/// column with NaN, fitted on rows with missing categories.
fn mixed_model() -> (GbdtModel, Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 3000;
    let mut x = Array2::from_shape_fn((n, 3), |(_, j)| match j {
        0 => f64::from(rng.random_range(0..3u32)),
        1 => f64::from(rng.random_range(0..30u32) * 3),
        _ => rng.random_range(0.0..10.0),
    });
    let effect: Vec<f64> = (0..90).map(|_| rng.random_range(-3.0..3.0)).collect();
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| effect[r[1] as usize] + if r[0] == 1.0 { 4.0 } else { 0.0 } + 0.3 * r[2])
        .collect();
    for i in (0..n).step_by(17) {
        x[[i, i % 3]] = f64::NAN;
    }
    for i in (5..n).step_by(29) {
        x[[i, 1]] = -1.0;
    }
    let params = Gbdt::params().n_rounds(40).min_data_in_leaf(10).min_data_per_group(20).categorical_features([0, 1]);
    let m = params.check().unwrap().fit(x.view(), y.view()).unwrap();
    // Probe rows: training rows plus NaN, negative, unseen (1, 91, 1e6) and unused categories.
    let mut probe = x.slice(ndarray::s![..400, ..]).to_owned();
    let odd = [f64::NAN, -5.0, 1.0, 91.0, 1e6, 7.0, 2.0, 0.0];
    for (i, mut row) in probe.rows_mut().into_iter().enumerate() {
        if i % 3 == 0 {
            row[1] = odd[i % odd.len()];
        }
        if i % 5 == 0 {
            row[0] = odd[(i / 5) % odd.len()];
        }
    }
    (m, probe)
}

#[test]
fn tree_walk_and_compiled_predictor_agree_to_the_bit_on_missing_and_unseen_categories() {
    let (m, probe) = mixed_model();
    let rules = category_rules(&m);
    assert!(rules.iter().any(|b| b.iter().map(|w| w.count_ones()).sum::<u32>() == 1), "one-hot splits");
    assert!(rules.iter().any(|b| b.iter().map(|w| w.count_ones()).sum::<u32>() > 1), "sorted splits");
    let compiled = m.predict(probe.view()).unwrap();
    for (row, c) in probe.rows().into_iter().zip(&compiled) {
        let walk = m.ensemble().predict_row(row.as_slice().unwrap());
        assert_eq!(walk.to_bits(), c.to_bits(), "row {row}");
    }
    // Missing and unseen categories follow the "rest" side: NaN, negative and never-seen
    // categories score alike.
    let mut a = probe.row(1).to_owned();
    let mut b = a.clone();
    a[1] = f64::NAN;
    b[1] = 1e6;
    let mut c = a.clone();
    c[1] = -2.0;
    let walk = |r: &Array1<f64>| m.ensemble().predict_row(r.as_slice().unwrap());
    assert_eq!(walk(&a), walk(&b));
    assert_eq!(walk(&a), walk(&c));
}

#[test]
fn categorical_models_round_trip_through_json_and_binary_artifacts() {
    let (m, probe) = mixed_model();
    let expected = m.predict(probe.view()).unwrap();
    let artifact = ModelArtifact::from(m);
    for loaded in [
        ModelArtifact::from_json(&artifact.to_json().unwrap()).unwrap(),
        ModelArtifact::from_bytes(&artifact.to_bytes().unwrap()).unwrap(),
    ] {
        assert_eq!(loaded, artifact);
        let got = loaded.into_predictor().unwrap().predict(probe.view()).unwrap();
        assert!(got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

#[test]
fn bad_categorical_input_is_an_error() {
    let mut x = categories(100, 5, 4);
    let y = Array1::ones(100);
    let p = Gbdt::params().categorical_features([0]).check().unwrap();
    x[[7, 0]] = 1.5;
    let e = p.fit(x.view(), y.view()).unwrap_err();
    assert!(e.to_string().contains("column 0 row 7"), "{e}");
    let p = Gbdt::params().categorical_features([2]).check().unwrap();
    assert!(matches!(p.fit(x.view(), y.view()), Err(crate::Error::InvalidParam { name: "categorical_features", .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn relabelling_categories_does_not_change_predictions(seed in 0u64..1000, shift in 1u32..12) {
        // 12 categories with continuous effects (ties in the gradient ratios are improbable)
        // and 3 one-hot categories; relabel both by a permutation.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = 600;
        let x = Array2::from_shape_fn((n, 3), |(_, j)| match j {
            0 => f64::from(rng.random_range(0..12u32)),
            1 => f64::from(rng.random_range(0..3u32)),
            _ => rng.random_range(0.0..10.0),
        });
        let effect: Vec<f64> = (0..12).map(|_| rng.random_range(-5.0..5.0)).collect();
        let y: Array1<f64> = x
            .rows()
            .into_iter()
            .map(|r| effect[r[0] as usize] + r[1] * r[1] + r[2] + rng.random_range(-0.5..0.5))
            .collect();
        // 5 is coprime with 12: `c -> (5c + shift) mod 12` is a permutation.
        let mut relabelled = x.clone();
        relabelled.column_mut(0).mapv_inplace(|c| f64::from((5 * c as u32 + shift) % 12));
        relabelled.column_mut(1).mapv_inplace(|c| f64::from((c as u32 + shift) % 3));
        let p = Gbdt::params().n_rounds(15).num_leaves(6).min_data_in_leaf(10).min_data_per_group(20)
            .categorical_features([0, 1]).check().unwrap();
        let a = p.fit(x.view(), y.view()).unwrap().predict(x.view()).unwrap();
        let b = p.fit(relabelled.view(), y.view()).unwrap().predict(relabelled.view()).unwrap();
        for (u, v) in a.iter().zip(&b) {
            prop_assert!((u - v).abs() < 1e-9, "{} vs {}", u, v);
        }
    }
}
