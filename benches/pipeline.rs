//! The fitted pipeline's hot paths: the recursive strategy's 28-step forecast of the default
//! panel (50 series x 730 days; each step appends the predictions and reads the next row, the
//! EWMs carried by a cursor instead of recomputed from the series' start), and a GBDT fit with
//! two quantile heads (the heads share the point model's binned matrix).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use forecast::core::data::default_panel;
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::GlobalForecaster;
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::{Frequency, Panel, ParamGuard};
use std::hint::black_box;

fn gbdt(rounds: usize, objective: Objective) -> Option<forecast::core::gbdt::GbdtValidParams> {
    Gbdt::params().objective(objective).n_rounds(rounds).seed(1).check().ok()
}

fn recursive_forecast(c: &mut Criterion) {
    let panel = default_panel();
    let spec = FeatureSpec::for_frequency(Frequency::Daily);
    let Some(params) = gbdt(50, Objective::Poisson) else { return };
    let Ok(pipeline) = GlobalForecaster::new("gbdt", params, spec).fit_pipeline(&panel) else { return };
    let mut group = c.benchmark_group("recursive_forecast");
    group.sample_size(20);
    for horizon in [7, 28] {
        group.bench_with_input(BenchmarkId::new("default_panel", horizon), &horizon, |b, &h| {
            b.iter(|| black_box(pipeline.forecast(&panel, h).map(|f| f.series.len())))
        });
    }
    group.finish();
}

fn quantile_heads(c: &mut Criterion) {
    let mut panel: Panel = default_panel();
    panel.series.truncate(10);
    let spec = FeatureSpec::for_frequency(Frequency::Daily);
    let (Some(point), Some(q10), Some(q90)) = (
        gbdt(30, Objective::Poisson),
        gbdt(30, Objective::Quantile { alpha: 0.1 }),
        gbdt(30, Objective::Quantile { alpha: 0.9 }),
    ) else {
        return;
    };
    let model = GlobalForecaster::new("gbdt", point, spec).quantile(0.1, q10).quantile(0.9, q90);
    let mut group = c.benchmark_group("fit_with_quantile_heads");
    group.sample_size(10);
    group.bench_function("10_series_3_heads", |b| b.iter(|| black_box(model.fit_pipeline(&panel).is_ok())));
    group.finish();
}

criterion_group!(benches, recursive_forecast, quantile_heads);
criterion_main!(benches);
