//! Options and results of a lost-sales estimate.

use super::censoring::CensoringSummary;
use chrono::NaiveDate;
use forecast_core::SeriesKey;
use serde::{Deserialize, Serialize};

/// The predictive distribution of demand in a period, around the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DemandNoise {
    /// Negative binomial counts with the point forecast as mean and variance
    /// `mean + mean^2 / dispersion`; `None` estimates the dispersion from the forecaster's
    /// one-step errors on uncensored periods (method of moments).
    NegativeBinomial {
        /// Dispersion `k > 0`, or `None` to estimate it.
        dispersion: Option<f64>,
    },
    /// Poisson counts with the point forecast as mean.
    Poisson,
    /// The forecast's own quantiles (quantile models or a conformal band), as a continuous
    /// distribution.
    ForecastBand,
}

/// Where a lost unit's price comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RevenueSource {
    /// Regressor columns: the price, and optionally the discount fraction (net price
    /// `price * (1 - discount)`).
    Columns {
        /// The price regressor.
        price: String,
        /// The discount-fraction regressor, if any.
        discount: Option<String>,
    },
    /// Units only.
    None,
}

/// Settings of [`super::estimate_lost_sales`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `noise` | negative binomial, dispersion estimated | predictive distribution of a censored period | [`DemandNoise`] |
/// | `calibration_rounds` | 24 | uncensored days per series used to estimate the dispersion | >= 1 |
/// | `confidence` | 0.9 | level of the intervals | (0, 1) |
/// | `draws` | 2000 | Monte Carlo draws of the intervals | >= 100 |
/// | `seed` | 0 | seed of the draws | any |
/// | `revenue` | columns `price` and `discount` | price of a lost unit | [`RevenueSource`] |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostSalesOptions {
    /// Predictive distribution of demand in a censored period.
    pub noise: DemandNoise,
    /// Calibration days per series for the dispersion.
    pub calibration_rounds: usize,
    /// Level of the intervals.
    pub confidence: f64,
    /// Monte Carlo draws.
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
    /// Price of a lost unit.
    pub revenue: RevenueSource,
}

impl Default for LostSalesOptions {
    fn default() -> Self {
        Self {
            noise: DemandNoise::NegativeBinomial { dispersion: None },
            calibration_rounds: 24,
            confidence: 0.9,
            draws: 2000,
            seed: 0,
            revenue: RevenueSource::Columns { price: "price".into(), discount: Some("discount".into()) },
        }
    }
}

/// An estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The estimate (expected value).
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// One censored period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostPeriod {
    /// Series index in the panel.
    pub series: usize,
    /// Target index.
    pub t: usize,
    /// Its date.
    pub date: Option<NaiveDate>,
    /// Units sold (the censoring point).
    pub sales: f64,
    /// The forecaster's one-step forecast of demand (its mean).
    pub forecast: f64,
    /// Expected demand given that it reached the sales: `E[D | D >= sales]`.
    pub demand: f64,
    /// `demand - sales`.
    pub lost_units: f64,
    /// Net price of a unit, when a revenue source is set.
    pub unit_price: Option<f64>,
    /// `lost_units * unit_price`.
    pub lost_revenue: Option<f64>,
    /// Probability, under the model, that demand reached the sales: low values flag a stock
    /// record that is hard to believe or a forecast that is far too low.
    pub p_reached: f64,
}

/// Lost sales of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesLostSales {
    /// Series index in the panel.
    pub series: usize,
    /// Its key.
    pub key: SeriesKey,
    /// Censored periods.
    pub censored_periods: usize,
    /// Units sold in them.
    pub sales: f64,
    /// Estimated demand in them.
    pub demand: f64,
    /// Units lost.
    pub lost_units: Estimate,
    /// Revenue lost, when a revenue source is set.
    pub lost_revenue: Option<Estimate>,
}

/// What stockouts cost: per period, per series and in total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostSalesReport {
    /// Every censored period, by series then time.
    pub periods: Vec<LostPeriod>,
    /// Series with at least one censored period.
    pub series: Vec<SeriesLostSales>,
    /// Units lost over all series.
    pub lost_units: Estimate,
    /// Revenue lost over all series, when a revenue source is set.
    pub lost_revenue: Option<Estimate>,
    /// Units sold in censored periods.
    pub sales: f64,
    /// Estimated demand in censored periods.
    pub demand: f64,
    /// The predictive distribution used.
    pub noise: DemandNoise,
    /// The negative binomial dispersion used (`None` for Poisson or the forecast band).
    pub dispersion: Option<f64>,
    /// Calibration pairs the dispersion was estimated on (0 when given).
    pub calibration_periods: usize,
    /// Level of the intervals.
    pub confidence: f64,
    /// How the censored periods were found.
    pub censoring: CensoringSummary,
}
