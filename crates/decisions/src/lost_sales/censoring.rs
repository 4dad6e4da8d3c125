//! Which periods of a panel are censored by a stockout: sales there are the stock, not the
//! demand.

use crate::error::{DecisionError, Result};
use chrono::NaiveDate;
use forecast_core::Panel;
use forecast_core::data::SalesRecord;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a stock column records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockKind {
    /// Units available to sell in the period (opening stock plus receipts): the period is
    /// censored when sales reached it.
    Available,
    /// Stock left at the end of the period: censored when it is zero (or below).
    Closing,
    /// A 0/1 stockout flag: censored where it is positive.
    Flag,
}

/// How the censored periods were found: counts a reader can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CensoringSummary {
    /// Periods marked censored.
    pub censored: usize,
    /// Periods with sales but no stock reading (NaN): taken as uncensored.
    pub unknown_stock: usize,
    /// Periods without sales (NaN target): never censored.
    pub missing_sales: usize,
    /// Censored periods whose sales exceeded the available stock (inconsistent data; the sales
    /// are taken as the censoring point).
    pub sales_above_stock: usize,
    /// Records that matched no period of the panel (other keys or dates outside the history).
    pub unmatched_records: usize,
}

/// The censored periods of every series of a panel, by index into `panel.series`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Censoring {
    periods: Vec<Vec<usize>>,
    summary: CensoringSummary,
}

impl Censoring {
    /// Censoring from one stock value per target period of every series (`stock[s][t]`, NaN
    /// where unknown), read as `kind`.
    ///
    /// # Errors
    /// [`DecisionError::LengthMismatch`] when `stock` does not have one vector per series, each
    /// as long as the series' target (naming the series); [`DecisionError::InvalidParameter`]
    /// for an infinite or (for available stock) negative value, naming series and date.
    pub fn from_stock(panel: &Panel, stock: &[Vec<f64>], kind: StockKind) -> Result<Self> {
        if stock.len() != panel.series.len() {
            return Err(DecisionError::LengthMismatch {
                what: "stock (one vector per series)".into(),
                expected: panel.series.len(),
                got: stock.len(),
            });
        }
        let mut summary = CensoringSummary::default();
        let mut periods = Vec::with_capacity(stock.len());
        for (series, values) in panel.series.iter().zip(stock) {
            if values.len() != series.len() {
                return Err(DecisionError::LengthMismatch {
                    what: format!("stock of series {}", series.key),
                    expected: series.len(),
                    got: values.len(),
                });
            }
            let mut censored = Vec::new();
            for (t, (&sales, &level)) in series.target.iter().zip(values).enumerate() {
                let at = || format!("stock of series {} on {}", series.key, date_label(panel, series, t));
                if level.is_infinite() || (kind == StockKind::Available && level < 0.0) {
                    return Err(DecisionError::invalid(at(), level, "a finite stock level >= 0, or NaN when unknown"));
                }
                if sales.is_nan() {
                    summary.missing_sales += 1;
                    continue;
                }
                if level.is_nan() {
                    summary.unknown_stock += 1;
                    continue;
                }
                let is_censored = match kind {
                    StockKind::Available => sales >= level,
                    StockKind::Closing => level <= 0.0,
                    StockKind::Flag => level > 0.0,
                };
                if is_censored {
                    if kind == StockKind::Available && sales > level {
                        summary.sales_above_stock += 1;
                    }
                    censored.push(t);
                }
            }
            summary.censored += censored.len();
            periods.push(censored);
        }
        Ok(Self { periods, summary })
    }

    /// Censoring from explicit stockout flags (`flags[s][t]`).
    ///
    /// # Errors
    /// [`DecisionError::LengthMismatch`] as [`Censoring::from_stock`].
    pub fn from_flags(panel: &Panel, flags: &[Vec<bool>]) -> Result<Self> {
        let stock: Vec<Vec<f64>> = flags.iter().map(|f| f.iter().map(|&b| f64::from(u8::from(b))).collect()).collect();
        Self::from_stock(panel, &stock, StockKind::Flag)
    }

