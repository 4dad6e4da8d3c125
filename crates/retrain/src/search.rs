//! Hyper-parameter search: grid, seeded random and successive halving over a parameter
//! space, with trials in parallel (rayon), a budget in trials or wall time (read from the
//! [`Clock`]), every trial tracked as a run through forecast-core's [`RunTracker`] port, and
//! an honest objective: a rolling-origin backtest on the history before the as-of date only.

use crate::error::{Result, RetrainError, invalid};
use crate::halving::HalvingSchedule;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use forecast_core::backtest::Backtest;
use forecast_core::forecast::Forecaster;
use forecast_core::tracking::{RunStatus, RunTracker};
use forecast_core::{Clock, Panel};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One parameter value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A whole number (leaves, rounds, season).
    Int(i64),
    /// A real number (learning rate).
    Float(f64),
    /// A label (model family, objective, target transform).
    Text(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Float(v) => write!(f, "{v}"),
            Self::Text(v) => f.write_str(v),
        }
    }
}

/// One candidate configuration: parameter name to value.
pub type Config = BTreeMap<String, ParamValue>;

/// A search space: named axes of values (the model family is an axis like any other).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSpace {
    axes: Vec<(String, Vec<ParamValue>)>,
}

impl ParamSpace {
    /// An empty space (one configuration with no parameter).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an axis.
    ///
    /// # Errors
    /// [`RetrainError::InvalidParam`] for an empty axis or a name used twice.
    pub fn axis(mut self, name: impl Into<String>, values: Vec<ParamValue>) -> Result<Self> {
        let name = name.into();
        if values.is_empty() {
            return Err(invalid("search axis", name, "at least one value"));
        }
        if self.axes.iter().any(|(n, _)| *n == name) {
            return Err(invalid("search axis", name, "a name used once"));
        }
        self.axes.push((name, values));
        Ok(self)
    }

    /// The axes: names and their values, in the order added.
    pub fn axes(&self) -> &[(String, Vec<ParamValue>)] {
        &self.axes
    }

    /// Number of grid points.
    pub fn grid_size(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// Every combination, the last axis varying fastest.
    pub fn grid(&self) -> Vec<Config> {
        let mut out = vec![Config::new()];
        for (name, values) in &self.axes {
            out = out
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.insert(name.clone(), v.clone());
                        c
                    })
                })
                .collect();
        }
        out
    }

    /// `n` configurations, each axis drawn uniformly, from `seed` (same seed, same draws).
    pub fn random(&self, n: usize, seed: u64) -> Vec<Config> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                self.axes
                    .iter()
                    .map(|(name, values)| (name.clone(), values[rng.random_range(0..values.len())].clone()))
                    .collect()
            })
            .collect()
    }
}

/// What a search minimises: the error of a configuration trained with `resource` (boosting
/// rounds or training periods; the search's maximum when not halving).
pub trait Objective: Sync {
    /// The loss of `config` (smaller is better).
    ///
    /// # Errors
    /// Any fit or backtest error; the trial is recorded as failed, the search goes on.
    fn loss(&self, config: &Config, resource: usize) -> Result<f64>;
}

/// The panel as known at `as_of`: every observation dated after it removed (targets and
/// regressors), so nothing fitted or scored on it can read the future.
pub fn panel_as_of(panel: &Panel, as_of: NaiveDate) -> Panel {
    let mut out = panel.clone();
    for s in &mut out.series {
        let keep =
            panel.frequency.periods_between(s.start, as_of).map_or(0, |p| (p + 1).clamp(0, s.len() as i64)) as usize;
        s.target.truncate(keep);
        for r in &mut s.regressors {
            r.truncate(keep);
        }
    }
    out
}

/// The rolling-origin backtest objective on the training history only: the panel is cut at
/// `as_of` before any model sees it; the loss is the pooled WAPE of the backtest.
pub struct BacktestObjective<'a, F> {
    /// The history (may hold newer data: it is cut at `as_of`).
    pub panel: &'a Panel,
    /// The last date training may read.
    pub as_of: NaiveDate,
    /// The backtest windows.
    pub backtest: Backtest,
    /// Builds the forecaster of a configuration with a resource.
    pub build: F,
}

