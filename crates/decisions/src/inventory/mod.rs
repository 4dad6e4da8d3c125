//! Inventory policies: newsvendor and base stock, safety stock and reorder points, EOQ and its
//! variants, (s, S), (r, Q), and Wagner-Whitin lot sizing.
//!
//! Functions named after stockpyl's (`newsvendor_normal`, `economic_order_quantity`,
//! `r_q_eil_approximation`, ...) take its parameter names and reproduce its results; the
//! others run on any [`crate::DemandDistribution`].

pub mod eoq;
pub mod newsvendor;
pub mod rq;
pub mod safety_stock;
pub mod ss;
pub mod wagner_whitin;

pub use eoq::{
    EoqBackorderSolution, EoqSolution, economic_order_quantity, economic_order_quantity_with_backorders,
    economic_production_quantity,
};
pub use newsvendor::{
    NewsvendorCosts, NewsvendorSolution, newsvendor, newsvendor_cost, newsvendor_explicit, newsvendor_normal,
    newsvendor_poisson, newsvendor_profit,
};
pub use rq::{
    RqInputs, RqMethod, RqPolicy, r_q_approximation, r_q_cost, r_q_cost_on, r_q_optimal_r_for_q, r_q_optimize,
};
pub use safety_stock::{ReorderPoint, ServiceTarget, describe, protection_demand_normal, reorder_point};
pub use ss::{SsPolicy, s_s_power_approximation};
pub use wagner_whitin::{LotSizingCosts, LotSizingPlan, wagner_whitin};
