//! One clause's tool and slots into plan steps: arguments per the contract, fan-out over
//! stores and items, and the clarifying questions for what cannot be filled.

use super::{MAX_FAN_OUT, RulePlanner, Slots, clarify};
use crate::contract::{Argument, ToolName};
use crate::plan::{Binding, PlanOutcome, Step};
use crate::planner::dates::TimeSpan;
use serde_json::{Map, Value, json};

impl RulePlanner {
    pub(super) fn steps_for(
        &self,
        tool: ToolName,
        slots: &Slots,
        first_id: usize,
        bind: &[Binding],
        after: &[usize],
    ) -> std::result::Result<Vec<Step>, PlanOutcome> {
        let takes = |a| tool.takes(a);
        let past: Vec<&TimeSpan> = slots.times.iter().filter(|t| t.past.is_some()).collect();
        let ahead: Vec<&TimeSpan> = slots.times.iter().filter(|t| t.ahead.is_some()).collect();
        let mut horizon = Value::Null;
        let mut period = Value::Null;
        if !slots.times.is_empty() {
            let wants_period = takes(Argument::Period);
            let wants_horizon = takes(Argument::Horizon);
            if wants_period && !past.is_empty() {
                if past.len() > 1 {
                    return Err(clarify("You named more than one period; which one should I use?", vec![]));
                }
                if let Some((from, to)) = past[0].past {
                    period = json!({"from": from.to_string(), "to": to.to_string()});
                }
            }
            let future_only: Vec<&&TimeSpan> = ahead.iter().filter(|t| t.past.is_none() || !wants_period).collect();
            if wants_horizon && !future_only.is_empty() {
                if future_only.len() > 1 {
                    return Err(clarify("You named more than one horizon; how far ahead should I look?", vec![]));
                }
                horizon = json!(future_only[0].ahead);
            }
            if wants_period && !wants_horizon && period.is_null() {
                return Err(clarify(
                    format!(
                        "`{tool}` looks at the past, but the dates you gave are in the future. Which past period do you mean?"
                    ),
                    vec![],
                ));
            }
            if wants_horizon && !wants_period && horizon.is_null() {
                let alt = if tool == ToolName::Forecast {
                    " For past sales, ask how accurate the forecast was (a backtest) or why sales changed."
                } else {
                    ""
                };
                return Err(clarify(
                    format!(
                        "`{tool}` looks ahead, but the dates you gave are in the past. How many days or weeks ahead do you mean?{alt}"
                    ),
                    vec![],
                ));
            }
        }
        let model = match &slots.model {
            Some(Ok(m)) => json!(m),
            Some(Err(alias)) => {
                return Err(clarify(
                    format!("Which model's {alias} do you mean: {}?", self.vocabulary.models.join(" or ")),
                    self.vocabulary.models.iter().map(|m| format!("{m}@{alias}")).collect(),
                ));
            }
            None => Value::Null,
        };
        if matches!(tool, ToolName::Promote | ToolName::Rollback) && model.is_null() {
            let single = (tool == ToolName::Rollback && self.vocabulary.models.len() == 1)
                .then(|| json!(self.vocabulary.models[0]));
            if single.is_none() {
                let what = if tool == ToolName::Promote {
                    "Which model version should become champion, e.g. name@4?"
                } else {
                    "Which model should I roll back?"
                };
                return Err(clarify(what, self.vocabulary.models.clone()));
            }
        }
        let model = if model.is_null() && tool == ToolName::Rollback && self.vocabulary.models.len() == 1 {
            json!(self.vocabulary.models[0])
        } else {
            model
        };
        if tool == ToolName::Promote && model.as_str().is_some_and(|m| !m.contains('@')) {
            return Err(clarify(
                format!(
                    "Which version of {} should become champion, e.g. {}@4 or {}@challenger?",
                    model.as_str().unwrap_or_default(),
                    model.as_str().unwrap_or_default(),
                    model.as_str().unwrap_or_default()
                ),
                vec![],
            ));
        }
        if tool == ToolName::WhatIf && slots.change.is_none() {
            return Err(clarify(
                format!(
                    "What change should I simulate, e.g. \"price down 10%\", \"a 20% discount\" or \"run a promo\"? The features are {}.",
                    self.vocabulary.features.join(", ")
                ),
                self.vocabulary.features.clone(),
            ));
        }
        let mut stores: Vec<Value> = slots.stores.iter().map(|s| json!(s)).collect();
        let mut items: Vec<Value> = slots.items.iter().map(|s| json!(s)).collect();
        let mut by = Value::Null;
        if tool == ToolName::CompareSegments {
            let by_name = slots.statics.first().cloned().or_else(|| {
                if slots.stores.len() > 1 {
                    Some("store".into())
                } else if slots.items.len() > 1 {
                    Some("item".into())
                } else {
                    None
                }
            });
            let Some(by_name) =
                by_name.filter(|b| self.vocabulary.statics.contains(b) || self.vocabulary.statics.is_empty())
            else {
                return Err(clarify(
                    format!("Compare by which column: {}?", self.vocabulary.statics.join(", ")),
                    self.vocabulary.statics.clone(),
                ));
            };
            if by_name == "store" || stores.len() > 1 {
                stores.clear();
            }
            if by_name == "item" || items.len() > 1 {
                items.clear();
            }
            by = json!(by_name);
        }
        if stores.is_empty() {
            stores.push(Value::Null);
        }
        if items.is_empty() {
            items.push(Value::Null);
        }
        if !takes(Argument::Store) {
            stores = vec![Value::Null];
        }
        if !takes(Argument::Item) {
            items = vec![Value::Null];
        }
        if stores.len() * items.len() > MAX_FAN_OUT {
            return Err(clarify(
                format!(
                    "That is {} store and item pairs; ask for all stores (or all items) at once, or name fewer.",
                    stores.len() * items.len()
                ),
                vec![],
            ));
        }
        let mut out = Vec::new();
        for store in &stores {
            for item in &items {
                let mut args = Map::new();
                for (a, _) in tool.arguments() {
                    let v = match a {
                        Argument::Store => store.clone(),
                        Argument::Item => item.clone(),
                        Argument::Horizon => horizon.clone(),
                        Argument::Period => period.clone(),
                        Argument::Change => slots.change.clone().unwrap_or(Value::Null),
                        Argument::ServiceLevel => slots.service_level.map(|x| json!(x)).unwrap_or(Value::Null),
                        Argument::LeadTime => slots.lead_time.map(|x| json!(x)).unwrap_or(Value::Null),
                        Argument::Model => model.clone(),
                        Argument::By => by.clone(),
                    };
                    args.insert(a.as_str().to_string(), v);
                }
                out.push(Step {
                    id: first_id + out.len() + 1,
                    tool: tool.as_str().to_string(),
                    args: Value::Object(args),
                    after: after.to_vec(),
                    bind: bind.to_vec(),
                });
            }
        }
        Ok(out)
    }
}
