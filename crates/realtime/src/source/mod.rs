//! Where events come from: a bounded channel with backpressure, any iterator, and a replay
//! simulator that plays a [`Panel`](forecast_core::Panel) on the [`Clock`](forecast_core::Clock)
//! with injected anomalies and their ground truth.
//!
//! Kafka or NATS sources belong behind features of their own; they implement [`Source`] too.

mod anomaly;
mod channel;
mod iter;
mod replay;

pub use anomaly::{
    AnomalyKind, AnomalyPlan, AnomalySpec, GroundTruth, InjectedAnomaly, LEVEL_POINTS, MIN_NOISE_SCALE, inject,
    level_step, local_level, noise_scale,
};
pub use channel::{ChannelSource, ChannelStats, Producer, SendError, TrySendError, channel};
pub use iter::IterSource;
pub use replay::{Pace, Replay};

use chrono::{DateTime, Utc};
use forecast_core::SeriesKey;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One observation of one series: a period's sales of a store and item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in its source's stream, from 0; unique per source.
    pub seq: u64,
    /// The series, shared between its events.
    pub key: Arc<SeriesKey>,
    /// Start of the period observed (midnight UTC of the day for daily data).
    pub timestamp: DateTime<Utc>,
    /// The target (units sold).
    pub value: f64,
    /// Known regressors for the period (price, discount, promo, holiday ...), in the panel's order.
    pub regressors: Vec<f64>,
    /// Regressors that became known for coming periods (a price or promotion plan), if any.
    pub plan: Option<RegressorPlan>,
}

/// Regressor rows of coming periods, carried by an event: what a scorer needs to know ahead
/// (holiday distances look up to 60 periods forward, price and promotion plans a few).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressorPlan {
    /// Periods between the event's period and the first row's (1 = the next period).
    pub offset: usize,
    /// Whole rows in the panel's regressor order, one per period from `offset` on.
    pub rows: Vec<f64>,
}

/// What a source has to give right now.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// An event.
    Event(Event),
    /// Nothing yet; the next event is due at `until` when the source knows when (a replay on the clock).
    Pending {
        /// When the next event is due, if known.
        until: Option<DateTime<Utc>>,
    },
    /// The stream has ended: no event will come.
    Closed,
}

/// A stream of events that is polled without blocking, so that a driver decides how to wait
/// (on the system clock in production, on a manual clock in tests).
pub trait Source: Send {
    /// The next event if one is ready.
    ///
    /// # Errors
    /// Implementations report a broken upstream (a connection, a file) as an error; the
    /// sources of this crate do not fail.
    fn poll_next(&mut self) -> crate::Result<Next>;
}
