//! A seeded synthetic retail panel: stores x items of unit sales with the structure real
//! retail data has (seasonality, trend, prices, promotions, holidays, stockouts,
//! over-dispersed count noise), plus a plan of future prices, promotions and holidays, and
//! the [`GroundTruth`] the data hide (demand before stockouts, elasticities, lifts).
//!
//! Demand of item `i` in store `s` on day `t` has mean
//! `base_i · store_s · trend · weekly(dow)^a_i · yearly(doy) · holiday(t)^h_i ·
//! (price_t / base_price_i)^e_i · (1 - discount_t)^e_i · lift_i^promo_t · dip_t · drift_t`,
//! and units are negative-binomial around it (Poisson-gamma with dispersion `k_i`),
//! censored by stock on hand during stockout episodes.
//!
//! Weekly and monthly panels are simulated by the day and summed into periods, so they keep
//! the daily structure (a promotion can cover part of a week). A period's date is its first
//! day: weeks start on [`RetailGenerator::start`]'s weekday, months on the first of the month
//! (month-start dates).
//!
//! ```
//! use forecast_core::Frequency;
//! use forecast_core::data::RetailGenerator;
//!
//! let data = RetailGenerator::new(3).stores(2).items(4).frequency(Frequency::Monthly).periods(48)
//!     .trend_strength(3.0).intermittent(0.5).min_length(30).end_spread(6).future_periods(12).generate();
//! let s = &data.panel.series[0];
//! assert!((30..=48).contains(&s.len()) && s.known_future() == 12);
//! let truth = &data.truth.series[0];
//! assert_eq!((truth.demand.len(), truth.stockout.len()), (s.len() + 12, s.len()));
//! // Sales are the demand censored by stock: never above it.
//! assert!(s.target.iter().zip(&truth.demand).all(|(units, demand)| units <= demand));
//! ```

mod calendar;
mod layout;
mod params;
mod shift;
mod simulate;
mod truth;

pub use shift::{PromoPattern, RegimeShift};
pub use truth::{GroundTruth, ItemTruth, SeriesTruth};

use super::holidays::{Holiday, holiday};
use super::record::{RECORD_COLUMNS, SalesRecord};
use super::sampling::normal;
use crate::{Error, Frequency, Panel, Result, SeriesKey};
use calendar::Calendar;
use chrono::{NaiveDate, TimeDelta};
use layout::SeriesLayout;
use params::{ItemParams, item_params, promo_plan};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shift::{DayShift, replan};
use simulate::{SeriesContext, simulate};
use std::path::Path;

/// Builder of a synthetic retail panel.
///
/// | Setter | Default | Purpose | Range |
/// |---|---|---|---|
/// | `new(seed)` | 42 | all randomness comes from it | any `u64` |
/// | `stores` | 5 | number of stores | >= 1 |
/// | `items` | 10 | number of items | >= 1 |
/// | `frequency` | daily | the panel's period: daily, weekly (sums of 7 days) or monthly (calendar months) | any [`Frequency`] |
/// | `periods` (`days`) | 730 | periods of history | >= 1 |
/// | `start` | 2023-01-01 | first date (monthly panels: the first of its month) | any date |
/// | `future_periods` (`future_days`) | 90 | periods of planned price, discount, promo and holiday past each series' history | >= 0 |
/// | `trend_strength` | 1 | scales each series' yearly log growth, drawn as `0.05 + 0.1·N(0,1)` | >= 0 |
/// | `intermittent` | 0 | probability that an item is a slow mover: mean demand 0.05..0.6 units per period (average store, base price), dispersion 0.5..2, so most periods are zero | 0..=1 |
/// | `min_length` | `periods` | series lengths are uniform in `min_length..=` the periods left before their end | 1..=`periods` |
/// | `end_spread` | 0 | each series' history ends uniformly 0..=`end_spread` periods before the panel's last period | 0..`periods` |
/// | `regime_shift` | none | from a period on, price elasticities scale and promotions follow a new pattern | [`RegimeShift`] |
///
/// Values out of range are moved to the nearest accepted value (a NaN option keeps its default). The defaults give the
/// embedded [`default_data`]; the last five options draw from random streams of their own,
/// so at their defaults the data are exactly those of earlier releases (and with a regime
/// shift, the data before it are exactly those without it).
#[derive(Debug, Clone, PartialEq)]
pub struct RetailGenerator {
    seed: u64,
    stores: usize,
    items: usize,
    periods: usize,
    start: NaiveDate,
    future_periods: usize,
    frequency: Frequency,
    trend_strength: f64,
    intermittent: f64,
    min_length: Option<usize>,
    end_spread: usize,
    regime_shift: Option<RegimeShift>,
}

impl Default for RetailGenerator {
    fn default() -> Self {
        Self::new(42)
    }
}

