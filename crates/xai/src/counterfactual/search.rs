//! The search: fewest changed variables first; within a set of variables, the smallest change
//! that reaches the target; several answers on different variables (or groups of them).
//!
//! 1. One variable at a time: a grid over its permitted range (its whole lattice when small),
//!    scored in one batch; the feasible grid point nearest the current value is then moved
//!    toward it by bisection while the target still holds.
//! 2. Then pairs, triples, ... of the most influential variables (by how far one variable alone
//!    moved the prediction), skipping any set that contains a set already answered: seeded
//!    random points of their box, the best ones pulled toward the current values by bisection on
//!    the segment between them.
//!
//! Every candidate is snapped into its ranges and lattice, and checked against all ranges,
//! constraints, the [`Objective`]'s own rules and the target with the objective's own value
//! before it is kept, so no answer ever breaks a rule, whatever the model.
//!
//! The variables are a model's feature row for [`super::counterfactuals`], and a forecast plan's
//! levers (one cell, or one lever over the whole window) for [`super::plan_counterfactuals`].

use super::spec::CounterfactualSpec;
use super::{Change, Counterfactual, SearchParams};
use crate::Result;
use forecast_core::Predict;
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Grid points per variable in the one-variable pass.
const GRID: usize = 33;
/// Random points per variable set in the multi-variable passes.
const SAMPLES: usize = 48;
/// Bisection steps when pulling an answer toward the start.
const BISECTIONS: usize = 24;
/// Most influential variables combined in the multi-variable passes.
const COMBINE: usize = 8;

/// What a search scores: candidate vectors of variables, one value each.
pub(super) trait Objective {
    /// One value per candidate; `candidates` is row-major, `width` values per candidate.
    ///
    /// # Errors
    /// The model's or pipeline's error.
    fn score(&mut self, candidates: &[f64], width: usize) -> Result<Vec<f64>>;

    /// Whether a candidate keeps the rules beyond the spec's own (none by default).
    fn admits(&self, _x: &[f64]) -> bool {
        true
    }

    /// The group of a variable: answers count as diverse when their groups differ (each
    /// variable is its own group by default; a plan groups the cells of one lever).
    fn group(&self, variable: usize) -> usize {
        variable
    }
}

/// The objective of a single feature row: the model's prediction.
pub(super) struct RowModel<'a>(pub(super) &'a dyn Predict);

impl Objective for RowModel<'_> {
    fn score(&mut self, candidates: &[f64], width: usize) -> Result<Vec<f64>> {
        let n = candidates.len() / width.max(1);
        let x = Array2::from_shape_vec((n, width), candidates.to_vec())
            .map_err(|e| crate::XaiError::Backend { backend: "ndarray", message: e.to_string() })?;
        Ok(self.0.predict(x.view())?.to_vec())
    }
}

/// `(variable, largest change of the objective it caused alone)`, most influential first.
type Influence = Vec<(usize, f64)>;

/// The answers found and the evaluations spent.
pub(super) struct Found {
    /// Fewest groups first, then fewest variables, then smallest distance; diverse group sets first.
    pub(super) answers: Vec<Counterfactual>,
    /// Candidates scored (the start's own score not included).
    pub(super) evaluations: usize,
}

/// Search for the smallest changes to `row` (whose objective value is `base`) that bring the
/// objective into `spec.target`. `spec` must have been checked against `row`.
///
/// # Errors
/// The objective's errors.
pub(super) fn search<O: Objective>(
    objective: &mut O,
    row: &[f64],
    spec: &CounterfactualSpec,
    params: SearchParams,
    base: f64,
) -> Result<Found> {
    let mut s = Search { objective, row, spec, params, evaluations: 0 };
    let (mut answers, influence) = s.single(base)?;
    let mut answered: Vec<Vec<usize>> = answers.iter().map(|a| a.changes.iter().map(|c| c.feature).collect()).collect();
    let top: Vec<usize> = influence.iter().take(COMBINE).map(|(j, _)| *j).collect();
    let mut k = 2;
    while s.diverse(&answers) < params.n_answers && k <= params.max_changes.min(top.len()) && !s.over_budget() {
        let mut sets = subsets(&top, k);
        sets.sort();
        for set in sets {
            // A superset of an answered set is never the sparsest answer.
            if answered.iter().any(|a| a.iter().all(|j| set.contains(j))) || s.over_budget() {
                continue;
            }
            let mut rng = rng_for(params.seed, &set);
            if let Some(c) = s.on_set(&set, &mut rng)? {
                answered.push(set.clone());
                answers.push(c);
            }
        }
        k += 1;
    }
    let answers = s.pick(answers);
    Ok(Found { answers, evaluations: s.evaluations })
}

