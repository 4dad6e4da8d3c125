//! LightGBM text models (`model.txt`, as written by `Booster::save_model`).
//!
//! Read: the header (`max_feature_idx`, `feature_names`, `objective`, `average_output`,
//! `num_class`) and every `Tree=` block (`split_feature`, `threshold`, `decision_type`,
//! `left_child`, `right_child`, `leaf_value`, `cat_boundaries`, `cat_threshold`, and the node
//! covers `internal_count`, `leaf_count` when present). Leaf values
//! already include the learning rate (`shrinkage` is informational) and, with
//! `boost_from_average`, the initial score; predictions are `transform(Σ leaves)`.
//!
//! `decision_type` bits (LightGBM `tree.h`): 1 = categorical, 2 = default left, bits 2-3 the
//! missing type (0 none, 1 zero, 2 NaN). Numerical splits go left when `x <= threshold`;
//! categorical ones when the integer category is in the bitset
//! `cat_threshold[cat_boundaries[t]..cat_boundaries[t + 1]]` with `t = threshold`.
//!
//! Objectives: `regression`, `regression_l1`, `huber`, `fair`, `quantile`, `mape` (identity),
//! `poisson`, `gamma`, `tweedie` (exp), `binary` and `cross_entropy` (sigmoid; a `sigmoid:`
//! factor other than 1 is folded into the leaves). Multi-class, ranking, linear trees and
//! `regression sqrt` are rejected with an error.

use crate::tree::{Missing, Node, OutputTransform, Split, SplitRule, Tree, TreeEnsemble};
use crate::{Error, Result};
use std::collections::HashMap;

fn err(place: impl Into<String>, message: impl Into<String>) -> Error {
    Error::ModelImport { format: "LightGBM", place: place.into(), message: message.into() }
}

/// The `key=value` lines of one section, with their line numbers.
#[derive(Debug, Default)]
struct Section<'a> {
    /// Where the section starts, e.g. "line 12 (Tree=3)".
    name: String,
    values: HashMap<&'a str, (usize, &'a str)>,
}

impl<'a> Section<'a> {
    fn place(&self, key: &str) -> String {
        match self.values.get(key) {
            Some((line, _)) => format!("line {line} ({}, `{key}`)", self.name),
            None => format!("{}, `{key}`", self.name),
        }
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.values.get(key).map(|(_, v)| *v)
    }

    fn required(&self, key: &str) -> Result<&'a str> {
        self.get(key).ok_or_else(|| err(self.name.clone(), format!("missing required `{key}=` line")))
    }

    fn number<T: std::str::FromStr>(&self, key: &str) -> Result<T> {
        let v = self.required(key)?;
        v.trim().parse().map_err(|_| err(self.place(key), format!("`{v}` is not a valid number")))
    }

    /// A space-separated list of exactly `len` numbers (an absent key reads as empty).
    fn list<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Vec<T>> {
        let items: Vec<&str> = self.get(key).map(|v| v.split_whitespace().collect()).unwrap_or_default();
        if items.len() != len {
            return Err(err(self.place(key), format!("expected {len} values, found {}", items.len())));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, v)| v.parse().map_err(|_| err(self.place(key), format!("item {i}: `{v}` is not a valid number"))))
            .collect()
    }
}

/// Parse a LightGBM `model.txt` into a [`TreeEnsemble`].
///
/// # Errors
/// [`Error::ModelImport`] naming the line, tree and field of the first problem.
pub fn parse(text: &str) -> Result<TreeEnsemble> {
    let mut header = Section { name: "header".into(), ..Default::default() };
    let mut average = false;
    let mut trees: Vec<Section<'_>> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let (line, no) = (raw.trim(), i + 1);
        if line == "end of trees" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(id) = line.strip_prefix("Tree=") {
            trees.push(Section { name: format!("Tree={id} at line {no}"), ..Default::default() });
            continue;
        }
        if line == "average_output" {
            average = true;
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            trees.last_mut().unwrap_or(&mut header).values.insert(k, (no, v));
        }
    }
    if text.lines().next().map(str::trim) != Some("tree") {
        return Err(err("line 1", "expected the first line `tree` of a LightGBM text model"));
    }
    for key in ["num_class", "num_tree_per_iteration"] {
        if let Some(v) = header.get(key)
            && v.trim() != "1"
        {
            return Err(err(
                header.place(key),
                format!("{key}={v}: only single-output models (regression, binary) are supported"),
            ));
        }
    }
    let n_features = header.number::<usize>("max_feature_idx")? + 1;
    let feature_names: Vec<String> =
        header.get("feature_names").map(|v| v.split_whitespace().map(String::from).collect()).unwrap_or_default();
    let (transform, scale) = objective(&header)?;
    let trees = trees.iter().map(|s| tree(s, n_features, scale)).collect::<Result<Vec<_>>>()?;
    let ensemble = TreeEnsemble { n_features, feature_names, trees, base_score: 0.0, average, transform };
    ensemble.validate().map_err(|e| err("trees", e.to_string()))?;
    Ok(ensemble)
}

