//! A plain tree-ensemble representation shared by every tree learner and importer, with the
//! reference (node-by-node) walk that the compiled predictor must reproduce exactly.
//!
//! Split semantics follow LightGBM (`<=` with missing-value types) and XGBoost (`<` with a
//! default direction for NaN), so imported models predict what their library predicts.

use crate::Result;
use crate::model::{Predict, check_n_features};
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

/// LightGBM's `kZeroThreshold`: values with `|x| <= 1e-35` count as zero. LightGBM declares it
/// `1e-35f`, a float widened to double, so the exact bound is `1.0000000180025095e-35` (a split
/// threshold LightGBM often writes).
pub const ZERO_THRESHOLD: f64 = 1e-35f32 as f64;

/// Which inputs take a split's default direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Missing {
    /// No missing handling: NaN is treated as 0.0 and compared.
    None,
    /// Zero (and NaN, read as zero) takes the default direction.
    Zero,
    /// NaN takes the default direction.
    NaN,
}

/// The test a split applies to its feature value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SplitRule {
    /// Go left when `x <= threshold` (LightGBM, our GBDT).
    LessOrEqual(f64),
    /// Go left when `x < threshold` (XGBoost).
    Less(f64),
    /// Go left when the integer category `x` is in the bitset (32 categories per word).
    /// Negative categories go right.
    Category(Vec<u32>),
}

/// An internal node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Feature column index.
    pub feature: u32,
    /// The test.
    pub rule: SplitRule,
    /// Which values are missing.
    pub missing: Missing,
    /// Where missing values go.
    pub default_left: bool,
    /// Index of the left child in [`Tree::nodes`].
    pub left: u32,
    /// Index of the right child in [`Tree::nodes`].
    pub right: u32,
}

/// A node of a tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// A split.
    Split(Split),
    /// A leaf with its output value.
    Leaf(f64),
}

/// One regression tree; `nodes[0]` is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Tree {
    /// The nodes, root first.
    pub nodes: Vec<Node>,
    /// The cover of each node (parallel to `nodes`): the training weight that reached it, a row
    /// count (LightGBM `internal_count`/`leaf_count`, our GBDT) or a hessian sum (XGBoost
    /// `sum_hessian`). Empty when the model does not say; path-dependent TreeSHAP needs it.
    #[serde(default)]
    pub cover: Vec<f64>,
}

/// How the raw score (sum of leaves plus base score) maps to a prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum OutputTransform {
    /// The raw score (L2, quantile, Huber, ...).
    #[default]
    Identity,
    /// `exp(raw)` (Poisson, Tweedie, Gamma with log link).
    Exp,
    /// `1 / (1 + exp(-raw))` (binary logistic).
    Sigmoid,
}

impl OutputTransform {
    /// Apply the transform to one raw score.
    #[inline]
    pub fn apply(self, raw: f64) -> f64 {
        match self {
            Self::Identity => raw,
            Self::Exp => raw.exp(),
            Self::Sigmoid => 1.0 / (1.0 + (-raw).exp()),
        }
    }
}

/// An additive ensemble of trees: `transform(base_score + Σ tree(x))`, or with `average`
/// set (random forests) `transform(base_score + mean tree(x))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TreeEnsemble {
    /// Number of input columns.
    pub n_features: usize,
    /// Column names, when known (empty otherwise).
    pub feature_names: Vec<String>,
    /// The trees.
    pub trees: Vec<Tree>,
    /// Constant added to the raw score.
    pub base_score: f64,
    /// Average the trees instead of summing them.
    pub average: bool,
    /// Output transform.
    pub transform: OutputTransform,
}

