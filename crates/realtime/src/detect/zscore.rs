//! Rolling z-score.

use super::{Detector, EPSILON, Expectation};
use crate::stats::{RollingMoments, Welford};
use crate::{RealtimeError, Result};
use serde::{Deserialize, Serialize};

/// Parameters of [`ZScore`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `window` | `None` (every learned value, as River) | learn mean and std from the last `window` values only | `None` or >= 2 |
/// | `threshold` | 3.0 | flag above this many standard deviations (the 3-sigma rule) | > 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZScoreParams {
    /// Learn from the last `window` values only; `None` learns from all.
    pub window: Option<usize>,
    /// Flag above this score.
    pub threshold: f64,
}

impl Default for ZScoreParams {
    fn default() -> Self {
        Self { window: None, threshold: 3.0 }
    }
}

/// `score = |x - mean| / (std + 1e-10)`, mean and sample standard deviation of the learned
/// values (all of them, or the last `window`); 0 until two values are learned.
///
/// With `window = None` this is River's `anomaly.StandardAbsoluteDeviation(sub_stat=stats.Mean())`
/// except for the first two points, where River divides by `0 + 1e-10`.
///
/// ```
/// use forecast_realtime::detect::{Detector, LearnPolicy, ZScore, ZScoreParams};
/// let mut z = ZScore::new(ZScoreParams::default())?;
/// for x in [1.0, 2.0, 3.0] {
///     z.observe(&[x], LearnPolicy::All)?;
/// }
/// // mean 2, std 1: a 6 is 4 standard deviations out.
/// assert!((z.score(&[6.0]) - 4.0).abs() < 1e-9);
/// # Ok::<(), forecast_realtime::RealtimeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZScore {
    params: ZScoreParams,
    running: Welford,
    rolling: Option<RollingMoments>,
}

impl ZScore {
    /// A detector with these parameters.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a window below 2 or a threshold that is not positive.
    pub fn new(params: ZScoreParams) -> Result<Self> {
        if let Some(w) = params.window.filter(|&w| w < 2) {
            return Err(RealtimeError::param("window", w, "None or at least 2"));
        }
        if params.threshold.is_nan() || params.threshold <= 0.0 {
            return Err(RealtimeError::param("threshold", params.threshold, "a positive number"));
        }
        Ok(Self { params, running: Welford::new(), rolling: params.window.map(RollingMoments::new) })
    }

    fn moments(&self) -> &Welford {
        self.rolling.as_ref().map_or(&self.running, RollingMoments::moments)
    }
}

impl Detector for ZScore {
    fn name(&self) -> &'static str {
        "zscore"
    }

    fn n_inputs(&self) -> usize {
        1
    }

    fn score(&self, x: &[f64]) -> f64 {
        let m = self.moments();
        if m.count() < 2 {
            return 0.0;
        }
        (x[0] - m.mean()).abs() / (m.std() + EPSILON)
    }

    fn learn(&mut self, x: &[f64]) {
        match &mut self.rolling {
            Some(r) => r.push(x[0]),
            None => self.running.push(x[0]),
        }
    }

    fn threshold(&self) -> f64 {
        self.params.threshold
    }

    fn expectation(&self) -> Expectation {
        let m = self.moments();
        let half = self.params.threshold * (m.std() + EPSILON);
        Expectation {
            expected: (m.count() > 0).then(|| m.mean()),
            interval: (m.count() >= 2).then(|| (m.mean() - half, m.mean() + half)),
            window: m.count() as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::LearnPolicy;

    #[test]
    fn hand_computation_and_skip_flagged() {
        let mut z = ZScore::new(ZScoreParams::default()).unwrap();
        assert_eq!(z.observe(&[10.0], LearnPolicy::All).unwrap().score, 0.0);
        z.observe(&[12.0], LearnPolicy::All).unwrap();
        // mean 11, sample std sqrt(2).
        let v = z.observe(&[20.0], LearnPolicy::SkipFlagged).unwrap();
        assert!((v.score - 9.0 / 2f64.sqrt()).abs() < 1e-9);
        assert!(v.flagged && !v.learned);
        assert_eq!(z.expectation().window, 2);
        let mut w = ZScore::new(ZScoreParams { window: Some(2), ..Default::default() }).unwrap();
        for x in [100.0, 1.0, 3.0] {
            w.learn(&[x]);
        }
        // window holds 1, 3: mean 2, std sqrt(2).
        assert!((w.score(&[4.0]) - 2.0 / 2f64.sqrt()).abs() < 1e-9);
        assert!(ZScore::new(ZScoreParams { window: Some(1), ..Default::default() }).is_err());
        assert!(z.observe(&[f64::NAN], LearnPolicy::All).is_err());
        assert!(z.observe(&[1.0, 2.0], LearnPolicy::All).is_err());
    }
}
