//! The verdicts of one scored event, one per detector, kept inline (no allocation per event)
//! for up to [`INLINE_VERDICTS`] detectors.

use crate::detect::Verdict;
use std::ops::Deref;

/// Detectors whose verdicts a [`Verdicts`] holds without allocating.
pub const INLINE_VERDICTS: usize = 8;

const EMPTY: Verdict = Verdict { score: f64::NAN, flagged: false, learned: false };

/// One verdict per detector, in the engine's detector order; reads as a slice.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdicts {
    /// Up to [`INLINE_VERDICTS`]: the first `len` entries.
    Inline {
        /// The verdicts, then unused entries.
        items: [Verdict; INLINE_VERDICTS],
        /// How many are verdicts.
        len: u8,
    },
    /// More detectors than fit inline.
    Heap(Vec<Verdict>),
}

impl Verdicts {
    /// Room for `n` verdicts (inline when `n <= INLINE_VERDICTS`).
    pub fn with_capacity(n: usize) -> Self {
        if n <= INLINE_VERDICTS {
            Self::Inline { items: [EMPTY; INLINE_VERDICTS], len: 0 }
        } else {
            Self::Heap(Vec::with_capacity(n))
        }
    }

    /// Append a verdict (moving to the heap past [`INLINE_VERDICTS`]).
    pub fn push(&mut self, v: Verdict) {
        match self {
            Self::Inline { items, len } if usize::from(*len) < INLINE_VERDICTS => {
                items[usize::from(*len)] = v;
                *len += 1;
            }
            Self::Inline { items, .. } => {
                let mut heap = items.to_vec();
                heap.push(v);
                *self = Self::Heap(heap);
            }
            Self::Heap(heap) => heap.push(v),
        }
    }
}

impl Deref for Verdicts {
    type Target = [Verdict];

    fn deref(&self) -> &[Verdict] {
        match self {
            Self::Inline { items, len } => &items[..usize::from(*len)],
            Self::Heap(heap) => heap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_then_heap_in_order() {
        let v = |i: u32| Verdict { score: f64::from(i), flagged: i.is_multiple_of(2), learned: true };
        let mut few = Verdicts::with_capacity(2);
        few.push(v(0));
        few.push(v(1));
        assert!(matches!(few, Verdicts::Inline { len: 2, .. }));
        assert_eq!(&*few, &[v(0), v(1)]);
        let mut many = Verdicts::with_capacity(3);
        (0..10).for_each(|i| many.push(v(i)));
        assert!(matches!(many, Verdicts::Heap(_)));
        assert_eq!(many.iter().map(|x| x.score).collect::<Vec<_>>(), (0..10).map(f64::from).collect::<Vec<_>>());
        assert!(matches!(Verdicts::with_capacity(9), Verdicts::Heap(_)));
    }
}
