//! Validation of tool arguments and results against their schemas, with errors that name
//! the argument (`period.from`, `change.delta`) and say what is accepted.

use crate::error::ArgumentIssue;
use chrono::NaiveDate;
use forecast_core::ModelRef;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// A compiled schema plus the checks JSON Schema cannot express (calendar dates, ranges
/// whose end is before their start, exactly one of `delta`, `value`, `delta_pct`).
#[derive(Debug)]
pub struct SchemaValidator {
    validator: jsonschema::Validator,
    accepted: Vec<String>,
}

impl SchemaValidator {
    /// Compile `schema` (JSON Schema draft 2020-12).
    ///
    /// # Errors
    /// The compiler's message when `schema` is not a valid JSON Schema.
    pub fn new(schema: &Value) -> Result<Self, String> {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(schema)
            .map_err(|e| format!("{e} (at {})", pointer_to_dotted(e.schema_path().as_str())))?;
        let accepted = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        Ok(Self { validator, accepted })
    }

    /// Every problem of `instance`, each naming its place; empty when it is valid.
    pub fn issues(&self, instance: &Value) -> Vec<ArgumentIssue> {
        let mut issues: Vec<ArgumentIssue> = Vec::new();
        for error in self.validator.iter_errors(instance) {
            let at = pointer_to_dotted(error.instance_path().as_str());
            match error.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().map(str::to_string).unwrap_or_else(|| property.to_string());
                    issues.push(ArgumentIssue {
                        argument: join(&at, &name),
                        message: "is missing; every argument must be present (null where it is optional)".into(),
                    });
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        let accepted = if at.is_empty() {
                            format!("; accepted: {}", self.accepted.join(", "))
                        } else {
                            String::new()
                        };
                        issues.push(ArgumentIssue {
                            argument: join(&at, name),
                            message: format!("is not an accepted argument{accepted}"),
                        });
                    }
                }
                _ => issues.push(ArgumentIssue {
                    argument: if at.is_empty() { "(arguments)".into() } else { at },
                    message: error.to_string(),
                }),
            }
        }
        semantic_issues(instance, &mut issues);
        issues
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() { name.to_string() } else { format!("{at}.{name}") }
}

/// `/period/from` to `period.from` (JSON Pointer escapes undone).
pub(crate) fn pointer_to_dotted(pointer: &str) -> String {
    pointer.split('/').skip(1).map(|p| p.replace("~1", "/").replace("~0", "~")).collect::<Vec<_>>().join(".")
}

fn already(issues: &[ArgumentIssue], argument: &str) -> bool {
    issues.iter().any(|i| i.argument == argument || i.argument.starts_with(&format!("{argument}.")))
}

fn semantic_issues(args: &Value, issues: &mut Vec<ArgumentIssue>) {
    if let Some(period) = args.get("period").filter(|p| p.is_object()) {
        check_period(period, "period", issues);
    }
    if let Some(change) = args.get("change").filter(|c| c.is_object()) {
        let set: Vec<&str> = ["delta", "value", "delta_pct"]
            .into_iter()
            .filter(|k| change.get(*k).is_some_and(|v| !v.is_null()))
            .collect();
        if set.len() != 1 && !already(issues, "change") {
            issues.push(ArgumentIssue {
                argument: "change".into(),
                message: format!(
                    "exactly one of `delta`, `value` or `delta_pct` must be a number, found {}",
                    if set.is_empty() { "none".to_string() } else { set.join(" and ") }
                ),
            });
        }
    }
    if let Some(model) = args.get("model").and_then(Value::as_str)
        && model.contains('@')
        && !already(issues, "model")
        && let Err(e) = model.parse::<ModelRef>()
    {
        issues.push(ArgumentIssue { argument: "model".into(), message: e.to_string() });
    }
}

/// Checks a `{from, to}` object: calendar dates, `from` not after `to`.
pub(crate) fn check_period(period: &Value, name: &str, issues: &mut Vec<ArgumentIssue>) {
    let mut date = |key: &str| -> Option<NaiveDate> {
        let argument = format!("{name}.{key}");
        let text = period.get(key)?.as_str()?;
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                if !already(issues, &argument) {
                    issues.push(ArgumentIssue {
                        argument,
                        message: format!("`{text}` is not a calendar date; expected YYYY-MM-DD, e.g. 2026-03-01"),
                    });
                }
                None
            }
        }
    };
    let (from, to) = (date("from"), date("to"));
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        issues.push(ArgumentIssue {
            argument: format!("{name}.to"),
            message: format!("{to} is before {name}.from ({from}); a period runs from its first to its last day"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ToolName;
    use serde_json::json;

    fn issues(tool: ToolName, args: Value) -> Vec<ArgumentIssue> {
        SchemaValidator::new(&tool.parameters()).unwrap().issues(&args)
    }

    #[test]
    fn valid_arguments_pass() {
        let args = json!({"store": "store_03", "item": null, "period": {"from": "2026-02-01", "to": "2026-02-28"}, "model": null});
        assert_eq!(issues(ToolName::ExplainDrop, args), vec![]);
    }

    #[test]
    fn errors_name_nested_arguments() {
        let args =
            json!({"store": null, "item": null, "period": {"from": "2026-02-30", "to": "2026-02-01"}, "model": null});
        let got = issues(ToolName::ExplainDrop, args);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].argument, "period.from");
        let args =
            json!({"store": null, "item": null, "period": {"from": "2026-03-01", "to": "2026-02-01"}, "model": null});
        assert_eq!(issues(ToolName::ExplainDrop, args)[0].argument, "period.to");
        let args = json!({"store": null, "item": null, "period": {"from": "2026-03-01"}, "model": null});
        assert_eq!(issues(ToolName::ExplainDrop, args)[0].argument, "period.to");
        let args = json!({"store": null, "item": null, "period": {"from": 3, "to": "2026-02-01"}, "model": null});
        assert_eq!(issues(ToolName::ExplainDrop, args)[0].argument, "period.from");
    }

    #[test]
    fn missing_unknown_and_out_of_range_arguments_are_named() {
        let got = issues(ToolName::Forecast, json!({"store": "s", "item": null, "horizon": 0, "modle": "x"}));
        let names: Vec<&str> = got.iter().map(|i| i.argument.as_str()).collect();
        assert!(names.contains(&"horizon"), "{got:?}");
        assert!(names.contains(&"model"), "{got:?}");
        assert!(names.contains(&"modle"), "{got:?}");
        let unknown = got.iter().find(|i| i.argument == "modle").unwrap();
        assert!(unknown.message.contains("accepted: horizon, item, model, store"), "{}", unknown.message);
    }

    #[test]
    fn change_needs_exactly_one_amount_and_model_references_parse() {
        let change = json!({"feature": "price", "delta": 1.0, "value": 2.0, "delta_pct": null});
        let args = json!({"store": null, "item": null, "horizon": null, "change": change, "model": "demand@0"});
        let got = issues(ToolName::WhatIf, args);
        let names: Vec<&str> = got.iter().map(|i| i.argument.as_str()).collect();
        assert_eq!(names, vec!["change", "model"], "{got:?}");
        assert!(got[0].message.contains("delta and value"));
    }
}
