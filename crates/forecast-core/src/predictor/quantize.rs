//! Feature quantisation: every split becomes "go right when `key > k`" on one column of `i8` keys.
//!
//! A numeric split `x <= t` or `x < t` is first rewritten as "left when `x < T`" (for `<=`,
//! `T` is the next `f64` above `t`), so every comparison of a feature has one kind. Each
//! feature keeps its sorted distinct `T`s; a value's rank `1 + #{T <= x}` orders it against all
//! of them at once, and the split on `T_j` goes right exactly when `rank > j + 1`. Missing
//! values cannot share one column when splits disagree on where they go, so a column is a
//! (feature, missing mode) pair: NaN read as zero, NaN (or zero) sent to the lowest rank (0,
//! always left) or to the highest (always right). A categorical split gets a column of its own
//! whose bin is the reference decision itself. The bins are therefore exact by construction.
//!
//! Bins are bytes whatever the model: a feature with more than 253 thresholds gets one column
//! per run of 255 thresholds, each holding the rank clamped to its run (`clamp(rank - 255 k,
//! 0, 255)`), and a split tests the column of its run. Bytes let one 256-bit compare cover 32
//! rows (twice the rows of `u16` bins, and the measured batch throughput of `u16` bins was
//! lower, see docs/predictor.md). A bin is stored as a key, `bin ^ 0x80` read as `i8`, so
//! that the signed byte compare of every instruction set orders bins as unsigned numbers.

use crate::tree::{Missing, Split, SplitRule, ZERO_THRESHOLD};
use std::collections::BTreeMap;

/// A bin in signed form: `bin ^ 0x80`.
pub(crate) type Key = i8;

/// A threshold key no bin exceeds (bin 255): the test never goes right.
pub(crate) const NEVER: Key = i8::MAX;

/// Thresholds one byte column covers.
const RUN: u32 = 255;

/// The key of bin `bin` (at most 255).
#[inline(always)]
pub(crate) fn key(bin: u32) -> Key {
    (bin.min(255) as u8 ^ 0x80) as i8
}

/// Where a numeric column sends NaN (and, for the zero modes, values within `ZERO_THRESHOLD` of 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MissingMode {
    /// NaN is read as 0.0 and compared.
    NanAsZero,
    /// NaN goes left.
    NanLeft,
    /// NaN goes right.
    NanRight,
    /// NaN and zero go left.
    ZeroLeft,
    /// NaN and zero go right.
    ZeroRight,
}

/// What a column's bin is computed from.
#[derive(Debug, Clone)]
enum ColumnSource {
    /// The rank against the feature's thresholds, less `base`, clamped to 0..=255.
    Numeric { feature: usize, reader: Reader },
    /// One categorical split: bin 1 goes left, bin 2 goes right.
    Category { split: Split },
}

/// The integer test of one split: go right when `key[col] > key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SplitCode {
    /// Column index.
    pub(crate) col: u32,
    /// Threshold key.
    pub(crate) key: Key,
}

/// Maps raw feature rows to keys.
#[derive(Debug, Clone)]
pub(crate) struct Quantizer {
    /// Per feature: sorted distinct "left when `x < T`" thresholds, padded with NaN to a power
    /// of two so that the rank search runs a fixed number of steps.
    search: Vec<Vec<f64>>,
    /// Per feature: the number of real thresholds.
    n_thresholds: Vec<u32>,
    /// Columns, in first-use order.
    columns: Vec<ColumnSource>,
    /// First column of each (feature, missing mode).
    numeric_index: BTreeMap<(usize, MissingMode), u32>,
}

/// A numeric split's test on the canonical "left when `x < T`" form.
enum Canonical {
    Below(f64),
    AlwaysLeft,
    AlwaysRight,
}

fn canonical(rule: &SplitRule) -> Option<Canonical> {
    Some(match *rule {
        SplitRule::Less(t) if t.is_nan() => Canonical::AlwaysRight,
        SplitRule::LessOrEqual(t) if t.is_nan() => Canonical::AlwaysRight,
        SplitRule::Less(t) => Canonical::Below(t),
        SplitRule::LessOrEqual(t) if t == f64::INFINITY => Canonical::AlwaysLeft,
        SplitRule::LessOrEqual(t) => Canonical::Below(t.next_up()),
        SplitRule::Category(_) => return None,
    })
}

