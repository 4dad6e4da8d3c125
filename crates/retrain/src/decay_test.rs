//! A windowed decay test: is the mean of the last `window` per-period losses above the
//! champion's own reference level by more than noise? A one-sided test on the difference of
//! two means, with a Newey-West (Bartlett kernel) long-run variance so that autocorrelated
//! errors (a promotion spans days, a week repeats) are not taken for evidence.

use crate::error::{Result, invalid};
use crate::trigger::{TriggerEvent, TriggerKind};
use forecast_core::Clock;
use forecast_core::special::normal_sf;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Decay as a test of the rolling loss against the champion's own live level.
///
/// The reference is a run of per-period losses of the champion measured exactly as the live
/// losses are, typically its first weeks in service; `live` are its losses after the
/// reference. With `m0`, `n0` the reference's mean and length and `m1`, `n1` those of the last
/// `window` live losses, the statistic is
///
/// `z = (m1 - m0) / sqrt(lrv · (1/n0 + 1/n1))`,
///
/// where `lrv = g0 + 2 Σ_{k=1}^{lags} (1 - k/(lags + 1)) g_k` is the Bartlett long-run
/// variance of the residuals from each segment's own mean (autocovariances `g_k` within a
/// segment, divisor `n0 + n1`), so a rise in the mean does not inflate the variance. The
/// p-value is the standard normal upper tail; the test fires when it is below `alpha` and the
/// recent mean is at least `min_rise` above the reference (a significant but tiny rise does
/// not retrain).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `window` | 7 | most recent live losses tested | >= 2 |
/// | `min_reference` | 21 | never test on a shorter reference | >= 2 |
/// | `lags` | 7 | Bartlett lags of the long-run variance (a week of daily losses) | >= 0 |
/// | `alpha` | 0.001 | one-sided level of one test (it runs every period) | (0, 1) |
/// | `min_rise` | 0.10 | relative rise of the mean also required | >= 0 |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecayTest {
    /// Live losses in the tested window.
    pub window: usize,
    /// Minimum reference losses.
    pub min_reference: usize,
    /// Bartlett lags of the long-run variance.
    pub lags: usize,
    /// One-sided level.
    pub alpha: f64,
    /// Minimum relative rise of the mean.
    pub min_rise: f64,
}

impl Default for DecayTest {
    fn default() -> Self {
        Self { window: 7, min_reference: 21, lags: 7, alpha: 0.001, min_rise: 0.10 }
    }
}

/// The figures of one decay test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecayTestResult {
    /// Mean reference loss.
    pub reference_mean: f64,
    /// Mean loss of the tested window.
    pub recent_mean: f64,
    /// `recent_mean / reference_mean - 1` (infinite on a zero reference mean and a rise).
    pub rise: f64,
    /// Bartlett long-run variance of one loss.
    pub long_run_variance: f64,
    /// The z statistic.
    pub statistic: f64,
    /// One-sided p-value (normal upper tail).
    pub p_value: f64,
    /// Reference losses used.
    pub reference_points: usize,
    /// Window losses used.
    pub recent_points: usize,
    /// Whether the test says decay (p-value below `alpha` and rise at least `min_rise`).
    pub decayed: bool,
}

impl DecayTest {
    /// Check the settings.
    ///
    /// # Errors
    /// [`crate::RetrainError::InvalidParam`] naming the setting out of range.
    pub fn validate(&self) -> Result<()> {
        if self.window < 2 {
            return Err(invalid("window", self.window, ">= 2"));
        }
        if self.min_reference < 2 {
            return Err(invalid("min_reference", self.min_reference, ">= 2"));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(invalid("alpha", self.alpha, "a level in (0, 1)"));
        }
        if !(self.min_rise.is_finite() && self.min_rise >= 0.0) {
            return Err(invalid("min_rise", self.min_rise, "a finite value >= 0"));
        }
        Ok(())
    }

