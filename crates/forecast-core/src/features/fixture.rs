//! Small hand-made panels for the feature tests.

use crate::{Frequency, Panel, Series, SeriesKey};
use chrono::NaiveDate;

/// A panel with regressors `[price, discount, promo, holiday]` and statics `[store, item]`.
/// Each series is `(target, regressors)`; series `i` gets static codes `[i % 2, i]`.
pub(super) fn panel(frequency: Frequency, start: NaiveDate, series: Vec<(Vec<f64>, [Vec<f64>; 4])>) -> Panel {
    let n = series.len();
    Panel {
        frequency,
        key_names: vec!["store".into(), "item".into()],
        target_name: "units".into(),
        regressor_names: ["price", "discount", "promo", "holiday"].map(String::from).to_vec(),
        static_names: vec!["store".into(), "item".into()],
        static_levels: vec![vec!["a".into(), "b".into()], (0..n).map(|i| format!("i{i}")).collect()],
        series: series
            .into_iter()
            .enumerate()
            .map(|(i, (target, regs))| Series {
                key: SeriesKey(vec![format!("s{}", i % 2), format!("i{i}")]),
                start,
                target,
                regressors: regs.to_vec(),
                statics: vec![(i % 2) as u32, i as u32],
            })
            .collect(),
    }
}

/// 2024-01-01, a Monday.
pub(super) fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
}

/// Bitwise equality that treats every NaN as equal to every NaN.
pub(super) fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}
