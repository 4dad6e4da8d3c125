//! Reorder plans from forecasts: the arithmetic on a hand-made quantile band, and plans from a
//! fitted pipeline with quantile models.

use chrono::NaiveDate;
use forecast_core::ParamGuard;
use forecast_core::SeriesKey;
use forecast_core::data::RetailGenerator;
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::{Forecasts, GlobalForecaster, QuantileForecast, SeriesForecast};
use forecast_core::gbdt::{Gbdt, Objective};
use forecast_decisions::inventory::ServiceTarget;
use forecast_decisions::rank;
use forecast_decisions::reorder::{DemandSource, LotSize, ReorderSettings, plan_series, reorder_plans};
use forecast_decisions::special::poisson_quantile;

fn forecast() -> SeriesForecast {
    let start = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    SeriesForecast {
        series: 3,
        key: SeriesKey(vec!["store_1".into(), "item_2".into()]),
        origin: 100,
        dates: (0..5).map(|k| start + chrono::TimeDelta::days(k)).collect(),
        point: vec![10.0, 12.0, 30.0, 11.0, 10.0],
        quantiles: vec![
            QuantileForecast { alpha: 0.1, values: vec![6.0, 7.0, 20.0, 7.0, 6.0] },
            QuantileForecast { alpha: 0.5, values: vec![10.0, 12.0, 29.0, 11.0, 10.0] },
            QuantileForecast { alpha: 0.9, values: vec![15.0, 18.0, 42.0, 16.0, 15.0] },
        ],
    }
}

#[test]
fn comonotone_plan_orders_up_to_the_sum_of_quantiles() {
    // L = 2, R = 1: steps 0..3; their 90% quantiles sum to 15 + 18 + 42 = 75.
    let settings = ReorderSettings { service: ServiceTarget::CycleServiceLevel(0.9), ..ReorderSettings::default() };
    let (plan, demand) = plan_series(&forecast(), 20.0, &settings).unwrap();
    assert!((plan.reorder_point - 75.0).abs() < 1e-9, "{plan:?}");
    assert!((plan.order_up_to - 75.0).abs() < 1e-9 && (plan.order_quantity - 55.0).abs() < 1e-9);
    assert!((plan.demand_p50 - 51.0).abs() < 1e-9 && (plan.demand_p10 - 33.0).abs() < 1e-9);
    assert!((plan.safety_stock - (75.0 - demand.mean())).abs() < 1e-9);
    assert!((plan.cycle_service_level - 0.9).abs() < 1e-9);
    assert_eq!((plan.protection_periods, plan.source), (3, DemandSource::QuantileBand));
    // Above the reorder point nothing is ordered.
    assert_eq!(plan_series(&forecast(), 80.0, &settings).unwrap().0.order_quantity, 0.0);
    // Whole lots of 20: the fewest that lift 20 above 75 is three (60); packs of 25 round 55 to 75.
    let lots = ReorderSettings { lot_size: LotSize::Fixed { quantity: 20.0 }, ..settings };
    let (p, _) = plan_series(&forecast(), 20.0, &lots).unwrap();
    assert_eq!((p.order_quantity, p.order_up_to), (60.0, 95.0));
    let packs = ReorderSettings { pack_size: Some(25.0), ..settings };
    assert_eq!(plan_series(&forecast(), 20.0, &packs).unwrap().0.order_quantity, 75.0);
    // A recommendation with the money of ordering.
    let rec = plan.recommendation(&demand, 3.0, 0.5, 0.9).unwrap().unwrap();
    assert!(rec.expected_value > 0.0 && rec.target == "store_1/item_2");
}

