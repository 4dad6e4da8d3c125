//! Retraining triggers: performance decay on delayed actuals, data drift (through
//! forecast-core's [`DriftSource`] port), data volume and manual requests; concurrent signals
//! merge into one run, a cooldown prevents retrain storms, and every signal is recorded with
//! its evidence and what became of it. [`crate::DecayTest`] is the decay trigger as a test.

use crate::error::{Result, invalid};
use chrono::{DateTime, Duration, Utc};
use forecast_core::{Clock, DriftSource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What raised a retraining signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    /// A schedule fell due.
    Schedule,
    /// Accuracy on delayed actuals fell behind the champion's reference level.
    Decay,
    /// The drift port reported drifted data.
    Drift,
    /// Enough new periods arrived.
    DataVolume,
    /// A person asked.
    Manual,
}

/// One retraining signal and the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerEvent {
    /// What raised it.
    pub kind: TriggerKind,
    /// When (from the clock).
    pub at: DateTime<Utc>,
    /// One line a person reads.
    pub reason: String,
    /// The figures that crossed their thresholds (`rolling_wape`, `baseline`, `points`, ...).
    pub evidence: BTreeMap<String, f64>,
}

/// The error measure a decay trigger watches.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecayMetric {
    /// Sum of absolute errors over sum of absolute actuals.
    Wape,
    /// Mean absolute error over the in-sample seasonal-naive MAE `scale` (from training).
    Mase {
        /// The MASE denominator computed on the training data.
        scale: f64,
    },
}

/// Decay on delayed actuals: the rolling error of the last `window` scored points against the
/// champion's own reference level.
///
/// The reference must be measured the way the live error is: the champion's backtest level at
/// the horizon it serves, or its error over its first weeks in service. A one-step-ahead live
/// error held against a seven-step backtest level hides a decay.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `metric` | WAPE | the error measure | [`DecayMetric`] |
/// | `baseline` | (required) | the champion's reference level of `metric` | > 0 |
/// | `threshold` | 0.25 | fire when rolling > baseline x (1 + threshold) | >= 0 |
/// | `window` | 14 | most recent points in the rolling error | >= 1 |
/// | `min_points` | 7 | never fire on fewer scored points | 1..=window |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecayTrigger {
    /// The error measure.
    pub metric: DecayMetric,
    /// The champion's reference level (backtest, or first weeks in service).
    pub baseline: f64,
    /// Relative tolerance over the baseline.
    pub threshold: f64,
    /// Rolling window in points.
    pub window: usize,
    /// Minimum scored points.
    pub min_points: usize,
}

impl DecayTrigger {
    /// WAPE decay against `baseline`, other settings default.
    pub fn wape(baseline: f64) -> Self {
        Self { metric: DecayMetric::Wape, baseline, threshold: 0.25, window: 14, min_points: 7 }
    }

    /// Check the settings.
    ///
    /// # Errors
    /// [`crate::RetrainError::InvalidParam`] naming the setting out of range.
    pub fn validate(&self) -> Result<()> {
        if !(self.baseline.is_finite() && self.baseline > 0.0) {
            return Err(invalid("baseline", self.baseline, "a finite level > 0"));
        }
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(invalid("threshold", self.threshold, "a finite value >= 0"));
        }
        if self.window == 0 {
            return Err(invalid("window", 0, ">= 1"));
        }
        if self.min_points == 0 || self.min_points > self.window {
            return Err(invalid("min_points", self.min_points, "1 to window"));
        }
        if let DecayMetric::Mase { scale } = self.metric
            && !(scale.is_finite() && scale > 0.0)
        {
            return Err(invalid("mase scale", scale, "a finite value > 0"));
        }
        Ok(())
    }

    /// The rolling error of the last `window` points where both actual and forecast are known,
    /// and how many points it used.
    pub fn rolling(&self, actual: &[f64], forecast: &[f64]) -> (f64, usize) {
        let pairs: Vec<(f64, f64)> = actual
            .iter()
            .zip(forecast)
            .filter(|(a, f)| a.is_finite() && f.is_finite())
            .map(|(a, f)| (*a, *f))
            .collect();
        let recent = &pairs[pairs.len().saturating_sub(self.window)..];
        let abs_err: f64 = recent.iter().map(|(a, f)| (a - f).abs()).sum();
        let value = match self.metric {
            DecayMetric::Wape => {
                let denom: f64 = recent.iter().map(|(a, _)| a.abs()).sum();
                if denom > 0.0 { abs_err / denom } else { f64::NAN }
            }
            DecayMetric::Mase { scale } => abs_err / recent.len().max(1) as f64 / scale,
        };
        (value, recent.len())
    }

    /// A decay event when the rolling error passes the threshold on enough points.
    ///
    /// # Errors
    /// As [`DecayTrigger::validate`].
    pub fn check(&self, actual: &[f64], forecast: &[f64], clock: &dyn Clock) -> Result<Option<TriggerEvent>> {
        self.validate()?;
        let (value, points) = self.rolling(actual, forecast);
        let limit = self.baseline * (1.0 + self.threshold);
        if points < self.min_points || !value.is_finite() || value <= limit {
            return Ok(None);
        }
        let name = match self.metric {
            DecayMetric::Wape => "wape",
            DecayMetric::Mase { .. } => "mase",
        };
        let evidence = BTreeMap::from([
            (format!("rolling_{name}"), value),
            ("baseline".to_string(), self.baseline),
            ("limit".to_string(), limit),
            ("points".to_string(), points as f64),
        ]);
        Ok(Some(TriggerEvent {
            kind: TriggerKind::Decay,
            at: clock.now(),
            reason: format!(
                "rolling {name} {value:.4} over {points} points passed {limit:.4} (baseline {:.4} + {:.0}%)",
                self.baseline,
                self.threshold * 100.0
            ),
            evidence,
        }))
    }
}

