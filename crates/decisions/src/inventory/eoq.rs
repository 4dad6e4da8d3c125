//! Economic order quantity: plain, with planned backorders, and with finite production.
//!
//! Continuous deterministic demand at `demand_rate` per period, a `fixed_cost` per order and a
//! `holding_cost` per unit per period. Formulas, argument names, validation and the meaning of
//! `cost` (the average cost per period, ordering plus holding plus backorder) follow stockpyl's
//! `eoq` module, so the results agree with it to rounding.

use crate::error::{DecisionError, Result, non_negative, positive};
use serde::{Deserialize, Serialize};

/// An order quantity and its average cost per period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EoqSolution {
    /// The order quantity (given, or optimal).
    pub order_quantity: f64,
    /// Average cost per period at that quantity.
    pub cost: f64,
}

/// An order quantity with planned backorders, the fraction of each cycle spent in backorder,
/// and the average cost per period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EoqBackorderSolution {
    /// The order quantity.
    pub order_quantity: f64,
    /// Fraction of demand (and of each cycle) that is backordered, `x` in stockpyl.
    pub stockout_fraction: f64,
    /// Average cost per period.
    pub cost: f64,
}

fn check_quantity(order_quantity: Option<f64>) -> Result<()> {
    match order_quantity {
        Some(q) if !(q.is_finite() && q > 0.0) => {
            Err(DecisionError::invalid("order_quantity", q, "a finite number > 0"))
        }
        _ => Ok(()),
    }
}

/// The EOQ `Q* = sqrt(2 K lambda / h)` with cost `h Q*`, or the cost `K lambda / Q + h Q / 2` of
/// a given `order_quantity`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for `fixed_cost < 0`, `holding_cost <= 0`,
/// `demand_rate < 0` or `order_quantity <= 0`.
pub fn economic_order_quantity(
    fixed_cost: f64,
    holding_cost: f64,
    demand_rate: f64,
    order_quantity: Option<f64>,
) -> Result<EoqSolution> {
    non_negative("fixed_cost", fixed_cost)?;
    positive("holding_cost", holding_cost)?;
    non_negative("demand_rate", demand_rate)?;
    check_quantity(order_quantity)?;
    Ok(match order_quantity {
        None => {
            let q = (2.0 * fixed_cost * demand_rate / holding_cost).sqrt();
            EoqSolution { order_quantity: q, cost: q * holding_cost }
        }
        Some(q) => EoqSolution { order_quantity: q, cost: fixed_cost * demand_rate / q + holding_cost * q / 2.0 },
    })
}

/// The EOQ with planned backorders: `Q* = sqrt(2 K lambda (h + p) / (h p))`, stockout fraction
/// `x* = h / (h + p)`, cost `Q* h p / (h + p)`; or the cost
/// `h Q (1 - x)^2 / 2 + p Q x^2 / 2 + K lambda / Q` of a given `(order_quantity, stockout_fraction)`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for `fixed_cost < 0`, `holding_cost <= 0`,
/// `stockout_cost <= 0`, `demand_rate < 0`, `order_quantity <= 0`, `stockout_fraction`
/// outside [0, 1], or only one of `order_quantity` and `stockout_fraction` given.
pub fn economic_order_quantity_with_backorders(
    fixed_cost: f64,
    holding_cost: f64,
    stockout_cost: f64,
    demand_rate: f64,
    order_quantity: Option<f64>,
    stockout_fraction: Option<f64>,
) -> Result<EoqBackorderSolution> {
    non_negative("fixed_cost", fixed_cost)?;
    positive("holding_cost", holding_cost)?;
    positive("stockout_cost", stockout_cost)?;
    non_negative("demand_rate", demand_rate)?;
    check_quantity(order_quantity)?;
    if let Some(x) = stockout_fraction
        && !(0.0..=1.0).contains(&x)
    {
        return Err(DecisionError::invalid("stockout_fraction", x, "a fraction in [0, 1]"));
    }
    let (h, p) = (holding_cost, stockout_cost);
    match (order_quantity, stockout_fraction) {
        (None, None) => {
            let q = (2.0 * fixed_cost * demand_rate * (h + p) / (h * p)).sqrt();
            Ok(EoqBackorderSolution { order_quantity: q, stockout_fraction: h / (h + p), cost: q * (h * p) / (h + p) })
        }
        (Some(q), Some(x)) => Ok(EoqBackorderSolution {
            order_quantity: q,
            stockout_fraction: x,
            cost: h * q * (1.0 - x).powi(2) / 2.0 + p * q * x.powi(2) / 2.0 + fixed_cost * demand_rate / q,
        }),
        (Some(_), None) => Err(DecisionError::MissingParameter {
            name: "stockout_fraction".into(),
            context: "economic_order_quantity_with_backorders".into(),
            expected: "give both order_quantity and stockout_fraction, or neither".into(),
        }),
        (None, Some(_)) => Err(DecisionError::MissingParameter {
            name: "order_quantity".into(),
            context: "economic_order_quantity_with_backorders".into(),
            expected: "give both order_quantity and stockout_fraction, or neither".into(),
        }),
    }
}