impl Split {
    /// Whether value `x` goes to the left child (the exact reference semantics).
    #[inline]
    pub fn goes_left(&self, x: f64) -> bool {
        match &self.rule {
            SplitRule::Category(bits) => {
                let mut v = x;
                if v.is_nan() {
                    if self.missing == Missing::NaN {
                        return false;
                    }
                    v = 0.0;
                }
                if v < 0.0 {
                    return false;
                }
                let c = v as u64;
                let word = (c / 32) as usize;
                word < bits.len() && (bits[word] >> (c % 32)) & 1 == 1
            }
            SplitRule::LessOrEqual(t) | SplitRule::Less(t) => {
                let mut v = x;
                match self.missing {
                    Missing::NaN => {
                        if v.is_nan() {
                            return self.default_left;
                        }
                    }
                    Missing::Zero => {
                        if v.is_nan() {
                            v = 0.0;
                        }
                        if (-ZERO_THRESHOLD..=ZERO_THRESHOLD).contains(&v) {
                            return self.default_left;
                        }
                    }
                    Missing::None => {
                        if v.is_nan() {
                            v = 0.0;
                        }
                    }
                }
                match self.rule {
                    SplitRule::Less(_) => v < *t,
                    _ => v <= *t,
                }
            }
        }
    }
}

impl Tree {
    /// The leaf value for one row (reference walk).
    ///
    /// A malformed tree (child index out of range, feature beyond the row) yields NaN rather
    /// than panicking; [`TreeEnsemble::validate`] rejects such trees up front.
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0usize;
        // A valid tree reaches a leaf in at most nodes.len() steps; the bound stops cycles.
        for _ in 0..=self.nodes.len() {
            match self.nodes.get(i) {
                Some(Node::Leaf(v)) => return *v,
                Some(Node::Split(s)) => {
                    let x = row.get(s.feature as usize).copied().unwrap_or(f64::NAN);
                    i = if s.goes_left(x) { s.left } else { s.right } as usize;
                }
                None => return f64::NAN,
            }
        }
        f64::NAN
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n, Node::Leaf(_))).count()
    }
}

impl TreeEnsemble {
    /// Check that every child index is in range, every feature index is below
    /// `n_features`, and no node is reachable twice (so every walk ends at a leaf).
    ///
    /// # Errors
    /// [`crate::Error::InvalidData`] naming the tree and node.
    pub fn validate(&self) -> Result<()> {
        for (t, tree) in self.trees.iter().enumerate() {
            if tree.nodes.is_empty() {
                return Err(crate::Error::InvalidData(format!("tree {t} has no nodes")));
            }
            if !tree.cover.is_empty() && tree.cover.len() != tree.nodes.len() {
                return Err(crate::Error::InvalidData(format!(
                    "tree {t}: {} covers for {} nodes; give one cover per node or none",
                    tree.cover.len(),
                    tree.nodes.len()
                )));
            }
            if let Some(i) = tree.cover.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
                return Err(crate::Error::InvalidData(format!(
                    "tree {t} node {i}: cover {} is not a finite non-negative number",
                    tree.cover[i]
                )));
            }
            let mut seen = vec![false; tree.nodes.len()];
            let mut stack = vec![0usize];
            while let Some(i) = stack.pop() {
                if seen[i] {
                    return Err(crate::Error::InvalidData(format!("tree {t}: node {i} is reachable twice")));
                }
                seen[i] = true;
                if let Node::Split(s) = &tree.nodes[i] {
                    if s.feature as usize >= self.n_features {
                        return Err(crate::Error::InvalidData(format!(
                            "tree {t} node {i}: feature {} >= n_features {}",
                            s.feature, self.n_features
                        )));
                    }
                    for c in [s.left, s.right] {
                        if c as usize >= tree.nodes.len() {
                            return Err(crate::Error::InvalidData(format!(
                                "tree {t} node {i}: child {c} out of range ({} nodes)",
                                tree.nodes.len()
                            )));
                        }
                        stack.push(c as usize);
                    }
                }
            }
        }
        Ok(())
    }

    /// The raw score (before the output transform) of one row, by the reference walk.
    pub fn raw_row(&self, row: &[f64]) -> f64 {
        let sum: f64 = self.trees.iter().map(|t| t.predict_row(row)).sum();
        let agg = if self.average && !self.trees.is_empty() { sum / self.trees.len() as f64 } else { sum };
        self.base_score + agg
    }

    /// The prediction for one row, by the reference walk.
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        self.transform.apply(self.raw_row(row))
    }
}

