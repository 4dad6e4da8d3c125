//! XGBoost JSON models (`Booster.save_model("model.json")`, schema of XGBoost 1.x to 3.x).
//!
//! Read: `learner.learner_model_param` (`base_score`, `num_feature`, `num_class`,
//! `num_target`), `learner.objective.name`, `learner.feature_names` and, per tree of
//! `learner.gradient_booster.model.trees`, the parallel arrays `left_children`,
//! `right_children`, `split_indices`, `split_conditions` (the leaf value at a leaf),
//! `default_left`, `split_type` and `sum_hessian` (the node covers).
//!
//! XGBoost stores thresholds and leaves as `f32` and compares `f32(x) < threshold`, NaN taking
//! the default direction. Rounding to `f32` is monotone, so that test equals `x < m` (or
//! `x <= m`) in `f64` for `m` the midpoint between the threshold and the `f32` below it; the
//! import writes that exact `f64` test, so rows that are not `f32` values split as in XGBoost.
//! XGBoost sums leaves in `f32` while we sum in `f64`, so predictions agree to `f32` rounding.
//!
//! `base_score` is stored in output space and becomes a margin through the objective's link:
//! identity for `reg:squarederror`, `reg:absoluteerror`, `reg:pseudohubererror`,
//! `reg:quantileerror`; log for `count:poisson`, `reg:tweedie`, `reg:gamma` (output `exp`);
//! logit for `binary:logistic`, `reg:logistic` (output sigmoid) and `binary:logitraw` (raw).
//! Multi-class, multi-target, ranking, survival, `gblinear`, `dart` and categorical splits
//! are rejected.

use crate::tree::{Missing, Node, OutputTransform, Split, SplitRule, Tree, TreeEnsemble};
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::Value;

fn err(place: impl Into<String>, message: impl Into<String>) -> Error {
    Error::ModelImport { format: "XGBoost", place: place.into(), message: message.into() }
}

#[derive(Deserialize)]
struct Root {
    learner: Learner,
}

#[derive(Deserialize)]
struct Learner {
    #[serde(default)]
    feature_names: Vec<String>,
    gradient_booster: Booster,
    learner_model_param: ModelParam,
    objective: Objective,
}

#[derive(Deserialize)]
struct Booster {
    name: String,
    model: Option<GbTree>,
}

#[derive(Deserialize)]
struct GbTree {
    trees: Vec<JsonTree>,
}

#[derive(Deserialize)]
struct JsonTree {
    left_children: Vec<i64>,
    right_children: Vec<i64>,
    split_indices: Vec<i64>,
    split_conditions: Vec<f64>,
    default_left: Vec<Value>,
    #[serde(default)]
    split_type: Vec<u8>,
    #[serde(default)]
    sum_hessian: Vec<f64>,
}

#[derive(Deserialize)]
struct ModelParam {
    base_score: String,
    num_feature: String,
    #[serde(default)]
    num_class: Option<String>,
    #[serde(default)]
    num_target: Option<String>,
}

#[derive(Deserialize)]
struct Objective {
    name: String,
}

/// Parse an XGBoost JSON model into a [`TreeEnsemble`].
///
/// # Errors
/// [`Error::ModelImport`] naming the JSON path, tree and node of the first problem.
pub fn parse(text: &str) -> Result<TreeEnsemble> {
    let root: Root = serde_json::from_str(text).map_err(|e| err("document", format!("not an XGBoost model: {e}")))?;
    let l = root.learner;
    let p = &l.learner_model_param;
    for (key, v) in [("num_class", &p.num_class), ("num_target", &p.num_target)] {
        if let Some(v) = v.as_deref().filter(|v| !matches!(*v, "0" | "1")) {
            return Err(err(format!("learner.learner_model_param.{key}"), format!("{v}: only single-output models")));
        }
    }
    let n_features: usize =
        p.num_feature.trim().parse().map_err(|_| {
            err("learner.learner_model_param.num_feature", format!("`{}` is not a count", p.num_feature))
        })?;
    let base: f32 =
        p.base_score.trim().trim_start_matches('[').trim_end_matches(']').trim().parse().map_err(|_| {
            err("learner.learner_model_param.base_score", format!("`{}` is not a number", p.base_score))
        })?;
    let (transform, link) = objective(&l.objective.name)?;
    let base_score = link(f64::from(base));
    if l.gradient_booster.name != "gbtree" {
        return Err(err(
            "learner.gradient_booster.name",
            format!("`{}`: only gbtree boosters are supported", l.gradient_booster.name),
        ));
    }
    let model = l.gradient_booster.model.ok_or_else(|| err("learner.gradient_booster", "missing `model`"))?;
    let trees = model.trees.iter().enumerate().map(|(t, tree)| convert(t, tree, n_features)).collect::<Result<_>>()?;
    let ensemble =
        TreeEnsemble { n_features, feature_names: l.feature_names, trees, base_score, average: false, transform };
    ensemble.validate().map_err(|e| err("learner.gradient_booster.model.trees", e.to_string()))?;
    Ok(ensemble)
}

type Link = fn(f64) -> f64;

fn objective(name: &str) -> Result<(OutputTransform, Link)> {
    let logit: Link = |p| (p / (1.0 - p)).ln();
    Ok(match name {
        "reg:squarederror" | "reg:linear" | "reg:absoluteerror" | "reg:pseudohubererror" | "reg:quantileerror" => {
            (OutputTransform::Identity, |b| b)
        }
        "count:poisson" | "reg:tweedie" | "reg:gamma" => (OutputTransform::Exp, f64::ln),
        "binary:logistic" | "reg:logistic" => (OutputTransform::Sigmoid, logit),
        "binary:logitraw" => (OutputTransform::Identity, logit),
        _ => {
            return Err(err(
                "learner.objective.name",
                format!(
                    "`{name}`: accepted objectives are reg:squarederror, reg:absoluteerror, reg:pseudohubererror, \
                     reg:quantileerror, count:poisson, reg:tweedie, reg:gamma, binary:logistic, reg:logistic, \
                     binary:logitraw"
                ),
            ));
        }
    })
}

