//! The crate's error type.

/// Everything that can go wrong in forecast-decisions.
///
/// Each variant names the parameter, policy or input involved and what would be accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecisionError {
    /// A parameter was given a value outside its accepted range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter name (stockpyl's name where stockpyl has one).
        name: String,
        /// The rejected value, as text.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A required parameter was not given.
    #[error("missing parameter `{name}` for {context}: {expected}")]
    MissingParameter {
        /// The parameter name.
        name: String,
        /// The policy or function that needs it.
        context: String,
        /// What is expected there.
        expected: String,
    },
    /// A request named a parameter that the policy does not take.
    #[error("unknown parameter `{name}` for {context}; accepted: {accepted}")]
    UnknownParameter {
        /// The parameter name given.
        name: String,
        /// The policy.
        context: String,
        /// The parameters the policy takes, comma separated.
        accepted: String,
    },
    /// A request named a policy or method that does not exist.
    #[error("unknown {what} `{name}`; known: {known}")]
    UnknownName {
        /// "policy" or "method".
        what: &'static str,
        /// The name given.
        name: String,
        /// The names that exist, comma separated.
        known: String,
    },
    /// Two inputs that must have matching lengths do not.
    #[error("length mismatch for {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// Which input.
        what: String,
        /// The expected length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// There is too little data to compute the result.
    #[error("not enough data for {what}: need {needed}, got {got}")]
    InsufficientData {
        /// What was being computed.
        what: String,
        /// How many observations (or values) are needed.
        needed: usize,
        /// How many were given.
        got: usize,
    },
    /// A numerical procedure found no solution for these inputs.
    #[error("no solution for {what}: {reason}")]
    NoSolution {
        /// What was being solved.
        what: String,
        /// Why, and what to change.
        reason: String,
    },
    /// A request was not valid JSON or not a JSON object.
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What was wrong and what is accepted.
        reason: String,
    },
    /// JSON (de)serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// An error from forecast-core.
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
}

impl DecisionError {
    /// An [`DecisionError::InvalidParameter`] for `name` with `value`.
    pub fn invalid(name: impl Into<String>, value: impl std::fmt::Display, expected: impl Into<String>) -> Self {
        Self::InvalidParameter { name: name.into(), value: value.to_string(), expected: expected.into() }
    }

    /// The parameter this error names, if it names one.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Self::InvalidParameter { name, .. }
            | Self::MissingParameter { name, .. }
            | Self::UnknownParameter { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Result alias with [`DecisionError`] as the default error.
pub type Result<T, E = DecisionError> = std::result::Result<T, E>;

/// Check that `value` is finite and strictly positive.
pub(crate) fn positive(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(DecisionError::invalid(name, value, "a finite number > 0"))
    }
}

/// Check that `value` is finite and not negative.
pub(crate) fn non_negative(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(DecisionError::invalid(name, value, "a finite number >= 0"))
    }
}

/// Check that `value` is finite.
pub(crate) fn finite(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() { Ok(value) } else { Err(DecisionError::invalid(name, value, "a finite number")) }
}

/// Check that `value` is a probability strictly inside (0, 1).
pub(crate) fn open_unit(name: &str, value: f64) -> Result<f64> {
    if value > 0.0 && value < 1.0 { Ok(value) } else { Err(DecisionError::invalid(name, value, "a number in (0, 1)")) }
}
