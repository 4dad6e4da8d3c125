//! Streaming features: [`FeatureStream`] and [`SeriesFeatures`].

use super::calendar_cache::CalendarCache;
use super::holiday_index::HolidayIndex;
use super::known::{KnownLayout, flag, price_over_median, relative_price_at};
use super::price_window::PriceWindow;
use super::target::{RollingWindows, ewm_update, fill_lags};
use super::{FeatureBuilder, FeatureSpec, HOLIDAY_DISTANCE_CAP, PRICE_MEDIAN_WINDOW, calendar};
use crate::{Error, Frequency, Panel, Result, Series};
use chrono::NaiveDate;

/// Periods of regressors kept before the newest observation: the holiday distances look back
/// this far, the relative price less.
const REGRESSOR_BACK: usize =
    if HOLIDAY_DISTANCE_CAP > PRICE_MEDIAN_WINDOW { HOLIDAY_DISTANCE_CAP } else { PRICE_MEDIAN_WINDOW };

/// The streaming form of a [`FeatureSpec`] over a panel layout.
///
/// Streaming features: a per-series state updated one observation at a time that writes the
/// rows [`FeatureBuilder`] writes for the same data, bit for bit.
///
/// A [`FeatureStream`] is the column layout of one [`FeatureSpec`] (shared by every series); a
/// [`SeriesFeatures`] is one series' state: the newest targets in a buffer as long as the
/// longest lag or window needs, the EWM means carried from the series' start, the regressors of
/// the last [`HOLIDAY_DISTANCE_CAP`] periods and of the known future, and the static codes. The
/// row of forecast step `h` from a state holding `n` periods is the batch row for target index
/// `n + h - 1` read with shift `h` (the direct strategy's step `h`, or the recursive strategy's
/// first step for `h = 1`) of a panel whose series holds those `n` targets and the regressors
/// the state was given (NaN where none was). The values come from the batch helpers
/// themselves (`fill_lags`, `RollingWindows`, the EWM recursion, the calendar, the relative
/// price's median), so the two paths cannot drift apart; what a state keeps between rows to
/// avoid recomputing is exact by construction: the relative price's look-back kept sorted
/// (`PriceWindow`, the same median bit for bit), the kept holidays by index (`HolidayIndex`,
/// the same capped distances), and, with [`FeatureStream::row_cached`], a period's calendar
/// shared between series ([`CalendarCache`]).
///
/// ```
/// use forecast_core::features::{FeatureSpec, FeatureStream};
/// use forecast_core::Frequency;
/// use chrono::NaiveDate;
///
/// let spec = FeatureSpec::empty().lags([1, 2]).windows([3]).price("price");
/// let stream = FeatureStream::new(spec, Frequency::Daily, &["price".into()], &[])?;
/// let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let mut state = stream.series(monday, &[])?;
/// for (d, units) in [4.0, 6.0, 5.0].into_iter().enumerate() {
///     // Each observation brings its period's price and the planned price of the next period.
///     stream.observe(&mut state, monday + chrono::Days::new(d as u64), units, &[10.0, 8.0])?;
/// }
/// let mut row = vec![0.0; stream.n_features()];
/// stream.row(&state, 1, &mut row)?;
/// // lag_1, lag_2, roll_mean_3, roll_std_3, roll_min_3, roll_max_3, price_rel_median
/// assert_eq!(row, [5.0, 6.0, 5.0, 1.0, 4.0, 6.0, 0.8]);
/// # Ok::<(), forecast_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FeatureStream {
    /// A builder over no series: the spec, checked, and the column names.
    builder: FeatureBuilder,
    known: KnownLayout,
    rolling: RollingWindows,
    frequency: Frequency,
    regressor_names: Vec<String>,
    static_names: Vec<String>,
    n_target_columns: usize,
    n_calendar: usize,
    n_known: usize,
    /// Targets kept (at least the longest lag or window).
    keep: usize,
    /// Observed (non-NaN) targets kept at least, when the history holds that many.
    keep_observed: usize,
}

/// One series' streaming state (see [`FeatureStream`]); it grows by one period per observation
/// and keeps bounded memory.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFeatures {
    start: NaiveDate,
    /// Periods seen, gaps included: the target index of the next observation.
    len: usize,
    /// Targets `[len - tail.len(), len)`.
    tail: Vec<f64>,
    ewm: Vec<f64>,
    /// Target index of `regressors[j][0]`.
    base: usize,
    /// Per regressor, its values from `base` to the end of what is known (NaN where none was given).
    regressors: Vec<Vec<f64>>,
    statics: Vec<f64>,
    /// The sorted price look-back of the row at `len` (step 1), when the spec has a price and
    /// the look-back is kept; a function of the fields above (see `FeatureStream::sync_price`).
    price: PriceWindow,
    /// The kept holidays by target index, when the spec has a holiday regressor.
    holidays: HolidayIndex,
}

