//! The scoring loops, generic over the bin width; [`super::simd`] instantiates them per ISA.

use super::layout::{BatchTree, Forest, GROUP, LeafTable, Mask, QsNode, WalkNode};
use super::quantize::{Bin, Quantizer};

/// Rows scored together: their bins (one `BLOCK`-long run per column), leaf bit vectors and
/// partial sums stay in L1 while every tree streams past once.
pub(crate) const BLOCK: usize = 256;

/// Everything one bin width needs to score.
#[derive(Debug, Clone)]
pub(crate) struct Engine<B> {
    pub(crate) quantizer: Quantizer,
    pub(crate) forest: Forest<B>,
    pub(crate) n_features: usize,
    /// The empty sum of `f64` (the reference's fold start), so sums match it bit for bit.
    pub(crate) sum_init: f64,
}

/// Per-thread buffers of the batch path.
#[derive(Debug)]
pub(crate) struct Scratch<B> {
    bins: Vec<B>,
    acc: Vec<f64>,
}

impl<B: Bin> Scratch<B> {
    pub(crate) fn new(n_columns: usize) -> Self {
        Self { bins: vec![B::default(); n_columns.max(1) * BLOCK], acc: vec![0.0; BLOCK] }
    }
}

impl<B: Bin> Engine<B> {
    /// Raw sums (before average, base score and transform) of up to `BLOCK` rows.
    #[inline(always)]
    pub(crate) fn raw_block<const SUB: usize>(
        &self,
        rows: &[f64],
        out: &mut [f64],
        scratch: &mut Scratch<B>,
        add32: impl AddLeaves + Copy,
    ) {
        let n = out.len().min(BLOCK);
        let rows = rows.get(..n * self.n_features).unwrap_or(rows);
        for (col, bins) in scratch.bins.chunks_exact_mut(BLOCK).enumerate().take(self.quantizer.n_columns()) {
            self.quantizer.bin_rows(col, rows, self.n_features, &mut bins[..n]);
        }
        let Ok(acc) = <&mut [f64; BLOCK]>::try_from(&mut scratch.acc[..]) else { return };
        acc.fill(self.sum_init);
        let f = &self.forest;
        for tree in &f.batch {
            match *tree {
                BatchTree::Qs32 { start, end, leaf_table } => {
                    let (nodes, leaves) = (&f.qs32[start as usize..end as usize], &f.leaves[leaf_table as usize]);
                    qs_tree::<B, u32, SUB>(nodes, leaves, &scratch.bins, acc, add32);
                }
                BatchTree::Qs64 { start, end, leaf_table } => {
                    let (nodes, leaves) = (&f.qs64[start as usize..end as usize], &f.leaves[leaf_table as usize]);
                    qs_tree::<B, u64, SUB>(nodes, leaves, &scratch.bins, acc, add_leaves);
                }
                BatchTree::Walk { root, depth } => walk_rows(f, root, depth, &scratch.bins, &mut acc[..n]),
            }
        }
        out.copy_from_slice(&acc[..n]);
    }

    /// Raw sum of one row, without allocating when the model has at most 256 columns.
    #[inline(always)]
    pub(crate) fn raw_row(&self, row: &[f64]) -> f64 {
        let n_cols = self.quantizer.n_columns();
        let mut stack = [B::default(); 256];
        let mut heap = Vec::new();
        let bins: &mut [B] = if n_cols <= stack.len() {
            &mut stack[..n_cols.max(1)]
        } else {
            heap.resize(n_cols, B::default());
            &mut heap
        };
        for (col, b) in bins.iter_mut().enumerate().take(n_cols) {
            let x = self.quantizer.feature_of(col).and_then(|f| row.get(f)).copied().unwrap_or(f64::NAN);
            *b = B::from_u32(self.quantizer.bin(col, x));
        }
        let f = &self.forest;
        let mut acc = self.sum_init;
        for g in &f.groups {
            let first = g.first as usize;
            let roots = f.walk_roots.get(first..first + g.len as usize).unwrap_or(&[]);
            if let Ok(roots) = <&[u32; GROUP]>::try_from(roots) {
                let mut idx = *roots;
                for _ in 0..g.depth {
                    for i in &mut idx {
                        *i = step(&f.walk, bins, *i as usize);
                    }
                }
                for i in idx {
                    acc += f.walk_values.get(i as usize).copied().unwrap_or(f64::NAN);
                }
            } else {
                for &root in roots {
                    let mut i = root;
                    for _ in 0..g.depth {
                        i = step(&f.walk, bins, i as usize);
                    }
                    acc += f.walk_values.get(i as usize).copied().unwrap_or(f64::NAN);
                }
            }
        }
        acc
    }
}

