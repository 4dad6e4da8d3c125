//! The crate's error type.

/// Everything that can go wrong in forecast-xai.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XaiError {
    /// An error from forecast-core (shapes, model scoring, artifacts, ...).
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
    /// Path-dependent TreeSHAP needs the cover of every node, and a tree has none.
    #[error(
        "tree {tree} has no node covers: path-dependent TreeSHAP needs the training count or hessian \
         sum of every node (LightGBM `internal_count`/`leaf_count`, XGBoost `sum_hessian`, our GBDT); \
         use interventional TreeSHAP with a background set, or fill covers with `fill_covers`"
    )]
    MissingCovers {
        /// Index of the first tree without covers.
        tree: usize,
    },
    /// A node's cover cannot weigh its children (zero or below the sum it must split).
    #[error("tree {tree} node {node}: cover {cover} cannot be split among its children; covers must be positive")]
    BadCover {
        /// Tree index.
        tree: usize,
        /// Node index within the tree.
        node: usize,
        /// The cover found.
        cover: f64,
    },
    /// A tree is deeper than the explainers support.
    #[error("tree {tree} is {depth} levels deep; TreeSHAP supports at most {max} levels")]
    TooDeep {
        /// Tree index.
        tree: usize,
        /// Its depth.
        depth: usize,
        /// The supported maximum.
        max: usize,
    },
    /// A matrix or vector had the wrong shape.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    Shape {
        /// What was being checked.
        context: &'static str,
        /// The accepted size.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// An argument was outside what is accepted.
    #[error("invalid argument `{name}` = {value}: expected {expected}")]
    InvalidArgument {
        /// Argument or field name.
        name: String,
        /// The rejected value, formatted.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A counterfactual query cannot start: the row breaks a range or constraint of its own spec.
    #[error("counterfactual row: {0}")]
    InfeasibleRow(String),
    /// A foreign library failed (linfa, printpdf).
    #[error("{backend}: {message}")]
    Backend {
        /// The library.
        backend: &'static str,
        /// Its message.
        message: String,
    },
    /// A pipeline forecast the same plan differently when a series was scored alone than within
    /// its panel (its features read other series), so plans cannot be searched one series at a time.
    #[error("pipeline: {0}")]
    Pipeline(String),
    /// Writing a report failed.
    #[error("report: {0}")]
    Report(String),
}

/// Result with [`XaiError`] as the default error.
pub type Result<T, E = XaiError> = std::result::Result<T, E>;

impl XaiError {
    pub(crate) fn argument(name: impl Into<String>, value: impl ToString, expected: impl Into<String>) -> Self {
        Self::InvalidArgument { name: name.into(), value: value.to_string(), expected: expected.into() }
    }
}