/// The output transform and the factor folded into leaves (binary `sigmoid:` parameter).
fn objective(header: &Section<'_>) -> Result<(OutputTransform, f64)> {
    let Some(line) = header.get("objective") else { return Ok((OutputTransform::Identity, 1.0)) };
    let mut words = line.split_whitespace();
    let name = words.next().unwrap_or("");
    let params: Vec<&str> = words.collect();
    let unsupported = |why: &str| err(header.place("objective"), format!("objective `{line}`: {why}"));
    match name {
        "regression" if params.contains(&"sqrt") => Err(unsupported("`reg_sqrt` output is not supported")),
        "regression" | "regression_l1" | "huber" | "fair" | "quantile" | "mape" | "custom" => {
            Ok((OutputTransform::Identity, 1.0))
        }
        "poisson" | "gamma" | "tweedie" => Ok((OutputTransform::Exp, 1.0)),
        "binary" | "cross_entropy" => {
            let sigmoid = params
                .iter()
                .find_map(|p| p.strip_prefix("sigmoid:"))
                .map(|v| v.parse::<f64>().map_err(|_| unsupported("bad `sigmoid:` value")))
                .transpose()?
                .unwrap_or(1.0);
            Ok((OutputTransform::Sigmoid, sigmoid))
        }
        _ => Err(unsupported(
            "accepted objectives are regression, regression_l1, huber, fair, quantile, mape, \
             poisson, gamma, tweedie, binary and cross_entropy (multi-class and ranking are not supported)",
        )),
    }
}