fn mode_of(split: &Split) -> MissingMode {
    match (split.missing, split.default_left) {
        (Missing::None, _) => MissingMode::NanAsZero,
        (Missing::NaN, true) => MissingMode::NanLeft,
        (Missing::NaN, false) => MissingMode::NanRight,
        (Missing::Zero, true) => MissingMode::ZeroLeft,
        (Missing::Zero, false) => MissingMode::ZeroRight,
    }
}

/// Count of the entries `<= x` of `table` (sorted, NaN-padded to a power of two; `x` not NaN)
/// by a branch-free binary search of `log2(len)` steps.
#[inline(always)]
fn count_at_or_below(table: &[f64], x: f64) -> u32 {
    let mut pos = 0usize;
    let mut step = table.len() / 2;
    while step > 0 {
        let probe = table.get(pos + step - 1).copied().unwrap_or(f64::NAN);
        pos += std::hint::select_unpredictable(probe <= x, step, 0);
        step /= 2;
    }
    pos as u32
}

/// [`count_at_or_below`] for a table of known length `N` (a power of two): unrolled, and
/// the masked index needs no bounds check.
#[inline(always)]
fn count_fixed<const N: usize>(table: &[f64; N], x: f64) -> u32 {
    let mut pos = 0usize;
    let mut step = N / 2;
    while step > 0 {
        let probe = table[(pos + step - 1) & (N - 1)];
        pos += std::hint::select_unpredictable(probe <= x, step, 0);
        step /= 2;
    }
    pos as u32
}

/// How a numeric column reads one value, as branch-free parameters of its missing mode.
#[derive(Debug, Clone, Copy)]
struct Reader {
    /// NaN takes `special_rank` (otherwise it is read as 0.0).
    nan_special: bool,
    /// Values with `|x| <= zero_band` take `special_rank` (negative: none do).
    zero_band: f64,
    special_rank: u32,
    /// Subtracted from the rank (the column's run of thresholds).
    base: u32,
}

impl Reader {
    #[inline(always)]
    fn key(&self, x: f64, count: impl Fn(f64) -> u32) -> Key {
        let nan = x.is_nan();
        let special = (nan & self.nan_special) | (x.abs() <= self.zero_band);
        let rank = 1 + count(if nan { 0.0 } else { x });
        key(std::hint::select_unpredictable(special, self.special_rank, rank).saturating_sub(self.base))
    }

    #[inline(always)]
    fn fill<'a>(&self, table: &[f64], values: impl Iterator<Item = &'a f64>, out: &mut [Key]) {
        macro_rules! fixed {
            ($($n:literal)*) => {
                match table.len() {
                    $($n => if let Ok(t) = <&[f64; $n]>::try_from(table) {
                        for (o, x) in out.iter_mut().zip(values) {
                            *o = self.key(*x, |v| count_fixed(t, v));
                        }
                        return;
                    },)*
                    _ => {}
                }
            };
        }
        fixed!(1 2 4 8 16 32 64 128 256);
        for (o, x) in out.iter_mut().zip(values) {
            *o = self.key(*x, |v| count_at_or_below(table, v));
        }
    }
}