/// One branch-free walk step from node `i` (a leaf stays where it is).
#[inline(always)]
fn step<B: Bin>(walk: &[WalkNode<B>], bins: &[B], i: usize) -> u32 {
    match walk.get(i) {
        Some(n) => {
            let b = bins.get(n.col as usize).copied().unwrap_or_default();
            std::hint::select_unpredictable(b > n.c, n.right, n.left)
        }
        None => i as u32,
    }
}

/// Adds each row's exit leaf (`leaves[exit[r]]`, `exit[r] < 32`) to `acc[r]`.
pub(crate) trait AddLeaves: Fn(&[u8; BLOCK], &LeafTable, &mut [f64; BLOCK]) {}
impl<F: Fn(&[u8; BLOCK], &LeafTable, &mut [f64; BLOCK])> AddLeaves for F {}

/// Score one QuickScorer tree over a block, `SUB` rows at a time (as many leaf bit vectors as
/// fit in vector registers): AND the masks of the nodes each row fails, then add the leaf
/// at each row's lowest remaining bit.
#[inline(always)]
fn qs_tree<B: Bin, M: Mask, const SUB: usize>(
    nodes: &[QsNode<B, M>],
    leaves: &LeafTable,
    bins: &[B],
    acc: &mut [f64; BLOCK],
    add: impl AddLeaves,
) {
    let mut exit = [0u8; BLOCK];
    for (s, exit) in exit.chunks_exact_mut(SUB).enumerate() {
        let mut v = [M::ALL; SUB];
        for node in nodes {
            let start = node.col as usize * BLOCK + s * SUB;
            let Some(Ok(col)) = bins.get(start..start + SUB).map(<&[B; SUB]>::try_from) else { continue };
            let (c, m) = (node.c, node.mask);
            for (v, b) in v.iter_mut().zip(col) {
                *v = *v & if *b > c { m } else { M::ALL };
            }
        }
        for (e, v) in exit.iter_mut().zip(&v) {
            *e = v.first() as u8;
        }
    }
    add(&exit, leaves, acc);
}

/// [`AddLeaves`] with scalar loads. Kept out of line so that it stays scalar: vectorised, it
/// becomes a gather, which is slower than scalar loads on AMD Zen.
#[inline(never)]
pub(crate) fn add_leaves(exit: &[u8; BLOCK], leaves: &LeafTable, acc: &mut [f64; BLOCK]) {
    for (a, e) in acc.iter_mut().zip(exit) {
        *a += leaves[usize::from(*e).min(64)];
    }
}

/// Walk one large tree for every row of a block, `GROUP` rows in lock step.
#[inline(always)]
fn walk_rows<B: Bin>(f: &Forest<B>, root: u32, depth: u32, bins: &[B], acc: &mut [f64]) {
    for (g, acc) in acc.chunks_mut(GROUP).enumerate() {
        let mut idx = [root; GROUP];
        for _ in 0..depth {
            for (r, i) in idx.iter_mut().enumerate() {
                let n = f.walk.get(*i as usize);
                if let Some(n) = n {
                    let b = bins.get(n.col as usize * BLOCK + g * GROUP + r).copied().unwrap_or_default();
                    *i = std::hint::select_unpredictable(b > n.c, n.right, n.left);
                }
            }
        }
        for (a, i) in acc.iter_mut().zip(idx) {
            *a += f.walk_values.get(i as usize).copied().unwrap_or(f64::NAN);
        }
    }
}
