//! The tree-structured Parzen estimator (Bergstra et al. 2011, "Algorithms for
//! Hyper-Parameter Optimization") over a [`ParamSpace`] of discrete axes, as Optuna's
//! `TPESampler` treats categorical parameters: after `n_startup` random trials, the trials are
//! split at the `gamma` quantile of their losses into good and bad; each axis gets a smoothed
//! histogram of its values among the good (`l`) and the bad (`g`) trials; `n_candidates` draws
//! from `l` are scored by `sum over axes of ln l(v) - ln g(v)` and the best is evaluated next.

use crate::error::{Result, invalid};
use crate::search::{Config, Objective, ParamSpace, ParamValue, Search, SearchResult, best_of, finish};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// TPE settings.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_trials` | 50 | trials in all (the budget may stop it earlier) | >= 1 |
/// | `n_startup` | 10 | random trials before the model is used | >= 1 |
/// | `gamma` | 0.25 | share of the trials counted as good | (0, 1) |
/// | `n_candidates` | 24 | draws from the good density scored per trial | >= 1 |
/// | `prior_weight` | 1 | pseudo-count spread uniformly over each axis' values | > 0 |
/// | `seed` | 0 | all random draws | any |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tpe {
    /// Trials in all.
    pub n_trials: usize,
    /// Random trials first.
    pub n_startup: usize,
    /// Share of good trials.
    pub gamma: f64,
    /// Candidates scored per trial.
    pub n_candidates: usize,
    /// Prior pseudo-count per axis.
    pub prior_weight: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for Tpe {
    fn default() -> Self {
        Self { n_trials: 50, n_startup: 10, gamma: 0.25, n_candidates: 24, prior_weight: 1.0, seed: 0 }
    }
}

impl Tpe {
    fn validate(&self) -> Result<()> {
        if self.n_trials == 0 {
            return Err(invalid("tpe n_trials", 0, ">= 1"));
        }
        if self.n_startup == 0 {
            return Err(invalid("tpe n_startup", 0, ">= 1"));
        }
        if !(self.gamma > 0.0 && self.gamma < 1.0) {
            return Err(invalid("tpe gamma", self.gamma, "a share in (0, 1)"));
        }
        if self.n_candidates == 0 {
            return Err(invalid("tpe n_candidates", 0, ">= 1"));
        }
        if !(self.prior_weight.is_finite() && self.prior_weight > 0.0) {
            return Err(invalid("tpe prior_weight", self.prior_weight, "a finite value > 0"));
        }
        Ok(())
    }

    /// The next configuration given the `(config, loss)` history (failed trials excluded):
    /// random until `n_startup` (and at least two) trials succeeded.
    fn suggest(&self, space: &ParamSpace, history: &[(Config, f64)], rng: &mut ChaCha8Rng) -> Config {
        let axes = space.axes();
        if history.len() < self.n_startup.max(2) {
            return axes.iter().map(|(n, v)| (n.clone(), v[rng.random_range(0..v.len())].clone())).collect();
        }
        let mut order: Vec<&(Config, f64)> = history.iter().collect();
        order.sort_by(|a, b| a.1.total_cmp(&b.1));
        let n_good = ((self.gamma * order.len() as f64).ceil() as usize).clamp(1, order.len() - 1);
        let (good, bad) = order.split_at(n_good);
        let density = |trials: &[&(Config, f64)], name: &str, values: &[ParamValue]| -> Vec<f64> {
            let mut w = vec![self.prior_weight / values.len() as f64; values.len()];
            for (c, _) in trials {
                if let Some(i) = c.get(name).and_then(|v| values.iter().position(|x| x == v)) {
                    w[i] += 1.0;
                }
            }
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        };
        let model: Vec<(Vec<f64>, Vec<f64>)> =
            axes.iter().map(|(n, v)| (density(good, n, v), density(bad, n, v))).collect();
        let mut best: Option<(f64, Vec<usize>)> = None;
        for _ in 0..self.n_candidates {
            let pick: Vec<usize> = model.iter().map(|(l, _)| draw(l, rng)).collect();
            let score: f64 = pick.iter().zip(&model).map(|(&i, (l, g))| l[i].ln() - g[i].ln()).sum();
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, pick));
            }
        }
        let pick = best.map(|b| b.1).unwrap_or_default();
        axes.iter().zip(pick).map(|((n, v), i)| (n.clone(), v[i].clone())).collect()
    }
}

/// An index drawn with probabilities `p` (summing to 1).
fn draw(p: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, w) in p.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    p.len().saturating_sub(1)
}

impl Search<'_> {
    /// A TPE search over `space`, every trial given `resource`. Trials run in parallel
    /// batches of the rayon pool's size, each batch suggested from the trials before it (so
    /// the same seed and pool size give the same trials).
    ///
    /// # Errors
    /// [`crate::RetrainError::InvalidParam`] for settings out of range; as [`Search::run`].
    pub fn tpe(
        &self,
        space: &ParamSpace,
        tpe: &Tpe,
        resource: usize,
        objective: &dyn Objective,
    ) -> Result<SearchResult> {
        tpe.validate()?;
        let started = self.clock.now();
        let mut rng = ChaCha8Rng::seed_from_u64(tpe.seed);
        let mut candidates: Vec<Config> = Vec::new();
        let mut trials = Vec::new();
        let mut exhausted = false;
        while candidates.len() < tpe.n_trials && !exhausted {
            let history: Vec<(Config, f64)> = trials
                .iter()
                .filter(|t: &&crate::Trial| t.loss.is_finite())
                .map(|t| (t.config.clone(), t.loss))
                .collect();
            let first = candidates.len();
            let n = self.batch.min(tpe.n_trials - first);
            for _ in 0..n {
                candidates.push(tpe.suggest(space, &history, &mut rng));
            }
            let idx: Vec<usize> = (first..candidates.len()).collect();
            exhausted = self.rung(&candidates, &idx, 0, resource, objective, started, &mut trials)?;
        }
        let best = best_of(&trials, 0);
        finish(trials, best, exhausted)
    }
}
