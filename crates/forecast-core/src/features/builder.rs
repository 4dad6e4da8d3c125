//! `FeatureBuilder`: one design-matrix row per (series, target index, shift).

use super::known::KnownLayout;
use super::lag_transform::LagState;
use super::target::{Ewm, RollingWindows, fill_lags};
use super::{FeatureSpec, StaticEncoding, calendar};
use crate::{Error, Frequency, Panel, Result};
use chrono::NaiveDate;

/// Builds leak-free feature rows for the series of one panel.
///
/// # Columns, in order
/// 1. `lag_{s+k-1}` for each `k` in `spec.lags`, reading `history[t - s - (k - 1)]`;
/// 2. for each window `w`: `roll_mean_{w}`, `roll_std_{w}`, `roll_min_{w}`, `roll_max_{w}` over
///    the non-NaN values of `history[t-s-w+1 ..= t-s]` (standard deviation with `n - 1`);
/// 3. `ewm_{alpha}` for each alpha, the exponentially weighted mean of `history[..= t-s]`;
/// 4. each lag transform of `spec.lag_transforms` (see [`LagTransform`](super::LagTransform)),
///    named by its real lag (`rolling_mean_lag7_window7`);
/// 5. calendar of the row's own date (see [`FeatureBuilder::names`]), then each of
///    `spec.date_features`;
/// 6. `holiday`, `periods_to_holiday`, `periods_from_holiday` (capped at
///    [`HOLIDAY_DISTANCE_CAP`](super::HOLIDAY_DISTANCE_CAP)), `price_rel_median`
///    (price at t over the median of the previous [`PRICE_MEDIAN_WINDOW`](super::PRICE_MEDIAN_WINDOW)
///    prices), `discount_depth`, `promo`, each when its role is named in the spec;
/// 7. the raw value at t of each other regressor (named as in the panel);
/// 8. the static categorical codes (named as in the panel; listed by [`FeatureBuilder::categorical`]).
///
/// Known-regressor columns are NaN at a t past that regressor's known range (history plus
/// future plan); the calendar is always known.
///
/// Window and EWM names carry a `_s{s}` suffix when the shift `s` is above 1
/// (`roll_mean_28_s7`); lags are named by their real offset, so `lag_7` means
/// `history[t - 7]` whatever the shift.
///
/// # Leakage
/// The row for target index `t` with shift `s` reads targets only at indices `<= t - s`
/// (NaN where there is none). Regressor columns are read at t (they are known in advance,
/// the future plan included). Hence, for a forecast origin `o` (the newest observed target),
/// every row with `t <= o + s` is a function of `history[..= o]` and the regressors alone.
#[derive(Debug, Clone)]
pub struct FeatureBuilder {
    spec: FeatureSpec,
    frequency: Frequency,
    n_target_columns: usize,
    n_calendar: usize,
    /// Known-regressor and static column names (they do not depend on the shift).
    fixed_names: Vec<String>,
    names: Vec<String>,
    categorical: Vec<usize>,
    rolling: RollingWindows,
    pub(super) series: Vec<SeriesColumns>,
}

/// The per-series data a row needs besides the target history.
#[derive(Debug, Clone)]
pub(super) struct SeriesColumns {
    start: NaiveDate,
    pub(super) target: Vec<f64>,
    known: Vec<Vec<f64>>,
    statics: Vec<f64>,
}

impl FeatureBuilder {
    /// Prepare the features of `spec` for the series of `panel`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a lag or window of 0 or an EWM alpha outside (0, 1];
    /// [`Error::NotFound`] when a role (holiday, price, discount, promo) names a regressor the
    /// panel lacks; [`Error::InvalidData`] when two columns would share a name.
    pub fn new(panel: &Panel, spec: FeatureSpec) -> Result<Self> {
        Self::build(panel, spec, None, None)
    }