#[test]
fn fill_rate_targets_and_continuous_review() {
    // Continuous review (R = 0) with L = 3 and an EOQ lot: the fill rate at the reorder point
    // is the target, against one lot's demand per cycle.
    let settings = ReorderSettings {
        lead_time: 3,
        review_period: 0,
        service: ServiceTarget::FillRate(0.98),
        lot_size: LotSize::Eoq { fixed_cost: 50.0, holding_cost: 0.2 },
        ..ReorderSettings::default()
    };
    let (plan, _) = plan_series(&forecast(), 1000.0, &settings).unwrap();
    let rate = 73.0 / 5.0;
    assert!((plan.lot_size - (2.0f64 * 50.0 * rate / 0.2).sqrt()).abs() < 1e-9);
    assert_eq!(plan.order_quantity, 0.0);
    let (at_s, _) = plan_series(&forecast(), plan.reorder_point, &settings).unwrap();
    assert!(at_s.order_quantity > 0.0);
    let (at_s_exact, _) = plan_series(&forecast(), plan.reorder_point + 1e-9, &settings).unwrap();
    assert!((at_s_exact.fill_rate - 0.98).abs() < 1e-6, "{at_s_exact:?}");
    let zero = ReorderSettings { lead_time: 0, review_period: 0, ..ReorderSettings::default() };
    assert_eq!(plan_series(&forecast(), 0.0, &zero).unwrap_err().parameter(), Some("lead_time + review_period"));
    let long = ReorderSettings { lead_time: 5, ..ReorderSettings::default() };
    assert!(plan_series(&forecast(), 0.0, &long).is_err(), "6 steps beyond a 5-step forecast");
}

#[test]
fn point_forecasts_need_an_explicit_count_model() {
    let mut f = forecast();
    f.quantiles.clear();
    let e = plan_series(&f, 0.0, &ReorderSettings::default()).unwrap_err().to_string();
    assert!(e.contains("store_1/item_2") && e.contains("quantile"), "{e}");
    let poisson = ReorderSettings { poisson_without_band: true, ..ReorderSettings::default() };
    let (plan, _) = plan_series(&f, 0.0, &poisson).unwrap();
    assert_eq!(plan.source, DemandSource::PoissonOnPoint);
    assert_eq!(plan.reorder_point, poisson_quantile(0.95, 52.0));
}

#[test]
fn plans_from_a_pipeline_with_quantile_models() {
    let data = RetailGenerator::new(9).stores(2).items(3).days(240).future_days(14).generate();
    let panel = &data.panel;
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let learner = |objective| Gbdt::params().objective(objective).n_rounds(40).check().unwrap();
    let model = GlobalForecaster::new("gbdt", learner(Objective::Poisson), features)
        .quantile(0.1, learner(Objective::Quantile { alpha: 0.1 }))
        .quantile(0.5, learner(Objective::Quantile { alpha: 0.5 }))
        .quantile(0.9, learner(Objective::Quantile { alpha: 0.9 }));
    let forecasts: Forecasts = model.fit_pipeline(panel).unwrap().forecast(panel, 7).unwrap();
    let positions = vec![0.0; forecasts.series.len()];
    let plans = reorder_plans(&forecasts, &positions, &ReorderSettings::default()).unwrap();
    assert_eq!(plans.len(), 6);
    for (p, sf) in plans.iter().zip(&forecasts.series) {
        let q90: f64 = sf.quantile(0.9).unwrap()[..3].iter().sum();
        assert!(p.demand_p10 <= p.demand_p50 && p.demand_p50 <= p.demand_p90, "{p:?}");
        assert!(p.reorder_point >= p.demand_p90.min(q90) && p.order_quantity == p.reorder_point, "{p:?}");
    }
    let e = reorder_plans(&forecasts, &[0.0], &ReorderSettings::default()).unwrap_err();
    assert!(e.to_string().contains("inventory positions"));
    let recs: Vec<_> = plans
        .iter()
        .zip(&forecasts.series)
        .filter_map(|(p, sf)| {
            let (_, demand) = plan_series(sf, 0.0, &ReorderSettings::default()).unwrap();
            p.recommendation(&demand, 2.0, 0.3, 0.95).unwrap()
        })
        .collect();
    assert_eq!(rank(recs).len(), 6);
}