/// The economic production quantity with production at `production_rate` (> demand_rate):
/// `Q* = sqrt(2 K lambda / (h (1 - rho)))`, `rho = lambda / mu`, cost `Q* h (1 - rho)`; or the
/// cost `K lambda / Q + h (1 - rho) Q / 2` of a given `order_quantity`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for `fixed_cost < 0`, `holding_cost <= 0`,
/// `demand_rate < 0`, `production_rate <= 0` or `<= demand_rate`, or `order_quantity <= 0`.
pub fn economic_production_quantity(
    fixed_cost: f64,
    holding_cost: f64,
    demand_rate: f64,
    production_rate: f64,
    order_quantity: Option<f64>,
) -> Result<EoqSolution> {
    non_negative("fixed_cost", fixed_cost)?;
    positive("holding_cost", holding_cost)?;
    non_negative("demand_rate", demand_rate)?;
    positive("production_rate", production_rate)?;
    check_quantity(order_quantity)?;
    if demand_rate >= production_rate {
        return Err(DecisionError::invalid(
            "production_rate",
            production_rate,
            format!("a rate > demand_rate ({demand_rate})"),
        ));
    }
    let rho = demand_rate / production_rate;
    Ok(match order_quantity {
        None => {
            let q = (2.0 * fixed_cost * demand_rate / (holding_cost * (1.0 - rho))).sqrt();
            EoqSolution { order_quantity: q, cost: q * holding_cost * (1.0 - rho) }
        }
        Some(q) => {
            EoqSolution { order_quantity: q, cost: fixed_cost * demand_rate / q + holding_cost * (1.0 - rho) * q / 2.0 }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eoq_cost_is_minimal_at_the_eoq() {
        let best = economic_order_quantity(8.0, 0.225, 1300.0, None).unwrap();
        for q in [0.8, 0.95, 1.05, 1.2].map(|f| f * best.order_quantity) {
            assert!(economic_order_quantity(8.0, 0.225, 1300.0, Some(q)).unwrap().cost > best.cost);
        }
        let at = economic_order_quantity(8.0, 0.225, 1300.0, Some(best.order_quantity)).unwrap();
        assert!((at.cost - best.cost).abs() < 1e-9);
    }

    #[test]
    fn backorder_cost_formula_agrees_at_the_optimum() {
        let best = economic_order_quantity_with_backorders(8.0, 0.225, 5.0, 1300.0, None, None).unwrap();
        let at = economic_order_quantity_with_backorders(
            8.0,
            0.225,
            5.0,
            1300.0,
            Some(best.order_quantity),
            Some(best.stockout_fraction),
        )
        .unwrap();
        assert!((at.cost - best.cost).abs() < 1e-9);
        let err = economic_order_quantity_with_backorders(8.0, 0.225, 5.0, 1300.0, Some(3.0), None).unwrap_err();
        assert_eq!(err.parameter(), Some("stockout_fraction"));
    }

    #[test]
    fn epq_rejects_demand_above_production() {
        let err = economic_production_quantity(8.0, 0.225, 1300.0, 1000.0, None).unwrap_err();
        assert_eq!(err.parameter(), Some("production_rate"));
    }
}
