//! Injected anomalies of known kinds, with their ground truth.

use crate::detect::Direction;
use crate::rng::SplitMix64;
use crate::{RealtimeError, Result};
use chrono::NaiveDate;
use forecast_core::{Frequency, Panel, SeriesKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The kinds of anomaly the simulator injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// One period `magnitude·σ` above its own value. Unlike a drop a spike always fits, so its
    /// place is drawn without looking at the value: its size against the series' expectation is
    /// `magnitude·σ` plus the period's own noise, unbiased.
    Spike,
    /// One period at least `magnitude·σ` below the series' [`local_level`]: its value becomes
    /// `min(value, level - magnitude·σ)` (rounded down on integer series), and a drop is placed
    /// only where the whole of it fits, `level - magnitude·σ >= 0`. Where the level is low against
    /// the noise no drop fits, and the plan's drops there are counted in
    /// [`GroundTruth::not_placed`].
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

    /// The side of the series' expectation the kind's periods lie on: above for a spike, below
    /// for a drop and a stockout; `None` for a level shift (either way) and a stuck run (both).
    pub fn direction(self) -> Option<Direction> {
        match self {
            Self::Spike => Some(Direction::Above),
            Self::Drop | Self::Stockout => Some(Direction::Below),
            Self::LevelShift | Self::Stuck => None,
        }
    }

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
/// | `magnitude` | 4 σ, 4 σ, 0.5, -, - | size: in noise σ for spikes (above the value) and drops (below the [`local_level`]), relative for level shifts | > 0 (level shift <= 1) |
/// | `length` | 1, 1, 14, 7, 5 | periods per episode | >= 1 |
///
/// σ is the series' noise scale ([`noise_scale`]): the robust standard deviation (1.4826 · MAD)
/// of its values' deviations from their [`local_level`] over the clean series, at least 0.5. So
/// `m σ` is m times the spread of a period around the level of the same phase just before it,
/// which is the noise a spike or a drop has to stand out from.
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
    /// The signed change applied: units for spikes and drops (new value minus old), the factor
    /// minus 1 for level shifts, 0 for stuck runs and stockouts.
    pub magnitude: f64,
    /// The [`local_level`] of the first period on the clean series, which a drop lies at least
    /// `magnitude·σ` below; `None` for other kinds or where the level is not defined.
    pub level: Option<f64>,
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

/// Same-phase values before a period whose median is its [`local_level`].
pub const LEVEL_POINTS: usize = 5;

/// Periods between the values [`local_level`] takes the median of: the frequency's season
/// when [`LEVEL_POINTS`] of its seasons span at most a quarter of a year (daily data: 7, the
/// same weekday), else 1 (weekly and monthly data, whose yearly season is too slow to look back
/// over: the periods just before).
pub fn level_step(frequency: Frequency) -> usize {
    let season = frequency.default_season();
    if LEVEL_POINTS * season <= frequency.periods_per_year() / 4 { season } else { 1 }
}

/// The local expected level of period `t` of a series: the median of the [`LEVEL_POINTS`]
/// values at `t - k·step`, `k = 1..=LEVEL_POINTS` (`step` from [`level_step`]), that is of the
/// periods just before `t` at the same phase of the season. Robust to up to two unusual
/// periods among them, blind to `t`'s own value. `None` when one of them is missing (before the
/// series' start or NaN).
pub fn local_level(target: &[f64], t: usize, step: usize) -> Option<f64> {
    let step = step.max(1);
    let mut values = (1..=LEVEL_POINTS)
        .map(|k| t.checked_sub(k * step).and_then(|i| target.get(i).copied()).filter(|v| v.is_finite()))
        .collect::<Option<Vec<f64>>>()?;
    Some(median(&mut values))
}

/// Smallest noise scale [`noise_scale`] returns.
pub const MIN_NOISE_SCALE: f64 = 0.5;

/// The noise scale σ of a series around its local level: `1.4826 · MAD` of `target[t] -
/// local_level(target, t, step)` over the periods where both are defined (MAD: the median
/// absolute deviation from the median; 1.4826 makes it the standard deviation of normal noise),
/// at least [`MIN_NOISE_SCALE`] (also with fewer than 2 such periods). Robust: promotions, stockouts
/// and other unusual days move it little, and the seasonal pattern not at all, since the level
/// is taken at the same phase. The deviations include the level's own error (a median of five
/// values), so on normal noise σ is about 1.13 times the noise's standard deviation.
pub fn noise_scale(target: &[f64], step: usize) -> f64 {
    let mut deviations: Vec<f64> = (0..target.len())
        .filter_map(|t| Some(target[t] - local_level(target, t, step)?))
        .filter(|d| d.is_finite())
        .collect();
    if deviations.len() < 2 {
        return MIN_NOISE_SCALE;
    }
    let centre = median(&mut deviations);
    let mut spread: Vec<f64> = deviations.iter().map(|d| (d - centre).abs()).collect();
    (1.4826 * median(&mut spread)).max(MIN_NOISE_SCALE)
}

/// The median of a non-empty sample (sorts it).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

/// Copy `panel` with the anomalies of `plan` injected, and return their ground truth.
/// Episodes never overlap (one clean period is kept between them) and fall only where they are
/// visible: a drop where it fits below the local level (see [`AnomalyKind::Drop`]; the level is
/// taken on `panel`'s clean values, so earlier episodes do not move it), a stuck run where the values would have changed,
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
    let step = level_step(panel.frequency);
    for (si, series) in out.series.iter_mut().enumerate() {
        let clean = &panel.series[si].target;
        let sigma = noise_scale(clean, step);
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
                        AnomalyKind::Drop => {
                            local_level(clean, start, step).is_some_and(|level| level - spec.magnitude * sigma >= 0.0)
                        }
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
                let level = match spec.kind {
                    AnomalyKind::Spike | AnomalyKind::Drop => local_level(clean, start, step),
                    _ => None,
                };
                let span = &mut series.target[start..start + len];
                let magnitude = match spec.kind {
                    AnomalyKind::Spike => {
                        span[0] += spec.magnitude * sigma;
                        spec.magnitude * sigma
                    }
                    AnomalyKind::Drop => {
                        // Placed only where the level is defined and the drop fits.
                        let floor = level.map_or(0.0, |l| l - spec.magnitude * sigma);
                        let to = if integer { floor.floor() } else { floor };
                        let before = span[0];
                        span[0] = before.min(to.max(0.0));
                        span[0] - before
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
                    level,
                });
            }
        }
    }
    let mut not_placed: Vec<(AnomalyKind, usize)> = not_placed.into_iter().collect();
    not_placed.sort();
    truth.not_placed = not_placed;
    Ok((out, truth))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use forecast_core::Series;

    /// One daily series per target vector, no regressors.
    fn panel(targets: Vec<Vec<f64>>) -> Panel {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let series = targets
            .into_iter()
            .enumerate()
            .map(|(i, target)| Series {
                key: SeriesKey(vec![format!("s{i}")]),
                start,
                target,
                regressors: vec![],
                statics: vec![],
            })
            .collect();
        Panel::new(Frequency::Daily, vec!["series".into()], "units", vec![], vec![], vec![], series).unwrap()
    }

    /// A busy series with a weekly pattern and small deterministic noise.
    fn busy(n: usize, phase: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(phase);
        (0..n)
            .map(|t| (200.0 + [0.0, 10.0, 20.0, 30.0, 40.0, 60.0, 50.0][t % 7] + (rng.unit() * 10.0).floor()).round())
            .collect()
    }

    #[test]
    fn local_level_is_the_median_of_the_same_weekday_before() {
        assert_eq!(
            (level_step(Frequency::Daily), level_step(Frequency::Weekly), level_step(Frequency::Monthly)),
            (7, 1, 1)
        );
        let mut x: Vec<f64> = (0..50).map(f64::from).collect();
        // Same weekday as t = 40: 33, 26, 19, 12, 5; one of them an outlier.
        x[26] = 1000.0;
        assert_eq!(local_level(&x, 40, 7), Some(19.0));
        assert_eq!(local_level(&x, 40, 1), Some(37.0));
        assert_eq!(local_level(&x, 34, 7), None, "t - 35 is before the start");
        x[33] = f64::NAN;
        assert_eq!(local_level(&x, 40, 7), None, "a missing period leaves the level undefined");
        assert_eq!(local_level(&x, 50, 1), Some(47.0), "the level of the period just past the end");
        assert_eq!(local_level(&x, 52, 1), None, "periods past the end are missing");
    }

    #[test]
    fn noise_scale_is_the_robust_spread_around_the_local_level() {
        // A weekly pattern alone: every value equals its level, σ is the floor.
        let pattern: Vec<f64> = (0..70).map(|t| [5.0, 9.0, 14.0, 3.0, 7.0, 20.0, 11.0][t % 7]).collect();
        assert_eq!(noise_scale(&pattern, 7), MIN_NOISE_SCALE);
        // By hand, step 1: levels from t = 5 are all 10 (medians of five values before),
        // deviations 2, -2, 0, 4, 0: median 0, absolute deviations 2, 2, 0, 4, 0, MAD 2.
        let mut x = vec![10.0, 10.0, 10.0, 10.0, 10.0, 12.0, 8.0, 10.0, 14.0, 10.0];
        assert!((noise_scale(&x, 1) - 1.4826 * 2.0).abs() < 1e-12);
        // A promotion day (14 -> 100) does not move it; the standard deviation of first
        // differences over √2 (the earlier scale) goes from 1.9 to 32.
        x[8] = 100.0;
        assert!((noise_scale(&x, 1) - 1.4826 * 2.0).abs() < 1e-12);
        assert_eq!(noise_scale(&[1.0], 7), MIN_NOISE_SCALE);
    }

    #[test]
    fn drops_lie_at_least_magnitude_sigma_below_the_local_level() {
        let clean = panel((0..4).map(|i| busy(400, i)).collect());
        let spec = AnomalySpec { per_1000: 30.0, ..AnomalySpec::default_for(AnomalyKind::Drop) };
        let (injected, truth) = inject(&clean, &AnomalyPlan::with_specs(3, vec![spec])).unwrap();
        assert!(truth.episodes.len() > 20, "{} drops placed", truth.episodes.len());
        assert!(truth.not_placed.is_empty(), "{:?}", truth.not_placed);
        for e in &truth.episodes {
            let (before, after) = (&clean.series[e.series].target, &injected.series[e.series].target);
            let sigma = noise_scale(before, 7);
            let level = local_level(before, e.start, 7).unwrap();
            assert_eq!(e.level, Some(level));
            assert!(level - spec.magnitude * sigma >= 0.0, "placed where it does not fit");
            assert!(after[e.start] <= level - spec.magnitude * sigma, "{} vs level {level}, σ {sigma}", after[e.start]);
            assert!(after[e.start] >= 0.0 && after[e.start] <= before[e.start] && after[e.start].fract() == 0.0);
            assert_eq!(e.magnitude, after[e.start] - before[e.start]);
        }
    }

    #[test]
    fn no_drop_where_it_cannot_fit() {
        // Level about 3 with noise σ about 3: a 4σ drop would go below 0.
        let mut rng = SplitMix64::new(11);
        let quiet: Vec<f64> = (0..400).map(|_| (rng.unit() * 7.0).floor()).collect();
        let clean = panel(vec![quiet.clone(), busy(400, 9)]);
        let sigma = noise_scale(&quiet, 7);
        assert!((90..400).all(|t| local_level(&quiet, t, 7).is_some_and(|l| l - 4.0 * sigma < 0.0)));
        let specs = vec![
            AnomalySpec { per_1000: 30.0, ..AnomalySpec::default_for(AnomalyKind::Drop) },
            AnomalySpec { per_1000: 30.0, ..AnomalySpec::default_for(AnomalyKind::Spike) },
        ];
        let (injected, truth) = inject(&clean, &AnomalyPlan::with_specs(4, specs)).unwrap();
        let on = |s: usize, k: AnomalyKind| truth.episodes.iter().filter(|e| e.series == s && e.kind == k).count();
        assert_eq!(on(0, AnomalyKind::Drop), 0);
        assert!(on(0, AnomalyKind::Spike) > 0 && on(1, AnomalyKind::Drop) > 0);
        let not_placed: usize = truth.not_placed.iter().filter(|(k, _)| *k == AnomalyKind::Drop).map(|(_, n)| n).sum();
        assert!(not_placed >= 5, "the quiet series' planned drops are counted: {:?}", truth.not_placed);
        assert!((0..400).filter(|&t| truth.label(0, t).is_none()).all(|t| injected.series[0].target[t] == quiet[t]));
    }
}
