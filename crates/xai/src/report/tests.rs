use super::*;
use forecast_core::branding::Branding;
use serde_json::Value;

pub(super) fn sample() -> Report {
    specimen(Branding::new("Acme Grocers", "en-NZ"))
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