fn tree(s: &Section<'_>, n_features: usize, scale: f64) -> Result<Tree> {
    if s.get("is_linear").is_some_and(|v| v.trim() != "0") {
        return Err(err(s.place("is_linear"), "linear trees are not supported"));
    }
    let n_leaves: usize = s.number("num_leaves")?;
    if n_leaves == 0 {
        return Err(err(s.place("num_leaves"), "a tree needs at least one leaf"));
    }
    let leaf_value: Vec<f64> = s.list("leaf_value", n_leaves)?;
    let leaf = |v: f64| Node::Leaf(if scale == 1.0 { v } else { v * scale });
    if n_leaves == 1 {
        let cover = if s.get("leaf_count").is_some() { s.list("leaf_count", 1)? } else { Vec::new() };
        return Ok(Tree { nodes: vec![leaf(leaf_value[0])], cover });
    }
    let n_internal = n_leaves - 1;
    let feature: Vec<u32> = s.list("split_feature", n_internal)?;
    let threshold: Vec<f64> = s.list("threshold", n_internal)?;
    let decision: Vec<u8> = s.list("decision_type", n_internal)?;
    let left: Vec<i64> = s.list("left_child", n_internal)?;
    let right: Vec<i64> = s.list("right_child", n_internal)?;
    let n_cat: usize = s.get("num_cat").map_or(Ok(0), |_| s.number("num_cat"))?;
    let (bounds, words): (Vec<usize>, Vec<u32>) = if n_cat > 0 {
        let bounds: Vec<usize> = s.list("cat_boundaries", n_cat + 1)?;
        let n_words = bounds.last().copied().unwrap_or(0);
        (bounds, s.list("cat_threshold", n_words)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let child = |c: i64, node: usize, key: &str| -> Result<u32> {
        let idx = if c >= 0 { c as usize } else { n_internal + (!c) as usize };
        let ok = if c >= 0 { (c as usize) < n_internal } else { ((!c) as usize) < n_leaves };
        if !ok {
            return Err(err(s.place(key), format!("node {node}: child {c} is out of range")));
        }
        Ok(idx as u32)
    };
    let mut nodes = Vec::with_capacity(n_internal + n_leaves);
    for i in 0..n_internal {
        let d = decision[i];
        if feature[i] as usize >= n_features {
            return Err(err(s.place("split_feature"), format!("node {i}: feature {} > max_feature_idx", feature[i])));
        }
        let missing = match (d >> 2) & 3 {
            0 => Missing::None,
            1 => Missing::Zero,
            2 => Missing::NaN,
            m => return Err(err(s.place("decision_type"), format!("node {i}: missing type {m}; accepted 0, 1, 2"))),
        };
        let rule = if d & 1 == 1 {
            let t = threshold[i];
            let ok = t >= 0.0 && t.fract() == 0.0 && (t as usize) < n_cat;
            if !ok {
                return Err(err(s.place("threshold"), format!("node {i}: categorical index {t} not in 0..{n_cat}")));
            }
            let (a, b) = (bounds[t as usize], bounds[t as usize + 1]);
            let bits = words.get(a..b).ok_or_else(|| {
                err(s.place("cat_boundaries"), format!("node {i}: bitset {a}..{b} outside cat_threshold"))
            })?;
            SplitRule::Category(bits.to_vec())
        } else {
            SplitRule::LessOrEqual(threshold[i])
        };
        nodes.push(Node::Split(Split {
            feature: feature[i],
            rule,
            missing,
            default_left: d & 2 == 2,
            left: child(left[i], i, "left_child")?,
            right: child(right[i], i, "right_child")?,
        }));
    }
    nodes.extend(leaf_value.into_iter().map(leaf));
    // Node order is internal nodes then leaves, so the covers are internal_count ++ leaf_count.
    let mut cover = Vec::new();
    if s.get("internal_count").is_some() && s.get("leaf_count").is_some() {
        cover = s.list("internal_count", n_internal)?;
        cover.extend(s.list::<f64>("leaf_count", n_leaves)?);
    }
    Ok(Tree { nodes, cover })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n\
        max_feature_idx=1\nobjective=poisson\nfeature_names=a b\n\nTree=0\nnum_leaves=3\nnum_cat=1\n\
        split_feature=0 1\nthreshold=1.5 0\ndecision_type=10 1\nleft_child=-1 -2\nright_child=1 -3\n\
        leaf_value=0.5 -0.25 1\ncat_boundaries=0 1\ncat_threshold=6\nis_linear=0\nshrinkage=1\n\n\n\
        Tree=1\nnum_leaves=1\nleaf_value=0.125\n\nend of trees\n";

    #[test]
    fn parses_splits_missing_types_categories_and_objective() {
        let e = parse(MODEL).unwrap();
        assert_eq!(e.n_features, 2);
        assert_eq!(e.feature_names, vec!["a", "b"]);
        assert_eq!(e.transform, OutputTransform::Exp);
        let raw = |row: &[f64]| e.raw_row(row);
        assert_eq!(raw(&[1.0, 9.0]), 0.5 + 0.125);
        assert_eq!(raw(&[f64::NAN, 9.0]), 0.5 + 0.125, "NaN goes left by default");
        assert_eq!(raw(&[2.0, 1.0]), -0.25 + 0.125, "category 1 is in bitset 0b110");
        assert_eq!(raw(&[2.0, 0.0]), 1.0 + 0.125);
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let bad = MODEL.replace("threshold=1.5 0", "threshold=1.5 x");
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("line 14") && e.contains("threshold") && e.contains("`x`"), "{e}");
        let multi = MODEL.replace("num_class=1", "num_class=3");
        assert!(parse(&multi).unwrap_err().to_string().contains("num_class=3"));
        let rank = MODEL.replace("objective=poisson", "objective=lambdarank");
        assert!(parse(&rank).unwrap_err().to_string().contains("accepted objectives"));
    }
}
