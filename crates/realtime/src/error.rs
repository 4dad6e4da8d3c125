//! The crate's error type.

/// Everything that can go wrong in forecast-realtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RealtimeError {
    /// An error from forecast-core (panel, CSV ingest, ...).
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
    /// A parameter was outside its accepted range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParam {
        /// Parameter name as written in the params struct.
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// The accepted range or values.
        expected: &'static str,
    },
    /// A point given to a detector or statistic could not be used.
    #[error("{component}: input {position}: {message}")]
    InvalidInput {
        /// The detector or statistic (e.g. `hst`).
        component: &'static str,
        /// Which value: `x[2]`, `length`, ...
        position: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// A detector name is not one this crate offers.
    #[error("unknown detector `{name}`; the detectors are: {}", accepted.join(", "))]
    UnknownDetector {
        /// The name that was asked for.
        name: String,
        /// The names that are accepted.
        accepted: Vec<&'static str>,
    },
    /// A label matcher, route, inhibition rule or silence is malformed.
    #[error("alert configuration, {place}: {message}")]
    AlertConfig {
        /// Which rule or field (e.g. `silence 3: matchers`).
        place: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// An alert sink failed to deliver a notification; the group stays unsent and is retried at its next flush.
    #[error("alert sink `{sink}`: {message}")]
    Sink {
        /// The sink's name.
        sink: String,
        /// What went wrong.
        message: String,
    },
    /// The other end of a channel is gone.
    #[error("channel closed: {0}")]
    Closed(&'static str),
}

/// Result alias with [`RealtimeError`] as the default error.
pub type Result<T, E = RealtimeError> = std::result::Result<T, E>;

impl RealtimeError {
    pub(crate) fn param(name: &'static str, value: impl ToString, expected: &'static str) -> Self {
        Self::InvalidParam { name, value: value.to_string(), expected }
    }

    pub(crate) fn input(component: &'static str, position: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput { component, position: position.into(), message: message.into() }
    }
}

impl From<RealtimeError> for forecast_core::Error {
    fn from(e: RealtimeError) -> Self {
        match e {
            RealtimeError::Core(inner) => inner,
            other => forecast_core::Error::Backend { backend: "forecast-realtime", source: Box::new(other) },
        }
    }
}
