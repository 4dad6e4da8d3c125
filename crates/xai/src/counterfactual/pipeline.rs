//! Counterfactuals through a fitted [`ForecastPipeline`]: the smallest changes to one series'
//! plan of regressors (price, discount, promotion over the next steps) that bring the total
//! forecast over those steps to a target, every candidate forecast again through the pipeline,
//! so the lags and rolling windows of later steps see the change.
//!
//! The variables of the search are the plan's cells (a per-step lever) and whole-window levers;
//! candidates are scored in batches, as copies of the series in one small panel (the pipeline's
//! features read only a series' own history, plan and statics, which is checked: the copy of the
//! plan as given must forecast exactly what the full panel does). Each answer is then forecast
//! again on the full panel and compared per step with the plan ([`WhatIf`]).

use super::SearchParams;
use super::plan::{PlanQuestion, Resolved, Scope, holds};
use super::search::{Objective, search};
use super::spec::{CounterfactualSpec, Target};
use crate::whatif::{WhatIf, compare};
use crate::{Result, XaiError};
use chrono::NaiveDate;
use forecast_core::pipeline::ForecastPipeline;
use forecast_core::{Panel, SeriesKey};
use serde::{Deserialize, Serialize};

/// One changed cell of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellChange {
    /// Regressor name.
    pub regressor: String,
    /// Forecast step (1-based).
    pub step: usize,
    /// Date of the step.
    pub date: Option<NaiveDate>,
    /// Planned value.
    pub from: f64,
    /// Proposed value.
    pub to: f64,
}

/// One answer: a changed plan that reaches the target.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanAnswer {
    /// Series index.
    pub series: usize,
    /// The levers (regressor names) it changes, in panel order.
    pub levers: Vec<String>,
    /// Every changed cell, by regressor then step.
    pub changes: Vec<CellChange>,
    /// Total forecast over the window's steps under the change (in the target's unit).
    pub total: f64,
    /// Size of the change: Σ over changed variables of |change| / width of the lever's range.
    pub distance: f64,
    /// The changed plan forecast again on the full panel against the plan, per step.
    pub outcome: WhatIf,
}

impl PlanAnswer {
    /// `panel` with this answer's changes made to the plan.
    ///
    /// # Errors
    /// [`XaiError::InvalidArgument`] when `panel` lacks the series, a regressor or a step.
    pub fn apply(&self, panel: &Panel) -> Result<Panel> {
        apply(panel, self.series, &self.changes)
    }
}

fn apply(panel: &Panel, series: usize, changes: &[CellChange]) -> Result<Panel> {
    let mut out = panel.clone();
    let ser =
        out.series.get_mut(series).ok_or_else(|| XaiError::argument("series", series, "a series of the panel"))?;
    let origin = ser.target.len();
    for c in changes {
        let j = panel
            .regressor_index(&c.regressor)
            .ok_or_else(|| XaiError::argument("regressor", &c.regressor, "a regressor of the panel"))?;
        let cell = ser.regressors[j]
            .get_mut((origin + c.step).saturating_sub(1))
            .filter(|_| c.step >= 1)
            .ok_or_else(|| XaiError::argument("step", c.step, "a step within the series' plan"))?;
        *cell = c.to;
    }
    Ok(out)
}

/// The outcome of [`plan_counterfactuals`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCounterfactuals {
    /// Total forecast over the window's steps as planned.
    pub baseline: f64,
    /// The target in units.
    pub target: Target,
    /// Whether the plan already meets the target (then there are no answers).
    pub already_met: bool,
    /// Answers: fewest levers first, then fewest cells, then smallest change; answers on
    /// different levers before a second one on the same levers.
    pub answers: Vec<PlanAnswer>,
    /// Plans forecast through the pipeline during the search.
    pub evaluations: usize,
}

/// A variable of the search: one plan cell of a per-step lever, or a whole-window lever.
#[derive(Debug, Clone, Copy)]
struct Variable {
    /// Index into [`Resolved::levers`].
    lever: usize,
    /// 0-based step for a per-step lever; `None` for a window lever.
    step: Option<usize>,
}

/// Scores candidate plans: each candidate becomes a copy of the series in one panel, and the
/// pipeline forecasts them all at once.
struct PlanObjective<'a> {
    pipeline: &'a ForecastPipeline,
    /// A panel holding the one series, to copy.
    single: Panel,
    q: &'a Resolved,
    variables: Vec<Variable>,
    /// The start values of the variables.
    start: Vec<f64>,
}

