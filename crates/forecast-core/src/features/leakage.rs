//! Property tests: no feature row reads a target newer than `t - shift`.
//!
//! Guarantee under test: for a forecast origin `o` (any target index) and any shift `s >= 1`,
//! replacing every target after `o` (by other values or NaN) changes no feature of any row with
//! `t <= o + s`, whether built by `row` or by `training_matrix`. In particular no row at or
//! before the origin changes, and the direct strategy's rows `o + 1 ..= o + horizon` (shift =
//! horizon) depend only on targets up to the origin.

use super::fixture::{monday, panel, same_bits};
use super::{DateFeature, FeatureBuilder, FeatureSpec, LagTransform};
use crate::{Frequency, Panel};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(f64::NAN), 8 => 0.0..50.0f64]
}

fn series_strategy(len: usize, future: usize) -> impl Strategy<Value = (Vec<f64>, [Vec<f64>; 4])> {
    let known = len + future;
    (
        prop::collection::vec(value(), len),
        prop::collection::vec(1.0..9.0f64, known),
        prop::collection::vec(prop_oneof![Just(0.0), Just(0.1), Just(0.3)], known),
        prop::collection::vec(prop_oneof![3 => Just(0.0), 1 => Just(1.0)], known),
        prop::collection::vec(prop_oneof![9 => Just(0.0), 1 => Just(1.0)], known),
    )
        .prop_map(|(target, price, discount, promo, holiday)| (target, [price, discount, promo, holiday]))
}

/// A panel, a spec, an origin, a shift, and replacement values for every target after the origin.
fn case() -> impl Strategy<Value = (Panel, FeatureSpec, usize, usize, Vec<Vec<f64>>)> {
    (
        1usize..4,
        5usize..70,
        0usize..6,
        prop_oneof![Just(Frequency::Daily), Just(Frequency::Weekly), Just(Frequency::Monthly)],
    )
        .prop_flat_map(|(n, len, future, freq)| {
            (
                prop::collection::vec(series_strategy(len, future), n),
                prop::collection::vec(1usize..12, 1..5),
                prop::collection::vec(1usize..12, 0..3),
                prop::collection::vec(0.05..1.0f64, 0..3),
                0..len,
                1usize..9,
                prop::collection::vec(prop::collection::vec(value(), len), n),
                Just(freq),
            )
        })
        .prop_map(|(series, lags, windows, alphas, origin, shift, replacement, freq)| {
            let mut lags = lags;
            lags.sort_unstable();
            lags.dedup();
            let mut windows = windows;
            windows.sort_unstable();
            windows.dedup();
            let transforms: Vec<LagTransform> = [
                "rolling_mean:3@1",
                "rolling_std:4@2",
                "seasonal_rolling_mean:7:2@1",
                "expanding_mean@1",
                "expanding_std@3",
                "expanding_max@1",
                "ewm:0.4@2",
            ]
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect();
            let spec = FeatureSpec::for_frequency(freq)
                .lags(lags)
                .windows(windows)
                .ewm_alphas(alphas)
                .lag_transforms(transforms)
                .date_features(
                    DateFeature::ALL
                        .into_iter()
                        .filter(|d| {
                            !matches!(
                                d,
                                DateFeature::Month
                                    | DateFeature::WeekOfYear
                                    | DateFeature::DayOfWeek
                                    | DateFeature::DayOfMonth
                                    | DateFeature::DayOfYear
                            )
                        })
                        .collect::<Vec<_>>(),
                );
            (panel(freq, monday(), series), spec, origin, shift, replacement)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn targets_after_the_origin_change_no_row_up_to_origin_plus_shift(
        (original, spec, origin, shift, replacement) in case()
    ) {
        let mut changed = original.clone();
        for (s, new) in changed.series.iter_mut().zip(&replacement) {
            s.target[origin + 1..].copy_from_slice(&new[origin + 1..]);
        }
        let a = FeatureBuilder::new(&original, spec.clone()).unwrap();
        let b = FeatureBuilder::new(&changed, spec).unwrap();
        let p = a.n_features();
        let (mut ra, mut rb, mut rc) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        for (i, (so, sc)) in original.series.iter().zip(&changed.series).enumerate() {
            for t in 0..=origin + shift {
                a.row(i, &so.target, t, shift, &mut ra).unwrap();
                b.row(i, &sc.target, t, shift, &mut rb).unwrap();
                // History cut at the origin: what a forecaster holds at the origin.
                a.row(i, &so.target[..=origin], t, shift, &mut rc).unwrap();
                prop_assert!(same_bits(&ra, &rb), "series {i} t {t}: {ra:?} vs {rb:?}");
                prop_assert!(same_bits(&ra, &rc), "series {i} t {t}: full vs cut history");
            }
        }
        let len = original.series[0].target.len();
        let ends = vec![len; original.series.len()];
        let ma = a.training_matrix(&ends, shift).unwrap();
        let mb = b.training_matrix(&ends, shift).unwrap();
        for (ia, id) in ma.rows.iter().enumerate().filter(|(_, id)| id.t <= origin + shift) {
            if let Some(ib) = mb.rows.iter().position(|r| r == id) {
                let (xa, xb) = (ma.x.row(ia).to_vec(), mb.x.row(ib).to_vec());
                prop_assert!(same_bits(&xa, &xb), "{id:?}");
            } else {
                // Only a target after the origin may have turned missing.
                prop_assert!(id.t > origin);
            }
        }
    }

    #[test]
    fn training_matrix_rows_equal_single_rows((panel, spec, _origin, shift, _r) in case()) {
        let builder = FeatureBuilder::new(&panel, spec).unwrap();
        let ends: Vec<usize> = panel.series.iter().map(|s| s.target.len()).collect();
        let m = builder.training_matrix(&ends, shift).unwrap();
        let mut row = vec![0.0; builder.n_features()];
        for (r, id) in m.rows.iter().enumerate() {
            builder.row(id.series, &panel.series[id.series].target, id.t, shift, &mut row).unwrap();
            prop_assert!(same_bits(&row, &m.x.row(r).to_vec()), "{id:?}");
            prop_assert_eq!(m.y[r], panel.series[id.series].target[id.t]);
        }
        let expected_rows: usize = panel.series.iter()
            .map(|s| s.target.iter().skip(shift).filter(|v| !v.is_nan()).count()).sum();
        prop_assert_eq!(m.n_rows(), expected_rows);
        prop_assert_eq!(m.names, builder.names_for_shift(shift));
    }
}
