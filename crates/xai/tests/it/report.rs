//! The three report forms of one sample report, written where they can be looked at:
//! `target/tmp/xai-report/report.{json,html,pdf}`.

use forecast_core::branding::Branding;
use forecast_xai::report::{
    CounterfactualRow, CounterfactualTable, Driver, ForecastChart, ForecastPoint, ImportanceRow, ImportanceTable,
    Report, SegmentRow, SegmentTable, Waterfall, report_schema, to_html, to_json,
};

fn sample() -> Report {
    let mut r =
        Report::new("Store 3, item 12: next week", "2026-03-01T09:00:00Z", Branding::new("Acme Grocers", "en-NZ"));
    r.summary = vec![
        "We expect 182 units next week (80% interval 160 to 205 units), 6% more than the same week last year.".into(),
        "The promotion on Saturday adds about 14 units; the price 8% above its usual level removes about 5.".into(),
    ];
    r.forecast = Some(ForecastChart {
        title: "Weekly units, actual and forecast".into(),
        unit: "units".into(),
        interval_level: 0.8,
        points: (0..16)
            .map(|i| ForecastPoint {
                period: format!("2026-W{:02}", i + 1),
                actual: (i < 12).then(|| 150.0 + 12.0 * (i as f64 * 0.9).sin()),
                forecast: (i >= 11).then(|| 165.0 + 4.0 * (i - 11) as f64),
                lower: (i >= 11).then(|| 150.0 + 2.0 * (i - 11) as f64),
                upper: (i >= 11).then(|| 182.0 + 6.0 * (i - 11) as f64),
            })
            .collect(),
    });
    r.drivers = Some(Waterfall {
        title: "Why 182 units next week".into(),
        unit: "units".into(),
        base_label: "Typical week".into(),
        base: 160.0,
        drivers: vec![
            Driver { label: "Promotion on Saturday".into(), value: 14.0 },
            Driver { label: "Price 8% above its usual level".into(), value: -5.0 },
            Driver { label: "Sales over the last 4 weeks".into(), value: 9.5 },
            Driver { label: "Public holiday on Monday, which this label describes at great length".into(), value: 3.5 },
        ],
        total_label: "Forecast".into(),
    });
    r.segments = Some(SegmentTable {
        title: "Accuracy by store, last 8 weeks".into(),
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
    r.rules = vec![
        "When promo >= 0.5 and price < 9.95, we under-forecast by about 3.2 units (18% of actual): 340 rows (12%), right 81% of the time.".into(),
        "When lag_7 is missing, we over-forecast by about 1.1 units (9% of actual): 120 rows (4.2%), right 66% of the time.".into(),
    ];
    r.counterfactuals = Some(CounterfactualTable {
        title: "What gets store 3 item 12 to +15% units next week?".into(),
        unit: "units".into(),
        currency: "$".into(),
        baseline: 182.0,
        target: 209.3,
        baseline_revenue: Some(1_820.0),
        baseline_margin: Some(728.0),
        notes: vec!["Unit cost assumed at $6.00; constraint used: shelf price >= unit cost.".into()],
        rows: (0..3)
            .map(|k| CounterfactualRow {
                change: format!(
                    "Promotion on day {} and a discount of 10% for all 7 days, worded at some length",
                    k + 1
                ),
                units: 210.0 + k as f64,
                change_pct: 15.4 + k as f64,
                revenue: Some(2_000.0),
                margin: None,
            })
            .collect(),
    });
    r.importance = Some(ImportanceTable {
        title: "What the model relies on".into(),
        unit: "units".into(),
        permutation_metric: "increase in mean absolute error".into(),
        rows: (0..40)
            .map(|k| ImportanceRow {
                feature: format!("Feature {k}"),
                mean_abs_shap: Some(10.0 / (k + 1) as f64),
                gain_share: Some(0.02),
                splits: 100.0,
                permutation: (k % 2 == 0).then_some(1.0),
            })
            .collect(),
    });
    r.branding.logo_svg = Some(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="#2563EB"/><path d="M8 28 L16 18 L22 23 L32 11" stroke="#fff" stroke-width="4" fill="none"/></svg>"##.into(),
    );
    r
}

#[test]
fn a_report_with_every_section_validates_against_its_schema() {
    let schema = jsonschema::validator_for(&report_schema()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&to_json(&sample()).unwrap()).unwrap();
    let errors: Vec<String> = schema.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut wrong = value.clone();
    wrong["counterfactuals"]["rows"][0]["units"] = serde_json::json!("many");
    assert!(!schema.is_valid(&wrong), "a string where units belong must fail");
    let html = to_html(&sample());
    assert!(html.contains("Revenue ($)") && html.contains("$2,000") && html.contains("Permutation (units)"));
}

#[cfg(feature = "pdf")]
#[test]
fn the_pdf_draws_the_logo_and_flows_long_tables_onto_more_pages() {
    let with_logo = forecast_xai::report::to_pdf(&sample());
    let mut plain = sample();
    plain.branding.logo_svg = None;
    let without = forecast_xai::report::to_pdf(&plain);
    assert!(with_logo.len() > without.len(), "the logo adds drawing operations");
    let pages = |pdf: &[u8]| String::from_utf8_lossy(pdf).matches("/Type/Page/").count();
    let mut short = plain.clone();
    short.importance = None;
    let mut long = plain.clone();
    if let Some(t) = &mut long.importance {
        let row = t.rows[0].clone();
        t.rows = vec![row; 200];
    }
    let (short, long) = (pages(&forecast_xai::report::to_pdf(&short)), pages(&forecast_xai::report::to_pdf(&long)));
    // 200 rows of 13 points need at least 3 more A4 pages: the table flows, it is not cut.
    assert!(short >= 1 && long >= short + 3, "{short} pages without the table, {long} with 200 rows");
}

#[test]
fn writes_json_html_and_pdf() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xai-report");
    std::fs::create_dir_all(&dir).unwrap();
    let r = sample();
    let json = to_json(&r).unwrap();
    assert!(json.contains("\"schema\": \"forecast-xai/report/v1\""));
    std::fs::write(dir.join("report.json"), json).unwrap();
    let html = to_html(&r);
    assert!(html.contains("<svg") && html.contains("Accuracy by store"));
    std::fs::write(dir.join("report.html"), html).unwrap();
    #[cfg(feature = "pdf")]
    {
        let pdf = forecast_xai::report::to_pdf(&r);
        assert!(pdf.starts_with(b"%PDF-"));
        std::fs::write(dir.join("report.pdf"), pdf).unwrap();
    }
}