/// Drift through the port: fires on a report newer than the last one seen that says drifted.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `persistence` | 1 | consecutive drifted reports needed before it fires | >= 1 |
///
/// With the default every new drifted report fires. With `persistence(k)` for `k > 1` a
/// drift must hold for `k` reports in a row (one noisy window does not retrain), and the
/// trigger then stays quiet while the drift lasts: it fires again only after a report that
/// is not drifted (or [`DriftTrigger::rearm`]), so a lasting change asks for one run, not
/// one per report.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftTrigger {
    /// The model the reports are about, e.g. `demand@champion`.
    pub model: String,
    seen: Option<DateTime<Utc>>,
    persistence: usize,
    streak: usize,
    latched: bool,
}

impl DriftTrigger {
    /// Watch the reports about `model`.
    pub fn new(model: impl Into<String>) -> Self {
        Self { model: model.into(), seen: None, persistence: 1, streak: 0, latched: false }
    }

    /// Require `reports` consecutive drifted reports (at least 1) and, above 1, hold the
    /// trigger while the drift lasts (see the type's docs).
    pub fn persistence(mut self, reports: usize) -> Self {
        self.persistence = reports.max(1);
        self
    }

    /// Drifted reports in a row so far.
    pub fn streak(&self) -> usize {
        self.streak
    }

    /// Forget the current drift (e.g. after a retraining moved the reference): the next
    /// `persistence` drifted reports fire again.
    pub fn rearm(&mut self) {
        self.streak = 0;
        self.latched = false;
    }

    /// A drift event from a new drifted report, if any (each report fires at most once).
    ///
    /// # Errors
    /// When the source fails.
    pub fn check(&mut self, source: &dyn DriftSource, clock: &dyn Clock) -> Result<Option<TriggerEvent>> {
        let Some(report) = source.latest(&self.model)? else { return Ok(None) };
        if self.seen.is_some_and(|s| report.generated_at <= s) {
            return Ok(None);
        }
        self.seen = Some(report.generated_at);
        if !report.drifted {
            self.rearm();
            return Ok(None);
        }
        self.streak += 1;
        if self.streak < self.persistence || self.latched {
            return Ok(None);
        }
        self.latched = self.persistence > 1;
        let mut evidence = BTreeMap::from([
            ("drifted_share".to_string(), report.drifted_share),
            ("consecutive_reports".to_string(), self.streak as f64),
        ]);
        for s in report.signals.iter().filter(|s| s.drifted) {
            evidence.insert(format!("{}:{}", s.name, s.method), s.score);
        }
        let reason = if report.reasons.is_empty() { "drift reported".to_string() } else { report.reasons.join("; ") };
        Ok(Some(TriggerEvent { kind: TriggerKind::Drift, at: clock.now(), reason, evidence }))
    }
}

/// Data volume: fires once `periods` new periods arrived since the last training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeTrigger {
    /// New periods needed.
    pub periods: usize,
}

