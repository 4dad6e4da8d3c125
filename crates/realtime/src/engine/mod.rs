//! Building blocks of the scoring engine: per-series state keyed by series, a micro-batch queue
//! closed by size or by waiting time on the clock, latency histograms and throughput counters,
//! a [`Monitor`] that runs one detector per series over a source and raises alerts, and an
//! [`Evaluation`] of its flags against the simulator's ground truth.
//!
//! The forecasting engine (streaming features equal to the batch feature builder's, scoring
//! micro-batches through the fitted pipeline, hot-swapping the champion from the `ModelStore`)
//! is built from these once the fitted-pipeline API lands.

mod batch;
mod evaluation;
mod latency;
mod monitor;
mod state;

pub use batch::MicroBatcher;
pub use evaluation::{DetectionScore, Evaluation};
pub use latency::{LatencyHistogram, Throughput};
pub use monitor::{Monitor, MonitorParams, Observation};
pub use state::SeriesStates;
