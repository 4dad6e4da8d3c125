//! Quantile binning of feature values into at most 255 bins plus one NaN bin, and the
//! feature-major `u8` bin matrix the histograms are built from.
//!
//! A categorical feature gets one bin per category instead (the `max_bins` most frequent
//! categories of the sample, in ascending category order); its last bin collects NaN,
//! negative values (missing, as in LightGBM) and categories not kept. Categorical splits never
//! send that bin left, so missing and unseen categories go right, as LightGBM's do.
//!
//! As in LightGBM, a bin's upper bound is the midpoint between the largest sample value inside
//! it and the smallest value of the next bin (the last numeric bin is open to +inf), so a
//! value unseen in training lands on the nearer side of a cut. `x <= upper[b]` holds exactly
//! when `bin(x) <= b`: a split on bin `b` compares raw floats with `upper[b]` and routes every
//! value as training did.

use crate::{Error, Result};
use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Rows sampled to find the bin bounds (LightGBM's `bin_construct_sample_cnt`).
pub(crate) const BIN_SAMPLE_ROWS: usize = 200_000;

/// Largest category a categorical feature may hold (LightGBM's limit, `i32::MAX`).
pub(crate) const MAX_CATEGORY: f64 = 2_147_483_647.0;

/// The bin bounds of one feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BinMapper {
    /// Inclusive upper bound of each numeric bin (a midpoint between sample values); the last is
    /// `+inf`. Empty for a categorical feature.
    upper: Vec<f64>,
    /// The category of each bin, ascending, for a categorical feature (`None` when numeric).
    categories: Option<Vec<u32>>,
}

