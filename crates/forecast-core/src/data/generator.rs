//! A seeded synthetic retail panel: stores x items x days of unit sales with the structure
//! real retail data has (seasonality, trend, prices, promotions, holidays, stockouts,
//! over-dispersed count noise), plus a plan of future prices, promotions and holidays.
//!
//! Demand of item `i` in store `s` on day `t` has mean
//! `base_i · store_s · trend · weekly(dow)^a_i · yearly(doy) · holiday(t)^h_i ·
//! (price_t / base_price_i)^e_i · (1 - discount_t)^e_i · lift_i^promo_t · dip_t · drift_t`,
//! and units are negative-binomial around it (Poisson-gamma with dispersion `k_i`),
//! censored by stock on hand during stockout episodes.

use super::holidays::{Holiday, holiday};
use super::record::{RECORD_COLUMNS, SalesRecord};
use super::sampling::{negative_binomial, normal};
use crate::{Error, Frequency, Panel, Result, Series, SeriesKey};
use chrono::{Datelike, NaiveDate, TimeDelta};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// Builder of a synthetic retail panel.
///
/// | Setter | Default | Purpose | Range |
/// |---|---|---|---|
/// | `new(seed)` | 42 | all randomness comes from it | any `u64` |
/// | `stores` | 5 | number of stores | >= 1 |
/// | `items` | 10 | number of items | >= 1 |
/// | `days` | 730 | days of history | >= 1 |
/// | `start` | 2023-01-01 | first date | any date |
/// | `future_days` | 90 | days of planned price, discount, promo and holiday past the history | >= 0 |
///
/// Values out of range are raised to the minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetailGenerator {
    seed: u64,
    stores: usize,
    items: usize,
    days: usize,
    start: NaiveDate,
    future_days: usize,
}

impl Default for RetailGenerator {
    fn default() -> Self {
        Self::new(42)
    }
}

/// The generated data: the panel and the records it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedData {
    /// Daily panel: key `["store", "item"]`, target `"units"`, regressors
    /// `["price", "discount", "promo", "holiday"]` extending `future_days` past the history,
    /// statics `["store", "item"]`.
    pub panel: Panel,
    /// History records (finite units), store-major, then item, then date.
    pub records: Vec<SalesRecord>,
    /// Future plan records (units NaN, no stock), same order.
    pub future: Vec<SalesRecord>,
}

/// Per-item parameters, shared by every store.
struct ItemParams {
    base: f64,
    base_price: f64,
    elasticity: f64,
    promo_lift: f64,
    weekly_amp: f64,
    yearly_amp: f64,
    yearly_phase: f64,
    holiday_sensitivity: f64,
    dispersion: f64,
    /// Regular shelf price per day (history and future).
    price: Vec<f64>,
    /// Promotion episodes as (first day, length, discount).
    promos: Vec<(usize, usize, f64)>,
}

/// Mean weekly profile Monday..Sunday, averaging 1.
const WEEKLY: [f64; 7] = [0.86, 0.82, 0.88, 0.95, 1.12, 1.32, 1.05];

impl RetailGenerator {
    /// A generator with the default sizes and the given seed.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            stores: 5,
            items: 10,
            days: 730,
            start: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default(),
            future_days: 90,
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

    /// Days of history (at least 1).
    pub fn days(mut self, n: usize) -> Self {
        self.days = n.max(1);
        self
    }

    /// First date.
    pub fn start(mut self, date: NaiveDate) -> Self {
        self.start = date;
        self
    }

    /// Days of planned regressors after the history.
    pub fn future_days(mut self, n: usize) -> Self {
        self.future_days = n;
        self
    }

