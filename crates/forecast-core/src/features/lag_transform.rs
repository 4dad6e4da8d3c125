//! Lag transforms: rolling, seasonal-rolling, expanding and exponentially weighted statistics
//! of the target seen through a lag, as mlforecast's `lag_transforms` are.
//!
//! A transform at lag `L` reads the series as lag `L` does: its newest value is
//! `history[newest - (L - 1)]`, with `newest = t - shift` the newest target a row may read.
//! So every transform inherits the builder's leak-free rule, and `rolling_mean:7@1` is the mean
//! of the seven newest readable targets while `rolling_mean:7@7` is the same window a week
//! earlier. NaN values are skipped; a statistic without enough values is NaN.
//!
//! Expanding statistics and EWMs depend on the whole prefix; [`LagState`] carries them from
//! row to row (rows with a non-decreasing `newest`, as training matrices and forecast cursors
//! are built) by exactly the floating-point operations a pass from the start performs, so
//! incremental and from-scratch rows agree bit for bit.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A statistic of the lagged target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LagStat {
    /// Mean of the last `window` values.
    RollingMean {
        /// Values in the window (>= 1).
        window: usize,
    },
    /// Sample standard deviation (n - 1) of the last `window` values.
    RollingStd {
        /// Values in the window (>= 2).
        window: usize,
    },
    /// Minimum of the last `window` values.
    RollingMin {
        /// Values in the window (>= 1).
        window: usize,
    },
    /// Maximum of the last `window` values.
    RollingMax {
        /// Values in the window (>= 1).
        window: usize,
    },
    /// Mean of the values `season` periods apart: the newest, one season earlier, ...,
    /// `window` values in all (mlforecast's `SeasonalRollingMean`).
    SeasonalRollingMean {
        /// Season length in periods (>= 1).
        season: usize,
        /// Values in the window (>= 1).
        window: usize,
    },
    /// Sample standard deviation of the values `season` periods apart.
    SeasonalRollingStd {
        /// Season length in periods (>= 1).
        season: usize,
        /// Values in the window (>= 2).
        window: usize,
    },
    /// Mean of every value up to the newest.
    ExpandingMean,
    /// Sample standard deviation of every value up to the newest (Welford's recurrence).
    ExpandingStd,
    /// Minimum of every value up to the newest.
    ExpandingMin,
    /// Maximum of every value up to the newest.
    ExpandingMax,
    /// Exponentially weighted mean, `m = alpha x + (1 - alpha) m` from the first value.
    Ewm {
        /// Smoothing factor in (0, 1].
        alpha: f64,
    },
}

/// One lag transform: a statistic of the target seen through `lag`.
///
/// Written and parsed as `stat[:arg[:arg]]@lag`, e.g. `rolling_mean:7@1`,
/// `seasonal_rolling_mean:12:3@1`, `expanding_mean@1`, `ewm:0.5@7`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LagTransform {
    /// The lag (>= 1) through which the target is read.
    pub lag: usize,
    /// The statistic.
    pub stat: LagStat,
}

impl LagTransform {
    /// A transform of `stat` at `lag`.
    pub fn new(lag: usize, stat: LagStat) -> Self {
        Self { lag, stat }
    }

    /// The column name for rows built with `shift`; the lag in the name is the real offset
    /// from the row's own period (`shift + lag - 1`), as lag columns are named.
    pub fn name(&self, shift: usize) -> String {
        let lag = shift + self.lag - 1;
        match self.stat {
            LagStat::RollingMean { window } => format!("rolling_mean_lag{lag}_window{window}"),
            LagStat::RollingStd { window } => format!("rolling_std_lag{lag}_window{window}"),
            LagStat::RollingMin { window } => format!("rolling_min_lag{lag}_window{window}"),
            LagStat::RollingMax { window } => format!("rolling_max_lag{lag}_window{window}"),
            LagStat::SeasonalRollingMean { season, window } => {
                format!("seasonal_rolling_mean_lag{lag}_season{season}_window{window}")
            }
            LagStat::SeasonalRollingStd { season, window } => {
                format!("seasonal_rolling_std_lag{lag}_season{season}_window{window}")
            }
            LagStat::ExpandingMean => format!("expanding_mean_lag{lag}"),
            LagStat::ExpandingStd => format!("expanding_std_lag{lag}"),
            LagStat::ExpandingMin => format!("expanding_min_lag{lag}"),
            LagStat::ExpandingMax => format!("expanding_max_lag{lag}"),
            LagStat::Ewm { alpha } => format!("ewm_lag{lag}_alpha{alpha}"),
        }
    }