impl<F> fmt::Debug for BacktestObjective<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacktestObjective").field("as_of", &self.as_of).field("backtest", &self.backtest).finish()
    }
}

impl<F> Objective for BacktestObjective<'_, F>
where
    F: Fn(&Config, usize) -> Result<Box<dyn Forecaster>> + Sync,
{
    fn loss(&self, config: &Config, resource: usize) -> Result<f64> {
        let history = panel_as_of(self.panel, self.as_of);
        let forecaster = (self.build)(config, resource)?;
        let report = self.backtest.run(&history, &[forecaster.as_ref()])?;
        report
            .models
            .first()
            .and_then(|m| m.metrics.as_ref())
            .map(|m| m.wape)
            .ok_or_else(|| RetrainError::Search("the backtest scored no window".into()))
    }
}

/// A search budget.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `max_trials` | none | stop starting trials after this many | >= 1 |
/// | `max_time` | none | stop starting batches after this much clock time | > 0 |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    /// Most trials.
    pub max_trials: Option<usize>,
    /// Most wall time (read from the clock between parallel batches).
    pub max_time: Option<Duration>,
}

/// One evaluated configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based trial number in the search.
    pub id: usize,
    /// Index of the configuration in the candidate list.
    pub candidate: usize,
    /// The configuration.
    pub config: Config,
    /// Halving rung (0 when not halving).
    pub rung: usize,
    /// Resource given.
    pub resource: usize,
    /// Loss (`NaN` when it failed).
    pub loss: f64,
    /// The error message of a failed trial.
    pub error: Option<String>,
    /// Tracker run id.
    pub run_id: Option<i64>,
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Every trial, in order.
    pub trials: Vec<Trial>,
    /// The best trial of the last rung reached (lowest finite loss).
    pub best: Option<usize>,
    /// Whether the budget stopped the search early.
    pub budget_exhausted: bool,
}

impl SearchResult {
    /// The best trial.
    pub fn best_trial(&self) -> Option<&Trial> {
        self.best.and_then(|i| self.trials.get(i))
    }
}

/// Runs searches.
#[derive(Debug)]
pub struct Search<'a> {
    pub(crate) clock: &'a dyn Clock,
    tracker: Option<(&'a dyn RunTracker, String, String)>,
    pub(crate) budget: Budget,
    pub(crate) batch: usize,
}

impl<'a> Search<'a> {
    /// A search reading time from `clock`; parallel batches of the rayon pool's size.
    pub fn new(clock: &'a dyn Clock) -> Self {
        Self { clock, tracker: None, budget: Budget::default(), batch: rayon::current_num_threads().max(1) }
    }

    /// Track every trial as a run of `experiment` by `actor`.
    pub fn tracker(
        mut self,
        tracker: &'a dyn RunTracker,
        experiment: impl Into<String>,
        actor: impl Into<String>,
    ) -> Self {
        self.tracker = Some((tracker, experiment.into(), actor.into()));
        self
    }

    /// Set the budget.
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// Evaluate every candidate with `resource` (grid or random search).
    ///
    /// # Errors
    /// [`RetrainError::Search`] when no trial succeeds; tracker errors.
    pub fn run(&self, candidates: &[Config], resource: usize, objective: &dyn Objective) -> Result<SearchResult> {
        let started = self.clock.now();
        let mut trials = Vec::new();
        let idx: Vec<usize> = (0..candidates.len()).collect();
        let exhausted = self.rung(candidates, &idx, 0, resource, objective, started, &mut trials)?;
        let best = best_of(&trials, 0);
        finish(trials, best, exhausted)
    }

