//! Lost sales from censored demand: the arithmetic on a hand-made panel, and the estimate
//! against the generator's ground truth (demand before censoring).

use chrono::NaiveDate;
use forecast_core::baseline::MovingAverage;
use forecast_core::data::RetailGenerator;
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::{GlobalForecaster, LocalForecaster};
use forecast_core::gbdt::{Gbdt, Objective};
use forecast_core::{Frequency, Panel, ParamGuard, Series, SeriesKey};
use forecast_decisions::lost_sales::{
    Censoring, DemandNoise, EmOptions, LostSalesOptions, RevenueSource, StockKind, estimate_lost_sales,
    estimate_lost_sales_em, impute_demand,
};

fn flat_panel() -> (Panel, Vec<Vec<f64>>) {
    // Ten units a day at price 2 (20% off on day 12); stock ran out at 3 units on days 12 and 13.
    let mut target = vec![10.0; 20];
    target[12] = 3.0;
    target[13] = 3.0;
    let mut stock = vec![50.0; 20];
    stock[12] = 3.0;
    stock[13] = 3.0;
    let mut discount = vec![0.0; 20];
    discount[12] = 0.2;
    let series = Series {
        key: SeriesKey(vec!["store_1".into(), "item_1".into()]),
        start: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        target,
        regressors: vec![vec![2.0; 20], discount],
        statics: vec![],
    };
    let panel = Panel::new(
        Frequency::Daily,
        vec!["store".into(), "item".into()],
        "units",
        vec!["price".into(), "discount".into()],
        vec![],
        vec![],
        vec![series],
    )
    .unwrap();
    (panel, vec![stock])
}

/// `E[D - c | D >= c]` for Poisson demand with mean `mu`, by direct summation.
fn poisson_excess(mu: f64, c: u32) -> f64 {
    let mut pmf = (-mu).exp();
    let (mut p, mut m) = (0.0, 0.0);
    for d in 0..400u32 {
        if d >= c {
            p += pmf;
            m += pmf * f64::from(d - c);
        }
        pmf *= mu / f64::from(d + 1);
    }
    m / p
}

#[test]
fn censored_days_get_the_conditional_demand_of_the_forecast() {
    let (panel, stock) = flat_panel();
    let censoring = Censoring::from_stock(&panel, &stock, StockKind::Available).unwrap();
    assert_eq!(censoring.periods(0), [12, 13]);
    let model =
        LocalForecaster::new(MovingAverage { window: 5 }).fit_pipeline(&censoring.mask(&panel).unwrap()).unwrap();
    let options = LostSalesOptions { noise: DemandNoise::Poisson, ..LostSalesOptions::default() };
    let report = estimate_lost_sales(&model, &panel, &censoring, &options).unwrap();
    // Day 12: the mean of five tens is 10. Day 13 reads day 12 as imputed demand 3 + excess.
    let day12 = 3.0 + poisson_excess(10.0, 3);
    let day13_mean = (4.0 * 10.0 + day12) / 5.0;
    let p = &report.periods;
    assert!((p[0].forecast - 10.0).abs() < 1e-12 && (p[0].demand - day12).abs() < 1e-9, "{:?}", p[0]);
    assert!((p[1].forecast - day13_mean).abs() < 1e-9, "{:?}", p[1]);
    let lost = (day12 - 3.0) + poisson_excess(day13_mean, 3);
    assert!((report.lost_units.estimate - lost).abs() < 1e-9);
    // Revenue at the net price: 1.6 on the discounted day, 2 on the next.
    let revenue = 1.6 * (day12 - 3.0) + 2.0 * poisson_excess(day13_mean, 3);
    assert!((report.lost_revenue.unwrap().estimate - revenue).abs() < 1e-9);
    let units = report.lost_units;
    assert!(units.low < units.estimate && units.estimate < units.high, "{units:?}");
    assert_eq!(report.series.len(), 1);
    assert_eq!(report.series[0].censored_periods, 2);
    // The imputed panel holds demand on censored days and sales elsewhere.
    let imputed = impute_demand(&panel, &report).unwrap();
    assert!((imputed.series[0].target[12] - day12).abs() < 1e-9 && imputed.series[0].target[11] == 10.0);
}