impl SeriesFeatures {
    /// Periods seen, gaps included (the target index the next observation gets).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no period has been seen.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Date of target index 0.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The newest targets kept (NaN for gaps), oldest first; the last is target `len() - 1`.
    pub fn recent(&self) -> &[f64] {
        &self.tail
    }

    /// The EWM means over every target seen, one per alpha of the spec.
    pub fn ewm(&self) -> &[f64] {
        &self.ewm
    }

    /// Periods of regressors kept (history window and known future), for memory checks.
    pub fn regressor_periods(&self) -> usize {
        self.regressors.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// How many periods after the newest observation have every regressor known.
    pub fn known_ahead(&self) -> usize {
        let end = self.regressors.iter().map(|r| self.base + r.len()).min().unwrap_or(usize::MAX);
        end.saturating_sub(self.len)
    }
}

impl FeatureStream {
    /// The streaming layout of `spec` for panels of `frequency` with these regressor and static
    /// columns (in the panel's order).
    ///
    /// # Errors
    /// As [`FeatureBuilder::new`] (invalid spec, a role naming an absent regressor, duplicate
    /// column names).
    pub fn new(
        spec: FeatureSpec,
        frequency: Frequency,
        regressor_names: &[String],
        static_names: &[String],
    ) -> Result<Self> {
        let layout = Panel {
            frequency,
            key_names: Vec::new(),
            target_name: String::new(),
            regressor_names: regressor_names.to_vec(),
            static_names: static_names.to_vec(),
            static_levels: vec![Vec::new(); static_names.len()],
            series: Vec::new(),
        };
        let known = KnownLayout::resolve(&layout, &spec)?;
        let builder = FeatureBuilder::new(&layout, spec)?;
        let spec = builder.spec();
        let n_target_columns = spec.lags.len() + 4 * spec.windows.len() + spec.ewm_alphas.len();
        if let Some(t) = spec.lag_transforms.first() {
            return Err(Error::InvalidData(format!(
                "streaming features: lag transforms ({t} ...) are computed by the batch path only; \
                 fit the streamed pipeline without lag_transforms"
            )));
        }
        let n_block = if spec.calendar { calendar::names(frequency).len() } else { 0 };
        let n_calendar = n_block + spec.date_features.len();
        let n_statics = if spec.statics { static_names.len() } else { 0 };
        let n_known = known.names().len();
        if n_target_columns + n_calendar + n_known + n_statics != builder.n_features() {
            return Err(Error::InvalidData(format!(
                "streaming features: {} columns expected from the spec but the feature builder writes {}; \
                 features/stream.rs must follow the builder's column groups",
                n_target_columns + n_calendar + n_known + n_statics,
                builder.n_features()
            )));
        }
        let keep = spec.lags.iter().chain(&spec.windows).copied().max().unwrap_or(1).max(1);
        Ok(Self {
            rolling: RollingWindows::new(&spec.windows),
            builder,
            known,
            frequency,
            regressor_names: regressor_names.to_vec(),
            static_names: static_names.to_vec(),
            n_target_columns,
            n_calendar,
            n_known,
            keep,
            keep_observed: 0,
        })
    }

    /// Also keep at least `periods` targets, and at least `observed` non-missing ones when the
    /// history has them (e.g. the level window of a conformal interval's scale).
    pub fn with_min_history(mut self, periods: usize, observed: usize) -> Self {
        self.keep = self.keep.max(periods);
        self.keep_observed = self.keep_observed.max(observed);
        self
    }

    /// The spec.
    pub fn spec(&self) -> &FeatureSpec {
        self.builder.spec()
    }

    /// The panel frequency.
    pub fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// Regressor names, in the order observations give them.
    pub fn regressor_names(&self) -> &[String] {
        &self.regressor_names
    }

    /// Static column names, in the order [`FeatureStream::series`] takes the codes.
    pub fn static_names(&self) -> &[String] {
        &self.static_names
    }

    /// Columns of a row.
    pub fn n_features(&self) -> usize {
        self.builder.n_features()
    }

    /// Column names of the rows of forecast step `step` ([`FeatureBuilder::names_for_shift`]).
    pub fn names(&self, step: usize) -> Vec<String> {
        self.builder.names_for_shift(step.max(1))
    }

    /// Indices of the categorical (static code) columns.
    pub fn categorical(&self) -> Vec<usize> {
        self.builder.categorical()
    }

