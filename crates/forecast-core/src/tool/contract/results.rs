//! Result schemas of the canonical tools (strict mode, like the arguments).
//!
//! The answer templates read these fields, so a tool of a canonical name returns exactly
//! this shape; a field a tool cannot fill is `null` where the schema allows it.

use super::{DATE_PATTERN, ToolName};
use serde_json::{Map, Value, json};

fn obj(fields: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    for (name, schema) in fields {
        properties.insert((*name).to_string(), schema.clone());
    }
    let required: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn string() -> Value {
    json!({"type": "string"})
}
fn opt_string() -> Value {
    json!({"type": ["string", "null"]})
}
fn number() -> Value {
    json!({"type": "number"})
}
fn opt_number() -> Value {
    json!({"type": ["number", "null"]})
}
fn count() -> Value {
    json!({"type": "integer", "minimum": 0})
}
fn opt_count() -> Value {
    json!({"type": ["integer", "null"], "minimum": 0})
}
fn date() -> Value {
    json!({"type": "string", "pattern": DATE_PATTERN})
}
fn array(of: Value) -> Value {
    json!({"type": "array", "items": of})
}
fn period() -> Value {
    obj(&[("from", date()), ("to", date())])
}
fn opt_period() -> Value {
    let mut p = period();
    p["type"] = json!(["object", "null"]);
    p
}
fn drivers() -> Value {
    array(obj(&[("feature", string()), ("contribution", number())]))
}
fn series() -> [(&'static str, Value); 3] {
    [("store", opt_string()), ("item", opt_string()), ("unit", string())]
}

fn with_series(fields: &[(&'static str, Value)]) -> Value {
    let mut all: Vec<(&str, Value)> = series().to_vec();
    all.extend(fields.iter().cloned());
    obj(&all)
}

/// The result schema of `tool`.
pub(super) fn result_schema(tool: ToolName) -> Value {
    match tool {
        ToolName::Forecast => with_series(&[
            ("model", opt_string()),
            ("from", date()),
            ("to", date()),
            ("total", number()),
            ("lower", opt_number()),
            ("upper", opt_number()),
            ("level", opt_number()),
            (
                "points",
                array(obj(&[("date", date()), ("mean", number()), ("lower", opt_number()), ("upper", opt_number())])),
            ),
        ]),
        ToolName::Backtest => obj(&[
            ("store", opt_string()),
            ("item", opt_string()),
            ("model", string()),
            ("horizon", count()),
            ("folds", count()),
            ("wape", number()),
            ("mase", opt_number()),
            ("bias", opt_number()),
            ("coverage", opt_number()),
        ]),
        ToolName::Explain => with_series(&[
            ("prediction", number()),
            ("base_value", number()),
            ("drivers", drivers()),
            ("narrative", opt_string()),
        ]),
        ToolName::ExplainDrop => with_series(&[
            ("period", period()),
            ("reference", period()),
            ("actual", number()),
            ("expected", number()),
            ("change_pct", number()),
            ("drivers", drivers()),
            ("narrative", opt_string()),
        ]),
        ToolName::WhatIf => with_series(&[
            ("feature", string()),
            ("baseline", number()),
            ("scenario", number()),
            ("change_pct", number()),
            ("narrative", opt_string()),
        ]),
        ToolName::Reorder => with_series(&[
            ("order_quantity", number()),
            ("reorder_point", number()),
            ("safety_stock", number()),
            ("on_hand", opt_number()),
            ("service_level", number()),
            ("lead_time", count()),
            ("horizon", count()),
        ]),
        ToolName::LostSales => with_series(&[
            ("period", period()),
            ("lost_units", number()),
            ("lost_revenue", opt_number()),
            ("currency", opt_string()),
            ("stockout_days", count()),
        ]),
        ToolName::OptimizePrice => with_series(&[
            ("currency", string()),
            ("current_price", number()),
            ("optimal_price", number()),
            ("expected_units", number()),
            ("revenue_change_pct", number()),
        ]),
        ToolName::CompareSegments => obj(&[
            ("by", string()),
            ("unit", string()),
            ("period", opt_period()),
            ("segments", array(obj(&[("segment", string()), ("value", number()), ("change_pct", opt_number())]))),
            ("highest", opt_string()),
            ("lowest", opt_string()),
            ("largest_drop", opt_string()),
        ]),
        ToolName::Recommend => obj(&[(
            "recommendations",
            array(obj(&[
                ("action", string()),
                ("store", opt_string()),
                ("item", opt_string()),
                ("impact", opt_number()),
                ("unit", opt_string()),
                ("reason", string()),
            ])),
        )]),
        ToolName::DriftReport => obj(&[
            ("model", string()),
            ("verdict", json!({"type": "string", "enum": ["healthy", "warning", "degraded"]})),
            ("drifted_features", array(obj(&[("feature", string()), ("statistic", string()), ("value", number())]))),
            ("narrative", opt_string()),
        ]),
        ToolName::ModelHistory => obj(&[
            ("model", string()),
            (
                "events",
                array(obj(&[
                    ("time", string()),
                    ("alias", string()),
                    ("from_version", opt_count()),
                    ("to_version", opt_count()),
                    ("actor", string()),
                    ("reason", opt_string()),
                ])),
            ),
        ]),
        ToolName::ListModels => obj(&[(
            "models",
            array(obj(&[
                ("name", string()),
                ("latest_version", count()),
                ("aliases", array(obj(&[("alias", string()), ("version", count())]))),
            ])),
        )]),
        ToolName::Promote | ToolName::Rollback => {
            obj(&[("model", string()), ("alias", string()), ("from_version", opt_count()), ("to_version", count())])
        }
    }
}
