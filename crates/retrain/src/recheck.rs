//! The second look at a decay that a search did not resolve.
//!
//! A search started by a decay signal is judged on its backtest window, which, on the day the
//! decay is first seen, holds mostly periods from before it began. When such a search keeps the
//! champion, the decay is not settled: the challenger was judged on the old regime. Meanwhile the
//! decay test's trailing reference absorbs the decayed periods and falls silent, so no second
//! signal would come. [`DecayRecheck`] schedules one: once the backtest window starts at the
//! decayed window, it raises a decay signal for the [`TriggerGate`](crate::TriggerGate), once per
//! unresolved decay.

use crate::error::{Result, invalid};
use crate::promotion::Decision;
use crate::trigger::{RetrainRequest, TriggerEvent, TriggerKind};
use chrono::{DateTime, Duration, Utc};
use forecast_core::Clock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scheduled second search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recheck {
    /// When the search that kept the champion ran (the decay it answered was signalled then).
    pub signalled: DateTime<Utc>,
    /// From when the recheck's signal is raised: the backtest window then starts at the
    /// decayed window.
    pub due: DateTime<Utc>,
}

/// Schedules one more decay-started search when the first one kept the champion.
///
/// | Name | Purpose | Range |
/// |---|---|---|
/// | `backtest` | length of the window a search's backtest scores, ending now | > 0 |
/// | `tested` | length of the window the decay test judged (its live window) | > 0, <= `backtest` |
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use forecast_core::{Clock, ManualClock};
/// use forecast_retrain::{DecayRecheck, Decision, RetrainRequest, TriggerEvent, TriggerKind};
/// use std::collections::BTreeMap;
///
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 5, 0, 0).unwrap());
/// let mut recheck = DecayRecheck::new(Duration::days(28), Duration::days(7))?;
/// let decay = TriggerEvent { kind: TriggerKind::Decay, at: clock.now(), reason: "WAPE up".into(), evidence: BTreeMap::new() };
/// let request = RetrainRequest { run: 0, at: clock.now(), triggers: vec![decay] };
/// // The search kept the champion on a backtest of the 28 days before today.
/// let first = recheck.settle(&request, Decision::Keep, clock.now() - Duration::days(28), &clock).unwrap();
/// assert_eq!(first.due, clock.now() + Duration::days(21));
/// assert!(recheck.signal(&clock).is_none());
/// clock.advance(Duration::days(21));
/// assert_eq!(recheck.signal(&clock).unwrap().kind, TriggerKind::Decay);
/// # Ok::<(), forecast_retrain::RetrainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecayRecheck {
    backtest: Duration,
    tested: Duration,
    pending: Option<Recheck>,
}

impl DecayRecheck {
    /// A recheck rule for searches backtested on `backtest` and decay judged on `tested`.
    ///
    /// # Errors
    /// [`RetrainError::InvalidParam`](crate::RetrainError::InvalidParam) when either is not
    /// positive or `tested` is longer than `backtest`.
    pub fn new(backtest: Duration, tested: Duration) -> Result<Self> {
        if backtest <= Duration::zero() {
            return Err(invalid("backtest", format!("{} s", backtest.num_seconds()), "a positive duration"));
        }
        if tested <= Duration::zero() || tested > backtest {
            return Err(invalid(
                "tested",
                format!("{} s", tested.num_seconds()),
                "a positive duration no longer than `backtest`",
            ));
        }
        Ok(Self { backtest, tested, pending: None })
    }

    /// The scheduled recheck, if any.
    pub fn pending(&self) -> Option<Recheck> {
        self.pending
    }

    /// The recheck's decay signal when it is due at the clock's time (offer it to the gate;
    /// it stays due until a search settles it or [`DecayRecheck::cancel`]).
    pub fn signal(&self, clock: &dyn Clock) -> Option<TriggerEvent> {
        let now = clock.now();
        let r = self.pending.filter(|r| now >= r.due)?;
        let from = r.signalled - self.tested;
        Some(TriggerEvent {
            kind: TriggerKind::Decay,
            at: now,
            reason: format!(
                "recheck of the decay signalled on {}: every backtest period is now from {} on",
                r.signalled.date_naive(),
                from.date_naive()
            ),
            evidence: BTreeMap::from([("days_since_signal".to_string(), (now - r.signalled).num_days() as f64)]),
        })
    }