    /// Whether series states made by `self` serve `other` unchanged: same spec, frequency,
    /// regressors and statics, and `self` keeps at least the history `other` needs.
    pub fn serves(&self, other: &Self) -> bool {
        self.spec() == other.spec()
            && self.frequency == other.frequency
            && self.regressor_names == other.regressor_names
            && self.static_names == other.static_names
            && self.keep >= other.keep
            && self.keep_observed >= other.keep_observed
    }

    /// A series starting on `start` with nothing observed, with its static codes (one per static
    /// column, in the encoding the rows should carry).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for a wrong number of codes.
    pub fn series(&self, start: NaiveDate, statics: &[u32]) -> Result<SeriesFeatures> {
        if statics.len() != self.static_names.len() {
            return Err(Error::ShapeMismatch {
                context: "FeatureStream::series: static codes vs static columns",
                expected: self.static_names.len(),
                got: statics.len(),
            });
        }
        Ok(SeriesFeatures {
            start,
            len: 0,
            tail: Vec::with_capacity(2 * self.keep),
            ewm: vec![f64::NAN; self.spec().ewm_alphas.len()],
            base: 0,
            regressors: vec![Vec::new(); self.regressor_names.len()],
            statics: if self.spec().statics { statics.iter().map(|&c| f64::from(c)).collect() } else { Vec::new() },
            price: PriceWindow::default(),
            holidays: HolidayIndex::default(),
        })
    }

    /// The state of `series` after its targets `[..end]`, with all its regressors (history and
    /// plan) known: the rows it gives are the rows of that series cut at `end`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for an `end` past the targets; as [`FeatureStream::series`].
    pub fn warm_start(&self, series: &Series, statics: &[u32], end: usize) -> Result<SeriesFeatures> {
        if end > series.len() {
            return Err(Error::InvalidData(format!(
                "warm start of series {}: {end} targets asked, it has {}",
                series.key,
                series.len()
            )));
        }
        if series.regressors.len() != self.regressor_names.len() {
            return Err(Error::ShapeMismatch {
                context: "FeatureStream::warm_start: regressor columns",
                expected: self.regressor_names.len(),
                got: series.regressors.len(),
            });
        }
        let mut state = self.series(series.start, statics)?;
        let base = end.saturating_sub(REGRESSOR_BACK);
        state.base = base;
        for (kept, all) in state.regressors.iter_mut().zip(&series.regressors) {
            kept.extend_from_slice(all.get(base..).unwrap_or(&[]));
        }
        if let Some(j) = self.known.holiday {
            state.holidays.fill(&state.regressors[j], base);
        }
        for &x in &series.target[..end] {
            self.push(&mut state, x)?;
        }
        self.sync_price(&mut state);
        Ok(state)
    }

    /// Observe the target `value` of the period starting on `date` (NaN for a missing value),
    /// with the regressors known from that period on: `regressors` holds whole rows in the
    /// panel's regressor order, the first for `date`, the next for the period after, and so on
    /// (none at all is fine: what is known stays). Periods skipped since the previous
    /// observation are gaps (missing targets), as in a panel with masked gaps.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a date not on the series' calendar or not after its newest
    /// period, an infinite value, or regressors that are not whole rows; nothing changes then.
    pub fn observe(&self, state: &mut SeriesFeatures, date: NaiveDate, value: f64, regressors: &[f64]) -> Result<()> {
        self.check_state(state)?;
        let t = self.next_index(state, date)?;
        check_value(value, date)?;
        self.check_rows(regressors)?;
        self.write_regressors(state, t, regressors);
        self.advance_to_index(state, t)?;
        self.push(state, value)
    }

    /// Mark the periods between the newest one seen and `date` as missing, so that the state's
    /// next period (the row of step 1) is `date`'s: what a scorer does before forecasting an
    /// observation that has just arrived, after a gap.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a date off the series' calendar or not after its newest period.
    pub fn advance_to(&self, state: &mut SeriesFeatures, date: NaiveDate) -> Result<()> {
        let t = self.next_index(state, date)?;
        self.advance_to_index(state, t)
    }

    /// As [`FeatureStream::advance_to`], with the target index of the date
    /// ([`FeatureStream::next_index`]) already known: a scorer that has computed it once saves
    /// the date arithmetic.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for an index before the state's next period; a state of another layout.
    pub fn advance_to_index(&self, state: &mut SeriesFeatures, t: usize) -> Result<()> {
        self.check_state(state)?;
        if t < state.len {
            return Err(Error::InvalidData(format!(
                "advance to target index {t}: not after the newest period seen (index {})",
                state.len.saturating_sub(1)
            )));
        }
        for _ in state.len..t {
            self.push(state, f64::NAN)?;
        }
        Ok(())
    }

