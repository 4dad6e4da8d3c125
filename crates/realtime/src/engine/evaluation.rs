//! Detection quality against the simulator's ground truth.

use crate::detect::Direction;
use crate::source::{AnomalyKind, GroundTruth};
use crate::{RealtimeError, Result};
use chrono::{DateTime, Utc};
use forecast_core::SeriesKey;
use serde::{Deserialize, Serialize};

/// Precision, recall, F1 and detection delay of one detector on one labelled stream.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectionScore {
    /// Flagged labelled points.
    pub true_positives: usize,
    /// Flagged unlabelled points.
    pub false_positives: usize,
    /// Of the false positives, those within [`AFTERMATH`] periods after the end of an episode
    /// of the scored kinds: the anomaly's echo through the lags and windows of later forecasts.
    pub false_positives_after: usize,
    /// Labelled points not flagged.
    pub missed: usize,
    /// `tp / (tp + fp)` (0 when nothing was flagged).
    pub precision: f64,
    /// `tp / (tp + missed)` (0 when nothing is labelled).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Episodes labelled.
    pub episodes: usize,
    /// Episodes with at least one flagged point.
    pub episodes_detected: usize,
    /// Mean periods from an episode's start to its first flagged point, over detected episodes.
    pub delay_mean: Option<f64>,
}

/// Periods after an episode in which a false positive counts as its echo
/// ([`DetectionScore::false_positives_after`]): a week of daily data.
pub const AFTERMATH: usize = 7;

/// Which flags [`Evaluation::score_with`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagScoring {
    /// Every flag, whatever its side.
    #[default]
    AllFlags,
    /// For a kind with a side ([`AnomalyKind::direction`]: spikes above, drops and stockouts
    /// below), only the flags of that side and the flags recorded without one (a detector that
    /// flags without a side); every flag for the other kinds and for all kinds together.
    KindDirection,
}

const FLAGGED: u8 = 1;

const fn side_bit(d: Direction) -> u8 {
    match d {
        Direction::Above => 2,
        Direction::Below => 4,
    }
}

/// Collects which observed points a detector flagged, and on which side when it says
/// ([`Evaluation::record_direction`]), then scores them against the truth.
/// Points never recorded count as not flagged.
#[derive(Debug, Clone)]
pub struct Evaluation<'a> {
    truth: &'a GroundTruth,
    /// Per point: [`FLAGGED`], and the bits of the sides it was flagged on.
    flagged: Vec<Vec<u8>>,
}

impl<'a> Evaluation<'a> {
    /// An evaluation against `truth`.
    pub fn new(truth: &'a GroundTruth) -> Self {
        Self { truth, flagged: truth.lengths().iter().map(|&n| vec![0; n]).collect() }
    }

    fn locate(&self, key: &SeriesKey, timestamp: DateTime<Utc>) -> Result<(usize, usize)> {
        self.truth.locate(key, timestamp.date_naive()).ok_or_else(|| {
            RealtimeError::input("evaluation", format!("{key} at {timestamp}"), "not a period of the injected panel")
        })
    }

    /// Record the verdict on the period of `key` starting at `timestamp`, without a side.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidInput`] when the series or period is not in the ground truth's panel.
    pub fn record(&mut self, key: &SeriesKey, timestamp: DateTime<Utc>, flagged: bool) -> Result<()> {
        let (s, t) = self.locate(key, timestamp)?;
        if flagged {
            self.flagged[s][t] |= FLAGGED;
        }
        Ok(())
    }

    /// Record a flag on the period of `key` starting at `timestamp`, on the side `direction`
    /// (an alert's `direction` label).
    ///
    /// # Errors
    /// [`RealtimeError::InvalidInput`] when the series or period is not in the ground truth's panel.
    pub fn record_direction(&mut self, key: &SeriesKey, timestamp: DateTime<Utc>, direction: Direction) -> Result<()> {
        let (s, t) = self.locate(key, timestamp)?;
        self.flagged[s][t] |= FLAGGED | side_bit(direction);
        Ok(())
    }

    /// The score on anomalies of `kind` (every kind when `None`) counting every flag
    /// ([`FlagScoring::AllFlags`]); false positives are the flagged unlabelled points in either
    /// case, so inject one kind at a time for a per-kind precision.
    pub fn score(&self, kind: Option<AnomalyKind>) -> DetectionScore {
        self.score_with(kind, FlagScoring::AllFlags)
    }

    /// The score on anomalies of `kind` (every kind when `None`), counting the flags `scoring`
    /// says: with [`FlagScoring::KindDirection`] a spike-only stream is scored on the flags
    /// above the expectation, so that the false alarms below it (which no spike can explain)
    /// do not count against the detector of spikes.
    pub fn score_with(&self, kind: Option<AnomalyKind>, scoring: FlagScoring) -> DetectionScore {
        let side = match scoring {
            FlagScoring::AllFlags => None,
            FlagScoring::KindDirection => kind.and_then(AnomalyKind::direction),
        };
        // A flag counts when it has the kind's side or no side at all.
        let counts = |bits: u8| match side {
            None => bits & FLAGGED != 0,
            Some(d) => bits & side_bit(d) != 0 || bits == FLAGGED,
        };
        let flagged: Vec<Vec<bool>> = self.flagged.iter().map(|f| f.iter().map(|&b| counts(b)).collect()).collect();
        let wanted = |k: AnomalyKind| kind.is_none_or(|want| want == k);
        let (mut tp, mut fp, mut missed) = (0, 0, 0);
        for (s, flags) in flagged.iter().enumerate() {
            for (t, &f) in flags.iter().enumerate() {
                match self.truth.label(s, t) {
                    Some(k) if wanted(k) => {
                        if f {
                            tp += 1
                        } else {
                            missed += 1
                        }
                    }
                    Some(_) => {}
                    None => fp += usize::from(f),
                }
            }
        }
        let episodes: Vec<_> = self.truth.episodes.iter().filter(|e| wanted(e.kind)).collect();
        let delays: Vec<usize> = episodes
            .iter()
            .filter_map(|e| (0..e.len).find(|&d| flagged[e.series].get(e.start + d).copied().unwrap_or(false)))
            .collect();
        let mut echo: Vec<Vec<bool>> = flagged.iter().map(|f| vec![false; f.len()]).collect();
        for e in &episodes {
            let end = e.start + e.len;
            for t in end..(end + AFTERMATH).min(echo[e.series].len()) {
                echo[e.series][t] = true;
            }
        }
        let false_positives_after = flagged
            .iter()
            .enumerate()
            .flat_map(|(s, flags)| flags.iter().enumerate().map(move |(t, &f)| (s, t, f)))
            .filter(|&(s, t, f)| f && echo[s][t] && self.truth.label(s, t).is_none())
            .count();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + missed));
        DetectionScore {
            true_positives: tp,
            false_positives: fp,
            false_positives_after,
            missed,
            precision,
            recall,
            f1: if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 },
            episodes: episodes.len(),
            episodes_detected: delays.len(),
            delay_mean: (!delays.is_empty()).then(|| delays.iter().sum::<usize>() as f64 / delays.len() as f64),
        }
    }
}