impl PlanObjective<'_> {
    /// The regressor values of the window under candidate `x`: `values[lever][k]` for step `k`
    /// of `0..horizon` (steps outside the window keep the plan).
    fn cells(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let ser = &self.single.series[0];
        let mut out: Vec<Vec<f64>> = self
            .q
            .levers
            .iter()
            .map(|(j, _)| ser.regressors[*j][self.q.origin..self.q.origin + self.q.horizon].to_vec())
            .collect();
        for ((v, &value), &start) in self.variables.iter().zip(x).zip(&self.start) {
            match v.step {
                Some(k) => out[v.lever][k] = value,
                None if value.to_bits() != start.to_bits() => {
                    self.q.steps.iter().for_each(|&k| out[v.lever][k] = value);
                }
                None => {}
            }
        }
        out
    }

    /// The value of regressor column `j` at 0-based step `k` under `cells`.
    fn value(&self, cells: &[Vec<f64>], j: usize, k: usize) -> f64 {
        match self.q.levers.iter().position(|(c, _)| *c == j) {
            Some(l) => cells[l][k],
            None => self.single.series[0].regressors[j][self.q.origin + k],
        }
    }

    /// Totals over the window of each candidate's forecast (`None`: the start plan as given).
    fn totals(&self, candidates: &[Vec<Vec<f64>>]) -> Result<Vec<f64>> {
        let template = &self.single.series[0];
        let mut panel = Panel { series: Vec::with_capacity(candidates.len()), ..self.single.clone() };
        for (i, cells) in candidates.iter().enumerate() {
            let mut s = template.clone();
            // Keys sort in candidate order; the pipeline's features never read a key.
            let mut key = s.key.0.clone();
            if let Some(last) = key.last_mut() {
                last.push_str(&format!("#{i:08}"));
            }
            s.key = SeriesKey(key);
            for ((j, _), values) in self.q.levers.iter().zip(cells) {
                s.regressors[*j][self.q.origin..self.q.origin + self.q.horizon].copy_from_slice(values);
            }
            panel.series.push(s);
        }
        let origins = vec![Some(self.q.origin); candidates.len()];
        let f = self.pipeline.forecast_from(&panel, &origins, self.q.horizon)?;
        let mut totals = vec![f64::NAN; candidates.len()];
        for s in &f.series {
            totals[s.series] = self.q.steps.iter().filter_map(|&k| s.point.get(k)).sum();
        }
        Ok(totals)
    }
}

impl Objective for PlanObjective<'_> {
    fn score(&mut self, candidates: &[f64], width: usize) -> Result<Vec<f64>> {
        let cells: Vec<Vec<Vec<f64>>> = candidates.chunks(width.max(1)).map(|x| self.cells(x)).collect();
        self.totals(&cells)
    }

    fn admits(&self, x: &[f64]) -> bool {
        let cells = self.cells(x);
        let ranges = self.q.levers.iter().zip(&cells).all(|((j, l), values)| {
            let plan = &self.single.series[0].regressors[*j][self.q.origin..];
            self.q.steps.iter().all(|&k| {
                let v = values[k];
                v.to_bits() == plan[k].to_bits() || (v >= l.lower && v <= l.upper)
            })
        });
        ranges
            && self.q.steps.iter().all(|&k| self.q.constraints.iter().all(|c| holds(c, |j| self.value(&cells, j, k))))
    }

    fn group(&self, variable: usize) -> usize {
        self.variables[variable].lever
    }
}

