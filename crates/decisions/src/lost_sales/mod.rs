//! Lost sales from censored demand.
//!
//! In a period that ran out of stock, sales are the stock, not the demand. [`Censoring`] finds
//! those periods (from available stock, closing stock, a stockout flag, a stock regressor or
//! sales records). [`estimate_lost_sales`] estimates demand there from a fitted forecaster:
//! the one-step forecast from each censored period, conditioned on demand having reached the
//! sales (`E[D | D >= sales]` under a negative binomial with the dispersion of the model's own
//! errors, a Poisson, or the forecast's quantile band), and reports units and revenue lost per
//! period, per series and in total, with Monte Carlo intervals.
//!
//! Two ways to use the censored periods:
//! - **Model on uncensored periods** (the default path): fit the forecaster on
//!   [`Censoring::mask`]ed targets, then estimate. Censored periods carry only the bound
//!   `D >= sales`; when stock runs out far below demand (the usual stockout, and the
//!   generator's), that bound says almost nothing and all the information sits in the
//!   uncensored periods around them. One fit.
//! - **EM** ([`estimate_lost_sales_em`]): refit on the imputed demand and repeat. It uses the
//!   bound as information and corrects the first fit when censored periods are many or
//!   clustered in high-demand times (masking then leaves the model short of those). Each
//!   iteration is a full refit.

mod censoring;
mod em;
mod estimate;
mod excess;
mod report;

pub use censoring::{Censoring, CensoringSummary, StockKind};
pub use em::{EmOptions, EmResult, EmStep, estimate_lost_sales_em};
pub use estimate::{estimate_lost_sales, impute_demand};
pub use report::{
    DemandNoise, Estimate, LostPeriod, LostSalesOptions, LostSalesReport, RevenueSource, SeriesLostSales,
};