/// The generated data: the panel, the records it was built from, and the truth behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedData {
    /// The panel (daily, weekly or monthly): key `["store", "item"]`, target `"units"`,
    /// regressors `["price", "discount", "promo", "holiday"]` extending `future_periods` past
    /// each series' history, statics `["store", "item"]`. A weekly or monthly period has the
    /// mean shelf price and mean discount of its days, `promo` = 1 when any day was on
    /// promotion, `holiday` = 1 when any day was a holiday.
    pub panel: Panel,
    /// History records (finite units), store-major, then item, then date. In weekly and
    /// monthly panels `on_hand` is the sum of each day's stock (the units that could sell).
    pub records: Vec<SalesRecord>,
    /// Future plan records (units NaN, no stock), same order.
    pub future: Vec<SalesRecord>,
    /// Demand before censoring, stockouts and the demand model's parameters.
    pub truth: GroundTruth,
}

impl RetailGenerator {
    /// A generator with the default sizes and the given seed.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            stores: 5,
            items: 10,
            periods: 730,
            start: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default(),
            future_periods: 90,
            frequency: Frequency::Daily,
            trend_strength: 1.0,
            intermittent: 0.0,
            min_length: None,
            end_spread: 0,
            regime_shift: None,
        }
    }

    /// Number of stores (at least 1).
    pub fn stores(mut self, n: usize) -> Self {
        self.stores = n.max(1);
        self
    }

    /// Number of items (at least 1).
    pub fn items(mut self, n: usize) -> Self {
        self.items = n.max(1);
        self
    }

    /// The panel's frequency. Weekly and monthly panels sum simulated days.
    pub fn frequency(mut self, frequency: Frequency) -> Self {
        self.frequency = frequency;
        self
    }

    /// Periods of history (at least 1), in the panel's frequency.
    pub fn periods(mut self, n: usize) -> Self {
        self.periods = n.max(1);
        self
    }

    /// Days of history of a daily panel: the same as [`RetailGenerator::periods`].
    pub fn days(self, n: usize) -> Self {
        self.periods(n)
    }

    /// First date.
    pub fn start(mut self, date: NaiveDate) -> Self {
        self.start = date;
        self
    }

    /// Periods of planned regressors after each series' history.
    pub fn future_periods(mut self, n: usize) -> Self {
        self.future_periods = n;
        self
    }

    /// Days of planned regressors of a daily panel: the same as
    /// [`RetailGenerator::future_periods`].
    pub fn future_days(self, n: usize) -> Self {
        self.future_periods(n)
    }

    /// Scale of the series' trends (0 = no trend, 3 = a strongly trending panel).
    pub fn trend_strength(mut self, strength: f64) -> Self {
        self.trend_strength = if strength.is_nan() { 1.0 } else { strength.clamp(0.0, f64::MAX) };
        self
    }

    /// Probability that an item is intermittent (a slow mover with mostly zero periods).
    pub fn intermittent(mut self, share: f64) -> Self {
        self.intermittent = if share.is_nan() { 0.0 } else { share.clamp(0.0, 1.0) };
        self
    }

    /// Shortest series history, in periods: lengths are drawn uniformly up to the periods
    /// before each series' end (so series start on different dates).
    pub fn min_length(mut self, n: usize) -> Self {
        self.min_length = Some(n.max(1));
        self
    }

    /// Largest gap, in periods, between a series' last observation and the panel's last
    /// period (so series end on different dates).
    pub fn end_spread(mut self, n: usize) -> Self {
        self.end_spread = n;
        self
    }

    /// A regime shift from period `shift.at` on: elasticities scale and, if given, promotions
    /// follow the new pattern (see [`RegimeShift`]). The periods before it are unchanged.
    pub fn regime_shift(mut self, shift: RegimeShift) -> Self {
        self.regime_shift = Some(shift.clamped());
        self
    }

    /// Generate the panel, its records and its truth. Same settings, same data.
    pub fn generate(&self) -> GeneratedData {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        // The options added after the first release draw from their own stream, so the
        // main stream (and the default panel) stays as it was.
        let mut aux = ChaCha8Rng::seed_from_u64(self.seed ^ 0x9e37_79b9_7f4a_7c15);
        let mut shift_rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x5851_f42d_4c95_7f2d);
        let calendar = Calendar::new(self.frequency, self.start, self.periods + self.future_periods);
        let history_days = calendar.first_day(self.periods);
        let total = calendar.first_day(calendar.len());
        let first_day = calendar.dates.first().copied().unwrap_or(self.start);
        let dates: Vec<NaiveDate> = (0..total).map(|t| first_day + TimeDelta::days(t as i64)).collect();
        let holidays: Vec<Option<Holiday>> = dates.iter().map(|d| holiday(*d)).collect();
        let store_scale: Vec<f64> = (0..self.stores).map(|_| (0.3 * normal(&mut rng)).exp().clamp(0.6, 1.5)).collect();
        let mut items: Vec<ItemParams> = (0..self.items).map(|_| item_params(&mut rng, total)).collect();
        let days_per_period = history_days as f64 / self.periods as f64;
        let mut slow = vec![false; self.items];
        for (p, is_slow) in items.iter_mut().zip(&mut slow) {
            let (pick, per_period, dispersion) =
                (aux.random::<f64>(), aux.random_range(0.05f64.ln()..0.6f64.ln()).exp(), aux.random_range(0.5..2.0));
            if pick < self.intermittent {
                *is_slow = true;
                p.base = per_period / days_per_period;
                p.dispersion = dispersion;
            }
        }
        let shift = self.regime_shift.as_ref().filter(|r| r.at < calendar.len());
        let day_shift = shift.map(|r| DayShift { day: calendar.first_day(r.at), elasticity_scale: r.elasticity_scale });
        let phases: Vec<usize> = match shift.and_then(|r| r.promotions) {
            Some(p) => (0..self.items).map(|_| shift_rng.random_range(0..p.every)).collect(),
            None => Vec::new(),
        };
        let store_names = names("store", self.stores);
        let item_names = names("item", self.items);
        let mut out = GeneratedData {
            panel: Panel {
                frequency: self.frequency,
                key_names: vec!["store".into(), "item".into()],
                target_name: "units".into(),
                regressor_names: ["price", "discount", "promo", "holiday"].map(String::from).to_vec(),
                static_names: vec!["store".into(), "item".into()],
                static_levels: vec![store_names.clone(), item_names.clone()],
                series: Vec::with_capacity(self.stores * self.items),
            },
            records: Vec::new(),
            future: Vec::new(),
            truth: GroundTruth {
                series: Vec::new(),
                items: Vec::new(),
                store_scale: store_scale.clone(),
                regime_shift: shift.cloned(),
            },
        };
        for (s, store) in store_names.iter().enumerate() {
            for (i, item) in item_names.iter().enumerate() {
                let mut srng = ChaCha8Rng::seed_from_u64(rng.random::<u64>());
                let p = &items[i];
                let (mut plan, dip) = promo_plan(&mut srng, p, total);
                if let (Some(d), Some(pattern)) = (day_shift, shift.and_then(|r| r.promotions)) {
                    replan(&mut plan, d.day, &pattern, phases[i], dip, shift_rng.random::<u64>());
                }
                let context = SeriesContext {
                    item: p,
                    store_scale: store_scale[s],
                    dates: &dates,
                    holidays: &holidays,
                    history_days,
                    trend_strength: self.trend_strength,
                    shift: day_shift,
                };
                let (days, trend) = simulate(&mut srng, &context, &plan);
                let end_lag = aux.random_range(0..=self.end_spread.min(self.periods - 1));
                let available = self.periods - end_lag;
                let length = self.min_length.map_or(available, |min| aux.random_range(min.min(available)..=available));
                let span = (available - length, available);
                let key = SeriesKey(vec![store.clone(), item.clone()]);
                let regime = shift.map(|r| r.at);
                let series = SeriesLayout {
                    key,
                    statics: [s, i],
                    span,
                    calendar: &calendar,
                    future: self.future_periods,
                    regime,
                };
                out.push_series(&series, p, &plan, &days, (trend, dip));
            }
        }
        out.truth.items = items
            .iter()
            .zip(item_names)
            .zip(slow)
            .map(|((p, name), intermittent)| ItemTruth {
                name,
                base_price: p.base_price,
                elasticity: p.elasticity,
                promo_lift: p.promo_lift,
                intermittent,
                base_demand: p.base,
                dispersion: p.dispersion,
            })
            .collect();
        out
    }
}

