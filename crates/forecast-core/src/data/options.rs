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

/// Ingest options: strictness and gap policy.
///
/// | Field | Default | Purpose |
/// |---|---|---|
/// | `mode` | `Strict` | error on the first problem, or skip and report |
/// | `gap_policy` | `Masked` | how missing periods inside a history are filled |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IngestOptions {
    /// Strict or lenient.
    pub mode: IngestMode,
    /// Gap filling policy.
    pub gap_policy: GapPolicy,
}

impl IngestOptions {
    /// Strict mode with the given gap policy.
    pub fn strict(gap_policy: GapPolicy) -> Self {
        Self { mode: IngestMode::Strict, gap_policy }
    }

    /// Lenient mode with the given gap policy.
    pub fn lenient(gap_policy: GapPolicy) -> Self {
        Self { mode: IngestMode::Lenient, gap_policy }
    }
}
