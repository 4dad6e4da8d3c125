//! Where the model is weak, in rules a planner reads: a shallow decision-tree classifier
//! (linfa-trees) fitted on the feature rows to the class of each row's forecast error
//! (under-forecast, on target, over-forecast), each leaf printed as a rule with its support
//! and accuracy.
//!
//! linfa-trees has no missing values; a NaN cell is read as a value below the column's
//! minimum, so a split there means "missing" and is printed so.

use crate::format::{number, with_unit};
use crate::narrative::feature_phrase;
use crate::{Result, XaiError};
use forecast_core::Frequency;
use linfa::prelude::*;
use linfa_trees::{DecisionTree, TreeNode};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// The class of a forecast error `forecast - actual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorClass {
    /// The forecast was below the actual by more than the tolerance.
    UnderForecast,
    /// Within the tolerance.
    OnTarget,
    /// The forecast was above the actual by more than the tolerance.
    OverForecast,
}

impl ErrorClass {
    fn label(self) -> usize {
        self as usize
    }

    fn from_label(l: usize) -> Self {
        match l {
            0 => Self::UnderForecast,
            1 => Self::OnTarget,
            _ => Self::OverForecast,
        }
    }

    /// Words for a reader.
    pub fn describe(self) -> &'static str {
        match self {
            Self::UnderForecast => "we under-forecast",
            Self::OnTarget => "we are on target",
            Self::OverForecast => "we over-forecast",
        }
    }
}

/// What counts as on target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Tolerance {
    /// `|forecast - actual| <= units`.
    Units(f64),
    /// The given share of rows with the smallest absolute errors is on target (0.5: half).
    Share(f64),
}

/// Parameters of [`ErrorRules::fit`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `tolerance` | `Share(0.5)` | what is on target | units >= 0, share in [0, 1] |
/// | `max_depth` | 3 | conditions per rule at most | 1 to 8 |
/// | `min_leaf_share` | 0.02 | smallest rule support, as a share of rows | (0, 0.5] |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RuleParams {
    /// What counts as on target.
    pub tolerance: Tolerance,
    /// Depth of the surrogate tree.
    pub max_depth: usize,
    /// Smallest leaf, as a share of rows.
    pub min_leaf_share: f64,
}

impl Default for RuleParams {
    fn default() -> Self {
        Self { tolerance: Tolerance::Share(0.5), max_depth: 3, min_leaf_share: 0.02 }
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// `lower <= feature < upper` (either bound may be absent).
    Range {
        /// Feature name.
        feature: String,
        /// Inclusive lower bound.
        lower: Option<f64>,
        /// Exclusive upper bound.
        upper: Option<f64>,
    },
    /// The feature is missing.
    Missing(String),
    /// The feature is known (any value).
    Known(String),
}

/// One leaf of the surrogate, as a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRule {
    /// All must hold.
    pub conditions: Vec<Condition>,
    /// The class the surrogate predicts here.
    pub class: ErrorClass,
    /// Rows the rule covers.
    pub rows: usize,
    /// `rows` as a share of all rows.
    pub support: f64,
    /// Share of the covered rows whose error class is `class`.
    pub accuracy: f64,
    /// Mean error `forecast - actual` of the covered rows, in units.
    pub mean_error: f64,
    /// Sum of errors over sum of actuals of the covered rows, when actuals were given.
    pub relative_error: Option<f64>,
}

/// The rules of one fitted surrogate, worst first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRules {
    /// Rules ranked: off-target classes first, by rows x |mean error|.
    pub rules: Vec<ErrorRule>,
    /// The tolerance in units that the classes used.
    pub tolerance_units: f64,
    /// Share of all rows the surrogate classifies right.
    pub accuracy: f64,
}

