//! Wagner-Whitin dynamic lot sizing over a finite horizon.
//!
//! Deterministic demand per period (a forecast's point path, say), a fixed cost per order and a
//! holding cost per unit per period, no shortages. Dynamic programming over the period of the
//! next order, exactly as stockpyl's `wagner_whitin`: the holding cost of units ordered in
//! period `t` and used in period `i` is `h_t (i - t)`, an order that covers only zero demand
//! costs nothing, and ties go to the earliest next order.

use crate::error::{DecisionError, Result};
use serde::{Deserialize, Serialize};

/// An optimal lot-sizing plan (periods indexed from 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotSizingPlan {
    /// Quantity to order at the start of each period.
    pub order_quantities: Vec<f64>,
    /// Total cost over the horizon.
    pub cost: f64,
    /// Optimal cost from each period to the end (`theta` in stockpyl), one more entry than
    /// periods (the last is 0).
    pub costs_to_go: Vec<f64>,
    /// For an order in period `t`, the period of the next order (`periods` = none).
    pub next_order_periods: Vec<usize>,
}

/// Cost parameters per period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotSizingCosts {
    /// Holding cost per unit per period, by period of order.
    pub holding_cost: Vec<f64>,
    /// Fixed cost of an order, by period.
    pub fixed_cost: Vec<f64>,
    /// Purchase cost per unit, by period.
    pub purchase_cost: Vec<f64>,
}

impl LotSizingCosts {
    /// The same costs in each of `periods` periods.
    pub fn constant(periods: usize, holding_cost: f64, fixed_cost: f64, purchase_cost: f64) -> Self {
        Self {
            holding_cost: vec![holding_cost; periods],
            fixed_cost: vec![fixed_cost; periods],
            purchase_cost: vec![purchase_cost; periods],
        }
    }
}

/// Solve the Wagner-Whitin problem for `demand` (one value per period).
///
/// # Errors
/// [`DecisionError::LengthMismatch`] when a cost list does not have one value per period;
/// [`DecisionError::InvalidParameter`] for a negative or non-finite demand or cost (naming its
/// period).
pub fn wagner_whitin(demand: &[f64], costs: &LotSizingCosts) -> Result<LotSizingPlan> {
    let n = demand.len();
    for (what, list) in [
        ("holding_cost", &costs.holding_cost),
        ("fixed_cost", &costs.fixed_cost),
        ("purchase_cost", &costs.purchase_cost),
    ] {
        if list.len() != n {
            return Err(DecisionError::LengthMismatch { what: what.into(), expected: n, got: list.len() });
        }
    }
    for (what, list) in [
        ("demand", demand),
        ("holding_cost", &costs.holding_cost[..]),
        ("fixed_cost", &costs.fixed_cost[..]),
        ("purchase_cost", &costs.purchase_cost[..]),
    ] {
        if let Some(i) = list.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(DecisionError::invalid(format!("{what}[{i}]"), list[i], "a finite number >= 0"));
        }
    }
    let mut theta = vec![0.0; n + 1];
    let mut next = vec![n; n];
    for t in (0..n).rev() {
        let mut best = f64::INFINITY;
        let mut best_s = n;
        for s in t + 1..=n {
            let covered: f64 = demand[t..s].iter().sum();
            let mut cost = if covered > 0.0 { costs.fixed_cost[t] } else { 0.0 };
            for (i, d) in demand.iter().enumerate().take(s).skip(t) {
                cost += costs.purchase_cost[t] * d + costs.holding_cost[t] * (i - t) as f64 * d;
            }
            cost += theta[s];
            if cost < best {
                best = cost;
                best_s = s;
            }
        }
        theta[t] = best;
        next[t] = best_s;
    }
    let mut order_quantities = vec![0.0; n];
    let mut t = 0;
    while t < n {
        order_quantities[t] = demand[t..next[t]].iter().sum();
        t = next[t];
    }
    Ok(LotSizingPlan {
        order_quantities,
        cost: theta.first().copied().unwrap_or(0.0),
        costs_to_go: theta,
        next_order_periods: next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(demand: &[f64], h: f64, k: f64) -> f64 {
        // Every subset of order periods that includes period 0 (when demand[0] > 0).
        let n = demand.len();
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << n) {
            if mask & 1 == 0 {
                continue;
            }
            let mut cost = 0.0;
            let mut last = 0;
            for (i, d) in demand.iter().enumerate() {
                if mask >> i & 1 == 1 {
                    last = i;
                    cost += k;
                }
                cost += h * (i - last) as f64 * d;
            }
            best = best.min(cost);
        }
        best
    }

    #[test]
    fn matches_brute_force_on_small_horizons() {
        let demand = [20.0, 50.0, 10.0, 50.0, 50.0, 10.0, 20.0, 40.0];
        let plan = wagner_whitin(&demand, &LotSizingCosts::constant(8, 1.0, 80.0, 0.0)).unwrap();
        assert!((plan.cost - brute_force(&demand, 1.0, 80.0)).abs() < 1e-9);
        assert!((plan.order_quantities.iter().sum::<f64>() - demand.iter().sum::<f64>()).abs() < 1e-9);
    }
}
