//! Policy simulation: run any replenishment policy on a demand path and count what it costs.
//!
//! Each period `t`, in stockpyl's order of events:
//! 1. demand `d_t` becomes known and the policy orders on the inventory position net of it;
//!    the order arrives `lead_time` periods later (0 = before this period's demand is served);
//! 2. orders due in period `t` arrive;
//! 3. on-hand stock serves backorders first, then `d_t`; what is left unserved is backordered
//!    or, with [`ShortageMode::LostSales`], lost;
//! 4. costs are charged on the end-of-period state: holding on units on hand, backorder cost on
//!    units backordered (per unit per period) or lost-sales cost per unit lost, ordering cost
//!    per order and per unit.
//!
//! With backorders, a fixed lead time, no ordering costs and the initial inventory stockpyl uses
//! (the policy's order from an empty position), the results equal stockpyl's simulator
//! (`single_stage_system` with a deterministic demand list); see the golden test. Lost sales and
//! random lead times go beyond stockpyl (its simulator has no lost sales, stockpyl#98).

mod compare;
mod policy;

pub use compare::{Comparison, ComparisonRow, PolicyFactory, compare_policies, demand_paths};
pub use policy::{OrderPolicy, Policy};

use crate::error::{DecisionError, Result, non_negative};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What happens to demand that stock cannot serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ShortageMode {
    /// Unserved demand waits and is served first when stock arrives.
    #[default]
    Backorder,
    /// Unserved demand is lost.
    LostSales,
}

/// Lead time of an order, in periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LeadTime {
    /// Every order takes this many periods.
    Fixed {
        /// Periods from order to arrival.
        periods: usize,
    },
    /// Each order's lead time is drawn from `choices` with `weights` (orders may cross).
    Random {
        /// Possible lead times in periods.
        choices: Vec<usize>,
        /// Relative weights, one per choice (>= 0, not all 0).
        weights: Vec<f64>,
        /// Seed of the draws.
        seed: u64,
    },
}

/// Costs, lead time and shortage rule of a simulation.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `holding_cost` | 0 | per unit on hand per period | >= 0 |
/// | `stockout_cost` | 0 | per unit backordered per period, or per unit lost | >= 0 |
/// | `fixed_cost` | 0 | per order placed | >= 0 |
/// | `unit_cost` | 0 | per unit ordered | >= 0 |
/// | `lead_time` | fixed 0 | order-to-arrival periods | see [`LeadTime`] |
/// | `shortage` | backorder | unserved demand waits or is lost | [`ShortageMode`] |
/// | `initial_inventory` | the policy's | on hand at the start | >= 0 |
/// | `keep_trace` | false | keep every period's state in the report | |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationConfig {
    /// Holding cost per unit on hand per period.
    pub holding_cost: f64,
    /// Backorder cost per unit per period, or lost-sales cost per unit.
    pub stockout_cost: f64,
    /// Cost per order placed.
    pub fixed_cost: f64,
    /// Cost per unit ordered.
    pub unit_cost: f64,
    /// Lead time of orders.
    pub lead_time: LeadTime,
    /// Backorders or lost sales.
    pub shortage: ShortageMode,
    /// Units on hand at the start; `None` takes [`OrderPolicy::initial_inventory`].
    pub initial_inventory: Option<f64>,
    /// Keep the per-period trace.
    pub keep_trace: bool,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        Self {
            holding_cost: 0.0,
            stockout_cost: 0.0,
            fixed_cost: 0.0,
            unit_cost: 0.0,
            lead_time: LeadTime::Fixed { periods: 0 },
            shortage: ShortageMode::Backorder,
            initial_inventory: None,
            keep_trace: false,
        }
    }
}

/// One period's state at its end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PeriodState {
    /// Demand.
    pub demand: f64,
    /// Units ordered.
    pub order_quantity: f64,
    /// Units received.
    pub received: f64,
    /// Demand of this period served from stock in this period.
    pub met_from_stock: f64,
    /// Units lost (lost-sales mode).
    pub lost: f64,
    /// Inventory level at the end (on hand minus backorders).
    pub inventory_level: f64,
    /// Inventory position at the end (level plus on order).
    pub inventory_position: f64,
}