impl ErrorRules {
    /// Fit the surrogate on `x` (rows x features, named by `names`) to the class of `errors`
    /// (`forecast - actual`, one per row). With `actuals`, each rule also reports its error as
    /// a share of the actuals.
    ///
    /// # Errors
    /// [`XaiError::Shape`] when lengths disagree, [`XaiError::InvalidArgument`] for a parameter
    /// out of range, fewer than 2 rows or a non-finite error, [`XaiError::Backend`] from linfa.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        names: &[String],
        errors: ArrayView1<'_, f64>,
        actuals: Option<ArrayView1<'_, f64>>,
        params: RuleParams,
    ) -> Result<Self> {
        let (n, p) = x.dim();
        check(n, p, names, errors, actuals, &params)?;
        let tolerance_units = match params.tolerance {
            Tolerance::Units(u) => u,
            Tolerance::Share(s) => {
                let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
                abs.sort_by(f64::total_cmp);
                abs[((s * n as f64).ceil() as usize).clamp(1, n) - 1]
            }
        };
        let class = |e: f64| {
            if e < -tolerance_units {
                ErrorClass::UnderForecast
            } else if e > tolerance_units {
                ErrorClass::OverForecast
            } else {
                ErrorClass::OnTarget
            }
        };
        let classes: Vec<ErrorClass> = errors.iter().map(|&e| class(e)).collect();
        let (filled, missing_below) = fill_missing(x);
        let labels: Vec<usize> = classes.iter().map(|c| c.label()).collect();
        let min_leaf = ((params.min_leaf_share * n as f64).ceil() as f32).max(1.0);
        let all: Vec<usize> = (0..n).collect();
        let grower = Grower { x: &filled, labels: &labels, max_depth: params.max_depth, min_leaf };
        let leaves = grower.grow(&all, 0, &mut Vec::new())?;
        let mut stats = vec![(0usize, 0usize, 0.0f64, 0.0f64); leaves.len()];
        let mut right = 0usize;
        for (i, row) in filled.rows().into_iter().enumerate() {
            let k = leaves.iter().position(|l| l.contains(&row)).unwrap_or(0);
            let s = &mut stats[k];
            s.0 += 1;
            if classes[i] == leaves[k].class {
                s.1 += 1;
                right += 1;
            }
            s.2 += errors[i];
            s.3 += actuals.map_or(0.0, |a| a[i]);
        }
        let mut rules: Vec<ErrorRule> = leaves
            .iter()
            .zip(&stats)
            .filter(|(_, s)| s.0 > 0)
            .map(|(leaf, &(rows, hits, err, act))| ErrorRule {
                conditions: leaf.conditions(names, &missing_below),
                class: leaf.class,
                rows,
                support: rows as f64 / n as f64,
                accuracy: hits as f64 / rows as f64,
                mean_error: err / rows as f64,
                relative_error: actuals.and_then(|_| (act != 0.0).then(|| err / act)),
            })
            .collect();
        let weight = |r: &ErrorRule| (r.class != ErrorClass::OnTarget, r.rows as f64 * r.mean_error.abs());
        rules.sort_by(|a, b| {
            let (wa, wb) = (weight(a), weight(b));
            wb.0.cmp(&wa.0).then(wb.1.total_cmp(&wa.1))
        });
        Ok(Self { rules, tolerance_units, accuracy: right as f64 / n as f64 })
    }

    /// The rules as sentences, one per line, e.g. "When promo >= 0.5 and price < 9.95, we
    /// under-forecast by about 3.2 units (18% of actual): 340 rows (12%), right 81% of the time."
    pub fn to_text(&self) -> String {
        self.rules.iter().map(|r| format!("{}\n", r.sentence())).collect()
    }
}

impl ErrorRule {
    /// The rule as one sentence, features by their column names.
    pub fn sentence(&self) -> String {
        self.sentence_with(Condition::describe)
    }

    /// The rule as one sentence for a planner: features in words, values with their units (see
    /// [`Condition::readable`]), e.g. "When a promotion runs and sales the day before are at least
    /// 8.4 units, we under-forecast by about 3.2 units (18% of actual): 340 rows (12%), right 81%
    /// of the time."
    pub fn readable(&self, frequency: Frequency) -> String {
        self.sentence_with(|c| c.readable(frequency))
    }

    fn sentence_with(&self, describe: impl Fn(&Condition) -> String) -> String {
        let when = if self.conditions.is_empty() {
            "Overall".to_string()
        } else {
            format!("When {}", self.conditions.iter().map(describe).collect::<Vec<_>>().join(" and "))
        };
        let size = match (self.class, self.relative_error) {
            (ErrorClass::OnTarget, _) => format!(" (mean error {} units)", number(self.mean_error)),
            (_, Some(rel)) => {
                format!(" by about {} units ({}% of actual)", number(self.mean_error.abs()), number(100.0 * rel.abs()))
            }
            (_, None) => format!(" by about {} units", number(self.mean_error.abs())),
        };
        format!(
            "{when}, {}{size}: {} rows ({}%), right {}% of the time.",
            self.class.describe(),
            self.rows,
            number(100.0 * self.support),
            number(100.0 * self.accuracy)
        )
    }
}