impl BinMapper {
    /// One bin per category for the `max_bins` most frequent categories of the sample (ties to
    /// the smaller category). Values must have passed [`check_category`]; NaN and negative values
    /// are missing.
    pub(crate) fn categorical_from_sample(values: &[f64], max_bins: usize) -> Self {
        let mut codes: Vec<u32> = values.iter().filter(|v| **v >= 0.0).map(|&v| v as u32).collect();
        codes.sort_unstable();
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for c in codes {
            match counts.last_mut() {
                Some((last, n)) if *last == c => *n += 1,
                _ => counts.push((c, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.truncate(max_bins);
        let mut categories: Vec<u32> = counts.into_iter().map(|(c, _)| c).collect();
        categories.sort_unstable();
        Self { upper: Vec::new(), categories: Some(categories) }
    }

    /// The categories of a categorical feature, one per bin (`None` when numeric).
    #[inline]
    pub(crate) fn categories(&self) -> Option<&[u32]> {
        self.categories.as_deref()
    }

    /// Bounds from the (unsorted) non-missing sample values of one feature.
    pub(crate) fn from_sample(mut values: Vec<f64>, max_bins: usize) -> Self {
        values.retain(|v| !v.is_nan());
        values.sort_unstable_by(f64::total_cmp);
        let mut distinct: Vec<(f64, usize)> = Vec::new();
        for v in values {
            match distinct.last_mut() {
                Some((last, count)) if *last == v => *count += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let mut upper = Vec::with_capacity(max_bins);
        // The cut after distinct value `i`: halfway to the next one (never equal to the next,
        // even where the midpoint rounds onto it).
        let cut = |i: usize| {
            let (a, b) = (distinct[i].0, distinct[i + 1].0);
            let mid = a + (b - a) / 2.0;
            if mid < b { mid } else { a }
        };
        if distinct.len() <= max_bins {
            upper.extend((0..distinct.len().saturating_sub(1)).map(cut));
        } else {
            // Greedy equal-frequency cuts that re-aim at the remaining rows after every cut,
            // so heavy values do not starve the bins after them.
            let mut rest: usize = distinct.iter().map(|d| d.1).sum();
            let mut bins_left = max_bins;
            let mut acc = 0usize;
            for (i, &(_, c)) in distinct.iter().enumerate() {
                acc += c;
                if i + 1 == distinct.len() || bins_left == 1 {
                    break;
                }
                if (acc * bins_left) as f64 >= rest as f64 {
                    upper.push(cut(i));
                    rest -= acc;
                    acc = 0;
                    bins_left -= 1;
                }
            }
        }
        upper.push(f64::INFINITY);
        Self { upper, categories: None }
    }

    /// Number of numeric (or category) bins; the NaN bin has this index.
    #[inline]
    pub(crate) fn nan_bin(&self) -> usize {
        self.categories.as_ref().map_or(self.upper.len(), Vec::len)
    }

    /// Number of bins including the NaN bin.
    #[inline]
    pub(crate) fn n_bins(&self) -> usize {
        self.nan_bin() + 1
    }

    /// The bin of one raw value. A categorical value goes through the same truncation as the
    /// tree walk of [`crate::tree::SplitRule::Category`], so binned rows route as raw rows do.
    #[inline]
    pub(crate) fn bin(&self, x: f64) -> u8 {
        if x.is_nan() {
            return self.nan_bin() as u8;
        }
        match &self.categories {
            None => self.upper.partition_point(|u| *u < x) as u8,
            Some(cats) if x >= 0.0 => cats.binary_search(&(x as u32)).unwrap_or(cats.len()) as u8,
            Some(cats) => cats.len() as u8,
        }
    }

    /// The split threshold of "left when bin <= b". For the last numeric bin (a split that
    /// sends every observed value left and NaN right) it is `f64::MAX`: every finite value
    /// passes, and the threshold stays finite for the compiled predictor and for exporters.
    #[inline]
    pub(crate) fn threshold(&self, b: usize) -> f64 {
        let u = self.upper[b];
        if u.is_infinite() { f64::MAX } else { u }
    }
}

/// Whether `x` may be a category: NaN and negative values (missing), or a whole number up to
/// [`MAX_CATEGORY`].
#[inline]
pub(crate) fn check_category(x: f64) -> bool {
    x.is_nan() || x < 0.0 || (x <= MAX_CATEGORY && x.fract() == 0.0)
}

/// The cache key of a binned matrix: `max_bins` and the sorted categorical columns.
type BinKey = (usize, Vec<usize>);

/// Quantile bins of one design matrix, built on first use and shared by every GBDT fitted on
/// it with the same `max_bins` and categorical columns (the point and quantile heads of a
/// forecaster's step).
#[derive(Debug, Default)]
pub(crate) struct BinCache(std::sync::Mutex<Option<(BinKey, std::sync::Arc<BinnedMatrix>)>>);

impl BinCache {
    /// The bins of `x` with `max_bins` and the sorted, deduplicated `categorical` columns, from
    /// the cache when they were built already.
    ///
    /// # Errors
    /// As [`BinnedMatrix::build`].
    pub(crate) fn get(
        &self,
        x: ArrayView2<'_, f64>,
        max_bins: usize,
        categorical: &[usize],
    ) -> Result<std::sync::Arc<BinnedMatrix>> {
        let mut slot = self.0.lock().map_err(|_| Error::InvalidData("GBDT bin cache: a fit panicked".into()))?;
        if let Some(((bins, cats), data)) = slot.as_ref()
            && *bins == max_bins
            && cats == categorical
            && data.n_rows == x.nrows()
        {
            return Ok(std::sync::Arc::clone(data));
        }
        let data = std::sync::Arc::new(BinnedMatrix::build(x, max_bins, categorical)?);
        *slot = Some(((max_bins, categorical.to_vec()), std::sync::Arc::clone(&data)));
        Ok(data)
    }
}

/// Seed of the row sample the bin bounds are found on (LightGBM's `data_random_seed`): fixed,
/// so every model fitted on the same rows gets the same bins whatever its own seed.
const BIN_SAMPLE_SEED: u64 = 0x6269_6e73;

/// Binned training features, stored feature-major: column `f` is `bins[f * n_rows..][..n_rows]`.
#[derive(Debug)]
pub(crate) struct BinnedMatrix {
    pub(crate) n_rows: usize,
    pub(crate) mappers: Vec<BinMapper>,
    pub(crate) bins: Vec<u8>,
    /// Start of each feature's bins in a leaf histogram; the last entry is the total.
    pub(crate) offsets: Vec<usize>,
}

impl BinnedMatrix {
    /// Bin every column of `x` (rows x features); the columns in `categorical` get one bin
    /// per category. Runs on the current rayon pool.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for an infinite feature value (missing values must be NaN), or a
    /// categorical value that is neither missing (NaN, negative) nor a whole number up to
    /// 2147483647; [`Error::InvalidParam`] for a categorical column index out of range.
    pub(crate) fn build(x: ArrayView2<'_, f64>, max_bins: usize, categorical: &[usize]) -> Result<Self> {
        let (n_rows, n_features) = x.dim();
        if let Some(&f) = categorical.iter().find(|&&f| f >= n_features) {
            return Err(Error::InvalidParam {
                name: "categorical_features",
                value: f.to_string(),
                expected: "column indices below the number of feature columns",
            });
        }
        let sample: Option<Vec<usize>> = (n_rows > BIN_SAMPLE_ROWS).then(|| {
            let mut rng = ChaCha8Rng::seed_from_u64(BIN_SAMPLE_SEED);
            let mut s = rand::seq::index::sample(&mut rng, n_rows, BIN_SAMPLE_ROWS).into_vec();
            s.sort_unstable();
            s
        });
        let mut bins = vec![0u8; n_rows * n_features];
        let mappers: Vec<BinMapper> = bins
            .par_chunks_mut(n_rows.max(1))
            .enumerate()
            .map(|(f, out)| {
                let col = x.column(f);
                if let Some(i) = col.iter().position(|v| v.is_infinite()) {
                    return Err(Error::InvalidData(format!(
                        "fit: feature column {f} row {i} is {}; features must be finite or NaN (missing)",
                        col[i]
                    )));
                }
                let is_categorical = categorical.contains(&f);
                if is_categorical && let Some(i) = col.iter().position(|&v| !check_category(v)) {
                    return Err(Error::InvalidData(format!(
                        "fit: categorical feature column {f} row {i} is {}; categories must be whole numbers \
                         in 0..=2147483647 (NaN and negative values are missing)",
                        col[i]
                    )));
                }
                let values: Vec<f64> = match &sample {
                    Some(rows) => rows.iter().map(|&i| col[i]).collect(),
                    None => col.to_vec(),
                };
                let mapper = if is_categorical {
                    BinMapper::categorical_from_sample(&values, max_bins)
                } else {
                    BinMapper::from_sample(values, max_bins)
                };
                out.iter_mut().zip(col.iter()).for_each(|(b, &v)| *b = mapper.bin(v));
                Ok(mapper)
            })
            .collect::<Result<_>>()?;
        let mut offsets = Vec::with_capacity(n_features + 1);
        let mut total = 0;
        for m in &mappers {
            offsets.push(total);
            total += m.n_bins();
        }
        offsets.push(total);
        Ok(Self { n_rows, mappers, bins, offsets })
    }

    /// The bins of feature `f`, one per row.
    #[inline]
    pub(crate) fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }

    /// Number of features.
    pub(crate) fn n_features(&self) -> usize {
        self.mappers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn few_distinct_values_get_one_bin_each_and_nan_its_own() {
        let m = BinMapper::from_sample(vec![3.0, 1.0, 2.0, 2.0, f64::NAN], 255);
        assert_eq!(m.n_bins(), 4);
        // Cuts halfway between the distinct values 1, 2 and 3 (LightGBM's bin upper bounds).
        assert_eq!(m.threshold(0), 1.5);
        assert_eq!(m.threshold(1), 2.5);
        assert_eq!(m.threshold(2), f64::MAX);
        let bins = [0.5, 1.0, 1.5, 1.6, 2.0, 2.5, 2.6, 9.0, f64::NAN].map(|x| m.bin(x));
        assert_eq!(bins, [0, 0, 0, 1, 1, 1, 2, 2, 3]);
        // Adjacent floats: the cut never equals the larger one.
        let a = 1.0f64;
        let b = f64::from_bits(a.to_bits() + 1);
        let m = BinMapper::from_sample(vec![a, b], 255);
        assert_eq!((m.bin(a), m.bin(b)), (0, 1));
    }

    #[test]
    fn many_values_are_cut_into_equal_frequency_bins() {
        let m = BinMapper::from_sample((0..10_000).map(f64::from).collect(), 10);
        assert_eq!(m.nan_bin(), 10);
        let mut counts = [0usize; 11];
        (0..10_000).for_each(|v| counts[m.bin(f64::from(v)) as usize] += 1);
        assert!(counts[..10].iter().all(|&c| (900..=1100).contains(&c)), "{counts:?}");
    }

    #[test]
    fn threshold_comparison_matches_the_bin_order() {
        let values: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 1000) as f64 * 0.37 - 50.0).collect();
        let m = BinMapper::from_sample(values.clone(), 31);
        for b in 0..m.nan_bin() - 1 {
            for &x in &values {
                assert_eq!(x <= m.threshold(b), (m.bin(x) as usize) <= b);
            }
        }
    }

    #[test]
    fn rejects_infinite_features() {
        let x = Array2::from_shape_vec((2, 1), vec![1.0, f64::INFINITY]).unwrap();
        assert!(matches!(BinnedMatrix::build(x.view(), 255, &[]), Err(Error::InvalidData(_))));
    }

    #[test]
    fn categories_get_one_bin_each_and_missing_or_unseen_share_the_last() {
        let m = BinMapper::categorical_from_sample(&[7.0, 2.0, 2.0, 40.0, f64::NAN, -1.0, 7.0], 255);
        assert_eq!(m.categories(), Some(&[2, 7, 40][..]));
        assert_eq!(m.nan_bin(), 3);
        let bins = [2.0, 7.0, 40.0, 3.0, -0.5, -0.0, f64::NAN, 1e9].map(|x| m.bin(x));
        // -0.0 is category 0 for the tree walk too (`-0.0 < 0.0` is false): unseen here.
        assert_eq!(bins, [0, 1, 2, 3, 3, 3, 3, 3]);
        // Only the most frequent categories keep a bin; ties go to the smaller category.
        let m = BinMapper::categorical_from_sample(&[5.0, 5.0, 5.0, 1.0, 9.0, 9.0, 3.0], 2);
        assert_eq!(m.categories(), Some(&[5, 9][..]));
        assert_eq!(m.bin(1.0), 2);
    }

    #[test]
    fn categorical_columns_reject_fractions_and_huge_values_with_the_place() {
        for bad in [2.5, 3e9] {
            let x = Array2::from_shape_vec((3, 2), vec![0.0, 1.0, 1.0, bad, 2.0, 3.0]).unwrap();
            let Err(Error::InvalidData(msg)) = BinnedMatrix::build(x.view(), 255, &[1]) else {
                panic!("{bad} accepted")
            };
            assert!(msg.contains("column 1 row 1"), "{msg}");
            assert!(BinnedMatrix::build(x.view(), 255, &[]).is_ok(), "numeric columns take any finite value");
        }
        let x = Array2::from_shape_vec((1, 1), vec![0.0]).unwrap();
        assert!(matches!(BinnedMatrix::build(x.view(), 255, &[1]), Err(Error::InvalidParam { .. })));
    }
}
