//! Injected anomalies of known kinds, with their ground truth.

use crate::rng::SplitMix64;
use crate::{RealtimeError, Result};
use chrono::NaiveDate;
use forecast_core::{Panel, SeriesKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The kinds of anomaly the simulator injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// One period `magnitude·σ` above its value.
    Spike,
    /// One period `magnitude·σ` below its value (only where that stays at or above 0).
    Drop,
    /// `length` periods multiplied by `1 ± magnitude` (direction drawn at random).
    LevelShift,
    /// `length` periods repeating the value of the period before (a stuck feed).
    Stuck,
    /// `length` periods of 0 where sales were positive, with no stock flag (an unreported stockout).
    Stockout,
}

impl AnomalyKind {
    /// Every kind, in a fixed order.
    pub const ALL: [Self; 5] = [Self::Spike, Self::Drop, Self::LevelShift, Self::Stuck, Self::Stockout];

    /// The kind's name in snake case.
    pub fn name(self) -> &'static str {
        match self {
            Self::Spike => "spike",
            Self::Drop => "drop",
            Self::LevelShift => "level_shift",
            Self::Stuck => "stuck",
            Self::Stockout => "stockout",
        }
    }
}

/// How often and how strongly to inject one kind.
///
/// | Name | Default (spike, drop, level shift, stuck, stockout) | Purpose | Range |
/// |---|---|---|---|
/// | `per_1000` | 2, 2, 0.5, 0.5, 0.5 | expected episodes per 1000 periods of a series | >= 0 |
/// | `magnitude` | 4 σ, 4 σ, 0.5, -, - | size: in noise σ for spikes and drops, relative for level shifts | > 0 (level shift <= 1) |
/// | `length` | 1, 1, 14, 7, 5 | periods per episode | >= 1 |
///
/// σ is the series' noise scale: the standard deviation of its first differences over √2
/// (the seasonal pattern does not inflate it), at least 0.5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnomalySpec {
    /// The kind.
    pub kind: AnomalyKind,
    /// Expected episodes per 1000 periods of each series.
    pub per_1000: f64,
    /// Size of the anomaly.
    pub magnitude: f64,
    /// Periods per episode (spikes and drops are always 1).
    pub length: usize,
}

impl AnomalySpec {
    /// The defaults of `kind`.
    pub fn default_for(kind: AnomalyKind) -> Self {
        let (per_1000, magnitude, length) = match kind {
            AnomalyKind::Spike | AnomalyKind::Drop => (2.0, 4.0, 1),
            AnomalyKind::LevelShift => (0.5, 0.5, 14),
            AnomalyKind::Stuck => (0.5, 1.0, 7),
            AnomalyKind::Stockout => (0.5, 1.0, 5),
        };
        Self { kind, per_1000, magnitude, length }
    }
}

/// What to inject where.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `seed` | (required) | every random choice | any `u64` |
/// | `specs` | every kind with its defaults | kinds, rates, sizes | any |
/// | `skip_first` | 90 | periods at the start of each series left clean (warm-up, training) | >= 0 |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyPlan {
    /// Seed of every random choice.
    pub seed: u64,
    /// One entry per kind to inject.
    pub specs: Vec<AnomalySpec>,
    /// Clean periods at the start of each series.
    pub skip_first: usize,
}

impl AnomalyPlan {
    /// Every kind with its defaults.
    pub fn new(seed: u64) -> Self {
        Self { seed, specs: AnomalyKind::ALL.map(AnomalySpec::default_for).to_vec(), skip_first: 90 }
    }

    /// Only the given specs.
    pub fn with_specs(seed: u64, specs: Vec<AnomalySpec>) -> Self {
        Self { seed, specs, skip_first: 90 }
    }

    fn check(&self) -> Result<()> {
        for s in &self.specs {
            if !(s.per_1000 >= 0.0 && s.per_1000.is_finite()) {
                return Err(RealtimeError::param("per_1000", s.per_1000, "a finite number >= 0"));
            }
            if !(s.magnitude > 0.0 && s.magnitude.is_finite()) {
                return Err(RealtimeError::param("magnitude", s.magnitude, "a finite number > 0"));
            }
            if s.kind == AnomalyKind::LevelShift && s.magnitude > 1.0 {
                return Err(RealtimeError::param(
                    "magnitude",
                    s.magnitude,
                    "at most 1 for a level shift (x(1 - m) >= 0)",
                ));
            }
            if s.length == 0 {
                return Err(RealtimeError::param("length", 0, "at least 1"));
            }
        }
        Ok(())
    }
}

/// One injected episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InjectedAnomaly {
    /// Index of the series in the panel.
    pub series: usize,
    /// Its key.
    pub key: SeriesKey,
    /// First affected period (index into the series' target).
    pub start: usize,
    /// Affected periods.
    pub len: usize,
    /// The kind.
    pub kind: AnomalyKind,
    /// The signed change applied: units for spikes and drops, the factor minus 1 for level shifts.
    pub magnitude: f64,
}

/// The labels of an injected panel: which periods of which series are anomalous, and how.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Every episode, in injection order.
    pub episodes: Vec<InjectedAnomaly>,
    /// Episodes planned but not placed, by kind: no eligible free span was found in 50 draws.
    pub not_placed: Vec<(AnomalyKind, usize)>,
    labels: Vec<Vec<Option<AnomalyKind>>>,
    index: HashMap<SeriesKey, usize>,
    starts: Vec<NaiveDate>,
    frequency: Option<forecast_core::Frequency>,
}

impl GroundTruth {
    /// The label of period `t` of series `series` (`None` when normal or out of range).
    pub fn label(&self, series: usize, t: usize) -> Option<AnomalyKind> {
        self.labels.get(series)?.get(t).copied().flatten()
    }

