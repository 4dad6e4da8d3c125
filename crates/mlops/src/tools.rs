//! The registry's tools for the agent: `list_models`, `model_history`, `drift_report` (read
//! only) and `promote`, `rollback` (mutating), over one tenant's registry.
//!
//! They implement the canonical contract of [`forecast_core::tool::contract`] (names,
//! argument and result schemas), so any caller registers them beside the other crates'
//! tools; permission checks and confirmations of the mutating tools are the caller's (the
//! agent's executor asks a `PermissionCheck` first), and every move is recorded by the
//! registry in its alias history and audit sink under the tools' actor.
//!
//! `model` is `name`, `name@version` or `name@alias`; null means the tenant's only model,
//! or the model the tools were given as default ([`RegistryTools::default_model`]).

use crate::error::MlopsError;
use crate::monitor::{FeatureKind, HealthCheck};
use crate::registry::TenantRegistry;
use chrono::{NaiveDate, SecondsFormat};
use forecast_core::tool::ToolContext;
use forecast_core::tool::contract::ToolName;
use forecast_core::{AliasMove, Clock, Error, ModelRef, Result, Tool, ToolEffect};
use serde_json::{Value, json};
use std::sync::Arc;

/// The alias `promote` moves and `rollback` moves back by default.
pub const CHAMPION: &str = "champion";

/// Periods in the current window of `drift_report` when no `period` is given.
pub const DEFAULT_DRIFT_PERIODS: i64 = 28;

/// The registry tools of one tenant. Build with [`RegistryTools::new`], then [`RegistryTools::tools`].
#[derive(Debug, Clone)]
pub struct RegistryTools {
    registry: TenantRegistry,
    data: Option<ToolContext>,
    default_model: Option<String>,
    actor: String,
    clock: Arc<dyn Clock>,
}

impl RegistryTools {
    /// Tools over `registry`; promotions and rollbacks are recorded as made by `actor`.
    ///
    /// | Name | Default | Purpose | Range |
    /// |---|---|---|---|
    /// | `actor` | (required) | who the registry records for promote and rollback | non-empty |
    /// | `data` | none | the panel `drift_report` reads ([`RegistryTools::data`]) | |
    /// | `default_model` | the tenant's only model | the model a null `model` means | a registered name |
    pub fn new(registry: TenantRegistry, actor: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self { registry, data: None, default_model: None, actor: actor.into(), clock }
    }

    /// The data `drift_report` compares (its panel); without it `drift_report` is not offered.
    pub fn data(mut self, ctx: ToolContext) -> Self {
        self.data = Some(ctx);
        self
    }

    /// The model a null `model` argument refers to.
    pub fn default_model(mut self, name: impl Into<String>) -> Self {
        self.default_model = Some(name.into());
        self
    }

    /// `list_models`, `model_history`, `promote`, `rollback`, and `drift_report` when data is set.
    pub fn tools(&self) -> Vec<Arc<dyn Tool>> {
        let mut names = vec![ToolName::ListModels, ToolName::ModelHistory, ToolName::Promote, ToolName::Rollback];
        if self.data.is_some() {
            names.push(ToolName::DriftReport);
        }
        names.into_iter().map(|name| Arc::new(RegistryTool { name, tools: self.clone() }) as Arc<dyn Tool>).collect()
    }

    fn registered(&self) -> Result<Vec<String>> {
        Ok(self.registry.models()?)
    }

    /// The model name and optional `@` part of the `model` argument, the name checked against
    /// the tenant's models.
    fn reference(&self, op: &str, args: &Value) -> Result<(String, Option<String>)> {
        let names = self.registered()?;
        let text = match args.get("model") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => match (&self.default_model, names.as_slice()) {
                (Some(d), _) => d.clone(),
                (None, [only]) => only.clone(),
                (None, _) => {
                    return Err(invalid(
                        op,
                        "model",
                        format!("{} models are registered ({}); name one", names.len(), names.join(", ")),
                    ));
                }
            },
            Some(v) => {
                return Err(invalid(op, "model", format!("{v} is not a model reference such as demand@champion")));
            }
        };
        let (name, at) = match text.split_once('@') {
            Some((n, a)) => (n.to_string(), Some(a.to_string())),
            None => (text.clone(), None),
        };
        if !names.contains(&name) {
            let known = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            return Err(invalid(op, "model", format!("`{name}` is not registered; registered models: {known}")));
        }
        Ok((name, at))
    }

    fn model_ref(&self, op: &str, name: &str, at: &str) -> Result<ModelRef> {
        format!("{name}@{at}").parse().map_err(|e: Error| invalid(op, "model", e.to_string()))
    }
}

