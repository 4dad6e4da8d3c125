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
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": super::model::SCHEMA_ID,
        "title": "forecast-xai explanation report",
        "type": "object",
        "additionalProperties": false,
        "required": ["schema", "title", "generated_at", "branding", "summary", "forecast", "drivers", "segments", "rules"],
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
            "rules": { "type": "array", "items": { "type": "string" } }
        }
    })
}