impl Quantizer {
    /// Collect the columns and thresholds of every split.
    pub(crate) fn new<'a>(n_features: usize, splits: impl Iterator<Item = &'a Split> + Clone) -> Self {
        let mut thresholds = vec![Vec::new(); n_features];
        for s in splits.clone() {
            if let Some(Canonical::Below(t)) = canonical(&s.rule)
                && let Some(v) = thresholds.get_mut(s.feature as usize)
            {
                v.push(t);
            }
        }
        let mut q = Self {
            search: Vec::with_capacity(n_features),
            n_thresholds: Vec::with_capacity(n_features),
            columns: Vec::new(),
            numeric_index: BTreeMap::new(),
        };
        for mut v in thresholds {
            v.sort_by(f64::total_cmp);
            v.dedup_by(|a, b| a == b);
            q.n_thresholds.push(v.len() as u32);
            v.resize((v.len() + 1).next_power_of_two(), f64::NAN);
            q.search.push(v);
        }
        for s in splits {
            if matches!(s.rule, SplitRule::Category(_)) {
                let known =
                    q.columns.iter().any(|c| matches!(c, ColumnSource::Category { split } if same_category(split, s)));
                if !known {
                    q.columns.push(ColumnSource::Category { split: s.clone() });
                }
            } else {
                let key = (s.feature as usize, mode_of(s));
                if !q.numeric_index.contains_key(&key) {
                    q.numeric_index.insert(key, q.columns.len() as u32);
                    // Split thresholds run up to `n + 1` (always left), one column per 255 of them.
                    let n = q.n_thresholds.get(key.0).copied().unwrap_or(0);
                    for k in 0..=(n + 1) / RUN {
                        let reader = reader(key.1, n, k * RUN);
                        q.columns.push(ColumnSource::Numeric { feature: key.0, reader });
                    }
                }
            }
        }
        q
    }

    /// The integer test of `split` (which must have been passed to [`Quantizer::new`]).
    pub(crate) fn code(&self, split: &Split) -> SplitCode {
        if let SplitRule::Category(_) = split.rule {
            let col = self
                .columns
                .iter()
                .position(|c| matches!(c, ColumnSource::Category { split: s } if same_category(s, split)))
                .unwrap_or(0);
            return SplitCode { col: col as u32, key: key(1) };
        }
        let feature = split.feature as usize;
        let first = self.numeric_index.get(&(feature, mode_of(split))).copied().unwrap_or(0);
        let n = self.n_thresholds.get(feature).copied().unwrap_or(0);
        let table = self.search.get(feature).map_or(&[][..], |t| &t[..n as usize]);
        let rank = match canonical(&split.rule) {
            Some(Canonical::Below(t)) => table.partition_point(|v| *v < t) as u32 + 1,
            Some(Canonical::AlwaysLeft) => n + 1,
            Some(Canonical::AlwaysRight) | None => 0,
        };
        SplitCode { col: first + rank / RUN, key: key(rank % RUN) }
    }

    /// Number of columns.
    pub(crate) fn n_columns(&self) -> usize {
        self.columns.len()
    }

    /// The input feature column `col` reads.
    pub(crate) fn feature_of(&self, col: usize) -> Option<usize> {
        match self.columns.get(col)? {
            ColumnSource::Numeric { feature, .. } => Some(*feature),
            ColumnSource::Category { split } => Some(split.feature as usize),
        }
    }

    /// The keys of one row, `keys[col]` for every column (a short row reads missing values).
    #[inline(always)]
    pub(crate) fn row_keys(&self, row: &[f64], keys: &mut [Key]) {
        for (col, (k, source)) in keys.iter_mut().zip(&self.columns).enumerate() {
            let x = self.feature_of(col).and_then(|f| row.get(f)).copied().unwrap_or(f64::NAN);
            *k = match source {
                ColumnSource::Numeric { feature, reader } => {
                    let table = self.search.get(*feature).map_or(&[][..], Vec::as_slice);
                    reader.key(x, |v| count_at_or_below(table, v))
                }
                ColumnSource::Category { split } => key(2 - u32::from(split.goes_left(x))),
            };
        }
    }

    /// Keys of `col` for the rows of `rows` (row-major, `n_features` wide), written to `out`.
    #[inline(always)]
    pub(crate) fn column_keys(&self, col: usize, rows: &[f64], n_features: usize, out: &mut [Key]) {
        let stride = n_features.max(1);
        match self.columns.get(col) {
            Some(ColumnSource::Numeric { feature, reader }) => {
                let table = self.search.get(*feature).map_or(&[][..], Vec::as_slice);
                reader.fill(table, rows.iter().skip(*feature).step_by(stride), out);
            }
            Some(ColumnSource::Category { split }) => {
                let values = rows.iter().skip(split.feature as usize).step_by(stride);
                for (o, x) in out.iter_mut().zip(values) {
                    *o = key(2 - u32::from(split.goes_left(*x)));
                }
            }
            None => out.fill(key(0)),
        }
    }
}