    /// The test of the last `window` finite `live` losses against the finite `reference`
    /// losses; `None` while either is too short.
    ///
    /// # Errors
    /// As [`DecayTest::validate`].
    pub fn test(&self, reference: &[f64], live: &[f64]) -> Result<Option<DecayTestResult>> {
        self.validate()?;
        let reference: Vec<f64> = reference.iter().copied().filter(|v| v.is_finite()).collect();
        let live: Vec<f64> = live.iter().copied().filter(|v| v.is_finite()).collect();
        if reference.len() < self.min_reference || live.len() < self.window {
            return Ok(None);
        }
        let recent = &live[live.len() - self.window..];
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        let (m0, m1) = (mean(&reference), mean(recent));
        let residuals = [&reference[..], recent].map(|x| x.iter().map(|v| v - mean(x)).collect::<Vec<f64>>());
        let total = (reference.len() + recent.len()) as f64;
        let gamma = |k: usize| {
            residuals.iter().map(|r| (k..r.len()).map(|t| r[t] * r[t - k]).sum::<f64>()).sum::<f64>() / total
        };
        let lags = self.lags.min(recent.len() - 1);
        let bartlett = |k: usize| 1.0 - k as f64 / (lags as f64 + 1.0);
        let lrv = (gamma(0) + 2.0 * (1..=lags).map(|k| bartlett(k) * gamma(k)).sum::<f64>()).max(0.0);
        let (n0, n1) = (reference.len() as f64, recent.len() as f64);
        let diff = m1 - m0;
        let statistic = if lrv > 0.0 {
            diff / (lrv * (1.0 / n0 + 1.0 / n1)).sqrt()
        } else if diff == 0.0 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        };
        let rise = if m0 != 0.0 {
            diff / m0.abs()
        } else if diff > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        let p_value = normal_sf(statistic);
        Ok(Some(DecayTestResult {
            reference_mean: m0,
            recent_mean: m1,
            rise,
            long_run_variance: lrv,
            statistic,
            p_value,
            reference_points: reference.len(),
            recent_points: recent.len(),
            decayed: p_value < self.alpha && rise >= self.min_rise,
        }))
    }

    /// A decay event when the test says decay, with its figures as the evidence.
    ///
    /// # Errors
    /// As [`DecayTest::validate`].
    pub fn check(&self, reference: &[f64], live: &[f64], clock: &dyn Clock) -> Result<Option<TriggerEvent>> {
        let Some(r) = self.test(reference, live)? else { return Ok(None) };
        if !r.decayed {
            return Ok(None);
        }
        let evidence = BTreeMap::from([
            ("reference_mean".to_string(), r.reference_mean),
            ("recent_mean".to_string(), r.recent_mean),
            ("rise".to_string(), r.rise),
            ("statistic".to_string(), r.statistic),
            ("p_value".to_string(), r.p_value),
            ("reference_points".to_string(), r.reference_points as f64),
            ("points".to_string(), r.recent_points as f64),
        ]);
        Ok(Some(TriggerEvent {
            kind: TriggerKind::Decay,
            at: clock.now(),
            reason: format!(
                "mean loss {:.4} over the last {} periods is {:+.0}% on the champion's reference level {:.4} ({} periods): z {:.2}, p {:.2e} < {}",
                r.recent_mean,
                r.recent_points,
                r.rise * 100.0,
                r.reference_mean,
                r.reference_points,
                r.statistic,
                r.p_value,
                self.alpha
            ),
            evidence,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use forecast_core::ManualClock;

    fn exact(lags: usize) -> DecayTest {
        DecayTest { window: 2, min_reference: 4, lags, alpha: 0.01, min_rise: 0.10 }
    }

    #[test]
    fn the_statistic_by_hand() {
        // Reference 1,3,1,3 (mean 2, residuals -1,1,-1,1); window 4,6 (mean 5, residuals -1,1).
        // g0 = 6/6 = 1, so with no lags z = 3 / sqrt(1 · (1/4 + 1/2)) = 3.4641.
        let reference = [1.0, 3.0, 1.0, 3.0];
        let live = [9.0, f64::NAN, 4.0, 6.0];
        let r = exact(0).test(&reference, &live).unwrap().unwrap();
        assert!((r.statistic - 3.0 / 0.75f64.sqrt()).abs() < 1e-12);
        assert!((r.rise - 1.5).abs() < 1e-12);
        assert_eq!((r.reference_points, r.recent_points), (4, 2));
        // One lag: g1 = (-1 - 1 - 1 - 1) / 6 = -2/3, weight 1/2: lrv = 1 - 2/3 = 1/3,
        // z = 3 / sqrt(1/3 · 3/4) = 6.
        let r = exact(1).test(&reference, &live).unwrap().unwrap();
        assert!((r.long_run_variance - 1.0 / 3.0).abs() < 1e-12);
        assert!((r.statistic - 6.0).abs() < 1e-12);
        assert!((r.p_value - normal_sf(6.0)).abs() < 1e-15 && r.decayed);
    }

    #[test]
    fn noise_a_small_rise_and_short_runs_do_not_fire() {
        let c = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let t = DecayTest { window: 4, min_reference: 8, lags: 1, ..DecayTest::default() };
        let reference = [1.0, 1.2, 0.8, 1.0, 1.1, 0.9, 1.0, 1.0];
        // The same level: z 0, no event.
        assert!(t.check(&reference, &[1.0, 1.1, 0.9, 1.0], &c).unwrap().is_none());
        // A clear rise of 50 %: an event whose evidence carries the figures.
        let e = t.check(&reference, &[1.5, 1.6, 1.4, 1.5], &c).unwrap().unwrap();
        assert_eq!(e.kind, TriggerKind::Decay);
        assert!((e.evidence["rise"] - 0.5).abs() < 1e-12);
        // A significant rise of 5 % only: below min_rise.
        let small = [1.05, 1.05, 1.05, 1.05];
        let r = t.test(&[1.0; 8], &small).unwrap().unwrap();
        assert!(r.statistic.is_infinite() && !r.decayed);
        // Too few points on either side.
        assert!(t.test(&reference[..7], &[2.0; 4]).unwrap().is_none());
        assert!(t.test(&reference, &[2.0; 3]).unwrap().is_none());
        // A fall is never decay.
        assert!(!t.test(&reference, &[0.5; 4]).unwrap().unwrap().decayed);
        assert!(DecayTest { alpha: 0.0, ..t.clone() }.validate().is_err());
        assert!(DecayTest { window: 1, ..t }.validate().is_err());
    }
}
