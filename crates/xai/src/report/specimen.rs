//! A specimen report with every section filled, to see how a brand looks before real data
//! arrive: `to_html(&specimen(brand))`.

use super::model::{
    CounterfactualRow, CounterfactualTable, Driver, ForecastChart, ForecastPoint, ImportanceRow, ImportanceTable,
    Report, SegmentRow, SegmentTable, Waterfall,
};
use forecast_core::branding::Branding;

/// A report on a made-up store and item with every section filled (summary, forecast chart,
/// drivers, segments, rules, minimal-change answers, importance), branded with `branding`: for
/// previewing a brand's colours, logo and number format, and for testing renderers.
///
/// ```
/// use forecast_core::branding::Branding;
/// use forecast_xai::report::{specimen, to_html};
///
/// let html = to_html(&specimen(Branding::new("Acme Grocers", "en-NZ")));
/// assert!(html.contains("Acme Grocers") && html.contains("Why 182 units"));
/// ```
pub fn specimen(branding: Branding) -> Report {
    let mut r = Report::new("Store 3, item 12: next week", "2026-03-01T09:00:00Z", branding);
    r.summary = vec![
        "We expect 182 units next week (80% interval 160 to 205 units), 6% more than the same week last year.".into(),
        "The promotion on Saturday adds about 14 units; the price 8% above its usual level removes about 5.".into(),
    ];
    r.forecast = Some(ForecastChart {
        title: "Weekly units".into(),
        unit: "units".into(),
        interval_level: 0.8,
        points: (0..12)
            .map(|i| ForecastPoint {
                period: format!("2026-{:02}-{:02}", 1 + i / 4, 1 + (i % 4) * 7),
                actual: (i < 9).then(|| 150.0 + 10.0 * (i as f64).sin()),
                forecast: (i >= 8).then_some(160.0 + 3.0 * i as f64),
                lower: (i >= 8).then_some(140.0 + 2.0 * i as f64),
                upper: (i >= 8).then_some(180.0 + 4.0 * i as f64),
            })
            .collect(),
    });
    r.drivers = Some(Waterfall {
        title: "Why 182 units".into(),
        unit: "units".into(),
        base_label: "Typical week".into(),
        base: 160.0,
        drivers: vec![
            Driver { label: "Promotion on Saturday".into(), value: 14.0 },
            Driver { label: "Price 8% above its usual level".into(), value: -5.0 },
            Driver { label: "Sales over the last 4 weeks".into(), value: 9.5 },
            Driver { label: "A very long label that has to be shortened to fit its column".into(), value: 3.5 },
        ],
        total_label: "Forecast".into(),
    });
    r.segments = Some(SegmentTable {
        title: "Accuracy by store".into(),
        unit: "units".into(),
        rows: vec![
            SegmentRow {
                segment: "Store 3".into(),
                actual: 12_400.0,
                forecast: 11_100.0,
                wape: 0.182,
                bias: -0.105,
                main_driver: Some("promotion".into()),
            },
            SegmentRow {
                segment: "Store 7".into(),
                actual: 8_150.0,
                forecast: 8_900.0,
                wape: 0.121,
                bias: 0.092,
                main_driver: Some("price vs usual".into()),
            },
            SegmentRow {
                segment: "Store 1".into(),
                actual: 9_800.0,
                forecast: 9_950.0,
                wape: 0.071,
                bias: 0.015,
                main_driver: None,
            },
        ],
    });
    r.counterfactuals = Some(CounterfactualTable {
        title: "What gets store 3 item 12 to +15% units next week?".into(),
        unit: "units".into(),
        currency: "$".into(),
        baseline: 182.0,
        target: 209.3,
        baseline_revenue: Some(1_820.0),
        baseline_margin: Some(728.0),
        notes: vec!["Unit cost assumed at $6.00; shelf price kept at or above it.".into()],
        rows: vec![CounterfactualRow {
            change: "Promotion on Fri Mar 06 and Sat Mar 07".into(),
            units: 212.4,
            change_pct: 16.7,
            revenue: Some(2_124.0),
            margin: Some(849.6),
        }],
    });
    r.importance = Some(ImportanceTable {
        title: "What the model relies on".into(),
        unit: "units".into(),
        permutation_metric: "increase in mean absolute error per forecast day".into(),
        rows: vec![ImportanceRow {
            feature: "Sales a week before".into(),
            mean_abs_shap: Some(4.2),
            gain_share: Some(0.31),
            splits: 412.0,
            permutation: Some(2.6),
        }],
    });
    r.rules = vec![
        "When promo >= 0.5 and price < 9.95, we under-forecast by about 3.2 units (18% of actual): 340 rows (12%), right 81% of the time.".into(),
        "When lag_7 is missing, we over-forecast by about 1.1 units (9% of actual): 120 rows (4.2%), right 66% of the time.".into(),
    ];
    r
}
