//! From simulated days to one panel series: periods, records and truth.

use super::calendar::{Calendar, mean, sum};
use super::params::ItemParams;
use super::simulate::Day;
use super::{GeneratedData, SeriesTruth};
use crate::data::record::SalesRecord;
use crate::{Series, SeriesKey};
/// Where one series sits in the panel.
pub(super) struct SeriesLayout<'a> {
    pub(super) key: SeriesKey,
    /// Store and item index.
    pub(super) statics: [usize; 2],
    /// History periods `span.0..span.1` of the calendar.
    pub(super) span: (usize, usize),
    pub(super) calendar: &'a Calendar,
    pub(super) future: usize,
    /// Calendar period where a regime shift starts, if any.
    pub(super) regime: Option<usize>,
}

impl GeneratedData {
    /// Sum one series' days into periods and append its series, records and truth.
    pub(super) fn push_series(
        &mut self,
        at: &SeriesLayout<'_>,
        p: &ItemParams,
        plan: &[(f64, bool, f64)],
        days: &[Day],
        (trend, promo_dip): (f64, f64),
    ) {
        let (first, end) = at.span;
        let [store, item] = at.statics;
        let mut regressors: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(end - first + at.future)).collect();
        let mut target = Vec::with_capacity(end - first);
        let mut truth = SeriesTruth {
            key: at.key.clone(),
            store,
            item,
            trend,
            promo_dip,
            regime_from: at.regime.map(|r| r.saturating_sub(first)),
            demand: Vec::new(),
            expected: Vec::new(),
            baseline: Vec::new(),
            stockout: Vec::new(),
            lost_sales: Vec::new(),
        };
        for period in first..end + at.future {
            let range = at.calendar.days(period);
            let day = &days[range.clone()];
            let price = mean(range.clone().map(|t| p.price[t]));
            let discount = mean(plan[range.clone()].iter().map(|d| d.0));
            let promo = plan[range.clone()].iter().any(|d| d.1);
            let is_holiday = day.iter().any(|d| d.holiday);
            for (col, v) in regressors.iter_mut().zip([
                price,
                discount,
                f64::from(u8::from(promo)),
                f64::from(u8::from(is_holiday)),
            ]) {
                col.push(v);
            }
            truth.demand.push(sum(day.iter().map(|d| d.demand)));
            truth.expected.push(sum(day.iter().map(|d| d.expected)));
            truth.baseline.push(sum(day.iter().map(|d| d.baseline)));
            let mut record = SalesRecord {
                date: at.calendar.dates[period],
                store: at.key.0[0].clone(),
                item: at.key.0[1].clone(),
                units: f64::NAN,
                price,
                discount,
                promo,
                holiday: is_holiday,
                on_hand: None,
            };
            if period >= end {
                self.future.push(record);
                continue;
            }
            record.units = sum(day.iter().map(|d| d.units));
            record.on_hand = Some(sum(day.iter().filter_map(|d| d.on_hand)));
            target.push(record.units);
            truth.stockout.push(day.iter().any(|d| d.stockout));
            truth.lost_sales.push(sum(day.iter().map(|d| d.demand - d.units)));
            self.records.push(record);
        }
        self.panel.series.push(Series {
            key: at.key.clone(),
            start: at.calendar.dates[first],
            target,
            regressors,
            statics: vec![store as u32, item as u32],
        });
        self.truth.series.push(truth);
    }
}