/// What a policy achieved on a demand path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// The policy's name.
    pub policy: String,
    /// Periods simulated.
    pub periods: usize,
    /// Total demand.
    pub total_demand: f64,
    /// Share of demand served from stock in the period it occurred (stockpyl's fill rate).
    pub fill_rate: f64,
    /// Share of replenishment cycles (from one arrival to the next) without a stockout.
    pub cycle_service_level: f64,
    /// Periods in which some demand could not be served from stock.
    pub stockout_periods: usize,
    /// Units lost (lost sales) or still backordered at the end (backorders).
    pub units_short: f64,
    /// Mean units on hand at period ends.
    pub average_on_hand: f64,
    /// Mean inventory level (on hand minus backorders) at period ends.
    pub average_inventory_level: f64,
    /// Orders placed.
    pub orders: usize,
    /// Holding cost.
    pub holding_cost: f64,
    /// Fixed plus per-unit ordering cost.
    pub ordering_cost: f64,
    /// Backorder or lost-sales cost.
    pub shortage_cost: f64,
    /// Sum of the three costs.
    pub total_cost: f64,
    /// Per-period states, when `keep_trace` is set.
    pub trace: Option<Vec<PeriodState>>,
}

/// Run `policy` on `demand`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a negative or non-finite demand (naming its period),
/// cost or initial inventory, or bad random lead-time weights.
pub fn simulate(policy: &mut dyn OrderPolicy, demand: &[f64], config: &SimulationConfig) -> Result<SimulationReport> {
    if let Some(t) = demand.iter().position(|d| !(d.is_finite() && *d >= 0.0)) {
        return Err(DecisionError::invalid(format!("demand[{t}]"), demand[t], "a finite number >= 0"));
    }
    for (name, v) in [
        ("holding_cost", config.holding_cost),
        ("stockout_cost", config.stockout_cost),
        ("fixed_cost", config.fixed_cost),
        ("unit_cost", config.unit_cost),
    ] {
        non_negative(name, v)?;
    }
    let mut lead = LeadTimeDraw::new(&config.lead_time)?;
    let initial =
        non_negative("initial_inventory", config.initial_inventory.unwrap_or_else(|| policy.initial_inventory()))?;
    let lost_sales = config.shortage == ShortageMode::LostSales;
    let mut level = initial;
    let mut pipeline: Vec<f64> = vec![0.0; demand.len() + lead.max() + 1];
    let mut on_order = 0.0;
    let (mut met_total, mut short_periods, mut orders) = (0.0, 0usize, 0usize);
    let (mut holding, mut ordering, mut shortage) = (0.0, 0.0, 0.0);
    let (mut on_hand_sum, mut level_sum, mut lost_total) = (0.0, 0.0, 0.0);
    let (mut cycles, mut cycles_short, mut cycle_had_short) = (1usize, 0usize, false);
    let mut trace = config.keep_trace.then(|| Vec::with_capacity(demand.len()));
    for (t, &d) in demand.iter().enumerate() {
        let due = pipeline[t];
        let position_after =
            if lost_sales { (level + due - d).max(0.0) + on_order - due } else { level + on_order - d };
        let q = policy.order_quantity(t, position_after);
        let q = if q.is_finite() { q.max(0.0) } else { 0.0 };
        let mut received = due;
        if q > 0.0 {
            orders += 1;
            ordering += config.fixed_cost + config.unit_cost * q;
            let l = lead.draw();
            if l == 0 {
                received += q
            } else {
                pipeline[t + l] += q
            }
            on_order += q;
        }
        on_order -= received;
        if received > 0.0 && t > 0 {
            if cycle_had_short {
                cycles_short += 1;
            }
            cycles += 1;
            cycle_had_short = false;
        }
        let (met, lost) = if lost_sales {
            let available = level + received;
            let met = available.min(d);
            level = available - met;
            (met, d - met)
        } else {
            let on_hand = level.max(0.0) + received;
            let backorders = (-level).max(0.0);
            let shipped = on_hand.min(backorders + d);
            level += received - d;
            ((shipped - backorders).max(0.0), 0.0)
        };
        met_total += met;
        lost_total += lost;
        if met < d {
            short_periods += 1;
            cycle_had_short = true;
        }
        let on_hand = level.max(0.0);
        holding += config.holding_cost * on_hand;
        shortage += config.stockout_cost * if lost_sales { lost } else { (-level).max(0.0) };
        on_hand_sum += on_hand;
        level_sum += level;
        if let Some(tr) = trace.as_mut() {
            tr.push(PeriodState {
                demand: d,
                order_quantity: q,
                received,
                met_from_stock: met,
                lost,
                inventory_level: level,
                inventory_position: level + on_order,
            });
        }
    }
    if cycle_had_short {
        cycles_short += 1;
    }
    let total_demand: f64 = demand.iter().sum();
    let n = demand.len().max(1) as f64;
    Ok(SimulationReport {
        policy: policy.name(),
        periods: demand.len(),
        total_demand,
        fill_rate: if total_demand > 0.0 { met_total / total_demand } else { 1.0 },
        cycle_service_level: 1.0 - cycles_short as f64 / cycles as f64,
        stockout_periods: short_periods,
        units_short: if lost_sales { lost_total } else { (-level).max(0.0) },
        average_on_hand: on_hand_sum / n,
        average_inventory_level: level_sum / n,
        orders,
        holding_cost: holding,
        ordering_cost: ordering,
        shortage_cost: shortage,
        total_cost: holding + ordering + shortage,
        trace,
    })
}

