//! The canonical tools of forecast-xai: `explain`, `explain_drop`, `what_if` and
//! `compare_segments` ([`forecast_core::tool::contract`]), each answering from a
//! [`ToolContext`] (panel, fitted pipeline, store and item key columns).
//!
//! Arguments are read through the context (so an unknown store or a malformed period is
//! refused as everywhere else, naming the argument); results follow the contract's result
//! schemas exactly, narratives included. The `model` argument is resolved by the caller when
//! it builds the context (the registry's champion by default); these tools answer with the
//! context's pipeline.

use crate::compare::compare_segments;
use crate::drop::explain_drop;
use crate::error::XaiError;
use crate::explain::{Driver, explain_forecast};
use crate::format::with_unit;
use crate::narrative::{forecast_narrative, relative, sentence};
use crate::whatif::what_if;
use chrono::NaiveDate;
use forecast_core::tool::contract::ToolName;
use forecast_core::tool::{ToolContext, ToolEffect};
use forecast_core::{Error, Frequency, Result, Tool};
use serde_json::{Value, json};
use std::sync::Arc;

/// Unit of the target in every result.
const UNIT: &str = "units";

/// One of the canonical xai tools over a [`ToolContext`].
#[derive(Debug, Clone)]
pub struct XaiTool {
    tool: ToolName,
    ctx: ToolContext,
}

impl XaiTool {
    /// `explain`: the drivers of a forecast, with a narrative.
    pub fn explain(ctx: &ToolContext) -> Self {
        Self { tool: ToolName::Explain, ctx: ctx.clone() }
    }

    /// `explain_drop`: why sales changed in a period against the period before.
    pub fn explain_drop(ctx: &ToolContext) -> Self {
        Self { tool: ToolName::ExplainDrop, ctx: ctx.clone() }
    }

    /// `what_if`: the forecast under a changed regressor against the plan.
    pub fn what_if(ctx: &ToolContext) -> Self {
        Self { tool: ToolName::WhatIf, ctx: ctx.clone() }
    }

    /// `compare_segments`: sales per segment of a column, ranked, with the change.
    pub fn compare_segments(ctx: &ToolContext) -> Self {
        Self { tool: ToolName::CompareSegments, ctx: ctx.clone() }
    }

