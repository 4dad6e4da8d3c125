//! The scoring loops in portable Rust. [`super::simd`] runs the same loops compiled for wider
//! instruction sets, with the per-tree kernels of [`super::x86`] plugged in where they exist.

use super::layout::{Forest, LANE_MAX_COLUMNS, LANES, NARROW, OCTET, PlaneOp, QsTree, RUN_TREES, Segment};
use super::quantize::{Key, Quantizer, key};

/// Rows scored together: their keys, leaf planes, exit leaves and sums stay in L1 while every
/// tree streams past once.
pub(crate) const BLOCK: usize = 384;

/// Rows binned together (7 KB of values for 14 features).
const BIN_ROWS: usize = 64;

/// Everything the scoring loops need.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub(crate) quantizer: Quantizer,
    pub(crate) forest: Forest,
    pub(crate) n_features: usize,
    /// The empty sum of `f64` (the reference's fold start), so sums match it bit for bit.
    pub(crate) sum_init: f64,
}

/// Per-thread buffers of the batch path; about 16 KB for a 14-feature model, so they stay in
/// L1 next to the block's rows.
#[derive(Debug)]
pub(crate) struct Scratch {
    /// Column-major keys of the block: `keys[col * BLOCK + row]`.
    keys: Vec<Key>,
    /// One tree's leaf planes.
    planes: Planes,
    /// Exit leaves of the trees of one run.
    exits: Vec<[u8; BLOCK]>,
    acc: Box<[f64; BLOCK]>,
}

impl Scratch {
    pub(crate) fn new(e: &Engine) -> Self {
        let groups = e.forest.qs.iter().map(|t| t.n_groups as usize).max().unwrap_or(1);
        Self {
            keys: vec![key(0); e.quantizer.n_columns().max(1) * BLOCK],
            planes: Planes {
                narrow: Box::new([[[0; 32]; BLOCK / 32]; 4]),
                wide: vec![[[0; 32]; BLOCK / 32]; if groups > 4 { groups } else { 0 }],
            },
            exits: vec![[0; BLOCK]; RUN_TREES],
            acc: Box::new([0.0; BLOCK]),
        }
    }
}

/// A tree's leaf planes over a block, 32 rows per entry: a fixed buffer for trees of at most
/// four groups (32 leaves), a growable one for wider trees.
#[derive(Debug)]
pub(crate) struct Planes {
    pub(crate) narrow: Box<[[[u8; 32]; BLOCK / 32]; 4]>,
    pub(crate) wide: Vec<[[u8; 32]; BLOCK / 32]>,
}

/// Computes the exit leaf of every row of a block for one leaf-plane tree, plus an offset
/// (the last argument; the sum stays below 256).
pub(crate) trait QsExits: Fn(&Forest, &QsTree, &[Key], &mut Planes, &mut [u8; BLOCK], u8) {}
impl<F: Fn(&Forest, &QsTree, &[Key], &mut Planes, &mut [u8; BLOCK], u8)> QsExits for F {}

/// Adds the exit leaves of a run of narrow trees to the block's sums, tree by tree. The values
/// are [`Forest::narrow_values`] of the run (its trees' 32-entry tables back to back, then at
/// least [`super::layout::OCTET_TABLE`] more entries); tree `t`'s exit bytes hold
/// `32 * (t % OCTET) + leaf`, so that `values[256 * (t / OCTET) + exit]` is its leaf value.
pub(crate) trait AddNarrow: Fn(&[f64], &[[u8; BLOCK]], &mut [f64; BLOCK]) {}
impl<F: Fn(&[f64], &[[u8; BLOCK]], &mut [f64; BLOCK])> AddNarrow for F {}

/// The exit offset of the `i`-th tree of a narrow run (see [`AddNarrow`]).
#[inline(always)]
pub(crate) fn octet_offset(i: usize) -> u8 {
    ((i % OCTET) * NARROW) as u8
}

/// Computes the exit leaf of each tree of a lane group for one row's keys.
pub(crate) trait LaneExits: Fn(&Forest, usize, usize, &[Key; LANE_MAX_COLUMNS]) -> [u8; LANES] {}
impl<F: Fn(&Forest, usize, usize, &[Key; LANE_MAX_COLUMNS]) -> [u8; LANES]> LaneExits for F {}

