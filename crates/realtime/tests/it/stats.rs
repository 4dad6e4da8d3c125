//! Invariants of the rolling statistics and the micro-batcher, by property.

use chrono::{TimeDelta, TimeZone, Utc};
use forecast_core::ManualClock;
use forecast_realtime::engine::MicroBatcher;
use forecast_realtime::stats::{Ewma, KllSketch, Merge, MinMax, Welford, WindowedMinMax};
use proptest::prelude::*;
use std::sync::Arc;

fn values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1e6..1e6f64, 2..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merged_shards_equal_one_pass(xs in values(), cut in 0usize..300, alpha in 0.01..1.0f64) {
        let cut = cut.min(xs.len());
        let (a, b) = xs.split_at(cut);
        let (mut wa, mut wb, mut whole) = (Welford::new(), Welford::new(), Welford::new());
        a.iter().for_each(|&x| wa.push(x));
        b.iter().for_each(|&x| wb.push(x));
        xs.iter().for_each(|&x| whole.push(x));
        wa.merge(&wb);
        prop_assert_eq!(wa.count(), whole.count());
        prop_assert!((wa.mean() - whole.mean()).abs() <= 1e-9 * (1.0 + whole.mean().abs()));
        prop_assert!((wa.variance(1) - whole.variance(1)).abs() <= 1e-7 * (1.0 + whole.variance(1)));

        let (mut ea, mut eb, mut ew) = (Ewma::new(alpha), Ewma::new(alpha), Ewma::new(alpha));
        a.iter().for_each(|&x| ea.push(x));
        b.iter().for_each(|&x| eb.push(x));
        xs.iter().for_each(|&x| ew.push(x));
        ea.merge(&eb);
        let (got, want) = (ea.get().unwrap(), ew.get().unwrap());
        prop_assert!((got - want).abs() <= 1e-6 * (1.0 + want.abs()), "{} vs {}", got, want);

        let (mut ma, mut mb) = (MinMax::new(), MinMax::new());
        a.iter().for_each(|&x| ma.push(x));
        b.iter().for_each(|&x| mb.push(x));
        ma.merge(&mb);
        prop_assert_eq!(ma.min(), xs.iter().copied().reduce(f64::min));
        prop_assert_eq!(ma.max(), xs.iter().copied().reduce(f64::max));

        let (mut ka, mut kb) = (KllSketch::new(50, 1), KllSketch::new(50, 2));
        a.iter().for_each(|&x| ka.push(x));
        b.iter().for_each(|&x| kb.push(x));
        ka.merge(&kb);
        prop_assert_eq!(ka.count(), xs.len() as u64);
        prop_assert_eq!(ka.quantile(0.0), xs.iter().copied().reduce(f64::min));
        prop_assert_eq!(ka.quantile(1.0), xs.iter().copied().reduce(f64::max));
    }

    #[test]
    fn windowed_extrema_equal_brute_force(xs in values(), window in 1usize..40) {
        let mut m = WindowedMinMax::new(window);
        for (i, &x) in xs.iter().enumerate() {
            m.push(x);
            let w = &xs[(i + 1).saturating_sub(window)..=i];
            prop_assert_eq!(m.min(), w.iter().copied().reduce(f64::min));
            prop_assert_eq!(m.max(), w.iter().copied().reduce(f64::max));
        }
    }

    #[test]
    fn micro_batches_keep_every_item_once_in_order(
        steps in prop::collection::vec((any::<bool>(), 0i64..3), 1..200),
        max_size in 1usize..10,
    ) {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
        let mut b = MicroBatcher::new(max_size, TimeDelta::milliseconds(1), clock.clone()).unwrap();
        let (mut next, mut out) = (0u32, Vec::new());
        for (push, ms) in steps {
            clock.advance(TimeDelta::milliseconds(ms));
            let batch = if push { next += 1; b.push(next - 1) } else { b.poll() };
            if let Some(batch) = batch {
                prop_assert!(!batch.is_empty() && batch.len() <= max_size);
                out.extend(batch);
            }
        }
        out.extend(b.flush().unwrap_or_default());
        prop_assert_eq!(out, (0..next).collect::<Vec<_>>());
    }
}
