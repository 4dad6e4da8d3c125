//! Half-Space Trees (Tan, Ting and Liu 2011), as River's `anomaly.HalfSpaceTrees`.

use super::pyrandom::PyRandom;
use super::{Detector, Expectation};
use crate::{RealtimeError, Result};

/// Parameters of [`HalfSpaceTrees`] (River's defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_trees` | 10 | trees in the ensemble | >= 1 |
/// | `height` | 8 | depth of each tree (`2^(height+1) - 1` nodes) | 1 ..= 20 |
/// | `window_size` | 250 | points per window: the reference masses are the previous window's | >= 1 |
/// | `limits` | `[0, 1]` for every feature | each feature's range for the random splits | lower < upper |
/// | `threshold` | 0.8 | flag above this score (River has none; ours, for alerts) | (0, 1) |
#[derive(Debug, Clone, PartialEq)]
pub struct HstParams {
    /// Trees in the ensemble.
    pub n_trees: usize,
    /// Tree height.
    pub height: usize,
    /// Window length.
    pub window_size: usize,
    /// Per-feature `(lower, upper)`; `None` means `[0, 1]` for every feature.
    pub limits: Option<Vec<(f64, f64)>>,
    /// Flag above this score.
    pub threshold: f64,
}

impl Default for HstParams {
    fn default() -> Self {
        Self { n_trees: 10, height: 8, window_size: 250, limits: None, threshold: 0.8 }
    }
}

/// Padding of each split away from the edges of its node's range, as River's `padding=0.15`.
const PADDING: f64 = 0.15;

/// One node; the split and both masses share a cache line with their neighbours.
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    threshold: f64,
    feature: u32,
    /// Mass of the window being filled.
    latest: u32,
    /// Mass of the previous, complete window: what points are scored against.
    reference: u32,
}

/// One tree in heap order (children of node `i` at `2i + 1`, `2i + 2`).
#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

/// Half-Space Trees: random axis-parallel splits of the feature box, built once from the seed;
/// each node counts the points of the current window that reach it (`latest`) and holds the
/// previous window's counts (`reference`). Every `window_size` learned points, `reference` takes
/// `latest` and `latest` restarts at 0.
///
/// Score of `x`: walking down each tree, add `reference · 2^depth` at every node, stopping after
/// the first node whose reference mass is below `0.1·window_size`; then
/// `score = 1 - total / (n_trees · window_size · (2^(height+1) - 1))`, in [0, 1], higher = more
/// anomalous. 0 during the first window.
///
/// Splits follow River exactly: at each node a feature is drawn with probability proportional
/// to its range width, and the split point uniformly in the middle 70% of that range; the tree
/// is built depth first, left before right, from Python's Mersenne Twister seeded with `seed`,
/// so a seed gives River's trees (features in the order River sorts their names) and River's scores.
/// Inputs are assumed in `limits` (default [0, 1]): wrap the detector in
/// [`super::MinMaxScaled`] for raw values, as River's pipelines put `MinMaxScaler` first.
#[derive(Debug, Clone)]
pub struct HalfSpaceTrees {
    params: HstParams,
    n_features: usize,
    trees: Vec<Tree>,
    counter: usize,
    first_window: bool,
}

impl HalfSpaceTrees {
    /// An ensemble over `n_features` features, its splits drawn from `seed`.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for 0 trees or features, a height outside 1..=20, a
    /// window of 0, limits of the wrong length or with `lower >= upper`, or a threshold outside (0, 1).
    pub fn new(params: HstParams, n_features: usize, seed: u64) -> Result<Self> {
        if params.n_trees == 0 {
            return Err(RealtimeError::param("n_trees", 0, "at least 1"));
        }
        if !(1..=20).contains(&params.height) {
            return Err(RealtimeError::param("height", params.height, "1 ..= 20"));
        }
        if params.window_size == 0 {
            return Err(RealtimeError::param("window_size", 0, "at least 1"));
        }
        if n_features == 0 {
            return Err(RealtimeError::param("n_features", 0, "at least 1"));
        }
        if !(params.threshold > 0.0 && params.threshold < 1.0) {
            return Err(RealtimeError::param("threshold", params.threshold, "a number in (0, 1)"));
        }
        let limits = params.limits.clone().unwrap_or_else(|| vec![(0.0, 1.0); n_features]);
        if limits.len() != n_features {
            return Err(RealtimeError::param("limits", format!("{} ranges", limits.len()), "one range per feature"));
        }
        if let Some((lo, hi)) = limits.iter().find(|(lo, hi)| !(lo < hi && lo.is_finite() && hi.is_finite())) {
            return Err(RealtimeError::param("limits", format!("({lo}, {hi})"), "finite lower < upper"));
        }
        let mut rng = PyRandom::new(seed);
        let n_nodes = (1usize << (params.height + 1)) - 1;
        let trees = (0..params.n_trees)
            .map(|_| {
                let mut tree = Tree { nodes: vec![Node::default(); n_nodes] };
                let mut ranges = limits.clone();
                grow(&mut tree, 0, params.height, &mut ranges, &mut rng);
                tree
            })
            .collect();
        Ok(Self { params, n_features, trees, counter: 0, first_window: true })
    }

    /// The largest possible mass score.
    fn max_score(&self) -> f64 {
        (self.params.n_trees * self.params.window_size) as f64 * ((1u64 << (self.params.height + 1)) - 1) as f64
    }

