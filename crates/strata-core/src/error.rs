//! Errors of table operations, grouped by what the caller can do about them.
//!
//! Context (table, path, snapshot) lives in fields so that messages name the object and the
//! likely cause. A commit whose outcome is unknown is its own variant: callers must never delete
//! files after it.

use crate::catalog::Identifier;

/// Errors of `strata-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A database does not exist.
    #[error("database '{0}' does not exist")]
    DatabaseNotFound(String),
    /// A database already exists.
    #[error("database '{0}' already exists")]
    DatabaseAlreadyExists(String),
    /// A database still holds tables.
    #[error("database '{0}' is not empty; drop its tables first or use cascade")]
    DatabaseNotEmpty(String),
    /// A table does not exist.
    #[error("table '{0}' does not exist")]
    TableNotFound(Identifier),
    /// A table already exists.
    #[error("table '{0}' already exists")]
    TableAlreadyExists(Identifier),
    /// A snapshot, tag or other named object does not exist.
    #[error("{what} does not exist in table '{table}'{hint}")]
    NotFound {
        /// Table.
        table: String,
        /// What was looked up, e.g. "snapshot 7" or "tag 'daily'".
        what: String,
        /// Extra advice (starts with "; ").
        hint: String,
    },
    /// Bad user input: an argument, a value, a filter.
    #[error("{0}")]
    Invalid(String),
    /// A file or object that exists but cannot be decoded.
    #[error("{what} {path} is corrupt or from an unsupported version: {reason}")]
    Corrupt {
        /// Kind of file ("snapshot", "manifest", "schema", "data file", …).
        what: &'static str,
        /// Location of the file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A file that metadata references is gone.
    #[error("{what} {path} is referenced by table '{table}' but missing; possible causes: it was deleted by hand or by an orphan-file cleaner with a too-short safety window, or the storage lost it")]
    MissingFile {
        /// Table.
        table: String,
        /// Kind of file.
        what: &'static str,
        /// Location.
        path: String,
    },
    /// A feature this version does not implement.
    #[error("{0} is not supported")]
    Unsupported(String),
    /// A commit failed; see [`CommitError`].
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// Format-level error (schema, options, manifest codec).
    #[error(transparent)]
    Spec(#[from] strata_spec::Error),
    /// Data-file error.
    #[error(transparent)]
    Format(#[from] strata_format::Error),
    /// Storage error.
    #[error(transparent)]
    Io(#[from] strata_io::Error),
    /// Arrow error while transforming batches.
    #[error("{context}: {source}")]
    Arrow {
        /// What we were doing.
        context: String,
        /// Arrow's error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// An invariant of ours was broken. Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a commit did not go through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// The commit conflicts with what another writer committed first; nothing was published.
    #[error("commit to '{table}' conflicts with snapshot {snapshot}: {reason}")]
    Conflict {
        /// Table.
        table: String,
        /// The snapshot the commit was checked against.
        snapshot: i64,
        /// Explanation with possible causes.
        reason: String,
    },
    /// Other writers kept winning; nothing was published.
    #[error("commit to '{table}' gave up after {attempts} attempts: other writers kept committing first (raise commit.max-retries or commit.timeout)")]
    RetriesExhausted {
        /// Table.
        table: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Publishing failed in a way that does not tell whether the snapshot exists. No file was
    /// removed; retrying with the same commit identifier is safe.
    #[error("outcome of commit to '{table}' as snapshot {snapshot} is unknown ({source}); no files were removed; retry with the same commit identifier")]
    OutcomeUnknown {
        /// Table.
        table: String,
        /// Snapshot id we tried to create.
        snapshot: i64,
        /// The storage error.
        #[source]
        source: strata_io::Error,
    },
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches "what/where" to lower-level decode errors.
pub(crate) trait CorruptContext<T> {
    fn corrupt(self, what: &'static str, path: &str) -> Result<T>;
}

impl<T> CorruptContext<T> for std::result::Result<T, strata_spec::Error> {
    fn corrupt(self, what: &'static str, path: &str) -> Result<T> {
        self.map_err(|e| match e {
            strata_spec::Error::Corrupt { reason, .. } => Error::Corrupt {
                what,
                path: path.to_string(),
                reason,
            },
            other => Error::Corrupt {
                what,
                path: path.to_string(),
                reason: other.to_string(),
            },
        })
    }
}

pub(crate) fn arrow_err(
    context: impl Into<String>,
) -> impl FnOnce(arrow_schema::ArrowError) -> Error {
    let context = context.into();
    move |source| Error::Arrow { context, source }
}
