use super::*;
use forecast_core::branding::Branding;
use serde_json::Value;

pub(super) fn sample() -> Report {
    let mut r =
        Report::new("Store 3, item 12: next week", "2026-03-01T09:00:00Z", Branding::new("Acme Grocers", "en-NZ"));
    r.summary = vec![
        "We expect 182 units next week (80% interval 160 to 205 units), 6% more than the same week last year.".into(),
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
    r.rules = vec!["When promo >= 0.5 and price < 9.95, we under-forecast by about 3.2 units (18% of actual): 340 rows (12%), right 81% of the time.".into()];
    r
}

/// Every key of `value` is described by `schema`, every required key is present, and types match.
fn conforms(value: &Value, schema: &Value, at: &str) {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(t) => t.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert!(types.is_empty() || types.contains(&kind), "{at}: {kind} not in {types:?}");
    if let (Value::Object(map), Some(props)) = (value, schema["properties"].as_object()) {
        for k in map.keys() {
            let sub = props.get(k).unwrap_or_else(|| panic!("{at}.{k} is not in the schema"));
            conforms(&map[k], sub, &format!("{at}.{k}"));
        }
        for req in schema["required"].as_array().into_iter().flatten() {
            assert!(map.contains_key(req.as_str().unwrap()), "{at}: required {req} missing");
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        items.iter().enumerate().for_each(|(i, v)| conforms(v, item, &format!("{at}[{i}]")));
    }
}

#[test]
fn json_follows_its_schema() {
    let schema = report_schema();
    let full: Value = serde_json::from_str(&to_json(&sample()).unwrap()).unwrap();
    conforms(&full, &schema, "$");
    let empty = Report::new("t", "now", Branding::default());
    conforms(&serde_json::to_value(&empty).unwrap(), &schema, "$");
    let back: Report = serde_json::from_value(full).unwrap();
    assert_eq!(back, sample());
}

#[test]
fn html_is_self_contained_and_shows_units() {
    let mut r = sample();
    r.branding.logo_svg = Some("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".into());
    r.title = "<b>Store</b> & co".into();
    let html = to_html(&r);
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>"));
    assert!(!html.contains("<script"), "the logo goes in as a data URI, never as markup");
    assert!(html.contains("&lt;b&gt;Store&lt;/b&gt; &amp; co"));
    assert!(html.contains("+14 units") && html.contains("-5 units") && html.contains("182 units"));
    assert!(html.contains("Actual (units)") && html.contains("18.2%") && html.contains("-10.5%"));
    assert!(
        html.contains("Forecast (units)")
            && html.contains("+16.7%")
            && html.contains("$2,124")
            && html.contains("$728")
    );
    assert!(html.contains("Mean |SHAP| (units)") && html.contains("31%") && html.contains("+2.6"));
    assert!(
        !html.contains("http://")
            || html.matches("http://").count() == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
}
