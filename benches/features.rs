//! Feature building: `training_matrix` on a daily panel (50 series x 730 days, default daily
//! spec, 41 columns) and a weekly panel (1,000 series x 156 weeks, default weekly spec).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use forecast::core::features::{FeatureBuilder, FeatureSpec};
use forecast::core::{Frequency, Panel, Series, SeriesKey};
use std::hint::black_box;

/// A deterministic panel with the regressors `price, discount, promo, holiday` and statics
/// `store, item`; values follow simple closed forms (no randomness needed for timing).
fn panel(frequency: Frequency, n_series: usize, len: usize, future: usize) -> Panel {
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default();
    let series = (0..n_series)
        .map(|i| {
            let known = len + future;
            let promo: Vec<f64> = (0..known).map(|t| f64::from(u8::from((t + i) % 17 < 2))).collect();
            let discount: Vec<f64> = promo.iter().map(|p| p * 0.2).collect();
            let price: Vec<f64> = discount.iter().map(|d| (5.0 + (i % 7) as f64) * (1.0 - d)).collect();
            let holiday: Vec<f64> = (0..known).map(|t| f64::from(u8::from(t % 61 == 0))).collect();
            let target = (0..len)
                .map(|t| if (t * 31 + i) % 97 == 0 { f64::NAN } else { ((t % 7) as f64 + (i % 5) as f64) * 2.0 })
                .collect();
            Series {
                key: SeriesKey(vec![format!("s{}", i % 10), format!("i{i}")]),
                start,
                target,
                regressors: vec![price, discount, promo, holiday],
                statics: vec![(i % 10) as u32, i as u32],
            }
        })
        .collect();
    Panel {
        frequency,
        key_names: vec!["store".into(), "item".into()],
        target_name: "units".into(),
        regressor_names: ["price", "discount", "promo", "holiday"].map(String::from).to_vec(),
        static_names: vec!["store".into(), "item".into()],
        static_levels: vec![
            (0..10).map(|s| format!("s{s}")).collect(),
            (0..n_series).map(|i| format!("i{i}")).collect(),
        ],
        series,
    }
}

fn training_matrix(c: &mut Criterion) {
    let mut group = c.benchmark_group("training_matrix");
    group.sample_size(20);
    for (label, frequency, n_series, len, future) in
        [("daily_50x730", Frequency::Daily, 50, 730, 90), ("weekly_1000x156", Frequency::Weekly, 1000, 156, 13)]
    {
        let p = panel(frequency, n_series, len, future);
        let Ok(builder) = FeatureBuilder::new(&p, FeatureSpec::for_frequency(frequency)) else { return };
        let ends: Vec<usize> = p.series.iter().map(Series::len).collect();
        for shift in [1, 7] {
            group.bench_with_input(BenchmarkId::new(label, format!("shift{shift}")), &shift, |b, &shift| {
                b.iter(|| black_box(builder.training_matrix(&ends, shift).map(|m| m.n_rows())))
            });
        }
        group.bench_function(BenchmarkId::new(label, "builder_new"), |b| {
            b.iter(|| black_box(FeatureBuilder::new(&p, FeatureSpec::for_frequency(frequency)).map(|f| f.n_features())))
        });
    }
    group.finish();
}

criterion_group!(benches, training_matrix);
criterion_main!(benches);