    /// Generate the panel and its records. Same settings, same data.
    pub fn generate(&self) -> GeneratedData {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let total = self.days + self.future_days;
        let dates: Vec<NaiveDate> = (0..total).map(|t| self.start + TimeDelta::days(t as i64)).collect();
        let holidays: Vec<Option<Holiday>> = dates.iter().map(|d| holiday(*d)).collect();
        let store_scale: Vec<f64> = (0..self.stores).map(|_| (0.3 * normal(&mut rng)).exp().clamp(0.6, 1.5)).collect();
        let items: Vec<ItemParams> = (0..self.items).map(|_| item_params(&mut rng, total)).collect();
        let store_names = names("store", self.stores);
        let item_names = names("item", self.items);
        let mut series = Vec::with_capacity(self.stores * self.items);
        let (mut records, mut future) = (Vec::new(), Vec::new());
        for (s, store) in store_names.iter().enumerate() {
            for (i, item) in item_names.iter().enumerate() {
                let mut srng = ChaCha8Rng::seed_from_u64(rng.random::<u64>());
                let p = &items[i];
                let plan = promo_plan(&mut srng, p, total);
                let slope = 0.05 + 0.1 * normal(&mut srng);
                let mut drift = 0.0;
                let mut stockout_left = 0usize;
                let mut regressors: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(total)).collect();
                let mut target = Vec::with_capacity(self.days);
                for t in 0..total {
                    let date = dates[t];
                    let (discount, promo, dip) = plan[t];
                    let is_holiday = holidays[t].is_some();
                    let mut record = SalesRecord {
                        date,
                        store: store.clone(),
                        item: item.clone(),
                        units: f64::NAN,
                        price: p.price[t],
                        discount,
                        promo,
                        holiday: is_holiday,
                        on_hand: None,
                    };
                    for (col, v) in regressors.iter_mut().zip([
                        p.price[t],
                        discount,
                        f64::from(u8::from(promo)),
                        f64::from(u8::from(is_holiday)),
                    ]) {
                        col.push(v);
                    }
                    if t >= self.days {
                        future.push(record);
                        continue;
                    }
                    drift = 0.97 * drift + 0.025 * normal(&mut srng);
                    let years = t as f64 / 365.25;
                    let doy = f64::from(date.ordinal0());
                    let mean = p.base
                        * store_scale[s]
                        * (slope * years).exp()
                        * WEEKLY[date.weekday().num_days_from_monday() as usize].powf(p.weekly_amp)
                        * (1.0 + p.yearly_amp * (std::f64::consts::TAU * (doy - p.yearly_phase) / 365.25).cos())
                        * holiday_effect(date, holidays[t]).powf(p.holiday_sensitivity)
                        * (p.price[t] / p.base_price).powf(p.elasticity)
                        * (1.0 - discount).powf(p.elasticity)
                        * if promo { p.promo_lift } else { 1.0 }
                        * dip
                        * drift.exp();
                    let demand = negative_binomial(&mut srng, mean, p.dispersion);
                    if stockout_left == 0 && srng.random::<f64>() < 1.0 / 250.0 {
                        stockout_left = srng.random_range(1..=5);
                    }
                    let on_hand = if stockout_left > 0 {
                        stockout_left -= 1;
                        (mean * srng.random::<f64>() * 0.5).floor()
                    } else {
                        demand + (mean * srng.random_range(1.0..3.0)).ceil() + 2.0
                    };
                    record.units = demand.min(on_hand);
                    record.on_hand = Some(on_hand);
                    target.push(record.units);
                    records.push(record);
                }
                series.push(Series {
                    key: SeriesKey(vec![store.clone(), item.clone()]),
                    start: self.start,
                    target,
                    regressors,
                    statics: vec![s as u32, i as u32],
                });
            }
        }
        let panel = Panel {
            frequency: Frequency::Daily,
            key_names: vec!["store".into(), "item".into()],
            target_name: "units".into(),
            regressor_names: ["price", "discount", "promo", "holiday"].map(String::from).to_vec(),
            static_names: vec!["store".into(), "item".into()],
            static_levels: vec![store_names, item_names],
            series,
        };
        GeneratedData { panel, records, future }
    }
}

/// Zero-padded ids that sort in numeric order: `store_01`, ...
fn names(prefix: &str, n: usize) -> Vec<String> {
    let width = n.to_string().len().max(2);
    (1..=n).map(|i| format!("{prefix}_{i:0width$}")).collect()
}

fn item_params(rng: &mut ChaCha8Rng, total: usize) -> ItemParams {
    let base_price = (rng.random_range(1.0f64..15.0) * 100.0).round() / 100.0;
    let mut price = Vec::with_capacity(total);
    let mut current = base_price;
    for _ in 0..total {
        if rng.random::<f64>() < 1.0 / 120.0 {
            let change = rng.random_range(0.9..1.12);
            current = ((current * change).clamp(0.7 * base_price, 1.4 * base_price) * 100.0).round() / 100.0;
        }
        price.push(current);
    }
    let mut promos = Vec::new();
    let mut t = rng.random_range(0..30usize);
    while t < total {
        let len = rng.random_range(3..=10usize);
        let discount = [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4][rng.random_range(0..7usize)];
        promos.push((t, len, discount));
        t += len + rng.random_range(14..50usize);
    }
    ItemParams {
        base: rng.random_range(1.8f64.ln()..24f64.ln()).exp(),
        base_price,
        elasticity: rng.random_range(-2.5..-1.0),
        promo_lift: rng.random_range(1.2..1.7),
        weekly_amp: rng.random_range(0.6..1.3),
        yearly_amp: rng.random_range(0.05..0.35),
        yearly_phase: rng.random_range(0.0..365.0),
        holiday_sensitivity: rng.random_range(0.5..1.3),
        dispersion: rng.random_range(4.0..12.0),
        price,
        promos,
    }
}

/// Per day: (discount, promo flag, post-promotion dip multiplier) for one store. Each store
/// joins a chain promotion with probability 0.85.
fn promo_plan(rng: &mut ChaCha8Rng, item: &ItemParams, total: usize) -> Vec<(f64, bool, f64)> {
    let mut plan = vec![(0.0, false, 1.0); total];
    let depth = rng.random_range(0.1..0.25);
    for &(first, len, discount) in &item.promos {
        if rng.random::<f64>() >= 0.85 {
            continue;
        }
        for day in plan.iter_mut().skip(first).take(len) {
            *day = (discount, true, 1.0);
        }
        for (k, day) in plan.iter_mut().skip(first + len).take(7).enumerate() {
            if !day.1 {
                day.2 = 1.0 - depth * (1.0 - k as f64 / 7.0);
            }
        }
    }
    plan
}

