//! (s, S) policies by the power approximation of Ehrhardt and Mosier.
//!
//! With `lead_time = 0` this is stockpyl's `s_s_power_approximation` term for term (stockpyl has
//! no lead time and omits the `Q / sigma <= 1.5` correction, and so do we, so the numbers agree).
//! A positive `lead_time` protects `lead_time + 1` periods of demand, as in the published
//! approximation: `mu_L = (L + 1) mu`, `sigma_L = sqrt(L + 1) sigma`.

use crate::error::{Result, non_negative, positive};
use serde::{Deserialize, Serialize};

/// A reorder point `s` and order-up-to level `S`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SsPolicy {
    /// Order when the inventory position falls to or below this level (`s`).
    pub reorder_point: f64,
    /// Order up to this level (`S`).
    pub order_up_to_level: f64,
}

/// The power approximation for a periodic-review (s, S) policy with normal demand per period.
///
/// `Q = 1.30 mu^0.494 (K / h)^0.506 (1 + (sigma_L / mu)^2)^0.116`,
/// `z = sqrt(Q / sigma_L * h / p)`, `s = 0.973 mu_L + sigma_L (0.183 / z + 1.063 - 2.192 z)`,
/// `S = s + Q`.
///
/// # Errors
/// [`crate::DecisionError::InvalidParameter`] when a cost, `demand_mean` or `demand_sd` is not
/// > 0, or `lead_time` is negative.
pub fn s_s_power_approximation(
    holding_cost: f64,
    stockout_cost: f64,
    fixed_cost: f64,
    demand_mean: f64,
    demand_sd: f64,
    lead_time: f64,
) -> Result<SsPolicy> {
    positive("holding_cost", holding_cost)?;
    positive("stockout_cost", stockout_cost)?;
    positive("fixed_cost", fixed_cost)?;
    positive("demand_mean", demand_mean)?;
    positive("demand_sd", demand_sd)?;
    non_negative("lead_time", lead_time)?;
    let periods = lead_time + 1.0;
    let (mu_l, sigma_l) = (demand_mean * periods, demand_sd * periods.sqrt());
    let q = 1.30
        * demand_mean.powf(0.494)
        * (fixed_cost / holding_cost).powf(0.506)
        * (1.0 + (sigma_l / demand_mean).powi(2)).powf(0.116);
    let z = ((q / sigma_l) * (holding_cost / stockout_cost)).sqrt();
    let s = 0.973 * mu_l + sigma_l * ((0.183 / z) + 1.063 - 2.192 * z);
    Ok(SsPolicy { reorder_point: s, order_up_to_level: s + q })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_up_to_exceeds_reorder_point() {
        let p = s_s_power_approximation(1.0, 4.0, 36.0, 18.0, 4.0, 0.0).unwrap();
        assert!(p.order_up_to_level > p.reorder_point);
        let longer = s_s_power_approximation(1.0, 4.0, 36.0, 18.0, 4.0, 2.0).unwrap();
        assert!(longer.reorder_point > p.reorder_point);
    }
}
