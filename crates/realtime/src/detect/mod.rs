//! Streaming anomaly detectors: each scores a point against what it has learned so far, and
//! learns from it afterwards (River's `score_one` then `learn_one`).
//!
//! | Name | Detector | Input | Score (higher = more anomalous) | Flags above | River equivalent |
//! |---|---|---|---|---|---|
//! | `zscore` | [`ZScore`] | 1 value | `|x - mean| / (std + 1e-10)` over all (or the last `window`) learned values | 3 | `anomaly.StandardAbsoluteDeviation(sub_stat=stats.Mean())` |
//! | `mad` | [`ModifiedZScore`] | 1 value | `0.6745·|x - median| / MAD` (P² median and MAD) | 3.5 | `stats.Quantile(0.5)` and `stats.MAD()` in that formula |
//! | `ewma` | [`EwmaChart`] | 1 value | `|z_t - mean| / σ_z,t`, `z_t` the EWMA including `x` | 3 | `stats.EWMean`, `stats.Mean`, `stats.Var` in that formula |
//! | `cusum` | [`Cusum`] | 1 value | `max(S+, S-)` of the tabular CUSUM on standardised values | 5 | `stats.Mean`, `stats.Var` in that recursion |
//! | `residual` | [`ResidualDetector`] | actual, point, lower, upper | distance from the point forecast over the interval's half-width on that side | 1 | none (model-based) |
//! | `hst` | [`HalfSpaceTrees`] | d values in [0, 1] | `1 - mass score / max mass score` | 0.8 | `anomaly.HalfSpaceTrees` (after `preprocessing.MinMaxScaler`) |
//! | `adwin` | [`Adwin`] | 1 value | 1 when the window is cut (drift), else 0 | 0.5 | `drift.ADWIN` |
//!
//! The point detectors `zscore`, `mad` and `residual` flag with a side: a flagged point is
//! [`Direction::Above`] or [`Direction::Below`] its expectation, and their alerts carry it as the
//! label `direction` (see [`crate::alert::Evidence::direction`]).
//!
//! The exact semantics of each, the formulas and the defaults are on the types. Every detector
//! learns from every point unless told [`LearnPolicy::SkipFlagged`], which keeps flagged points
//! out of its state (River's `protect_anomaly_detector`).

mod adwin;
mod columns;
mod cusum;
mod direction;
mod ewma_chart;
mod hst;
mod mad;
mod pyrandom;
mod residual;
mod scale;
mod spec;
mod zscore;

pub use adwin::{Adwin, AdwinParams};
pub use columns::ColumnMax;
pub use cusum::{Cusum, CusumParams};
pub use direction::{DIRECTIONAL_DETECTORS, Direction, is_directional};
pub use ewma_chart::{EwmaChart, EwmaChartParams};
pub use hst::{HalfSpaceTrees, HstParams};
pub use mad::{MadParams, ModifiedZScore};
pub use residual::{ResidualDetector, ResidualParams};
pub use scale::{MinMaxScaled, MinMaxScaler};
pub use spec::{DETECTOR_NAMES, DetectorSpec};
pub use zscore::{ZScore, ZScoreParams};

use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// Whether a detector learns from the points it flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearnPolicy {
    /// Learn from every point (River's default for bare detectors).
    #[default]
    All,
    /// Do not learn from flagged points, so that sporadic anomalies do not widen what the
    /// detector takes for normal (River's `ThresholdFilter(protect_anomaly_detector=True)`).
    /// Under persistent change the detector then never adapts: use it for spikes, not for drift.
    SkipFlagged,
}

/// The outcome of one point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The detector's score; higher is more anomalous.
    pub score: f64,
    /// Whether the score is above the detector's threshold.
    pub flagged: bool,
    /// Whether the detector learned from the point.
    pub learned: bool,
}

/// What a detector expected before it saw a point: the evidence an alert carries.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Expectation {
    /// The expected value (mean, median, EWMA or point forecast), if the detector has one.
    pub expected: Option<f64>,
    /// The range inside which a value would not be flagged, if the detector has one.
    pub interval: Option<(f64, f64)>,
    /// How many learned points the expectation rests on.
    pub window: usize,
}

/// A streaming anomaly detector.
///
/// `score` and `learn` take a slice of `n_inputs()` finite values; [`Detector::observe`] checks
/// that, scores, and learns according to a [`LearnPolicy`]. Detectors are `Send` so that per-series
/// state can move between worker threads.
pub trait Detector: Send + Debug {
    /// The detector's name, as in the table of [`crate::detect`].
    fn name(&self) -> &'static str;

    /// How many values one point has.
    fn n_inputs(&self) -> usize;

    /// The score of `x` against what has been learned so far; does not change the state.
    fn score(&self, x: &[f64]) -> f64;

    /// Learn from `x`.
    fn learn(&mut self, x: &[f64]);

    /// Scores above this are flagged.
    fn threshold(&self) -> f64;

    /// What the detector expects for the first input, for an alert's evidence.
    fn expectation(&self) -> Expectation;

    /// Check `x`, score it, then learn from it unless `policy` says to skip flagged points.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidInput`] when `x` has the wrong length or a non-finite value; the
    /// state is then unchanged.
    fn observe(&mut self, x: &[f64], policy: LearnPolicy) -> Result<Verdict> {
        check_input(self.name(), self.n_inputs(), x)?;
        let score = self.score(x);
        let flagged = score > self.threshold();
        let learned = !(flagged && policy == LearnPolicy::SkipFlagged);
        if learned {
            self.learn(x);
        }
        Ok(Verdict { score, flagged, learned })
    }
}

pub(crate) fn check_input(component: &'static str, n_inputs: usize, x: &[f64]) -> Result<()> {
    if x.len() != n_inputs {
        return Err(RealtimeError::input(component, "length", format!("got {} values, expected {n_inputs}", x.len())));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(RealtimeError::input(
            component,
            format!("x[{i}]"),
            format!("{} is not a finite number; give finite values (impute or drop missing ones first)", x[i]),
        ));
    }
    Ok(())
}

/// A small standard deviation floor shared by the detectors that divide by one, as River's
/// `StandardAbsoluteDeviation` adds it.
pub(crate) const EPSILON: f64 = 1e-10;
