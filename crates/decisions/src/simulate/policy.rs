//! Replenishment policies the simulator can run: the classic ones, a fixed plan, or your own.

use serde::{Deserialize, Serialize};

/// A replenishment rule: how much to order in a period, given the inventory position.
///
/// The simulator calls [`OrderPolicy::order_quantity`] once per period, after that period's
/// demand is known, with the inventory position (on hand minus backorders plus on order) net of
/// that demand. Negative answers are treated as zero.
pub trait OrderPolicy: std::fmt::Debug {
    /// A short name for reports.
    fn name(&self) -> String;
    /// Units to order in `period` at `inventory_position`.
    fn order_quantity(&mut self, period: usize, inventory_position: f64) -> f64;
    /// Inventory on hand at the start when the configuration does not set it.
    fn initial_inventory(&self) -> f64 {
        0.0
    }
}

/// The built-in policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Policy {
    /// Order up to `base_stock_level` every period.
    BaseStock {
        /// Order-up-to level `S`.
        base_stock_level: f64,
    },
    /// (s, S): when the position is at or below `reorder_point`, order up to `order_up_to_level`.
    SS {
        /// `s`.
        reorder_point: f64,
        /// `S`.
        order_up_to_level: f64,
    },
    /// (r, Q): when the position is at or below `reorder_point`, order `order_quantity` (one lot,
    /// as stockpyl does; set `multiples` to order as many lots as bring it above `r`).
    RQ {
        /// `r`.
        reorder_point: f64,
        /// `Q`.
        order_quantity: f64,
        /// Order `n Q` with the smallest `n` that lifts the position above `r`.
        #[serde(default)]
        multiples: bool,
    },
    /// Periodic review (R, S): every `review_period` periods (from period `offset`), order up to
    /// `order_up_to_level`.
    PeriodicReview {
        /// `R`, in periods (>= 1).
        review_period: usize,
        /// First review period.
        #[serde(default)]
        offset: usize,
        /// `S`.
        order_up_to_level: f64,
    },
    /// A fixed plan, e.g. from Wagner-Whitin: order `order_quantities[t]` in period `t`.
    Schedule {
        /// Order per period (periods past the end order nothing).
        order_quantities: Vec<f64>,
    },
}

impl OrderPolicy for Policy {
    fn name(&self) -> String {
        match self {
            Self::BaseStock { base_stock_level } => format!("base-stock S={base_stock_level}"),
            Self::SS { reorder_point, order_up_to_level } => format!("(s, S)=({reorder_point}, {order_up_to_level})"),
            Self::RQ { reorder_point, order_quantity, .. } => format!("(r, Q)=({reorder_point}, {order_quantity})"),
            Self::PeriodicReview { review_period, order_up_to_level, .. } => {
                format!("(R, S)=({review_period}, {order_up_to_level})")
            }
            Self::Schedule { .. } => "schedule".into(),
        }
    }

    fn order_quantity(&mut self, period: usize, ip: f64) -> f64 {
        match self {
            Self::BaseStock { base_stock_level } => (*base_stock_level - ip).max(0.0),
            Self::SS { reorder_point, order_up_to_level } => {
                if ip <= *reorder_point {
                    *order_up_to_level - ip
                } else {
                    0.0
                }
            }
            Self::RQ { reorder_point, order_quantity, multiples } => {
                if ip > *reorder_point || *order_quantity <= 0.0 {
                    0.0
                } else if *multiples {
                    ((*reorder_point - ip) / *order_quantity).floor().max(0.0).mul_add(*order_quantity, *order_quantity)
                } else {
                    *order_quantity
                }
            }
            Self::PeriodicReview { review_period, offset, order_up_to_level } => {
                let r = (*review_period).max(1);
                if period >= *offset && (period - *offset).is_multiple_of(r) {
                    (*order_up_to_level - ip).max(0.0)
                } else {
                    0.0
                }
            }
            Self::Schedule { order_quantities } => order_quantities.get(period).copied().unwrap_or(0.0),
        }
    }

    /// stockpyl's rule: what the policy would order from an empty position.
    fn initial_inventory(&self) -> f64 {
        match self {
            Self::Schedule { .. } => 0.0,
            Self::PeriodicReview { order_up_to_level, .. } => order_up_to_level.max(0.0),
            other => other.clone().order_quantity(0, 0.0),
        }
    }
}
