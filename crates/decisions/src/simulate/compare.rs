//! Side-by-side comparison of policies on common seeded demand paths.

use super::{OrderPolicy, SimulationConfig, SimulationReport, simulate};
use crate::demand::DemandDistribution;
use crate::error::{DecisionError, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// `n_paths` demand paths of `periods` independent draws from `per_period`, seeded.
///
/// Draws are by inversion (`quantile` of a uniform), so any [`DemandDistribution`] works and the
/// same seed always gives the same paths.
pub fn demand_paths(per_period: &DemandDistribution, periods: usize, n_paths: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n_paths)
        .map(|_| {
            (0..periods)
                .map(|_| {
                    let u: f64 = rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
                    per_period.quantile(u).max(0.0)
                })
                .collect()
        })
        .collect()
}

/// One policy's results averaged over paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The policy's name.
    pub policy: String,
    /// Mean total cost per path.
    pub total_cost: f64,
    /// Standard error of the mean total cost.
    pub total_cost_se: f64,
    /// Mean fill rate.
    pub fill_rate: f64,
    /// Mean cycle service level.
    pub cycle_service_level: f64,
    /// Mean stockout periods per path.
    pub stockout_periods: f64,
    /// Mean units on hand.
    pub average_on_hand: f64,
    /// Mean holding cost per path.
    pub holding_cost: f64,
    /// Mean ordering cost per path.
    pub ordering_cost: f64,
    /// Mean shortage cost per path.
    pub shortage_cost: f64,
}

/// Policies compared on the same paths, cheapest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Paths simulated.
    pub paths: usize,
    /// One row per policy, by increasing mean total cost.
    pub rows: Vec<ComparisonRow>,
}

/// Run every policy on every path (common random numbers, so differences are the policies')
/// and average.
///
/// # Errors
/// [`DecisionError::InsufficientData`] without paths; any error of [`simulate`].
pub fn compare_policies(
    policies: &[&dyn PolicyFactory],
    paths: &[Vec<f64>],
    config: &SimulationConfig,
) -> Result<Comparison> {
    if paths.is_empty() {
        return Err(DecisionError::InsufficientData {
            what: "policy comparison (demand paths)".into(),
            needed: 1,
            got: 0,
        });
    }
    let mut rows = Vec::with_capacity(policies.len());
    for factory in policies {
        let reports: Vec<SimulationReport> =
            paths.iter().map(|p| simulate(factory.fresh().as_mut(), p, config)).collect::<Result<_>>()?;
        let n = reports.len() as f64;
        let mean = |f: &dyn Fn(&SimulationReport) -> f64| reports.iter().map(f).sum::<f64>() / n;
        let total = mean(&|r| r.total_cost);
        let var = reports.iter().map(|r| (r.total_cost - total).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        rows.push(ComparisonRow {
            policy: reports[0].policy.clone(),
            total_cost: total,
            total_cost_se: (var / n).sqrt(),
            fill_rate: mean(&|r| r.fill_rate),
            cycle_service_level: mean(&|r| r.cycle_service_level),
            stockout_periods: mean(&|r| r.stockout_periods as f64),
            average_on_hand: mean(&|r| r.average_on_hand),
            holding_cost: mean(&|r| r.holding_cost),
            ordering_cost: mean(&|r| r.ordering_cost),
            shortage_cost: mean(&|r| r.shortage_cost),
        });
    }
    rows.sort_by(|a, b| a.total_cost.total_cmp(&b.total_cost));
    Ok(Comparison { paths: paths.len(), rows })
}

/// Makes a fresh policy for each path (policies may keep state between periods).
pub trait PolicyFactory {
    /// A new policy in its initial state.
    fn fresh(&self) -> Box<dyn OrderPolicy>;
}

impl PolicyFactory for super::Policy {
    fn fresh(&self) -> Box<dyn OrderPolicy> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Policy;
    use super::*;

    #[test]
    fn paths_are_reproducible_and_comparison_is_sorted() {
        let d = DemandDistribution::poisson(8.0).unwrap();
        let a = demand_paths(&d, 30, 5, 11);
        assert_eq!(a, demand_paths(&d, 30, 5, 11));
        assert_ne!(a, demand_paths(&d, 30, 5, 12));
        let cfg = SimulationConfig {
            holding_cost: 1.0,
            stockout_cost: 9.0,
            lead_time: crate::simulate::LeadTime::Fixed { periods: 2 },
            ..Default::default()
        };
        let low = Policy::BaseStock { base_stock_level: 2.0 };
        let good = Policy::BaseStock { base_stock_level: 30.0 };
        let c = compare_policies(&[&low, &good], &a, &cfg).unwrap();
        assert_eq!(c.rows[0].policy, good.name());
        assert!(c.rows[0].fill_rate > c.rows[1].fill_rate);
    }
}
