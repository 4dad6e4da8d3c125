//! Counterfactual answers never break a permitted range, an immutable feature or a constraint,
//! and always reach the target, whatever the model (property test on random tree ensembles).

use forecast_core::Predict;
use forecast_core::model::{LinearModel, Link};
use forecast_core::tree::TreeEnsemble;
use forecast_xai::counterfactual::{
    CounterfactualSpec, FeatureRule, LinearConstraint, SearchParams, Target, counterfactuals,
};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random tree ensemble (NaN, zero-missing and categorical splits included).
fn model(seed: u64, p: usize) -> TreeEnsemble {
    crate::additivity::ensemble(seed, p, 6, 12)
}

fn spec(seed: u64, row: &[f64]) -> CounterfactualSpec {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 77);
    let features = row
        .iter()
        .enumerate()
        .map(|(j, &v)| {
            if rng.random_bool(0.25) {
                return FeatureRule::fixed(format!("f{j}"));
            }
            let rule =
                FeatureRule::range(format!("f{j}"), v - rng.random_range(0.0..4.0), v + rng.random_range(0.0..4.0));
            if rng.random_bool(0.3) { FeatureRule { lower: v - 2.0, ..rule }.with_step(0.5) } else { rule }
        })
        .collect();
    let mut constraints = Vec::new();
    if row.len() >= 2 {
        // Keep whatever order the first two features have, with the slack they have.
        let (a, b) = if row[0] >= row[1] { (0, 1) } else { (1, 0) };
        constraints.push(LinearConstraint::at_least_difference(a, b, 0.0, format!("f{a} >= f{b}")));
    }
    constraints.push(LinearConstraint::at_most(row.len() - 1, row[row.len() - 1] + 1.0, "last at most +1"));
    CounterfactualSpec { features, constraints, target: Target { lower: 0.0, upper: 0.0 } }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn answers_keep_every_range_immutable_and_constraint(seed in any::<u64>(), p in 1usize..6, up in any::<bool>()) {
        let m = model(seed, p);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let row: Vec<f64> = (0..p).map(|_| rng.random_range(1.0..9.0)).collect();
        let now = m.predict(Array2::from_shape_vec((1, p), row.clone()).unwrap().view()).unwrap()[0];
        let mut spec = spec(seed, &row);
        // The models end in exp(): a step of 1 vanishes next to a prediction of 1e20.
        let step = now.abs().max(1.0) * 0.05;
        spec.target = if up { Target::at_least(now + step) } else { Target::at_most(now - step) };
        let params = SearchParams { max_evaluations: 4_000, seed, ..Default::default() };
        let found = counterfactuals(&m, &row, &spec, params).unwrap();
        prop_assert!(!found.already_met);
        for a in &found.answers {
            let again = m.predict(Array2::from_shape_vec((1, p), a.row.clone()).unwrap().view()).unwrap()[0];
            prop_assert_eq!(again, a.prediction);
            prop_assert!(spec.target.met(a.prediction));
            for (j, f) in spec.features.iter().enumerate() {
                if a.row[j] != row[j] {
                    prop_assert!(f.mutable, "immutable f{} moved", j);
                    prop_assert!(a.row[j] >= f.lower && a.row[j] <= f.upper, "f{} = {} outside [{}, {}]", j, a.row[j], f.lower, f.upper);
                }
            }
            for c in &spec.constraints {
                prop_assert!(c.holds(&a.row), "constraint `{}` broken by {:?}", c.label, a.row);
            }
            prop_assert!(a.changes.len() <= params.max_changes && !a.changes.is_empty());
        }
        for w in found.answers.windows(2) {
            prop_assert!(w[0].changes.len() <= w[1].changes.len());
        }
    }
}

