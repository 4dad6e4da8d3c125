//! Planners turn a business question into a [`PlanOutcome`]: a plan of tool calls, or a
//! clarifying question when the question cannot be planned without guessing.
//!
//! [`RulePlanner`] is the deterministic default: an intent grammar with synonym sets
//! (the `lexicon` module), slot filling from the caller's closed dictionaries ([`Vocabulary`]),
//! relative dates resolved by the clock, multi-intent questions split into clauses, and a
//! DAG whose steps can take values from earlier results.

mod compose;
mod dates;
pub(crate) mod lexicon;
mod slots;
mod text;
mod vocabulary;

pub use compose::RulePlanner;
pub use vocabulary::Vocabulary;

use crate::error::Result;
use crate::plan::PlanOutcome;
use std::fmt::Debug;

/// Anything that plans: the rule planner, the language-model planner, a test double.
pub trait Planner: Send + Sync + Debug {
    /// Plan `question`, or ask back.
    ///
    /// # Errors
    /// When the planner itself fails (a language-model endpoint down); an unclear question
    /// is not an error but a [`PlanOutcome::Clarify`].
    fn plan(&self, question: &str) -> Result<PlanOutcome>;
}