struct Search<'a, O: Objective> {
    objective: &'a mut O,
    row: &'a [f64],
    spec: &'a CounterfactualSpec,
    params: SearchParams,
    evaluations: usize,
}

impl<O: Objective> Search<'_, O> {
    /// Score a batch of candidates (row-major), counting evaluations.
    fn predict(&mut self, rows: &[f64]) -> Result<Vec<f64>> {
        let p = self.row.len();
        self.evaluations += rows.len() / p.max(1);
        self.objective.score(rows, p)
    }

    /// The distinct group sets among `answers`.
    fn group_set(&self, a: &Counterfactual) -> Vec<usize> {
        let mut g: Vec<usize> = a.changes.iter().map(|c| self.objective.group(c.feature)).collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    fn diverse(&self, answers: &[Counterfactual]) -> usize {
        let mut sets: Vec<Vec<usize>> = answers.iter().map(|a| self.group_set(a)).collect();
        sets.sort();
        sets.dedup();
        sets.len()
    }

    /// Sparsest first (fewest groups, then variables, then distance), one answer per group set
    /// before any second one, at most `n_answers`.
    fn pick(&self, mut answers: Vec<Counterfactual>) -> Vec<Counterfactual> {
        let key = |a: &Counterfactual| (self.group_set(a).len(), a.changes.len());
        answers.sort_by(|a, b| key(a).cmp(&key(b)).then(a.distance.total_cmp(&b.distance)));
        let mut seen: Vec<Vec<usize>> = Vec::new();
        let (mut first, mut rest) = (Vec::new(), Vec::new());
        for a in answers {
            let g = self.group_set(&a);
            if seen.contains(&g) {
                rest.push(a);
            } else {
                seen.push(g);
                first.push(a);
            }
        }
        first.extend(rest);
        first.truncate(self.params.n_answers);
        first.sort_by(|a, b| key(a).cmp(&key(b)).then(a.distance.total_cmp(&b.distance)));
        first
    }

    fn over_budget(&self) -> bool {
        self.evaluations >= self.params.max_evaluations
    }

    fn ok(&self, x: &[f64], prediction: f64) -> bool {
        self.spec.target.met(prediction) && self.spec.admits(self.row, x) && self.objective.admits(x)
    }

    /// The candidate `x` pulled toward the row along the segment between them, as long as the
    /// target still holds: the smallest `t` found with `row + t (x - row)` admitted and on target.
    fn pull(&mut self, x: Vec<f64>, prediction: f64, changed: &[usize]) -> Result<(Vec<f64>, f64)> {
        let (mut best, mut best_pred) = (x, prediction);
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        let start = best.clone();
        let mut probe = self.row.to_vec();
        // On a lattice many midpoints snap to a probe already scored: score each probe once.
        let mut scored: Vec<(Vec<f64>, f64)> = Vec::new();
        for _ in 0..BISECTIONS {
            if self.over_budget() {
                break;
            }
            let t = (lo + hi) / 2.0;
            for &j in changed {
                probe[j] = self.spec.features[j].snap(self.row[j] + t * (start[j] - self.row[j]));
            }
            let known = scored.iter().find(|(x, _)| x.iter().zip(&probe).all(|(a, b)| a.to_bits() == b.to_bits()));
            let pred = match known {
                Some(&(_, y)) => y,
                None => {
                    let y = self.predict(&probe)?[0];
                    scored.push((probe.clone(), y));
                    y
                }
            };
            if self.ok(&probe, pred) {
                hi = t;
                best.clone_from(&probe);
                best_pred = pred;
            } else {
                lo = t;
            }
        }
        Ok((best, best_pred))
    }

    /// One-feature pass: the best answer for each mutable feature, and each feature's influence.
    fn single(&mut self, base: f64) -> Result<(Vec<Counterfactual>, Influence)> {
        let p = self.row.len();
        let mut answers = Vec::new();
        let mut influence = Vec::new();
        for j in 0..p {
            let rule = &self.spec.features[j];
            if !rule.mutable || rule.lower == rule.upper || self.over_budget() {
                continue;
            }
            let values = grid(rule.lower, rule.upper, rule.step);
            let mut batch = Vec::with_capacity(values.len() * p);
            for &v in &values {
                batch.extend_from_slice(self.row);
                let at = batch.len() - p + j;
                batch[at] = v;
            }
            let preds = self.predict(&batch)?;
            influence.push((j, preds.iter().map(|y| (y - base).abs()).fold(0.0, f64::max)));
            let nearest = values
                .iter()
                .zip(&preds)
                .enumerate()
                .filter(|(k, (_, y))| self.ok(&batch[k * p..(k + 1) * p], **y))
                .min_by(|a, b| (a.1.0 - self.row[j]).abs().total_cmp(&(b.1.0 - self.row[j]).abs()));
            if let Some((k, (_, &y))) = nearest {
                let (x, y) = self.pull(batch[k * p..(k + 1) * p].to_vec(), y, &[j])?;
                answers.push(self.answer(x, y));
            }
        }
        influence.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok((answers, influence))
    }

    /// The best answer changing exactly the features of `set`, if the samples find one.
    fn on_set(&mut self, set: &[usize], rng: &mut ChaCha8Rng) -> Result<Option<Counterfactual>> {
        let p = self.row.len();
        let mut batch = Vec::with_capacity(SAMPLES * p);
        for _ in 0..SAMPLES {
            batch.extend_from_slice(self.row);
            let at = batch.len() - p;
            for &j in set {
                let f = &self.spec.features[j];
                batch[at + j] = f.snap(rng.random_range(f.lower..=f.upper));
            }
        }
        let preds = self.predict(&batch)?;
        let mut hits: Vec<(usize, f64)> = (0..SAMPLES)
            .filter(|&k| self.ok(&batch[k * p..(k + 1) * p], preds[k]))
            .map(|k| (k, self.distance(&batch[k * p..(k + 1) * p])))
            .collect();
        hits.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut best: Option<Counterfactual> = None;
        for &(k, _) in hits.iter().take(3) {
            let (x, y) = self.pull(batch[k * p..(k + 1) * p].to_vec(), preds[k], set)?;
            let c = self.answer(x, y);
            // Pulling can return a feature to its value: then the set is not the one asked for.
            if c.changes.len() == set.len() && best.as_ref().is_none_or(|b| c.distance < b.distance) {
                best = Some(c);
            }
        }
        Ok(best)
    }

    /// Sum over changed features of `|change| / range width`.
    fn distance(&self, x: &[f64]) -> f64 {
        self.spec
            .features
            .iter()
            .zip(self.row.iter().zip(x))
            .filter(|(_, (a, b))| a.to_bits() != b.to_bits())
            .map(|(f, (a, b))| (b - a).abs() / (f.upper - f.lower).max(f64::MIN_POSITIVE))
            .sum()
    }

    fn answer(&self, x: Vec<f64>, prediction: f64) -> Counterfactual {
        let changes = self
            .row
            .iter()
            .zip(&x)
            .enumerate()
            .filter(|(_, (a, b))| a.to_bits() != b.to_bits())
            .map(|(j, (&from, &to))| Change { feature: j, name: self.spec.features[j].name.clone(), from, to })
            .collect();
        Counterfactual { distance: self.distance(&x), row: x, prediction, changes }
    }
}