impl Condition {
    /// The condition for a planner: the feature as [`feature_phrase`] says it, on/off for a
    /// promotion or holiday flag, sales features in units and a discount in percent.
    pub fn readable(&self, frequency: Frequency) -> String {
        let (feature, lower, upper) = match self {
            Self::Missing(f) => return format!("{} is not known", feature_phrase(f, frequency)),
            Self::Known(f) => return format!("{} is known", feature_phrase(f, frequency)),
            Self::Range { feature, lower, upper } => (feature.as_str(), *lower, *upper),
        };
        let periods = match frequency {
            Frequency::Daily => "days",
            Frequency::Weekly => "weeks",
            Frequency::Monthly => "months",
        };
        let (what, count) = match feature {
            "periods_from_holiday" => (format!("the {periods} since the last holiday"), true),
            "periods_to_holiday" => (format!("the {periods} to the next holiday"), true),
            _ => (feature_phrase(feature, frequency), false),
        };
        let flag = matches!(feature, "promo" | "promotion" | "holiday");
        let is = if what.starts_with("sales ") || count { "are" } else { "is" };
        let in_unit = |v: f64| -> String {
            let sales = ["lag_", "roll_", "ewm_"].iter().any(|p| feature.starts_with(p));
            match feature {
                _ if sales => with_unit(v, "units"),
                _ if count => with_unit(v, periods),
                "discount" => with_unit(100.0 * v, "%"),
                "price_rel_median" => format!("{} of its usual level", with_unit(100.0 * v, "%")),
                _ => number(v),
            }
        };
        match (lower, upper) {
            (Some(lo), None) if flag && lo > 0.0 && lo <= 1.0 => format!("{what} is on"),
            (None, Some(hi)) if flag && hi > 0.0 && hi <= 1.0 => format!("{what} is off"),
            (Some(lo), Some(hi)) => format!("{what} {is} from {} to below {}", in_unit(lo), in_unit(hi)),
            (Some(lo), None) => format!("{what} {is} at least {}", in_unit(lo)),
            (None, Some(hi)) => format!("{what} {is} below {}", in_unit(hi)),
            (None, None) => format!("{what} {is} any value"),
        }
    }

    /// The condition in words.
    pub fn describe(&self) -> String {
        match self {
            Self::Missing(f) => format!("{f} is missing"),
            Self::Known(f) => format!("{f} is known"),
            Self::Range { feature, lower: Some(lo), upper: Some(hi) } => {
                format!("{feature} is from {} to below {}", number(*lo), number(*hi))
            }
            Self::Range { feature, lower: Some(lo), upper: None } => format!("{feature} >= {}", number(*lo)),
            Self::Range { feature, lower: None, upper: Some(hi) } => format!("{feature} < {}", number(*hi)),
            Self::Range { feature, .. } => format!("{feature} is any value"),
        }
    }
}

fn check(
    n: usize,
    p: usize,
    names: &[String],
    errors: ArrayView1<'_, f64>,
    actuals: Option<ArrayView1<'_, f64>>,
    params: &RuleParams,
) -> Result<()> {
    if names.len() != p {
        return Err(XaiError::Shape {
            context: "ErrorRules::fit: names vs columns of x",
            expected: p,
            got: names.len(),
        });
    }
    if errors.len() != n {
        return Err(XaiError::Shape {
            context: "ErrorRules::fit: errors vs rows of x",
            expected: n,
            got: errors.len(),
        });
    }
    if let Some(a) = actuals
        && a.len() != n
    {
        return Err(XaiError::Shape { context: "ErrorRules::fit: actuals vs rows of x", expected: n, got: a.len() });
    }
    if n < 2 {
        return Err(XaiError::argument("x", format!("{n} rows"), "at least 2 rows"));
    }
    if let Some(i) = errors.iter().position(|e| !e.is_finite()) {
        return Err(XaiError::argument(format!("errors[{i}]"), errors[i], "a finite error"));
    }
    if !(1..=8).contains(&params.max_depth) {
        return Err(XaiError::argument("max_depth", params.max_depth, "1 to 8"));
    }
    if !(params.min_leaf_share > 0.0 && params.min_leaf_share <= 0.5) {
        return Err(XaiError::argument("min_leaf_share", params.min_leaf_share, "in (0, 0.5]"));
    }
    match params.tolerance {
        Tolerance::Units(u) if !(u >= 0.0 && u.is_finite()) => Err(XaiError::argument("tolerance", u, "units >= 0")),
        Tolerance::Share(s) if !(0.0..=1.0).contains(&s) => {
            Err(XaiError::argument("tolerance", s, "a share in [0, 1]"))
        }
        _ => Ok(()),
    }
}