impl Engine {
    /// Raw sums (before average, base score and transform) of up to `BLOCK` rows.
    #[inline(always)]
    pub(crate) fn raw_block(
        &self,
        rows: &[f64],
        out: &mut [f64],
        s: &mut Scratch,
        qs: impl QsExits,
        add_narrow: impl AddNarrow,
    ) {
        let n = out.len().min(BLOCK);
        let rows = rows.get(..n * self.n_features).unwrap_or(rows);
        // A chunk of rows at a time, so that its values stay in L1 while every column reads them.
        let nf = self.n_features.max(1);
        for (c, chunk) in rows.chunks(BIN_ROWS * nf).enumerate() {
            for (col, keys) in s.keys.chunks_exact_mut(BLOCK).enumerate() {
                let keys = keys.get_mut(c * BIN_ROWS..(c * BIN_ROWS + chunk.len() / nf).min(BLOCK)).unwrap_or(&mut []);
                self.quantizer.column_keys(col, chunk, self.n_features, keys);
            }
        }
        let acc = &mut *s.acc;
        acc.fill(self.sum_init);
        let f = &self.forest;
        for segment in &f.segments {
            match *segment {
                Segment::Qs { first, len, narrow } => {
                    let trees = f.qs.get(first as usize..(first + len) as usize).unwrap_or(&[]);
                    let values = if narrow { f.narrow_values(trees) } else { None };
                    for (i, (tree, exits)) in trees.iter().zip(s.exits.iter_mut()).enumerate() {
                        let offset = if values.is_some() { octet_offset(i) } else { 0 };
                        qs(f, tree, &s.keys, &mut s.planes, exits, offset);
                    }
                    let exits = &s.exits[..trees.len().min(RUN_TREES)];
                    if let Some(values) = values {
                        add_narrow(values, exits, acc);
                    } else {
                        add_wide(f, trees, exits, acc);
                    }
                }
                Segment::Walk { root, depth } => walk_rows(f, root, depth, &s.keys, &mut acc[..n]),
            }
        }
        out.copy_from_slice(&acc[..n]);
    }

    /// Raw sum of one row, without allocating when the model has at most 256 columns. With
    /// `USE_LANES`, lane groups are scored by `lanes`; otherwise (and for groups without the
    /// lane form) eight trees are walked in lock step.
    #[inline(always)]
    pub(crate) fn raw_row<const USE_LANES: bool>(&self, row: &[f64], lanes: impl LaneExits) -> f64 {
        let n_cols = self.quantizer.n_columns();
        let mut stack = [key(0); 256];
        let mut heap = Vec::new();
        let keys: &mut [Key] = if n_cols <= stack.len() {
            &mut stack[..]
        } else {
            heap.resize(n_cols, key(0));
            &mut heap
        };
        self.quantizer.row_keys(row, keys);
        let lane_keys = keys.first_chunk::<LANE_MAX_COLUMNS>();
        let f = &self.forest;
        let mut acc = self.sum_init;
        for g in &f.lane_groups {
            if USE_LANES && let (Some(l), Some(lane_keys)) = (g.lanes, lane_keys) {
                let exits = lanes(f, l.quad as usize, l.n_quads as usize, lane_keys);
                let trees = f.qs.get(l.qs_first as usize..(l.qs_first + g.len) as usize).unwrap_or(&[]);
                for (table, e) in f.narrow_tables(trees).unwrap_or(&[]).iter().zip(exits) {
                    acc += table[usize::from(e) % NARROW];
                }
                continue;
            }
            let first = g.first as usize;
            let roots = f.walk_roots.get(first..first + g.len as usize).unwrap_or(&[]);
            let mut idx = [0u32; LANES];
            for (i, &(root, _)) in idx.iter_mut().zip(roots) {
                *i = root;
            }
            for _ in 0..g.depth {
                for i in &mut idx {
                    *i = step(f, keys, *i as usize);
                }
            }
            for &i in idx.iter().take(roots.len()) {
                acc += f.walk_values.get(i as usize).copied().unwrap_or(f64::NAN);
            }
        }
        acc
    }
}

/// One branch-free walk step from node `i` (a leaf stays where it is).
#[inline(always)]
fn step(f: &Forest, keys: &[Key], i: usize) -> u32 {
    match f.walk.get(i) {
        Some(n) => {
            let k = keys.get(n.col as usize).copied().unwrap_or(key(0));
            std::hint::select_unpredictable(k > n.key, n.right, n.left)
        }
        None => i as u32,
    }
}

/// Exit leaves of one tree over a block, portable form: each group's plane is one byte per
/// row, and every op of the group clears its leaves in the rows whose key is not below the op's.
#[inline(always)]
pub(crate) fn qs_exits(
    f: &Forest,
    tree: &QsTree,
    keys: &[Key],
    planes: &mut Planes,
    exits: &mut [u8; BLOCK],
    offset: u8,
) {
    let n_groups = tree.n_groups as usize;
    let planes: &mut [[[u8; 32]; BLOCK / 32]] = if n_groups <= 4 { &mut planes.narrow[..] } else { &mut planes.wide };
    for (g, plane) in planes.iter_mut().take(n_groups).enumerate() {
        let plane = plane.as_flattened_mut();
        let Ok(plane) = <&mut [u8; BLOCK]>::try_from(plane) else { continue };
        plane.fill(u8::MAX);
        for op in f.group_ops(tree, g) {
            apply_op(op, keys, plane);
        }
    }
    exits_from_planes(planes.get(..n_groups).unwrap_or(&[]).as_flattened().as_flattened(), n_groups, exits);
    for e in exits.iter_mut() {
        *e = e.wrapping_add(offset);
    }
}