/// Zero-padded ids that sort in numeric order: `store_01`, ...
fn names(prefix: &str, n: usize) -> Vec<String> {
    let width = n.to_string().len().max(2);
    (1..=n).map(|i| format!("{prefix}_{i:0width$}")).collect()
}

impl GeneratedData {
    /// Write history and future records as CSV with the columns [`RECORD_COLUMNS`]
    /// (booleans as `true`/`false`, future rows with empty `units` and `on_hand`); readable
    /// with [`super::read_csv`] and [`super::CsvSpec::retail`].
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io = |source: std::io::Error| Error::Io { path: path.into(), source };
        let file = std::fs::File::create(path).map_err(io)?;
        self.write_csv_to(std::io::BufWriter::new(file)).map_err(io)
    }

    /// Write the CSV of [`GeneratedData::write_csv`] to any writer.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write_csv_to<W: std::io::Write>(&self, writer: W) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(writer);
        w.write_record(RECORD_COLUMNS)?;
        let num = |v: f64| if v.is_nan() { String::new() } else { v.to_string() };
        for r in self.records.iter().chain(&self.future) {
            w.write_record([
                r.date.to_string(),
                r.store.clone(),
                r.item.clone(),
                num(r.units),
                r.price.to_string(),
                r.discount.to_string(),
                r.promo.to_string(),
                r.holiday.to_string(),
                r.on_hand.map_or_else(String::new, |v| v.to_string()),
            ])?;
        }
        w.flush()
    }
}

/// The embedded default data: seed 42, 5 stores x 10 items x 730 days from 2023-01-01,
/// with 90 future days of planned price, discount, promo and holiday.
pub fn default_data() -> GeneratedData {
    RetailGenerator::default().generate()
}

/// The panel of [`default_data`]: 50 daily series of 730 days.
pub fn default_panel() -> Panel {
    default_data().panel
}

#[cfg(test)]
mod tests;