/// Grid values over `[lower, upper]`: the whole lattice when it has at most `GRID` points,
/// else `GRID` evenly spaced values (snapped to the lattice).
fn grid(lower: f64, upper: f64, step: Option<f64>) -> Vec<f64> {
    if let Some(s) = step {
        let n = ((upper - lower) / s).floor() as usize + 1;
        if n <= GRID {
            return (0..n).map(|k| lower + k as f64 * s).collect();
        }
    }
    let mut v: Vec<f64> = (0..GRID).map(|k| lower + (upper - lower) * k as f64 / (GRID - 1) as f64).collect();
    if let Some(s) = step {
        v.iter_mut().for_each(|x| *x = (lower + ((*x - lower) / s).round() * s).min(upper));
        v.dedup();
    }
    v
}

/// A seeded generator for one variable set.
fn rng_for(seed: u64, set: &[usize]) -> ChaCha8Rng {
    let h = set.iter().fold(seed ^ 0x9E37_79B9_7F4A_7C15, |h, &j| (h ^ j as u64).wrapping_mul(0x1000_0000_01B3));
    ChaCha8Rng::seed_from_u64(h)
}

/// All `k`-subsets of `items`, in lexicographic order.
fn subsets(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut pick = Vec::with_capacity(k);
    fn go(items: &[usize], k: usize, from: usize, pick: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if pick.len() == k {
            out.push(pick.clone());
            return;
        }
        for i in from..items.len() {
            pick.push(items[i]);
            go(items, k, i + 1, pick, out);
            pick.pop();
        }
    }
    go(items, k, 0, &mut pick, &mut out);
    out
}