    /// The label of the period of `key` starting on `date`.
    pub fn label_at(&self, key: &SeriesKey, date: NaiveDate) -> Option<AnomalyKind> {
        let (s, t) = self.locate(key, date)?;
        self.label(s, t)
    }

    /// The series index and period of `key` on `date`, if the panel has them.
    pub fn locate(&self, key: &SeriesKey, date: NaiveDate) -> Option<(usize, usize)> {
        let s = *self.index.get(key)?;
        let t = usize::try_from(self.frequency?.periods_between(self.starts[s], date)?).ok()?;
        (t < self.labels[s].len()).then_some((s, t))
    }

    /// Periods per series, in panel order.
    pub fn lengths(&self) -> Vec<usize> {
        self.labels.iter().map(Vec::len).collect()
    }

    /// Anomalous periods in total.
    pub fn n_labelled(&self) -> usize {
        self.labels.iter().flatten().filter(|l| l.is_some()).count()
    }
}

/// Noise scale of a series: std of first differences / √2, at least 0.5.
fn noise_scale(target: &[f64]) -> f64 {
    let diffs: Vec<f64> = target.windows(2).map(|w| w[1] - w[0]).filter(|d| d.is_finite()).collect();
    if diffs.len() < 2 {
        return 0.5;
    }
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64;
    (var.sqrt() / std::f64::consts::SQRT_2).max(0.5)
}

/// Copy `panel` with the anomalies of `plan` injected, and return their ground truth.
/// Episodes never overlap (one clean period is kept between them) and fall only where they are
/// visible: a drop where the value stays >= 0, a stuck run where the values would have changed,
/// a stockout where all periods had sales; missing (NaN) periods are never touched. Integer
/// series stay integer (level-shifted values are rounded).
///
/// # Errors
/// [`RealtimeError::InvalidParam`] for a spec out of range.
pub fn inject(panel: &Panel, plan: &AnomalyPlan) -> Result<(Panel, GroundTruth)> {
    plan.check()?;
    let mut out = panel.clone();
    let mut rng = SplitMix64::new(plan.seed);
    let mut truth = GroundTruth {
        labels: panel.series.iter().map(|s| vec![None; s.len()]).collect(),
        index: panel.series.iter().enumerate().map(|(i, s)| (s.key.clone(), i)).collect(),
        starts: panel.series.iter().map(|s| s.start).collect(),
        frequency: Some(panel.frequency),
        ..Default::default()
    };
    let mut not_placed: HashMap<AnomalyKind, usize> = HashMap::new();
    for (si, series) in out.series.iter_mut().enumerate() {
        let sigma = noise_scale(&series.target);
        let integer = series.target.iter().filter(|v| v.is_finite()).all(|v| v.fract() == 0.0);
        let n = series.target.len();
        for spec in &plan.specs {
            let len = if matches!(spec.kind, AnomalyKind::Spike | AnomalyKind::Drop) { 1 } else { spec.length };
            let usable = n.saturating_sub(plan.skip_first + len + 1);
            let expected = spec.per_1000 * usable as f64 / 1000.0;
            let episodes = expected.floor() as usize + usize::from(rng.unit() < expected.fract());
            for _ in 0..episodes {
                let placed = (0..50).find_map(|_| {
                    if usable == 0 {
                        return None;
                    }
                    let start = plan.skip_first + 1 + rng.below(usable);
                    let target = &series.target;
                    let free = (start - 1..(start + len + 1).min(n)).all(|t| truth.labels[si][t].is_none());
                    let finite = target[start - 1..start + len].iter().all(|v| v.is_finite());
                    let visible = match spec.kind {
                        AnomalyKind::Drop => target[start] - spec.magnitude * sigma >= 0.0,
                        AnomalyKind::Stuck => target[start..start + len].iter().any(|&v| v != target[start - 1]),
                        AnomalyKind::Stockout => target[start..start + len].iter().all(|&v| v > 0.0),
                        AnomalyKind::Spike | AnomalyKind::LevelShift => true,
                    };
                    (free && finite && visible).then_some(start)
                });
                let Some(start) = placed else {
                    *not_placed.entry(spec.kind).or_default() += 1;
                    continue;
                };
                let span = &mut series.target[start..start + len];
                let magnitude = match spec.kind {
                    AnomalyKind::Spike => {
                        span[0] += spec.magnitude * sigma;
                        spec.magnitude * sigma
                    }
                    AnomalyKind::Drop => {
                        span[0] -= spec.magnitude * sigma;
                        -spec.magnitude * sigma
                    }
                    AnomalyKind::LevelShift => {
                        let m = if rng.unit() < 0.5 { spec.magnitude } else { -spec.magnitude };
                        for v in span.iter_mut() {
                            *v *= 1.0 + m;
                        }
                        m
                    }
                    AnomalyKind::Stuck => {
                        let held = series.target[start - 1];
                        series.target[start..start + len].fill(held);
                        0.0
                    }
                    AnomalyKind::Stockout => {
                        span.fill(0.0);
                        0.0
                    }
                };
                if integer {
                    series.target[start..start + len].iter_mut().for_each(|v| *v = v.round());
                }
                truth.labels[si][start..start + len].fill(Some(spec.kind));
                truth.episodes.push(InjectedAnomaly {
                    series: si,
                    key: series.key.clone(),
                    start,
                    len,
                    kind: spec.kind,
                    magnitude,
                });
            }
        }
    }
    let mut not_placed: Vec<(AnomalyKind, usize)> = not_placed.into_iter().collect();
    not_placed.sort();
    truth.not_placed = not_placed;
    Ok((out, truth))
}