impl VolumeTrigger {
    /// An event when `new_periods >= periods`.
    pub fn check(&self, new_periods: usize, clock: &dyn Clock) -> Option<TriggerEvent> {
        (self.periods > 0 && new_periods >= self.periods).then(|| TriggerEvent {
            kind: TriggerKind::DataVolume,
            at: clock.now(),
            reason: format!("{new_periods} new periods since the last training (threshold {})", self.periods),
            evidence: BTreeMap::from([("new_periods".to_string(), new_periods as f64)]),
        })
    }
}

/// A manual request.
pub fn manual(reason: impl Into<String>, clock: &dyn Clock) -> TriggerEvent {
    TriggerEvent { kind: TriggerKind::Manual, at: clock.now(), reason: reason.into(), evidence: BTreeMap::new() }
}

/// What became of a signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerOutcome {
    /// It started (or joined) retraining run `run`.
    Started {
        /// The run number (0-based, per gate).
        run: u64,
    },
    /// It arrived during the cooldown and was dropped.
    Cooldown {
        /// When the cooldown ends.
        until: DateTime<Utc>,
    },
}

/// A signal and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerRecord {
    /// The signal.
    pub event: TriggerEvent,
    /// What became of it.
    pub outcome: TriggerOutcome,
}

/// One retraining run asked for by one or more signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainRequest {
    /// The run number.
    pub run: u64,
    /// When it was decided.
    pub at: DateTime<Utc>,
    /// The signals merged into it.
    pub triggers: Vec<TriggerEvent>,
}

/// Merges concurrent signals into one run and enforces the cooldown between runs.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `cooldown` | 3 days | minimum time between two runs started by signals | >= 0 |
///
/// A manual signal is never held back by the cooldown (a person asked).
#[derive(Debug, Clone)]
pub struct TriggerGate {
    cooldown: Duration,
    pending: Vec<TriggerEvent>,
    last_run: Option<DateTime<Utc>>,
    next_run: u64,
    log: Vec<TriggerRecord>,
}

impl Default for TriggerGate {
    fn default() -> Self {
        Self::new(Duration::days(3))
    }
}

impl TriggerGate {
    /// A gate with a cooldown.
    pub fn new(cooldown: Duration) -> Self {
        Self {
            cooldown: cooldown.max(Duration::zero()),
            pending: Vec::new(),
            last_run: None,
            next_run: 0,
            log: Vec::new(),
        }
    }

    /// Queue a signal.
    pub fn offer(&mut self, event: TriggerEvent) {
        self.pending.push(event);
    }

    /// Queue a signal if there is one.
    pub fn offer_opt(&mut self, event: Option<TriggerEvent>) {
        if let Some(e) = event {
            self.offer(e);
        }
    }

    /// Turn the queued signals into at most one run; signals held back by the cooldown are
    /// recorded as such and dropped.
    pub fn decide(&mut self, clock: &dyn Clock) -> Option<RetrainRequest> {
        if self.pending.is_empty() {
            return None;
        }
        let now = clock.now();
        let pending = std::mem::take(&mut self.pending);
        let until = self.last_run.map(|t| t + self.cooldown);
        let cooling = until.is_some_and(|u| now < u);
        let any_manual = pending.iter().any(|e| e.kind == TriggerKind::Manual);
        if cooling && !any_manual {
            let until = until.unwrap_or(now);
            self.log.extend(
                pending.into_iter().map(|event| TriggerRecord { event, outcome: TriggerOutcome::Cooldown { until } }),
            );
            return None;
        }
        let run = self.next_run;
        self.next_run += 1;
        self.last_run = Some(now);
        self.log.extend(
            pending.iter().cloned().map(|event| TriggerRecord { event, outcome: TriggerOutcome::Started { run } }),
        );
        Some(RetrainRequest { run, at: now, triggers: pending })
    }