/// Search for the smallest changes to the plan of `question.series` over `question.steps` that
/// bring the pipeline's total forecast over those steps into `question.target`. `params` count
/// variables (a plan cell of a per-step lever, or a window lever) in `max_changes`, and plans
/// forecast in `max_evaluations`.
///
/// # Errors
/// [`XaiError::InvalidArgument`] for a question that does not fit the panel (see
/// [`PlanQuestion`]), no mutable lever, or bad `params`; [`XaiError::InfeasibleRow`] when the
/// plan breaks its own ranges or constraints; [`XaiError::Pipeline`] (never expected) when the
/// pipeline forecasts a series differently alone than within the panel; the pipeline's errors.
pub fn plan_counterfactuals(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    question: &PlanQuestion,
    params: SearchParams,
) -> Result<PlanCounterfactuals> {
    if params.n_answers == 0 || params.max_changes == 0 || params.max_evaluations == 0 {
        return Err(XaiError::argument(
            "search params",
            format!("{params:?}"),
            "n_answers, max_changes and max_evaluations >= 1",
        ));
    }
    let q = question.resolve(panel)?;
    if q.levers.is_empty() {
        return Err(XaiError::argument("levers", "none mutable", "at least one lever the search may change"));
    }
    let ser = &panel.series[q.series];
    let single = panel.subset(&[q.series])?;
    let date = |k: usize| panel.date(ser, q.origin + k);
    let mut variables = Vec::new();
    let mut rules = Vec::new();
    let mut start = Vec::new();
    for (l, (j, lever)) in q.levers.iter().enumerate() {
        let plan = &ser.regressors[*j][q.origin..];
        match lever.scope {
            Scope::PerStep => {
                for &k in &q.steps {
                    let on = date(k).map_or_else(String::new, |d| format!(" ({d})"));
                    variables.push(Variable { lever: l, step: Some(k) });
                    rules.push(lever.rule(format!("{} at step {}{on}", lever.regressor, k + 1)));
                    start.push(plan[k]);
                }
            }
            Scope::Window => {
                variables.push(Variable { lever: l, step: None });
                rules.push(lever.rule(format!("{} over the window", lever.regressor)));
                // Unchanged means the plan; a window lever in its range starts where the plan does.
                let first = plan[q.steps[0]];
                start.push(first.clamp(lever.lower, lever.upper));
            }
        }
    }
    let mut objective = PlanObjective { pipeline, single, q: &q, variables, start: start.clone() };
    let baseline = objective.score(&start, start.len())?[0];
    let origins: Vec<Option<usize>> = (0..panel.series.len()).map(|s| (s == q.series).then_some(q.origin)).collect();
    let full = pipeline.forecast_from(panel, &origins, q.horizon)?;
    let full_total: f64 = full.series.iter().flat_map(|f| q.steps.iter().filter_map(|&k| f.point.get(k))).sum();
    if !same(full_total, baseline) {
        return Err(XaiError::Pipeline(format!(
            "the pipeline forecasts series {} at {full_total} within the panel but {baseline} alone: its features \
             read other series, so plans cannot be scored one series at a time",
            ser.key
        )));
    }
    let target = question.target.resolve(baseline)?;
    let spec = CounterfactualSpec { features: rules, constraints: Vec::new(), target };
    spec.check(&start, start.len())?;
    if target.met(baseline) {
        return Ok(PlanCounterfactuals { baseline, target, already_met: true, answers: Vec::new(), evaluations: 1 });
    }
    let found = search(&mut objective, &start, &spec, params, baseline)?;
    let mut answers = Vec::with_capacity(found.answers.len());
    for a in &found.answers {
        let cells = objective.cells(&a.row);
        let mut changes = Vec::new();
        let mut levers = Vec::new();
        for ((j, lever), values) in q.levers.iter().zip(&cells) {
            for &k in &q.steps {
                let from = ser.regressors[*j][q.origin + k];
                if values[k].to_bits() != from.to_bits() {
                    changes.push(CellChange {
                        regressor: lever.regressor.clone(),
                        step: k + 1,
                        date: date(k),
                        from,
                        to: values[k],
                    });
                    if !levers.contains(&lever.regressor) {
                        levers.push(lever.regressor.clone());
                    }
                }
            }
        }
        let changed = apply(panel, q.series, &changes)?;
        let outcome = compare(pipeline, panel, &changed, &origins, q.horizon, levers.join(", "))?;
        let total: f64 = q.steps.iter().filter_map(|&k| outcome.steps.get(k)).map(|s| s.scenario).sum();
        if !same(total, a.prediction) {
            return Err(XaiError::Pipeline(format!(
                "an answer forecasts {total} on the full panel but {} in the search",
                a.prediction
            )));
        }
        let answer =
            PlanAnswer { series: q.series, levers, changes, total: a.prediction, distance: a.distance, outcome };
        answers.push(answer);
    }
    Ok(PlanCounterfactuals { baseline, target, already_met: false, answers, evaluations: 1 + found.evaluations })
}

/// Equal to rounding (the same rows scored in another batch).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}