    /// The target index of `date` for this state, if it is a period after the newest seen.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a date off the series' calendar or not after its newest period.
    pub fn next_index(&self, state: &SeriesFeatures, date: NaiveDate) -> Result<usize> {
        let t = self.index_of(state, date)?;
        if t < state.len {
            return Err(Error::InvalidData(format!(
                "observation for {date}: not after the newest period seen ({}); periods arrive once, in order",
                self.date_of(state, state.len - 1).map_or_else(|| "?".into(), |d| d.to_string())
            )));
        }
        Ok(t)
    }

    /// Make known the regressors of the periods from `first` on (whole rows, as in
    /// [`FeatureStream::observe`]), e.g. a new period entering the promotion plan. Periods
    /// older than the kept window (more than [`HOLIDAY_DISTANCE_CAP`] periods before the newest)
    /// no longer affect any row and are skipped.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a date before the series' start or off its calendar, or
    /// regressors that are not whole rows; nothing changes then.
    pub fn plan(&self, state: &mut SeriesFeatures, first: NaiveDate, regressors: &[f64]) -> Result<()> {
        let t = self.index_of(state, first)?;
        self.plan_at(state, t, regressors)
    }

    /// As [`FeatureStream::plan`], from the target index `first` of the first row's period
    /// instead of its date (no date arithmetic).
    ///
    /// # Errors
    /// [`Error::InvalidData`] for regressors that are not whole rows; a state of another layout.
    pub fn plan_at(&self, state: &mut SeriesFeatures, first: usize, regressors: &[f64]) -> Result<()> {
        self.check_state(state)?;
        self.check_rows(regressors)?;
        self.write_regressors(state, first, regressors);
        Ok(())
    }

    /// Append the target of the next period (NaN for a missing one), date implied: a recursive
    /// forecast feeds its predictions back this way.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for an infinite value or a state of another layout.
    pub fn push(&self, state: &mut SeriesFeatures, value: f64) -> Result<()> {
        if value.is_infinite() {
            return Err(Error::InvalidData(format!(
                "target {value} at index {}: accepted are finite values or NaN (missing)",
                state.len
            )));
        }
        self.check_state(state)?;
        ewm_update(&self.spec().ewm_alphas, &mut state.ewm, value);
        state.tail.push(value);
        state.len += 1;
        if state.tail.len() >= 2 * self.keep {
            let cut = self.tail_cut(&state.tail);
            state.tail.drain(..cut);
        }
        if state.len.saturating_sub(state.base) > 2 * REGRESSOR_BACK {
            let new_base = state.len - REGRESSOR_BACK;
            for r in &mut state.regressors {
                r.drain(..(new_base - state.base).min(r.len()));
            }
            state.holidays.drop_before(new_base);
            state.base = new_base;
        }
        self.sync_price(state);
        Ok(())
    }

    /// The row of forecast step `step` (1-based) from the state's newest period: target index
    /// `len + step - 1`, reading targets up to `len - 1` (shift `step`), calendar and regressors
    /// at the target index. Equals `FeatureBuilder::row(series, history, len + step - 1, step)`
    /// on the equivalent panel.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for step 0; [`Error::ShapeMismatch`] for a wrong `out` length or
    /// a state of another layout.
    pub fn row(&self, state: &SeriesFeatures, step: usize, out: &mut [f64]) -> Result<()> {
        self.rows(state, step..=step, out)
    }

    /// The rows of consecutive forecast steps, one after the other in `out`
    /// (`steps.len() * n_features` values): the direct strategy's rows of one origin. Their
    /// target columns are identical, so they are computed once.
    ///
    /// # Errors
    /// As [`FeatureStream::row`].
    pub fn rows(&self, state: &SeriesFeatures, steps: std::ops::RangeInclusive<usize>, out: &mut [f64]) -> Result<()> {
        self.rows_with(state, steps, None, out)
    }

    /// As [`FeatureStream::row`], reading the calendar columns from `calendar` when it holds
    /// those of the row's period (and keeping them there otherwise): the same row, with the
    /// calendar computed once per period by a caller that writes the rows of many series.
    ///
    /// # Errors
    /// As [`FeatureStream::row`].
    pub fn row_cached(
        &self,
        state: &SeriesFeatures,
        step: usize,
        calendar: &mut CalendarCache,
        out: &mut [f64],
    ) -> Result<()> {
        self.rows_with(state, step..=step, Some(calendar), out)
    }

