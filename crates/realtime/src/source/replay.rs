//! Replay a panel as a stream, at a chosen pace on the clock.

use super::{Event, Next, RegressorPlan, Source};
use crate::{RealtimeError, Result};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use forecast_core::{Clock, Panel, SeriesKey};
use std::sync::Arc;

/// How fast a [`Replay`] emits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Every event is ready at once (benchmarks).
    AsFastAsPossible,
    /// Event `i` is due `i / rate` seconds after the replay started, on its clock.
    PerSecond(f64),
}

/// Plays a panel (the generator's, a CSV's, or one with [`super::inject`]ed anomalies) in time
/// order: every series' observation of the first period, in panel order, then the next period.
/// Series that start later join when their first period comes. Missing (NaN) periods are gaps in
/// the stream: they are not emitted, and [`Replay::gaps`] counts them.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `pace` | (required) | as fast as possible, or events per second on the clock | rate > 0 |
/// | [`Replay::lookahead`] | 0 | periods of regressors each event makes known ahead of its own ([`Event::plan`]): the first event of a series carries the rows of its next `n` periods, each later event the rows that entered the window since | >= 0 |
/// | [`Replay::starting_from`] | the first period | the first period played (earlier ones are the warm-start history) | a date |
#[derive(Debug)]
pub struct Replay {
    panel: Arc<Panel>,
    keys: Vec<Arc<SeriesKey>>,
    offsets: Vec<i64>,
    first: NaiveDate,
    horizon: i64,
    step: i64,
    series: usize,
    seq: u64,
    gaps: u64,
    pace: Pace,
    clock: Arc<dyn Clock>,
    started: DateTime<Utc>,
    lookahead: usize,
    /// Per series, the first period whose regressors no event has carried yet.
    planned: Vec<usize>,
    /// The timestamp of the step last emitted, computed once per step instead of per event.
    stamp: Option<(i64, DateTime<Utc>)>,
}

impl Replay {
    /// A replay of `panel` starting now on `clock`.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a rate that is not positive and finite; a core error when
    /// a series' start is not on the panel's calendar.
    pub fn new(panel: Arc<Panel>, pace: Pace, clock: Arc<dyn Clock>) -> Result<Self> {
        if let Pace::PerSecond(rate) = pace
            && !(rate > 0.0 && rate.is_finite())
        {
            return Err(RealtimeError::param("rate", rate, "events per second, a positive finite number"));
        }
        let first = panel.series.iter().map(|s| s.start).min().unwrap_or_default();
        let offsets = panel
            .series
            .iter()
            .map(|s| {
                panel.frequency.periods_between(first, s.start).ok_or_else(|| {
                    RealtimeError::Core(forecast_core::Error::InvalidData(format!(
                        "series {} starts on {}, which is not on the {:?} calendar of {first}",
                        s.key, s.start, panel.frequency
                    )))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let horizon = panel.series.iter().zip(&offsets).map(|(s, o)| o + s.len() as i64).max().unwrap_or(0);
        let keys = panel.series.iter().map(|s| Arc::new(s.key.clone())).collect();
        let started = clock.now();
        let planned = vec![0; panel.series.len()];
        Ok(Self {
            panel,
            keys,
            offsets,
            first,
            horizon,
            step: 0,
            series: 0,
            seq: 0,
            gaps: 0,
            pace,
            clock,
            started,
            lookahead: 0,
            planned,
            stamp: None,
        })
    }

    /// Make each event carry the regressors of the next `periods` periods (see the table on
    /// [`Replay`]): 60 gives a scorer the holiday distances the batch features see.
    pub fn lookahead(mut self, periods: usize) -> Self {
        self.lookahead = periods;
        self
    }

    /// Play only the periods from `date` on (the earlier ones being, say, a scorer's warm-start
    /// history); a date before the first period changes nothing.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a date off the panel's calendar.
    pub fn starting_from(mut self, date: NaiveDate) -> Result<Self> {
        let step = self
            .panel
            .frequency
            .periods_between(self.first, date)
            .ok_or_else(|| RealtimeError::param("starting_from", date, "a period on the panel's calendar"))?;
        self.step = step.max(0);
        self.series = 0;
        Ok(self)
    }

    /// Events emitted so far.
    pub fn emitted(&self) -> u64 {
        self.seq
    }

    /// Missing periods skipped so far.
    pub fn gaps(&self) -> u64 {
        self.gaps
    }

    /// The panel being played.
    pub fn panel(&self) -> &Panel {
        &self.panel
    }

    fn due(&self) -> Option<DateTime<Utc>> {
        match self.pace {
            Pace::AsFastAsPossible => None,
            Pace::PerSecond(rate) => {
                let nanos = (self.seq as f64 / rate * 1e9).round();
                Some(self.started + TimeDelta::nanoseconds(nanos.min(i64::MAX as f64) as i64))
            }
        }
    }

    /// The next observation in time order, skipping gaps.
    fn advance(&mut self) -> Option<Event> {
        while self.step < self.horizon {
            while self.series < self.panel.series.len() {
                let s = self.series;
                self.series += 1;
                let t = self.step - self.offsets[s];
                let series = &self.panel.series[s];
                if t < 0 || t as usize >= series.len() {
                    continue;
                }
                let t = t as usize;
                let value = series.target[t];
                if !value.is_finite() {
                    self.gaps += 1;
                    continue;
                }
                let timestamp = match self.stamp {
                    Some((step, stamp)) if step == self.step => stamp,
                    _ => {
                        let date = self.panel.frequency.add(self.first, self.step)?;
                        let stamp = date.and_hms_opt(0, 0, 0)?.and_utc();
                        self.stamp = Some((self.step, stamp));
                        stamp
                    }
                };
                let mut regressors = Vec::with_capacity(series.regressors.len());
                regressors.extend(series.regressors.iter().map(|r| r.get(t).copied().unwrap_or(f64::NAN)));
                let event = Event {
                    seq: self.seq,
                    key: self.keys[s].clone(),
                    timestamp,
                    value,
                    regressors,
                    plan: self.plan(s, t),
                };
                self.seq += 1;
                return Some(event);
            }
            self.series = 0;
            self.step += 1;
        }
        None
    }
}

impl Replay {
    /// The rows of series `s` that enter the lookahead window at period `t` (only periods where
    /// every regressor is known).
    fn plan(&mut self, s: usize, t: usize) -> Option<RegressorPlan> {
        let series = &self.panel.series[s];
        let known = series.regressors.iter().map(Vec::len).min().unwrap_or(0);
        let from = self.planned[s].max(t + 1);
        let to = (t + self.lookahead + 1).min(known);
        if self.lookahead == 0 || from >= to {
            return None;
        }
        self.planned[s] = to;
        let mut rows = Vec::with_capacity((to - from) * series.regressors.len());
        for p in from..to {
            rows.extend(series.regressors.iter().map(|r| r[p]));
        }
        Some(RegressorPlan { offset: from - t, rows })
    }
}

impl Source for Replay {
    fn poll_next(&mut self) -> Result<Next> {
        if self.step >= self.horizon {
            return Ok(Next::Closed);
        }
        if let Some(due) = self.due()
            && self.clock.now() < due
        {
            return Ok(Next::Pending { until: Some(due) });
        }
        Ok(self.advance().map_or(Next::Closed, Next::Event))
    }
}
