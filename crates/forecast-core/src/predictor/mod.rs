//! The compiled batch predictor: any [`TreeEnsemble`] turned into a flat, vectorised scorer
//! that returns exactly what the reference walk ([`TreeEnsemble::predict_row`]) returns.
//!
//! Compilation quantises every split to a byte test on one column of keys (see `quantize`)
//! and lays each tree out for the scoring paths (see `layout`): QuickScorer leaf planes for
//! blocks of rows, QuickScorer lanes of eight trees for single rows, and a branch-free
//! pre-order walk for very large trees. Blocks of [`BLOCK_ROWS`] rows are binned once and
//! then every tree streams past them; with more than one thread, blocks are spread over a
//! private rayon pool, whose workers pull them from one queue. Leaf values stay `f64` and are added tree by tree in the reference's
//! order, so predictions are bit-identical to it. The instruction set ([`Isa`]) is chosen
//! when compiling and can be forced with [`CompiledPredictor::compile_with`].
//!
//! ```
//! use forecast_core::predictor::{CompiledPredictor, Isa};
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
//! // Any instruction set gives the same bits; this one runs everywhere.
//! let portable = CompiledPredictor::compile_with(&ensemble, Isa::Portable)?;
//! assert_eq!(portable.isa(), Isa::Portable);
//! assert_eq!(portable.predict_row(&[0.7]), 12.0);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod kernel;
mod layout;
mod quantize;
mod simd;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use simd::Isa;

use crate::model::{Predict, check_n_features};
use crate::tree::{Node, OutputTransform, TreeEnsemble};
use crate::{Error, Result};
use kernel::{BLOCK, Engine, Scratch};
use layout::Forest;
use ndarray::{Array1, ArrayView2};
use quantize::Quantizer;
use std::sync::{Arc, Mutex, PoisonError};

/// Rows binned and scored together by the batch path.
pub const BLOCK_ROWS: usize = BLOCK;

/// A last block of fewer rows takes the single-row path: a block costs the same whatever its
/// fill, about as much as 75 single rows (AVX2, the 500 x 31 LightGBM model).
const SMALL_BLOCK: usize = 64;

/// Blocks a worker takes from the batch's queue at a time.
const BLOCKS_PER_TASK: usize = 2;

/// A tree ensemble compiled for fast, exact scoring.
#[derive(Debug, Clone)]
pub struct CompiledPredictor {
    engine: Engine,
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
        Self::compile_with(ensemble, Isa::detect())
    }

    /// Compile `ensemble` for instruction set `isa`, or the widest supported one below it
    /// (see [`Isa::supported`]); for comparing the paths on one machine.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the ensemble fails [`TreeEnsemble::validate`].
    pub fn compile_with(ensemble: &TreeEnsemble, isa: Isa) -> Result<Self> {
        ensemble.validate()?;
        let splits = ensemble.trees.iter().flat_map(|t| t.nodes.iter()).filter_map(|n| match n {
            Node::Split(s) => Some(s),
            Node::Leaf(_) => None,
        });
        let quantizer = Quantizer::new(ensemble.n_features, splits);
        let forest = Forest::build(&ensemble.trees, &quantizer);
        let sum_init: f64 = std::iter::empty::<f64>().sum();
        Ok(Self {
            engine: Engine { quantizer, forest, n_features: ensemble.n_features, sum_init },
            isa: isa.supported(),
            n_features: ensemble.n_features,
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
        self.finish(simd::raw_row(self.isa, &self.engine, row))
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
        self.run(rows, out);
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

    fn run(&self, rows: &[f64], out: &mut [f64]) {
        let e = &self.engine;
        let nf = self.n_features.max(1);
        let task_rows = BLOCK * BLOCKS_PER_TASK;
        let task = |scratch: &mut Option<Scratch>, (rows, out): (&[f64], &mut [f64])| {
            for (rows, out) in rows.chunks(BLOCK * nf).zip(out.chunks_mut(BLOCK)) {
                if out.len() < SMALL_BLOCK {
                    for (row, o) in rows.chunks(nf).zip(out.iter_mut()) {
                        *o = simd::raw_row(self.isa, e, row);
                    }
                } else {
                    simd::raw_block(self.isa, e, rows, out, scratch.get_or_insert_with(|| Scratch::new(e)));
                }
                for o in out.iter_mut() {
                    *o = self.finish(*o);
                }
            }
        };
        match &self.pool {
            Some(pool) if out.len() > task_rows => {
                // One queue of tasks that every worker pulls from until it is empty, each with its
                // own scratch. Rayon's adaptive splitting (`par_chunks`) stops splitting a range
                // once its split budget is spent, which could leave one of two threads alone
                // with a long run of blocks at the end of the batch.
                let queue = Mutex::new(rows.chunks(task_rows * nf).zip(out.chunks_mut(task_rows)));
                pool.broadcast(|_| {
                    let mut scratch = None;
                    loop {
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                        match next {
                            Some(work) => task(&mut scratch, work),
                            None => break,
                        }
                    }
                });
            }
            _ => task(&mut None, (rows, out)),
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