    fn rows_with(
        &self,
        state: &SeriesFeatures,
        steps: std::ops::RangeInclusive<usize>,
        mut calendar: Option<&mut CalendarCache>,
        out: &mut [f64],
    ) -> Result<()> {
        let nf = self.n_features();
        if *steps.start() == 0 {
            return Err(Error::InvalidParam {
                name: "step",
                value: "0".into(),
                expected: "a forecast step from 1 (step 0 would read its own target)",
            });
        }
        let n_rows = steps.clone().count();
        if out.len() != n_rows * nf {
            return Err(Error::ShapeMismatch {
                context: "FeatureStream::rows: out length vs steps x n_features",
                expected: n_rows * nf,
                got: out.len(),
            });
        }
        self.check_state(state)?;
        if n_rows == 0 {
            return Ok(());
        }
        let mut buf = [0.0; PRICE_MEDIAN_WINDOW];
        let width = self.n_target_columns;
        let t0 = state.len + steps.start() - 1;
        let (first, rest) = out.split_at_mut(nf);
        self.fill_target(state, &mut first[..width]);
        self.fill_fixed(state, t0, &mut first[width..], &mut buf, calendar.as_deref_mut());
        for (k, row) in rest.chunks_exact_mut(nf).enumerate() {
            row[..width].copy_from_slice(&first[..width]);
            self.fill_fixed(state, t0 + k + 1, &mut row[width..], &mut buf, calendar.as_deref_mut());
        }
        Ok(())
    }

    /// Lags, rolling windows and EWMs, reading targets up to the newest.
    fn fill_target(&self, state: &SeriesFeatures, out: &mut [f64]) {
        let spec = self.spec();
        let newest = state.tail.len().checked_sub(1);
        let (lag_out, rest) = out.split_at_mut(spec.lags.len());
        let (roll_out, ewm_out) = rest.split_at_mut(4 * spec.windows.len());
        fill_lags(&state.tail, newest, &spec.lags, lag_out);
        self.rolling.fill(&state.tail, newest, roll_out);
        ewm_out.copy_from_slice(&state.ewm);
    }

    /// Calendar, known regressors and statics at target index `t`, in the builder's order; the
    /// calendar read from (or kept in) `cache` if there is one.
    fn fill_fixed(
        &self,
        state: &SeriesFeatures,
        t: usize,
        out: &mut [f64],
        buf: &mut [f64],
        cache: Option<&mut CalendarCache>,
    ) {
        let (cal_out, rest) = out.split_at_mut(self.n_calendar);
        if self.n_calendar > 0 {
            let features = &self.spec().date_features;
            match cache {
                Some(cache) => {
                    match cache.get(state.start, t, self.frequency, features).filter(|v| v.len() == cal_out.len()) {
                        Some(held) => cal_out.copy_from_slice(held),
                        None => {
                            self.fill_calendar(state, t, cal_out);
                            cache.put(state.start, t, self.frequency, features, cal_out);
                        }
                    }
                }
                None => self.fill_calendar(state, t, cal_out),
            }
        }
        let (known_out, static_out) = rest.split_at_mut(self.n_known);
        self.fill_known(state, t, known_out, buf);
        static_out.copy_from_slice(&state.statics);
    }

    /// The calendar block and date features of target index `t`.
    fn fill_calendar(&self, state: &SeriesFeatures, t: usize, out: &mut [f64]) {
        let date = self.date_of(state, t);
        let features = &self.spec().date_features;
        let (block, extra) = out.split_at_mut(self.n_calendar - features.len());
        if !block.is_empty() {
            calendar::fill(self.frequency, date, block);
        }
        for (o, feature) in extra.iter_mut().zip(features) {
            *o = date.map_or(f64::NAN, |d| feature.value(self.frequency, d));
        }
    }

    /// The known-regressor columns at `t`, in the order of `KnownLayout::columns`, each computed
    /// by the batch helper on the kept window (long enough for every look-back, see `push`).
    fn fill_known(&self, state: &SeriesFeatures, t: usize, out: &mut [f64], buf: &mut [f64]) {
        let known = &self.known;
        // The kept values of regressor `j` and the index of `t` in them, if `t` is known.
        let at = |j: usize| -> Option<(&[f64], usize)> {
            let col = state.regressors[j].as_slice();
            let i = t.checked_sub(state.base)?;
            (i < col.len()).then_some((col, i))
        };
        let mut slots = out.iter_mut();
        let mut put = |v: f64| {
            if let Some(o) = slots.next() {
                *o = v;
            }
        };
        if let Some(j) = known.holiday {
            match at(j) {
                Some((col, i)) => {
                    let (to, from) = state.holidays.distances(t, HOLIDAY_DISTANCE_CAP);
                    put(flag(col[i]));
                    put(to);
                    put(from);
                }
                None => (0..3).for_each(|_| put(f64::NAN)),
            }
        }
        if let Some(j) = known.price {
            put(at(j).map_or(f64::NAN, |(col, i)| {
                // Step 1 reads the look-back the state keeps sorted; other rows select it anew.
                if state.price.end() == Some(t) {
                    price_over_median(col[i], state.price.median())
                } else {
                    relative_price_at(col, i, PRICE_MEDIAN_WINDOW, buf)
                }
            }));
        }
        if let Some(j) = known.discount {
            put(at(j).map_or(f64::NAN, |(col, i)| col[i]));
        }
        if let Some(j) = known.promo {
            put(at(j).map_or(f64::NAN, |(col, i)| flag(col[i])));
        }
        for &j in &known.raw {
            put(at(j).map_or(f64::NAN, |(col, i)| col[i]));
        }
    }