    /// As [`FeatureBuilder::new`], with each series' static codes given (one list per series)
    /// instead of read from the panel: a fitted pipeline passes the codes of its training
    /// levels, so a panel listing its levels in another order gets the same columns.
    pub(crate) fn with_static_codes(panel: &Panel, spec: FeatureSpec, codes: &[Vec<u32>]) -> Result<Self> {
        if codes.len() != panel.series.len() {
            return Err(Error::ShapeMismatch {
                context: "FeatureBuilder: static codes per series",
                expected: panel.series.len(),
                got: codes.len(),
            });
        }
        Self::build(panel, spec, Some(codes), None)
    }

    /// As [`FeatureBuilder::with_static_codes`], reading `targets[s]` (e.g. a transformed
    /// history) instead of each series' own target.
    pub(crate) fn with_targets(
        panel: &Panel,
        spec: FeatureSpec,
        codes: Option<&[Vec<u32>]>,
        targets: Vec<Vec<f64>>,
    ) -> Result<Self> {
        if targets.len() != panel.series.len() {
            return Err(Error::ShapeMismatch {
                context: "FeatureBuilder: targets per series",
                expected: panel.series.len(),
                got: targets.len(),
            });
        }
        Self::build(panel, spec, codes, Some(targets))
    }

    /// The target history the rows of `series` read (the panel's, or the one given).
    pub(crate) fn target(&self, series: usize) -> &[f64] {
        self.series.get(series).map_or(&[], |c| c.target.as_slice())
    }