/// Draws lead times from a [`LeadTime`].
struct LeadTimeDraw {
    choices: Vec<usize>,
    cumulative: Vec<f64>,
    rng: Option<ChaCha8Rng>,
}

impl LeadTimeDraw {
    fn new(spec: &LeadTime) -> Result<Self> {
        match spec {
            LeadTime::Fixed { periods } => Ok(Self { choices: vec![*periods], cumulative: vec![1.0], rng: None }),
            LeadTime::Random { choices, weights, seed } => {
                if choices.len() != weights.len() {
                    return Err(DecisionError::LengthMismatch {
                        what: "lead-time weights".into(),
                        expected: choices.len(),
                        got: weights.len(),
                    });
                }
                let mut acc = 0.0;
                let mut cumulative = Vec::with_capacity(weights.len());
                for (i, w) in weights.iter().enumerate() {
                    non_negative(&format!("weights[{i}]"), *w)?;
                    acc += w;
                    cumulative.push(acc);
                }
                if acc <= 0.0 {
                    return Err(DecisionError::invalid("weights", acc, "weights summing to more than 0"));
                }
                Ok(Self { choices: choices.clone(), cumulative, rng: Some(ChaCha8Rng::seed_from_u64(*seed)) })
            }
        }
    }

    fn max(&self) -> usize {
        self.choices.iter().copied().max().unwrap_or(0)
    }

    fn draw(&mut self) -> usize {
        let Some(rng) = self.rng.as_mut() else { return self.choices[0] };
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let u: f64 = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|c| *c <= u).min(self.choices.len() - 1);
        self.choices[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_sales_never_backorder_and_count_lost_units() {
        let demand = [5.0, 9.0, 2.0, 8.0, 7.0, 0.0, 6.0];
        let cfg = SimulationConfig {
            holding_cost: 1.0,
            stockout_cost: 10.0,
            lead_time: LeadTime::Fixed { periods: 2 },
            shortage: ShortageMode::LostSales,
            keep_trace: true,
            ..Default::default()
        };
        let r = simulate(&mut Policy::BaseStock { base_stock_level: 12.0 }, &demand, &cfg).unwrap();
        let tr = r.trace.as_ref().unwrap();
        assert!(tr.iter().all(|s| s.inventory_level >= 0.0));
        let served: f64 = tr.iter().map(|s| s.met_from_stock).sum();
        assert!((served + r.units_short - r.total_demand).abs() < 1e-12);
        assert!((r.shortage_cost - 10.0 * r.units_short).abs() < 1e-12);
        assert!((r.fill_rate - served / r.total_demand).abs() < 1e-12);
    }

    #[test]
    fn stock_is_conserved_with_backorders() {
        let demand = [4.0, 12.0, 0.0, 3.0, 9.0, 15.0, 1.0, 7.0];
        let cfg = SimulationConfig {
            lead_time: LeadTime::Random { choices: vec![1, 3], weights: vec![1.0, 1.0], seed: 3 },
            keep_trace: true,
            ..Default::default()
        };
        let r = simulate(&mut Policy::SS { reorder_point: 6.0, order_up_to_level: 20.0 }, &demand, &cfg).unwrap();
        let tr = r.trace.unwrap();
        let received: f64 = tr.iter().map(|s| s.received).sum();
        let last = tr.last().unwrap();
        assert!((20.0 + received - r.total_demand - last.inventory_level).abs() < 1e-9);
    }

    #[test]
    fn bad_demand_names_its_period() {
        let e = simulate(&mut Policy::BaseStock { base_stock_level: 1.0 }, &[1.0, -2.0], &SimulationConfig::default())
            .unwrap_err();
        assert_eq!(e.parameter(), Some("demand[1]"));
    }
}
