//! Errors of the format layer; every variant names the file.

/// Errors while reading or writing a data file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file's bytes are not what the format promises (truncated, wrong magic, bad page).
    #[error("data file {path} is corrupt or unreadable: {reason}")]
    Corrupt {
        /// Logical path of the file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A column the caller needs is missing or has an incompatible type.
    #[error("data file {path}: {reason}")]
    Schema {
        /// Logical path of the file.
        path: String,
        /// What does not match.
        reason: String,
    },
    /// A type or format feature that is not implemented.
    #[error("{feature} is not supported")]
    Unsupported {
        /// What is not supported.
        feature: String,
    },
    /// Arrow failed on data we produced (a bug, or a value out of range).
    #[error("{context}: {source}")]
    Arrow {
        /// What we were doing.
        context: String,
        /// Arrow's error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// Storage failed.
    #[error(transparent)]
    Io(#[from] strata_io::Error),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