    fn build(
        panel: &Panel,
        spec: FeatureSpec,
        codes: Option<&[Vec<u32>]>,
        targets: Option<Vec<Vec<f64>>>,
    ) -> Result<Self> {
        check_spec(&spec)?;
        let known = KnownLayout::resolve(panel, &spec)?;
        let calendar_names: &[&str] = if spec.calendar { calendar::names(panel.frequency) } else { &[] };
        let mut fixed_names: Vec<String> = calendar_names.iter().map(|n| (*n).to_owned()).collect();
        fixed_names.extend(spec.date_features.iter().map(|d| d.name().to_owned()));
        let n_calendar = fixed_names.len();
        fixed_names.extend(known.names().iter().cloned());
        let first_static = fixed_names.len();
        if spec.statics {
            fixed_names.extend(panel.static_names.iter().cloned());
        }
        let n_target_columns =
            spec.lags.len() + 4 * spec.windows.len() + spec.ewm_alphas.len() + spec.lag_transforms.len();
        let categorical = match spec.static_encoding {
            StaticEncoding::Categorical => (first_static..fixed_names.len()).map(|i| i + n_target_columns).collect(),
            StaticEncoding::Ordinal => Vec::new(),
        };
        let mut targets = targets.map(Vec::into_iter);
        let series = panel
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let own = codes.and_then(|c| c.get(i)).unwrap_or(&s.statics);
                SeriesColumns {
                    start: s.start,
                    target: targets.as_mut().and_then(Iterator::next).unwrap_or_else(|| s.target.clone()),
                    known: known.columns(s),
                    statics: if spec.statics { own.iter().map(|&c| f64::from(c)).collect() } else { Vec::new() },
                }
            })
            .collect();
        let spec_windows = spec.windows.clone();
        let mut builder = Self {
            spec,
            frequency: panel.frequency,
            n_target_columns,
            n_calendar,
            fixed_names,
            names: Vec::new(),
            categorical,
            rolling: RollingWindows::new(&spec_windows),
            series,
        };
        if builder.n_features() == 0 {
            return Err(Error::InvalidParam {
                name: "spec",
                value: "no columns".into(),
                expected: "at least one lag, window, EWM, calendar, regressor or static column",
            });
        }
        builder.names = builder.names_for_shift(1);
        let mut sorted = builder.names.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidData(format!(
                "feature column `{}` would appear twice; rename the regressor or static column, or drop its role",
                w[0]
            )));
        }
        Ok(builder)
    }

    /// Column names for shift 1 (the recursive strategy). See [`FeatureBuilder::names_for_shift`].
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Column names for rows built with `shift`: lags named by their real offset, windows and
    /// EWMs suffixed `_s{shift}` when `shift > 1`. Known-regressor and static names do not change.
    pub fn names_for_shift(&self, shift: usize) -> Vec<String> {
        let suffix = if shift > 1 { format!("_s{shift}") } else { String::new() };
        let mut names = Vec::with_capacity(self.n_features());
        names.extend(self.spec.lags.iter().map(|k| format!("lag_{}", shift + k - 1)));
        for w in &self.spec.windows {
            names.extend(["mean", "std", "min", "max"].map(|stat| format!("roll_{stat}_{w}{suffix}")));
        }
        names.extend(self.spec.ewm_alphas.iter().map(|a| format!("ewm_{a}{suffix}")));
        names.extend(self.spec.lag_transforms.iter().map(|t| t.name(shift)));
        names.extend(self.fixed_names.iter().cloned());
        names
    }

    /// Indices of the categorical (static code) columns; empty when the spec reads the statics
    /// as ordinal numbers ([`StaticEncoding::Ordinal`]).
    pub fn categorical(&self) -> Vec<usize> {
        self.categorical.clone()
    }

    /// Number of columns of a row.
    pub fn n_features(&self) -> usize {
        self.n_target_columns + self.fixed_names.len()
    }

    /// Number of series (rows of the panel the builder was made from).
    pub fn n_series(&self) -> usize {
        self.series.len()
    }

    /// The spec the builder was made with.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// The features of the row for target index `t` of `series`, reading targets from
    /// `history` (the series' own targets up to the origin, optionally followed by predictions
    /// fed back by a recursive forecast). Only `history[..= t - shift]` is read; indices past
    /// its end count as missing. Regressors and the calendar come from the panel at `t`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `shift == 0` (a row would read its own target);
    /// [`Error::NotFound`] for an unknown series; [`Error::ShapeMismatch`] when `out` does
    /// not have [`FeatureBuilder::n_features`] entries.
    pub fn row(&self, series: usize, history: &[f64], t: usize, shift: usize, out: &mut [f64]) -> Result<()> {
        check_shift(shift)?;
        let columns = self.series_columns(series)?;
        if out.len() != self.n_features() {
            return Err(Error::ShapeMismatch {
                context: "FeatureBuilder::row: out length vs n_features",
                expected: self.n_features(),
                got: out.len(),
            });
        }
        self.fill_row(columns, history, t, shift, None, out);
        Ok(())
    }

    /// A cursor over the rows of one series that carries the EWM state from row to row, for
    /// rows whose newest readable target (`t - shift`) never decreases: forecasting rows read
    /// the same history for every step (direct) or one more value per step (recursive), so
    /// each row costs the window lengths instead of a pass from the series' start. Rows are
    /// bit-identical to [`FeatureBuilder::row`]'s.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown series.
    pub fn cursor(&self, series: usize) -> Result<RowCursor<'_>> {
        let columns = self.series_columns(series)?;
        Ok(RowCursor { builder: self, columns, carried: self.carried(), newest: None })
    }

    /// Fresh state of the cumulative target features (EWMs, expanding lag transforms).
    pub(super) fn carried(&self) -> Carried<'_> {
        Carried { ewm: Ewm::new(&self.spec.ewm_alphas), lags: LagState::new(&self.spec.lag_transforms) }
    }

    /// Write one row; with `carried`, carry the cumulative state (ascending `t` over one
    /// history) instead of recomputing it from the start, with bit-identical results.
    pub(super) fn fill_row(
        &self,
        columns: &SeriesColumns,
        history: &[f64],
        t: usize,
        shift: usize,
        carried: Option<&mut Carried<'_>>,
        out: &mut [f64],
    ) {
        let newest = t.checked_sub(shift);
        let (target_out, fixed_out) = out.split_at_mut(self.n_target_columns);
        let (lag_out, rest) = target_out.split_at_mut(self.spec.lags.len());
        let (roll_out, rest) = rest.split_at_mut(4 * self.spec.windows.len());
        let (ewm_out, transform_out) = rest.split_at_mut(self.spec.ewm_alphas.len());
        fill_lags(history, newest, &self.spec.lags, lag_out);
        self.rolling.fill(history, newest, roll_out);
        let transforms = &self.spec.lag_transforms;
        match carried {
            Some(state) => {
                state.ewm.fill(history, newest, ewm_out);
                state.lags.fill(transforms, history, newest, transform_out);
            }
            None => {
                Ewm::over(&self.spec.ewm_alphas, history, newest, ewm_out);
                LagState::over(transforms, history, newest, transform_out);
            }
        }
        self.fill_fixed(columns, t, fixed_out);
    }

    pub(super) fn series_columns(&self, series: usize) -> Result<&SeriesColumns> {
        self.series.get(series).ok_or_else(|| Error::NotFound {
            what: "series index",
            id: format!("{series} (the feature builder has {} series)", self.series.len()),
        })
    }

    /// Calendar, known regressors and statics at t.
    fn fill_fixed(&self, columns: &SeriesColumns, t: usize, out: &mut [f64]) {
        let (cal_out, rest) = out.split_at_mut(self.n_calendar);
        if self.n_calendar > 0 {
            let date = i64::try_from(t).ok().and_then(|t| self.frequency.add(columns.start, t));
            let (block, extra) = cal_out.split_at_mut(self.n_calendar - self.spec.date_features.len());
            if !block.is_empty() {
                calendar::fill(self.frequency, date, block);
            }
            for (o, feature) in extra.iter_mut().zip(&self.spec.date_features) {
                *o = date.map_or(f64::NAN, |d| feature.value(self.frequency, d));
            }
        }
        let (known_out, static_out) = rest.split_at_mut(columns.known.len());
        for (o, col) in known_out.iter_mut().zip(&columns.known) {
            *o = col.get(t).copied().unwrap_or(f64::NAN);
        }
        static_out.copy_from_slice(&columns.statics);
    }
}

