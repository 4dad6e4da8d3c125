//! Feature building: `training_matrix` on the generator's default daily panel (50 series x
//! 730 days, default daily spec, 38 columns) and on 1,000 generated series x 156 periods read
//! as a weekly panel (default weekly spec, 33 columns).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use forecast::core::data::{RetailGenerator, default_panel};
use forecast::core::features::{FeatureBuilder, FeatureSpec};
use forecast::core::{Frequency, Panel, Series};
use std::hint::black_box;

/// 20 stores x 50 items x 156 periods (+13 planned), relabelled weekly: the values come from
/// the daily generator, which is all a timing needs.
fn weekly_panel() -> Panel {
    let mut panel = RetailGenerator::new(7).stores(20).items(50).days(156).future_days(13).generate().panel;
    panel.frequency = Frequency::Weekly;
    panel
}

fn training_matrix(c: &mut Criterion) {
    let mut group = c.benchmark_group("training_matrix");
    group.sample_size(20);
    for (label, p) in [("daily_50x730", default_panel()), ("weekly_1000x156", weekly_panel())] {
        let spec = FeatureSpec::for_frequency(p.frequency);
        let Ok(builder) = FeatureBuilder::new(&p, spec.clone()) else { return };
        let ends: Vec<usize> = p.series.iter().map(Series::len).collect();
        for shift in [1, 7] {
            group.bench_with_input(BenchmarkId::new(label, format!("shift{shift}")), &shift, |b, &shift| {
                b.iter(|| black_box(builder.training_matrix(&ends, shift).map(|m| m.n_rows())))
            });
        }
        group.bench_function(BenchmarkId::new(label, "builder_new"), |b| {
            b.iter(|| black_box(FeatureBuilder::new(&p, spec.clone()).map(|f| f.n_features())))
        });
    }
    group.finish();
}

criterion_group!(benches, training_matrix);
criterion_main!(benches);