    /// Check the lag and the statistic's arguments.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming what is out of range.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParam { name, value, expected })
        };
        if self.lag == 0 {
            return bad("lag_transforms.lag", "0".into(), ">= 1 (lag 1 is the newest readable target)");
        }
        match self.stat {
            LagStat::RollingMean { window } | LagStat::RollingMin { window } | LagStat::RollingMax { window }
                if window == 0 =>
            {
                bad("lag_transforms.window", "0".into(), ">= 1")
            }
            LagStat::RollingStd { window } if window < 2 => {
                bad("lag_transforms.window", window.to_string(), ">= 2 for a standard deviation")
            }
            LagStat::SeasonalRollingMean { season, window } | LagStat::SeasonalRollingStd { season, window }
                if season == 0 || window == 0 =>
            {
                bad("lag_transforms.season/window", format!("{season}/{window}"), "season >= 1 and window >= 1")
            }
            LagStat::SeasonalRollingStd { window, .. } if window < 2 => {
                bad("lag_transforms.window", window.to_string(), ">= 2 for a standard deviation")
            }
            LagStat::Ewm { alpha } if !(alpha > 0.0 && alpha <= 1.0) => {
                bad("lag_transforms.alpha", alpha.to_string(), "in (0, 1]")
            }
            _ => Ok(()),
        }
    }

    /// Whether the statistic depends on the whole prefix (carried by [`LagState`]).
    fn is_cumulative(&self) -> bool {
        matches!(
            self.stat,
            LagStat::ExpandingMean
                | LagStat::ExpandingStd
                | LagStat::ExpandingMin
                | LagStat::ExpandingMax
                | LagStat::Ewm { .. }
        )
    }
}

impl fmt::Display for LagTransform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lag = self.lag;
        match self.stat {
            LagStat::RollingMean { window } => write!(f, "rolling_mean:{window}@{lag}"),
            LagStat::RollingStd { window } => write!(f, "rolling_std:{window}@{lag}"),
            LagStat::RollingMin { window } => write!(f, "rolling_min:{window}@{lag}"),
            LagStat::RollingMax { window } => write!(f, "rolling_max:{window}@{lag}"),
            LagStat::SeasonalRollingMean { season, window } => {
                write!(f, "seasonal_rolling_mean:{season}:{window}@{lag}")
            }
            LagStat::SeasonalRollingStd { season, window } => write!(f, "seasonal_rolling_std:{season}:{window}@{lag}"),
            LagStat::ExpandingMean => write!(f, "expanding_mean@{lag}"),
            LagStat::ExpandingStd => write!(f, "expanding_std@{lag}"),
            LagStat::ExpandingMin => write!(f, "expanding_min@{lag}"),
            LagStat::ExpandingMax => write!(f, "expanding_max@{lag}"),
            LagStat::Ewm { alpha } => write!(f, "ewm:{alpha}@{lag}"),
        }
    }
}

const ACCEPTED: &str = "rolling_mean:W, rolling_std:W, rolling_min:W, rolling_max:W, seasonal_rolling_mean:S:W, \
     seasonal_rolling_std:S:W, expanding_mean, expanding_std, expanding_min, expanding_max or ewm:ALPHA, then @LAG \
     (e.g. rolling_mean:7@1)";

impl FromStr for LagTransform {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let fail = |why: String| Error::InvalidData(format!("lag transform `{text}`: {why}; accepted: {ACCEPTED}"));
        let (body, lag) = text.trim().split_once('@').ok_or_else(|| fail("no `@LAG`".into()))?;
        let lag: usize = lag.trim().parse().map_err(|_| fail(format!("lag `{lag}` is not a whole number")))?;
        let mut parts = body.trim().split(':');
        let name = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        let count = |i: usize| -> Result<usize> {
            let a = args.get(i).ok_or_else(|| fail(format!("`{name}` needs {} argument(s)", i + 1)))?;
            a.parse().map_err(|_| fail(format!("`{a}` is not a whole number")))
        };
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(fail(format!("`{name}` takes {n} argument(s), got {}", args.len())))
            }
        };
        let stat = match name {
            "rolling_mean" => arity(1).and_then(|()| Ok(LagStat::RollingMean { window: count(0)? }))?,
            "rolling_std" => arity(1).and_then(|()| Ok(LagStat::RollingStd { window: count(0)? }))?,
            "rolling_min" => arity(1).and_then(|()| Ok(LagStat::RollingMin { window: count(0)? }))?,
            "rolling_max" => arity(1).and_then(|()| Ok(LagStat::RollingMax { window: count(0)? }))?,
            "seasonal_rolling_mean" => {
                arity(2).and_then(|()| Ok(LagStat::SeasonalRollingMean { season: count(0)?, window: count(1)? }))?
            }
            "seasonal_rolling_std" => {
                arity(2).and_then(|()| Ok(LagStat::SeasonalRollingStd { season: count(0)?, window: count(1)? }))?
            }
            "expanding_mean" => arity(0).map(|()| LagStat::ExpandingMean)?,
            "expanding_std" => arity(0).map(|()| LagStat::ExpandingStd)?,
            "expanding_min" => arity(0).map(|()| LagStat::ExpandingMin)?,
            "expanding_max" => arity(0).map(|()| LagStat::ExpandingMax)?,
            "ewm" => {
                arity(1)?;
                let alpha: f64 = args[0].parse().map_err(|_| fail(format!("alpha `{}` is not a number", args[0])))?;
                LagStat::Ewm { alpha }
            }
            other => return Err(fail(format!("unknown statistic `{other}`"))),
        };
        let transform = Self { lag, stat };
        transform.check().map_err(|e| fail(e.to_string()))?;
        Ok(transform)
    }
}

