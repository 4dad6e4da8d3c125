//! The three report forms of one sample report, written where they can be looked at:
//! `target/tmp/xai-report/report.{json,html,pdf}`.

use forecast_core::branding::Branding;
use forecast_xai::report::{
    Driver, ForecastChart, ForecastPoint, Report, SegmentRow, SegmentTable, Waterfall, to_html, to_json,
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
    r
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
