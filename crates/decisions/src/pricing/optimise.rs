//! The profit-optimal price or discount of an item under constraints (minimum margin, maximum
//! discount, a price ladder), and a promotion budget shared by several items.
//!
//! Profit is `revenue - unit_cost * units` over the cells of the curve (e.g. the days of a
//! planned promotion in every store). A promotion's spend is its markdown: the revenue given up
//! on the units sold, against the shelf price (discount lever) or the planned price (price
//! lever).

use super::curve::DemandCurve;
use crate::error::{DecisionError, Result, finite, non_negative};
use serde::{Deserialize, Serialize};

/// Which regressor a curve moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeverKind {
    /// A discount fraction off the shelf price, in [0, 1).
    Discount,
    /// The shelf price itself, > 0.
    Price,
}

/// What a lever value earns over the curve's cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The lever value (a discount fraction or a price).
    pub value: f64,
    /// Expected units.
    pub units: f64,
    /// Expected revenue at the net price.
    pub revenue: f64,
    /// Revenue given up on those units against the undiscounted (or planned) price.
    pub markdown: f64,
}

/// A curve of outcomes over a lever: a simulated [`super::PipelineCurve`] or a smooth
/// [`LeverOnCurve`].
pub trait LeverCurve {
    /// The lever.
    fn lever(&self) -> LeverKind;

    /// The outcome at `value`.
    ///
    /// # Errors
    /// A value outside the lever's range, or whatever the curve's source reports.
    fn outcome(&self, value: f64) -> Result<Outcome>;

    /// The planned value (mean planned discount, or planned shelf price): the status quo the
    /// decision is compared with, and the reference of a maximum discount on a price lever.
    fn planned_value(&self) -> f64;
}

/// A smooth [`DemandCurve`] in net price, read through a lever.
///
/// Discount lever: net price `shelf_price (1 - d)`, markdown `shelf_price d units`. Price lever:
/// net price `p net_factor` (`net_factor = 1 - planned discount`), markdown
/// `(shelf_price - p) net_factor units`, with `shelf_price` the planned price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeverOnCurve<C> {
    /// The curve, units against net price.
    pub curve: C,
    /// The lever.
    pub lever: LeverKind,
    /// Shelf price (discount lever) or planned shelf price (price lever).
    pub shelf_price: f64,
    /// Net price per unit of shelf price on a price lever (1 minus the planned discount).
    pub net_factor: f64,
    /// The planned lever value.
    pub planned: f64,
}

impl<C: DemandCurve> LeverCurve for LeverOnCurve<C> {
    fn lever(&self) -> LeverKind {
        self.lever
    }

    fn outcome(&self, value: f64) -> Result<Outcome> {
        let (net, markdown_per_unit) = match self.lever {
            LeverKind::Discount => {
                if !(0.0..1.0).contains(&value) {
                    return Err(DecisionError::invalid("discount", value, "a fraction in [0, 1)"));
                }
                (self.shelf_price * (1.0 - value), self.shelf_price * value)
            }
            LeverKind::Price => {
                crate::error::positive("price", value)?;
                (value * self.net_factor, (self.shelf_price - value) * self.net_factor)
            }
        };
        let units = self.curve.demand(net)?;
        Ok(Outcome { value, units, revenue: net * units, markdown: markdown_per_unit * units })
    }

    fn planned_value(&self) -> f64 {
        self.planned
    }
}

/// Allowed lever values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PriceLadder {
    /// Only these values.
    Points {
        /// The allowed values.
        values: Vec<f64>,
    },
    /// `start + k step` for integer `k` (prices ending in .99: start 0.99, step 1; discounts in
    /// 5% steps: start 0, step 0.05).
    Step {
        /// A value on the ladder.
        start: f64,
        /// Distance between rungs, > 0.
        step: f64,
    },
}

impl PriceLadder {
    /// The rung nearest to `value`.
    pub fn snap(&self, value: f64) -> f64 {
        match self {
            Self::Points { values } => {
                values.iter().copied().min_by(|a, b| (a - value).abs().total_cmp(&(b - value).abs())).unwrap_or(value)
            }
            // Rounded to 1e-12 so that rungs like 6 x 0.05 read 0.3, not 0.30000000000000004.
            Self::Step { start, step } => ((start + ((value - start) / step).round() * step) * 1e12).round() / 1e12,
        }
    }
}

/// Constraints on a price or discount decision.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `min_margin` | none | `(net price - unit_cost) / net price` at least this | [0, 1) |
/// | `max_discount` | none | discount lever: at most this; price lever: price at least `(1 - max) * planned` | [0, 1) |
/// | `price_range` | none | price lever: lowest and highest price | `0 < low <= high` |
/// | `ladder` | none | grid values are snapped to it (and deduplicated) | [`PriceLadder`] |
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PriceConstraints {
    /// Minimum margin on the net price.
    pub min_margin: Option<f64>,
    /// Maximum discount.
    pub max_discount: Option<f64>,
    /// Price range of a price lever.
    pub price_range: Option<(f64, f64)>,
    /// Allowed values.
    pub ladder: Option<PriceLadder>,
}

/// One evaluated lever value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Units, revenue and markdown.
    pub outcome: Outcome,
    /// `revenue - unit_cost * units`.
    pub profit: f64,
    /// `profit / revenue` (0 without revenue).
    pub margin: f64,
    /// Every constraint it breaks (empty when feasible).
    pub violations: Vec<String>,
}

