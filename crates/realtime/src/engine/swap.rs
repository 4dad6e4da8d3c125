//! Watching the registry's champion alias through the `ModelStore` port.

use crate::{RealtimeError, Result};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::{ForecastPipeline, ModelRef, ModelStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Polls `resolve` of a reference (`name@champion`) on an interval of the engine's clock, or as
/// soon as notified, and loads the version it now points at when that changed.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `reference` | (required) | what to follow, e.g. `demand@champion` | any [`ModelRef`] |
/// | `interval` | (required) | clock time between two `resolve` calls | > 0 |
///
/// The version is loaded by number (`name@7`), never by alias, so that a move between the
/// `resolve` and the `load` cannot hand over another version than the one recorded.
#[derive(Debug)]
pub struct ModelWatcher {
    store: Arc<dyn ModelStore>,
    reference: ModelRef,
    interval: TimeDelta,
    next_poll: Option<DateTime<Utc>>,
    current: Option<u32>,
    notified: Arc<AtomicBool>,
}

/// Wakes a [`ModelWatcher`] up (e.g. from a registry webhook or another thread): its next
/// check polls at once instead of waiting for the interval.
#[derive(Debug, Clone)]
pub struct SwapNotifier(Arc<AtomicBool>);

impl SwapNotifier {
    /// Ask for a poll at the engine's next batch boundary.
    pub fn notify(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A new version found by [`ModelWatcher::poll`].
#[derive(Debug, Clone)]
pub struct Champion {
    /// The version the reference resolved to.
    pub version: u32,
    /// Its pipeline.
    pub pipeline: ForecastPipeline,
}

impl ModelWatcher {
    /// Follow `reference` in `store`, polling every `interval`; `current` is the version being
    /// served (no swap until the reference points elsewhere).
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for an interval that is not positive.
    pub fn new(
        store: Arc<dyn ModelStore>,
        reference: ModelRef,
        interval: TimeDelta,
        current: Option<u32>,
    ) -> Result<Self> {
        if interval <= TimeDelta::zero() {
            return Err(RealtimeError::param("interval", interval, "a positive duration"));
        }
        Ok(Self { store, reference, interval, next_poll: None, current, notified: Arc::new(AtomicBool::new(false)) })
    }

    /// A handle that makes the next check poll at once.
    pub fn notifier(&self) -> SwapNotifier {
        SwapNotifier(self.notified.clone())
    }

    /// The reference followed.
    pub fn reference(&self) -> &ModelRef {
        &self.reference
    }

    /// The version last handed over (or served at the start).
    pub fn current(&self) -> Option<u32> {
        self.current
    }

    /// Whether a poll is due at `now` (the interval has passed, or a notification came).
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        self.notified.load(Ordering::Acquire) || self.next_poll.is_none_or(|t| now >= t)
    }

    /// Resolve the reference and load the version it points at if that is not the current one.
    /// The next poll is due one interval after `now`, whatever the outcome.
    ///
    /// # Errors
    /// Store errors ([`forecast_core::Error::NotFound`] for an unset alias, storage failures),
    /// or an artifact that is not a pipeline; the current version stays.
    pub fn poll(&mut self, now: DateTime<Utc>) -> Result<Option<Champion>> {
        self.notified.store(false, Ordering::Release);
        self.next_poll = Some(now + self.interval);
        let resolved = self.store.resolve(&self.reference)?;
        if Some(resolved.version) == self.current {
            return Ok(None);
        }
        let exact = ModelRef::Version { name: resolved.name.clone(), version: resolved.version };
        let pipeline = self.store.load(&exact)?.into_pipeline()?;
        self.current = Some(resolved.version);
        Ok(Some(Champion { version: resolved.version, pipeline }))
    }
}
