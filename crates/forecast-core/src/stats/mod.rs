//! Local statistical models: each series is fitted on its own history, as statsforecast
//! does. [`AutoEts`] (exponential smoothing chosen by AICc), [`AutoTheta`], and for
//! intermittent demand [`Croston`], [`Sba`] and [`Tsb`]; [`LocalModel`] holds any of them as
//! one serialisable choice. All are pure Rust and follow statsforecast 2.1.1's algorithms
//! and defaults, so forecasts agree with it (see `benches/scripts/stats_vs_statsforecast.py`).
//!
//! # Missing values
//! statsforecast needs a complete series; these models fill one first: leading missing
//! values are dropped, interior gaps are filled on the straight line between their
//! neighbours, and after trailing missing values the model fits up to the last observation
//! and forecasts over the missing periods, returning the `horizon` periods after the end of
//! the history. (To treat missing sales as zeros instead, ingest with
//! [`crate::data::GapPolicy::Zero`].)
//!
//! ```
//! use forecast_core::baseline::SeriesForecaster;
//! use forecast_core::stats::LocalModel;
//!
//! let history: Vec<f64> = (0..60).map(|t| 20.0 + (t % 7) as f64 + 0.1 * t as f64).collect();
//! for model in [LocalModel::ets(7), LocalModel::theta(7), LocalModel::Croston, LocalModel::tsb(0.1, 0.1)] {
//!     let f = model.forecast(&history, 14)?;
//!     assert_eq!(f.len(), 14);
//!     let json = serde_json::to_string(&model).unwrap();
//!     assert_eq!(serde_json::from_str::<LocalModel>(&json).unwrap(), model);
//! }
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod decompose;
mod ets;
mod intermittent;
mod nelder_mead;
mod prepare;
mod theta;

pub use ets::{AutoEts, Component, EtsFit, EtsModel};
pub use intermittent::{Croston, Sba, Tsb};
pub use theta::{AutoTheta, Decomposition, ThetaFit, ThetaModel};

use crate::Result;
use crate::baseline::SeriesForecaster;
use serde::{Deserialize, Serialize};

/// A local statistical model as one serialisable choice (e.g. stored in a fitted pipeline).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalModel {
    /// See [`AutoEts`].
    Ets(AutoEts),
    /// See [`AutoTheta`].
    Theta(AutoTheta),
    /// See [`Croston`].
    Croston,
    /// See [`Sba`].
    Sba,
    /// See [`Tsb`].
    Tsb(Tsb),
}

impl LocalModel {
    /// The full AutoETS search with this season length.
    pub fn ets(season_length: usize) -> Self {
        Self::Ets(AutoEts::new(season_length))
    }

    /// AutoTheta with this season length.
    pub fn theta(season_length: usize) -> Self {
        Self::Theta(AutoTheta::new(season_length))
    }

    /// TSB with these smoothing parameters.
    pub fn tsb(alpha_d: f64, alpha_p: f64) -> Self {
        Self::Tsb(Tsb { alpha_d, alpha_p })
    }

    fn inner(&self) -> &dyn SeriesForecaster {
        match self {
            Self::Ets(m) => m,
            Self::Theta(m) => m,
            Self::Croston => &Croston,
            Self::Sba => &Sba,
            Self::Tsb(m) => m,
        }
    }
}

impl SeriesForecaster for LocalModel {
    fn name(&self) -> &str {
        self.inner().name()
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        self.inner().forecast(history, horizon)
    }
}
