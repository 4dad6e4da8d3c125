//! A counterfactual question about a forecast plan: which planned regressors (levers) of one
//! series may change over which forecast steps, within which ranges and constraints, to bring
//! the total forecast over those steps to a target.

use super::spec::{FeatureRule, Target};
use crate::{Result, XaiError};
use forecast_core::Panel;
use serde::{Deserialize, Serialize};

/// How a lever changes over the steps of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Each step's value on its own (promotion on Saturday only).
    PerStep,
    /// One value for every step of the window (a 20% discount all week); left as planned when
    /// the answer does not change it.
    Window,
}

/// How one planned regressor may move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lever {
    /// Regressor name, as in [`Panel::regressor_names`].
    pub regressor: String,
    /// Smallest permitted value of a changed cell.
    pub lower: f64,
    /// Largest permitted value of a changed cell.
    pub upper: f64,
    /// Changed values lie on `lower + k * step` (1 for a flag, 0.05 for a discount).
    pub step: Option<f64>,
    /// Per step or one value over the window.
    pub scope: Scope,
    /// Whether the search may change it (a lever listed only to say it must not move).
    pub mutable: bool,
}

impl Lever {
    /// A lever changed step by step within `[lower, upper]`.
    pub fn per_step(regressor: impl Into<String>, lower: f64, upper: f64) -> Self {
        Self { regressor: regressor.into(), lower, upper, step: None, scope: Scope::PerStep, mutable: true }
    }

    /// A lever set to one value in `[lower, upper]` over the whole window.
    pub fn window(regressor: impl Into<String>, lower: f64, upper: f64) -> Self {
        Self { scope: Scope::Window, ..Self::per_step(regressor, lower, upper) }
    }

    /// A regressor that must keep its plan (every regressor not listed keeps it too).
    pub fn fixed(regressor: impl Into<String>) -> Self {
        Self { mutable: false, lower: f64::NEG_INFINITY, upper: f64::INFINITY, ..Self::per_step(regressor, 0.0, 0.0) }
    }

    /// Changed values on `lower + k * step`.
    pub fn with_step(mut self, step: f64) -> Self {
        self.step = Some(step);
        self
    }

    /// The search rule of one of its variables.
    pub(super) fn rule(&self, name: String) -> FeatureRule {
        FeatureRule { name, lower: self.lower, upper: self.upper, mutable: self.mutable, step: self.step }
    }
}

/// `Σ coefficient * regressor <= max` at every step of the window, on the values after the
/// change (regressors that are not levers read their plan): `discount <= 0.5`, `price >= cost`,
/// `discount - 0.3 promo <= 0.1` (deep discounts only with a promotion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanConstraint {
    /// `(regressor, coefficient)` terms.
    pub terms: Vec<(String, f64)>,
    /// Right-hand side.
    pub max: f64,
    /// How a person says it.
    pub label: String,
}

impl PlanConstraint {
    /// `regressor <= max`.
    pub fn at_most(regressor: impl Into<String>, max: f64, label: impl Into<String>) -> Self {
        Self { terms: vec![(regressor.into(), 1.0)], max, label: label.into() }
    }

    /// `regressor >= min`, e.g. price at least the unit cost.
    pub fn at_least(regressor: impl Into<String>, min: f64, label: impl Into<String>) -> Self {
        Self { terms: vec![(regressor.into(), -1.0)], max: -min, label: label.into() }
    }

    /// Any linear constraint `Σ coefficient * regressor <= max`.
    pub fn linear(terms: Vec<(String, f64)>, max: f64, label: impl Into<String>) -> Self {
        Self { terms, max, label: label.into() }
    }
}

/// The total to reach over the window's steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PlanTarget {
    /// Total units (the target column's unit) in `[lower, upper]`.
    Units {
        /// Lowest acceptable total.
        lower: f64,
        /// Highest acceptable total.
        upper: f64,
    },
    /// Change of the total against the forecast as planned, in percent, in `[lower, upper]`.
    ChangePct {
        /// Lowest acceptable change (15 for +15%).
        lower: f64,
        /// Highest acceptable change.
        upper: f64,
    },
}

impl PlanTarget {
    /// At least `pct` percent more than the forecast as planned (negative: at most that much less).
    pub fn at_least_pct(pct: f64) -> Self {
        Self::ChangePct { lower: pct, upper: f64::INFINITY }
    }

    /// At most `pct` percent change (e.g. -10 to cut demand by at least 10%).
    pub fn at_most_pct(pct: f64) -> Self {
        Self::ChangePct { lower: f64::NEG_INFINITY, upper: pct }
    }

    /// A total of at least `units`.
    pub fn at_least_units(units: f64) -> Self {
        Self::Units { lower: units, upper: f64::INFINITY }
    }

    /// The target in units given the total as planned.
    pub(super) fn resolve(self, baseline: f64) -> Result<Target> {
        let t = match self {
            Self::Units { lower, upper } => Target { lower, upper },
            Self::ChangePct { lower, upper } => {
                let at = |p: f64| if p.is_infinite() { p } else { baseline * (1.0 + p / 100.0) };
                Target { lower: at(lower), upper: at(upper) }
            }
        };
        if t.lower.is_nan() || t.upper.is_nan() || t.lower > t.upper {
            return Err(XaiError::argument("target", format!("{self:?}"), "lower <= upper, not NaN"));
        }
        Ok(t)
    }
}

