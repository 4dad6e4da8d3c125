//! The tool registry: tools offered by the caller, checked against strict mode and the
//! canonical contract, with compiled validators for their arguments and results.

use crate::contract::ToolName;
use crate::error::{AgentError, Result};
use crate::strict::strict_violations;
use crate::validate::SchemaValidator;
use forecast_core::{Tool, ToolEffect};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug)]
struct Entry {
    tool: Arc<dyn Tool>,
    arguments: SchemaValidator,
    result: SchemaValidator,
}

/// What a planner needs to know of a registered tool (the chat-completions `function`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSpec {
    /// The tool's name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its arguments schema (strict mode).
    pub parameters: Value,
    /// Whether it changes state.
    pub effect: ToolEffect,
}

/// Tools by name, each validated when registered.
///
/// ```
/// use forecast_agent::{FnTool, ToolRegistry, contract::ToolName};
/// use serde_json::json;
/// let mut registry = ToolRegistry::new();
/// registry.register(FnTool::canonical(ToolName::ListModels, |_args| Ok(json!({"models": []}))))?;
/// assert!(registry.validate_arguments("list_models", &json!({})).is_ok());
/// assert!(registry.validate_arguments("list_models", &json!({"store": "s"})).is_err());
/// # Ok::<(), forecast_agent::AgentError>(())
/// ```
#[derive(Debug, Default)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Entry>,
}

fn contract(tool: &str, path: impl Into<String>, message: impl Into<String>) -> AgentError {
    AgentError::Contract { tool: tool.to_string(), path: path.into(), message: message.into() }
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `tool`.
    ///
    /// # Errors
    /// [`AgentError::DuplicateTool`] for a name already taken; [`AgentError::Contract`] when
    /// the name is not `[a-z_]+`, a schema breaks strict mode or does not compile, or a tool
    /// of a canonical name ([`ToolName`]) differs from the contract in its argument names,
    /// argument types, result fields or effect.
    pub fn register(&mut self, tool: Arc<dyn Tool>) -> Result<()> {
        let name = tool.name().to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(contract(&name, "name", "a tool name is lower-case letters and `_`"));
        }
        if self.tools.contains_key(&name) {
            return Err(AgentError::DuplicateTool { name });
        }
        let parameters = tool.parameters();
        let result_schema = tool.result_schema();
        for (which, schema) in [("parameters", &parameters), ("result", &result_schema)] {
            if let Some(v) = strict_violations(schema).into_iter().next() {
                return Err(contract(&name, format!("{which}.{}", v.path), v.message));
            }
        }
        if let Some(canonical) = ToolName::from_name(&name) {
            check_canonical(&name, canonical, tool.effect(), &parameters, &result_schema)?;
        }
        let arguments = SchemaValidator::new(&parameters).map_err(|m| contract(&name, "parameters", m))?;
        let result = SchemaValidator::new(&result_schema).map_err(|m| contract(&name, "result", m))?;
        self.tools.insert(name, Entry { tool, arguments, result });
        Ok(())
    }

    /// The tool of that name.
    ///
    /// # Errors
    /// [`AgentError::UnknownTool`] listing the registered names.
    pub fn get(&self, name: &str) -> Result<&Arc<dyn Tool>> {
        self.entry(name).map(|e| &e.tool)
    }

    fn entry(&self, name: &str) -> Result<&Entry> {
        self.tools.get(name).ok_or_else(|| AgentError::UnknownTool { name: name.into(), known: self.names() })
    }

    /// Whether a tool of that name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.tools.contains_key(name)
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.tools.keys().cloned().collect()
    }

    /// Name, description, schema and effect of every tool, sorted by name.
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools
            .values()
            .map(|e| ToolSpec {
                name: e.tool.name().to_string(),
                description: e.tool.description().to_string(),
                parameters: e.tool.parameters(),
                effect: e.tool.effect(),
            })
            .collect()
    }

    /// Check `args` against the tool's arguments schema.
    ///
    /// # Errors
    /// [`AgentError::UnknownTool`]; [`AgentError::InvalidArguments`] naming every bad argument.
    pub fn validate_arguments(&self, tool: &str, args: &Value) -> Result<()> {
        let issues = self.entry(tool)?.arguments.issues(args);
        if issues.is_empty() { Ok(()) } else { Err(AgentError::InvalidArguments { tool: tool.into(), issues }) }
    }

    /// Check a tool's `result` against its result schema.
    ///
    /// # Errors
    /// [`AgentError::UnknownTool`]; [`AgentError::InvalidResult`] naming every bad field.
    pub fn validate_result(&self, tool: &str, result: &Value) -> Result<()> {
        let issues = self.entry(tool)?.result.issues(result);
        if issues.is_empty() { Ok(()) } else { Err(AgentError::InvalidResult { tool: tool.into(), issues }) }
    }

    /// Validate `args`, call the tool, validate its result.
    ///
    /// # Errors
    /// As [`Self::validate_arguments`] and [`Self::validate_result`]; the tool's own error.
    pub fn call(&self, tool: &str, args: &Value) -> Result<Value> {
        self.validate_arguments(tool, args)?;
        let result = self.entry(tool)?.tool.call(args)?;
        self.validate_result(tool, &result)?;
        Ok(result)
    }
}

fn properties(schema: &Value) -> BTreeMap<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.get("type").cloned().unwrap_or(Value::Null))).collect())
        .unwrap_or_default()
}

fn check_canonical(
    name: &str,
    canonical: ToolName,
    effect: ToolEffect,
    parameters: &Value,
    result_schema: &Value,
) -> Result<()> {
    if effect != canonical.effect() {
        return Err(contract(name, "effect", format!("`{name}` must be {:?}", canonical.effect())));
    }
    let want = properties(&canonical.parameters());
    let got = properties(parameters);
    if want.keys().ne(got.keys()) {
        let want_names: Vec<&str> = want.keys().map(String::as_str).collect();
        let got_names: Vec<&str> = got.keys().map(String::as_str).collect();
        return Err(contract(
            name,
            "parameters.properties",
            format!("arguments are [{}]; the contract's are [{}]", got_names.join(", "), want_names.join(", ")),
        ));
    }
    for (arg, ty) in &want {
        if got.get(arg) != Some(ty) {
            return Err(contract(name, format!("parameters.properties.{arg}.type"), format!("must be {ty}")));
        }
    }
    let got = properties(result_schema);
    for (field, ty) in properties(&canonical.result_schema()) {
        if got.get(&field) != Some(&ty) {
            return Err(contract(
                name,
                format!("result.properties.{field}.type"),
                format!("the contract's result has `{field}` of type {ty}"),
            ));
        }
    }
    Ok(())
}
