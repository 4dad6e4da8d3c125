//! Gradient histograms: per feature and bin, the sums of gradients and hessians of a leaf's rows.

use super::binning::BinnedMatrix;
use rayon::prelude::*;

/// Gradient and hessian of one row, packed together (LightGBM keeps `f32` gradients too).
pub(crate) type GradPair = [f32; 2];

/// Sums of gradients and hessians in one bin.
pub(crate) type HistBin = [f64; 2];

/// One histogram per live leaf, allocated once and reused across trees.
#[derive(Debug)]
pub(crate) struct HistogramPool {
    slots: Vec<Vec<HistBin>>,
    free: Vec<usize>,
}

impl HistogramPool {
    pub(crate) fn new(n_slots: usize, total_bins: usize) -> Self {
        Self { slots: vec![vec![[0.0; 2]; total_bins]; n_slots], free: (0..n_slots).rev().collect() }
    }

    /// Return every slot to the free list (start of a tree).
    pub(crate) fn reset(&mut self) {
        self.free = (0..self.slots.len()).rev().collect();
    }

    /// Take a free slot; the pool holds one slot per leaf a tree can have, so it never runs dry.
    pub(crate) fn take(&mut self) -> usize {
        self.free.pop().unwrap_or(0)
    }

    pub(crate) fn get(&self, slot: usize) -> &[HistBin] {
        &self.slots[slot]
    }

    /// `slots[target] -= slots[small]` on the given features: the larger child from its parent.
    pub(crate) fn subtract(&mut self, target: usize, small: usize, data: &BinnedMatrix, features: &[usize]) {
        if target == small {
            return;
        }
        let (a, b) = if target < small {
            let (lo, hi) = self.slots.split_at_mut(small);
            (&mut lo[target], &hi[0])
        } else {
            let (lo, hi) = self.slots.split_at_mut(target);
            (&mut hi[0], &lo[small])
        };
        for &f in features {
            let r = data.offsets[f]..data.offsets[f + 1];
            a[r.clone()].iter_mut().zip(&b[r]).for_each(|(t, s)| {
                t[0] -= s[0];
                t[1] -= s[1];
            });
        }
    }

    /// Build the histogram of `slot` on `features` from the rows `rows` with their gradients
    /// `ordered` (`ordered[k]` belongs to `rows[k]`); `rows = None` means every row in order.
    /// Features are spread over the current rayon pool.
    pub(crate) fn build(
        &mut self,
        slot: usize,
        data: &BinnedMatrix,
        features: &[usize],
        rows: Option<&[u32]>,
        ordered: &[GradPair],
    ) {
        let hist = &mut self.slots[slot];
        let mut parts: Vec<(usize, &mut [HistBin])> = Vec::with_capacity(features.len());
        let mut rest: &mut [HistBin] = hist;
        let mut consumed = 0;
        for &f in features {
            let (start, end) = (data.offsets[f], data.offsets[f + 1]);
            let tail = std::mem::take(&mut rest);
            let (_, tail) = tail.split_at_mut(start - consumed);
            let (part, tail) = tail.split_at_mut(end - start);
            rest = tail;
            consumed = end;
            parts.push((f, part));
        }
        parts.into_par_iter().with_max_len(1).for_each(|(f, part)| {
            // A full 256-bin local histogram: `u8` bins index it without bounds checks and it
            // stays in L1 while the rows stream by.
            let mut local = [[0.0f64; 2]; 256];
            let col = data.column(f);
            match rows {
                Some(rows) => rows.iter().zip(ordered).for_each(|(&r, g)| add(&mut local[col[r as usize] as usize], g)),
                None => col.iter().zip(ordered).for_each(|(&b, g)| add(&mut local[b as usize], g)),
            }
            part.copy_from_slice(&local[..part.len()]);
        });
    }
}

#[inline(always)]
fn add(bin: &mut HistBin, g: &GradPair) {
    bin[0] += f64::from(g[0]);
    bin[1] += f64::from(g[1]);
}
