//! Lead-time demand from forecast-core's `SeriesForecast` into inventory decisions.

use chrono::NaiveDate;
use forecast_core::SeriesKey;
use forecast_core::forecast::{QuantileForecast, SeriesForecast};
use forecast_decisions::inventory::{NewsvendorCosts, ServiceTarget, newsvendor, reorder_point};
use forecast_decisions::lead_time::{ProtectionInterval, StepDependence, lead_time_demand, lead_time_demand_poisson};
use forecast_decisions::special::normal_quantile;

fn forecast(levels: &[f64], mean: &[f64], sd: &[f64]) -> SeriesForecast {
    let start = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    SeriesForecast {
        series: 0,
        key: SeriesKey(vec!["store_1".into(), "item_7".into()]),
        origin: 100,
        dates: (0..mean.len()).map(|k| start + chrono::Days::new(k as u64)).collect(),
        point: mean.to_vec(),
        quantiles: levels
            .iter()
            .map(|&a| QuantileForecast {
                alpha: a,
                values: mean.iter().zip(sd).map(|(m, s)| m + s * normal_quantile(a)).collect(),
            })
            .collect(),
    }
}

#[test]
fn a_promotion_step_raises_the_reorder_point_by_its_own_quantiles() {
    // Seven daily steps; step 3 is a promotion with twice the mean and spread.
    let levels: Vec<f64> = (1..40).map(|i| i as f64 / 40.0).collect();
    let mut mean = vec![20.0; 7];
    let mut sd = vec![4.0; 7];
    mean[3] = 40.0;
    sd[3] = 8.0;
    let f = forecast(&levels, &mean, &sd);
    let interval = ProtectionInterval::new(5, 2);
    let co = lead_time_demand(&f, interval, StepDependence::Comonotone).unwrap();
    // Comonotone normal steps sum to a normal with summed means and summed deviations: at the
    // knots, the quantiles are exact.
    let alpha = 0.95;
    let want = 160.0 + 32.0 * normal_quantile(alpha);
    assert!((co.quantile(alpha) - want).abs() < 1e-9, "{} vs {want}", co.quantile(alpha));
    let rp = reorder_point(&co, ServiceTarget::CycleServiceLevel(alpha), 20.0).unwrap();
    assert!((rp.reorder_point - want).abs() < 1e-9);

    let ind = lead_time_demand(&f, interval, StepDependence::Gaussian { rho: 0.0, draws: 20_000, seed: 5 }).unwrap();
    let costs = NewsvendorCosts::new(1.0, 9.0).unwrap();
    let (s_co, s_ind) = (newsvendor(&co, costs).base_stock_level, newsvendor(&ind, costs).base_stock_level);
    assert!(s_ind < s_co, "independence needs less stock: {s_ind} vs {s_co}");
    // Independent normals: sd sqrt(6 * 16 + 64) = 12.65, so the 0.9 quantile is near
    // 160 + 1.2816 * 12.65 (the marginals' tails are linear beyond 0.025 and 0.975).
    assert!((s_ind - (160.0 + 1.2816 * (160.0f64).sqrt())).abs() < 1.0, "{s_ind}");
}

#[test]
fn point_only_forecasts_need_an_explicit_count_model() {
    let f = SeriesForecast { quantiles: Vec::new(), ..forecast(&[0.5], &[3.0, 4.0, 5.0], &[1.0, 1.0, 1.0]) };
    let err = lead_time_demand(&f, ProtectionInterval::new(2, 0), StepDependence::Comonotone).unwrap_err();
    assert!(err.to_string().contains("store_1/item_7"), "{err}");
    let p = lead_time_demand_poisson(&f, ProtectionInterval::new(2, 1)).unwrap();
    assert_eq!(p.mean(), 12.0);
    let beyond = lead_time_demand_poisson(&f, ProtectionInterval::new(3, 1)).unwrap_err();
    assert_eq!(beyond.parameter(), Some("steps"));
}
