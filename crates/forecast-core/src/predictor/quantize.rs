//! Feature quantisation: every split becomes "go right when `bin > c`" on one integer column.
//!
//! A numeric split `x <= t` or `x < t` is first rewritten as "left when `x < T`" (for `<=`,
//! `T` is the next `f64` above `t`), so every comparison of a feature has one kind. Each
//! feature keeps its sorted distinct `T`s; a value's rank `1 + #{T <= x}` orders it against all
//! of them at once, and the split on `T_j` goes right exactly when `rank > j + 1`. Missing
//! values cannot share one column when splits disagree on where they go, so a column is a
//! (feature, missing mode) pair: NaN read as zero, NaN (or zero) sent to the lowest bin (0,
//! always left) or to the highest (always right). A categorical split gets a column of its own
//! whose bin is the reference decision itself. The bins are therefore exact by construction.

use crate::tree::{Missing, Split, SplitRule, ZERO_THRESHOLD};
use std::collections::BTreeMap;

/// An unsigned integer wide enough for every bin of a model (u8, u16 or u32).
pub(crate) trait Bin: Copy + Ord + Default + Send + Sync + std::fmt::Debug + 'static {
    /// The largest value.
    const MAX: Self;
    /// Narrow a bin known to fit.
    fn from_u32(v: u32) -> Self;
}

macro_rules! impl_bin {
    ($($t:ty),*) => {$(
        impl Bin for $t {
            const MAX: Self = <$t>::MAX;
            #[inline(always)]
            fn from_u32(v: u32) -> Self {
                v as $t
            }
        }
    )*};
}
impl_bin!(u8, u16, u32);

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
pub(crate) enum ColumnSource {
    /// A rank against the feature's thresholds.
    Numeric {
        /// Input feature.
        feature: usize,
        /// NaN / zero handling.
        mode: MissingMode,
    },
    /// One categorical split: bin 1 goes left, bin 2 goes right.
    Category {
        /// The split whose decision the bin records.
        split: Split,
    },
}

/// The integer test of one split: go right when `bin[col] > c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SplitCode {
    /// Column index.
    pub(crate) col: u32,
    /// Bin threshold.
    pub(crate) c: u32,
}

/// Maps raw feature rows to bins.
#[derive(Debug, Clone)]
pub(crate) struct Quantizer {
    /// Per feature: sorted distinct "left when `x < T`" thresholds.
    thresholds: Vec<Vec<f64>>,
    /// Columns, in first-use order.
    columns: Vec<ColumnSource>,
    /// Largest bin any column produces.
    max_bin: u32,
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

/// Count of sorted `table` entries `<= x` (x is not NaN), by a branch-free binary search.
#[inline(always)]
pub(crate) fn count_at_or_below(table: &[f64], x: f64) -> u32 {
    let mut base = 0usize;
    let mut n = table.len();
    if n == 0 {
        return 0;
    }
    while n > 1 {
        let half = n / 2;
        let probe = table.get(base + half).copied().unwrap_or(f64::INFINITY);
        base = std::hint::select_unpredictable(probe <= x, base + half, base);
        n -= half;
    }
    let last = table.get(base).copied().unwrap_or(f64::INFINITY);
    (base + usize::from(last <= x)) as u32
}

impl Quantizer {
    /// Collect the columns and thresholds of every split.
    pub(crate) fn new<'a>(n_features: usize, splits: impl Iterator<Item = &'a Split> + Clone) -> Self {
        let mut thresholds = vec![Vec::new(); n_features];
        let mut q = Self { thresholds: Vec::new(), columns: Vec::new(), max_bin: 2, numeric_index: BTreeMap::new() };
        for s in splits.clone() {
            if let Some(Canonical::Below(t)) = canonical(&s.rule)
                && let Some(v) = thresholds.get_mut(s.feature as usize)
            {
                v.push(t);
            }
        }
        for v in &mut thresholds {
            v.sort_by(f64::total_cmp);
            v.dedup_by(|a, b| a == b);
        }
        q.thresholds = thresholds;
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
                    q.columns.push(ColumnSource::Numeric { feature: key.0, mode: key.1 });
                    let k = q.thresholds.get(key.0).map_or(0, Vec::len) as u32;
                    q.max_bin = q.max_bin.max(k + 2);
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
            return SplitCode { col: col as u32, c: 1 };
        }
        let feature = split.feature as usize;
        let col = self.numeric_index.get(&(feature, mode_of(split))).copied().unwrap_or(0);
        let table = self.thresholds.get(feature).map_or(&[][..], Vec::as_slice);
        let c = match canonical(&split.rule) {
            Some(Canonical::Below(t)) => table.partition_point(|v| *v < t) as u32 + 1,
            Some(Canonical::AlwaysLeft) => table.len() as u32 + 1,
            Some(Canonical::AlwaysRight) | None => 0,
        };
        SplitCode { col, c }
    }

    /// Number of columns.
    pub(crate) fn n_columns(&self) -> usize {
        self.columns.len()
    }

    /// Largest bin value any column produces.
    pub(crate) fn max_bin(&self) -> u32 {
        self.max_bin
    }

    /// The input feature column `col` reads.
    pub(crate) fn feature_of(&self, col: usize) -> Option<usize> {
        match self.columns.get(col)? {
            ColumnSource::Numeric { feature, .. } => Some(*feature),
            ColumnSource::Category { split } => Some(split.feature as usize),
        }
    }

    /// The bin of value `x` in column `col`.
    #[inline(always)]
    pub(crate) fn bin(&self, col: usize, x: f64) -> u32 {
        match self.columns.get(col) {
            Some(ColumnSource::Numeric { feature, mode }) => {
                let table = self.thresholds.get(*feature).map_or(&[][..], Vec::as_slice);
                numeric_bin(table, *mode, x)
            }
            Some(ColumnSource::Category { split }) => 2 - u32::from(split.goes_left(x)),
            None => 0,
        }
    }

    /// Bins of `col` for the rows of `rows` (row-major, `n_features` wide), written to `out`.
    #[inline(always)]
    pub(crate) fn bin_rows<B: Bin>(&self, col: usize, rows: &[f64], n_features: usize, out: &mut [B]) {
        match self.columns.get(col) {
            Some(ColumnSource::Numeric { feature, mode }) => {
                let table = self.thresholds.get(*feature).map_or(&[][..], Vec::as_slice);
                let values = rows.iter().skip(*feature).step_by(n_features.max(1));
                for (o, x) in out.iter_mut().zip(values) {
                    *o = B::from_u32(numeric_bin(table, *mode, *x));
                }
            }
            Some(ColumnSource::Category { split }) => {
                let values = rows.iter().skip(split.feature as usize).step_by(n_features.max(1));
                for (o, x) in out.iter_mut().zip(values) {
                    *o = B::from_u32(2 - u32::from(split.goes_left(*x)));
                }
            }
            None => out.fill(B::default()),
        }
    }
}

