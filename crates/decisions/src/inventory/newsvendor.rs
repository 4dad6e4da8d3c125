//! The newsvendor and the base-stock level: one order against uncertain demand.
//!
//! The optimal level is the critical-ratio quantile of demand, `F^-1(p / (p + h))` in cost
//! form, or `F^-1((p + r - c) / (p + h + r - v))` with revenue `r`, purchase cost `c` and
//! salvage value `v`. It runs on any [`DemandDistribution`]: normal, Poisson, sample paths, or a
//! forecast's quantiles over the lead time ([`crate::lead_time`]). With demand over `L + 1`
//! periods it is the optimal base-stock level of a periodic-review system with lead time `L`.
//!
//! [`newsvendor_normal`] and [`newsvendor_poisson`] reproduce stockpyl's functions of the same
//! names (arguments, validation, and `lead_time` turning per-period demand into demand over
//! `lead_time + 1` periods).

use crate::demand::DemandDistribution;
use crate::error::{DecisionError, Result, non_negative, positive};
use crate::special::{normal_pdf, normal_quantile};
use serde::{Deserialize, Serialize};

/// A stock level and its expected cost (or profit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NewsvendorSolution {
    /// The stock level (given, or optimal): the base-stock or order-up-to level.
    pub base_stock_level: f64,
    /// Expected cost `h E[(S - D)+] + p E[(D - S)+]`, or expected profit for the explicit form.
    pub expected_cost: f64,
    /// The critical ratio used (the service level of the optimal level).
    pub critical_ratio: f64,
}

/// Cost rates of a newsvendor problem.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NewsvendorCosts {
    /// Cost per unit left over (overage), `h`.
    pub holding_cost: f64,
    /// Cost per unit short (underage), `p`.
    pub stockout_cost: f64,
}

impl NewsvendorCosts {
    /// Overage and underage costs.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] when either is not > 0.
    pub fn new(holding_cost: f64, stockout_cost: f64) -> Result<Self> {
        Ok(Self {
            holding_cost: positive("holding_cost", holding_cost)?,
            stockout_cost: positive("stockout_cost", stockout_cost)?,
        })
    }

    /// Costs from prices: selling at `price`, buying at `unit_cost`, salvaging leftovers at
    /// `salvage_value`, with an optional `goodwill_cost` per unit short and `holding_cost` per
    /// unit left over. Underage is `price - unit_cost + goodwill`, overage
    /// `unit_cost - salvage_value + holding`.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] unless `price > unit_cost > salvage_value` and the
    /// extra costs are >= 0.
    pub fn from_prices(
        price: f64,
        unit_cost: f64,
        salvage_value: f64,
        goodwill_cost: f64,
        holding_cost: f64,
    ) -> Result<Self> {
        non_negative("goodwill_cost", goodwill_cost)?;
        non_negative("holding_cost", holding_cost)?;
        if price.is_nan() || price <= unit_cost {
            return Err(DecisionError::invalid("revenue", price, format!("a price > purchase_cost ({unit_cost})")));
        }
        if salvage_value.is_nan() || unit_cost <= salvage_value {
            return Err(DecisionError::invalid(
                "salvage_value",
                salvage_value,
                format!("a value < purchase_cost ({unit_cost})"),
            ));
        }
        Self::new(unit_cost - salvage_value + holding_cost, price - unit_cost + goodwill_cost)
    }

    /// `p / (p + h)`.
    pub fn critical_ratio(&self) -> f64 {
        self.stockout_cost / (self.stockout_cost + self.holding_cost)
    }
}

/// Expected cost `h n_bar(S) + p n(S)` of stocking `level` against `demand`.
pub fn newsvendor_cost(demand: &DemandDistribution, level: f64, costs: NewsvendorCosts) -> f64 {
    let (n, n_bar) = demand.loss(level);
    costs.holding_cost * n_bar + costs.stockout_cost * n
}

/// The optimal newsvendor level (the critical-ratio quantile) and its expected cost.
pub fn newsvendor(demand: &DemandDistribution, costs: NewsvendorCosts) -> NewsvendorSolution {
    let critical_ratio = costs.critical_ratio();
    let level = demand.quantile(critical_ratio);
    NewsvendorSolution { base_stock_level: level, expected_cost: newsvendor_cost(demand, level, costs), critical_ratio }
}

/// Expected profit of stocking `level` when selling at `revenue`, buying at `purchase_cost`,
/// salvaging at `salvage_value`, paying `holding_cost` per leftover and `stockout_cost` per unit
/// short: `(r - c + p) S - p mu + (v - r - h - p) n_bar(S)` (stockpyl's `newsvendor_*_explicit`).
pub fn newsvendor_profit(
    demand: &DemandDistribution,
    level: f64,
    revenue: f64,
    purchase_cost: f64,
    salvage_value: f64,
    holding_cost: f64,
    stockout_cost: f64,
) -> f64 {
    let (_, n_bar) = demand.loss(level);
    (revenue - purchase_cost + stockout_cost) * level - stockout_cost * demand.mean()
        + (salvage_value - revenue - holding_cost - stockout_cost) * n_bar
}

