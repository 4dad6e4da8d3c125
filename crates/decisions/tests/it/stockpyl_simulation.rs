//! The simulator against stockpyl 1.0.2's simulator on the same demand paths.
//!
//! `benches/scripts/make_stockpyl_fixtures.py` runs stockpyl's `single_stage_system` with a
//! deterministic demand list (a seeded path), backorders and a shipment lead time, for
//! base-stock, (s, S) and (r, Q) policies, and records its costs, fill rate and states.

use crate::stockpyl_inventory::close;
use forecast_decisions::simulate::{LeadTime, Policy, SimulationConfig, simulate};
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/stockpyl_simulation.json");

fn policy(spec: &Value) -> Policy {
    let f = |k: &str| spec[k].as_f64().unwrap();
    match spec["policy_type"].as_str().unwrap() {
        "BS" => Policy::BaseStock { base_stock_level: f("base_stock_level") },
        "sS" => Policy::SS { reorder_point: f("reorder_point"), order_up_to_level: f("order_up_to_level") },
        "rQ" => Policy::RQ { reorder_point: f("reorder_point"), order_quantity: f("order_quantity"), multiples: false },
        other => panic!("unknown policy {other}"),
    }
}

#[test]
fn base_stock_ss_and_rq_runs_match_stockpyl() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(fixture["stockpyl_version"], "1.0.2");
    let runs = fixture["runs"].as_array().unwrap();
    assert!(runs.iter().filter(|r| r["policy"]["policy_type"] == "BS").count() >= 4);
    for run in runs {
        let demand: Vec<f64> = run["demand"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let cfg = SimulationConfig {
            holding_cost: run["holding_cost"].as_f64().unwrap(),
            stockout_cost: run["stockout_cost"].as_f64().unwrap(),
            lead_time: LeadTime::Fixed { periods: run["lead_time"].as_u64().unwrap() as usize },
            keep_trace: true,
            ..Default::default()
        };
        let mut p = policy(&run["policy"]);
        let report = simulate(&mut p, &demand, &cfg).unwrap();
        let ctx = format!("{}", run["policy"]);
        assert!(
            close(report.total_cost, run["total_cost"].as_f64().unwrap()),
            "{ctx}: total {} vs {}",
            report.total_cost,
            run["total_cost"]
        );
        assert!(close(report.holding_cost, run["holding_cost_total"].as_f64().unwrap()), "{ctx}: holding");
        assert!(close(report.shortage_cost, run["stockout_cost_total"].as_f64().unwrap()), "{ctx}: stockout");
        assert!(
            close(report.fill_rate, run["fill_rate"].as_f64().unwrap()),
            "{ctx}: fill rate {} vs {}",
            report.fill_rate,
            run["fill_rate"]
        );
        let trace = report.trace.unwrap();
        for (t, s) in trace.iter().enumerate() {
            let want_il = run["inventory_level"][t].as_f64().unwrap();
            let want_q = run["order_quantity"][t].as_f64().unwrap();
            let want_met = run["demand_met_from_stock"][t].as_f64().unwrap();
            assert!((s.inventory_level - want_il).abs() <= 1e-9 * want_il.abs().max(1.0), "{ctx} period {t}: level");
            assert!((s.order_quantity - want_q).abs() <= 1e-9 * want_q.abs().max(1.0), "{ctx} period {t}: order");
            assert!((s.met_from_stock - want_met).abs() <= 1e-9 * want_met.abs().max(1.0), "{ctx} period {t}: met");
        }
    }
}
