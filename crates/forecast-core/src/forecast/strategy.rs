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
    /// One model trained with shift = horizon: every target-derived feature is known at the
    /// origin, so all steps are predicted at once from observed data only.
    Direct,
}

impl Strategy {
    /// The feature shift a model of this strategy trains on for `horizon`.
    pub fn shift(self, horizon: usize) -> usize {
        match self {
            Self::Recursive => 1,
            Self::Direct => horizon.max(1),
        }
    }
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