/// Running state of one cumulative statistic.
#[derive(Debug, Clone, Copy)]
struct Running {
    n: f64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    ewm: f64,
}

impl Running {
    const EMPTY: Self = Self { n: 0.0, mean: 0.0, m2: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, ewm: f64::NAN };

    fn push(&mut self, x: f64, alpha: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.ewm = if self.ewm.is_nan() { x } else { alpha * x + (1.0 - alpha) * self.ewm };
    }

    fn value(&self, stat: LagStat) -> f64 {
        let some = |v: f64| if self.n > 0.0 { v } else { f64::NAN };
        match stat {
            LagStat::ExpandingMean => some(self.mean),
            LagStat::ExpandingStd if self.n >= 2.0 => (self.m2 / (self.n - 1.0)).max(0.0).sqrt(),
            LagStat::ExpandingMin => some(self.min),
            LagStat::ExpandingMax => some(self.max),
            LagStat::Ewm { .. } => self.ewm,
            _ => f64::NAN,
        }
    }
}

/// The cumulative statistics of a list of transforms, advanced over one history.
#[derive(Debug, Clone)]
pub(super) struct LagState {
    /// Per transform: its running state and how many history values it has consumed.
    running: Vec<(Running, usize)>,
}

impl LagState {
    pub(super) fn new(transforms: &[LagTransform]) -> Self {
        Self { running: vec![(Running::EMPTY, 0); transforms.len()] }
    }

    /// Write one column per transform for a row whose newest readable target is `newest`.
    /// With a carried state, `newest` must not decrease between calls on the same history.
    pub(super) fn fill(
        &mut self,
        transforms: &[LagTransform],
        history: &[f64],
        newest: Option<usize>,
        out: &mut [f64],
    ) {
        for ((o, t), (running, consumed)) in out.iter_mut().zip(transforms).zip(&mut self.running) {
            let end = newest.and_then(|n| n.checked_sub(t.lag - 1));
            *o = if t.is_cumulative() {
                let alpha = if let LagStat::Ewm { alpha } = t.stat { alpha } else { 1.0 };
                let upto = end.map_or(0, |e| (e + 1).min(history.len()));
                for &x in history.get(*consumed..upto).unwrap_or(&[]) {
                    if !x.is_nan() {
                        running.push(x, alpha);
                    }
                }
                *consumed = (*consumed).max(upto);
                running.value(t.stat)
            } else {
                windowed(t.stat, history, end)
            };
        }
    }

    /// The columns computed from the start of `history` (no carried state).
    pub(super) fn over(transforms: &[LagTransform], history: &[f64], newest: Option<usize>, out: &mut [f64]) {
        Self::new(transforms).fill(transforms, history, newest, out);
    }
}

