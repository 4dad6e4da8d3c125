//! Where each backtest window cuts each series: calendar-aligned or per-series cutoffs, and
//! which series a window leaves out (and why).

use super::Backtest;
use crate::{Error, Panel, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How backtest origins are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cutoffs {
    /// One cutoff date per window for every series, counted back from the panel's last date:
    /// no model ever trains on a target dated after the window's cutoff, even when series end
    /// on different dates.
    #[default]
    Aligned,
    /// Origins counted back from each series' own end (mlforecast's and statsforecast's
    /// `cross_validation`). When series end on different dates, a global model of one window
    /// trains on other series' targets dated inside this series' test period.
    PerSeries,
}

impl std::str::FromStr for Cutoffs {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "aligned" | "calendar" => Ok(Self::Aligned),
            "per-series" | "per_series" => Ok(Self::PerSeries),
            _ => Err(Error::InvalidParam { name: "cutoffs", value: s.into(), expected: "aligned or per-series" }),
        }
    }
}

/// Why a series is not forecast in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    /// Fewer observed targets before the origin than `min_history` (it starts after the
    /// cutoff, or is too short for the window).
    NoHistory,
    /// No observed target in the window's `horizon` periods (it ends before the cutoff, or
    /// the window's targets are all missing).
    NoActuals,
}

/// The origin of every series in one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowPlan {
    /// 0-based window index (0 = earliest origin).
    pub window: usize,
    /// The last date a model of this window may train on (calendar-aligned cutoffs only).
    pub cutoff: Option<NaiveDate>,
    /// Per series: the fit end and forecast origin (targets before it are training data).
    pub origin: Vec<usize>,
    /// Per series: `None` when forecast and scored, else why it is left out.
    pub left_out: Vec<Option<LeftOut>>,
}

impl WindowPlan {
    /// The forecast origins (`None` for left-out series).
    pub fn origins(&self) -> Vec<Option<usize>> {
        self.origin.iter().zip(&self.left_out).map(|(&o, l)| l.is_none().then_some(o)).collect()
    }

    /// Number of series left out for `why`.
    pub fn count(&self, why: LeftOut) -> usize {
        self.left_out.iter().filter(|l| **l == Some(why)).count()
    }

    /// Number of series forecast and scored.
    pub fn n_included(&self) -> usize {
        self.left_out.iter().filter(|l| l.is_none()).count()
    }
}

impl Backtest {
    /// Periods from window `w`'s origin back from the end (of the panel or the series).
    fn back(&self, w: usize) -> usize {
        self.horizon + (self.windows - 1 - w) * self.step()
    }

    /// Where every window cuts every series, and which series it leaves out.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for an empty panel or a date arithmetic overflow.
    pub fn plan(&self, panel: &Panel) -> Result<Vec<WindowPlan>> {
        let last = panel
            .series
            .iter()
            .filter(|s| !s.is_empty())
            .filter_map(|s| panel.date(s, s.len() - 1))
            .max()
            .ok_or_else(|| Error::InvalidData("backtest: the panel has no observation".into()))?;
        (0..self.windows)
            .map(|w| {
                let back = self.back(w);
                let cutoff = match self.cutoffs {
                    Cutoffs::Aligned => Some(panel.frequency.add(last, -(back as i64)).ok_or_else(|| {
                        Error::InvalidData(format!("backtest: {back} periods before {last} is out of range"))
                    })?),
                    Cutoffs::PerSeries => None,
                };
                let mut origin = Vec::with_capacity(panel.series.len());
                let mut left_out = Vec::with_capacity(panel.series.len());
                for s in &panel.series {
                    let o = match cutoff {
                        // The first index dated after the cutoff.
                        Some(c) => periods_after(panel, s.start, c).clamp(0, s.len() as i64) as usize,
                        None => s.len().saturating_sub(back),
                    };
                    let observed = s.target[..o].iter().filter(|v| !v.is_nan()).count();
                    let short = cutoff.is_none() && s.len() < back;
                    let actuals = s.target.get(o..(o + self.horizon).min(s.len())).unwrap_or(&[]);
                    let why = if short || observed < self.min_history.max(1) {
                        Some(LeftOut::NoHistory)
                    } else if actuals.iter().all(|v| v.is_nan()) {
                        Some(LeftOut::NoActuals)
                    } else {
                        None
                    };
                    origin.push(o);
                    left_out.push(why);
                }
                Ok(WindowPlan { window: w, cutoff, origin, left_out })
            })
            .collect()
    }
}

/// The number of periods of a series starting at `start` dated on or before `cutoff` (negative
/// when it starts after it): the index of its first target after the cutoff.
fn periods_after(panel: &Panel, start: NaiveDate, cutoff: NaiveDate) -> i64 {
    if cutoff < start {
        return 0;
    }
    // The largest k with start + k periods <= cutoff, plus one.
    let f = panel.frequency;
    let mut k = match f {
        crate::Frequency::Daily => (cutoff - start).num_days(),
        crate::Frequency::Weekly => (cutoff - start).num_days() / 7,
        crate::Frequency::Monthly => {
            use chrono::Datelike;
            i64::from(cutoff.year() - start.year()) * 12 + i64::from(cutoff.month()) - i64::from(start.month())
        }
    };
    while k > 0 && f.add(start, k).is_none_or(|d| d > cutoff) {
        k -= 1;
    }
    k + 1
}
