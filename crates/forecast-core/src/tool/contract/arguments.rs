//! The canonical arguments every tool shares, with their strict-mode JSON schemas.

use serde_json::{Value, json};
use std::fmt;

/// One of the fixed argument names of the tool contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Argument {
    /// `store`: a store id as in the data, or null for all stores.
    Store,
    /// `item`: an item id as in the data, or null for all items.
    Item,
    /// `horizon`: periods ahead of the forecast origin (the panel's frequency).
    Horizon,
    /// `period`: `{"from": ISO date, "to": ISO date}`, both inclusive.
    Period,
    /// `change`: `{"feature", "delta", "value", "delta_pct"}`, exactly one of the last three set.
    Change,
    /// `service_level`: target probability of no stockout in a cycle, in (0, 1).
    ServiceLevel,
    /// `lead_time`: periods between placing and receiving an order.
    LeadTime,
    /// `model`: `name`, `name@version` or `name@alias`.
    Model,
    /// `by`: a static column to group by (e.g. `store`, `region`).
    By,
}

impl Argument {
    /// Every argument, in the order schemas list them.
    pub const ALL: [Argument; 9] = [
        Self::Store,
        Self::Item,
        Self::Horizon,
        Self::Period,
        Self::Change,
        Self::ServiceLevel,
        Self::LeadTime,
        Self::Model,
        Self::By,
    ];

    /// The JSON property name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Item => "item",
            Self::Horizon => "horizon",
            Self::Period => "period",
            Self::Change => "change",
            Self::ServiceLevel => "service_level",
            Self::LeadTime => "lead_time",
            Self::Model => "model",
            Self::By => "by",
        }
    }

    /// The argument of that JSON property name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The argument's schema; `nullable` adds `null` to its types (strict mode's optional).
    pub fn schema(self, nullable: bool) -> Value {
        let ty = |t: &str| if nullable { json!([t, "null"]) } else { json!(t) };
        match self {
            Self::Store => json!({"type": ty("string"), "minLength": 1,
                "description": "Store id as in the data (e.g. store_03); null for all stores."}),
            Self::Item => json!({"type": ty("string"), "minLength": 1,
                "description": "Item id as in the data (e.g. item_12); null for all items."}),
            Self::Horizon => json!({"type": ty("integer"), "minimum": 1, "maximum": 3660,
                "description": "Periods ahead of the forecast origin, in the panel's frequency; null for the model's horizon."}),
            Self::Period => json!({"type": ty("object"),
                "description": "Inclusive date range; null for the tool's default (the latest complete period).",
                "properties": {
                    "from": date_schema("First day, ISO 8601 (YYYY-MM-DD)."),
                    "to": date_schema("Last day, ISO 8601 (YYYY-MM-DD), not before `from`."),
                },
                "required": ["from", "to"], "additionalProperties": false}),
            Self::Change => json!({"type": ty("object"),
                "description": "A change to one feature: exactly one of delta (added, in the feature's units), value (set to) or delta_pct (percent change) is a number, the others null.",
                "properties": {
                    "feature": {"type": "string", "minLength": 1, "description": "A regressor of the panel, e.g. price, discount, promo."},
                    "delta": {"type": ["number", "null"], "description": "Amount added to the feature."},
                    "value": {"type": ["number", "null"], "description": "Value the feature is set to."},
                    "delta_pct": {"type": ["number", "null"], "minimum": -100, "description": "Percent change of the feature (-10 is ten percent lower)."},
                },
                "required": ["feature", "delta", "value", "delta_pct"], "additionalProperties": false}),
            Self::ServiceLevel => json!({"type": ty("number"), "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                "description": "Cycle service level, the probability of no stockout between orders (0.95 is 95 %); null for the policy's default."}),
            Self::LeadTime => json!({"type": ty("integer"), "minimum": 0, "maximum": 3660,
                "description": "Periods from placing an order to receiving it; null for the item's known lead time."}),
            Self::Model => json!({"type": ty("string"), "pattern": MODEL_PATTERN,
                "description": "A registered model: name, name@version (e.g. demand@3) or name@alias (e.g. demand@champion); null for the champion."}),
            Self::By => json!({"type": ty("string"), "minLength": 1,
                "description": "A static column of the panel to group by (e.g. store, item, region)."}),
        }
    }
}

impl fmt::Display for Argument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Pattern of a model reference: `name`, `name@3`, `name@champion`.
pub const MODEL_PATTERN: &str = "^[A-Za-z0-9_.-]+(@[A-Za-z0-9_.-]+)?$";

/// Pattern of an ISO date (the calendar check is done after the schema).
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn date_schema(description: &str) -> Value {
    json!({"type": "string", "pattern": DATE_PATTERN, "description": description})
}

/// The strict-mode schema of an arguments object from `(argument, nullable)` pairs.
pub fn object_schema(arguments: &[(Argument, bool)]) -> Value {
    let mut properties = serde_json::Map::new();
    for &(a, nullable) in arguments {
        properties.insert(a.as_str().to_string(), a.schema(nullable));
    }
    let required: Vec<&str> = arguments.iter().map(|(a, _)| a.as_str()).collect();
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}