    /// Successive halving along `schedule`: each rung keeps the best `ceil(n / factor)`.
    ///
    /// # Errors
    /// [`RetrainError::InvalidParam`] when the schedule's first rung does not match the
    /// number of candidates; as [`Search::run`].
    pub fn halving(
        &self,
        candidates: &[Config],
        schedule: &HalvingSchedule,
        objective: &dyn Objective,
    ) -> Result<SearchResult> {
        if schedule.n_candidates.first() != Some(&candidates.len()) {
            return Err(invalid("halving schedule", candidates.len(), "a schedule made for this many candidates"));
        }
        let started = self.clock.now();
        let mut trials: Vec<Trial> = Vec::new();
        let mut alive: Vec<usize> = (0..candidates.len()).collect();
        let mut last_rung = 0;
        let mut exhausted = false;
        for (rung, (&n, &resource)) in schedule.n_candidates.iter().zip(&schedule.n_resources).enumerate() {
            alive.truncate(n);
            exhausted = self.rung(candidates, &alive, rung, resource, objective, started, &mut trials)?;
            last_rung = rung;
            if exhausted {
                break;
            }
            let mut scored: Vec<(f64, usize)> =
                trials.iter().filter(|t| t.rung == rung).map(|t| (t.loss, t.candidate)).collect();
            // Failed trials (NaN) sort last; ties keep the earlier candidate.
            scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            scored.sort_by_key(|s| s.0.is_nan());
            alive = scored.into_iter().map(|(_, c)| c).collect();
        }
        let best = best_of(&trials, last_rung);
        finish(trials, best, exhausted)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rung(
        &self,
        candidates: &[Config],
        which: &[usize],
        rung: usize,
        resource: usize,
        objective: &dyn Objective,
        started: DateTime<Utc>,
        trials: &mut Vec<Trial>,
    ) -> Result<bool> {
        for chunk in which.chunks(self.batch) {
            let over_trials = self.budget.max_trials.is_some_and(|m| trials.len() >= m);
            let over_time = self.budget.max_time.is_some_and(|m| self.clock.now() - started >= m);
            if over_trials || over_time {
                return Ok(true);
            }
            let room = self.budget.max_trials.map_or(chunk.len(), |m| (m - trials.len()).min(chunk.len()));
            let chunk = &chunk[..room];
            let losses: Vec<Result<f64>> =
                chunk.par_iter().map(|&c| objective.loss(&candidates[c], resource)).collect();
            for (&c, loss) in chunk.iter().zip(losses) {
                let id = trials.len();
                let (loss, error) = match loss {
                    Ok(l) if l.is_finite() => (l, None),
                    Ok(l) => (f64::NAN, Some(format!("non-finite loss {l}"))),
                    Err(e) => (f64::NAN, Some(e.to_string())),
                };
                let mut trial = Trial {
                    id,
                    candidate: c,
                    config: candidates[c].clone(),
                    rung,
                    resource,
                    loss,
                    error,
                    run_id: None,
                };
                trial.run_id = self.track(&trial)?;
                trials.push(trial);
            }
        }
        Ok(false)
    }

    fn track(&self, t: &Trial) -> Result<Option<i64>> {
        let Some((tracker, experiment, actor)) = &self.tracker else { return Ok(None) };
        let run = tracker.start_run(experiment, &format!("trial-{}", t.id), None, actor)?;
        for (k, v) in &t.config {
            tracker.log_param(run, k, &v.to_string(), actor)?;
        }
        tracker.log_param(run, "resource", &t.resource.to_string(), actor)?;
        tracker.log_param(run, "rung", &t.rung.to_string(), actor)?;
        let status = if t.error.is_none() {
            tracker.log_metric(run, "loss", t.loss, t.rung as i64, actor)?;
            RunStatus::Finished
        } else {
            tracker.set_tag(run, "error", t.error.as_deref().unwrap_or(""), actor)?;
            RunStatus::Failed
        };
        tracker.end_run(run, status, actor)?;
        Ok(Some(run))
    }
}

pub(crate) fn best_of(trials: &[Trial], rung: usize) -> Option<usize> {
    trials
        .iter()
        .filter(|t| t.rung == rung && t.loss.is_finite())
        .min_by(|a, b| a.loss.total_cmp(&b.loss).then(a.candidate.cmp(&b.candidate)))
        .map(|t| t.id)
}

pub(crate) fn finish(trials: Vec<Trial>, best: Option<usize>, budget_exhausted: bool) -> Result<SearchResult> {
    if best.is_none() {
        let why = trials.iter().find_map(|t| t.error.clone()).unwrap_or_else(|| "no trial ran".into());
        return Err(RetrainError::Search(format!("no trial succeeded ({} run): {why}", trials.len())));
    }
    Ok(SearchResult { trials, best, budget_exhausted })
}
