//! Silences: mute matching alerts for a time.

use super::Matcher;
use super::matcher::all_match;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A silence's id, unique within one [`super::AlertManager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SilenceId(pub u64);

/// Mutes every alert its matchers match while `starts_at <= now < ends_at`; it expires at
/// `ends_at` (or when expired early).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// Conditions an alert must all meet (at least one).
    pub matchers: Vec<Matcher>,
    /// When it starts muting.
    pub starts_at: DateTime<Utc>,
    /// When it stops.
    pub ends_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

impl Silence {
    /// Whether the silence mutes `labels` at `now`.
    pub fn mutes(&self, labels: &super::Labels, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at && all_match(&self.matchers, labels)
    }
}