    fn op(&self) -> &'static str {
        self.tool.as_str()
    }

    /// `store` and `item` of the result: the argument, or the common id of the series chosen.
    fn ids(&self, series: &[usize]) -> (Option<String>, Option<String>) {
        let common = |f: &dyn Fn(usize) -> Option<String>| {
            let first = f(*series.first()?)?;
            series.iter().all(|&s| f(s).as_deref() == Some(first.as_str())).then_some(first)
        };
        (common(&|s| self.ctx.store_of(s).map(str::to_string)), common(&|s| self.ctx.item_of(s).map(str::to_string)))
    }

    fn label(store: &Option<String>, item: &Option<String>) -> String {
        match (store, item) {
            (Some(s), Some(i)) => format!("{s}, {i}"),
            (Some(s), None) => format!("{s}, all items"),
            (None, Some(i)) => format!("{i}, all stores"),
            (None, None) => "all stores and items".into(),
        }
    }

    /// The `period` argument, or the latest complete period of the selected series: the last
    /// 7 days, 4 weeks or 1 month up to their latest observed date.
    fn period(&self, args: &Value, series: &[usize]) -> Result<(NaiveDate, NaiveDate)> {
        if let Some(p) = self.ctx.period(self.op(), args)? {
            return Ok(p);
        }
        let panel = self.ctx.panel();
        let last = series
            .iter()
            .filter_map(|&s| {
                let ser = &panel.series[s];
                panel.date(ser, ser.len().checked_sub(1)?)
            })
            .max()
            .ok_or_else(|| invalid(self.op(), "period", "the selected series have no observations".into()))?;
        let n = match panel.frequency {
            Frequency::Daily => 7,
            Frequency::Weekly => 4,
            Frequency::Monthly => 1,
        };
        let from = panel
            .frequency
            .add(last, 1 - n)
            .ok_or_else(|| invalid(self.op(), "period", "no default period before the last date".into()))?;
        Ok((from, last))
    }

    fn call_explain(&self, args: &Value) -> Result<Value> {
        let series = self.ctx.series(self.op(), args)?;
        let pipeline = self.ctx.pipeline();
        let horizon = self.ctx.horizon(self.op(), args, pipeline.max_horizon().unwrap_or(1))?;
        let e = explain_forecast(pipeline, self.ctx.panel(), &series, horizon).map_err(|e| to_core(self.op(), e))?;
        let (store, item) = self.ids(&series);
        let narrative = forecast_narrative(&e, self.ctx.panel(), &Self::label(&store, &item), UNIT, 3);
        Ok(json!({
            "store": store, "item": item, "unit": UNIT,
            "prediction": e.total(),
            "base_value": e.base() + e.clamp(),
            "drivers": drivers_json(&e.drivers()),
            "narrative": narrative,
        }))
    }

    fn call_explain_drop(&self, args: &Value) -> Result<Value> {
        let series = self.ctx.series(self.op(), args)?;
        let period = self.period(args, &series)?;
        let d = explain_drop(self.ctx.pipeline(), self.ctx.panel(), &series, period, None)
            .map_err(|e| to_core(self.op(), e))?;
        let (store, item) = self.ids(&series);
        let narrative = d.narrative(&Self::label(&store, &item), UNIT, 3, self.ctx.panel());
        Ok(json!({
            "store": store, "item": item, "unit": UNIT,
            "period": {"from": d.current.from.to_string(), "to": d.current.to.to_string()},
            "reference": {"from": d.reference.from.to_string(), "to": d.reference.to.to_string()},
            "actual": d.current.actual,
            "expected": d.current.expected,
            "change_pct": d.change_pct(),
            "drivers": drivers_json(&d.drivers),
            "narrative": narrative,
        }))
    }

    fn call_what_if(&self, args: &Value) -> Result<Value> {
        let series = self.ctx.series(self.op(), args)?;
        let change = self
            .ctx
            .change(self.op(), args)?
            .ok_or_else(|| invalid(self.op(), "change", "is required: {feature, delta, value, delta_pct}".into()))?;
        let pipeline = self.ctx.pipeline();
        let horizon = self.ctx.horizon(self.op(), args, pipeline.max_horizon().unwrap_or(1))?;
        let w = what_if(pipeline, self.ctx.panel(), &series, horizon, &change.feature, |v| change.kind.apply(v))
            .map_err(|e| to_core(self.op(), e))?;
        let (store, item) = self.ids(&series);
        let (b, s) = (w.baseline_units(), w.scenario_units());
        let mut narrative = format!(
            "{}: with the {} changed, about {} over the next {horizon} periods instead of {} ({} the plan)",
            sentence(&Self::label(&store, &item)),
            change.feature,
            with_unit(s, UNIT),
            with_unit(b, UNIT),
            relative(s, b),
        );
        if let Some((rb, rs)) = w.revenue() {
            narrative.push_str(&format!(
                "; revenue {} instead of {}",
                crate::format::number(rs),
                crate::format::number(rb)
            ));
        }
        narrative.push('.');
        Ok(json!({
            "store": store, "item": item, "unit": UNIT,
            "feature": change.feature,
            "baseline": b,
            "scenario": s,
            "change_pct": w.change_pct(),
            "narrative": narrative,
        }))
    }

    fn call_compare_segments(&self, args: &Value) -> Result<Value> {
        let by = match args.get("by") {
            Some(Value::String(b)) if !b.is_empty() => b.as_str(),
            _ => return Err(invalid(self.op(), "by", "is required: a static or key column such as store".into())),
        };
        let series = self.ctx.series(self.op(), args)?;
        let period = self.period(args, &series)?;
        let c = compare_segments(self.ctx.panel(), by, &series, period).map_err(|e| to_core(self.op(), e))?;
        let segments: Vec<Value> = c
            .segments
            .iter()
            .map(|s| json!({"segment": s.segment, "value": s.value, "change_pct": s.change_pct()}))
            .collect();
        Ok(json!({
            "by": c.by, "unit": UNIT,
            "period": {"from": c.period.0.to_string(), "to": c.period.1.to_string()},
            "segments": segments,
            "highest": c.segments.first().map(|s| s.segment.clone()),
            "lowest": c.segments.last().map(|s| s.segment.clone()),
            "largest_drop": c.largest_drop().map(|s| s.segment.clone()),
        }))
    }
}

impl Tool for XaiTool {
    fn name(&self) -> &str {
        self.tool.as_str()
    }

    fn description(&self) -> &str {
        self.tool.description()
    }

    fn parameters(&self) -> Value {
        self.tool.parameters()
    }

    fn result_schema(&self) -> Value {
        self.tool.result_schema()
    }

    fn effect(&self) -> ToolEffect {
        self.tool.effect()
    }

    fn call(&self, args: &Value) -> Result<Value> {
        match self.tool {
            ToolName::Explain => self.call_explain(args),
            ToolName::ExplainDrop => self.call_explain_drop(args),
            ToolName::WhatIf => self.call_what_if(args),
            _ => self.call_compare_segments(args),
        }
    }
}

/// The four xai tools over `ctx`.
pub fn tools(ctx: &ToolContext) -> Vec<Arc<dyn Tool>> {
    vec![
        Arc::new(XaiTool::explain(ctx)),
        Arc::new(XaiTool::explain_drop(ctx)),
        Arc::new(XaiTool::what_if(ctx)),
        Arc::new(XaiTool::compare_segments(ctx)),
    ]
}

fn drivers_json(drivers: &[Driver]) -> Vec<Value> {
    drivers.iter().map(|d| json!({"feature": d.feature, "contribution": d.contribution})).collect()
}

fn invalid(operation: &str, argument: &str, message: String) -> Error {
    Error::InvalidArgument { operation: operation.to_string(), argument: argument.to_string(), message }
}

/// forecast-core's error for an xai error, keeping the argument's name.
fn to_core(operation: &str, e: XaiError) -> Error {
    match e {
        XaiError::Core(e) => e,
        XaiError::InvalidArgument { name, value, expected } => {
            invalid(operation, &name, format!("`{value}` is not accepted: expected {expected}"))
        }
        other => Error::InvalidData(format!("{operation}: {other}")),
    }
}