/// Demand multiplier of the calendar: holidays and the Christmas ramp.
fn holiday_effect(date: NaiveDate, day: Option<Holiday>) -> f64 {
    match day {
        Some(Holiday::NewYear) => 0.6,
        Some(Holiday::Easter) => 1.35,
        Some(Holiday::IndependenceDay) => 1.5,
        Some(Holiday::Thanksgiving) => 0.55,
        Some(Holiday::BlackFriday) => 1.9,
        Some(Holiday::ChristmasEve) => 1.7,
        Some(Holiday::Christmas) => 0.25,
        None if date.month() == 12 && (10..24).contains(&date.day()) => 1.0 + 0.04 * f64::from(date.day() - 9),
        None => 1.0,
    }
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
mod tests {
    use super::*;
    use crate::data::{CsvSpec, GapPolicy, IngestOptions, read_csv};

    fn small(seed: u64) -> GeneratedData {
        RetailGenerator::new(seed).stores(2).items(3).days(400).future_days(14).generate()
    }

    #[test]
    fn same_seed_same_panel_different_seed_different() {
        let (a, b) = (small(7), small(7));
        assert!(a.panel == b.panel && a.records == b.records);
        assert_eq!(format!("{:?}", a.future), format!("{:?}", b.future));
        assert!(a.panel != small(8).panel);
    }

    #[test]
    fn shape_names_and_future_plan() {
        let g = small(1);
        let p = &g.panel;
        assert_eq!(p.series.len(), 6);
        assert_eq!(p.static_levels, vec![vec!["store_01", "store_02"], vec!["item_01", "item_02", "item_03"]]);
        assert_eq!(p.series[4].key.to_string(), "store_02/item_02");
        assert_eq!(p.series[4].statics, vec![1, 1]);
        for s in &p.series {
            assert_eq!(s.target.len(), 400);
            assert_eq!(s.known_future(), 14);
            assert!(s.target.iter().all(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0));
        }
        assert_eq!((g.records.len(), g.future.len()), (2400, 84));
        assert!(g.future.iter().all(|r| r.units.is_nan() && r.on_hand.is_none()));
    }

    #[test]
    fn records_and_csv_rebuild_the_same_panel() {
        let g = small(3);
        let all: Vec<SalesRecord> = g.records.iter().chain(&g.future).cloned().collect();
        let options = IngestOptions::strict(GapPolicy::Masked);
        let (from_records, report) = Panel::from_records(&all, Frequency::Daily, &options).unwrap();
        assert_eq!(from_records, g.panel);
        assert!(report.is_clean());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("retail.csv");
        g.write_csv(&path).unwrap();
        let (from_csv, report) = read_csv(&path, &CsvSpec::retail(), &options).unwrap();
        assert_eq!(from_csv, g.panel);
        assert_eq!((report.rows_kept, report.future_rows), (2484, 84));
    }

    #[test]
    fn default_panel_has_retail_levels_and_structure() {
        let g = default_data();
        let p = &g.panel;
        assert_eq!((p.series.len(), p.series[0].len(), p.series[0].known_future()), (50, 730, 90));
        assert_eq!(p.series[0].start, NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
        let means: Vec<f64> = p.series.iter().map(|s| s.target.iter().sum::<f64>() / s.len() as f64).collect();
        let (lo, hi) = means.iter().fold((f64::MAX, 0.0f64), |(a, b), m| (a.min(*m), b.max(*m)));
        assert!(lo >= 1.5 && hi <= 70.0, "series means {lo}..{hi}");
        let zeros = g.records.iter().filter(|r| r.units == 0.0).count();
        assert!(zeros > 100, "only {zeros} zero days");
        let mean_of = |f: &dyn Fn(&SalesRecord) -> bool| {
            let sel: Vec<f64> = g.records.iter().filter(|r| f(r)).map(|r| r.units).collect();
            sel.iter().sum::<f64>() / sel.len() as f64
        };
        assert!(mean_of(&|r| r.promo && r.discount >= 0.2) > 1.8 * mean_of(&|r| !r.promo));
        let saturday = |r: &SalesRecord| r.date.weekday() == chrono::Weekday::Sat && !r.promo;
        let tuesday = |r: &SalesRecord| r.date.weekday() == chrono::Weekday::Tue && !r.promo;
        assert!(mean_of(&saturday) > 1.3 * mean_of(&tuesday));
        let black_friday = |r: &SalesRecord| r.date.month() == 11 && r.date.day() >= 24 && r.holiday;
        assert!(mean_of(&black_friday) > 1.2 * mean_of(&|r| !r.holiday));
        let censored = g.records.iter().filter(|r| r.on_hand == Some(r.units)).count();
        assert!(g.records.iter().all(|r| r.on_hand.is_some_and(|s| r.units <= s)));
        assert!(censored > 50, "{censored} stockout days");
        let christmas = g.future.iter().chain(&g.records).filter(|r| r.date.month() == 12 && r.date.day() == 25);
        assert!(christmas.into_iter().all(|r| r.holiday));
    }
}