/// `f32(x) < t` as an exact test on `f64` x.
fn f32_less(t: f32) -> SplitRule {
    if t.is_nan() || t == f32::NEG_INFINITY {
        return SplitRule::Less(f64::from(t));
    }
    let below = if t == 0.0 {
        -f32::from_bits(1)
    } else if t > 0.0 {
        f32::from_bits(t.to_bits() - 1)
    } else {
        f32::from_bits(t.to_bits() + 1)
    };
    let upper = if t == f32::INFINITY { 2f64.powi(128) } else { f64::from(t) };
    let mid = (f64::from(below) + upper) / 2.0;
    // A tie rounds to the neighbour with an even mantissa; when that is `below`, `mid` goes left.
    if below.to_bits() & 1 == 0 { SplitRule::LessOrEqual(mid) } else { SplitRule::Less(mid) }
}

fn convert(t: usize, tree: &JsonTree, n_features: usize) -> Result<Tree> {
    let place = |field: &str| format!("learner.gradient_booster.model.trees[{t}].{field}");
    let n = tree.left_children.len();
    for (field, len) in [
        ("right_children", tree.right_children.len()),
        ("split_indices", tree.split_indices.len()),
        ("split_conditions", tree.split_conditions.len()),
        ("default_left", tree.default_left.len()),
        ("sum_hessian", if tree.sum_hessian.is_empty() { n } else { tree.sum_hessian.len() }),
    ] {
        if len != n {
            return Err(err(place(field), format!("has {len} entries, left_children has {n}")));
        }
    }
    if n == 0 {
        return Err(err(place("left_children"), "a tree needs at least one node"));
    }
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let (l, r) = (tree.left_children[i], tree.right_children[i]);
        let value = tree.split_conditions[i];
        if l == -1 {
            nodes.push(Node::Leaf(f64::from(value as f32)));
            continue;
        }
        if tree.split_type.get(i).copied().unwrap_or(0) != 0 {
            return Err(err(place("split_type"), format!("node {i}: categorical splits are not supported")));
        }
        let in_range = |c: i64| c > 0 && (c as usize) < n;
        if !in_range(l) || !in_range(r) {
            return Err(err(place("left_children"), format!("node {i}: children {l}, {r} not in 1..{n}")));
        }
        let feature = tree.split_indices[i];
        if feature < 0 || feature as usize >= n_features {
            return Err(err(place("split_indices"), format!("node {i}: feature {feature} not in 0..{n_features}")));
        }
        let default_left = match &tree.default_left[i] {
            Value::Bool(b) => *b,
            Value::Number(v) if v.as_u64().is_some_and(|v| v <= 1) => v.as_u64() == Some(1),
            v => return Err(err(place("default_left"), format!("node {i}: `{v}`; accepted 0, 1, true, false"))),
        };
        nodes.push(Node::Split(Split {
            feature: feature as u32,
            rule: f32_less(value as f32),
            missing: Missing::NaN,
            default_left,
            left: l as u32,
            right: r as u32,
        }));
    }
    Ok(Tree { nodes, cover: tree.sum_hessian.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_threshold_becomes_an_exact_f64_test() {
        for t in [1.0310602f32, -0.115759045, 0.0, -0.0, 1e-45, -3.5, f32::MAX, f32::INFINITY, 7.0] {
            let rule = f32_less(t);
            let split = Split { feature: 0, rule, missing: Missing::NaN, default_left: true, left: 1, right: 2 };
            let base = f64::from(t);
            let mut probes = vec![base, base.next_up(), base.next_down(), 0.0, -0.0, f64::MAX, -f64::MAX];
            if t.is_finite() {
                let below = f64::from(if t > 0.0 { f32::from_bits(t.to_bits() - 1) } else { t - t.abs() * 1e-7 });
                let mid = (below + base) / 2.0;
                probes.extend([mid, mid.next_up(), mid.next_down(), below]);
            }
            for x in probes {
                assert_eq!(split.goes_left(x), (x as f32) < t, "t = {t}, x = {x:e}");
            }
        }
    }

    #[test]
    fn rejects_multiclass_and_unknown_objectives() {
        let doc = |obj: &str, classes: &str| {
            format!(
                r#"{{"learner": {{"feature_names": [], "objective": {{"name": "{obj}"}},
                "learner_model_param": {{"base_score": "[5E-1]", "num_feature": "1", "num_class": "{classes}"}},
                "gradient_booster": {{"name": "gbtree", "model": {{"trees": [{{"left_children": [-1],
                "right_children": [-1], "split_indices": [0], "split_conditions": [0.5], "default_left": [0]}}]}}}}}}}}"#
            )
        };
        let ok = parse(&doc("binary:logistic", "0")).unwrap();
        assert_eq!(ok.base_score, 0.0);
        assert_eq!(ok.predict_row(&[1.0]), 1.0 / (1.0 + (-0.5f64).exp()));
        assert!(parse(&doc("multi:softprob", "3")).unwrap_err().to_string().contains("num_class"));
        assert!(parse(&doc("rank:ndcg", "0")).unwrap_err().to_string().contains("accepted objectives"));
    }
}