/// Rows of one series with the EWM state carried between them; see [`FeatureBuilder::cursor`].
#[derive(Debug, Clone)]
pub struct RowCursor<'b> {
    builder: &'b FeatureBuilder,
    columns: &'b SeriesColumns,
    carried: Carried<'b>,
    newest: Option<Option<usize>>,
}

/// The cumulative target features carried from row to row of one series.
#[derive(Debug, Clone)]
pub(super) struct Carried<'a> {
    ewm: Ewm<'a>,
    lags: LagState,
}

impl RowCursor<'_> {
    /// The row for target index `t` with `shift`, reading targets from `history`, which may
    /// only grow at its end between calls (a recursive forecast appends its predictions).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `shift == 0` or when `t - shift` is older than the previous
    /// row's; [`Error::ShapeMismatch`] for a wrong `out` length.
    pub fn row(&mut self, history: &[f64], t: usize, shift: usize, out: &mut [f64]) -> Result<()> {
        check_shift(shift)?;
        if out.len() != self.builder.n_features() {
            return Err(Error::ShapeMismatch {
                context: "RowCursor::row: out length vs n_features",
                expected: self.builder.n_features(),
                got: out.len(),
            });
        }
        let newest = t.checked_sub(shift);
        if self.newest.is_some_and(|prev| newest < prev) {
            return Err(Error::InvalidParam {
                name: "t - shift",
                value: format!("{newest:?}"),
                expected: "a newest readable target no older than the previous row's (use FeatureBuilder::row)",
            });
        }
        self.newest = Some(newest);
        self.builder.fill_row(self.columns, history, t, shift, Some(&mut self.carried), out);
        Ok(())
    }
}

/// Reject a shift of 0.
pub(super) fn check_shift(shift: usize) -> Result<()> {
    if shift == 0 {
        return Err(Error::InvalidParam {
            name: "shift",
            value: "0".into(),
            expected: ">= 1 (a row may read targets up to t - shift; 0 would read its own target)",
        });
    }
    Ok(())
}

