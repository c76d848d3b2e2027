//! Errors of the LSM layer.

/// LSM errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A merge engine met input it cannot merge (e.g. a retraction for a function that has no
    /// retract), naming the field and function.
    #[error("{0}")]
    Merge(String),
    /// Bad configuration (unknown aggregate function, unsupported type for a function, ...).
    #[error("{0}")]
    Config(String),
    /// Arrow failed.
    #[error("{context}: {source}")]
    Arrow {
        /// What we were doing.
        context: String,
        /// Arrow's error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// Local spill files failed.
    #[error("spilling the write buffer to {path}: {source}")]
    Spill {
        /// Spill file.
        path: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// An invariant was broken (a bug).
    #[error("internal error: {0}")]
    Internal(String),
    /// An error from the input streams (e.g. reading a file) passed through unchanged.
    #[error(transparent)]
    External(Box<dyn std::error::Error + Send + Sync>),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
