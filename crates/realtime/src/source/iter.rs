//! A source over any iterator of events.

use super::{Event, Next, Source};

/// Gives the iterator's events in order, then [`Next::Closed`].
#[derive(Debug, Clone)]
pub struct IterSource<I> {
    events: I,
}

impl<I: Iterator<Item = Event> + Send> IterSource<I> {
    /// A source over `events`.
    pub fn new(events: impl IntoIterator<IntoIter = I>) -> Self {
        Self { events: events.into_iter() }
    }
}

impl<I: Iterator<Item = Event> + Send> Source for IterSource<I> {
    fn poll_next(&mut self) -> crate::Result<Next> {
        Ok(self.events.next().map_or(Next::Closed, Next::Event))
    }
}
