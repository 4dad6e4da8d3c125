//! Fitting speed of the local statistical models: each iteration fits (and forecasts) every
//! series of a generated panel, one after another on one thread — AutoETS (the full
//! search, as statsforecast's default), AutoTheta, Croston and TSB.
//!
//! Panels: 50 daily series of 365 days (season 7), 50 weekly of 156 weeks (season 52), 50
//! monthly of 72 months (season 12), 50 intermittent daily of 365 days. Divide by 50 for the
//! time of one series; multiply by 20 for 1,000.
//!
//! `cargo bench -p forecast-benches --bench stats`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use forecast::core::Frequency;
use forecast::core::baseline::SeriesForecaster;
use forecast::core::data::RetailGenerator;
use forecast::core::stats::LocalModel;
use std::hint::black_box;

fn panel(frequency: Frequency, periods: usize, intermittent: f64) -> Vec<Vec<f64>> {
    let g = RetailGenerator::new(11).stores(5).items(10).frequency(frequency).periods(periods).future_periods(0);
    g.intermittent(intermittent).trend_strength(2.0).generate().panel.series.into_iter().map(|s| s.target).collect()
}

fn fit_all(model: &LocalModel, series: &[Vec<f64>], horizon: usize) -> f64 {
    series.iter().filter_map(|y| model.forecast(y, horizon).ok()).map(|f| f[0]).sum()
}

fn fitting(c: &mut Criterion) {
    let mut group = c.benchmark_group("stats_fit_50_series");
    group.sample_size(10);
    let panels = [
        ("daily", panel(Frequency::Daily, 365, 0.0), 7, 14),
        ("weekly", panel(Frequency::Weekly, 156, 0.0), 52, 13),
        ("monthly", panel(Frequency::Monthly, 72, 0.0), 12, 12),
        ("intermittent", panel(Frequency::Daily, 365, 1.0), 7, 28),
    ];
    for (name, series, season, horizon) in &panels {
        let mut models = vec![("ets", LocalModel::ets(*season)), ("theta", LocalModel::theta(*season))];
        if *name == "intermittent" {
            models.extend([("croston", LocalModel::Croston), ("tsb", LocalModel::tsb(0.2, 0.1))]);
        }
        for (label, model) in models {
            group.bench_function(BenchmarkId::new(label, name), |b| {
                b.iter(|| black_box(fit_all(&model, series, *horizon)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, fitting);
criterion_main!(benches);