/// The reader of a column of `n` thresholds in mode `mode`, covering the run from `base`.
fn reader(mode: MissingMode, n: u32, base: u32) -> Reader {
    let high = n + 2;
    let (nan_special, zero_band, special_rank) = match mode {
        MissingMode::NanAsZero => (false, -1.0, 0),
        MissingMode::NanLeft => (true, -1.0, 0),
        MissingMode::NanRight => (true, -1.0, high),
        MissingMode::ZeroLeft => (true, ZERO_THRESHOLD, 0),
        MissingMode::ZeroRight => (true, ZERO_THRESHOLD, high),
    };
    Reader { nan_special, zero_band, special_rank, base }
}

fn same_category(a: &Split, b: &Split) -> bool {
    a.feature == b.feature && a.missing == b.missing && a.rule == b.rule
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(rule: SplitRule, missing: Missing, default_left: bool) -> Split {
        Split { feature: 0, rule, missing, default_left, left: 1, right: 2 }
    }

    fn padded(t: &[f64]) -> Vec<f64> {
        let mut v = t.to_vec();
        v.resize((t.len() + 1).next_power_of_two(), f64::NAN);
        v
    }

    #[test]
    fn count_at_or_below_matches_a_linear_count() {
        for n in 0..12 {
            let t: Vec<f64> = (0..n).map(|i| f64::from(i) * 0.5 - 1.0).collect();
            let table = padded(&t);
            for x in [-5.0, -1.0, -0.5, -0.0, 0.0, 0.25, 0.5, 1.0, 2.0, 7.0, f64::INFINITY, f64::NEG_INFINITY] {
                let want = t.iter().filter(|v| **v <= x).count() as u32;
                assert_eq!(count_at_or_below(&table, x), want, "n = {n}, x = {x}");
            }
        }
    }

    fn assert_exact(q: &Quantizer, splits: &[Split], xs: &[f64]) {
        let mut keys = vec![0; q.n_columns()];
        for s in splits {
            let code = q.code(s);
            for &x in xs {
                q.row_keys(&[x], &mut keys);
                let right = keys[code.col as usize] > code.key;
                assert_eq!(!right, s.goes_left(x), "split {s:?}, x = {x}");
                let mut col = [0];
                q.column_keys(code.col as usize, &[x], 1, &mut col);
                assert_eq!(col[0], keys[code.col as usize], "column and row keys agree");
            }
        }
    }

    #[test]
    fn keys_reproduce_every_split_decision() {
        let splits = vec![
            split(SplitRule::LessOrEqual(0.5), Missing::None, false),
            split(SplitRule::Less(0.5), Missing::NaN, true),
            split(SplitRule::LessOrEqual(-1.0), Missing::Zero, false),
            split(SplitRule::LessOrEqual(f64::INFINITY), Missing::NaN, false),
            split(SplitRule::Less(f64::NAN), Missing::NaN, true),
            split(SplitRule::Category(vec![0b1010]), Missing::None, false),
        ];
        let q = Quantizer::new(1, splits.iter());
        let xs = [f64::NAN, -0.0, 0.0, 0.5, 0.5f64.next_up(), -1.0, 1.0, 3.0, f64::INFINITY, -2.0, 1e-36];
        assert_exact(&q, &splits, &xs);
    }

    #[test]
    fn more_than_253_thresholds_spread_over_byte_columns() {
        let mut splits: Vec<Split> =
            (0..700).map(|i| split(SplitRule::LessOrEqual(f64::from(i) * 0.25), Missing::NaN, i % 2 == 0)).collect();
        splits.push(split(SplitRule::LessOrEqual(f64::INFINITY), Missing::NaN, true));
        let q = Quantizer::new(1, splits.iter());
        // 700 thresholds, two NaN modes: ceil(702 / 255) = 3 columns each.
        assert_eq!(q.n_columns(), 6);
        let xs: Vec<f64> = (-4..720)
            .flat_map(|i| {
                let x = f64::from(i) * 0.25;
                [x, x.next_up(), x.next_down()]
            })
            .chain([f64::NAN, f64::INFINITY, f64::NEG_INFINITY])
            .collect();
        assert_exact(&q, &splits, &xs);
    }
}
