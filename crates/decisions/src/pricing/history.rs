//! Price elasticity from a panel's history: the log-log regression of units on the net price
//! with the controls retail demand needs (promotion, holiday, post-promotion dip, calendar,
//! trend, series levels), as a cross-check of a simulated curve.

use super::elasticity::{ElasticityEstimate, PriceObservation, estimate_elasticity};
use crate::error::{DecisionError, Result};
use crate::lost_sales::Censoring;
use chrono::Datelike;
use forecast_core::{Frequency, Panel};
use serde::{Deserialize, Serialize};

/// What goes into the regression.
///
/// | Name | Default ([`HistorySpec::retail`]) | Purpose | Range |
/// |---|---|---|---|
/// | `price` | `price` | shelf price regressor | a regressor name |
/// | `discount` | `discount` | discount fraction: the net price is `price (1 - discount)` | a regressor name or none |
/// | `promo` | `promo` | promotion flag (a lift on top of the price effect) | a regressor name or none |
/// | `holiday` | `holiday` | holiday flag | a regressor name or none |
/// | `post_promo_periods` | 7 | a dip control decaying linearly over this many periods after a promotion | >= 0 |
/// | `calendar` | true | weekday dummies (daily panels) and month dummies (daily and weekly) | |
/// | `trend` | true | years since the series' start | |
/// | `series_effects` | true | one level per series (dummies) | |
/// | `confidence` | 0.95 | level of the interval | (0, 1) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistorySpec {
    /// Shelf price regressor.
    pub price: String,
    /// Discount-fraction regressor.
    pub discount: Option<String>,
    /// Promotion-flag regressor.
    pub promo: Option<String>,
    /// Holiday-flag regressor.
    pub holiday: Option<String>,
    /// Periods of the post-promotion dip control (0 = none).
    pub post_promo_periods: usize,
    /// Weekday and month dummies.
    pub calendar: bool,
    /// Linear trend.
    pub trend: bool,
    /// Series dummies.
    pub series_effects: bool,
    /// Level of the interval.
    pub confidence: f64,
}

impl HistorySpec {
    /// The columns of the retail CSV layout and the generator.
    pub fn retail() -> Self {
        Self {
            price: "price".into(),
            discount: Some("discount".into()),
            promo: Some("promo".into()),
            holiday: Some("holiday".into()),
            post_promo_periods: 7,
            calendar: true,
            trend: true,
            series_effects: true,
            confidence: 0.95,
        }
    }
}

/// An elasticity from history with what it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryElasticity {
    /// The regression.
    pub estimate: ElasticityEstimate,
    /// Periods used.
    pub observations: usize,
    /// Periods left out for zero units (the log of zero).
    pub zero_units: usize,
    /// Periods left out as censored by a stockout.
    pub censored: usize,
    /// Periods left out for a missing target or price.
    pub missing: usize,
    /// Controls dropped because they were constant on the periods used.
    pub dropped_controls: Vec<String>,
}

