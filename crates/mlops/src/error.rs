//! The crate's error type.

/// Everything that can go wrong in forecast-mlops.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MlopsError {
    /// An error from forecast-core (not found, artifact format, ...).
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
    /// SQLite failed while carrying out an operation.
    #[error("sqlite during {operation}: {source}")]
    Storage {
        /// The registry or tracking operation, e.g. `register`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// A storage backend other than SQLite failed while carrying out an operation.
    #[error("{backend} during {operation}: {source}")]
    Backend {
        /// The backend, e.g. `postgres`.
        backend: &'static str,
        /// The registry or tracking operation, e.g. `register`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database was written by a newer version of this crate.
    #[error("database schema version {found} is newer than this build supports ({supported}); upgrade forecast-mlops")]
    SchemaTooNew {
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// Newest schema this build knows.
        supported: i64,
    },
    /// A stored artifact's bytes do not hash to its address.
    #[error("artifact {expected} is corrupt: its bytes hash to {actual}")]
    CorruptArtifact {
        /// The SHA-256 the artifact is stored under.
        expected: String,
        /// The SHA-256 of the bytes found.
        actual: String,
    },
    /// A model, alias, experiment, key or path name is not allowed.
    #[error("invalid {what} `{value}`: expected {expected}")]
    InvalidName {
        /// Which kind of name ("model name", "alias", ...).
        what: &'static str,
        /// The rejected name.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A search filter could not be parsed.
    #[error("filter column {column}: {message}")]
    Filter {
        /// 1-based column (in characters) of the offending token.
        column: usize,
        /// What was found and what was expected there.
        message: String,
    },
    /// A version cannot be archived while an alias points at it.
    #[error("{name}@{version} is held by alias `{alias}`; move the alias before archiving")]
    AliasHeld {
        /// Model name.
        name: String,
        /// Version number.
        version: u32,
        /// The alias that points at it.
        alias: String,
    },
    /// An archived version cannot take an alias.
    #[error("{name}@{version} is archived and cannot take an alias")]
    Archived {
        /// Model name.
        name: String,
        /// Version number.
        version: u32,
    },
    /// A run that has ended cannot be logged to.
    #[error("run {run} has ended with status {status}; start a new run to log more")]
    RunEnded {
        /// Run id.
        run: i64,
        /// Its final status.
        status: String,
    },
    /// Input values that cannot be used (empty samples, non-finite metrics, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Result alias with [`MlopsError`] as the default error.
pub type Result<T, E = MlopsError> = std::result::Result<T, E>;

impl MlopsError {
    /// A `NotFound` core error.
    pub(crate) fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::Core(forecast_core::Error::NotFound { what, id: id.into() })
    }

    /// A closure mapping a rusqlite error into [`MlopsError::Storage`].
    pub(crate) fn storage(operation: &'static str) -> impl Fn(rusqlite::Error) -> Self {
        move |source| Self::Storage { operation, source }
    }
}

impl From<MlopsError> for forecast_core::Error {
    fn from(e: MlopsError) -> Self {
        match e {
            MlopsError::Core(inner) => inner,
            other => forecast_core::Error::Backend { backend: "forecast-mlops", source: Box::new(other) },
        }
    }
}
