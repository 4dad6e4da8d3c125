//! Node covers recorded by forecast-core's learners and importers.

use crate::read;
use forecast_core::gbdt::Gbdt;
use forecast_core::import::lightgbm;
use forecast_core::tree::{Node, Tree};
use forecast_core::{Fit, ParamGuard};
use ndarray::{Array1, Array2};

/// Every split's cover is the sum of its children's.
fn consistent(tree: &Tree) -> bool {
    tree.nodes.iter().enumerate().all(|(i, n)| match n {
        Node::Leaf(_) => true,
        Node::Split(s) => tree.cover[i] == tree.cover[s.left as usize] + tree.cover[s.right as usize],
    })
}

#[test]
fn gbdt_records_training_row_counts() {
    let x = Array2::from_shape_fn((500, 3), |(i, j)| ((i * (j + 7)) % 31) as f64);
    let y: Array1<f64> = x.rows().into_iter().map(|r| r[0] * 0.5 + if r[1] > 10.0 { 3.0 } else { 0.0 }).collect();
    let model = Gbdt::params().n_rounds(5).num_leaves(8).min_data_in_leaf(5).check().unwrap().fit(x.view(), y.view());
    let model = model.unwrap();
    for tree in &model.ensemble().trees {
        assert_eq!(tree.cover.len(), tree.nodes.len());
        assert_eq!(tree.cover[0], 500.0);
        assert!(consistent(tree));
    }
}

#[test]
fn lightgbm_import_reads_internal_and_leaf_counts() {
    let text = read("lgbm_nan.txt");
    let model = lightgbm::parse(&text).unwrap();
    let first = &model.trees[0];
    assert!(consistent(first));
    // The first tree's root count is the training rows (no bagging in this fixture).
    let root: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("internal_count="))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(first.cover[0], root);
    assert_eq!(root, 4000.0);
}
