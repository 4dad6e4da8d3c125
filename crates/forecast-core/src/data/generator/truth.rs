//! What the generator knows and the data hide: demand before stockout censoring, stockout
//! periods, and the parameters of the demand model, so that estimates of lost sales, price
//! elasticity and promotion lift can be checked against the truth.

use crate::SeriesKey;

/// The ground truth of a generated panel: one [`SeriesTruth`] per series of the panel (same
/// order) and one [`ItemTruth`] per item.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundTruth {
    /// Per series, in [`crate::Panel::series`] order.
    pub series: Vec<SeriesTruth>,
    /// Per item, in item order (`item_01`, ...); [`SeriesTruth::item`] indexes it.
    pub items: Vec<ItemTruth>,
    /// Demand multiplier of each store (1 = an average store).
    pub store_scale: Vec<f64>,
    /// The regime shift of the data, if any (its `at` inside the panel's periods).
    pub regime_shift: Option<super::RegimeShift>,
}

/// The truth of one series, at the panel's frequency (a weekly or monthly value is the sum
/// over its days).
///
/// `demand`, `expected` and `baseline` cover the history and the planned future (as long as
/// the series' regressors); `stockout` and `lost_sales` cover the history (as long as its
/// target).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesTruth {
    /// The series' key, as in the panel.
    pub key: SeriesKey,
    /// Store index (into [`GroundTruth::store_scale`]).
    pub store: usize,
    /// Item index (into [`GroundTruth::items`]).
    pub item: usize,
    /// Log growth of mean demand per year (0.1 = about +10% a year).
    pub trend: f64,
    /// Depth of the post-promotion dip: the day after a promotion ends, mean demand is
    /// `1 - promo_dip` times normal, recovering linearly over 7 days (the `baseline` holds it).
    pub promo_dip: f64,
    /// Index into this series' vectors of the first period of the new regime (0 when the
    /// series starts after the shift; `None` without a shift). From there on the elasticity
    /// is [`ItemTruth::elasticity`] times [`super::RegimeShift::elasticity_scale`].
    pub regime_from: Option<usize>,
    /// Units customers wanted: the draw before stockouts censored it. The target equals it
    /// except in stockout periods. Past the history: the demand the plan would have met.
    pub demand: Vec<f64>,
    /// Mean of `demand` under the actual price, discount and promotion.
    pub expected: Vec<f64>,
    /// Mean demand at the item's base price, without discount or promotion (the
    /// post-promotion dip of the actual plan stays in). See [`GroundTruth::what_if`].
    pub baseline: Vec<f64>,
    /// Whether the period holds a stockout day (stock held below the mean demand; sales are
    /// censored when demand exceeds that stock).
    pub stockout: Vec<bool>,
    /// Units lost to stockouts: `demand - units` (zero outside stockout periods).
    pub lost_sales: Vec<f64>,
}

/// The demand model's parameters for one item (shared by every store).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemTruth {
    /// Item id, e.g. `item_03`.
    pub name: String,
    /// Reference shelf price: demand is `(price / base_price)^elasticity` times the baseline.
    pub base_price: f64,
    /// Price elasticity of demand (negative), applied to the shelf price and to the
    /// discounted fraction: mean demand scales as `(price / base_price · (1 - discount))^elasticity`.
    pub elasticity: f64,
    /// Multiplier of mean demand on promotion days (on top of the discount's effect).
    pub promo_lift: f64,
    /// Whether the item is a slow mover (see [`super::RetailGenerator::intermittent`]).
    pub intermittent: bool,
    /// Mean daily demand of an average store at base price, before calendar effects.
    pub base_demand: f64,
    /// Negative-binomial dispersion `k` (variance `mean + mean²/k`).
    pub dispersion: f64,
}

impl GroundTruth {
    /// Mean demand of series `s` in period `t` had the whole period been sold at `price`
    /// with `discount` (fraction off) and the promotion flag `promo`:
    /// `baseline · (price / base_price · (1 - discount))^elasticity · promo_lift^promo`, with
    /// the elasticity of the regime period `t` is in. `None` when `s` or `t` is out of range.
    pub fn what_if(&self, s: usize, t: usize, price: f64, discount: f64, promo: bool) -> Option<f64> {
        let series = self.series.get(s)?;
        let item = self.items.get(series.item)?;
        let base = *series.baseline.get(t)?;
        let lift = if promo { item.promo_lift } else { 1.0 };
        Some(base * (price / item.base_price * (1.0 - discount)).powf(self.elasticity(s, t)?) * lift)
    }

    /// The price elasticity of series `s` in period `t` (the item's, scaled in a new regime).
    /// `None` when `s` is out of range.
    pub fn elasticity(&self, s: usize, t: usize) -> Option<f64> {
        let series = self.series.get(s)?;
        let item = self.items.get(series.item)?;
        Some(match (&self.regime_shift, series.regime_from) {
            (Some(r), Some(from)) if t >= from => item.elasticity * r.elasticity_scale,
            _ => item.elasticity,
        })
    }

    /// Units lost to stockouts over every series' history.
    pub fn total_lost_sales(&self) -> f64 {
        self.series.iter().flat_map(|s| &s.lost_sales).sum()
    }
}
