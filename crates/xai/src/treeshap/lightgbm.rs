//! LightGBM's own view of a model, so that [`super::TreeShap`] returns exactly what
//! `Booster.predict(X, pred_contrib=True)` returns.
//!
//! LightGBM's contributions explain its raw score as it computes it internally, which differs
//! from our imported [`TreeEnsemble`] in two ways:
//! - a binary model with `sigmoid:s` (s != 1) keeps unscaled leaves and applies `s` inside the
//!   sigmoid; the importer folds `s` into the leaves, so the file's own leaf values are restored;
//! - a random forest (`average_output`) sums its trees in `pred_contrib` (and `raw_score`), while
//!   its prediction averages them; the importer averages, so averaging is turned off here.
//!
//! Its C API also reads a dense row as sparse, so a value with `|x| <= 1e-35` reaches the trees
//! as exactly 0: [`lightgbm_input`] does the same to a row.

use crate::Result;
use forecast_core::import::lightgbm;
use forecast_core::tree::{Node, TreeEnsemble, ZERO_THRESHOLD};

/// Parse a LightGBM `model.txt` as LightGBM's `pred_contrib` sees it (see the module doc).
///
/// # Errors
/// [`crate::XaiError::Core`] with the importer's error (line, tree and field).
pub fn lightgbm_contrib_model(text: &str) -> Result<TreeEnsemble> {
    let mut e = lightgbm::parse(text)?;
    e.average = false;
    if sigmoid_factor(text).is_some_and(|s| s != 1.0) {
        // Dividing the folded leaves by the factor again is off by an ulp now and then; the
        // file's own `leaf_value` lines are exact. The importer put each tree's leaves, in
        // order, after its split nodes.
        let leaf_lines = text.lines().filter_map(|l| l.trim().strip_prefix("leaf_value="));
        for (tree, line) in e.trees.iter_mut().zip(leaf_lines) {
            let values = line.split_whitespace().map(str::parse::<f64>);
            let leaves = tree.nodes.iter_mut().filter_map(|n| match n {
                Node::Leaf(v) => Some(v),
                Node::Split(_) => None,
            });
            for (leaf, value) in leaves.zip(values) {
                // The importer has parsed these very numbers already.
                if let Ok(v) = value {
                    *leaf = v;
                }
            }
        }
    }
    Ok(e)
}

/// The `sigmoid:` factor the importer folds into the leaves (binary and cross-entropy objectives).
fn sigmoid_factor(text: &str) -> Option<f64> {
    let line =
        text.lines().take_while(|l| !l.starts_with("Tree=")).find_map(|l| l.trim().strip_prefix("objective="))?;
    let mut words = line.split_whitespace();
    if !matches!(words.next(), Some("binary" | "cross_entropy")) {
        return None;
    }
    words.find_map(|w| w.strip_prefix("sigmoid:")).and_then(|v| v.parse().ok())
}

/// Zero every value with `|x| <= 1e-35`, as LightGBM's prediction API does (NaN stays NaN).
pub fn lightgbm_input(row: &mut [f64]) {
    for v in row {
        if v.abs() <= ZERO_THRESHOLD {
            *v = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sigmoid_factor_of_binary_objectives_only() {
        assert_eq!(sigmoid_factor("tree\nobjective=binary sigmoid:1.5\nTree=0\n"), Some(1.5));
        assert_eq!(sigmoid_factor("tree\nobjective=poisson\nTree=0\n"), None);
        assert_eq!(sigmoid_factor("tree\nTree=0\nobjective=binary sigmoid:2\n"), None);
        let mut row = [1e-36, -1e-40, f64::NAN, 2e-35, -0.0];
        lightgbm_input(&mut row);
        assert_eq!(row[..2], [0.0, 0.0]);
        assert!(row[2].is_nan());
        assert_eq!(row[3], 2e-35);
    }
}