    /// Record what the search run for `request` decided, `backtest_start` being the first
    /// period its backtest scored. A promotion settles everything; a search whose backtest
    /// starts at the decayed window settles a pending recheck; a decay-started search that
    /// kept the champion, with none pending, schedules one, which is returned.
    pub fn settle(
        &mut self,
        request: &RetrainRequest,
        decision: Decision,
        backtest_start: DateTime<Utc>,
        clock: &dyn Clock,
    ) -> Option<Recheck> {
        if decision == Decision::Promote {
            self.pending = None;
            return None;
        }
        if let Some(r) = self.pending {
            if backtest_start >= r.signalled - self.tested {
                self.pending = None;
            }
            return None;
        }
        if !request.triggers.iter().any(|t| t.kind == TriggerKind::Decay) {
            return None;
        }
        let now = clock.now();
        let r = Recheck { signalled: now, due: now - self.tested + self.backtest };
        self.pending = Some(r);
        Some(r)
    }

    /// Drop a pending recheck (the champion changed by other means, e.g. a rollback).
    pub fn cancel(&mut self) {
        self.pending = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use forecast_core::ManualClock;

    fn clock() -> ManualClock {
        ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 5, 0, 0).unwrap())
    }

    fn request(kind: TriggerKind, c: &ManualClock) -> RetrainRequest {
        let e = TriggerEvent { kind, at: c.now(), reason: String::new(), evidence: BTreeMap::new() };
        RetrainRequest { run: 0, at: c.now(), triggers: vec![e] }
    }

    fn rule() -> DecayRecheck {
        DecayRecheck::new(Duration::days(28), Duration::days(7)).unwrap()
    }

    #[test]
    fn a_kept_decay_search_is_searched_again_once_the_backtest_starts_at_the_decayed_week() {
        let c = clock();
        let mut r = rule();
        let start = c.now() - Duration::days(28);
        let due = r.settle(&request(TriggerKind::Decay, &c), Decision::Keep, start, &c).unwrap();
        assert_eq!(due.due, c.now() + Duration::days(21));
        c.advance(Duration::days(20));
        assert!(r.signal(&c).is_none(), "a day early");
        c.advance(Duration::days(1));
        let s = r.signal(&c).unwrap();
        assert_eq!(s.kind, TriggerKind::Decay);
        assert_eq!(s.evidence["days_since_signal"], 21.0);
        // A search held back by the cooldown: the signal stays due.
        c.advance(Duration::days(2));
        assert!(r.signal(&c).is_some());
        // The recheck's own search keeps the champion on a backtest from the decayed week on:
        // settled, and no third search is scheduled.
        let start = c.now() - Duration::days(28);
        assert!(r.settle(&request(TriggerKind::Decay, &c), Decision::Keep, start, &c).is_none());
        assert_eq!(r.pending(), None);
        assert!(r.signal(&c).is_none());
    }

    #[test]
    fn an_earlier_search_does_not_settle_it_and_a_promotion_does() {
        let c = clock();
        let mut r = rule();
        r.settle(&request(TriggerKind::Decay, &c), Decision::Keep, c.now() - Duration::days(28), &c).unwrap();
        c.advance(Duration::days(10));
        // A drift-started search whose backtest still starts before the decayed week.
        assert!(r.settle(&request(TriggerKind::Drift, &c), Decision::Keep, c.now() - Duration::days(28), &c).is_none());
        assert!(r.pending().is_some());
        r.settle(&request(TriggerKind::Drift, &c), Decision::Promote, c.now() - Duration::days(28), &c);
        assert_eq!(r.pending(), None);
    }

    #[test]
    fn only_decay_started_searches_that_keep_schedule_one() {
        let c = clock();
        let mut r = rule();
        let start = c.now() - Duration::days(28);
        assert!(r.settle(&request(TriggerKind::Drift, &c), Decision::Keep, start, &c).is_none());
        assert!(r.settle(&request(TriggerKind::Decay, &c), Decision::Promote, start, &c).is_none());
        assert_eq!(r.pending(), None);
        r.settle(&request(TriggerKind::Decay, &c), Decision::Keep, start, &c).unwrap();
        r.cancel();
        assert_eq!(r.pending(), None);
    }

    #[test]
    fn windows_are_checked() {
        assert!(DecayRecheck::new(Duration::zero(), Duration::days(1)).is_err());
        assert!(DecayRecheck::new(Duration::days(7), Duration::zero()).is_err());
        assert!(DecayRecheck::new(Duration::days(7), Duration::days(8)).is_err());
    }
}
