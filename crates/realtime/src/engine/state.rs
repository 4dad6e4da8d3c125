//! Per-series state, keyed by series.

use forecast_core::SeriesKey;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

/// One state per series (a detector, rolling windows, feature buffers), created on the series'
/// first event. Each series' state gets its own seed, derived from the base seed and the key
/// (FNV-1a of the key's values, stable across runs and platforms), so a series scores the same
/// whatever else is in the stream.
#[derive(Debug)]
pub struct SeriesStates<S> {
    states: HashMap<Arc<SeriesKey>, S>,
    seed: u64,
}

impl<S> SeriesStates<S> {
    /// No series yet; `seed` is the base of every series' seed.
    pub fn new(seed: u64) -> Self {
        Self { states: HashMap::new(), seed }
    }

    /// The state of `key`, made by `create(series_seed)` on first use.
    ///
    /// # Errors
    /// Whatever `create` returns; nothing is inserted then.
    pub fn get_or_try_insert<E>(
        &mut self,
        key: &Arc<SeriesKey>,
        create: impl FnOnce(u64) -> Result<S, E>,
    ) -> Result<&mut S, E> {
        match self.states.entry(key.clone()) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(v) => {
                let seed = series_seed(self.seed, v.key());
                Ok(v.insert(create(seed)?))
            }
        }
    }

    /// The state of `key`, if it has one.
    pub fn get(&self, key: &SeriesKey) -> Option<&S> {
        self.states.get(key)
    }

    /// Series with state.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether no series has state.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Every series and its state (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&SeriesKey, &S)> {
        self.states.iter().map(|(k, s)| (&**k, s))
    }
}

/// The seed of one series: the base seed mixed with the FNV-1a hash of its key.
pub(crate) fn series_seed(seed: u64, key: &SeriesKey) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in &key.0 {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    seed ^ h
}
