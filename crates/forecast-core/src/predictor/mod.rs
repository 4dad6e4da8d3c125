//! The compiled batch predictor: any [`TreeEnsemble`] turned into a flat, vectorised scorer
//! that returns exactly what the reference walk ([`TreeEnsemble::predict_row`]) returns.
//!
//! Compilation quantises every split to an integer test on a small per-column bin (see
//! `quantize`), lays each tree out twice (see `layout`): QuickScorer bit masks for blocks of
//! rows, and a branch-free pre-order walk for single rows and very large trees. Blocks of
//! [`BLOCK_ROWS`] rows are binned once and then every tree streams past them; with more than
//! one thread, blocks are spread over a private rayon pool. Leaf values stay `f64` and are
//! added tree by tree in the reference's order, so predictions are bit-identical to it.
//!
//! ```
//! use forecast_core::predictor::CompiledPredictor;
//! use forecast_core::tree::{Missing, Node, Split, SplitRule, Tree, TreeEnsemble};
//!
//! let stump = Tree { nodes: vec![
//!     Node::Split(Split { feature: 0, rule: SplitRule::LessOrEqual(0.5), missing: Missing::NaN,
//!                         default_left: true, left: 1, right: 2 }),
//!     Node::Leaf(1.0),
//!     Node::Leaf(2.0),
//! ], cover: Vec::new() };
//! let ensemble = TreeEnsemble { n_features: 1, trees: vec![stump], base_score: 10.0, ..Default::default() };
//! let p = CompiledPredictor::compile(&ensemble)?.threads(2)?;
//! assert_eq!(p.predict_row(&[0.7]), 12.0);
//! let mut out = vec![0.0; 3];
//! p.predict_slice(&[0.1, 0.9, f64::NAN], &mut out)?;
//! assert_eq!(out, vec![11.0, 12.0, 11.0]);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod kernel;
mod layout;
mod quantize;
mod simd;

pub use simd::Isa;

use crate::model::{Predict, check_n_features};
use crate::tree::{Node, OutputTransform, TreeEnsemble};
use crate::{Error, Result};
use kernel::{BLOCK, Engine, Scratch};
use layout::Forest;
use ndarray::{Array1, ArrayView2};
use quantize::{Bin, Quantizer};
use rayon::prelude::*;
use std::sync::Arc;

/// Rows binned and scored together by the batch path.
pub const BLOCK_ROWS: usize = BLOCK;

/// Blocks of fewer rows take the single-row path: a block costs the same whatever its fill,
/// about as much as 20 single rows (measured on the 500 x 31 model).
const SMALL_BLOCK: usize = 16;

/// Blocks handed to one rayon task.
const BLOCKS_PER_TASK: usize = 8;

/// The engine for the narrowest bin type that holds every bin of the model.
#[derive(Debug, Clone)]
enum Bins {
    U8(Engine<u8>),
    U16(Engine<u16>),
    U32(Engine<u32>),
}

