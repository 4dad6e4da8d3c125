//! The crate's error type.

/// Everything that can go wrong in forecast-retrain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RetrainError {
    /// An error from forecast-core or a port implementation (store, tracker, permission).
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
    /// A setting is out of its range.
    #[error("invalid {name} `{value}`: expected {expected}")]
    InvalidParam {
        /// The setting's name.
        name: &'static str,
        /// The rejected value.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A cron expression could not be parsed.
    #[error("cron expression `{expression}`: {message}; expected five or six fields such as `0 6 * * MON`")]
    Cron {
        /// The expression given.
        expression: String,
        /// The parser's message.
        message: String,
    },
    /// A job journal could not be read or written.
    #[error("job journal {path}: {message}")]
    Journal {
        /// The journal file.
        path: String,
        /// What went wrong (line numbers where known).
        message: String,
    },
    /// The search produced no usable trial.
    #[error("search: {0}")]
    Search(String),
}

/// Result with [`RetrainError`].
pub type Result<T, E = RetrainError> = std::result::Result<T, E>;

pub(crate) fn invalid(name: &'static str, value: impl ToString, expected: &'static str) -> RetrainError {
    RetrainError::InvalidParam { name, value: value.to_string(), expected }
}