    /// How many of the oldest kept targets can go: down to `keep` periods, but never below
    /// `keep_observed` non-missing values.
    fn tail_cut(&self, tail: &[f64]) -> usize {
        let mut cut = tail.len() - self.keep;
        if self.keep_observed > 0 {
            let mut seen = 0;
            for (i, v) in tail.iter().enumerate().rev() {
                seen += usize::from(!v.is_nan());
                if seen >= self.keep_observed {
                    cut = cut.min(i);
                    break;
                }
            }
            if seen < self.keep_observed {
                cut = 0;
            }
        }
        cut
    }

    fn write_regressors(&self, state: &mut SeriesFeatures, t: usize, rows: &[f64]) {
        let n = self.regressor_names.len();
        if n == 0 || rows.is_empty() {
            return;
        }
        let n_rows = rows.len() / n;
        let holiday = self.known.holiday;
        for (j, kept) in state.regressors.iter_mut().enumerate() {
            let end = t + n_rows;
            if end <= state.base {
                continue;
            }
            if kept.len() < end - state.base {
                kept.resize(end - state.base, f64::NAN);
            }
            for (r, row) in rows.chunks_exact(n).enumerate() {
                if let Some(i) = (t + r).checked_sub(state.base) {
                    if holiday == Some(j) {
                        state.holidays.set(t + r, kept[i] > 0.0, row[j] > 0.0);
                    }
                    kept[i] = row[j];
                }
            }
        }
        // A price rewritten inside the sorted look-back: sort it anew.
        if let Some(end) = state.price.end()
            && t < end
            && t + n_rows > end.saturating_sub(PRICE_MEDIAN_WINDOW)
        {
            state.price.clear();
        }
        self.sync_price(state);
    }

    /// Keep `state.price` the sorted look-back of the row at `state.len` (step 1): slid by one
    /// period after a push, filled anew when it is out of step, empty when the spec has no price
    /// or the look-back is not all kept (the row then reads no price, or selects the median
    /// itself). Called after every change of a state, so the window depends on the state alone.
    fn sync_price(&self, state: &mut SeriesFeatures) {
        let Some(j) = self.known.price else { return };
        let t = state.len;
        let first = t.saturating_sub(PRICE_MEDIAN_WINDOW);
        let (col, base, window) = (&state.regressors[j], state.base, &mut state.price);
        if first < base || t > base + col.len() {
            window.clear();
            return;
        }
        // The kept price at target index `i`, if kept.
        let kept = |i: usize| i.checked_sub(base).and_then(|k| col.get(k)).copied();
        match window.end() {
            Some(end) if end == t => {}
            Some(end) if end + 1 == t => {
                // The look-back of `end` started at `end - W` (or at 0, then nothing leaves).
                let leaving = end.checked_sub(PRICE_MEDIAN_WINDOW);
                let slid = match (leaving.map(kept), kept(end)) {
                    (None, Some(entering)) => window.slide(None, entering),
                    (Some(Some(leaving)), Some(entering)) => window.slide(Some(leaving), entering),
                    _ => false,
                };
                if !slid {
                    window.fill(&col[first - base..t - base], t);
                }
            }
            _ => window.fill(&col[first - base..t - base], t),
        }
    }

    fn check_rows(&self, rows: &[f64]) -> Result<()> {
        let n = self.regressor_names.len();
        let whole = if n == 0 { rows.is_empty() } else { rows.len().is_multiple_of(n) };
        if !whole {
            return Err(Error::InvalidData(format!(
                "{} regressor values are not whole rows of the {n} regressors [{}]",
                rows.len(),
                self.regressor_names.join(", ")
            )));
        }
        if let Some(i) = rows.iter().position(|v| v.is_infinite()) {
            return Err(Error::InvalidData(format!(
                "regressor `{}` of row {} is {}; accepted are finite values or NaN (missing)",
                self.regressor_names[i % n],
                i / n,
                rows[i]
            )));
        }
        Ok(())
    }

