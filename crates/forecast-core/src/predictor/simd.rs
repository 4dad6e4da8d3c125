//! Runtime choice of instruction set, and the crate's only `unsafe`.
//!
//! A portable build targets baseline x86-64 (SSE2), so the scoring loops of
//! [`super::kernel`] are also compiled with AVX2 and with AVX-512 enabled, with the
//! intrinsic kernels of [`super::x86`] plugged in, and the widest set the CPU supports is
//! picked once, when the predictor is compiled. Calling a `#[target_feature]` function is
//! sound exactly when the CPU has those features, which [`Isa::detect`] checks with
//! `is_x86_feature_detected!` before any such call can be made; the only other `unsafe` is a
//! handful of vector loads and stores from references of exactly the vector's size.
#![allow(unsafe_code)]

use super::kernel::{Engine, Scratch, add_narrow, qs_exits};
use crate::{Error, Result};

/// The instruction set the scoring loops run with.
///
/// `FromStr` reads the names `avx512`, `avx2` and `scalar` (or `portable`), as used by the
/// `FORECAST_PREDICTOR_ISA` variable of the `predict` example and the `batch_predict` bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The build's baseline target (SSE2 on x86-64), portable Rust everywhere else.
    Portable,
    /// AVX2 + BMI + FMA.
    Avx2,
    /// AVX-512 (F, BW, VL, CD, DQ) on top of AVX2.
    Avx512,
}

impl Isa {
    /// Every instruction set, widest first.
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2, Isa::Portable];

    /// The widest instruction set this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("bmi1")
                && std::arch::is_x86_feature_detected!("bmi2")
                && std::arch::is_x86_feature_detected!("lzcnt")
                && std::arch::is_x86_feature_detected!("popcnt")
                && std::arch::is_x86_feature_detected!("fma");
            let avx512 = avx2
                && std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512cd")
                && std::arch::is_x86_feature_detected!("avx512dq");
            if avx512 {
                return Self::Avx512;
            }
            if avx2 {
                return Self::Avx2;
            }
        }
        Self::Portable
    }

    /// Whether this CPU can run `self`.
    pub fn is_supported(self) -> bool {
        self.supported() == self
    }

    /// Every instruction set this CPU can run, widest first (always ends with `Portable`).
    pub fn available() -> Vec<Isa> {
        Self::ALL.into_iter().filter(|i| i.is_supported()).collect()
    }

    /// `self`, or the widest supported set below it when the CPU lacks `self`.
    pub fn supported(self) -> Self {
        let best = Self::detect();
        match (self, best) {
            (Self::Avx512, b) => b,
            (Self::Avx2, Self::Portable) => Self::Portable,
            (s, _) => s,
        }
    }

    /// The name `FromStr` reads.
    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "scalar",
            Self::Avx2 => "avx2",
            Self::Avx512 => "avx512",
        }
    }
}

impl std::fmt::Display for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Isa {
    type Err = Error;

    /// # Errors
    /// [`Error::InvalidArgument`] for a name other than `avx512`, `avx2`, `scalar`, `portable`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "avx512" | "avx-512" => Ok(Self::Avx512),
            "avx2" => Ok(Self::Avx2),
            "scalar" | "portable" => Ok(Self::Portable),
            other => Err(Error::InvalidArgument {
                operation: "Isa::from_str".into(),
                argument: "isa".into(),
                message: format!("unknown instruction set `{other}`; expected avx512, avx2 or scalar"),
            }),
        }
    }
}

/// [`Engine::raw_block`] with instruction set `isa` (which must come from [`Isa::supported`]).
pub(crate) fn raw_block(isa: Isa, e: &Engine, rows: &[f64], out: &mut [f64], s: &mut Scratch) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `isa` only names a feature set that `Isa::detect` found on this CPU.
        Isa::Avx512 => unsafe { super::x86::raw_block_avx512(e, rows, out, s) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Isa::Avx2 => unsafe { super::x86::raw_block_avx2(e, rows, out, s) },
        _ => e.raw_block(rows, out, s, qs_exits, add_narrow),
    }
}

/// [`Engine::raw_row`] with instruction set `isa` (which must come from [`Isa::supported`]).
pub(crate) fn raw_row(isa: Isa, e: &Engine, row: &[f64]) -> f64 {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `isa` only names a feature set that `Isa::detect` found on this CPU.
        Isa::Avx512 => unsafe { super::x86::raw_row_avx512(e, row) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Isa::Avx2 => unsafe { super::x86::raw_row_avx2(e, row) },
        // Portable code walks: without a byte shuffle, fetching each node's key costs more
        // than the lock-step walk (measured: twice the instructions of the walk).
        _ => e.raw_row::<false>(row, |_, _, _, _| [0; super::layout::LANES]),
    }
}

/// Vector loads and stores from references of exactly the vector's size, for [`super::x86`].
#[cfg(target_arch = "x86_64")]
pub(super) mod mem {
    use std::arch::x86_64::*;

    /// 32 bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn load_i8x32(a: &[i8; 32]) -> __m256i {
        // SAFETY: `a` is valid for reading 32 bytes; the load has no alignment requirement.
        unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
    }

    /// 32 bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn load_u8x32(a: &[u8; 32]) -> __m256i {
        // SAFETY: as in `load_i8x32`.
        unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
    }

    /// Eight `u32`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn load_u32x8(a: &[u32; 8]) -> __m256i {
        // SAFETY: `a` is valid for reading 32 bytes; the load has no alignment requirement.
        unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
    }

    /// 16 bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn load_i8x16(a: &[i8; 16]) -> __m128i {
        // SAFETY: `a` is valid for reading 16 bytes; the load has no alignment requirement.
        unsafe { _mm_loadu_si128(a.as_ptr().cast()) }
    }

    /// Eight bytes into the low half.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn load_u8x8(a: &[u8; 8]) -> __m128i {
        // SAFETY: `a` is valid for reading 8 bytes; the load has no alignment requirement.
        unsafe { _mm_loadl_epi64(a.as_ptr().cast()) }
    }

    /// 32 bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn store_u8x32(a: &mut [u8; 32], v: __m256i) {
        // SAFETY: `a` is valid for writing 32 bytes; the store has no alignment requirement.
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().cast(), v) }
    }

    /// Eight `u32`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(in super::super) fn store_u32x8(a: &mut [u32; 8], v: __m256i) {
        // SAFETY: `a` is valid for writing 32 bytes; the store has no alignment requirement.
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().cast(), v) }
    }

    /// Eight `f64`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in super::super) fn load_f64x8(a: &[f64; 8]) -> __m512d {
        // SAFETY: `a` is valid for reading 64 bytes; the load has no alignment requirement.
        unsafe { _mm512_loadu_pd(a.as_ptr()) }
    }

    /// Eight `f64`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in super::super) fn store_f64x8(a: &mut [f64; 8], v: __m512d) {
        // SAFETY: `a` is valid for writing 64 bytes; the store has no alignment requirement.
        unsafe { _mm512_storeu_pd(a.as_mut_ptr(), v) }
    }
}
