//! Errors of the format layer.
//!
//! Every variant names *what* was being decoded or validated and *why* it failed, so that the
//! layers above can attach the path or table and show the user one clear line.

/// Errors raised while parsing, validating or encoding Paimon format objects.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bytes or text that do not follow the format (truncated, wrong version, bad field).
    #[error("corrupt {what}: {reason}")]
    Corrupt {
        /// The kind of object, e.g. "manifest file" or "BinaryRow".
        what: &'static str,
        /// What exactly is wrong.
        reason: String,
    },

    /// A value supplied by the user that does not fit (a type string, an option, a schema).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The kind of input, e.g. "data type" or "option".
        what: &'static str,
        /// What exactly is wrong and, where known, how to fix it.
        reason: String,
    },

    /// A table option with a malformed or unknown value.
    #[error("invalid option '{key}' = '{value}': {reason}")]
    InvalidOption {
        /// The option key as the user spelled it.
        key: String,
        /// The value given.
        value: String,
        /// Why it was rejected (expected form, allowed values, or a close known key).
        reason: String,
    },

    /// A feature of the format that this version of Strata does not implement.
    #[error("{feature} is not supported")]
    Unsupported {
        /// What is not supported.
        feature: String,
    },
}

impl Error {
    /// Shorthand for [`Error::Corrupt`].
    pub fn corrupt(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Corrupt {
            what,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            what,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Unsupported`].
    pub fn unsupported(feature: impl Into<String>) -> Self {
        Error::Unsupported {
            feature: feature.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
