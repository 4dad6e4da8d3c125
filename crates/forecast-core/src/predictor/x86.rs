//! x86 kernels written with AVX2 intrinsics. The AVX-512 entry points run the same kernels
//! compiled with AVX-512 enabled, with each or/and pair as one ternary-logic op, and swap in
//! a register-permute leaf lookup.

use super::kernel::{BLOCK, Engine, Planes, Scratch, narrow_tables};
use super::layout::{Forest, LANE_MAX_COLUMNS, LANES, OCTET, OCTET_TABLE, PlaneOp, QsTree, RUN_TREES};
use super::quantize::Key;
use super::simd::mem::*;
use std::arch::x86_64::*;

/// 32-row registers of a block.
const ROWS32: usize = BLOCK / 32;

#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
pub(super) fn raw_block_avx2(e: &Engine, rows: &[f64], out: &mut [f64], s: &mut Scratch) {
    e.raw_block(
        rows,
        out,
        s,
        |f, t, k, p, x, o| avx2::qs_exits::<12>(f, t, k, p, x, o),
        |t, x, a| add_narrow_avx2(t, x, a),
    );
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512cd,avx512dq,avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
pub(super) fn raw_block_avx512(e: &Engine, rows: &[f64], out: &mut [f64], s: &mut Scratch) {
    e.raw_block(
        rows,
        out,
        s,
        |f, t, k, p, x, o| avx512::qs_exits::<12>(f, t, k, p, x, o),
        |t, x, a| add_narrow_avx512(t, x, a),
    );
}

#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
pub(super) fn raw_row_avx2(e: &Engine, row: &[f64]) -> f64 {
    e.raw_row::<true>(row, |f, q, n, k| avx2::lane_exits(f, q, n, k))
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512cd,avx512dq,avx2,bmi1,bmi2,lzcnt,popcnt,fma")]
pub(super) fn raw_row_avx512(e: &Engine, row: &[f64]) -> f64 {
    e.raw_row::<true>(row, |f, q, n, k| avx512::lane_exits(f, q, n, k))
}

/// The leaf-plane and lane kernels, compiled once per feature set (`#[target_feature]` does
/// not reach into callees that are not inlined, and these are too large to be). `$combine`
/// is `p & (left | keep)` on bytes or 32-bit lanes alike.
macro_rules! kernels {
    ($features:literal, $combine:expr) => {
        use super::*;

        /// The exit leaf of every row of a block for one leaf-plane tree. Each group's planes live
        /// in `SUB` registers (32 rows each) while its ops stream past: per op and 32 rows, one
        /// byte compare reading the keys from memory, one or, one and (one ternary op with
        /// AVX-512). Blocks larger than `SUB` registers take several passes over the group's ops.
        /// Each exit is `offset` plus the leaf.
        #[target_feature(enable = $features)]
        #[inline]
        pub(super) fn qs_exits<const SUB: usize>(
            f: &Forest,
            tree: &QsTree,
            keys: &[Key],
            s: &mut Planes,
            exits: &mut [u8; BLOCK],
            offset: u8,
        ) {
            match tree.n_groups {
                1 => narrow::<SUB, 1>(f, tree, keys, s, exits, offset),
                2 => narrow::<SUB, 2>(f, tree, keys, s, exits, offset),
                3 => narrow::<SUB, 3>(f, tree, keys, s, exits, offset),
                4 => narrow::<SUB, 4>(f, tree, keys, s, exits, offset),
                n => {
                    let n = n as usize;
                    for (g, plane) in s.wide.iter_mut().take(n).enumerate() {
                        group_planes::<SUB>(f.group_ops_split(tree, g), keys, plane);
                    }
                    wide_exits(s.wide.get(..n).unwrap_or(&[]), n, exits, offset);
                }
            }
        }

        #[target_feature(enable = $features)]
        #[inline]
        fn narrow<const SUB: usize, const G: usize>(
            f: &Forest,
            tree: &QsTree,
            keys: &[Key],
            s: &mut Planes,
            exits: &mut [u8; BLOCK],
            offset: u8,
        ) {
            let Some(Ok(planes)) = s.narrow.get_mut(..G).map(<&mut [[[u8; 32]; ROWS32]; G]>::try_from) else { return };
            for (g, plane) in planes.iter_mut().enumerate() {
                group_planes::<SUB>(f.group_ops_split(tree, g), keys, plane);
            }
            let bases: [__m256i; G] = std::array::from_fn(|g| _mm256_set1_epi8(offset.wrapping_add(8 * g as u8) as i8));
            for (s, exit) in exits.as_chunks_mut::<32>().0.iter_mut().enumerate() {
                let (mut sel, mut base) = (load_u8x32(&planes[G - 1][s]), bases[G - 1]);
                for g in (0..G - 1).rev() {
                    (sel, base) = first_nonempty(load_u8x32(&planes[g][s]), bases[g], sel, base);
                }
                store_u8x32(exit, exit_index(sel, base));
            }
        }

        /// One group's planes for the whole block: first the ops that clear the whole group
        /// (`plane &= left`), then the others (`plane &= left | keep`).
        #[target_feature(enable = $features)]
        #[inline]
        fn group_planes<const SUB: usize>(
            (full, partial): (&[PlaneOp], &[PlaneOp]),
            keys: &[Key],
            plane: &mut [[u8; 32]; ROWS32],
        ) {
            for (pass, out) in plane.as_chunks_mut::<SUB>().0.iter_mut().enumerate() {
                let mut p = [_mm256_set1_epi8(-1); SUB];
                apply_ops::<SUB, true>(full, keys, pass, &mut p);
                apply_ops::<SUB, false>(partial, keys, pass, &mut p);
                for (dst, v) in out.iter_mut().zip(p) {
                    store_u8x32(dst, v);
                }
            }
        }

        /// `ops` over the `SUB` registers of pass `pass`; with `FULL`, every op has `keep == 0`.
        #[target_feature(enable = $features)]
        #[inline]
        fn apply_ops<const SUB: usize, const FULL: bool>(
            ops: &[PlaneOp],
            keys: &[Key],
            pass: usize,
            p: &mut [__m256i; SUB],
        ) {
            for op in ops {
                let off = usize::from(op.col) * BLOCK + pass * SUB * 32;
                let Some(Ok(col)) =
                    keys.get(off..off + SUB * 32).map(|c| <&[[Key; 32]; SUB]>::try_from(c.as_chunks().0))
                else {
                    continue;
                };
                let below = _mm256_set1_epi8(op.below);
                let keep = _mm256_set1_epi8(op.keep);
                for (p, c) in p.iter_mut().zip(col) {
                    let left = _mm256_cmpgt_epi8(below, load_i8x32(c));
                    *p = if FULL { _mm256_and_si256(*p, left) } else { $combine(*p, left, keep) };
                }
            }
        }

        /// Keep `(sel, base)` unless plane `p` (whose group's exits start at `p_base`) has a leaf
        /// left (a lower group wins).
        #[target_feature(enable = $features)]
        #[inline]
        fn first_nonempty(p: __m256i, p_base: __m256i, sel: __m256i, base: __m256i) -> (__m256i, __m256i) {
            let empty = _mm256_cmpeq_epi8(p, _mm256_setzero_si256());
            (_mm256_blendv_epi8(p, sel, empty), _mm256_blendv_epi8(p_base, base, empty))
        }

        /// `base` plus the index of the lowest bit of `sel`, by two nibble lookups of the isolated bit.
        #[target_feature(enable = $features)]
        #[inline]
        fn exit_index(sel: __m256i, base: __m256i) -> __m256i {
            #[rustfmt::skip]
            let lut_lo = _mm256_setr_epi8(0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
                                          0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0);
            #[rustfmt::skip]
            let lut_hi = _mm256_setr_epi8(0, 4, 5, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,
                                          0, 4, 5, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0);
            let low = _mm256_and_si256(sel, _mm256_sub_epi8(_mm256_setzero_si256(), sel));
            let lo = _mm256_shuffle_epi8(lut_lo, low);
            let hi = _mm256_shuffle_epi8(lut_hi, _mm256_and_si256(_mm256_srli_epi16::<4>(low), _mm256_set1_epi8(0x0F)));
            _mm256_or_si256(base, _mm256_or_si256(lo, hi))
        }

        /// [`narrow`]'s exit computation for any number of groups, planes group-major.
        #[target_feature(enable = $features)]
        #[inline]
        fn wide_exits(planes: &[[[u8; 32]; ROWS32]], n_groups: usize, exits: &mut [u8; BLOCK], offset: u8) {
            let last = n_groups.saturating_sub(1);
            let base_of = |g: usize| _mm256_set1_epi8(offset.wrapping_add((g * 8) as u8) as i8);
            for (s, exit) in exits.as_chunks_mut::<32>().0.iter_mut().enumerate() {
                let plane = |g: usize| planes.get(g).map_or(_mm256_setzero_si256(), |p| load_u8x32(&p[s]));
                let (mut sel, mut base) = (plane(last), base_of(last));
                for g in (0..last).rev() {
                    (sel, base) = first_nonempty(plane(g), base_of(g), sel, base);
                }
                store_u8x32(exit, exit_index(sel, base));
            }
        }

        /// Exit leaves of a lane group (eight trees of at most 32 leaves) for one row. Per quad of
        /// slots, one byte shuffle fetches the keys of its 32 nodes from the row's keys, one compare
        /// tests them, and each slot's eight results widen to 32 bits to clear leaves.
        #[target_feature(enable = $features)]
        #[inline]
        pub(super) fn lane_exits(
            f: &Forest,
            quad: usize,
            n_quads: usize,
            keys: &[Key; LANE_MAX_COLUMNS],
        ) -> [u8; LANES] {
            let (k16, _) = keys.as_chunks::<16>();
            let tables = [&k16[0], &k16[1], &k16[2], &k16[3]].map(|t| _mm256_broadcastsi128_si256(load_i8x16(t)));
            let n_tables = f.lane_tables as usize;
            let mut live = _mm256_set1_epi32(-1);
            let range = quad..quad + n_quads;
            let (Some(cols), Some(below), Some(keep)) = (
                f.lane_cols.get(range.clone()),
                f.lane_below.get(range.clone()),
                f.lane_keep.as_chunks::<4>().0.get(range),
            ) else {
                return [0; LANES];
            };
            for ((cols, below), keep) in cols.iter().zip(below).zip(keep) {
                let cols = load_u8x32(cols);
                let node_keys = if n_tables > 1 {
                    let hi = _mm256_and_si256(cols, _mm256_set1_epi8(0x30));
                    let mut k = _mm256_shuffle_epi8(tables[0], cols);
                    for (t, table) in tables.iter().enumerate().take(n_tables).skip(1) {
                        let mine = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8((t * 16) as i8));
                        k = _mm256_blendv_epi8(k, _mm256_shuffle_epi8(*table, cols), mine);
                    }
                    k
                } else {
                    _mm256_shuffle_epi8(tables[0], cols)
                };
                let left = _mm256_cmpgt_epi8(load_i8x32(below), node_keys);
                let (lo, hi) = (_mm256_castsi256_si128(left), _mm256_extracti128_si256::<1>(left));
                let slots = [lo, _mm_srli_si128::<8>(lo), hi, _mm_srli_si128::<8>(hi)].map(|b| _mm256_cvtepi8_epi32(b));
                for (left, keep) in slots.iter().zip(keep) {
                    live = $combine(live, *left, load_u32x8(keep));
                }
            }
            // Index of the lowest set bit: the exponent of the isolated bit converted to float.
            let low = _mm256_and_si256(live, _mm256_sub_epi32(_mm256_setzero_si256(), live));
            let exponent = _mm256_srli_epi32::<23>(_mm256_castps_si256(_mm256_cvtepi32_ps(low)));
            let index = _mm256_and_si256(_mm256_sub_epi32(exponent, _mm256_set1_epi32(127)), _mm256_set1_epi32(31));
            let mut out = [0u32; LANES];
            store_u32x8(&mut out, index);
            out.map(|i| i as u8)
        }
    };
}

mod avx2 {
    kernels!("avx2,bmi1,bmi2,lzcnt,popcnt,fma", |p, left, keep| _mm256_and_si256(p, _mm256_or_si256(left, keep)));
}

mod avx512 {
    // `p & (left | keep)` in one op (truth table 0xE0).
    kernels!("avx512f,avx512bw,avx512vl,avx512cd,avx512dq,avx2,bmi1,bmi2,lzcnt,popcnt,fma", |p, left, keep| {
        _mm256_ternarylogic_epi32::<0xE0>(p, left, keep)
    });
}

/// `acc[r] += values[exit[r]]` for narrow trees with scalar loads: per row and tree one byte
/// load and one load-add from the tree's octet table (`[f64; 256]` indexed by the exit byte,
/// `32 * (tree % 8) + leaf`, so no mask or bounds check). Four rows a quarter block apart are
/// summed together, so that four sums are in flight and LLVM does not vectorise them (which
/// it would do for adjacent rows, with byte extracts costing twice the instructions; gathers
/// are no faster on AMD Zen).
#[target_feature(enable = "avx2")]
#[inline]
fn add_narrow_avx2(values: &[f64], exits: &[[u8; BLOCK]], acc: &mut [f64; BLOCK]) {
    const OCTETS: usize = RUN_TREES / OCTET;
    let octet = |k: usize| {
        values.get(k * OCTET_TABLE..(k + 1) * OCTET_TABLE).and_then(|t| <&[f64; OCTET_TABLE]>::try_from(t).ok())
    };
    let octets: Option<[&[f64; OCTET_TABLE]; OCTETS]> = match (octet(0), octet(1)) {
        // A run of at most eight trees may end too close to the padding for a second octet.
        (Some(a), b) => Some([a, b.unwrap_or(a)]),
        (None, _) => None,
    };
    match (octets, <&[_; RUN_TREES]>::try_from(exits)) {
        // Full runs (all but the last) with the tree loop unrolled.
        (Some(octets), Ok(exits)) => add_rows(octets, exits, acc),
        (Some(octets), _) => add_rows(octets, exits, acc),
        // Not reached: `Forest::narrow_values` guarantees the padding.
        (None, _) => super::kernel::add_narrow(values, exits, acc),
    }
}

#[target_feature(enable = "avx2")]
#[inline]
fn add_rows<E: AsRef<[[u8; BLOCK]]>>(
    octets: [&[f64; OCTET_TABLE]; RUN_TREES / OCTET],
    exits: E,
    acc: &mut [f64; BLOCK],
) {
    const K: usize = 4;
    const Q: usize = BLOCK / K;
    let exits = exits.as_ref();
    let (e8, e_rest) = exits.as_chunks::<OCTET>();
    for r in 0..Q {
        let mut s: [f64; K] = std::array::from_fn(|k| acc[r + k * Q]);
        for (table, e8) in octets.iter().zip(e8) {
            for e in e8 {
                for (k, s) in s.iter_mut().enumerate() {
                    *s += table[usize::from(e[r + k * Q])];
                }
            }
        }
        if let Some(table) = octets.get(e8.len()) {
            for e in e_rest {
                for (k, s) in s.iter_mut().enumerate() {
                    *s += table[usize::from(e[r + k * Q])];
                }
            }
        }
        for (k, s) in s.into_iter().enumerate() {
            acc[r + k * Q] = s;
        }
    }
}

/// `acc[r] += table[exit[r]]` for narrow trees, eight rows at a time: the 32 leaf values sit
/// in four registers and two two-source permutes plus a blend pick each row's value, instead
/// of a gather (slow on AMD Zen) or eight scalar loads.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[inline]
fn add_narrow_avx512(values: &[f64], exits: &[[u8; BLOCK]], acc: &mut [f64; BLOCK]) {
    // The permutes read bits 0-3 of each exit and the blend bit 4: the octet offset (bits 5-7)
    // drops out.
    let tables = narrow_tables(values, exits.len());
    let bit4 = _mm512_set1_epi64(16);
    for (table, exit) in tables.iter().zip(exits) {
        let (l, _) = table.as_chunks::<8>();
        let [l0, l1, l2, l3] = [&l[0], &l[1], &l[2], &l[3]].map(|c| load_f64x8(c));
        for (a, e) in acc.as_chunks_mut::<8>().0.iter_mut().zip(exit.as_chunks::<8>().0) {
            let idx = _mm512_cvtepu8_epi64(load_u8x8(e));
            let lo = _mm512_permutex2var_pd(l0, idx, l1);
            let hi = _mm512_permutex2var_pd(l2, idx, l3);
            let pick = _mm512_mask_blend_pd(_mm512_test_epi64_mask(idx, bit4), lo, hi);
            store_f64x8(a, _mm512_add_pd(load_f64x8(a), pick));
        }
    }
}