/// A rolling or seasonal-rolling statistic over the values ending at `end` (inclusive).
fn windowed(stat: LagStat, history: &[f64], end: Option<usize>) -> f64 {
    let Some(end) = end else { return f64::NAN };
    let (step, window) = match stat {
        LagStat::RollingMean { window }
        | LagStat::RollingStd { window }
        | LagStat::RollingMin { window }
        | LagStat::RollingMax { window } => (1, window),
        LagStat::SeasonalRollingMean { season, window } | LagStat::SeasonalRollingStd { season, window } => {
            (season, window)
        }
        _ => return f64::NAN,
    };
    let mut running = Running::EMPTY;
    for i in 0..window {
        let Some(index) = i.checked_mul(step).and_then(|back| end.checked_sub(back)) else { break };
        match history.get(index) {
            Some(&x) if !x.is_nan() => running.push(x, 1.0),
            _ => {}
        }
    }
    match stat {
        LagStat::RollingMean { .. } | LagStat::SeasonalRollingMean { .. } => running.value(LagStat::ExpandingMean),
        LagStat::RollingStd { .. } | LagStat::SeasonalRollingStd { .. } => running.value(LagStat::ExpandingStd),
        LagStat::RollingMin { .. } => running.value(LagStat::ExpandingMin),
        LagStat::RollingMax { .. } => running.value(LagStat::ExpandingMax),
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    fn one(text: &str, history: &[f64], newest: Option<usize>) -> f64 {
        let t: LagTransform = text.parse().expect("parse");
        let mut out = [0.0];
        LagState::over(&[t], history, newest, &mut out);
        out[0]
    }

    #[test]
    fn statistics_by_hand() {
        let h = [1.0, 2.0, NAN, 4.0, 5.0, 6.0];
        // rolling mean of 3 at lag 1 from newest 5: values 6, 5, 4.
        assert_eq!(one("rolling_mean:3@1", &h, Some(5)), 5.0);
        // at lag 2 the window ends at index 4: 5, 4, NaN skipped.
        assert_eq!(one("rolling_mean:3@2", &h, Some(5)), 4.5);
        assert_eq!(one("rolling_min:4@1", &h, Some(5)), 4.0);
        assert_eq!(one("rolling_max:6@3", &h, Some(5)), 4.0);
        assert_eq!(one("rolling_std:2@1", &h, Some(5)), std::f64::consts::FRAC_1_SQRT_2);
        // seasonal: indices 5, 3, 1 -> 6, 4, 2.
        assert_eq!(one("seasonal_rolling_mean:2:3@1", &h, Some(5)), 4.0);
        assert_eq!(one("seasonal_rolling_std:2:3@1", &h, Some(5)), 2.0);
        // expanding over 1, 2, 4, 5 (lag 2 from 5 ends at 4).
        assert_eq!(one("expanding_mean@2", &h, Some(5)), 3.0);
        assert_eq!(one("expanding_min@1", &h, Some(5)), 1.0);
        assert_eq!(one("expanding_max@4", &h, Some(5)), 2.0);
        assert!((one("expanding_std@1", &h, Some(5)) - 2.073_644_135_332_772).abs() < 1e-12);
        // ewm 0.5 over 1, 2, 4: 1 -> 1.5 -> 2.75.
        assert_eq!(one("ewm:0.5@3", &h, Some(5)), 2.75);
        assert!(one("rolling_mean:3@1", &h, None).is_nan());
        assert!(one("expanding_mean@7", &h, Some(5)).is_nan());
        assert!(one("rolling_std:2@6", &h, Some(5)).is_nan());
    }

    #[test]
    fn carried_state_equals_a_pass_from_the_start() {
        let h: Vec<f64> =
            (0..40).map(|i| if i % 7 == 3 { NAN } else { (i as f64 * 1.7).sin() * 10.0 + 20.0 }).collect();
        let transforms: Vec<LagTransform> =
            ["expanding_mean@1", "expanding_std@3", "ewm:0.3@2", "expanding_max@1", "rolling_mean:5@1"]
                .iter()
                .map(|t| t.parse().expect("parse"))
                .collect();
        let mut state = LagState::new(&transforms);
        let (mut a, mut b) = (vec![0.0; 5], vec![0.0; 5]);
        for newest in 0..h.len() {
            state.fill(&transforms, &h, Some(newest), &mut a);
            LagState::over(&transforms, &h, Some(newest), &mut b);
            assert_eq!(
                a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn text_round_trips_and_bad_text_says_what_is_accepted() {
        for text in ["rolling_mean:7@1", "seasonal_rolling_std:12:3@2", "expanding_std@1", "ewm:0.5@7"] {
            let t: LagTransform = text.parse().expect("parse");
            assert_eq!(t.to_string(), text);
        }
        for bad in ["rolling_mean:7", "rolling_mean@1", "rolling_mean:0@1", "ewm:2@1", "median:3@1", "expanding_mean@0"]
        {
            let err = bad.parse::<LagTransform>().expect_err(bad).to_string();
            assert!(err.contains(bad) && err.contains("accepted"), "{err}");
        }
        let t: LagTransform = "rolling_mean:7@7".parse().expect("parse");
        assert_eq!(t.name(1), "rolling_mean_lag7_window7");
        assert_eq!(t.name(3), "rolling_mean_lag9_window7");
    }
}
