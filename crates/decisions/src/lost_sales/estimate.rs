//! Demand on censored periods from a fitted forecaster, the units and revenue lost, and their
//! intervals.

use super::censoring::{Censoring, CensoringSummary};
use super::excess::Excess;
use super::report::{
    DemandNoise, Estimate, LostPeriod, LostSalesOptions, LostSalesReport, RevenueSource, SeriesLostSales,
};
use crate::demand::DemandDistribution;
use crate::error::{DecisionError, Result, open_unit};
use forecast_core::Panel;
use forecast_core::forecast::{FittedForecaster, SeriesForecast};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Periods before a calibration day that must be free of censoring (the longest default lag
/// window of a daily feature spec), so that its features read demand, not censored sales.
const CLEAN_WINDOW: usize = 28;

/// Estimate demand, units and revenue lost on every censored period.
///
/// Each censored period's demand is the forecaster's one-step forecast from that period (its
/// targets before it, with earlier censored periods already replaced by their estimates, so
/// that lags read demand), conditioned on having reached the sales:
/// `E[D | D >= sales]` under [`DemandNoise`]. Fit the forecaster on
/// [`Censoring::mask`]ed targets so that it learns demand from uncensored periods only.
///
/// The intervals are Monte Carlo quantiles of the lost units drawn from each period's
/// conditional distribution. Draws are shared within a stockout episode (consecutive censored
/// periods of a series move together, as a demand level that the model misses would move
/// them) and independent across episodes.
///
/// # Errors
/// [`DecisionError::LengthMismatch`] when the censoring belongs to another panel;
/// [`DecisionError::InvalidParameter`] for bad options, a missing price on a censored period
/// or a forecast without quantiles under [`DemandNoise::ForecastBand`];
/// [`DecisionError::UnknownName`] for a revenue column the panel lacks;
/// [`DecisionError::InsufficientData`] when the dispersion cannot be estimated;
/// forecasting errors.
pub fn estimate_lost_sales(
    model: &dyn FittedForecaster,
    panel: &Panel,
    censoring: &Censoring,
    options: &LostSalesOptions,
) -> Result<LostSalesReport> {
    censoring.check(panel)?;
    open_unit("confidence", options.confidence)?;
    if options.draws < 100 {
        return Err(DecisionError::invalid("draws", options.draws, "at least 100 Monte Carlo draws"));
    }
    let prices = RevenueColumns::resolve(panel, &options.revenue)?;
    let (dispersion, calibration_periods) = match options.noise {
        DemandNoise::NegativeBinomial { dispersion: Some(k) } => (Some(crate::error::positive("dispersion", k)?), 0),
        DemandNoise::NegativeBinomial { dispersion: None } => {
            let (k, n) = estimate_dispersion(model, panel, censoring, options.calibration_rounds)?;
            (Some(k), n)
        }
        DemandNoise::Poisson | DemandNoise::ForecastBand => (None, 0),
    };
    let (periods, excess) = censored_periods(model, panel, censoring, options.noise, dispersion, &prices)?;
    let mut report = summarise(panel, periods, &excess, options);
    report.dispersion = dispersion.filter(|k| k.is_finite());
    report.calibration_periods = calibration_periods;
    report.censoring = censoring.summary();
    Ok(report)
}

/// A copy of `panel` with every censored period's target replaced by its estimated demand: the
/// training panel of an EM step.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] when a period of the report is outside the panel.
pub fn impute_demand(panel: &Panel, report: &LostSalesReport) -> Result<Panel> {
    let mut out = panel.clone();
    for p in &report.periods {
        let slot = out.series.get_mut(p.series).and_then(|s| s.target.get_mut(p.t));
        match slot {
            Some(v) => *v = p.demand,
            None => {
                return Err(DecisionError::invalid(
                    "report period",
                    format!("{}:{}", p.series, p.t),
                    "a period of the panel",
                ));
            }
        }
    }
    Ok(out)
}

/// Net unit prices per series and period.
struct RevenueColumns {
    price: Option<usize>,
    discount: Option<usize>,
}

impl RevenueColumns {
    fn resolve(panel: &Panel, source: &RevenueSource) -> Result<Self> {
        let find = |name: &str| {
            panel.regressor_index(name).ok_or_else(|| DecisionError::UnknownName {
                what: "regressor (revenue source; set revenue to RevenueSource::None for units only)",
                name: name.to_owned(),
                known: panel.regressor_names.join(", "),
            })
        };
        match source {
            RevenueSource::None => Ok(Self { price: None, discount: None }),
            RevenueSource::Columns { price, discount } => {
                Ok(Self { price: Some(find(price)?), discount: discount.as_deref().map(find).transpose()? })
            }
        }
    }

    fn unit_price(&self, panel: &Panel, s: usize, t: usize) -> Result<Option<f64>> {
        let Some(j) = self.price else { return Ok(None) };
        let series = &panel.series[s];
        let discount = self.discount.map_or(0.0, |d| series.regressors[d][t]);
        let net = series.regressors[j][t] * (1.0 - discount);
        if net.is_finite() && net >= 0.0 {
            Ok(Some(net))
        } else {
            Err(DecisionError::invalid(
                format!("net price of series {} at {}", series.key, date_text(panel, s, t)),
                net,
                "a finite price >= 0 on every censored period (or revenue: RevenueSource::None)",
            ))
        }
    }
}

fn date_text(panel: &Panel, s: usize, t: usize) -> String {
    panel.date(&panel.series[s], t).map_or_else(|| format!("period {t}"), |d| d.to_string())
}

/// One-step forecasts over `origins`, keyed by series.
fn one_step(model: &dyn FittedForecaster, panel: &Panel, origins: &[Option<usize>]) -> Result<Vec<SeriesForecast>> {
    let f = model.forecast(panel, origins, 1)?;
    for sf in &f.series {
        if sf.point.is_empty() || !sf.point[0].is_finite() {
            return Err(DecisionError::invalid(
                format!("one-step forecast of series {} at {}", sf.key, date_text(panel, sf.series, sf.origin)),
                sf.point.first().copied().unwrap_or(f64::NAN),
                "a finite forecast",
            ));
        }
    }
    Ok(f.series)
}

/// Method-of-moments dispersion of the one-step errors on clean uncensored days:
/// `k = sum mu^2 / sum((y - mu)^2 - mu)`, infinite (Poisson) without overdispersion.
fn estimate_dispersion(
    model: &dyn FittedForecaster,
    panel: &Panel,
    censoring: &Censoring,
    rounds: usize,
) -> Result<(f64, usize)> {
    if rounds == 0 {
        return Err(DecisionError::invalid("calibration_rounds", 0, "at least 1 calibration round"));
    }
    let clean = |s: usize, t: usize| {
        let series = &panel.series[s];
        series.target[t].is_finite()
            && !censoring.is_censored(s, t)
            && censoring.periods(s).iter().all(|&c| c >= t || c + CLEAN_WINDOW < t)
    };
    let (mut num, mut den, mut n) = (0.0, 0.0, 0usize);
    for r in 0..rounds {
        let origins: Vec<Option<usize>> = panel
            .series
            .iter()
            .enumerate()
            .map(|(s, series)| {
                let len = series.len();
                if len <= CLEAN_WINDOW + 1 {
                    return None;
                }
                let span = (len - CLEAN_WINDOW) as f64;
                let t0 = CLEAN_WINDOW + ((r as f64 + 0.5) * span / rounds as f64) as usize;
                (t0..len).find(|&t| clean(s, t))
            })
            .collect();
        if origins.iter().all(Option::is_none) {
            continue;
        }
        for sf in one_step(model, panel, &origins)? {
            let (y, mu) = (panel.series[sf.series].target[sf.origin], sf.point[0]);
            num += mu * mu;
            den += (y - mu) * (y - mu) - mu;
            n += 1;
        }
    }
    if n < 10 {
        return Err(DecisionError::InsufficientData {
            what: "the dispersion of one-step errors on uncensored periods (give DemandNoise::NegativeBinomial a dispersion)".into(),
            needed: 10,
            got: n,
        });
    }
    Ok((if den > 0.0 { (num / den).max(1e-3) } else { f64::INFINITY }, n))
}

/// Forecast every censored period in time order, imputing as it goes.
fn censored_periods(
    model: &dyn FittedForecaster,
    panel: &Panel,
    censoring: &Censoring,
    noise: DemandNoise,
    dispersion: Option<f64>,
    prices: &RevenueColumns,
) -> Result<(Vec<LostPeriod>, Vec<Excess>)> {
    let mut imputed = panel.clone();
    let rounds = (0..panel.series.len()).map(|s| censoring.periods(s).len()).max().unwrap_or(0);
    let mut found: Vec<(LostPeriod, Excess)> = Vec::with_capacity(censoring.count());
    for k in 0..rounds {
        let origins: Vec<Option<usize>> =
            (0..panel.series.len()).map(|s| censoring.periods(s).get(k).copied()).collect();
        for sf in one_step(model, &imputed, &origins)? {
            let (s, t) = (sf.series, sf.origin);
            let sales = panel.series[s].target[t];
            let mu = sf.point[0].max(0.0);
            let excess = match noise {
                DemandNoise::NegativeBinomial { .. } => Excess::counts(mu, dispersion.unwrap_or(f64::INFINITY), sales),
                DemandNoise::Poisson => Excess::counts(mu, f64::INFINITY, sales),
                DemandNoise::ForecastBand => Excess::band(band(&sf, panel)?, sales),
            };
            let lost = excess.mean();
            let unit_price = prices.unit_price(panel, s, t)?;
            imputed.series[s].target[t] = sales + lost;
            found.push((
                LostPeriod {
                    series: s,
                    t,
                    date: panel.date(&panel.series[s], t),
                    sales,
                    forecast: mu,
                    demand: sales + lost,
                    lost_units: lost,
                    unit_price,
                    lost_revenue: unit_price.map(|p| p * lost),
                    p_reached: excess.p_reached(),
                },
                excess,
            ));
        }
    }
    found.sort_by_key(|(p, _)| (p.series, p.t));
    Ok(found.into_iter().unzip())
}

fn band(sf: &SeriesForecast, panel: &Panel) -> Result<DemandDistribution> {
    if sf.quantiles.len() < 2 {
        return Err(DecisionError::invalid(
            format!("forecast of series {} at {}", sf.key, date_text(panel, sf.series, sf.origin)),
            format!("{} quantiles", sf.quantiles.len()),
            "at least two quantile paths for DemandNoise::ForecastBand (fit quantile models or calibrate conformal intervals)",
        ));
    }
    let levels: Vec<f64> = sf.quantiles.iter().map(|q| q.alpha).collect();
    let values: Vec<f64> = sf.quantiles.iter().map(|q| q.values.first().copied().unwrap_or(f64::NAN)).collect();
    DemandDistribution::from_quantiles(&levels, &values, Some(0.0))
}

/// Per-series and total figures with Monte Carlo intervals.
fn summarise(
    panel: &Panel,
    periods: Vec<LostPeriod>,
    excess: &[Excess],
    options: &LostSalesOptions,
) -> LostSalesReport {
    let with_revenue = !matches!(options.revenue, RevenueSource::None);
    // Series with censored periods, in panel order, and each period's episode.
    let mut series_of: Vec<usize> = periods.iter().map(|p| p.series).collect();
    series_of.dedup();
    let mut episode = Vec::with_capacity(periods.len());
    let mut n_episodes = 0usize;
    for (i, p) in periods.iter().enumerate() {
        let continues = i > 0 && periods[i - 1].series == p.series && periods[i - 1].t + 1 == p.t;
        if !continues {
            n_episodes += 1;
        }
        episode.push(n_episodes - 1);
    }
    let slot = |s: usize| series_of.binary_search(&s).unwrap_or(0);
    let draws = options.draws;
    let mut units = vec![vec![0.0; draws]; series_of.len()];
    let mut revenue = vec![vec![0.0; draws]; series_of.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut u = vec![0.0; n_episodes];
    for d in 0..draws {
        for v in &mut u {
            *v = rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
        }
        for ((p, e), &ep) in periods.iter().zip(excess).zip(&episode) {
            let lost = e.sample(u[ep]);
            let i = slot(p.series);
            units[i][d] += lost;
            revenue[i][d] += lost * p.unit_price.unwrap_or(0.0);
        }
    }
    let tail = (1.0 - options.confidence) / 2.0;
    let interval = |estimate: f64, draws: &[f64]| {
        let mut sorted = draws.to_vec();
        sorted.sort_by(f64::total_cmp);
        let q = |a: f64| sorted[((a * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
        Estimate { estimate, low: q(tail).min(estimate), high: q(1.0 - tail).max(estimate) }
    };
    let mut series = Vec::with_capacity(series_of.len());
    for (i, &s) in series_of.iter().enumerate() {
        let own: Vec<&LostPeriod> = periods.iter().filter(|p| p.series == s).collect();
        let lost: f64 = own.iter().map(|p| p.lost_units).sum();
        let lost_rev: f64 = own.iter().filter_map(|p| p.lost_revenue).sum();
        series.push(SeriesLostSales {
            series: s,
            key: panel.series[s].key.clone(),
            censored_periods: own.len(),
            sales: own.iter().map(|p| p.sales).sum(),
            demand: own.iter().map(|p| p.demand).sum(),
            lost_units: interval(lost, &units[i]),
            lost_revenue: with_revenue.then(|| interval(lost_rev, &revenue[i])),
        });
    }
    let total_draws = |per: &[Vec<f64>]| (0..draws).map(|d| per.iter().map(|v| v[d]).sum()).collect::<Vec<f64>>();
    let lost_units = interval(periods.iter().map(|p| p.lost_units).sum(), &total_draws(&units));
    let lost_revenue =
        with_revenue.then(|| interval(periods.iter().filter_map(|p| p.lost_revenue).sum(), &total_draws(&revenue)));
    LostSalesReport {
        sales: periods.iter().map(|p| p.sales).sum(),
        demand: periods.iter().map(|p| p.demand).sum(),
        periods,
        series,
        lost_units,
        lost_revenue,
        noise: options.noise,
        dispersion: None,
        calibration_periods: 0,
        confidence: options.confidence,
        censoring: CensoringSummary::default(),
    }
}
