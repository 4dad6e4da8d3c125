//! `FnTool`: a [`Tool`] from a closure, with the canonical schemas of a contract name.
//!
//! The caller uses it to offer a function of another crate (a reorder policy, a registry
//! operation) as a canonical tool without that crate knowing the agent.

use crate::contract::ToolName;
use forecast_core::{Result, Tool, ToolEffect};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

type Handler = dyn Fn(&Value) -> Result<Value> + Send + Sync;

/// A tool whose `call` is a closure.
pub struct FnTool {
    name: String,
    description: String,
    parameters: Value,
    result_schema: Value,
    effect: ToolEffect,
    handler: Box<Handler>,
}

impl fmt::Debug for FnTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTool").field("name", &self.name).field("effect", &self.effect).finish_non_exhaustive()
    }
}

impl FnTool {
    /// A tool of a canonical name with the contract's schemas, description and effect.
    pub fn canonical(
        tool: ToolName,
        handler: impl Fn(&Value) -> Result<Value> + Send + Sync + 'static,
    ) -> Arc<dyn Tool> {
        Arc::new(Self {
            name: tool.as_str().into(),
            description: tool.description().into(),
            parameters: tool.parameters(),
            result_schema: tool.result_schema(),
            effect: tool.effect(),
            handler: Box::new(handler),
        })
    }

    /// A tool outside the contract (its schemas must still be strict mode to register).
    pub fn custom(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
        result_schema: Value,
        effect: ToolEffect,
        handler: impl Fn(&Value) -> Result<Value> + Send + Sync + 'static,
    ) -> Arc<dyn Tool> {
        Arc::new(Self {
            name: name.into(),
            description: description.into(),
            parameters,
            result_schema,
            effect,
            handler: Box::new(handler),
        })
    }
}

impl Tool for FnTool {
    fn name(&self) -> &str {
        &self.name
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> Value {
        self.parameters.clone()
    }
    fn result_schema(&self) -> Value {
        self.result_schema.clone()
    }
    fn effect(&self) -> ToolEffect {
        self.effect
    }
    fn call(&self, args: &Value) -> Result<Value> {
        (self.handler)(args)
    }
}