/// The profit-maximising level with prices and salvage, and its expected profit (in
/// `expected_cost`'s place).
///
/// # Errors
/// [`DecisionError::InvalidParameter`] unless `revenue > purchase_cost > salvage_value` and the
/// holding and stockout costs are >= 0.
pub fn newsvendor_explicit(
    demand: &DemandDistribution,
    revenue: f64,
    purchase_cost: f64,
    salvage_value: f64,
    holding_cost: f64,
    stockout_cost: f64,
) -> Result<NewsvendorSolution> {
    let costs = NewsvendorCosts::from_prices(revenue, purchase_cost, salvage_value, stockout_cost, holding_cost)?;
    let critical_ratio = costs.critical_ratio();
    let level = demand.quantile(critical_ratio);
    let profit = newsvendor_profit(demand, level, revenue, purchase_cost, salvage_value, holding_cost, stockout_cost);
    Ok(NewsvendorSolution { base_stock_level: level, expected_cost: profit, critical_ratio })
}

/// stockpyl's `newsvendor_normal`: normal demand per period, protected over `lead_time + 1`
/// periods (`mean (L + 1)`, `sd sqrt(L + 1)`). Without `base_stock_level` it returns the
/// optimal level and its cost `(h + p) phi(z*) sd_L`; with one, that level's cost.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] when a cost, `demand_mean` or `demand_sd` is not > 0, or
/// `lead_time` is negative.
pub fn newsvendor_normal(
    holding_cost: f64,
    stockout_cost: f64,
    demand_mean: f64,
    demand_sd: f64,
    lead_time: f64,
    base_stock_level: Option<f64>,
) -> Result<NewsvendorSolution> {
    let costs = NewsvendorCosts::new(holding_cost, stockout_cost)?;
    positive("demand_mean", demand_mean)?;
    positive("demand_sd", demand_sd)?;
    non_negative("lead_time", lead_time)?;
    let demand = DemandDistribution::normal(demand_mean * (lead_time + 1.0), demand_sd * (lead_time + 1.0).sqrt())?;
    let critical_ratio = costs.critical_ratio();
    Ok(match base_stock_level {
        None => {
            let z = normal_quantile(critical_ratio);
            NewsvendorSolution {
                base_stock_level: demand.quantile(critical_ratio),
                expected_cost: (holding_cost + stockout_cost) * normal_pdf(z) * demand.sd(),
                critical_ratio,
            }
        }
        Some(level) => NewsvendorSolution {
            base_stock_level: crate::error::finite("base_stock_level", level)?,
            expected_cost: newsvendor_cost(&demand, level, costs),
            critical_ratio,
        },
    })
}

/// stockpyl's `newsvendor_poisson`: Poisson demand over `lead_time + 1` periods (stockpyl itself
/// takes no lead time, which is `lead_time = 0` here). The optimal level is the smallest integer
/// whose cumulative probability reaches `p / (p + h)`; a given `base_stock_level` must be an
/// integer.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] when a cost or `demand_mean` is not > 0, `lead_time` is
/// negative, or `base_stock_level` is not an integer.
pub fn newsvendor_poisson(
    holding_cost: f64,
    stockout_cost: f64,
    demand_mean: f64,
    lead_time: f64,
    base_stock_level: Option<f64>,
) -> Result<NewsvendorSolution> {
    let costs = NewsvendorCosts::new(holding_cost, stockout_cost)?;
    positive("demand_mean", demand_mean)?;
    non_negative("lead_time", lead_time)?;
    let demand = DemandDistribution::poisson(demand_mean * (lead_time + 1.0))?;
    let critical_ratio = costs.critical_ratio();
    let level = match base_stock_level {
        None => demand.quantile(critical_ratio),
        Some(s) if s.is_finite() && s.fract() == 0.0 => s,
        Some(s) => return Err(DecisionError::invalid("base_stock_level", s, "an integer (Poisson demand)")),
    };
    let (n, n_bar) = crate::loss::poisson_loss(level, demand.mean());
    Ok(NewsvendorSolution {
        base_stock_level: level,
        expected_cost: holding_cost * n_bar + stockout_cost * n,
        critical_ratio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_level_beats_its_neighbours_on_every_distribution() {
        let costs = NewsvendorCosts::new(0.18, 0.7).unwrap();
        let dists = [
            DemandDistribution::normal(50.0, 8.0).unwrap(),
            DemandDistribution::poisson(12.0).unwrap(),
            DemandDistribution::empirical(vec![3.0, 9.0, 4.0, 12.0, 7.0, 8.0, 15.0]).unwrap(),
            DemandDistribution::from_quantiles(&[0.1, 0.5, 0.9], &[20.0, 30.0, 48.0], Some(0.0)).unwrap(),
        ];
        for d in &dists {
            let best = newsvendor(d, costs);
            for delta in [-1.0, -0.3, 0.3, 1.0] {
                assert!(
                    newsvendor_cost(d, best.base_stock_level + delta, costs) >= best.expected_cost - 1e-12,
                    "{d:?}"
                );
            }
        }
    }

    #[test]
    fn explicit_profit_is_revenue_minus_costs_by_simulation() {
        let demand = DemandDistribution::empirical((0..100).map(|i| (i % 17) as f64 * 3.0).collect()).unwrap();
        let (r, c, v) = (10.0, 4.0, 1.0);
        let sol = newsvendor_explicit(&demand, r, c, v, 0.0, 0.0).unwrap();
        let s = sol.base_stock_level;
        let DemandDistribution::Empirical { samples } = &demand else { unreachable!() };
        let direct: f64 = samples.iter().map(|d| r * d.min(s) - c * s + v * (s - d).max(0.0)).sum::<f64>() / 100.0;
        assert!((sol.expected_cost - direct).abs() < 1e-9);
    }
}