/// A tree ensemble compiled for fast, exact scoring.
#[derive(Debug, Clone)]
pub struct CompiledPredictor {
    engine: Bins,
    isa: Isa,
    n_features: usize,
    n_trees: usize,
    base_score: f64,
    average: bool,
    transform: OutputTransform,
    threads: usize,
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl CompiledPredictor {
    /// Compile `ensemble` (single-threaded, widest instruction set this CPU supports).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the ensemble fails [`TreeEnsemble::validate`].
    pub fn compile(ensemble: &TreeEnsemble) -> Result<Self> {
        ensemble.validate()?;
        let splits = ensemble.trees.iter().flat_map(|t| t.nodes.iter()).filter_map(|n| match n {
            Node::Split(s) => Some(s),
            Node::Leaf(_) => None,
        });
        let quantizer = Quantizer::new(ensemble.n_features, splits);
        let sum_init: f64 = std::iter::empty::<f64>().sum();
        let n_features = ensemble.n_features;
        fn engine<B: Bin>(q: Quantizer, e: &TreeEnsemble, sum_init: f64) -> Engine<B> {
            let forest = Forest::build(&e.trees, &q);
            Engine { quantizer: q, forest, n_features: e.n_features, sum_init }
        }
        let engine = match quantizer.max_bin() {
            m if m <= u32::from(u8::MAX) => Bins::U8(engine(quantizer, ensemble, sum_init)),
            m if m <= u32::from(u16::MAX) => Bins::U16(engine(quantizer, ensemble, sum_init)),
            _ => Bins::U32(engine(quantizer, ensemble, sum_init)),
        };
        Ok(Self {
            engine,
            isa: Isa::detect(),
            n_features,
            n_trees: ensemble.trees.len(),
            base_score: ensemble.base_score,
            average: ensemble.average,
            transform: ensemble.transform,
            threads: 1,
            pool: None,
        })
    }

    /// Score batches with `n` threads (a private rayon pool; 0 = one per available core).
    ///
    /// # Errors
    /// [`Error::Backend`] when the thread pool cannot be started.
    pub fn threads(mut self, n: usize) -> Result<Self> {
        let n = if n == 0 { std::thread::available_parallelism().map_or(1, usize::from) } else { n };
        self.pool = if n > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::Backend { backend: "rayon", source: Box::new(e) })?;
            Some(Arc::new(pool))
        } else {
            None
        };
        self.threads = n;
        Ok(self)
    }

    /// Use instruction set `isa` (or the widest supported one below it); for comparisons.
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa.supported();
        self
    }

    /// The instruction set in use.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Threads used by batch scoring.
    pub fn n_threads(&self) -> usize {
        self.threads
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.n_trees
    }

    /// The prediction for one row; a row shorter than `n_features` reads the rest as missing.
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        let raw = match &self.engine {
            Bins::U8(e) => simd::raw_row(self.isa, e, row),
            Bins::U16(e) => simd::raw_row(self.isa, e, row),
            Bins::U32(e) => simd::raw_row(self.isa, e, row),
        };
        self.finish(raw)
    }

    /// Predictions for row-major `rows` (`n_features` values per row) into `out`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `rows.len()` is not `out.len() * n_features`.
    pub fn predict_slice(&self, rows: &[f64], out: &mut [f64]) -> Result<()> {
        if rows.len() != out.len() * self.n_features {
            return Err(Error::ShapeMismatch {
                context: "predict_slice: rows.len() vs out.len() * n_features",
                expected: out.len() * self.n_features,
                got: rows.len(),
            });
        }
        match &self.engine {
            Bins::U8(e) => self.run(e, rows, out),
            Bins::U16(e) => self.run(e, rows, out),
            Bins::U32(e) => self.run(e, rows, out),
        }
        Ok(())
    }

    /// Predictions for the rows of `x` into `out`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `x` has the wrong number of columns or `out` the wrong length.
    pub fn predict_into(&self, x: ArrayView2<'_, f64>, out: &mut [f64]) -> Result<()> {
        check_n_features(&x, self.n_features)?;
        if out.len() != x.nrows() {
            return Err(Error::ShapeMismatch {
                context: "predict_into: out.len() vs rows of x",
                expected: x.nrows(),
                got: out.len(),
            });
        }
        // Borrowed when `x` is already row-major, one copy otherwise.
        let x = x.as_standard_layout();
        let rows = x.as_slice().ok_or(Error::InvalidData("predict_into: rows are not contiguous".into()))?;
        self.predict_slice(rows, out)
    }

    fn run<B: Bin>(&self, e: &Engine<B>, rows: &[f64], out: &mut [f64]) {
        let nf = self.n_features.max(1);
        let task_rows = BLOCK * BLOCKS_PER_TASK;
        let task = |(rows, out): (&[f64], &mut [f64])| {
            let mut scratch = Scratch::new(e.quantizer.n_columns());
            for (rows, out) in rows.chunks(BLOCK * nf).zip(out.chunks_mut(BLOCK)) {
                if out.len() < SMALL_BLOCK {
                    for (row, o) in rows.chunks(nf).zip(out.iter_mut()) {
                        *o = simd::raw_row(self.isa, e, row);
                    }
                } else {
                    simd::raw_block(self.isa, e, rows, out, &mut scratch);
                }
                for o in out.iter_mut() {
                    *o = self.finish(*o);
                }
            }
        };
        match &self.pool {
            Some(pool) if out.len() > BLOCK => pool.install(|| {
                rows.par_chunks(task_rows * nf).zip(out.par_chunks_mut(task_rows)).for_each(task);
            }),
            _ => task((rows, out)),
        }
    }

    #[inline(always)]
    fn finish(&self, sum: f64) -> f64 {
        let agg = if self.average && self.n_trees > 0 { sum / self.n_trees as f64 } else { sum };
        self.transform.apply(self.base_score + agg)
    }
}

impl Predict for CompiledPredictor {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let mut out = vec![0.0; x.nrows()];
        self.predict_into(x, &mut out)?;
        Ok(Array1::from(out))
    }
}
