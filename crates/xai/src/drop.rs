//! Why did sales (or accuracy) change between two periods?
//!
//! Each period is scored one step ahead from the actual history (origin at each period of the
//! window, horizon 1: what the model expected knowing everything up to the day before), and
//! every one-step forecast is explained by TreeSHAP. Then, exactly,
//!
//! `Δ actual = Δ expected value + Σ_features Δ contribution + Δ (actual − forecast)`,
//!
//! so the drivers of the change are the features whose contributions moved (a promotion that
//! ran before and not now, a price rise, fewer holidays ...) and the part the model did not
//! foresee. With each feature's drift (its mean moved by so many standard deviations) this
//! is drift × attribution: a feature matters when its values moved and the model responds.
//! The one-step error of both periods (MAE, bias) shows whether accuracy dropped and how much
//! of the change the model missed.

use crate::error::{Result, XaiError};
use crate::explain::{Driver, ForecastExplanation, explain_from};
use crate::format::with_unit;
use crate::narrative::{drivers_sentence, relative, sentence};
use chrono::NaiveDate;
use forecast_core::Panel;
use forecast_core::pipeline::ForecastPipeline;
use std::collections::HashMap;

/// Name of the driver for what the model did not foresee (the change of `actual − forecast`).
pub const UNEXPLAINED: &str = "other factors (not in the model)";

/// Name of the driver for a change in the model's expected value (only when the periods
/// count different numbers of rows).
pub const LEVEL: &str = "the number of periods compared";

/// How far one feature's values moved between the periods.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDrift {
    /// Feature name.
    pub feature: String,
    /// Mean over the reference rows.
    pub reference_mean: f64,
    /// Mean over the current rows.
    pub current_mean: f64,
    /// Difference of the means in pooled standard deviations (0 when both are constant).
    pub shift: f64,
    /// The change of the feature's summed contribution, in units.
    pub attribution: f64,
}

/// One period's one-step totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodTotals {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Rows (series × periods) in the window.
    pub rows: usize,
    /// Sum of actual sales.
    pub actual: f64,
    /// Sum of the one-step forecasts.
    pub expected: f64,
    /// Mean absolute one-step error.
    pub mae: f64,
    /// Mean of `forecast − actual` (positive: over-forecast).
    pub bias: f64,
}

/// The explanation of a change between two periods.
#[derive(Debug, Clone, PartialEq)]
pub struct DropExplanation {
    /// The period asked about.
    pub current: PeriodTotals,
    /// The period it is compared with.
    pub reference: PeriodTotals,
    /// Drivers of `current.actual − reference.actual`, largest first; they sum to it exactly
    /// (including [`UNEXPLAINED`]).
    pub drivers: Vec<Driver>,
    /// Per feature, drift and attribution, largest |attribution| first.
    pub drift: Vec<FeatureDrift>,
}

impl DropExplanation {
    /// Change of actual sales in percent of the reference (0 when the reference is 0).
    pub fn change_pct(&self) -> f64 {
        let r = self.reference.actual;
        if r.abs() > 0.0 { (self.current.actual / r - 1.0) * 100.0 } else { 0.0 }
    }

    /// The change in words, with the `top` drivers.
    pub fn narrative(&self, label: &str, unit: &str, top: usize, panel: &Panel) -> String {
        let (c, r) = (&self.current, &self.reference);
        let mut text = format!(
            "{}: {} from {} to {}, {} the {} from {} to {}; the model expected {} knowing the days before.",
            label,
            with_unit(c.actual, unit),
            c.from,
            c.to,
            relative(c.actual, r.actual),
            with_unit(r.actual, unit),
            r.from,
            r.to,
            with_unit(c.expected, unit),
        );
        text.push_str(&format!(" {}.", sentence(&drivers_sentence(&self.drivers, top, unit, panel.frequency))));
        if r.rows > 0 && c.rows > 0 {
            text.push_str(&format!(
                " The one-step error went from {} to {} per period.",
                with_unit(r.mae, unit),
                with_unit(c.mae, unit)
            ));
        }
        text
    }
}

