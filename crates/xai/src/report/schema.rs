//! The JSON Schema (draft 2020-12) of [`super::Report`], the documented contract of the JSON form.

use serde_json::{Value, json};

fn number_or_null(description: &str) -> Value {
    json!({ "type": ["number", "null"], "description": description })
}

/// The schema as a JSON value.
pub fn report_schema() -> Value {
    let point = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["period", "actual", "forecast", "lower", "upper"],
        "properties": {
            "period": { "type": "string", "description": "Period label, e.g. 2026-03-02" },
            "actual": number_or_null("What happened, in the chart's unit"),
            "forecast": number_or_null("Point forecast, in the chart's unit"),
            "lower": number_or_null("Lower interval bound, in the chart's unit"),
            "upper": number_or_null("Upper interval bound, in the chart's unit")
        }
    });
    let counterfactuals = json!({
        "type": ["object", "null"],
        "description": "A minimal-change question about a plan and its answers, sparsest first",
        "additionalProperties": false,
        "required": ["title", "unit", "currency", "baseline", "target", "baseline_revenue", "baseline_margin", "notes", "rows"],
        "properties": {
            "title": { "type": "string", "description": "The question in a store manager's words" },
            "unit": { "type": "string", "description": "Unit of baseline, target and units" },
            "currency": { "type": "string", "description": "Currency symbol of revenue and margin" },
            "baseline": { "type": "number", "description": "Total forecast as planned, in unit" },
            "target": { "type": "number", "description": "Lowest total that answers the question, in unit" },
            "baseline_revenue": number_or_null("Revenue as planned, in currency"),
            "baseline_margin": number_or_null("Revenue minus units x unit cost as planned, in currency"),
            "notes": { "type": "array", "items": { "type": "string" }, "description": "Levers, ranges, constraints, unit cost and budget the search kept to" },
            "rows": { "type": "array", "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["change", "units", "change_pct", "revenue", "margin"],
                "properties": {
                    "change": { "type": "string", "description": "What changes, in words" },
                    "units": { "type": "number", "description": "Total forecast under the change, in unit" },
                    "change_pct": { "type": "number", "description": "Change against the plan, in percent" },
                    "revenue": number_or_null("Revenue under the change, in currency"),
                    "margin": number_or_null("Gross margin under the change, in currency")
                }
            }}
        }
    });
    let importance = json!({
        "type": ["object", "null"],
        "description": "Feature importance by several measures, most important first",
        "additionalProperties": false,
        "required": ["title", "unit", "permutation_metric", "rows"],
        "properties": {
            "title": { "type": "string" },
            "unit": { "type": "string", "description": "Unit of mean_abs_shap and permutation" },
            "permutation_metric": { "type": "string", "description": "The error whose increase permutation measures" },
            "rows": { "type": "array", "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["feature", "mean_abs_shap", "gain_share", "splits", "permutation"],
                "properties": {
                    "feature": { "type": "string", "description": "The feature in words" },
                    "mean_abs_shap": number_or_null("Mean absolute contribution to a forecast, in unit"),
                    "gain_share": number_or_null("Share of the model's total split gain, a fraction"),
                    "splits": { "type": "number", "description": "Number of splits on the feature" },
                    "permutation": number_or_null("Mean increase of the error when the feature is shuffled, in unit")
                }
            }}
        }
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": super::model::SCHEMA_ID,
        "title": "forecast-xai explanation report",
        "type": "object",
        "additionalProperties": false,
        "required": ["schema", "title", "generated_at", "branding", "summary", "forecast", "drivers", "segments", "rules", "counterfactuals", "importance"],
        "properties": {
            "schema": { "const": super::model::SCHEMA_ID },
            "title": { "type": "string" },
            "generated_at": { "type": "string", "description": "ISO 8601 time the report was made" },
            "branding": {
                "type": "object",
                "additionalProperties": false,
                "required": ["display_name", "logo_url", "logo_svg", "primary_colour", "accent_colour", "locale"],
                "properties": {
                    "display_name": { "type": "string" },
                    "logo_url": { "type": ["string", "null"] },
                    "logo_svg": { "type": ["string", "null"], "description": "An SVG document" },
                    "primary_colour": { "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$" },
                    "accent_colour": { "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$" },
                    "locale": { "type": "string", "description": "BCP 47 tag" }
                }
            },
            "summary": { "type": "array", "items": { "type": "string" } },
            "forecast": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "required": ["title", "unit", "interval_level", "points"],
                "properties": {
                    "title": { "type": "string" },
                    "unit": { "type": "string", "description": "Unit of every value, e.g. units" },
                    "interval_level": { "type": "number", "minimum": 0, "maximum": 1 },
                    "points": { "type": "array", "items": point }
                }
            },
            "drivers": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "required": ["title", "unit", "base_label", "base", "drivers", "total_label"],
                "properties": {
                    "title": { "type": "string" },
                    "unit": { "type": "string" },
                    "base_label": { "type": "string" },
                    "base": { "type": "number", "description": "Starting value, in unit" },
                    "drivers": { "type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["label", "value"],
                        "properties": {
                            "label": { "type": "string" },
                            "value": { "type": "number", "description": "Signed contribution, in unit" }
                        }
                    }},
                    "total_label": { "type": "string" }
                }
            },
            "segments": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "required": ["title", "unit", "rows"],
                "properties": {
                    "title": { "type": "string" },
                    "unit": { "type": "string" },
                    "rows": { "type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["segment", "actual", "forecast", "wape", "bias", "main_driver"],
                        "properties": {
                            "segment": { "type": "string" },
                            "actual": { "type": "number", "description": "Sum of actuals, in unit" },
                            "forecast": { "type": "number", "description": "Sum of forecasts, in unit" },
                            "wape": { "type": "number", "description": "Fraction" },
                            "bias": { "type": "number", "description": "Fraction; negative is under-forecast" },
                            "main_driver": { "type": ["string", "null"] }
                        }
                    }}
                }
            },
            "rules": { "type": "array", "items": { "type": "string" } },
            "counterfactuals": counterfactuals,
            "importance": importance
        }
    })
}
