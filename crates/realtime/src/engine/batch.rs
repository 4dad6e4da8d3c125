//! Micro-batches closed by size or by the oldest item's wait, on the clock.

use crate::{RealtimeError, Result};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::Clock;
use std::sync::Arc;

/// Collects items into batches of at most `max_size`, closing a batch as soon as it is full
/// or its oldest item has waited `max_wait` on the clock. Items come out once each, in order.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `max_size` | (required) | largest batch (the kernel's sweet spot) | >= 1 |
/// | `max_wait` | (required) | longest an item waits for company (bounds latency) | >= 0 |
#[derive(Debug)]
pub struct MicroBatcher<T> {
    max_size: usize,
    max_wait: TimeDelta,
    clock: Arc<dyn Clock>,
    items: Vec<T>,
    /// When the open batch must close (its first item's arrival plus `max_wait`), if one is open.
    deadline: Option<DateTime<Utc>>,
}

impl<T> MicroBatcher<T> {
    /// A batcher on `clock`.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for `max_size` 0 or a negative `max_wait`.
    pub fn new(max_size: usize, max_wait: TimeDelta, clock: Arc<dyn Clock>) -> Result<Self> {
        if max_size == 0 {
            return Err(RealtimeError::param("max_size", 0, "at least 1"));
        }
        if max_wait < TimeDelta::zero() {
            return Err(RealtimeError::param("max_wait", max_wait, "a duration >= 0"));
        }
        Ok(Self { max_size, max_wait, clock, items: Vec::with_capacity(max_size), deadline: None })
    }

    /// Add an item; returns the batch if this filled it (or if the open batch had waited too long).
    pub fn push(&mut self, item: T) -> Option<Vec<T>> {
        let now = self.clock.now();
        self.push_at(item, now)
    }

    /// As [`MicroBatcher::push`], with the clock already read (`now`): a caller that stamps each
    /// item's arrival reads the clock once.
    pub fn push_at(&mut self, item: T, now: DateTime<Utc>) -> Option<Vec<T>> {
        if self.items.is_empty() {
            self.deadline = Some(now.checked_add_signed(self.max_wait).unwrap_or(DateTime::<Utc>::MAX_UTC));
        }
        self.items.push(item);
        if self.items.len() >= self.max_size { self.take() } else { self.poll_at(now) }
    }

    /// The open batch if its oldest item has waited `max_wait`.
    pub fn poll(&mut self) -> Option<Vec<T>> {
        let now = self.clock.now();
        self.poll_at(now)
    }

    /// As [`MicroBatcher::poll`] at `now`.
    pub fn poll_at(&mut self, now: DateTime<Utc>) -> Option<Vec<T>> {
        match self.deadline() {
            Some(deadline) if now >= deadline => self.take(),
            _ => None,
        }
    }

    /// When the open batch must close, if one is open: a driver waits until then for more items.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.deadline
    }

    /// Close the open batch now (end of stream, shutdown); `None` when empty.
    pub fn flush(&mut self) -> Option<Vec<T>> {
        self.take()
    }

    /// Items waiting.
    pub fn pending(&self) -> usize {
        self.items.len()
    }

    fn take(&mut self) -> Option<Vec<T>> {
        if self.items.is_empty() {
            return None;
        }
        self.deadline = None;
        Some(std::mem::replace(&mut self.items, Vec::with_capacity(self.max_size)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use forecast_core::ManualClock;

    #[test]
    fn closes_by_size_or_by_wait_and_loses_nothing() {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
        let mut b = MicroBatcher::new(3, TimeDelta::milliseconds(1), clock.clone()).unwrap();
        let mut out: Vec<Vec<u32>> = vec![];
        for i in 0..7 {
            out.extend(b.push(i));
        }
        assert_eq!(out, [vec![0, 1, 2], vec![3, 4, 5]]);
        assert_eq!(b.poll(), None);
        clock.advance(TimeDelta::microseconds(999));
        assert_eq!(b.poll(), None);
        clock.advance(TimeDelta::microseconds(1));
        assert_eq!(b.poll(), Some(vec![6]));
        assert_eq!((b.deadline(), b.flush()), (None, None));
        b.push(7);
        clock.advance(TimeDelta::milliseconds(5));
        assert_eq!(b.push(8), Some(vec![7, 8]));
        assert!(MicroBatcher::<u8>::new(0, TimeDelta::zero(), clock).is_err());
    }
}