#[test]
fn options_and_columns_are_checked() {
    let (panel, stock) = flat_panel();
    let censoring = Censoring::from_stock(&panel, &stock, StockKind::Available).unwrap();
    let model = LocalForecaster::new(MovingAverage { window: 5 }).fit_pipeline(&panel).unwrap();
    let bad_price = LostSalesOptions {
        noise: DemandNoise::Poisson,
        revenue: RevenueSource::Columns { price: "shelf_price".into(), discount: None },
        ..LostSalesOptions::default()
    };
    let e = estimate_lost_sales(&model, &panel, &censoring, &bad_price).unwrap_err().to_string();
    assert!(e.contains("shelf_price") && e.contains("price, discount"), "{e}");
    let band = LostSalesOptions { noise: DemandNoise::ForecastBand, ..LostSalesOptions::default() };
    let e = estimate_lost_sales(&model, &panel, &censoring, &band).unwrap_err().to_string();
    assert!(e.contains("quantile"), "{e}");
    let few = LostSalesOptions { draws: 10, ..LostSalesOptions::default() };
    assert_eq!(estimate_lost_sales(&model, &panel, &censoring, &few).unwrap_err().parameter(), Some("draws"));
}

/// The acceptance figure: on the default generator panel (seed 42, 50 series x 730 days), lost
/// units on its stockout days, estimated by a Poisson GBDT fitted on uncensored days, within
/// 10% of the truth in total, with the truth inside the 90% interval.
#[test]
fn generator_lost_units_are_within_ten_percent_of_the_truth() {
    let fit = crate::fitted::default_fit();
    let (data, censoring) = (&fit.data, &fit.censoring);
    let panel = &data.panel;
    assert_eq!(censoring.summary().unmatched_records, 0);
    let report = estimate_lost_sales(&fit.pipeline, panel, censoring, &LostSalesOptions::default()).unwrap();
    let truth = data.truth.total_lost_sales();
    let est = report.lost_units;
    assert!((est.estimate / truth - 1.0).abs() < 0.10, "estimated {est:?}, truth {truth}");
    assert!(est.low <= truth && truth <= est.high, "estimated {est:?}, truth {truth}");
    // Per series, the 90% intervals cover the truth for most series.
    let covered = report
        .series
        .iter()
        .filter(|s| {
            let t: f64 = data.truth.series[s.series].lost_sales.iter().sum();
            s.lost_units.low <= t && t <= s.lost_units.high
        })
        .count();
    assert!(covered as f64 >= 0.8 * report.series.len() as f64, "{covered} of {}", report.series.len());
    // Revenue at the day's net price, against the truth's lost units at the same prices.
    let truth_revenue: f64 = panel
        .series
        .iter()
        .zip(&data.truth.series)
        .map(|(s, t)| {
            (0..s.len()).map(|i| t.lost_sales[i] * s.regressors[0][i] * (1.0 - s.regressors[1][i])).sum::<f64>()
        })
        .sum();
    let revenue = report.lost_revenue.unwrap();
    assert!((revenue.estimate / truth_revenue - 1.0).abs() < 0.10, "{revenue:?} vs {truth_revenue}");
    println!("lost units {est:?} vs truth {truth}; revenue {revenue:?} vs truth {truth_revenue}");
}

#[test]
fn em_starts_from_the_masked_fit_and_refits_on_imputed_demand() {
    let data = RetailGenerator::new(3).stores(2).items(3).days(300).future_days(7).generate();
    let panel = &data.panel;
    let censoring = Censoring::from_records(panel, &data.records).unwrap();
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let gbdt = Gbdt::params().objective(Objective::Poisson).n_rounds(30).check().unwrap();
    let forecaster = GlobalForecaster::new("gbdt", gbdt, features);
    let options =
        LostSalesOptions { noise: DemandNoise::NegativeBinomial { dispersion: Some(8.0) }, ..Default::default() };
    let em = estimate_lost_sales_em(
        &forecaster,
        panel,
        &censoring,
        &options,
        EmOptions { max_iterations: 2, tolerance: 1e-9 },
    )
    .unwrap();
    let masked = forecaster.fit_pipeline(&censoring.mask(panel).unwrap()).unwrap();
    let first = estimate_lost_sales(&masked, panel, &censoring, &options).unwrap();
    assert_eq!(em.steps.len(), 2);
    assert_eq!(em.steps[0].lost_units, first.lost_units.estimate);
    let refit = forecaster.fit_pipeline(&impute_demand(panel, &first).unwrap()).unwrap();
    let second = estimate_lost_sales(&refit, panel, &censoring, &options).unwrap();
    assert_eq!(em.steps[1].lost_units, second.lost_units.estimate);
    assert_eq!(em.report, second);
}