/// Copy of `x` with NaN replaced by a value below each column's minimum, and that value's
/// bound per column: a split threshold at or below the column's minimum separates missing cells.
fn fill_missing(x: ArrayView2<'_, f64>) -> (Array2<f64>, Vec<Option<f64>>) {
    let mut out = x.to_owned();
    let mut bounds = Vec::with_capacity(x.ncols());
    for mut col in out.columns_mut() {
        if !col.iter().any(|v| v.is_nan()) {
            bounds.push(None);
            continue;
        }
        let min = col.iter().copied().filter(|v| !v.is_nan()).fold(f64::INFINITY, f64::min);
        let min = if min.is_finite() { min } else { 0.0 };
        let sentinel = min - 1.0 - min.abs();
        col.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = sentinel);
        bounds.push(Some(min));
    }
    (out, bounds)
}

/// A leaf: the `(feature, threshold, goes_left)` tests on its path and its class.
struct Leaf {
    path: Vec<(usize, f64, bool)>,
    class: ErrorClass,
}

/// The surrogate tree, grown one node at a time: each split is the root split of a linfa-trees
/// decision stump fitted on that node's rows alone.
///
/// Two things of linfa-trees 0.8.1 make this better than one deep fit: it looks for split
/// points in the column order of the whole data set, so a deeper node skips every boundary
/// whose globally next row lies outside the node; and it prunes any split whose two sides
/// predict the same class. The stump of each node therefore weights the node's classes to
/// balance (scikit-learn's `class_weight="balanced"`), so that a split isolating a minority
/// error class survives; each rule still reports the class most frequent among its rows.
struct Grower<'a> {
    x: &'a Array2<f64>,
    labels: &'a [usize],
    max_depth: usize,
    min_leaf: f32,
}

impl Grower<'_> {
    fn grow(&self, rows: &[usize], depth: usize, path: &mut Vec<(usize, f64, bool)>) -> Result<Vec<Leaf>> {
        let mut count = [0usize; 3];
        rows.iter().for_each(|&i| count[self.labels[i]] += 1);
        let majority = (0..3).rev().max_by_key(|&c| count[c]).unwrap_or(1);
        let leaf =
            |path: &[(usize, f64, bool)]| vec![Leaf { path: path.to_vec(), class: ErrorClass::from_label(majority) }];
        let mixed = count.iter().filter(|c| **c > 0).count() > 1;
        if depth >= self.max_depth || !mixed || (rows.len() as f32) < 2.0 * self.min_leaf {
            return Ok(leaf(path));
        }
        let Some((f, t)) = self.stump(rows, &count)? else { return Ok(leaf(path)) };
        let (left, right): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&i| self.x[[i, f]] < t);
        if left.is_empty() || right.is_empty() {
            return Ok(leaf(path));
        }
        path.push((f, t, true));
        let mut l = self.grow(&left, depth + 1, path)?;
        path.pop();
        path.push((f, t, false));
        let r = self.grow(&right, depth + 1, path)?;
        path.pop();
        if l.len() == 1 && r.len() == 1 && l[0].class == r[0].class {
            return Ok(leaf(path));
        }
        l.extend(r);
        Ok(l)
    }

    /// The root split of a class-balanced linfa-trees stump on `rows`, if it splits at all.
    fn stump(&self, rows: &[usize], count: &[usize; 3]) -> Result<Option<(usize, f64)>> {
        let sub = self.x.select(ndarray::Axis(0), rows);
        let targets: Array1<usize> = rows.iter().map(|&i| self.labels[i]).collect();
        let k = count.iter().filter(|c| **c > 0).count() as f32;
        let weights: Array1<f32> =
            rows.iter().map(|&i| rows.len() as f32 / (k * count[self.labels[i]] as f32)).collect();
        let data = Dataset::new(sub, targets).with_weights(weights);
        // linfa-trees counts levels of nodes: depth 2 is one split.
        let stump = DecisionTree::params()
            .max_depth(Some(2))
            .min_weight_leaf(self.min_leaf)
            .fit(&data)
            .map_err(|e| XaiError::Backend { backend: "linfa-trees", message: e.to_string() })?;
        let root: &TreeNode<f64, usize> = stump.root_node();
        Ok((!root.is_leaf()).then(|| {
            let (f, t, _) = root.split();
            (f, t)
        }))
    }
}