impl Predict for TreeEnsemble {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_n_features(&x, self.n_features)?;
        let mut row = vec![0.0; self.n_features];
        Ok(x.rows()
            .into_iter()
            .map(|r| {
                row.iter_mut().zip(r.iter()).for_each(|(d, s)| *d = *s);
                self.predict_row(&row)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump(rule: SplitRule, missing: Missing, default_left: bool) -> Tree {
        Tree {
            nodes: vec![
                Node::Split(Split { feature: 0, rule, missing, default_left, left: 1, right: 2 }),
                Node::Leaf(-1.0),
                Node::Leaf(1.0),
            ],
            cover: Vec::new(),
        }
    }

    #[test]
    fn lightgbm_and_xgboost_semantics() {
        let le = stump(SplitRule::LessOrEqual(0.5), Missing::NaN, false);
        assert_eq!(le.predict_row(&[0.5]), -1.0);
        assert_eq!(le.predict_row(&[f64::NAN]), 1.0);
        let lt = stump(SplitRule::Less(0.5), Missing::NaN, true);
        assert_eq!(lt.predict_row(&[0.5]), 1.0);
        assert_eq!(lt.predict_row(&[f64::NAN]), -1.0);
        let zero = stump(SplitRule::LessOrEqual(-1.0), Missing::Zero, true);
        assert_eq!(zero.predict_row(&[0.0]), -1.0);
        assert_eq!(zero.predict_row(&[f64::NAN]), -1.0);
        assert_eq!(zero.predict_row(&[3.0]), 1.0);
        assert_eq!(zero.predict_row(&[1.0000000180025095e-35]), -1.0, "LightGBM's float kZeroThreshold is zero");
        assert_eq!(zero.predict_row(&[1.0000000180025096e-35]), 1.0);
        let none = stump(SplitRule::LessOrEqual(0.5), Missing::None, false);
        assert_eq!(none.predict_row(&[f64::NAN]), -1.0);
        let cat = stump(SplitRule::Category(vec![0b1010]), Missing::NaN, false);
        assert_eq!(cat.predict_row(&[1.0]), -1.0);
        assert_eq!(cat.predict_row(&[2.0]), 1.0);
        assert_eq!(cat.predict_row(&[3.0]), -1.0);
        assert_eq!(cat.predict_row(&[-1.0]), 1.0);
        assert_eq!(cat.predict_row(&[f64::NAN]), 1.0);
        assert_eq!(cat.predict_row(&[99.0]), 1.0);
    }

    #[test]
    fn validate_rejects_bad_children_and_cycles() {
        let mut e = TreeEnsemble {
            n_features: 1,
            trees: vec![stump(SplitRule::Less(0.0), Missing::NaN, true)],
            ..Default::default()
        };
        assert!(e.validate().is_ok());
        if let Node::Split(s) = &mut e.trees[0].nodes[0] {
            s.right = 0;
        }
        assert!(e.validate().is_err());
        if let Node::Split(s) = &mut e.trees[0].nodes[0] {
            s.right = 7;
        }
        assert!(e.validate().is_err());
        let mut covered = stump(SplitRule::Less(0.0), Missing::NaN, true);
        covered.cover = vec![3.0, 1.0];
        e.trees = vec![covered.clone()];
        assert!(e.validate().unwrap_err().to_string().contains("2 covers for 3 nodes"));
        covered.cover = vec![3.0, 1.0, f64::NAN];
        e.trees = vec![covered];
        assert!(e.validate().unwrap_err().to_string().contains("node 2: cover NaN"));
    }
}
