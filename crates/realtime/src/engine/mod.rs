//! The scoring engine and its building blocks.
//!
//! [`ScoringEngine`] serves a fitted pipeline ([`ServedModel`]) on a stream of events: per-series
//! streaming feature state (forecast-core's `PipelineStream`, rows bit-identical to the batch
//! path's `design_rows`), one-step forecasts scored in micro-batches ([`MicroBatcher`], closed by
//! size or by waiting time on the clock) through the compiled step model, detectors per series
//! fed with each actual and its forecast and interval, alerts with evidence, HDR latency
//! ([`LatencyHistogram`]) and counters ([`EngineStats`]). A [`ModelWatcher`] follows the
//! registry's champion alias through the `ModelStore` port; the engine swaps models only between
//! batches, so that no event is lost or scored twice.
//!
//! Without a model, a [`Monitor`] runs one detector per series over a source and raises alerts,
//! and an [`Evaluation`] scores flags against the simulator's ground truth.

mod band;
mod batch;
mod evaluation;
mod latency;
mod model;
mod monitor;
mod rolling_band;
mod scoring;
mod state;
mod swap;
mod verdicts;

pub use band::{BAND_POWERS, BandBin, CalibrationPoint, MAX_BAND_BINS, MIN_SCALE_RESIDUALS, ScaledBand, SeriesScales};
pub use batch::MicroBatcher;
pub use evaluation::{AFTERMATH, DetectionScore, Evaluation, FlagScoring};
pub use latency::{LatencyHistogram, Throughput};
pub use model::{Band, BandParams, ServedModel};
pub use monitor::{Monitor, MonitorParams, Observation};
pub use rolling_band::RollingBand;
pub use scoring::{EngineParams, EngineStats, Scored, ScoringEngine};
pub use state::SeriesStates;
pub use swap::{Champion, ModelWatcher, SwapNotifier};
pub use verdicts::{INLINE_VERDICTS, Verdicts};