impl Leaf {
    /// linfa-trees sends `x < threshold` left.
    fn contains(&self, row: &ndarray::ArrayView1<'_, f64>) -> bool {
        self.path.iter().all(|&(f, t, left)| (row[f] < t) == left)
    }

    fn conditions(&self, names: &[String], missing_below: &[Option<f64>]) -> Vec<Condition> {
        let mut out: Vec<Condition> = Vec::new();
        let mut bounds: Vec<(usize, Option<f64>, Option<f64>)> = Vec::new();
        for &(f, t, left) in &self.path {
            if let Some(min) = missing_below[f]
                && t <= min
            {
                let c = if left { Condition::Missing(names[f].clone()) } else { Condition::Known(names[f].clone()) };
                if !out.contains(&c) {
                    out.push(c);
                }
                continue;
            }
            let k = bounds.iter().position(|b| b.0 == f).unwrap_or_else(|| {
                bounds.push((f, None, None));
                bounds.len() - 1
            });
            if left {
                bounds[k].2 = Some(bounds[k].2.map_or(t, |u| u.min(t)));
            } else {
                bounds[k].1 = Some(bounds[k].1.map_or(t, |l| l.max(t)));
            }
        }
        out.extend(bounds.into_iter().map(|(f, lower, upper)| Condition::Range {
            feature: names[f].clone(),
            lower,
            upper,
        }));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_promotion_rule_that_generated_the_errors() {
        // Under-forecast by ~10 units whenever a promotion runs and the price is low.
        let n = 600;
        let x = Array2::from_shape_fn((n, 3), |(i, j)| match j {
            0 => (i % 3 == 0) as u8 as f64,
            1 => 5.0 + (i * 7 % 11) as f64,
            _ => {
                if i % 17 == 0 {
                    f64::NAN
                } else {
                    (i % 5) as f64
                }
            }
        });
        let errors: Array1<f64> = x
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, r)| if r[0] == 1.0 && r[1] < 10.0 { -10.0 } else { ((i % 7) as f64 - 3.0) * 0.3 })
            .collect();
        let actuals = Array1::from_elem(n, 50.0);
        let names: Vec<String> = ["promo", "price", "dow"].map(String::from).to_vec();
        let params = RuleParams { tolerance: Tolerance::Units(1.0), ..Default::default() };
        let rules = ErrorRules::fit(x.view(), &names, errors.view(), Some(actuals.view()), params).unwrap();
        let top = &rules.rules[0];
        assert_eq!(top.class, ErrorClass::UnderForecast);
        assert_eq!(top.accuracy, 1.0);
        assert!((top.mean_error + 10.0).abs() < 1e-9);
        assert!(
            top.conditions
                .iter()
                .any(|c| matches!(c, Condition::Range { feature, lower: Some(_), .. } if feature == "promo"))
        );
        let text = rules.to_text();
        assert!(
            text.starts_with("When ") && text.contains("we under-forecast by about 10 units (20% of actual)"),
            "{text}"
        );
        assert_eq!(rules.accuracy, 1.0, "{text}");
        let readable = top.readable(Frequency::Daily);
        assert!(readable.contains("the promotion is on") && !readable.contains("promo >="), "{readable}");
        let total: usize = rules.rules.iter().map(|r| r.rows).sum();
        assert_eq!(total, n);
        let by_share = ErrorRules::fit(x.view(), &names, errors.view(), None, RuleParams::default()).unwrap();
        let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        assert_eq!(by_share.tolerance_units, abs[n / 2 - 1]);
    }

    #[test]
    fn rejects_bad_input() {
        let x = Array2::zeros((3, 1));
        let names = vec!["a".to_string()];
        let e = Array1::from_vec(vec![0.0, f64::NAN, 1.0]);
        assert!(ErrorRules::fit(x.view(), &names, e.view(), None, RuleParams::default()).is_err());
        let e = Array1::zeros(2);
        assert!(ErrorRules::fit(x.view(), &names, e.view(), None, RuleParams::default()).is_err());
    }
}
