//! Columns from known-future regressors (holiday, price, discount, promotion, raw values),
//! precomputed once per series over the whole known range, the future plan included.
//!
//! Regressors are known in advance, so reading them at, before or after t is no leak; only
//! targets are restricted (see `target.rs`).

use super::FeatureSpec;
use crate::{Error, Panel, Result, Series};

/// Distances to and from the nearest holiday are capped at this many periods.
pub const HOLIDAY_DISTANCE_CAP: usize = 60;

/// The relative price divides by the median price of this many previous periods.
pub const PRICE_MEDIAN_WINDOW: usize = 28;

/// Which regressor feeds which column group, resolved against a panel.
#[derive(Debug, Clone)]
pub(super) struct KnownLayout {
    pub(super) holiday: Option<usize>,
    pub(super) price: Option<usize>,
    pub(super) discount: Option<usize>,
    pub(super) promo: Option<usize>,
    /// Regressors written raw at t.
    pub(super) raw: Vec<usize>,
    names: Vec<String>,
}

impl KnownLayout {
    /// Resolve the spec's role names against the panel's regressors.
    ///
    /// # Errors
    /// [`Error::NotFound`] when a named role has no such regressor.
    pub(super) fn resolve(panel: &Panel, spec: &FeatureSpec) -> Result<Self> {
        let find = |role: &'static str, name: &Option<String>| -> Result<Option<usize>> {
            name.as_ref()
                .map(|n| {
                    panel.regressor_index(n).ok_or_else(|| Error::NotFound {
                        what: "regressor",
                        id: format!(
                            "`{n}` (feature spec `{role}`); the panel's regressors are [{}]",
                            panel.regressor_names.join(", ")
                        ),
                    })
                })
                .transpose()
        };
        let holiday = find("holiday", &spec.holiday)?;
        let price = find("price", &spec.price)?;
        let discount = find("discount", &spec.discount)?;
        let promo = find("promo", &spec.promo)?;
        let bound = [holiday, discount, promo];
        let raw: Vec<usize> = if spec.regressors {
            (0..panel.regressor_names.len()).filter(|j| !bound.contains(&Some(*j))).collect()
        } else {
            Vec::new()
        };
        let mut names: Vec<String> = Vec::new();
        if holiday.is_some() {
            names.extend(["holiday", "periods_to_holiday", "periods_from_holiday"].map(String::from));
        }
        if price.is_some() {
            names.push("price_rel_median".into());
        }
        if discount.is_some() {
            names.push("discount_depth".into());
        }
        if promo.is_some() {
            names.push("promo".into());
        }
        names.extend(raw.iter().map(|&j| panel.regressor_names[j].clone()));
        Ok(Self { holiday, price, discount, promo, raw, names })
    }

    /// Column names, in the order of [`KnownLayout::columns`].
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    /// The columns of one series, each indexed by t over the regressor's known range.
    pub(super) fn columns(&self, series: &Series) -> Vec<Vec<f64>> {
        let reg = |j: usize| series.regressors.get(j).map_or(&[][..], Vec::as_slice);
        let mut cols = Vec::with_capacity(self.names.len());
        if let Some(j) = self.holiday {
            let flag = flags(reg(j));
            let (to, from) = holiday_distances(&flag, HOLIDAY_DISTANCE_CAP);
            cols.extend([flag, to, from]);
        }
        if let Some(j) = self.price {
            cols.push(relative_price(reg(j), PRICE_MEDIAN_WINDOW));
        }
        if let Some(j) = self.discount {
            cols.push(reg(j).to_vec());
        }
        if let Some(j) = self.promo {
            cols.push(flags(reg(j)));
        }
        cols.extend(self.raw.iter().map(|&j| reg(j).to_vec()));
        cols
    }
}

/// 1 where the value is positive, 0 where it is not, NaN where it is missing.
pub(super) fn flags(values: &[f64]) -> Vec<f64> {
    values.iter().map(|&v| flag(v)).collect()
}