    fn check_state(&self, state: &SeriesFeatures) -> Result<()> {
        if state.ewm.len() != self.spec().ewm_alphas.len() || state.regressors.len() != self.regressor_names.len() {
            return Err(Error::ShapeMismatch {
                context: "FeatureStream: a series state of another layout (EWMs + regressors)",
                expected: self.spec().ewm_alphas.len() + self.regressor_names.len(),
                got: state.ewm.len() + state.regressors.len(),
            });
        }
        Ok(())
    }

    fn index_of(&self, state: &SeriesFeatures, date: NaiveDate) -> Result<usize> {
        self.frequency.periods_between(state.start, date).and_then(|t| usize::try_from(t).ok()).ok_or_else(|| {
            Error::InvalidData(format!(
                "date {date} is not a {:?} period on or after the series' start {}",
                self.frequency, state.start
            ))
        })
    }

    /// The date of target index `t`, as the builder computes it.
    pub fn date_of(&self, state: &SeriesFeatures, t: usize) -> Option<NaiveDate> {
        i64::try_from(t).ok().and_then(|t| self.frequency.add(state.start, t))
    }
}

fn check_value(value: f64, date: NaiveDate) -> Result<()> {
    if value.is_infinite() {
        return Err(Error::InvalidData(format!(
            "target {value} on {date}: accepted are finite values or NaN (missing)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{monday, panel, same_bits};
    use super::*;

    /// Holidays 58 and 130 periods before the end, a price cut 20 periods before: the look-backs
    /// reach exactly as far as the batch columns do, also after the kept window has moved.
    #[test]
    fn look_backs_reach_as_far_as_the_batch_columns() {
        let n = 200;
        let target: Vec<f64> = (0..n).map(|t| (t % 5) as f64).collect();
        let price: Vec<f64> = (0..n + 3).map(|t| if t == n - 20 { 5.0 } else { 10.0 }).collect();
        let mut holiday = vec![0.0; n + 3];
        holiday[n - 58] = 1.0;
        holiday[n - 130] = 1.0;
        let p = panel(Frequency::Daily, monday(), vec![(target, [price, vec![0.0; n + 3], vec![0.0; n + 3], holiday])]);
        let spec = FeatureSpec::for_frequency(Frequency::Daily).lags([1]).windows([3]);
        let builder = FeatureBuilder::new(&p, spec.clone()).unwrap();
        let stream = FeatureStream::new(spec, Frequency::Daily, &p.regressor_names, &p.static_names).unwrap();
        let series = &p.series[0];
        let (mut a, mut b) = (vec![0.0; stream.n_features()], vec![0.0; stream.n_features()]);
        for cut in [0, 1, 59, 61, 100, 142, 150, n] {
            // Warm-started at `cut`, then observed one period at a time up to the end.
            let mut state = stream.warm_start(series, &series.statics, cut).unwrap();
            for t in cut..n {
                let date = stream.date_of(&state, t).unwrap();
                stream.observe(&mut state, date, series.target[t], &[]).unwrap();
            }
            for step in 1..=3 {
                stream.row(&state, step, &mut a).unwrap();
                builder.row(0, &series.target, n + step - 1, step, &mut b).unwrap();
                assert!(same_bits(&a, &b), "cut {cut} step {step}:\n{a:?}\n{b:?}");
            }
        }
        let holiday_from = builder.names().iter().position(|c| c == "periods_from_holiday").unwrap();
        assert_eq!(a[holiday_from], 60.0, "step 3 is 60 periods after the holiday: the cap");
        stream.row(&stream.warm_start(series, &series.statics, n).unwrap(), 1, &mut a).unwrap();
        assert_eq!(a[holiday_from], 58.0);
    }

    /// Prices rewritten inside the relative price's look-back (a corrected price history) and
    /// prices coming and going (NaN, repeats, cuts): the step-1 rows read the kept sorted
    /// look-back, and equal the batch rows of a panel holding the prices the state was given
    /// last, with or without a calendar cache.
    #[test]
    fn sorted_price_look_back_follows_every_rewrite() {
        let n = 150;
        let price_at = |t: usize, salt: usize| match (t * 7 + salt * 3) % 11 {
            0 => f64::NAN,
            1 | 2 => 8.0,
            3 => 9.5 + (t % 3) as f64,
            _ => 10.0,
        };
        let target: Vec<f64> = (0..n).map(|t| (t % 6) as f64).collect();
        let zeros = vec![0.0; n + 1];
        let with_prices = |prices: &[f64]| {
            let regressors = [prices.to_vec(), zeros.clone(), zeros.clone(), zeros.clone()];
            panel(Frequency::Daily, monday(), vec![(target.clone(), regressors)])
        };
        // What the state was told last, period by period.
        let mut told: Vec<f64> = (0..n + 1).map(|t| price_at(t, 5)).collect();
        let spec = FeatureSpec::for_frequency(Frequency::Daily).lags([1]).windows([3]);
        let p = with_prices(&told);
        let stream = FeatureStream::new(spec.clone(), Frequency::Daily, &p.regressor_names, &p.static_names).unwrap();
        let mut state = stream.warm_start(&p.series[0], &p.series[0].statics, 30).unwrap();
        let (mut a, mut b, mut c) =
            (vec![0.0; stream.n_features()], vec![0.0; stream.n_features()], vec![0.0; stream.n_features()]);
        let mut cache = CalendarCache::default();
        let price_rel = FeatureBuilder::new(&p, spec.clone())
            .unwrap()
            .names()
            .iter()
            .position(|c| c == "price_rel_median")
            .unwrap();
        let mut checked = 0;
        for t in 30..n {
            if t % 4 == 0 {
                // A correction of the last 20 periods' prices.
                let from = t - 20;
                let rows: Vec<f64> = (from..t).flat_map(|i| [price_at(i, t), 0.0, 0.0, 0.0]).collect();
                (from..t).for_each(|i| told[i] = price_at(i, t));
                let first = stream.date_of(&state, from).unwrap();
                stream.plan(&mut state, first, &rows).unwrap();
            }
            let (now, next) = (price_at(t, 1), price_at(t + 1, 2));
            (told[t], told[t + 1]) = (now, next);
            let date = stream.date_of(&state, t).unwrap();
            stream.observe(&mut state, date, target[t], &[now, 0.0, 0.0, 0.0, next, 0.0, 0.0, 0.0]).unwrap();
            let p = with_prices(&told);
            let builder = FeatureBuilder::new(&p, spec.clone()).unwrap();
            stream.row(&state, 1, &mut a).unwrap();
            stream.row_cached(&state, 1, &mut cache, &mut c).unwrap();
            builder.row(0, &p.series[0].target, t + 1, 1, &mut b).unwrap();
            assert!(same_bits(&a, &b), "t {t}:\n{a:?}\n{b:?}");
            assert!(same_bits(&c, &b), "t {t}, cached calendar");
            checked += usize::from(!b[price_rel].is_nan());
        }
        assert!(checked > 60, "{checked} rows with a relative price");
        assert_eq!(state.price.end(), Some(n), "the look-back is kept in step");
    }

    /// A plan whose rows reach back before the kept window (a long corrected history): only
    /// the kept periods are written (older ones no longer affect a row), holidays are moved in
    /// and out, and the rows equal the batch rows of the panel holding every corrected value.
    #[test]
    fn a_plan_reaching_before_the_kept_window_writes_its_kept_part() {
        let n = 400;
        let target: Vec<f64> = (0..n).map(|t| (t % 9) as f64).collect();
        let regressors = |holiday_every: usize, price: f64| {
            let hol: Vec<f64> = (0..n + 5).map(|t| f64::from(u8::from(t % holiday_every == 0))).collect();
            let prices: Vec<f64> = (0..n + 5).map(|t| price + (t % 5) as f64).collect();
            [prices, vec![0.0; n + 5], vec![0.0; n + 5], hol]
        };
        let spec = FeatureSpec::for_frequency(Frequency::Daily).lags([1]).windows([3]);
        let before = panel(Frequency::Daily, monday(), vec![(target.clone(), regressors(17, 10.0))]);
        let stream =
            FeatureStream::new(spec.clone(), Frequency::Daily, &before.regressor_names, &before.static_names).unwrap();
        let mut state = stream.warm_start(&before.series[0], &before.series[0].statics, n).unwrap();
        assert!(state.base > 0, "the warm start keeps a window, not the whole history");
        let after = panel(Frequency::Daily, monday(), vec![(target, regressors(19, 7.0))]);
        let rows: Vec<f64> =
            (0..n + 3).flat_map(|t| after.series[0].regressors.iter().map(move |r| r[t])).collect::<Vec<f64>>();
        stream.plan(&mut state, monday(), &rows).unwrap();
        let builder = FeatureBuilder::new(&after, spec).unwrap();
        let (mut a, mut b) = (vec![0.0; stream.n_features()], vec![0.0; stream.n_features()]);
        for step in 1..=3 {
            stream.row(&state, step, &mut a).unwrap();
            builder.row(0, &after.series[0].target, n + step - 1, step, &mut b).unwrap();
            assert!(same_bits(&a, &b), "step {step}:\n{a:?}\n{b:?}");
        }
    }
}
