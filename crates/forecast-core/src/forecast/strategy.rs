//! How a global model produces multi-step forecasts.

use serde::{Deserialize, Serialize};

/// Multi-step forecasting strategy of a global model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// One model trained with shift 1 (lags start at the previous period); forecasts step by
    /// step, feeding each prediction back into the history that later lags and windows read.
    #[default]
    Recursive,
    /// One model per forecast step `h` (mlforecast's `max_horizon`), trained on rows that read
    /// targets up to `t - h`: step 1 uses the newest observation, step `h` the newest one
    /// observed `h` periods before. Every step is predicted from observed data only. Steps may
    /// share a model in groups ([`StepGroups`]).
    Direct,
}

impl std::str::FromStr for Strategy {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "recursive" => Ok(Self::Recursive),
            "direct" => Ok(Self::Direct),
            _ => Err(crate::Error::InvalidParam { name: "strategy", value: s.into(), expected: "recursive or direct" }),
        }
    }
}

/// How the direct strategy assigns models to forecast steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepGroups {
    /// One model per step (mlforecast's `max_horizon`).
    #[default]
    EachStep,
    /// Consecutive steps share a model, `n` steps per group (the last group may be shorter):
    /// the model is fitted on the stacked rows of its steps, each read at its own step's shift,
    /// with the step as an extra feature column. Fewer models to fit and store, at some cost
    /// in accuracy.
    Every(usize),
}

impl StepGroups {
    /// The `(first, last)` steps (1-based, inclusive) of each group up to `horizon`.
    pub fn ranges(self, horizon: usize) -> Vec<(usize, usize)> {
        let size = match self {
            Self::EachStep => 1,
            Self::Every(n) => n.max(1),
        };
        (1..=horizon).step_by(size).map(|first| (first, (first + size - 1).min(horizon))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_every_step_once() {
        assert_eq!(StepGroups::EachStep.ranges(3), vec![(1, 1), (2, 2), (3, 3)]);
        assert_eq!(StepGroups::Every(3).ranges(7), vec![(1, 3), (4, 6), (7, 7)]);
        assert_eq!(StepGroups::Every(0).ranges(2), vec![(1, 1), (2, 2)]);
        assert!(StepGroups::Every(4).ranges(0).is_empty());
    }
}
