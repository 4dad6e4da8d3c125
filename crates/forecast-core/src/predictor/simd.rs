//! Runtime choice of instruction set for the scoring loops.
//!
//! The loops in [`super::kernel`] are plain Rust written so that LLVM vectorises them over the
//! rows of a block. A portable build targets baseline x86-64 (SSE2), so the same loops are also
//! compiled with AVX2 and with AVX-512 enabled and the widest one the CPU supports is picked
//! once, when the predictor is compiled. This file holds the crate's only `unsafe`: calling a
//! `#[target_feature]` function is sound exactly when the CPU has those features, which
//! [`Isa::detect`] checks with `is_x86_feature_detected!` before any such call can be made.
#![allow(unsafe_code)]

use super::kernel::{Engine, Scratch, add_leaves};
use super::quantize::Bin;

/// The instruction set the scoring loops run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The build's baseline target (SSE2 on x86-64).
    Portable,
    /// AVX2 + BMI + FMA.
    Avx2,
    /// AVX-512 (F, BW, VL, CD, DQ) on top of AVX2.
    Avx512,
}

impl Isa {
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

    /// `self`, or the widest supported set below it when the CPU lacks `self`.
    pub(crate) fn supported(self) -> Self {
        let best = Self::detect();
        match (self, best) {
            (Self::Avx512, b) => b,
            (Self::Avx2, Self::Portable) => Self::Portable,
            (s, _) => s,
        }
    }
}

/// [`Engine::raw_block`] with instruction set `isa` (which must come from [`Isa::supported`]).
pub(crate) fn raw_block<B: Bin>(isa: Isa, e: &Engine<B>, rows: &[f64], out: &mut [f64], s: &mut Scratch<B>) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `isa` only names a feature set that `Isa::detect` found on this CPU.
        Isa::Avx512 => unsafe { x86::raw_block_avx512(e, rows, out, s) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Isa::Avx2 => unsafe { x86::raw_block_avx2(e, rows, out, s) },
        _ => e.raw_block::<32>(rows, out, s, add_leaves),
    }
}

/// [`Engine::raw_row`] with instruction set `isa` (which must come from [`Isa::supported`]).
pub(crate) fn raw_row<B: Bin>(isa: Isa, e: &Engine<B>, row: &[f64]) -> f64 {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `isa` only names a feature set that `Isa::detect` found on this CPU.
        Isa::Avx512 | Isa::Avx2 => unsafe { x86::raw_row_avx2(e, row) },
        _ => e.raw_row(row),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::super::kernel::BLOCK;
    use super::super::layout::LeafTable;
    use super::{Bin, Engine, Scratch, add_leaves};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512cd,avx512dq,avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
    pub(super) fn raw_block_avx512<B: Bin>(e: &Engine<B>, rows: &[f64], out: &mut [f64], s: &mut Scratch<B>) {
        e.raw_block::<BLOCK>(rows, out, s, |exit, leaves, acc| add_leaves_avx512(exit, leaves, acc));
    }

    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
    pub(super) fn raw_block_avx2<B: Bin>(e: &Engine<B>, rows: &[f64], out: &mut [f64], s: &mut Scratch<B>) {
        e.raw_block::<64>(rows, out, s, add_leaves);
    }

    /// `acc[r] += leaves[exit[r]]` for exit indices below 32, eight rows at a time: the 32
    /// leaf values sit in four registers and two two-source permutes plus a blend pick each
    /// row's value, instead of a gather (slow on AMD Zen) or eight scalar loads.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    fn add_leaves_avx512(exit: &[u8; BLOCK], leaves: &LeafTable, acc: &mut [f64; BLOCK]) {
        const { assert!(BLOCK.is_multiple_of(8) && size_of::<LeafTable>() >= 32 * size_of::<f64>()) };
        let l = leaves.as_ptr();
        // SAFETY: `leaves` holds at least 32 values (checked above), so offsets 0..32 are in bounds.
        let (l0, l1, l2, l3) = unsafe {
            (_mm512_loadu_pd(l), _mm512_loadu_pd(l.add(8)), _mm512_loadu_pd(l.add(16)), _mm512_loadu_pd(l.add(24)))
        };
        let bit4 = _mm512_set1_epi64(16);
        for (a, e) in acc.chunks_exact_mut(8).zip(exit.chunks_exact(8)) {
            let mut idx8 = [0u8; 16];
            idx8[..8].copy_from_slice(e);
            // SAFETY: `idx8` is 16 bytes; `a` is exactly 8 `f64` (chunks_exact), read and written in place.
            unsafe {
                let idx = _mm512_cvtepu8_epi64(_mm_loadu_si128(idx8.as_ptr().cast()));
                let lo = _mm512_permutex2var_pd(l0, idx, l1);
                let hi = _mm512_permutex2var_pd(l2, idx, l3);
                let pick = _mm512_mask_blend_pd(_mm512_test_epi64_mask(idx, bit4), lo, hi);
                _mm512_storeu_pd(a.as_mut_ptr(), _mm512_add_pd(_mm512_loadu_pd(a.as_ptr()), pick));
            }
        }
    }

    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
    pub(super) fn raw_row_avx2<B: Bin>(e: &Engine<B>, row: &[f64]) -> f64 {
        e.raw_row(row)
    }
}
