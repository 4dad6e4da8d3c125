//! Cross-fitted offset elasticities: each item's baseline comes from a model that never saw
//! that item's own deal periods.
//!
//! The offset regression ([`super::elasticity_with_offset`]) divides an item's units by the
//! fitted pipeline's baseline (its forecast at the usual price, no discount). When that
//! pipeline was fitted on the item's own discounted periods, a pooled and regularised model
//! explains part of their uplift with features other than the price (the promotion flag for
//! this item, lags and rolling means), so the baseline of those periods is already lifted and
//! the regression sees only what is left: the item's elasticity is pulled toward the pool's.
//! This is the own-observation bias that double/debiased machine learning removes by
//! cross-fitting (Chernozhukov et al. 2018): the nuisance (here the baseline) for a unit is
//! estimated on data that excludes that unit.
//!
//! Here the items (groups of series) are split into `folds` by a seeded shuffle. For fold `k`
//! the forecaster is fitted on the panel with the targets of fold `k`'s deal periods masked
//! (NaN, the same missing value a stockout mask uses): periods with a positive discount, or,
//! without a discount column, periods whose shelf price differs from the series' usual
//! (median) price. Everything else of those items stays in the fit (their level, seasonality,
//! their promotions without a discount), and the other folds' deals teach the model how
//! demand moves with price. The items of fold `k` are then regressed on that model's baseline,
//! forecast from the panel as observed.
//!
//! Cost: `folds` fits of the forecaster, on top of whatever fit the caller already holds (the
//! baselines cost as much as [`super::elasticity_with_offset`] on the full model). Two folds
//! are the cheapest cross-fit; leave-one-item-out (`folds` = number of items) sees the most
//! data per fit and costs one fit per item. On the generator panels neither removed the
//! largest errors and two folds moved most items' estimates away from the truth (more elastic):
//! the figures are in the crate README. It is offered as the check it is: when the cross-fitted
//! and the plain estimates of an item differ by more than their standard errors, the fitted
//! model's own view of that item's deals is what drives the plain one.

use super::cells::column;
use super::offset::{OffsetElasticity, OffsetSpec, elasticity_with_offset, usual_prices};
use crate::error::{DecisionError, Result};
use crate::lost_sales::Censoring;
use forecast_core::Panel;
use forecast_core::forecast::Forecaster;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How the baselines are cross-fitted.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `folds` | 2 | the groups are split into this many folds; each fold's baseline model is fitted without that fold's deal periods | 2 ..= number of groups (the number of groups: leave one group out) |
/// | `seed` | 0 | the shuffle that assigns groups to folds | any |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossFitSpec {
    /// Number of folds.
    pub folds: usize,
    /// Seed of the assignment of groups to folds.
    pub seed: u64,
}

impl Default for CrossFitSpec {
    fn default() -> Self {
        Self { folds: 2, seed: 0 }
    }
}

/// Cross-fitted offset elasticities of several groups of series (e.g. one item in every store
/// per group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossFitted {
    /// One estimate per group, in the order of the groups.
    pub estimates: Vec<OffsetElasticity>,
    /// The fold of each group.
    pub fold_of: Vec<usize>,
    /// Deal periods masked in each fold's fit.
    pub masked_periods: Vec<usize>,
}

/// The deal periods of series `s`: a positive discount, or without a discount column a shelf
/// price off the usual one.
fn deal_periods(panel: &Panel, s: usize, price: usize, discount: Option<usize>, usual: f64) -> Vec<usize> {
    let sr = &panel.series[s];
    (0..sr.len())
        .filter(|&t| match discount {
            Some(d) => sr.regressors[d][t] > 0.0,
            None => (sr.regressors[price][t] / usual - 1.0).abs() > 1e-9,
        })
        .collect()
}

/// The offset elasticity of every group in `groups`, each on a baseline fitted without the
/// group's own deal periods (see the module docs). `forecaster` is the recipe of the caller's
/// pipeline (e.g. the `GlobalForecaster` it was fitted with); `panel` is the panel it is fitted
/// on and forecasts from (e.g. a censoring's masked panel), `censoring` the stockout periods the
/// regressions leave out.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for no groups, an empty group, an unknown series, or
/// `folds` outside 2 ..= number of groups; the errors of [`elasticity_with_offset`] for a group
/// (e.g. too little price variation), with the group's position; fitting errors of the
/// forecaster.
pub fn cross_fitted_elasticities(
    forecaster: &dyn Forecaster,
    panel: &Panel,
    groups: &[Vec<usize>],
    spec: &OffsetSpec,
    crossfit: &CrossFitSpec,
    censoring: Option<&Censoring>,
) -> Result<CrossFitted> {
    if groups.is_empty() {
        return Err(DecisionError::invalid("groups", "none", "at least two groups of series"));
    }
    if crossfit.folds < 2 || crossfit.folds > groups.len() {
        return Err(DecisionError::invalid(
            "folds",
            crossfit.folds,
            format!("2 ..= {} (the number of groups)", groups.len()),
        ));
    }
    for (g, group) in groups.iter().enumerate() {
        if group.is_empty() {
            return Err(DecisionError::invalid(format!("groups[{g}]"), "none", "at least one series"));
        }
        if let Some(&s) = group.iter().find(|&&s| s >= panel.series.len()) {
            return Err(DecisionError::invalid(
                format!("groups[{g}]"),
                s,
                format!("series indices < {}", panel.series.len()),
            ));
        }
    }
    let price = column(panel, &spec.price)?;
    let discount = spec.discount.as_deref().map(|d| column(panel, d)).transpose()?;
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(crossfit.seed));
    let mut fold_of = vec![0; groups.len()];
    for (rank, &g) in order.iter().enumerate() {
        fold_of[g] = rank % crossfit.folds;
    }
    let ends: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    let mut estimates: Vec<Option<OffsetElasticity>> = vec![None; groups.len()];
    let mut masked_periods = Vec::with_capacity(crossfit.folds);
    for fold in 0..crossfit.folds {
        let members: Vec<usize> = (0..groups.len()).filter(|&g| fold_of[g] == fold).collect();
        let mut train = panel.clone();
        let mut masked = 0;
        for &g in &members {
            let usual = usual_prices(panel, &groups[g], price)?;
            for (&s, &u) in groups[g].iter().zip(&usual) {
                for t in deal_periods(panel, s, price, discount, u) {
                    if train.series[s].target[t].is_finite() {
                        masked += 1;
                    }
                    train.series[s].target[t] = f64::NAN;
                }
            }
        }
        masked_periods.push(masked);
        let model = forecaster.fit(&train, &ends)?;
        for &g in &members {
            let e =
                elasticity_with_offset(model.as_ref(), panel, &groups[g], spec, censoring).map_err(|e| match e {
                    DecisionError::NoSolution { what, reason } => {
                        DecisionError::NoSolution { what: format!("{what} (groups[{g}])"), reason }
                    }
                    other => other,
                })?;
            estimates[g] = Some(e);
        }
    }
    let estimates = estimates
        .into_iter()
        .enumerate()
        .map(|(g, e)| e.ok_or_else(|| DecisionError::invalid(format!("groups[{g}]"), "no fold", "a fold")))
        .collect::<Result<_>>()?;
    Ok(CrossFitted { estimates, fold_of, masked_periods })
}