/// One registry tool.
#[derive(Debug, Clone)]
struct RegistryTool {
    name: ToolName,
    tools: RegistryTools,
}

impl Tool for RegistryTool {
    fn name(&self) -> &str {
        self.name.as_str()
    }

    fn description(&self) -> &str {
        self.name.description()
    }

    fn parameters(&self) -> Value {
        self.name.parameters()
    }

    fn result_schema(&self) -> Value {
        self.name.result_schema()
    }

    fn effect(&self) -> ToolEffect {
        self.name.effect()
    }

    fn call(&self, args: &Value) -> Result<Value> {
        match self.name {
            ToolName::ListModels => self.list_models(),
            ToolName::ModelHistory => self.model_history(args),
            ToolName::Promote => self.promote(args),
            ToolName::Rollback => self.rollback(args),
            ToolName::DriftReport => self.drift_report(args),
            other => Err(Error::InvalidData(format!("forecast-mlops offers no `{other}` tool"))),
        }
    }
}

impl RegistryTool {
    fn list_models(&self) -> Result<Value> {
        let registry = &self.tools.registry;
        let mut models = Vec::new();
        for name in self.tools.registered()? {
            let latest = registry.versions(&name)?.iter().map(|v| v.version).max().unwrap_or(0);
            let aliases: Vec<Value> = registry
                .aliases(&name)?
                .into_iter()
                .map(|(alias, version)| json!({"alias": alias, "version": version}))
                .collect();
            models.push(json!({"name": name, "latest_version": latest, "aliases": aliases}));
        }
        Ok(json!({"models": models}))
    }

    fn model_history(&self, args: &Value) -> Result<Value> {
        let op = self.name.as_str();
        let (name, at) = self.tools.reference(op, args)?;
        let registry = &self.tools.registry;
        let (label, moves) = match at {
            None => (name.clone(), registry.model_history(&name)?),
            Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => {
                // A version: the moves that involve it.
                let version: u32 =
                    v.parse().map_err(|_| invalid(op, "model", format!("`{v}` is not a version number")))?;
                let all = registry.model_history(&name)?;
                (
                    format!("{name}@{version}"),
                    all.into_iter().filter(|m| m.from == Some(version) || m.to == Some(version)).collect(),
                )
            }
            Some(alias) => (format!("{name}@{alias}"), registry.alias_history(&name, &alias)?),
        };
        let events: Vec<Value> = moves
            .iter()
            .map(|m| {
                json!({
                    "time": m.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    "alias": m.alias,
                    "from_version": m.from,
                    "to_version": m.to,
                    "actor": m.actor,
                    "reason": (!m.reason.is_empty()).then_some(m.reason.as_str()),
                })
            })
            .collect();
        Ok(json!({"model": label, "events": events}))
    }

    fn promote(&self, args: &Value) -> Result<Value> {
        let op = self.name.as_str();
        let (name, at) = self.tools.reference(op, args)?;
        let Some(at) = at else {
            return Err(invalid(
                op,
                "model",
                format!("name the version to promote: `{name}@3` or `{name}@challenger`"),
            ));
        };
        if at == CHAMPION {
            return Err(invalid(
                op,
                "model",
                format!("`{name}@{CHAMPION}` is the champion already; name a version or another alias"),
            ));
        }
        let version = self.tools.registry.resolve(&self.tools.model_ref(op, &name, &at)?)?.version;
        let reason = format!("promoted {name}@{at} (v{version}) through the agent");
        let moved = self.tools.registry.set_alias(&name, CHAMPION, version, &self.tools.actor, &reason)?;
        Ok(move_result(&moved))
    }