#[inline(always)]
fn apply_op(op: &PlaneOp, keys: &[Key], plane: &mut [u8; BLOCK]) {
    let off = usize::from(op.col) * BLOCK;
    let Some(Ok(col)) = keys.get(off..off + BLOCK).map(<&[Key; BLOCK]>::try_from) else { return };
    for (p, k) in plane.iter_mut().zip(col) {
        *p &= if *k < op.below { u8::MAX } else { op.keep as u8 };
    }
}

/// The exit leaf of each row: 8 x (first group with a leaf left) + its lowest leaf.
#[inline(always)]
pub(crate) fn exits_from_planes(planes: &[u8], n_groups: usize, exits: &mut [u8; BLOCK]) {
    let last = n_groups.saturating_sub(1);
    let Some(Ok(top)) = planes.get(last * BLOCK..(last + 1) * BLOCK).map(<&[u8; BLOCK]>::try_from) else { return };
    let mut sel = *top;
    let mut base = [(last * 8) as u8; BLOCK];
    for g in (0..last).rev() {
        let Some(Ok(p)) = planes.get(g * BLOCK..(g + 1) * BLOCK).map(<&[u8; BLOCK]>::try_from) else { continue };
        for ((s, b), p) in sel.iter_mut().zip(base.iter_mut()).zip(p) {
            if *p != 0 {
                *s = *p;
                *b = (g * 8) as u8;
            }
        }
    }
    for ((e, s), b) in exits.iter_mut().zip(&sel).zip(&base) {
        *e = b | (s.trailing_zeros() as u8 & 7);
    }
}

/// [`AddNarrow`] with scalar loads: `acc[r] += table[exit[r] % 32]`, tree by tree, eight rows
/// at a time so that eight sums are in flight.
#[inline(always)]
pub(crate) fn add_narrow(values: &[f64], exits: &[[u8; BLOCK]], acc: &mut [f64; BLOCK]) {
    let tables = narrow_tables(values, exits.len());
    for (c, a) in acc.as_chunks_mut::<8>().0.iter_mut().enumerate() {
        let mut sum = *a;
        for (t, e) in tables.iter().zip(exits) {
            let Some(e) = e.as_chunks::<8>().0.get(c) else { continue };
            for (s, e) in sum.iter_mut().zip(e) {
                *s += t[usize::from(*e) % NARROW];
            }
        }
        *a = sum;
    }
}

/// The 32-entry tables of the first `n` trees of a narrow run's values.
#[inline(always)]
pub(crate) fn narrow_tables(values: &[f64], n: usize) -> &[[f64; NARROW]] {
    let (tables, _) = values.as_chunks::<NARROW>();
    tables.get(..n).unwrap_or(tables)
}

/// Adds the exit leaves of a run of wider leaf-plane trees.
#[inline(always)]
fn add_wide(f: &Forest, trees: &[QsTree], exits: &[[u8; BLOCK]], acc: &mut [f64; BLOCK]) {
    for (tree, e) in trees.iter().zip(exits) {
        let table = f.leaf_values.get(tree.leaf_base as usize..).unwrap_or(&[]);
        for (a, e) in acc.iter_mut().zip(e) {
            *a += table.get(usize::from(*e)).copied().unwrap_or(f64::NAN);
        }
    }
}

/// Walk one large tree for every row of a block, `LANES` rows in lock step.
#[inline(always)]
fn walk_rows(f: &Forest, root: u32, depth: u32, keys: &[Key], acc: &mut [f64]) {
    for (g, acc) in acc.chunks_mut(LANES).enumerate() {
        let mut idx = [root; LANES];
        for _ in 0..depth {
            for (r, i) in idx.iter_mut().enumerate() {
                if let Some(n) = f.walk.get(*i as usize) {
                    let k = keys.get(n.col as usize * BLOCK + g * LANES + r).copied().unwrap_or(key(0));
                    *i = std::hint::select_unpredictable(k > n.key, n.right, n.left);
                }
            }
        }
        for (a, i) in acc.iter_mut().zip(idx) {
            *a += f.walk_values.get(i as usize).copied().unwrap_or(f64::NAN);
        }
    }
}