/// Estimate the price elasticity of the series in `series` (e.g. one item in every store)
/// from their history, leaving out censored periods when a [`Censoring`] is given.
///
/// # Errors
/// [`DecisionError::UnknownName`] for a column the panel lacks;
/// [`DecisionError::InvalidParameter`] for an unknown series; as
/// [`estimate_elasticity`] (too few periods, prices that never move).
pub fn elasticity_from_history(
    panel: &Panel,
    series: &[usize],
    spec: &HistorySpec,
    censoring: Option<&Censoring>,
) -> Result<HistoryElasticity> {
    let col = |name: &str| {
        panel.regressor_index(name).ok_or_else(|| DecisionError::UnknownName {
            what: "regressor",
            name: name.to_owned(),
            known: panel.regressor_names.join(", "),
        })
    };
    let price = col(&spec.price)?;
    let discount = spec.discount.as_deref().map(col).transpose()?;
    let promo = spec.promo.as_deref().map(col).transpose()?;
    let holiday = spec.holiday.as_deref().map(col).transpose()?;
    if let Some(&s) = series.iter().find(|&&s| s >= panel.series.len()) {
        return Err(DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len())));
    }
    let mut names: Vec<String> = Vec::new();
    if promo.is_some() {
        names.push("promo".into());
        if spec.post_promo_periods > 0 {
            names.push("post_promo_dip".into());
        }
    }
    if holiday.is_some() {
        names.push("holiday".into());
    }
    if spec.trend {
        names.push("trend".into());
    }
    let weekdays = spec.calendar && panel.frequency == Frequency::Daily;
    let months = spec.calendar && panel.frequency != Frequency::Monthly;
    if weekdays {
        names.extend(["tue", "wed", "thu", "fri", "sat", "sun"].map(String::from));
    }
    if months {
        names.extend((2..=12).map(|m| format!("month_{m}")));
    }
    let effects = spec.series_effects && series.len() > 1;
    if effects {
        names.extend(series[1..].iter().map(|&s| format!("series_{}", panel.series[s].key)));
    }
    let mut obs = Vec::new();
    let (mut zero_units, mut censored, mut missing) = (0, 0, 0);
    let per_year = panel.frequency.periods_per_year() as f64;
    for (j, &s) in series.iter().enumerate() {
        let sr = &panel.series[s];
        let mut since_promo = usize::MAX;
        for t in 0..sr.len() {
            let on_promo = promo.is_some_and(|p| sr.regressors[p][t] > 0.0);
            since_promo = if on_promo { 0 } else { since_promo.saturating_add(1) };
            let units = sr.target[t];
            let net = sr.regressors[price][t] * (1.0 - discount.map_or(0.0, |d| sr.regressors[d][t]));
            if censoring.is_some_and(|c| c.is_censored(s, t)) {
                censored += 1;
                continue;
            }
            if !(units.is_finite() && net.is_finite() && net > 0.0) {
                missing += 1;
                continue;
            }
            if units <= 0.0 {
                zero_units += 1;
                continue;
            }
            let mut c = Vec::with_capacity(names.len());
            if promo.is_some() {
                c.push(f64::from(u8::from(on_promo)));
                if spec.post_promo_periods > 0 {
                    let k = spec.post_promo_periods;
                    c.push(if since_promo >= 1 && since_promo <= k {
                        1.0 - (since_promo - 1) as f64 / k as f64
                    } else {
                        0.0
                    });
                }
            }
            if let Some(h) = holiday {
                c.push(f64::from(u8::from(sr.regressors[h][t] > 0.0)));
            }
            if spec.trend {
                c.push(t as f64 / per_year);
            }
            let date = panel.date(sr, t);
            if weekdays {
                let wd = date.map_or(0, |d| d.weekday().num_days_from_monday());
                c.extend((1..7).map(|d| f64::from(u8::from(wd == d))));
            }
            if months {
                let m = date.map_or(1, |d| d.month());
                c.extend((2..=12).map(|k| f64::from(u8::from(m == k))));
            }
            if effects {
                c.extend((1..series.len()).map(|k| f64::from(u8::from(j == k))));
            }
            obs.push(PriceObservation { price: net, units, controls: c });
        }
    }
    // A control constant on the periods used is collinear with the intercept.
    let keep: Vec<bool> = (0..names.len())
        .map(|k| obs.first().is_some_and(|first| obs.iter().any(|o| o.controls[k] != first.controls[k])))
        .collect();
    let dropped_controls: Vec<String> = names.iter().zip(&keep).filter(|(_, k)| !**k).map(|(n, _)| n.clone()).collect();
    for o in &mut obs {
        let mut k = keep.iter();
        o.controls.retain(|_| *k.next().unwrap_or(&false));
    }
    let kept: Vec<&str> = names.iter().zip(&keep).filter(|(_, k)| **k).map(|(n, _)| n.as_str()).collect();
    let estimate = estimate_elasticity(&obs, &kept, spec.confidence)?;
    Ok(HistoryElasticity { estimate, observations: obs.len(), zero_units, censored, missing, dropped_controls })
}