/// One question: what changes to the plan of `series` over `steps` bring its total forecast over
/// those steps into `target`?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanQuestion {
    /// Series index in the panel.
    pub series: usize,
    /// Forecast steps (1-based) whose plan may change and whose forecasts are totalled, e.g. 1..=7.
    pub steps: Vec<usize>,
    /// The levers; regressors not listed keep their plan.
    pub levers: Vec<Lever>,
    /// Constraints every step of the window keeps after the change.
    pub constraints: Vec<PlanConstraint>,
    /// The total to reach.
    pub target: PlanTarget,
}

/// A constraint with regressor columns: `(terms, max, label)`.
pub(super) type ResolvedConstraint = (Vec<(usize, f64)>, f64, String);

/// A checked question: regressor columns resolved, plan cells read.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    /// Series index.
    pub(super) series: usize,
    /// History length of the series (the forecast origin).
    pub(super) origin: usize,
    /// Forecast horizon: the largest step.
    pub(super) horizon: usize,
    /// 0-based steps of the window, increasing.
    pub(super) steps: Vec<usize>,
    /// `(regressor column, lever)` of each mutable lever.
    pub(super) levers: Vec<(usize, Lever)>,
    /// Constraints with regressor columns: `(terms, max, label)`.
    pub(super) constraints: Vec<ResolvedConstraint>,
}

impl PlanQuestion {
    /// Check the question against `panel`.
    ///
    /// # Errors
    /// [`XaiError::InvalidArgument`] naming the series, a step (0, repeated, or past the series'
    /// plan of regressors), a lever or constraint regressor that is not in the panel (the message
    /// lists them), a lever named twice, or a bad range or step;
    /// [`XaiError::InfeasibleRow`] when the plan itself breaks a constraint at a step.
    pub(super) fn resolve(&self, panel: &Panel) -> Result<Resolved> {
        let ser = panel.series.get(self.series).ok_or_else(|| {
            XaiError::argument("series", self.series, format!("an index below {}", panel.series.len()))
        })?;
        let mut steps: Vec<usize> = self.steps.clone();
        steps.sort_unstable();
        if steps.is_empty() || steps[0] == 0 || steps.windows(2).any(|w| w[0] == w[1]) {
            return Err(XaiError::argument(
                "steps",
                format!("{:?}", self.steps),
                "distinct 1-based steps, at least one",
            ));
        }
        let horizon = steps[steps.len() - 1];
        if ser.known_future() < horizon {
            return Err(XaiError::argument(
                "steps",
                horizon,
                format!(
                    "at most {}: series {} ({}) has a plan of regressors that long",
                    ser.known_future(),
                    self.series,
                    ser.key
                ),
            ));
        }
        let column = |name: &str, what: &str| {
            panel.regressor_index(name).ok_or_else(|| {
                XaiError::argument(
                    what,
                    name,
                    format!("a regressor of the panel: {}", panel.regressor_names.join(", ")),
                )
            })
        };
        let mut levers = Vec::new();
        let mut seen = Vec::new();
        for (i, l) in self.levers.iter().enumerate() {
            let j = column(&l.regressor, &format!("levers[{i}].regressor"))?;
            if seen.contains(&j) {
                return Err(XaiError::argument(format!("levers[{i}]"), &l.regressor, "each regressor in one lever"));
            }
            seen.push(j);
            if !l.mutable {
                continue;
            }
            if !(l.lower.is_finite() && l.upper.is_finite() && l.lower <= l.upper) {
                return Err(XaiError::argument(
                    format!("levers[{i}] ({}) range", l.regressor),
                    format!("[{}, {}]", l.lower, l.upper),
                    "finite lower <= upper",
                ));
            }
            levers.push((j, l.clone()));
        }
        let mut constraints = Vec::new();
        for (k, c) in self.constraints.iter().enumerate() {
            let terms = c
                .terms
                .iter()
                .map(|(name, coef)| Ok((column(name, &format!("constraints[{k}] ({})", c.label))?, *coef)))
                .collect::<Result<Vec<_>>>()?;
            if !c.max.is_finite() || terms.iter().any(|(_, v)| !v.is_finite()) {
                return Err(XaiError::argument(format!("constraints[{k}] ({})", c.label), c.max, "finite numbers"));
            }
            constraints.push((terms, c.max, c.label.clone()));
        }
        let origin = ser.len();
        let steps: Vec<usize> = steps.iter().map(|s| s - 1).collect();
        let r = Resolved { series: self.series, origin, horizon, steps, levers, constraints };
        for &k in &r.steps {
            let at = |j: usize| ser.regressors[j][origin + k];
            if let Some((_, _, label)) = r.constraints.iter().find(|c| !holds(c, at)) {
                return Err(XaiError::InfeasibleRow(format!("the plan breaks constraint `{label}` at step {}", k + 1)));
            }
        }
        Ok(r)
    }
}

/// Whether a resolved constraint holds for the values `at(column)` (NaN never does).
pub(super) fn holds(c: &ResolvedConstraint, at: impl Fn(usize) -> f64) -> bool {
    let lhs: f64 = c.0.iter().map(|&(j, coef)| coef * at(j)).sum();
    lhs <= c.1
}
