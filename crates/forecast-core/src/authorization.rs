//! The permission-check port for actions that change state.
//!
//! forecast-security implements it for a live session; forecast-agent (mutating tools) and
//! forecast-retrain (promotions) consume it, so neither depends on the security crate.

use crate::Result;
use serde::{Deserialize, Serialize};
use std::fmt::{self, Debug};

/// A state-changing action that must be authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GuardedAction {
    /// Register a new model version.
    RegisterModel,
    /// Move an alias (e.g. `champion`) to another version.
    PromoteModel,
    /// Move an alias back to its previous holder.
    RollbackModel,
    /// Start a retraining job.
    Retrain,
}

impl GuardedAction {
    /// The snake_case name used in audit rows and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::RegisterModel => "register_model",
            Self::PromoteModel => "promote_model",
            Self::RollbackModel => "rollback_model",
            Self::Retrain => "retrain",
        }
    }
}

impl fmt::Display for GuardedAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decides whether the caller it speaks for may perform an action on a target.
pub trait PermissionCheck: Send + Sync + Debug {
    /// Who is asking (user or service name), for messages and audit rows.
    fn actor(&self) -> String;

    /// `Ok(())` when the caller may perform `action` on `target` (e.g. `demand@champion`).
    ///
    /// # Errors
    /// [`crate::Error::PermissionDenied`] saying why, when it may not (deny by default).
    fn check(&self, action: GuardedAction, target: &str) -> Result<()>;
}
