//! A bounded multi-producer channel: producers wait, or hear `Full`, when it is full; nothing is
//! dropped.

use super::{Event, Next, Source};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// A bounded channel of `capacity` events (at least 1): [`Producer`]s (cloneable, one per
/// thread) send, the [`ChannelSource`] receives. A full channel blocks [`Producer::send`] until
/// there is room (backpressure) and makes [`Producer::try_send`] hand the event back as
/// [`TrySendError::Full`]; an event is either accepted and delivered once, or returned to its
/// producer.
pub fn channel(capacity: usize) -> (Producer, ChannelSource) {
    let (tx, rx) = mpsc::sync_channel(capacity.max(1));
    let stats = Arc::new(Counters::default());
    (Producer { tx, stats: stats.clone() }, ChannelSource { rx, stats, capacity: capacity.max(1) })
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    rejected_full: AtomicU64,
    delivered: AtomicU64,
}

/// Counters of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelStats {
    /// Events the channel accepted.
    pub accepted: u64,
    /// `try_send` calls refused because the channel was full (the event went back to its producer).
    pub rejected_full: u64,
    /// Events handed to the consumer.
    pub delivered: u64,
}

impl ChannelStats {
    /// Accepted but not yet delivered.
    pub fn queued(&self) -> u64 {
        self.accepted - self.delivered.min(self.accepted)
    }
}

/// The sending side; clone it for each producer thread.
#[derive(Debug, Clone)]
pub struct Producer {
    tx: SyncSender<Event>,
    stats: Arc<Counters>,
}

/// [`Producer::send`] failed: the source is gone; the event is handed back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the channel's source was dropped; the event was not sent")]
pub struct SendError(pub Event);

/// [`Producer::try_send`] did not send; the event is handed back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrySendError {
    /// The channel is at capacity: retry later, or `send` to wait.
    #[error("the channel is full; retry, or use send to wait for room")]
    Full(Event),
    /// The source is gone.
    #[error("the channel's source was dropped; the event was not sent")]
    Closed(Event),
}

impl Producer {
    /// Send, waiting while the channel is full.
    ///
    /// # Errors
    /// [`SendError`] with the event when the source has been dropped.
    pub fn send(&self, event: Event) -> Result<(), SendError> {
        // Count before sending: the consumer may deliver (and count) the event before `send` returns.
        self.stats.accepted.fetch_add(1, Ordering::SeqCst);
        self.tx.send(event).map_err(|e| {
            self.stats.accepted.fetch_sub(1, Ordering::SeqCst);
            SendError(e.0)
        })
    }

    /// Send if there is room now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`] with the event.
    pub fn try_send(&self, event: Event) -> Result<(), TrySendError> {
        self.stats.accepted.fetch_add(1, Ordering::SeqCst);
        self.tx.try_send(event).map_err(|e| {
            self.stats.accepted.fetch_sub(1, Ordering::SeqCst);
            match e {
                mpsc::TrySendError::Full(ev) => {
                    self.stats.rejected_full.fetch_add(1, Ordering::SeqCst);
                    TrySendError::Full(ev)
                }
                mpsc::TrySendError::Disconnected(ev) => TrySendError::Closed(ev),
            }
        })
    }
}

/// The receiving side, a [`Source`].
#[derive(Debug)]
pub struct ChannelSource {
    rx: Receiver<Event>,
    stats: Arc<Counters>,
    capacity: usize,
}

impl ChannelSource {
    /// Wait for the next event; `None` once every producer is dropped and the channel is empty.
    pub fn recv(&mut self) -> Option<Event> {
        let event = self.rx.recv().ok()?;
        self.stats.delivered.fetch_add(1, Ordering::SeqCst);
        Some(event)
    }

    /// The channel's counters.
    pub fn stats(&self) -> ChannelStats {
        ChannelStats {
            accepted: self.stats.accepted.load(Ordering::SeqCst),
            rejected_full: self.stats.rejected_full.load(Ordering::SeqCst),
            delivered: self.stats.delivered.load(Ordering::SeqCst),
        }
    }

    /// The channel's capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl Source for ChannelSource {
    fn poll_next(&mut self) -> crate::Result<Next> {
        match self.rx.try_recv() {
            Ok(event) => {
                self.stats.delivered.fetch_add(1, Ordering::SeqCst);
                Ok(Next::Event(event))
            }
            Err(mpsc::TryRecvError::Empty) => Ok(Next::Pending { until: None }),
            Err(mpsc::TryRecvError::Disconnected) => Ok(Next::Closed),
        }
    }
}