    /// Split thresholds of tree `t` in depth-first order (left before right): for tests against River.
    #[cfg(test)]
    fn thresholds_depth_first(&self, t: usize) -> Vec<f64> {
        fn walk(tree: &Tree, node: usize, height: usize, out: &mut Vec<f64>) {
            if height == 0 {
                return;
            }
            out.push(tree.nodes[node].threshold);
            walk(tree, 2 * node + 1, height - 1, out);
            walk(tree, 2 * node + 2, height - 1, out);
        }
        let mut out = vec![];
        walk(&self.trees[t], 0, self.params.height, &mut out);
        out
    }
}

/// Build the subtree at `node` with `height` levels below it, drawing as River's `make_padded_tree`.
fn grow(tree: &mut Tree, node: usize, height: usize, ranges: &mut [(f64, f64)], rng: &mut PyRandom) {
    if height == 0 {
        return;
    }
    // random.choices(population, weights): bisect_right over the cumulative weights.
    let mut cumulative = Vec::with_capacity(ranges.len());
    let mut total = 0.0;
    for (lo, hi) in ranges.iter() {
        total += hi - lo;
        cumulative.push(total);
    }
    let r = rng.random() * total;
    let on = cumulative[..ranges.len() - 1].partition_point(|&c| c <= r);
    let (a, b) = ranges[on];
    let (lo, hi) = (a + PADDING * (b - a), b - PADDING * (b - a));
    let at = lo + (hi - lo) * rng.random();
    tree.nodes[node].feature = on as u32;
    tree.nodes[node].threshold = at;
    ranges[on] = (a, at);
    grow(tree, 2 * node + 1, height - 1, ranges, rng);
    ranges[on] = (at, b);
    grow(tree, 2 * node + 2, height - 1, ranges, rng);
    ranges[on] = (a, b);
}

impl Detector for HalfSpaceTrees {
    fn name(&self) -> &'static str {
        "hst"
    }

    fn n_inputs(&self) -> usize {
        self.n_features
    }

    fn score(&self, x: &[f64]) -> f64 {
        if self.first_window {
            return 0.0;
        }
        let size_limit = 0.1 * self.params.window_size as f64;
        let mut score = 0.0;
        for tree in &self.trees {
            let mut node = 0;
            let mut depth_weight = 1u64;
            for depth in 0..=self.params.height {
                let n = &tree.nodes[node];
                score += f64::from(n.reference) * depth_weight as f64;
                if depth == self.params.height || f64::from(n.reference) < size_limit {
                    break;
                }
                let go_left = x[n.feature as usize] < n.threshold;
                node = 2 * node + if go_left { 1 } else { 2 };
                depth_weight <<= 1;
            }
        }
        1.0 - score / self.max_score()
    }

    fn learn(&mut self, x: &[f64]) {
        let height = self.params.height;
        for tree in &mut self.trees {
            let mut node = 0;
            for _ in 0..height {
                let n = &mut tree.nodes[node];
                n.latest += 1;
                let go_left = x[n.feature as usize] < n.threshold;
                node = 2 * node + if go_left { 1 } else { 2 };
            }
            tree.nodes[node].latest += 1;
        }
        self.counter += 1;
        if self.counter == self.params.window_size {
            for node in self.trees.iter_mut().flat_map(|t| t.nodes.iter_mut()) {
                node.reference = node.latest;
                node.latest = 0;
            }
            self.first_window = false;
            self.counter = 0;
        }
    }

    fn threshold(&self) -> f64 {
        self.params.threshold
    }

    fn expectation(&self) -> Expectation {
        Expectation {
            expected: None,
            interval: None,
            window: if self.first_window { self.counter } else { self.params.window_size },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_random_matches_cpython() {
        // CPython 3.11's random.Random(seed).random() draws, from benches/scripts/river_fixtures.py.
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/river.json")).expect("fixture parses");
        let draws = fixture["python_random"].as_object().expect("python_random");
        assert_eq!(draws.len(), 6);
        for (seed, want) in draws {
            let mut r = PyRandom::new(seed.parse().expect("seed"));
            for (i, w) in want.as_array().expect("draws").iter().enumerate() {
                assert_eq!(r.random(), w.as_f64().expect("float"), "seed {seed} draw {i}");
            }
        }
    }

    #[test]
    fn tree_splits_match_river() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/river.json")).expect("fixture parses");
        let want: Vec<f64> = fixture["hst_doctest"]["tree0_thresholds_dfs"]
            .as_array()
            .expect("thresholds")
            .iter()
            .map(|v| v.as_f64().expect("float"))
            .collect();
        let params = HstParams { n_trees: 5, height: 3, window_size: 3, ..Default::default() };
        assert_eq!(HalfSpaceTrees::new(params, 1, 42).expect("valid").thresholds_depth_first(0), want);
    }

    #[test]
    fn masses_swap_each_window() {
        let params = HstParams { n_trees: 1, height: 2, window_size: 2, ..Default::default() };
        let mut h = HalfSpaceTrees::new(params, 1, 1).unwrap();
        h.learn(&[0.5]);
        assert_eq!(h.score(&[0.5]), 0.0);
        h.learn(&[0.5]);
        // Reference masses: root 2 (>= 0.2), its child 2, the leaf 2: 2 + 4 + 8 = 14 of max 2 * 7.
        assert_eq!(h.score(&[0.5]), 0.0);
        assert_eq!(h.trees[0].nodes.iter().map(|n| n.latest).sum::<u32>(), 0);
        let other = if h.trees[0].nodes[0].threshold > 0.5 { 0.99 } else { 0.01 };
        // The other side of the root has reference mass 0: the walk stops after the child, 2 + 0.
        assert!((h.score(&[other]) - (1.0 - 2.0 / 14.0)).abs() < 1e-12);
        assert_eq!(h.thresholds_depth_first(0).len(), 3);
    }
}
