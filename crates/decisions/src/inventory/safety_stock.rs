//! Safety stock and reorder points for a cycle service level or a fill rate.
//!
//! The protection interval is the lead time plus the review period (`L + R`): an order placed
//! now arrives after `L` periods and the next chance to order comes `R` periods later, so stock
//! on hand and on order must cover demand over `L + R` periods. Pass the demand over that
//! interval: a normal built from per-period moments ([`protection_demand_normal`]), or the
//! forecast's own distribution over those steps ([`crate::lead_time`]).
//!
//! - Cycle service level `alpha` (probability of no stockout in a cycle): the level is the
//!   `alpha` quantile of protection-interval demand.
//! - Fill rate `beta` (share of demand served from stock): the level `x` solves
//!   `n(x) = (1 - beta) Q`, with `n` the loss function and `Q` the expected demand per cycle
//!   (the order quantity under continuous review, the mean demand of one review period under
//!   periodic review). This is the standard approximation that ignores shortages carried over
//!   from the previous cycle.

use crate::demand::DemandDistribution;
use crate::error::{DecisionError, Result, non_negative, open_unit, positive};
use serde::{Deserialize, Serialize};

/// What the safety stock must achieve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum ServiceTarget {
    /// Probability of no stockout in a replenishment cycle (type 1 service), in (0, 1).
    CycleServiceLevel(f64),
    /// Share of demand met from stock (type 2 service), in (0, 1).
    FillRate(f64),
}

/// A reorder point (or order-up-to level) with its safety stock and achieved service.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReorderPoint {
    /// The reorder point (continuous review) or order-up-to level (periodic review).
    pub reorder_point: f64,
    /// `reorder_point` minus mean demand over the protection interval.
    pub safety_stock: f64,
    /// Mean demand over the protection interval.
    pub mean_demand: f64,
    /// Probability of no stockout in a cycle at this level.
    pub cycle_service_level: f64,
    /// Expected units short per cycle, `n(reorder_point)`.
    pub expected_shortage: f64,
    /// Fill rate at this level, `1 - n / Q` (given the cycle demand `Q`).
    pub fill_rate: f64,
}

/// Normal demand over a protection interval of `lead_time + review_period` periods, from
/// per-period moments, with optional lead-time variability: variance
/// `(L + R) sd^2 + mean^2 sd_L^2`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a negative or non-finite input or an interval of 0.
pub fn protection_demand_normal(
    demand_mean: f64,
    demand_sd: f64,
    lead_time: f64,
    review_period: f64,
    lead_time_sd: f64,
) -> Result<DemandDistribution> {
    non_negative("demand_mean", demand_mean)?;
    non_negative("demand_sd", demand_sd)?;
    non_negative("lead_time", lead_time)?;
    non_negative("review_period", review_period)?;
    non_negative("lead_time_sd", lead_time_sd)?;
    let periods = lead_time + review_period;
    positive("lead_time + review_period", periods)?;
    let var = periods * demand_sd * demand_sd + demand_mean * demand_mean * lead_time_sd * lead_time_sd;
    DemandDistribution::normal(demand_mean * periods, var.sqrt())
}

/// The reorder point for `target` against protection-interval `demand`, where `cycle_demand`
/// is the expected demand per replenishment cycle (order quantity, or one review period's mean
/// demand); it is needed for a fill-rate target and used to report the fill rate.
///
/// For Poisson demand the level is the smallest integer meeting the target.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a target outside (0, 1) or `cycle_demand <= 0`.
pub fn reorder_point(demand: &DemandDistribution, target: ServiceTarget, cycle_demand: f64) -> Result<ReorderPoint> {
    positive("cycle_demand", cycle_demand)?;
    let level = match target {
        ServiceTarget::CycleServiceLevel(alpha) => demand.quantile(open_unit("cycle_service_level", alpha)?),
        ServiceTarget::FillRate(beta) => {
            let allowed = (1.0 - open_unit("fill_rate", beta)?) * cycle_demand;
            level_for_shortage(demand, allowed)?
        }
    };
    Ok(describe(demand, level, cycle_demand))
}

/// Service measures of stocking `level` against protection-interval `demand`.
pub fn describe(demand: &DemandDistribution, level: f64, cycle_demand: f64) -> ReorderPoint {
    let mean_demand = demand.mean();
    let expected_shortage = demand.loss(level).0;
    ReorderPoint {
        reorder_point: level,
        safety_stock: level - mean_demand,
        mean_demand,
        cycle_service_level: demand.cdf(level),
        expected_shortage,
        fill_rate: (1.0 - expected_shortage / cycle_demand).clamp(0.0, 1.0),
    }
}

/// The smallest level `x` with `n(x) <= allowed` (the loss function is non-increasing).
fn level_for_shortage(demand: &DemandDistribution, allowed: f64) -> Result<f64> {
    let (lo_bound, hi_bound) = demand.search_bounds();
    let mean = demand.mean();
    if allowed >= demand.loss(lo_bound.min(0.0)).0 {
        return Ok(lo_bound.min(0.0));
    }
    let (mut lo, mut hi) = (lo_bound.min(0.0), hi_bound.max(mean));
    let mut widen = demand.sd().max(1.0);
    while demand.loss(hi).0 > allowed {
        hi += widen;
        widen *= 2.0;
        if !hi.is_finite() {
            return Err(DecisionError::NoSolution {
                what: "fill-rate level".into(),
                reason: "the loss never falls to the target".into(),
            });
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if demand.loss(mid).0 > allowed { lo = mid } else { hi = mid }
    }
    Ok(if let DemandDistribution::Poisson { .. } = demand {
        let mut k = hi.ceil();
        while k > 0.0 && demand.loss(k - 1.0).0 <= allowed {
            k -= 1.0;
        }
        k
    } else {
        hi
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::normal_quantile;

    #[test]
    fn cycle_service_level_is_textbook_on_normal_demand() {
        let d = protection_demand_normal(100.0, 20.0, 3.0, 1.0, 0.0).unwrap();
        let rp = reorder_point(&d, ServiceTarget::CycleServiceLevel(0.95), 100.0).unwrap();
        assert!((rp.safety_stock - normal_quantile(0.95) * 20.0 * 2.0).abs() < 1e-9);
        assert!((rp.cycle_service_level - 0.95).abs() < 1e-12);
    }

    #[test]
    fn fill_rate_target_is_met_with_equality() {
        let dists = [
            protection_demand_normal(100.0, 20.0, 2.0, 0.0, 0.0).unwrap(),
            DemandDistribution::from_quantiles(&[0.1, 0.5, 0.9], &[150.0, 200.0, 270.0], Some(0.0)).unwrap(),
        ];
        for d in &dists {
            let rp = reorder_point(d, ServiceTarget::FillRate(0.98), 400.0).unwrap();
            assert!((rp.fill_rate - 0.98).abs() < 1e-9, "{rp:?}");
        }
        let p = DemandDistribution::poisson(30.0).unwrap();
        let rp = reorder_point(&p, ServiceTarget::FillRate(0.99), 30.0).unwrap();
        assert!(rp.fill_rate >= 0.99 && rp.reorder_point.fract() == 0.0);
        assert!(describe(&p, rp.reorder_point - 1.0, 30.0).fill_rate < 0.99);
    }

    #[test]
    fn lead_time_variability_adds_variance() {
        let a = protection_demand_normal(10.0, 3.0, 4.0, 0.0, 0.0).unwrap();
        let b = protection_demand_normal(10.0, 3.0, 4.0, 0.0, 1.0).unwrap();
        assert!((b.variance() - a.variance() - 100.0).abs() < 1e-9);
    }
}
