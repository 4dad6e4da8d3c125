//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in forecast-core.
///
/// Each variant carries what was wrong, where, and (where it helps) what is accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A matrix or vector had the wrong shape.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// What was being checked (e.g. "predict: n_features").
        context: &'static str,
        /// The accepted size.
        expected: usize,
        /// The size that was given.
        got: usize,
    },
    /// A hyper-parameter was outside its accepted range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParam {
        /// Parameter name as written in the params builder.
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// The accepted range or values.
        expected: &'static str,
    },
    /// Input data could not be used (empty, non-finite, too short, ...).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A CSV or other input file had a problem at a known place.
    #[error("{}:{line}:{column} ({field}): {message}", path.display())]
    Parse {
        /// The file (or `<memory>`).
        path: PathBuf,
        /// 1-based line in the file.
        line: u64,
        /// 1-based column.
        column: usize,
        /// Column name.
        field: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// A model file written by another library (LightGBM, XGBoost) could not be imported.
    #[error("{format} model, {place}: {message}")]
    ModelImport {
        /// "LightGBM" or "XGBoost".
        format: &'static str,
        /// Where: line, tree and node, or JSON path.
        place: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// A column named in a column mapping is not in the file's header.
    #[error("{}: column `{column}` is not in the header; the header's columns are: {}", path.display(), header.join(", "))]
    MissingColumn {
        /// The file (or the name given for a reader).
        path: PathBuf,
        /// The column the mapping asked for.
        column: String,
        /// The header's columns, in order.
        header: Vec<String>,
    },
    /// A requested thing (model version, alias, series, ...) does not exist.
    #[error("{what} not found: {id}")]
    NotFound {
        /// The kind of thing looked up.
        what: &'static str,
        /// The identifier that was looked up.
        id: String,
    },
    /// A stored artifact has a format version this build cannot read.
    #[error("unsupported artifact format version {found}; this build reads versions up to {supported}")]
    UnsupportedFormat {
        /// Version found in the artifact.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// Serialisation or deserialisation failed.
    #[error("serialisation ({format}): {message}")]
    Serde {
        /// "json" or "binary".
        format: &'static str,
        /// The underlying message.
        message: String,
    },
    /// An I/O operation failed.
    #[error("i/o on {}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A policy refused the action (permission, scope, quota).
    #[error("permission denied: `{actor}` may not {action} `{target}`: {reason}")]
    PermissionDenied {
        /// Who asked.
        actor: String,
        /// What was asked (e.g. `rollback_models`).
        action: String,
        /// What it was asked on (e.g. `demand@champion`).
        target: String,
        /// Why it was refused, and what would be accepted.
        reason: String,
    },
    /// The model kind does not support the operation (e.g. scoring design rows with a baseline).
    #[error("{operation} is not supported by a `{kind}` model: {hint}")]
    Unsupported {
        /// What was attempted.
        operation: &'static str,
        /// The model kind ([`crate::ModelArtifact::kind`]).
        kind: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// A panel does not match the layout a fitted pipeline expects.
    #[error("panel does not match the pipeline: {what} expected {expected}, found {found}")]
    SchemaMismatch {
        /// Which part differs (frequency, regressor columns, a static level ...).
        what: &'static str,
        /// What the pipeline was fitted with.
        expected: String,
        /// What the panel has.
        found: String,
    },
    /// A tool or API argument was valid in form but not usable (an unknown id, an empty period).
    #[error("argument `{argument}` of `{operation}`: {message}")]
    InvalidArgument {
        /// The tool or function called.
        operation: String,
        /// The argument's name (a JSON path such as `period.from` for nested values).
        argument: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// An error from an adapted library or storage backend.
    #[error("{backend}: {source}")]
    Backend {
        /// Which backend (e.g. "linfa-linear", "sqlite").
        backend: &'static str,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
