//! How ingest treats bad rows and missing periods.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What ingest does with a problem row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum IngestMode {
    /// The first problem is an error ([`crate::Error::Parse`]).
    #[default]
    Strict,
    /// Problem rows are skipped, counted by kind and listed in the [`super::IngestReport`].
    Lenient,
}

/// How a missing period inside a series' history (a date with no row, or an empty target
/// cell) is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum GapPolicy {
    /// Target 0 (a missing day in a sales extract usually means no sale).
    Zero,
    /// Target NaN: the period is kept on the calendar but excluded from training and metrics.
    #[default]
    Masked,
    /// The previous period's target (NaN when there is none).
    ForwardFill,
}

impl fmt::Display for GapPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Zero => "zero",
            Self::Masked => "masked",
            Self::ForwardFill => "forward fill",
        })
    }
}

impl std::str::FromStr for GapPolicy {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "zero" => Ok(Self::Zero),
            "masked" | "mask" | "nan" => Ok(Self::Masked),
            "forwardfill" | "ffill" => Ok(Self::ForwardFill),
            _ => Err(crate::Error::InvalidParam {
                name: "gap_policy",
                value: s.into(),
                expected: "zero, masked or forward-fill",
            }),
        }
    }
}

/// What ingest does with a second row for the same series and date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// A problem row (an error in strict mode, skipped and counted in lenient mode).
    #[default]
    Error,
    /// Add the targets (several transaction lines of one day); the rows' regressors must agree.
    Sum,
}

impl std::str::FromStr for DuplicatePolicy {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Self::Error),
            "sum" => Ok(Self::Sum),
            _ => Err(crate::Error::InvalidParam { name: "duplicates", value: s.into(), expected: "error or sum" }),
        }
    }
}

/// What ingest does with a negative target (returns exceeding sales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativePolicy {
    /// A problem row (an error in strict mode, skipped and counted in lenient mode).
    #[default]
    Error,
    /// Replace by 0 (net returns count as no sale), counted in the report.
    ClipToZero,
    /// Keep the negative value, counted in the report (count objectives such as Poisson will
    /// then refuse to fit).
    Keep,
}

impl std::str::FromStr for NegativePolicy {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "error" => Ok(Self::Error),
            "clip" | "cliptozero" | "zero" => Ok(Self::ClipToZero),
            "keep" => Ok(Self::Keep),
            _ => {
                Err(crate::Error::InvalidParam { name: "negatives", value: s.into(), expected: "error, clip or keep" })
            }
        }
    }
}

/// Ingest options: strictness, gap policy, duplicates and negative targets.
///
/// | Field | Default | Purpose |
/// |---|---|---|
/// | `mode` | `Strict` | error on the first problem, or skip and report |
/// | `gap_policy` | `Masked` | how missing periods inside a history are filled |
/// | `duplicates` | `Error` | a second row for a series and date: a problem, or summed |
/// | `negatives` | `Error` | a negative target: a problem, clipped to 0, or kept |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IngestOptions {
    /// Strict or lenient.
    pub mode: IngestMode,
    /// Gap filling policy.
    pub gap_policy: GapPolicy,
    /// Duplicate (series, date) rows.
    #[serde(default)]
    pub duplicates: DuplicatePolicy,
    /// Negative targets.
    #[serde(default)]
    pub negatives: NegativePolicy,
}

impl IngestOptions {
    /// Strict mode with the given gap policy.
    pub fn strict(gap_policy: GapPolicy) -> Self {
        Self { mode: IngestMode::Strict, gap_policy, ..Self::default() }
    }

    /// Lenient mode with the given gap policy.
    pub fn lenient(gap_policy: GapPolicy) -> Self {
        Self { mode: IngestMode::Lenient, gap_policy, ..Self::default() }
    }

    /// Set the duplicate policy.
    pub fn duplicates(mut self, policy: DuplicatePolicy) -> Self {
        self.duplicates = policy;
        self
    }

    /// Set the negative-target policy.
    pub fn negatives(mut self, policy: NegativePolicy) -> Self {
        self.negatives = policy;
        self
    }
}