/// The flag of one value (see [`flags`]).
pub(super) fn flag(v: f64) -> f64 {
    if v.is_nan() { f64::NAN } else { f64::from(u8::from(v > 0.0)) }
}

/// Periods from each index to the next holiday at or after it, and since the last holiday at or
/// before it, both capped at `cap` (also when there is none in the known range).
pub(super) fn holiday_distances(flag: &[f64], cap: usize) -> (Vec<f64>, Vec<f64>) {
    let is_holiday = |i: usize| flag[i] > 0.0;
    let mut from = vec![0.0; flag.len()];
    let mut last: Option<usize> = None;
    for (i, f) in from.iter_mut().enumerate() {
        if is_holiday(i) {
            last = Some(i);
        }
        *f = last.map_or(cap, |l| (i - l).min(cap)) as f64;
    }
    let mut to = vec![0.0; flag.len()];
    let mut next: Option<usize> = None;
    for i in (0..flag.len()).rev() {
        if is_holiday(i) {
            next = Some(i);
        }
        to[i] = next.map_or(cap, |n| (n - i).min(cap)) as f64;
    }
    (to, from)
}

/// `price[t] / median(price[t - window .. t])` over the non-NaN previous prices; NaN without a
/// previous price, with a non-positive median, or with a missing price at t.
fn relative_price(price: &[f64], window: usize) -> Vec<f64> {
    let mut buf = vec![0.0; window];
    (0..price.len()).map(|t| relative_price_at(price, t, window, &mut buf)).collect()
}

/// The relative price at index `t` of `price` (see [`relative_price`]); `buf` is scratch space
/// of at least `window` values.
pub(super) fn relative_price_at(price: &[f64], t: usize, window: usize, buf: &mut [f64]) -> f64 {
    let mut n = 0;
    for &v in price[t.saturating_sub(window)..t].iter().filter(|v| !v.is_nan()) {
        buf[n] = v;
        n += 1;
    }
    price_over_median(price[t], median(&mut buf[..n]))
}

/// The relative price of `price` over the `median` of its look-back (see [`relative_price`]).
pub(super) fn price_over_median(price: f64, median: Option<f64>) -> f64 {
    match median {
        Some(m) if m > 0.0 => price / m,
        _ => f64::NAN,
    }
}

/// Median of non-NaN values (mean of the middle two for an even count).
pub(super) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let (mid, even) = (values.len() / 2, values.len().is_multiple_of(2));
    let (below, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if even {
        // The lower middle is the largest value below the upper one.
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((lower + upper) / 2.0)
    } else {
        Some(upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn holiday_distances_by_hand() {
        let flag = flags(&[0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, NAN]);
        assert_eq!(flag[..7], [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        assert!(flag[7].is_nan());
        let (to, from) = holiday_distances(&flag, 3);
        // Next holiday: index 1 then 5; none after 5 -> the cap.
        assert_eq!(to, vec![1.0, 0.0, 3.0, 2.0, 1.0, 0.0, 3.0, 3.0]);
        // Last holiday: none before 1 -> the cap; 4 is 3 after 1 (capped at 3 anyway).
        assert_eq!(from, vec![3.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn relative_price_by_hand() {
        // t=0: no previous price. t=1: 8/10. t=2: median(10, 8) = 9, 9/9. t=3: window 2 -> median(8, 9) = 8.5.
        let r = relative_price(&[10.0, 8.0, 9.0, 17.0, NAN], 2);
        assert!(r[0].is_nan());
        assert_eq!(r[1..4], [0.8, 1.0, 17.0 / 8.5]);
        assert!(r[4].is_nan());
        // NaN previous prices are skipped: t=2 sees only 4.
        let r = relative_price(&[NAN, 4.0, 6.0], 2);
        assert_eq!(r[2], 1.5);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
