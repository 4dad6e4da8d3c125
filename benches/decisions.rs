//! forecast-decisions: the costs of the inventory calculator, lead-time demand from forecast
//! quantiles, policy simulation and Huff calibration.
//!
//! `cargo bench -p forecast-benches --bench decisions`; as a smoke test
//! (`cargo test -p forecast-benches --bench decisions`) each bench runs once.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::decisions::calculator::evaluate_str;
use forecast::decisions::expansion::{DemandPoint, HuffModel, HuffStore};
use forecast::decisions::lead_time::sum_marginals;
use forecast::decisions::simulate::{LeadTime, Policy, ShortageMode, SimulationConfig, demand_paths, simulate};
use forecast::decisions::{DemandDistribution, StepDependence};
use std::hint::black_box;

fn calculator(c: &mut Criterion) {
    let mut g = c.benchmark_group("calculator");
    for (name, req) in [
        (
            "newsvendor_normal",
            r#"{"policy":"newsvendor_normal","holding_cost":0.18,"stockout_cost":0.7,"demand_mean":50,"demand_sd":8,"lead_time":2}"#,
        ),
        (
            "r_q_eil",
            r#"{"policy":"r_q","method":"eil","holding_cost":0.225,"stockout_cost":7.5,"fixed_cost":8,"demand_mean":1300,"demand_sd":150,"lead_time":0.25}"#,
        ),
        (
            "r_q_eoqb",
            r#"{"policy":"r_q","method":"eoqb","holding_cost":0.225,"stockout_cost":7.5,"fixed_cost":8,"demand_mean":1300,"demand_sd":150,"lead_time":0.25}"#,
        ),
        (
            "wagner_whitin_52",
            &format!(
                r#"{{"policy":"wagner_whitin","holding_cost":1,"fixed_cost":400,"demand":[{}]}}"#,
                (0..52).map(|i| ((i * 37) % 90 + 10).to_string()).collect::<Vec<_>>().join(",")
            ),
        ),
    ] {
        g.bench_function(name, |b| b.iter(|| evaluate_str(black_box(req)).expect("valid request")));
    }
    g.finish();
}

fn lead_time(c: &mut Criterion) {
    let levels: Vec<f64> = (1..20).map(|i| i as f64 / 20.0).collect();
    let mut g = c.benchmark_group("lead_time_demand");
    for steps in [7usize, 28] {
        let marginals: Vec<DemandDistribution> = (0..steps)
            .map(|k| {
                let values: Vec<f64> = levels.iter().map(|a| (10.0 + k as f64) * (0.5 + a)).collect();
                DemandDistribution::from_quantiles(&levels, &values, Some(0.0)).expect("valid quantiles")
            })
            .collect();
        g.throughput(Throughput::Elements(steps as u64));
        g.bench_with_input(BenchmarkId::new("comonotone", steps), &marginals, |b, m| {
            b.iter(|| sum_marginals(black_box(m), StepDependence::Comonotone).expect("sum"))
        });
        g.bench_with_input(BenchmarkId::new("gaussian_10k_draws", steps), &marginals, |b, m| {
            b.iter(|| {
                sum_marginals(black_box(m), StepDependence::Gaussian { rho: 0.5, draws: 10_000, seed: 1 }).expect("sum")
            })
        });
    }
    g.finish();
}

fn simulation(c: &mut Criterion) {
    let d = DemandDistribution::poisson(20.0).expect("poisson");
    let mut g = c.benchmark_group("simulate");
    for periods in [365usize, 3650] {
        let path = demand_paths(&d, periods, 1, 7).remove(0);
        let cfg = SimulationConfig {
            holding_cost: 0.1,
            stockout_cost: 2.0,
            fixed_cost: 10.0,
            lead_time: LeadTime::Fixed { periods: 3 },
            shortage: ShortageMode::LostSales,
            ..Default::default()
        };
        g.throughput(Throughput::Elements(periods as u64));
        g.bench_with_input(BenchmarkId::new("s_S_lost_sales", periods), &path, |b, p| {
            b.iter(|| {
                let mut policy = Policy::SS { reorder_point: 70.0, order_up_to_level: 150.0 };
                simulate(&mut policy, black_box(p), &cfg).expect("simulate")
            })
        });
    }
    g.finish();
}

fn huff(c: &mut Criterion) {
    let points: Vec<DemandPoint> = (0..400)
        .map(|i| DemandPoint { id: format!("p{i}"), location: ((i % 20) as f64, (i / 20) as f64), spending: 100.0 })
        .collect();
    let stores: Vec<HuffStore> = (0..12)
        .map(|j| HuffStore {
            id: format!("s{j}"),
            location: ((j * 7 % 20) as f64, (j * 11 % 20) as f64),
            attractiveness: 1.0 + (j % 4) as f64,
            own: j % 2 == 0,
            sales: Some(1000.0 + 100.0 * j as f64),
        })
        .collect();
    c.bench_function("huff_calibrate_400_points_12_stores", |b| {
        b.iter(|| HuffModel::default().calibrate(black_box(&points), black_box(&stores)).expect("calibrate"))
    });
}

criterion_group!(benches, calculator, lead_time, simulation, huff);
criterion_main!(benches);
