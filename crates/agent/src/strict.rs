//! OpenAI strict-mode rules for a tool's schemas.
//!
//! Strict mode (structured outputs) accepts a schema only when every object lists all its
//! properties in `required` and forbids others, so that a language model cannot drop or
//! invent an argument. Optional arguments are unions with `null` instead.

use serde_json::Value;

/// Where a schema breaks strict mode: a dotted path into it and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictViolation {
    /// Path inside the schema, e.g. `properties.period`.
    pub path: String,
    /// What is wrong and what strict mode accepts.
    pub message: String,
}

/// Every place where `schema` breaks strict mode (empty when it complies).
pub fn strict_violations(schema: &Value) -> Vec<StrictViolation> {
    let mut out = Vec::new();
    walk(schema, "", &mut out);
    out
}

fn has_type(schema: &Value, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(s)) => s == name,
        Some(Value::Array(types)) => types.iter().any(|t| t == name),
        _ => false,
    }
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() { part.to_string() } else { format!("{path}.{part}") }
}

fn walk(schema: &Value, path: &str, out: &mut Vec<StrictViolation>) {
    let here = if path.is_empty() { "(root)" } else { path };
    let mut violation = |message: String| out.push(StrictViolation { path: here.to_string(), message });
    let Some(map) = schema.as_object() else {
        violation("a schema must be an object".into());
        return;
    };
    let nested_any = ["anyOf"].iter().any(|k| map.contains_key(*k));
    if !map.contains_key("type") && !nested_any && !map.contains_key("enum") && !map.contains_key("const") {
        violation("every schema needs a `type` (or `anyOf`, `enum`, `const`)".into());
    }
    if has_type(schema, "object") {
        if map.get("additionalProperties") != Some(&Value::Bool(false)) {
            violation("objects need `\"additionalProperties\": false`".into());
        }
        let properties = map.get("properties").and_then(Value::as_object);
        let Some(properties) = properties else {
            violation("objects need `properties` (use `{}` for none)".into());
            return;
        };
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for name in properties.keys() {
            if !required.contains(&name.as_str()) {
                violation(format!(
                    "property `{name}` must be listed in `required` (make it optional with a `null` type instead)"
                ));
            }
        }
        for name in &required {
            if !properties.contains_key(*name) {
                violation(format!("`required` names `{name}`, which is not a property"));
            }
        }
        for (name, sub) in properties {
            walk(sub, &join(&join(path, "properties"), name), out);
        }
    }
    if has_type(schema, "array") {
        match map.get("items") {
            Some(items) => walk(items, &join(path, "items"), out),
            None => out.push(StrictViolation { path: here.to_string(), message: "arrays need `items`".into() }),
        }
    }
    if let Some(Value::Array(options)) = map.get("anyOf") {
        for (i, sub) in options.iter().enumerate() {
            walk(sub, &join(path, &format!("anyOf.{i}")), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ToolName;
    use serde_json::json;

    #[test]
    fn canonical_schemas_are_strict() {
        for t in ToolName::ALL {
            assert_eq!(strict_violations(&t.parameters()), vec![], "{t} parameters");
            assert_eq!(strict_violations(&t.result_schema()), vec![], "{t} result");
        }
    }

    #[test]
    fn violations_name_the_place() {
        let schema = json!({"type": "object", "properties": {
            "period": {"type": "object", "properties": {"from": {"type": "string"}}, "required": []}
        }, "required": ["period"], "additionalProperties": false});
        let v = strict_violations(&schema);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v.iter().all(|x| x.path == "properties.period"));
        assert!(v.iter().any(|x| x.message.contains("additionalProperties")));
        assert!(v.iter().any(|x| x.message.contains("`from`")));
        let arr = json!({"type": "array"});
        assert_eq!(strict_violations(&arr)[0].message, "arrays need `items`");
    }
}
