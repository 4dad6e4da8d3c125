//! `Selection`: what an automatic choice compared, on which held-out periods, and why it
//! chose what it chose (printed by `forecast_csv`, kept in the pipeline for audits).

use serde::{Deserialize, Serialize};
use std::fmt;

/// One candidate of an automatic choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// What was tried, e.g. `diff(12)` or `ets`.
    pub name: String,
    /// Pooled WAPE on the held-out periods (`None` when the candidate failed).
    pub wape: Option<f64>,
    /// Weight in the final combination (1 for the single chosen candidate, 0 for the others).
    pub weight: f64,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// An automatic choice made on the training part only: the last `holdout` periods of each
/// series' training history were forecast by every candidate fitted on the periods before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// What was chosen (a transform, a model family, ...).
    pub what: String,
    /// Periods held out at the end of each series' training history.
    pub holdout: usize,
    /// Every candidate with its held-out WAPE and final weight.
    pub candidates: Vec<Candidate>,
}

impl Selection {
    /// The candidates with a positive weight.
    pub fn chosen(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.weight > 0.0)
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chosen: Vec<String> = self
            .chosen()
            .map(|c| if c.weight < 1.0 { format!("{} ({:.0}%)", c.name, 100.0 * c.weight) } else { c.name.clone() })
            .collect();
        write!(f, "{}: {} (held-out WAPE over the last {} periods:", self.what, chosen.join(" + "), self.holdout)?;
        for c in &self.candidates {
            match (c.wape, &c.error) {
                (Some(w), _) => write!(f, " {} {w:.4};", c.name)?,
                (None, Some(e)) => write!(f, " {} failed: {e};", c.name)?,
                (None, None) => write!(f, " {} -;", c.name)?,
            }
        }
        write!(f, ")")
    }
}