    /// Every signal seen and its outcome, oldest first.
    pub fn log(&self) -> &[TriggerRecord] {
        &self.log
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use forecast_core::{DriftReport, ManualClock};

    fn clock() -> ManualClock {
        ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn decay_needs_enough_points_and_a_real_rise() {
        let c = clock();
        let t = DecayTrigger { window: 4, min_points: 3, ..DecayTrigger::wape(0.10) };
        let actual = [10.0, 10.0, 10.0, 10.0, 10.0, f64::NAN];
        // Errors of 1 on 10: WAPE 0.10, at the baseline: no event.
        assert!(t.check(&actual, &[11.0, 9.0, 11.0, 9.0, 11.0, 0.0], &c).unwrap().is_none());
        // Errors of 2: WAPE 0.20 > 0.125 on the last 4 points: event with evidence.
        let e = t.check(&actual, &[0.0, 12.0, 8.0, 12.0, 8.0, 0.0], &c).unwrap().unwrap();
        assert_eq!(e.evidence["points"], 4.0);
        assert!((e.evidence["rolling_wape"] - 0.2).abs() < 1e-12);
        // Two points only: below min_points.
        assert!(t.check(&actual[..2], &[0.0, 0.0], &c).unwrap().is_none());
        let m = DecayTrigger { metric: DecayMetric::Mase { scale: 2.0 }, baseline: 0.5, ..t.clone() };
        assert!((m.rolling(&actual[..4], &[12.0, 12.0, 12.0, 12.0]).0 - 1.0).abs() < 1e-12);
        assert!(DecayTrigger { min_points: 5, ..t }.validate().is_err());
        assert!(DecayTrigger::wape(0.0).validate().is_err());
    }

    #[derive(Debug)]
    struct One(std::sync::Mutex<Option<DriftReport>>);
    impl DriftSource for One {
        fn latest(&self, _: &str) -> forecast_core::Result<Option<DriftReport>> {
            Ok(self.0.lock().unwrap().clone())
        }
    }

    #[test]
    fn a_drift_report_fires_once() {
        let c = clock();
        let report = DriftReport {
            model: "m@champion".into(),
            generated_at: c.now(),
            drifted: true,
            drifted_share: 0.6,
            signals: vec![],
            reasons: vec!["price drifted".into()],
        };
        let source = One(std::sync::Mutex::new(Some(report.clone())));
        let mut t = DriftTrigger::new("m@champion");
        assert_eq!(t.check(&source, &c).unwrap().unwrap().evidence["drifted_share"], 0.6);
        assert!(t.check(&source, &c).unwrap().is_none());
        *source.0.lock().unwrap() =
            Some(DriftReport { generated_at: c.now() + Duration::hours(1), drifted: false, ..report });
        assert!(t.check(&source, &c).unwrap().is_none());
    }

    #[test]
    fn a_persistent_drift_fires_once_until_a_healthy_report() {
        let c = clock();
        let report = |drifted: bool| DriftReport {
            model: "m@champion".into(),
            generated_at: c.now(),
            drifted,
            drifted_share: if drifted { 1.0 } else { 0.0 },
            signals: vec![],
            reasons: vec![],
        };
        let source = One(std::sync::Mutex::new(None));
        let mut t = DriftTrigger::new("m@champion").persistence(3);
        let mut fired = Vec::new();
        for drifted in [true, true, false, true, true, true, true, true, false, true, true, true] {
            c.advance(Duration::days(1));
            *source.0.lock().unwrap() = Some(report(drifted));
            fired.push(t.check(&source, &c).unwrap().is_some());
        }
        let at: Vec<usize> = fired.iter().enumerate().filter(|(_, f)| **f).map(|(i, _)| i).collect();
        // Two in a row are not enough; the third of a run fires; the run's rest is held; a
        // healthy report re-arms it.
        assert_eq!(at, vec![5, 11]);
        assert_eq!(t.streak(), 3);
        t.rearm();
        c.advance(Duration::days(1));
        *source.0.lock().unwrap() = Some(report(true));
        assert!(t.check(&source, &c).unwrap().is_none());
        assert_eq!(t.streak(), 1);
    }

    #[test]
    fn concurrent_signals_merge_and_the_cooldown_holds() {
        let c = clock();
        let mut gate = TriggerGate::new(Duration::days(2));
        gate.offer(VolumeTrigger { periods: 7 }.check(7, &c).unwrap());
        gate.offer(manual("first", &c));
        let decay =
            TriggerEvent { kind: TriggerKind::Decay, at: c.now(), reason: "x".into(), evidence: BTreeMap::new() };
        gate.offer(decay.clone());
        let r = gate.decide(&c).unwrap();
        assert_eq!((r.run, r.triggers.len()), (0, 3));
        assert!(gate.decide(&c).is_none());
        c.advance(Duration::days(1));
        gate.offer(decay.clone());
        assert!(gate.decide(&c).is_none());
        assert!(matches!(gate.log().last().unwrap().outcome, TriggerOutcome::Cooldown { .. }));
        c.advance(Duration::days(1));
        gate.offer(decay);
        assert_eq!(gate.decide(&c).unwrap().run, 1);
        gate.offer(manual("now", &c));
        assert_eq!(gate.decide(&c).unwrap().run, 2);
        assert_eq!(gate.log().len(), 6);
        assert!(VolumeTrigger { periods: 7 }.check(6, &c).is_none());
    }
}
