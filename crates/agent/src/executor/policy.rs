//! The policy for tools that change state: a permission check and an explicit confirmation.

use crate::plan::Step;
use forecast_core::GuardedAction;
use serde_json::Value;
use std::collections::BTreeSet;

/// The steps a person confirmed, each bound to its exact tool and arguments: a confirmation
/// of `promote gbdt_daily@4` does not confirm `promote gbdt_daily@5`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    confirmed: BTreeSet<String>,
}

fn key(tool: &str, args: &Value) -> String {
    // serde_json's map is sorted, so equal arguments give equal keys.
    format!("{tool} {args}")
}

impl Confirmation {
    /// Nothing confirmed: read-only steps run, mutating steps are reported unconfirmed.
    pub fn none() -> Self {
        Self::default()
    }

    /// Confirm `step` as it stands (tool and arguments).
    pub fn confirm(mut self, step: &Step) -> Self {
        self.confirmed.insert(key(&step.tool, &step.args));
        self
    }

    /// Whether a call of `tool` with `args` was confirmed.
    pub fn covers(&self, tool: &str, args: &Value) -> bool {
        self.confirmed.contains(&key(tool, args))
    }
}

/// The guarded action of a mutating canonical tool.
pub(crate) fn guarded_action(tool: &str) -> Option<GuardedAction> {
    match tool {
        "promote" => Some(GuardedAction::PromoteModel),
        "rollback" => Some(GuardedAction::RollbackModel),
        _ => None,
    }
}

/// What a guarded call acts on (the model reference, else the arguments).
pub(crate) fn target(args: &Value) -> String {
    args.get("model").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| args.to_string())
}
