//! The canonical tool contract: fixed tool names, their arguments and result schemas.
//!
//! Every crate that offers a tool of one of these names (xai's `explain`, decisions'
//! `reorder`, mlops' `list_models` ...) implements exactly this contract, so plans made by
//! any planner are comparable and the answer templates can read the results. The
//! registry of forecast-agent (`ToolRegistry`) refuses a tool of a canonical name whose schemas differ.

mod arguments;
mod results;

pub use arguments::{Argument, DATE_PATTERN, MODEL_PATTERN, object_schema};

use crate::ToolEffect;
use serde_json::Value;
use std::fmt;

/// The fifteen tools of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolName {
    /// Point and interval forecast of a series or an aggregate.
    Forecast,
    /// Rolling-origin accuracy of a model.
    Backtest,
    /// Drivers of a forecast (SHAP contributions).
    Explain,
    /// Why sales changed in a past period against the period before.
    ExplainDrop,
    /// Forecast under a changed feature (price, discount, promo ...).
    WhatIf,
    /// Order quantity, reorder point and safety stock.
    Reorder,
    /// Demand lost to stockouts in a past period.
    LostSales,
    /// Revenue-maximising price.
    OptimizePrice,
    /// Sales per segment of a static column, ranked.
    CompareSegments,
    /// Ranked recommended actions.
    Recommend,
    /// Data and prediction drift of a model.
    DriftReport,
    /// Version and alias history of a model.
    ModelHistory,
    /// Registered models and their aliases.
    ListModels,
    /// Make a version the champion (mutating).
    Promote,
    /// Move the champion back to its previous version (mutating).
    Rollback,
}

impl ToolName {
    /// Every canonical tool.
    pub const ALL: [ToolName; 15] = [
        Self::Forecast,
        Self::Backtest,
        Self::Explain,
        Self::ExplainDrop,
        Self::WhatIf,
        Self::Reorder,
        Self::LostSales,
        Self::OptimizePrice,
        Self::CompareSegments,
        Self::Recommend,
        Self::DriftReport,
        Self::ModelHistory,
        Self::ListModels,
        Self::Promote,
        Self::Rollback,
    ];

    /// The tool's name as registered and planned.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forecast => "forecast",
            Self::Backtest => "backtest",
            Self::Explain => "explain",
            Self::ExplainDrop => "explain_drop",
            Self::WhatIf => "what_if",
            Self::Reorder => "reorder",
            Self::LostSales => "lost_sales",
            Self::OptimizePrice => "optimize_price",
            Self::CompareSegments => "compare_segments",
            Self::Recommend => "recommend",
            Self::DriftReport => "drift_report",
            Self::ModelHistory => "model_history",
            Self::ListModels => "list_models",
            Self::Promote => "promote",
            Self::Rollback => "rollback",
        }
    }

    /// The canonical tool of that name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether the tool changes state.
    pub fn effect(self) -> ToolEffect {
        match self {
            Self::Promote | Self::Rollback => ToolEffect::Mutating,
            _ => ToolEffect::ReadOnly,
        }
    }

    /// The tool's arguments in schema order, each with whether it may be null.
    pub fn arguments(self) -> &'static [(Argument, bool)] {
        use Argument::*;
        match self {
            Self::Forecast => &[(Store, true), (Item, true), (Horizon, true), (Model, true)],
            Self::Backtest => &[(Store, true), (Item, true), (Horizon, true), (Period, true), (Model, true)],
            Self::Explain => &[(Store, true), (Item, true), (Horizon, true), (Model, true)],
            Self::ExplainDrop => &[(Store, true), (Item, true), (Period, true), (Model, true)],
            Self::WhatIf => &[(Store, true), (Item, true), (Horizon, true), (Change, false), (Model, true)],
            Self::Reorder => {
                &[(Store, true), (Item, true), (Horizon, true), (ServiceLevel, true), (LeadTime, true), (Model, true)]
            }
            Self::LostSales => &[(Store, true), (Item, true), (Period, true)],
            Self::OptimizePrice => &[(Store, true), (Item, true), (Horizon, true), (Model, true)],
            Self::CompareSegments => &[(By, false), (Store, true), (Item, true), (Period, true)],
            Self::Recommend => &[(Store, true), (Item, true), (Horizon, true)],
            Self::DriftReport => &[(Model, true), (Period, true)],
            Self::ModelHistory => &[(Model, true)],
            Self::ListModels => &[],
            Self::Promote | Self::Rollback => &[(Model, false)],
        }
    }

    /// Whether the tool takes `argument`.
    pub fn takes(self, argument: Argument) -> bool {
        self.arguments().iter().any(|(a, _)| *a == argument)
    }

    /// The strict-mode schema of the tool's arguments object.
    pub fn parameters(self) -> Value {
        object_schema(self.arguments())
    }

    /// The strict-mode schema of the tool's result.
    pub fn result_schema(self) -> Value {
        results::result_schema(self)
    }

    /// One or two sentences a planner (or a language model) reads.
    pub fn description(self) -> &'static str {
        match self {
            Self::Forecast => {
                "Forecast sales (units) of a store and item, or an aggregate when store or item is null, for the next `horizon` periods, with prediction intervals."
            }
            Self::Backtest => {
                "Measure a model's forecast accuracy (WAPE, MASE, bias, interval coverage) on rolling origins over a past period."
            }
            Self::Explain => {
                "Explain a forecast: the features that push it up or down (SHAP contributions) and a narrative."
            }
            Self::ExplainDrop => {
                "Explain why sales changed in a past period against the period before it: actual against expected and the drivers of the gap."
            }
            Self::WhatIf => {
                "Forecast under a changed feature (price, discount, promotion ...) and compare with the unchanged forecast."
            }
            Self::Reorder => {
                "Order quantity, reorder point and safety stock for a store and item from forecast quantiles, a service level and a lead time."
            }
            Self::LostSales => "Estimate demand lost to stockouts in a past period (units, revenue and stockout days).",
            Self::OptimizePrice => {
                "Find the revenue-maximising price of an item from the model's price response over the horizon."
            }
            Self::CompareSegments => {
                "Compare sales per segment of a static column (store, item, region ...) over a period, ranked, with the change against the period before."
            }
            Self::Recommend => {
                "Ranked recommended actions (reorders, price changes, promotions, model retraining) with their expected impact."
            }
            Self::DriftReport => "Data and prediction drift of a model over a period, per feature, with a verdict.",
            Self::ModelHistory => "Versions and alias moves (promotions, rollbacks) of a model: who, when, why.",
            Self::ListModels => {
                "List the registered models with their latest version and aliases (champion, challenger ...)."
            }
            Self::Promote => {
                "Make a model version the champion (`model` is name@version or name@alias). Changes state."
            }
            Self::Rollback => {
                "Move a model's champion alias (or the alias given as name@alias) back to its previous version. Changes state."
            }
        }
    }
}

impl fmt::Display for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_only_promote_and_rollback_mutate() {
        for t in ToolName::ALL {
            assert_eq!(ToolName::from_name(t.as_str()), Some(t));
            let mutating = matches!(t, ToolName::Promote | ToolName::Rollback);
            assert_eq!(t.effect() == ToolEffect::Mutating, mutating, "{t}");
        }
        for a in Argument::ALL {
            assert_eq!(Argument::from_name(a.as_str()), Some(a));
        }
        assert_eq!(ToolName::from_name("forecasts"), None);
    }
}