/// Explain the change of `series`' sales from `reference` to `current` (inclusive dates);
/// `reference` defaults to the same number of periods right before `current`.
///
/// # Errors
/// [`XaiError::InvalidArgument`] naming `period` when no selected series has an observed
/// period in it past its first one (nothing to score), `reference` likewise; as
/// [`explain_from`].
pub fn explain_drop(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    series: &[usize],
    current: (NaiveDate, NaiveDate),
    reference: Option<(NaiveDate, NaiveDate)>,
) -> Result<DropExplanation> {
    let freq = panel.frequency;
    let reference = match reference {
        Some(r) => r,
        None => {
            let n = freq.periods_between(current.0, current.1).unwrap_or(0).max(0) + 1;
            let from = freq.add(current.0, -n);
            let to = freq.add(current.0, -1);
            from.zip(to).ok_or_else(|| XaiError::argument("period", current.0, "a period with a period before it"))?
        }
    };
    let (cur, cur_t) = window(pipeline, panel, series, current, "period")?;
    let (refr, ref_t) = window(pipeline, panel, series, reference, "reference")?;
    fn sums(e: &ForecastExplanation) -> HashMap<&str, (f64, f64)> {
        let mut by: HashMap<&str, (f64, f64)> = HashMap::new();
        for r in &e.rows {
            for ((name, c), v) in e.feature_sets[r.features].iter().zip(&r.contributions).zip(&r.values) {
                let s = by.entry(name.as_str()).or_default();
                s.0 += c;
                s.1 += v;
            }
        }
        by
    }
    let (cs, rs) = (sums(&cur), sums(&refr));
    let mut names: Vec<&str> =
        cur.feature_sets.iter().chain(&refr.feature_sets).flatten().map(String::as_str).collect();
    names.dedup();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(*n));
    let mut drivers = Vec::new();
    let mut drift = Vec::new();
    for name in names {
        let (c, r) = (cs.get(name).copied().unwrap_or_default(), rs.get(name).copied().unwrap_or_default());
        drivers.push(Driver { feature: name.to_string(), contribution: c.0 - r.0, value: None });
        let values = |e: &ForecastExplanation| -> Vec<f64> {
            e.rows
                .iter()
                .filter_map(|row| {
                    let k = e.feature_sets[row.features].iter().position(|n| n == name)?;
                    Some(row.values[k]).filter(|v| v.is_finite())
                })
                .collect()
        };
        let (a, b) = (values(&refr), values(&cur));
        drift.push(FeatureDrift {
            feature: name.to_string(),
            reference_mean: mean(&a),
            current_mean: mean(&b),
            shift: shift(&a, &b),
            attribution: c.0 - r.0,
        });
    }
    let level = (cur.base() + cur.clamp()) - (refr.base() + refr.clamp());
    if level != 0.0 {
        drivers.push(Driver { feature: LEVEL.into(), contribution: level, value: None });
    }
    let residual = (cur_t.actual - cur_t.expected) - (ref_t.actual - ref_t.expected);
    drivers.push(Driver { feature: UNEXPLAINED.into(), contribution: residual, value: None });
    drivers.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
    drift.sort_by(|a, b| b.attribution.abs().total_cmp(&a.attribution.abs()));
    Ok(DropExplanation { current: cur_t, reference: ref_t, drivers, drift })
}

/// One-step explanations of every observed period of `series` in `[from, to]`.
fn window(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    series: &[usize],
    (from, to): (NaiveDate, NaiveDate),
    argument: &str,
) -> Result<(ForecastExplanation, PeriodTotals)> {
    let mut indices: Vec<Vec<usize>> = Vec::with_capacity(series.len());
    for &s in series {
        let ser = panel
            .series
            .get(s)
            .ok_or_else(|| XaiError::argument("series", s, format!("an index below {}", panel.series.len())))?;
        // The first period has no history to score it from.
        indices.push(
            (1..ser.len())
                .filter(|&t| panel.date(ser, t).is_some_and(|d| d >= from && d <= to) && ser.target[t].is_finite())
                .collect(),
        );
    }
    let longest = indices.iter().map(Vec::len).max().unwrap_or(0);
    if longest == 0 {
        return Err(XaiError::argument(
            argument,
            format!("{from} to {to}"),
            "dates with observed sales (after each series' first period) of the selected series",
        ));
    }
    let mut all: Option<ForecastExplanation> = None;
    for k in 0..longest {
        let mut origins = vec![None; panel.series.len()];
        for (&s, idx) in series.iter().zip(&indices) {
            origins[s] = idx.get(k).copied();
        }
        let e = explain_from(pipeline, panel, &origins, 1)?;
        match &mut all {
            None => all = Some(e),
            Some(a) => merge(a, e),
        }
    }
    let e = all.ok_or_else(|| XaiError::argument(argument, format!("{from} to {to}"), "a non-empty period"))?;
    let actual_of = |r: &crate::explain::RowExplanation| panel.series[r.series].target[r.t];
    let n = e.rows.len();
    let actual: f64 = e.rows.iter().map(actual_of).sum();
    let expected: f64 = e.rows.iter().map(|r| r.forecast).sum();
    let mae = e.rows.iter().map(|r| (r.forecast - actual_of(r)).abs()).sum::<f64>() / n.max(1) as f64;
    let bias = (expected - actual) / n.max(1) as f64;
    Ok((e, PeriodTotals { from, to, rows: n, actual, expected, mae, bias }))
}

/// Append `b`'s rows to `a`, re-indexing feature sets.
fn merge(a: &mut ForecastExplanation, b: ForecastExplanation) {
    let map: Vec<usize> = b
        .feature_sets
        .iter()
        .map(|set| match a.feature_sets.iter().position(|s| s == set) {
            Some(i) => i,
            None => {
                a.feature_sets.push(set.clone());
                a.feature_sets.len() - 1
            }
        })
        .collect();
    a.rows.extend(b.rows.into_iter().map(|mut r| {
        r.features = map[r.features];
        r
    }));
    a.forecasts.series.extend(b.forecasts.series);
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
}

/// `(mean b − mean a) / pooled sd`, 0 when both are constant.
fn shift(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    let (ma, mb) = (mean(a), mean(b));
    let pooled = ((var(a, ma) + var(b, mb)) / (a.len() + b.len()) as f64).sqrt();
    if pooled > 0.0 { (mb - ma) / pooled } else { 0.0 }
}
