//! The three report forms of one sample report, written where they can be looked at:
//! `target/tmp/xai-report/report.{json,html,pdf}`.

use forecast_core::branding::Branding;
use forecast_xai::report::{Report, report_schema, specimen, to_html, to_json};

/// The specimen with a logo (the PDF test compares it with and without).
fn sample() -> Report {
    let mut r = specimen(Branding::new("Acme Grocers", "en-NZ"));
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
    assert!(html.contains("Revenue ($)") && html.contains("$2,124") && html.contains("Permutation (units)"));
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