impl Candidate {
    /// Whether it meets every constraint.
    pub fn feasible(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The decision for one item: every candidate, the planned value, and the best feasible one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingDecision {
    /// The lever.
    pub lever: LeverKind,
    /// Cost of a unit.
    pub unit_cost: f64,
    /// The planned value's candidate.
    pub planned: Candidate,
    /// Candidates in increasing lever value.
    pub candidates: Vec<Candidate>,
    /// Index of the most profitable feasible candidate (none when none is feasible).
    pub best: Option<usize>,
}

impl PricingDecision {
    /// The most profitable feasible candidate.
    pub fn best(&self) -> Option<&Candidate> {
        self.best.map(|i| &self.candidates[i])
    }

    /// Profit of the best candidate over the planned value's.
    pub fn uplift(&self) -> Option<f64> {
        self.best().map(|b| b.profit - self.planned.profit)
    }
}

/// Evaluate `curve` at each value of `grid` (snapped to the ladder if any), check the
/// constraints, and pick the most profitable feasible value.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a negative or non-finite unit cost, an empty grid,
/// or constraints out of range; errors of the curve.
pub fn optimise_lever(
    curve: &dyn LeverCurve,
    unit_cost: f64,
    grid: &[f64],
    constraints: &PriceConstraints,
) -> Result<PricingDecision> {
    non_negative("unit_cost", unit_cost)?;
    check_constraints(constraints)?;
    let mut values: Vec<f64> = grid
        .iter()
        .map(|&v| finite("grid", v).map(|v| constraints.ladder.as_ref().map_or(v, |l| l.snap(v))))
        .collect::<Result<_>>()?;
    values.sort_by(f64::total_cmp);
    values.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    if values.is_empty() {
        return Err(DecisionError::invalid("grid", "empty", "at least one lever value"));
    }
    let lever = curve.lever();
    let planned_value = curve.planned_value();
    let evaluate = |v: f64| -> Result<Candidate> {
        let outcome = curve.outcome(v)?;
        Ok(candidate(outcome, unit_cost, violations(lever, v, &outcome, unit_cost, planned_value, constraints)))
    };
    let candidates = values.iter().map(|&v| evaluate(v)).collect::<Result<Vec<_>>>()?;
    let planned = {
        let outcome = curve.outcome(planned_value)?;
        candidate(outcome, unit_cost, Vec::new())
    };
    let best = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.feasible())
        .max_by(|a, b| a.1.profit.total_cmp(&b.1.profit))
        .map(|(i, _)| i);
    Ok(PricingDecision { lever, unit_cost, planned, candidates, best })
}

fn candidate(outcome: Outcome, unit_cost: f64, violations: Vec<String>) -> Candidate {
    let profit = outcome.revenue - unit_cost * outcome.units;
    let margin = if outcome.revenue > 0.0 { profit / outcome.revenue } else { 0.0 };
    Candidate { outcome, profit, margin, violations }
}

fn check_constraints(c: &PriceConstraints) -> Result<()> {
    for (name, v) in [("min_margin", c.min_margin), ("max_discount", c.max_discount)] {
        if let Some(v) = v
            && !(0.0..1.0).contains(&v)
        {
            return Err(DecisionError::invalid(name, v, "a fraction in [0, 1)"));
        }
    }
    if let Some((lo, hi)) = c.price_range
        && !(lo > 0.0 && lo <= hi && hi.is_finite())
    {
        return Err(DecisionError::invalid("price_range", format!("({lo}, {hi})"), "0 < low <= high"));
    }
    match &c.ladder {
        Some(PriceLadder::Points { values }) if values.is_empty() || values.iter().any(|v| !v.is_finite()) => {
            Err(DecisionError::invalid("ladder.values", format!("{values:?}"), "at least one finite value"))
        }
        Some(PriceLadder::Step { start, step }) if !(step.is_finite() && *step > 0.0 && start.is_finite()) => {
            Err(DecisionError::invalid("ladder.step", step, "a finite step > 0 from a finite start"))
        }
        _ => Ok(()),
    }
}

fn violations(
    lever: LeverKind,
    value: f64,
    outcome: &Outcome,
    unit_cost: f64,
    planned: f64,
    c: &PriceConstraints,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = c.min_margin {
        let net = if outcome.units > 0.0 { outcome.revenue / outcome.units } else { 0.0 };
        let margin = if net > 0.0 { (net - unit_cost) / net } else { f64::NEG_INFINITY };
        if margin < m - 1e-12 {
            out.push(format!("margin {margin:.3} below the minimum {m}"));
        }
    }
    match lever {
        LeverKind::Discount => {
            if let Some(max) = c.max_discount
                && value > max + 1e-12
            {
                out.push(format!("discount {value} above the maximum {max}"));
            }
        }
        LeverKind::Price => {
            if let Some(max) = c.max_discount
                && value < (1.0 - max) * planned - 1e-9
            {
                out.push(format!("price {value} more than {max} below the planned {planned}"));
            }
            if let Some((lo, hi)) = c.price_range
                && !(lo - 1e-12..=hi + 1e-12).contains(&value)
            {
                out.push(format!("price {value} outside [{lo}, {hi}]"));
            }
        }
    }
    out
}
