//! `LlmPlanner` (feature `llm`): plans through an OpenAI-compatible chat-completions
//! endpoint with tool calling. The registered tools are offered as strict functions; the
//! model's `tool_calls` become plan steps; arguments that fail validation go back to the
//! model as `tool` messages naming the argument, for one corrected round; a plan that still
//! fails, or a reply without tool calls, becomes a clarifying question.

mod http;

use crate::error::{AgentError, Result};
use crate::plan::{Clarification, Plan, PlanOutcome, Step};
use crate::planner::Planner;
use crate::registry::{ToolRegistry, ToolSpec};
use crate::validate::SchemaValidator;
use http::Endpoint;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// A planner backed by a language model.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `endpoint` | (required) | chat-completions URL | `http://host:port/path` |
/// | `model` | (required) | model name sent in the request | any |
/// | `api_key` | none | sent as `Authorization: Bearer` | any |
/// | `timeout` | 60 s | connect, read and write timeout | > 0 |
/// | `rounds` | 2 | requests per question (1 + corrections) | 1..=5 |
pub struct LlmPlanner {
    endpoint: Endpoint,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
    rounds: usize,
    tools: Vec<ToolSpec>,
    validators: BTreeMap<String, SchemaValidator>,
    system: String,
}

impl fmt::Debug for LlmPlanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmPlanner")
            .field("endpoint", &self.endpoint)
            .field("model", &self.model)
            .field("tools", &self.tools.len())
            .finish_non_exhaustive()
    }
}

const SYSTEM: &str = "You plan answers to retail business questions by calling the tools given. Call every tool the question needs, with arguments that follow the schemas exactly (null where an argument is not given). Use store and item ids exactly as in the data. If the question is unclear or no tool fits, do not call a tool: reply with one short clarifying question.";

impl LlmPlanner {
    /// A planner for the tools of `registry` at `endpoint` (`http://host:port/path`).
    ///
    /// # Errors
    /// [`AgentError::Llm`] when the endpoint is not an `http://` URL.
    pub fn new(endpoint: &str, model: impl Into<String>, registry: &ToolRegistry) -> Result<Self> {
        let tools = registry.specs();
        let validators = tools
            .iter()
            .filter_map(|t| SchemaValidator::new(&t.parameters).ok().map(|v| (t.name.clone(), v)))
            .collect();
        Ok(Self {
            endpoint: Endpoint::parse(endpoint)?,
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(60),
            rounds: 2,
            tools,
            validators,
            system: SYSTEM.into(),
        })
    }

    /// Send `key` as a bearer token.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Connect, read and write timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Requests per question, 1 to 5 (the first plus corrections).
    pub fn rounds(mut self, rounds: usize) -> Self {
        self.rounds = rounds.clamp(1, 5);
        self
    }

    /// Add context to the system message (today's date, the store and item ids ...).
    pub fn context(mut self, context: &str) -> Self {
        self.system = format!("{SYSTEM}\n{context}");
        self
    }

    fn request(&self, messages: &[Value]) -> Value {
        let tools: Vec<Value> = self
            .tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters, "strict": true}}))
            .collect();
        json!({"model": self.model, "messages": messages, "tools": tools, "tool_choice": "auto", "temperature": 0})
    }

    fn complete(&self, messages: &[Value]) -> Result<Value> {
        let body = self.request(messages).to_string();
        let text = self.endpoint.post_json(&body, self.api_key.as_deref(), self.timeout)?;
        let reply: Value = serde_json::from_str(&text)
            .map_err(|e| AgentError::Llm { message: format!("the reply is not JSON: {e}") })?;
        reply
            .pointer("/choices/0/message")
            .cloned()
            .ok_or_else(|| AgentError::Llm { message: "the reply has no `choices[0].message`".into() })
    }
}

/// One tool call of a reply: (call id, tool name, parsed arguments or the parse error).
type Call = (String, String, std::result::Result<Value, String>);

fn calls(message: &Value) -> Vec<Call> {
    message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let id = c.get("id").and_then(Value::as_str).map_or_else(|| format!("call_{k}"), str::to_string);
                    let name = c.pointer("/function/name").and_then(Value::as_str).unwrap_or_default().to_string();
                    let args = match c.pointer("/function/arguments") {
                        Some(Value::String(s)) => {
                            serde_json::from_str(s).map_err(|e| format!("arguments are not JSON: {e}"))
                        }
                        Some(v @ Value::Object(_)) => Ok(v.clone()),
                        _ => Err("no arguments".to_string()),
                    };
                    (id, name, args)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Planner for LlmPlanner {
    fn plan(&self, question: &str) -> Result<PlanOutcome> {
        let mut messages =
            vec![json!({"role": "system", "content": self.system}), json!({"role": "user", "content": question})];
        let mut last_problem = String::new();
        for _ in 0..self.rounds {
            let message = self.complete(&messages)?;
            let calls = calls(&message);
            if calls.is_empty() {
                let text = message.get("content").and_then(Value::as_str).unwrap_or("Could you rephrase the question?");
                return Ok(PlanOutcome::Clarify(Clarification { question: text.to_string(), options: vec![] }));
            }
            let mut problems: Vec<(String, String)> = Vec::new();
            let mut steps = Vec::new();
            for (id, name, args) in &calls {
                let problem = match (self.validators.get(name), args) {
                    (None, _) => Some(format!(
                        "unknown tool `{name}`; the tools are {}",
                        self.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                    (_, Err(e)) => Some(e.clone()),
                    (Some(v), Ok(a)) => {
                        let issues = v.issues(a);
                        if issues.is_empty() {
                            steps.push(Step {
                                id: steps.len() + 1,
                                tool: name.clone(),
                                args: a.clone(),
                                after: vec![],
                                bind: vec![],
                            });
                            None
                        } else {
                            Some(format!(
                                "invalid arguments: {}",
                                issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                            ))
                        }
                    }
                };
                if let Some(p) = problem {
                    problems.push((id.clone(), p));
                }
            }
            if problems.is_empty() {
                return Ok(PlanOutcome::Plan(Plan { question: question.to_string(), steps }));
            }
            last_problem = problems.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>().join("; ");
            messages.push(message.clone());
            for (id, _, _) in &calls {
                let content = problems.iter().find(|(p, _)| p == id).map_or_else(
                    || "not run: another call of this reply was invalid; send all calls again".to_string(),
                    |(_, p)| format!("error: {p}; call again with corrected arguments"),
                );
                messages.push(json!({"role": "tool", "tool_call_id": id, "content": content}));
            }
        }
        Ok(PlanOutcome::Clarify(Clarification {
            question: format!("I could not plan that question ({last_problem}). Could you rephrase it?"),
            options: vec![],
        }))
    }
}
