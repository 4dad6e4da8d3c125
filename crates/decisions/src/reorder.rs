//! Reorder plans from a fitted pipeline's forecasts: per series, the reorder point, the
//! order-up-to level and the quantity to order now, from the forecast's own demand
//! distribution over the protection interval.
//!
//! The protection interval is the lead time `L` plus the review period `R` (`R = 0`:
//! continuous review): an order placed now arrives after `L` periods and the next chance to
//! order comes `R` periods later, so the position must cover forecast steps `0 .. L + R`. Their
//! demand comes from the forecast's quantile band (quantile models or conformal intervals)
//! summed under a chosen dependence across steps ([`crate::lead_time`]); without a band, a
//! Poisson count on the point forecasts only when asked for.
//!
//! - Reorder point `s`: the service target's level of protection-interval demand (a cycle
//!   service level's quantile, or the fill rate's loss-function level).
//! - Lot size: none (order up to `s`: base stock, `(R, S)`), a fixed `Q`, or the EOQ on the
//!   forecast's mean demand rate.
//! - Order now, when the inventory position is at or below `s`: without a lot size, up to `s`;
//!   with one, whole lots, the fewest that lift the position above `s` (`(r, nQ)`); rounded up to
//!   the pack size.

use crate::demand::DemandDistribution;
use crate::error::{DecisionError, Result, finite, positive};
use crate::inventory::{ReorderPoint, ServiceTarget, describe, economic_order_quantity, reorder_point};
use crate::lead_time::{ProtectionInterval, StepDependence, lead_time_demand, lead_time_demand_poisson};
use crate::recommend::{Recommendation, reorder_recommendation};
use forecast_core::SeriesKey;
use forecast_core::forecast::{Forecasts, SeriesForecast};
use serde::{Deserialize, Serialize};

/// How much to order per replenishment on top of the reorder point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LotSize {
    /// Order up to the reorder point (base stock; `(R, S)` with `S = s`).
    UpToReorderPoint,
    /// Whole lots of this many units.
    Fixed {
        /// Units per lot, > 0.
        quantity: f64,
    },
    /// The EOQ `sqrt(2 K lambda / h)` with `lambda` the forecast's mean demand per period.
    Eoq {
        /// Cost per order `K`, > 0.
        fixed_cost: f64,
        /// Holding cost per unit per period `h`, > 0.
        holding_cost: f64,
    },
}

/// Settings of a reorder plan.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `lead_time` | 2 | periods from order to arrival `L` | >= 0 |
/// | `review_period` | 1 | periods between reviews `R` (0 = continuous) | >= 0, `L + R >= 1` |
/// | `service` | cycle service level 0.95 | what the reorder point must achieve | [`ServiceTarget`] |
/// | `dependence` | comonotone | how forecast errors of different steps move together | [`StepDependence`] |
/// | `lot_size` | up to the reorder point | what an order adds | [`LotSize`] |
/// | `pack_size` | none | orders are rounded up to multiples of it | > 0 |
/// | `poisson_without_band` | false | use a Poisson count on point forecasts when there is no quantile band (otherwise an error) | |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReorderSettings {
    /// Lead time in periods.
    pub lead_time: usize,
    /// Review period in periods.
    pub review_period: usize,
    /// Service target.
    pub service: ServiceTarget,
    /// Dependence of forecast errors across steps.
    pub dependence: StepDependence,
    /// Lot size.
    pub lot_size: LotSize,
    /// Pack size.
    pub pack_size: Option<f64>,
    /// Poisson fallback for forecasts without quantiles.
    pub poisson_without_band: bool,
}

impl Default for ReorderSettings {
    fn default() -> Self {
        Self {
            lead_time: 2,
            review_period: 1,
            service: ServiceTarget::CycleServiceLevel(0.95),
            dependence: StepDependence::Comonotone,
            lot_size: LotSize::UpToReorderPoint,
            pack_size: None,
            poisson_without_band: false,
        }
    }
}

/// Where the protection-interval demand came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandSource {
    /// The forecast's quantile band.
    QuantileBand,
    /// A Poisson count on the point forecasts.
    PoissonOnPoint,
}

/// The reorder plan of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReorderPlan {
    /// Series index in the panel.
    pub series: usize,
    /// Its key.
    pub key: SeriesKey,
    /// Forecast steps covered (`L + R`).
    pub protection_periods: usize,
    /// Where the demand distribution came from.
    pub source: DemandSource,
    /// Mean demand over the protection interval.
    pub demand_mean: f64,
    /// Its 10% quantile.
    pub demand_p10: f64,
    /// Its median.
    pub demand_p50: f64,
    /// Its 90% quantile.
    pub demand_p90: f64,
    /// The reorder point `s`.
    pub reorder_point: f64,
    /// `s` minus mean protection-interval demand.
    pub safety_stock: f64,
    /// Largest position right after an order: `s` without a lot size, `s + Q` with one.
    pub order_up_to: f64,
    /// The lot size `Q` (0 without one).
    pub lot_size: f64,
    /// Inventory position now (on hand + on order - backorders).
    pub inventory_position: f64,
    /// Units to order now (0 when the position is above the reorder point).
    pub order_quantity: f64,
    /// Probability of no stockout before the next order can arrive, at the position after
    /// ordering.
    pub cycle_service_level: f64,
    /// Expected units short over the protection interval, at the position after ordering.
    pub expected_shortage: f64,
    /// Fill rate at the position after ordering (`1 - shortage / cycle demand`).
    pub fill_rate: f64,
}