    fn rollback(&self, args: &Value) -> Result<Value> {
        let op = self.name.as_str();
        let (name, at) = self.tools.reference(op, args)?;
        let alias = at.unwrap_or_else(|| CHAMPION.to_string());
        if alias.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(invalid(
                op,
                "model",
                format!("roll back an alias (`{name}` or `{name}@{CHAMPION}`), not version {alias}"),
            ));
        }
        let moved = self.tools.registry.rollback(&name, &alias, &self.tools.actor, "rolled back through the agent")?;
        Ok(move_result(&moved))
    }

    fn drift_report(&self, args: &Value) -> Result<Value> {
        let op = self.name.as_str();
        let ctx = self.tools.data.as_ref().ok_or_else(|| Error::InvalidData("drift_report: no data given".into()))?;
        let (name, at) = self.tools.reference(op, args)?;
        let reference = self.tools.model_ref(op, &name, at.as_deref().unwrap_or(CHAMPION))?;
        let version = match self.tools.registry.resolve(&reference) {
            Ok(v) => v,
            // No champion yet: the newest version.
            Err(MlopsError::Core(Error::NotFound { .. })) if at.is_none() => self
                .tools
                .registry
                .versions(&name)?
                .pop()
                .ok_or_else(|| invalid(op, "model", format!("`{name}` has no versions")))?,
            Err(e) => return Err(e.into()),
        };
        let panel = ctx.panel();
        let last = panel.series.iter().filter_map(|s| panel.date(s, s.len().checked_sub(1)?)).max();
        let Some(last) = last else {
            return Err(Error::InvalidData("drift_report: the panel has no observations".into()));
        };
        let f = panel.frequency;
        let (from, to) = match ctx.period(op, args)? {
            Some(p) => p,
            None => (f.add(last, 1 - DEFAULT_DRIFT_PERIODS).unwrap_or(last), last),
        };
        let span = (to - from).num_days() + 1;
        let (ref_from, ref_to) = match version.data.as_ref().and_then(|d| Some((d.start?, d.end?))) {
            Some((s, e)) if e < from => (s, e),
            _ => (from - chrono::TimeDelta::days(span), from - chrono::TimeDelta::days(1)),
        };
        let mut columns = vec![(panel.target_name.clone(), None)];
        columns.extend(panel.regressor_names.iter().enumerate().map(|(j, n)| (n.clone(), Some(j))));
        let samples: Vec<(String, Vec<f64>, Vec<f64>)> = columns
            .into_iter()
            .map(|(n, j)| (n, values(ctx, j, ref_from, ref_to), values(ctx, j, from, to)))
            .filter(|(_, r, c)| r.iter().any(|v| v.is_finite()) && c.iter().any(|v| v.is_finite()))
            .collect();
        if samples.is_empty() {
            return Err(invalid(
                op,
                "period",
                format!("no observations in {from}..{to} or in the reference {ref_from}..{ref_to}"),
            ));
        }
        let label = format!("{name}@{}", version.version);
        let mut check = HealthCheck::new(label.clone());
        for (n, r, c) in &samples {
            check = check.feature(n.clone(), FeatureKind::Numerical, r, c);
        }
        let report = check.run(self.tools.clock.as_ref())?;
        let drifted: Vec<Value> = report
            .features
            .iter()
            .filter(|d| d.drifted)
            .map(|d| json!({"feature": d.feature, "statistic": format!("{:?}", d.method), "value": d.score}))
            .collect();
        let verdict = serde_json::to_value(report.verdict).map_err(|e| Error::InvalidData(e.to_string()))?;
        let why = if report.reasons.is_empty() {
            "no feature moved beyond its threshold".into()
        } else {
            report.reasons.join("; ")
        };
        let narrative = format!(
            "{label}: {} of {} columns drifted between {ref_from}..{ref_to} (reference) and {from}..{to}: {why}. \
             Prediction drift is not measured (no logged predictions).",
            drifted.len(),
            report.features.len(),
        );
        Ok(json!({"model": label, "verdict": verdict, "drifted_features": drifted, "narrative": narrative}))
    }
}

/// Values of the target (`None`) or regressor `j` of every series at dates in `from..=to`.
fn values(ctx: &ToolContext, j: Option<usize>, from: NaiveDate, to: NaiveDate) -> Vec<f64> {
    let panel = ctx.panel();
    let mut out = Vec::new();
    for s in &panel.series {
        for t in 0..s.len() {
            if panel.date(s, t).is_some_and(|d| d >= from && d <= to) {
                out.push(match j {
                    None => s.target[t],
                    Some(j) => s.regressors[j].get(t).copied().unwrap_or(f64::NAN),
                });
            }
        }
    }
    out
}

fn move_result(m: &AliasMove) -> Value {
    json!({"model": m.name, "alias": m.alias, "from_version": m.from, "to_version": m.to.unwrap_or(0)})
}

fn invalid(operation: &str, argument: &str, message: String) -> Error {
    Error::InvalidArgument { operation: operation.to_string(), argument: argument.to_string(), message }
}