fn check_spec(spec: &FeatureSpec) -> Result<()> {
    if let Some(k) = spec.lags.iter().find(|&&k| k == 0) {
        return Err(Error::InvalidParam { name: "lags", value: k.to_string(), expected: "lags >= 1" });
    }
    if let Some(w) = spec.windows.iter().find(|&&w| w == 0) {
        return Err(Error::InvalidParam { name: "windows", value: w.to_string(), expected: "windows >= 1" });
    }
    if let Some(a) = spec.ewm_alphas.iter().find(|&&a| !(a > 0.0 && a <= 1.0)) {
        return Err(Error::InvalidParam { name: "ewm_alphas", value: a.to_string(), expected: "alpha in (0, 1]" });
    }
    for transform in &spec.lag_transforms {
        transform.check()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{monday, panel, same_bits};
    use super::*;

    const NAN: f64 = f64::NAN;

    fn small() -> Panel {
        let target = vec![3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let price = vec![10.0, 10.0, 10.0, 10.0, 10.0, 8.0, 8.0, 10.0, 10.0, 5.0, 10.0];
        let discount = vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.2, 0.0, 0.0, 0.5, 0.0];
        let promo = vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        let mut holiday = vec![0.0; 11];
        holiday[10] = 1.0;
        panel(Frequency::Daily, monday(), vec![(target, [price, discount, promo, holiday])])
    }

    fn spec() -> FeatureSpec {
        FeatureSpec::for_frequency(Frequency::Daily).lags([1, 2]).windows([3]).ewm_alphas([0.5])
    }

    #[test]
    fn names_and_categorical() {
        let b = FeatureBuilder::new(&small(), spec()).unwrap();
        let expected = "lag_1 lag_2 roll_mean_3 roll_std_3 roll_min_3 roll_max_3 ewm_0.5 day_of_week day_of_month \
                        day_of_year week_of_year month holiday periods_to_holiday periods_from_holiday \
                        price_rel_median discount_depth promo price store item";
        assert_eq!(b.names().join(" "), expected);
        assert_eq!(b.n_features(), 21);
        assert_eq!(b.categorical(), vec![19, 20]);
        let ordinal = FeatureBuilder::new(&small(), spec().static_encoding(StaticEncoding::Ordinal)).unwrap();
        assert!(ordinal.categorical().is_empty());
        assert_eq!(ordinal.names(), b.names());
        let s3 = b.names_for_shift(3);
        assert_eq!(
            s3[..7],
            ["lag_3", "lag_4", "roll_mean_3_s3", "roll_std_3_s3", "roll_min_3_s3", "roll_max_3_s3", "ewm_0.5_s3"]
        );
        assert_eq!(s3[7..], b.names()[7..]);
    }

    #[test]
    fn row_by_hand_shift_one() {
        let p = small();
        let b = FeatureBuilder::new(&p, spec()).unwrap();
        let mut out = vec![0.0; b.n_features()];
        b.row(0, &p.series[0].target, 6, 1, &mut out).unwrap();
        // lags of t=6: h[5]=9, h[4]=5; window [1, 5, 9]: mean 5, sd sqrt((16 + 0 + 16) / 2) = 4.
        // EWM 0.5 over 3,1,4,1,5,9: 3, 2, 3, 2, 3.5, 6.25. 2024-01-07: Sunday, ISO week 1.
        // Holiday at index 10: 4 periods ahead, none before (cap 60). Price 8 over median of
        // [10, 10, 10, 10, 10, 8] = 10. Discount 0.2, promo 1, raw price 8, statics 0, 0.
        let expected =
            [9.0, 5.0, 5.0, 4.0, 1.0, 9.0, 6.25, 6.0, 7.0, 7.0, 1.0, 1.0, 0.0, 4.0, 60.0, 0.8, 0.2, 1.0, 8.0, 0.0, 0.0];
        assert!(same_bits(&out, &expected), "{out:?}");
    }

    #[test]
    fn future_row_uses_that_steps_regressors() {
        let p = small();
        let b = FeatureBuilder::new(&p, spec()).unwrap();
        let mut out = vec![0.0; b.n_features()];
        // t = 9 lies past the 8 targets; shift 3 reads up to index 6.
        b.row(0, &p.series[0].target, 9, 3, &mut out).unwrap();
        // Window [5, 9, 2]: mean 16/3, sd sqrt(((5-16/3)^2 + (9-16/3)^2 + (2-16/3)^2) / 2) = sqrt(37/3).
        // EWM 6.25 then 2 -> 4.125. 2024-01-10: Wednesday, ISO week 2. Holiday in 1 period.
        // Price 5 over median of [10, 10, 10, 10, 8, 8, 10, 10] = 10; discount 0.5; promo 1.
        let expected = [
            2.0,
            9.0,
            16.0 / 3.0,
            (37.0f64 / 3.0).sqrt(),
            2.0,
            9.0,
            4.125,
            2.0,
            10.0,
            10.0,
            2.0,
            1.0,
            0.0,
            1.0,
            60.0,
            0.5,
            0.5,
            1.0,
            5.0,
            0.0,
            0.0,
        ];
        assert!(out.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-12), "{out:?}");
        // Past the regressors' known range: known columns are missing, the calendar is not.
        b.row(0, &p.series[0].target, 12, 5, &mut out).unwrap();
        assert!(out[12..19].iter().all(|v| v.is_nan()));
        assert_eq!(out[7..12], [5.0, 13.0, 13.0, 2.0, 1.0]);
        assert_eq!(out[19..], [0.0, 0.0]);
    }

    #[test]
    fn predictions_fed_back_are_read_as_history() {
        let p = small();
        let b = FeatureBuilder::new(&p, FeatureSpec::empty().lags([1, 3])).unwrap();
        let mut history = p.series[0].target.clone();
        history.push(100.0);
        let mut out = [0.0; 2];
        b.row(0, &history, 9, 1, &mut out).unwrap();
        assert_eq!(out, [100.0, 2.0]);
        b.row(0, &[NAN; 3], 2, 1, &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn weekly_calendar_and_no_roles() {
        let mut p = small();
        p.frequency = Frequency::Weekly;
        let spec = FeatureSpec::for_frequency(Frequency::Weekly).no_holiday().no_promo().no_discount().no_price();
        let b = FeatureBuilder::new(&p, spec.with_statics(false).with_regressors(false).lags([1])).unwrap();
        assert_eq!(b.names().last().map(String::as_str), Some("month"));
        assert!(b.names().iter().any(|n| n == "week_of_year"));
        assert!(!b.names().iter().any(|n| n == "day_of_week"));
        assert!(b.categorical().is_empty());
        let mut out = vec![0.0; b.n_features()];
        // Step 10 of a weekly panel from 2024-01-01 is 2024-03-11: ISO week 11, March.
        b.row(0, &p.series[0].target, 10, 1, &mut out).unwrap();
        assert_eq!(out[out.len() - 2..], [11.0, 3.0]);
    }

    #[test]
    fn rejects_bad_input() {
        let p = small();
        assert!(matches!(FeatureBuilder::new(&p, spec().lags([0])), Err(Error::InvalidParam { name: "lags", .. })));
        assert!(matches!(FeatureBuilder::new(&p, spec().windows([0])), Err(Error::InvalidParam { .. })));
        assert!(matches!(FeatureBuilder::new(&p, spec().ewm_alphas([1.5])), Err(Error::InvalidParam { .. })));
        assert!(matches!(FeatureBuilder::new(&p, spec().holiday("xmas")), Err(Error::NotFound { .. })));
        assert!(matches!(FeatureBuilder::new(&p, spec().lags([2, 2])), Err(Error::InvalidData(_))));
        assert!(matches!(FeatureBuilder::new(&p, FeatureSpec::empty()), Err(Error::InvalidParam { name: "spec", .. })));
        let b = FeatureBuilder::new(&p, spec()).unwrap();
        let mut out = vec![0.0; b.n_features()];
        let h = &p.series[0].target;
        assert!(matches!(b.row(0, h, 3, 0, &mut out), Err(Error::InvalidParam { name: "shift", .. })));
        assert!(matches!(b.row(1, h, 3, 1, &mut out), Err(Error::NotFound { .. })));
        assert!(matches!(b.row(0, h, 3, 1, &mut out[1..]), Err(Error::ShapeMismatch { .. })));
    }
}