#[inline(always)]
fn numeric_bin(table: &[f64], mode: MissingMode, x: f64) -> u32 {
    let high = table.len() as u32 + 2;
    let missing_bin = |left: bool| if left { 0 } else { high };
    let v = match mode {
        MissingMode::NanAsZero => {
            if x.is_nan() {
                0.0
            } else {
                x
            }
        }
        MissingMode::NanLeft | MissingMode::NanRight => {
            if x.is_nan() {
                return missing_bin(mode == MissingMode::NanLeft);
            }
            x
        }
        MissingMode::ZeroLeft | MissingMode::ZeroRight => {
            if x.is_nan() || (-ZERO_THRESHOLD..=ZERO_THRESHOLD).contains(&x) {
                return missing_bin(mode == MissingMode::ZeroLeft);
            }
            x
        }
    };
    1 + count_at_or_below(table, v)
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

    #[test]
    fn count_at_or_below_matches_a_linear_count() {
        let t = [-1.0, 0.0, 0.5, 2.0, 7.0];
        for x in [-5.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, 7.0, 8.0, f64::INFINITY, f64::NEG_INFINITY] {
            let want = t.iter().filter(|v| **v <= x).count() as u32;
            assert_eq!(count_at_or_below(&t, x), want, "x = {x}");
        }
        assert_eq!(count_at_or_below(&[], 3.0), 0);
    }

    #[test]
    fn bins_reproduce_every_split_decision() {
        let splits = vec![
            split(SplitRule::LessOrEqual(0.5), Missing::None, false),
            split(SplitRule::Less(0.5), Missing::NaN, true),
            split(SplitRule::LessOrEqual(-1.0), Missing::Zero, false),
            split(SplitRule::LessOrEqual(f64::INFINITY), Missing::NaN, false),
            split(SplitRule::Less(f64::NAN), Missing::NaN, true),
            split(SplitRule::Category(vec![0b1010]), Missing::None, false),
        ];
        let q = Quantizer::new(1, splits.iter());
        for s in &splits {
            let code = q.code(s);
            for x in [f64::NAN, -0.0, 0.0, 0.5, 0.5f64.next_up(), -1.0, 1.0, 3.0, f64::INFINITY, -2.0, 1e-36] {
                let right = q.bin(code.col as usize, x) > code.c;
                assert_eq!(!right, s.goes_left(x), "split {s:?}, x = {x}");
            }
        }
    }
}