    /// Censoring from a regressor column of the panel holding stock of `kind` (its history part).
    ///
    /// # Errors
    /// [`DecisionError::UnknownName`] when the panel has no such regressor; as
    /// [`Censoring::from_stock`].
    pub fn from_regressor(panel: &Panel, name: &str, kind: StockKind) -> Result<Self> {
        let j = panel.regressor_index(name).ok_or_else(|| DecisionError::UnknownName {
            what: "regressor",
            name: name.to_owned(),
            known: panel.regressor_names.join(", "),
        })?;
        let stock: Vec<Vec<f64>> = panel.series.iter().map(|s| s.regressors[j][..s.len()].to_vec()).collect();
        Self::from_stock(panel, &stock, kind)
    }

    /// Censoring from sales records carrying `on_hand` (units available in the period), as the
    /// generator and [`forecast_core::data::SalesRecord`] CSVs hold them. The panel's keys must
    /// be `store` and `item`; a record's period is found by its date.
    ///
    /// # Errors
    /// [`DecisionError::InvalidRequest`] when the panel is not keyed by store and item; as
    /// [`Censoring::from_stock`].
    pub fn from_records(panel: &Panel, records: &[SalesRecord]) -> Result<Self> {
        if panel.key_names != ["store", "item"] {
            return Err(DecisionError::InvalidRequest {
                reason: format!(
                    "records carry store and item, but the panel is keyed by [{}]; build the stock vectors and use Censoring::from_stock",
                    panel.key_names.join(", ")
                ),
            });
        }
        let index: HashMap<(&str, &str), usize> =
            panel.series.iter().enumerate().map(|(i, s)| ((s.key.0[0].as_str(), s.key.0[1].as_str()), i)).collect();
        let mut stock: Vec<Vec<f64>> = panel.series.iter().map(|s| vec![f64::NAN; s.len()]).collect();
        let mut unmatched = 0;
        for r in records {
            let slot = index.get(&(r.store.as_str(), r.item.as_str())).and_then(|&s| {
                let series = &panel.series[s];
                let t = panel.frequency.periods_between(series.start, r.date)?;
                usize::try_from(t).ok().filter(|&t| t < series.len()).map(|t| (s, t))
            });
            match slot {
                Some((s, t)) => stock[s][t] = r.on_hand.unwrap_or(f64::NAN),
                None => unmatched += 1,
            }
        }
        let mut out = Self::from_stock(panel, &stock, StockKind::Available)?;
        out.summary.unmatched_records = unmatched;
        Ok(out)
    }

    /// The censored periods of series `s` (target indices, increasing); empty for an unknown `s`.
    pub fn periods(&self, s: usize) -> &[usize] {
        self.periods.get(s).map_or(&[], Vec::as_slice)
    }

    /// Number of series covered.
    pub fn n_series(&self) -> usize {
        self.periods.len()
    }

    /// Number of censored periods over all series.
    pub fn count(&self) -> usize {
        self.periods.iter().map(Vec::len).sum()
    }

    /// What was found and what was taken as uncensored.
    pub fn summary(&self) -> CensoringSummary {
        self.summary
    }

    /// Whether period `t` of series `s` is censored.
    pub fn is_censored(&self, s: usize, t: usize) -> bool {
        self.periods(s).binary_search(&t).is_ok()
    }

    /// Only the censored periods dated from `from` to `to` (inclusive), e.g. the last quarter.
    ///
    /// # Errors
    /// [`DecisionError::LengthMismatch`] when the panel has another number of series.
    pub fn between(&self, panel: &Panel, from: NaiveDate, to: NaiveDate) -> Result<Self> {
        self.check(panel)?;
        let periods: Vec<Vec<usize>> = self
            .periods
            .iter()
            .zip(&panel.series)
            .map(|(p, s)| {
                p.iter().copied().filter(|&t| panel.date(s, t).is_some_and(|d| d >= from && d <= to)).collect()
            })
            .collect();
        let censored = periods.iter().map(Vec::len).sum();
        Ok(Self { periods, summary: CensoringSummary { censored, ..self.summary } })
    }

    /// Only the censored periods of the series in `series` (indices into the panel); the
    /// others keep none.
    pub fn only(&self, series: &[usize]) -> Self {
        let periods: Vec<Vec<usize>> = self
            .periods
            .iter()
            .enumerate()
            .map(|(s, p)| if series.contains(&s) { p.clone() } else { Vec::new() })
            .collect();
        let censored = periods.iter().map(Vec::len).sum();
        Self { periods, summary: CensoringSummary { censored, ..self.summary } }
    }