/// Whether 20,000 random admissible rows include one on target (a brute-force answerability check).
fn answerable(m: &TreeEnsemble, row: &[f64], spec: &CounterfactualSpec, seed: u64) -> bool {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xb007);
    let p = row.len();
    let mut data = Vec::new();
    for _ in 0..20_000 {
        let x: Vec<f64> = spec
            .features
            .iter()
            .zip(row)
            .map(|(f, &v)| if f.mutable { rng.random_range(f.lower..=f.upper) } else { v })
            .collect();
        if spec.constraints.iter().all(|c| c.holds(&x)) {
            data.extend(x);
        }
    }
    let x = Array2::from_shape_vec((data.len() / p, p), data).unwrap();
    m.predict(x.view()).unwrap().iter().any(|y| spec.target.met(*y))
}

/// The property above would hold vacuously if the search never answered: it answers nearly
/// every random question that random sampling shows to have an answer.
#[test]
fn the_search_answers_the_answerable_questions() {
    let (mut answerable_n, mut answered) = (0, 0);
    for seed in 0..60u64 {
        let p = 1 + seed as usize % 5;
        let m = model(seed, p);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let row: Vec<f64> = (0..p).map(|_| rng.random_range(1.0..9.0)).collect();
        let now = m.predict(Array2::from_shape_vec((1, p), row.clone()).unwrap().view()).unwrap()[0];
        let mut spec = spec(seed, &row);
        spec.target = Target::at_least(now + now.abs().max(1.0) * 0.05);
        if !answerable(&m, &row, &spec, seed) {
            continue;
        }
        answerable_n += 1;
        let found =
            counterfactuals(&m, &row, &spec, SearchParams { max_evaluations: 4_000, seed, ..Default::default() });
        answered += usize::from(!found.unwrap().answers.is_empty());
    }
    println!("answered {answered} of {answerable_n} answerable questions");
    assert!(answerable_n >= 20 && answered * 10 >= answerable_n * 9, "answered {answered} of {answerable_n}");
}

#[test]
fn sparsest_first_and_diverse_on_a_linear_model() {
    // units = 10 + 20 discount + 4 promo - 0.5 price, with price >= cost and discount <= 0.3.
    let model = LinearModel {
        impute: vec![0.0; 4],
        coefficients: vec![20.0, 4.0, -0.5, 0.0],
        intercept: 10.0,
        link: Link::Identity,
    };
    let row = [0.0, 0.0, 10.0, 8.0];
    let spec = CounterfactualSpec {
        features: vec![
            FeatureRule::range("discount", 0.0, 0.5).with_step(0.05),
            FeatureRule::range("promo", 0.0, 1.0).with_step(1.0),
            FeatureRule::range("price", 5.0, 15.0),
            FeatureRule::fixed("cost"),
        ],
        constraints: vec![
            LinearConstraint::at_least_difference(2, 3, 0.0, "price >= cost"),
            LinearConstraint::at_most(0, 0.3, "discount <= 0.3"),
        ],
        target: Target::at_least(10.0 - 5.0 + 3.0),
    };
    let found = counterfactuals(&model, &row, &spec, SearchParams::default()).unwrap();
    assert_eq!(found.prediction, 5.0);
    let names: Vec<&str> = found.answers.iter().map(|a| a.changes[0].name.as_str()).collect();
    assert!(found.answers.iter().all(|a| a.changes.len() == 1), "{names:?}");
    // discount: +3 units needs 0.15 (on its 0.05 lattice); promo: on; price: down to 4 breaks
    // price >= cost (8) and only reaches +1, so price alone is no answer.
    let discount = found.answers.iter().find(|a| a.changes[0].name == "discount").unwrap();
    assert!((discount.changes[0].to - 0.15).abs() < 1e-9, "{:?}", discount.changes);
    assert!(found.answers.iter().any(|a| a.changes[0].name == "promo" && a.changes[0].to == 1.0));
    assert!(found.answers.iter().all(|a| a.changes[0].name != "price"));
    let bad = CounterfactualSpec { target: spec.target, ..spec.clone() };
    assert!(
        counterfactuals(&model, &[0.4, 0.0, 10.0, 8.0], &bad, SearchParams::default()).is_err(),
        "row breaks discount <= 0.3"
    );
}
