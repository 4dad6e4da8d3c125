//! Invariants over random inputs.

use forecast_decisions::DemandDistribution;
use forecast_decisions::inventory::{NewsvendorCosts, newsvendor, newsvendor_cost};
use forecast_decisions::simulate::{LeadTime, OrderPolicy, Policy, ShortageMode, SimulationConfig, simulate};
use proptest::prelude::*;

proptest! {
    #[test]
    fn newsvendor_level_is_a_minimum_on_any_quantile_forecast(
        base in 0.0f64..50.0,
        gaps in proptest::collection::vec(0.0f64..20.0, 3),
        h in 0.05f64..5.0,
        p in 0.05f64..20.0,
        delta in 0.01f64..10.0,
    ) {
        let values = [base, base + gaps[0], base + gaps[0] + gaps[1], base + gaps[0] + gaps[1] + gaps[2]];
        let d = DemandDistribution::from_quantiles(&[0.1, 0.4, 0.7, 0.95], &values, Some(0.0)).unwrap();
        let costs = NewsvendorCosts::new(h, p).unwrap();
        let best = newsvendor(&d, costs);
        let tol = 1e-9 * (1.0 + best.expected_cost);
        prop_assert!(newsvendor_cost(&d, best.base_stock_level + delta, costs) >= best.expected_cost - tol);
        prop_assert!(newsvendor_cost(&d, best.base_stock_level - delta, costs) >= best.expected_cost - tol);
    }

    #[test]
    fn simulation_conserves_units(
        demand in proptest::collection::vec(0.0f64..30.0, 1..80),
        s in 0.0f64..40.0,
        q in 1.0f64..60.0,
        lead in 0usize..5,
        lost in any::<bool>(),
    ) {
        let cfg = SimulationConfig {
            holding_cost: 1.0,
            stockout_cost: 3.0,
            lead_time: LeadTime::Fixed { periods: lead },
            shortage: if lost { ShortageMode::LostSales } else { ShortageMode::Backorder },
            keep_trace: true,
            ..Default::default()
        };
        let mut policy = Policy::SS { reorder_point: s, order_up_to_level: s + q };
        let start = policy.initial_inventory();
        let r = simulate(&mut policy, &demand, &cfg).unwrap();
        let tr = r.trace.unwrap();
        let received: f64 = tr.iter().map(|t| t.received).sum();
        let lost_units: f64 = tr.iter().map(|t| t.lost).sum();
        let end = tr.last().unwrap().inventory_level;
        prop_assert!((start + received - (r.total_demand - lost_units) - end).abs() < 1e-6);
        prop_assert!((0.0..=1.0).contains(&r.fill_rate) && (0.0..=1.0).contains(&r.cycle_service_level));
    }
}