/// Reorder plans for every series of `forecasts`, with `positions[i]` the inventory position
/// of `forecasts.series[i]`.
///
/// # Errors
/// [`DecisionError::LengthMismatch`] when `positions` does not match the forecasts; as
/// [`plan_series`] (naming the series).
pub fn reorder_plans(forecasts: &Forecasts, positions: &[f64], settings: &ReorderSettings) -> Result<Vec<ReorderPlan>> {
    if positions.len() != forecasts.series.len() {
        return Err(DecisionError::LengthMismatch {
            what: "inventory positions (one per forecast series)".into(),
            expected: forecasts.series.len(),
            got: positions.len(),
        });
    }
    forecasts
        .series
        .iter()
        .zip(positions)
        .map(|(sf, &ip)| plan_series(sf, ip, settings).map(|(plan, _)| plan))
        .collect()
}

/// The reorder plan of one series, with the protection-interval demand it was computed on.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for `L + R = 0`, a protection interval beyond the
/// forecast's horizon, a non-finite position, bad lot or pack sizes, or a target outside
/// (0, 1); [`DecisionError::InsufficientData`] for a forecast without a quantile band when
/// `poisson_without_band` is off.
pub fn plan_series(
    forecast: &SeriesForecast,
    inventory_position: f64,
    settings: &ReorderSettings,
) -> Result<(ReorderPlan, DemandDistribution)> {
    finite(&format!("inventory position of series {}", forecast.key), inventory_position)?;
    let steps = settings.lead_time + settings.review_period;
    if steps == 0 {
        return Err(DecisionError::invalid("lead_time + review_period", 0, "at least one period to protect"));
    }
    if let Some(p) = settings.pack_size {
        positive("pack_size", p)?;
    }
    let interval = ProtectionInterval::new(settings.lead_time, settings.review_period);
    let (demand, source) = if forecast.quantiles.len() >= 2 || !settings.poisson_without_band {
        (lead_time_demand(forecast, interval, settings.dependence)?, DemandSource::QuantileBand)
    } else {
        (lead_time_demand_poisson(forecast, interval)?, DemandSource::PoissonOnPoint)
    };
    let rate = mean_rate(forecast)?;
    let lot = match settings.lot_size {
        LotSize::UpToReorderPoint => 0.0,
        LotSize::Fixed { quantity } => positive("lot_size.quantity", quantity)?,
        LotSize::Eoq { fixed_cost, holding_cost } => {
            economic_order_quantity(fixed_cost, holding_cost, rate.max(1e-12), None)?.order_quantity
        }
    };
    // Demand per replenishment cycle, for the fill rate: the lot, or one review period.
    let cycle_demand = if lot > 0.0 { lot } else { rate * settings.review_period.max(1) as f64 }.max(1e-9);
    let rp: ReorderPoint = reorder_point(&demand, settings.service, cycle_demand)?;
    let s = rp.reorder_point;
    let mut order = if inventory_position > s || (lot == 0.0 && inventory_position >= s) {
        0.0
    } else if lot > 0.0 {
        (((s - inventory_position) / lot).floor() + 1.0) * lot
    } else {
        s - inventory_position
    };
    if let Some(pack) = settings.pack_size
        && order > 0.0
    {
        order = (order / pack - 1e-9).ceil() * pack;
    }
    let after = describe(&demand, inventory_position + order, cycle_demand);
    let plan = ReorderPlan {
        series: forecast.series,
        key: forecast.key.clone(),
        protection_periods: steps,
        source,
        demand_mean: demand.mean(),
        demand_p10: demand.quantile(0.1),
        demand_p50: demand.quantile(0.5),
        demand_p90: demand.quantile(0.9),
        reorder_point: s,
        safety_stock: rp.safety_stock,
        order_up_to: s + lot,
        lot_size: lot,
        inventory_position,
        order_quantity: order,
        cycle_service_level: after.cycle_service_level,
        expected_shortage: after.expected_shortage,
        fill_rate: after.fill_rate,
    };
    Ok((plan, demand))
}

/// Mean point forecast per period over the whole horizon.
fn mean_rate(forecast: &SeriesForecast) -> Result<f64> {
    let n = forecast.point.len();
    if n == 0 {
        return Err(DecisionError::InsufficientData {
            what: format!("the demand rate of series {} (forecast steps)", forecast.key),
            needed: 1,
            got: 0,
        });
    }
    let sum: f64 = forecast.point.iter().sum();
    finite(&format!("point forecast of series {}", forecast.key), sum).map(|s| s.max(0.0) / n as f64)
}

impl ReorderPlan {
    /// The plan as a ranked-list recommendation (none when nothing is to be ordered), valued
    /// on its protection-interval `demand` with a cost per unit short and per unit left over.
    ///
    /// # Errors
    /// As [`reorder_recommendation`].
    pub fn recommendation(
        &self,
        demand: &DemandDistribution,
        stockout_cost: f64,
        holding_cost: f64,
        quantile: f64,
    ) -> Result<Option<Recommendation>> {
        if self.order_quantity <= 0.0 {
            return Ok(None);
        }
        reorder_recommendation(
            &self.key.to_string(),
            demand,
            self.inventory_position,
            self.order_quantity,
            stockout_cost,
            holding_cost,
            quantile,
        )
        .map(Some)
    }
}