    /// A copy of the panel with censored targets set to NaN (missing): a model fitted on it
    /// learns demand from uncensored periods only.
    ///
    /// # Errors
    /// [`DecisionError::LengthMismatch`] when the panel has another number of series.
    pub fn mask(&self, panel: &Panel) -> Result<Panel> {
        self.check(panel)?;
        let mut out = panel.clone();
        for (series, periods) in out.series.iter_mut().zip(&self.periods) {
            for &t in periods {
                if let Some(v) = series.target.get_mut(t) {
                    *v = f64::NAN;
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn check(&self, panel: &Panel) -> Result<()> {
        if self.periods.len() != panel.series.len() {
            return Err(DecisionError::LengthMismatch {
                what: "censoring (series of the panel)".into(),
                expected: panel.series.len(),
                got: self.periods.len(),
            });
        }
        if let Some((s, &t)) = self
            .periods
            .iter()
            .enumerate()
            .find_map(|(s, p)| p.last().filter(|&&t| t >= panel.series[s].len()).map(|t| (s, t)))
        {
            return Err(DecisionError::invalid(
                format!("censored period of series {}", panel.series[s].key),
                t,
                format!("a period of its history (< {})", panel.series[s].len()),
            ));
        }
        Ok(())
    }
}

fn date_label(panel: &Panel, series: &forecast_core::Series, t: usize) -> String {
    panel.date(series, t).map_or_else(|| format!("period {t}"), |d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::{Frequency, Series, SeriesKey};

    fn panel() -> Panel {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let series = |store: &str, target: Vec<f64>| Series {
            key: SeriesKey(vec![store.into(), "item_01".into()]),
            start,
            regressors: vec![vec![0.0; target.len()]],
            target,
            statics: vec![],
        };
        Panel::new(
            Frequency::Daily,
            vec!["store".into(), "item".into()],
            "units",
            vec!["stock".into()],
            vec![],
            vec![],
            vec![series("a", vec![3.0, 5.0, 2.0, f64::NAN]), series("b", vec![1.0, 0.0, 4.0, 4.0])],
        )
        .unwrap()
    }

    #[test]
    fn available_stock_censors_sold_out_periods() {
        let p = panel();
        let stock = vec![vec![9.0, 5.0, 1.0, 3.0], vec![f64::NAN, 0.0, 8.0, 4.0]];
        let c = Censoring::from_stock(&p, &stock, StockKind::Available).unwrap();
        assert_eq!(c.periods(0), [1, 2]);
        assert_eq!(c.periods(1), [1, 3]);
        let s = c.summary();
        assert_eq!((s.censored, s.unknown_stock, s.missing_sales, s.sales_above_stock), (4, 1, 1, 1));
        let masked = c.mask(&p).unwrap();
        assert!(masked.series[0].target[1].is_nan() && masked.series[0].target[0] == 3.0);
        let later =
            c.between(&p, NaiveDate::from_ymd_opt(2024, 1, 3).unwrap(), NaiveDate::from_ymd_opt(2024, 1, 9).unwrap());
        assert_eq!(later.unwrap().count(), 2);
    }

    #[test]
    fn closing_stock_and_flags() {
        let p = panel();
        let closing = vec![vec![2.0, 0.0, 1.0, 0.0], vec![0.0, 3.0, 1.0, 1.0]];
        let c = Censoring::from_stock(&p, &closing, StockKind::Closing).unwrap();
        assert_eq!((c.periods(0), c.periods(1)), (&[1][..], &[0][..]), "series a's period 3 has no sales");
        let f = Censoring::from_flags(&p, &[vec![false, true, false, false], vec![false; 4]]).unwrap();
        assert_eq!(f.count(), 1);
    }

    #[test]
    fn bad_stock_names_series_and_date() {
        let p = panel();
        let e =
            Censoring::from_stock(&p, &[vec![1.0; 4], vec![1.0, -2.0, 1.0, 1.0]], StockKind::Available).unwrap_err();
        assert_eq!(e.parameter(), Some("stock of series b/item_01 on 2024-01-02"));
        let e = Censoring::from_stock(&p, &[vec![1.0; 4]], StockKind::Available).unwrap_err();
        assert!(matches!(e, DecisionError::LengthMismatch { expected: 2, got: 1, .. }));
        assert!(Censoring::from_regressor(&p, "on_hand", StockKind::Available).is_err());
    }
}
