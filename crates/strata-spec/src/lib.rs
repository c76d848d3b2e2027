//! # strata-spec — the Paimon on-disk format as plain data
//!
//! Pure types and codecs, no IO, no async, no Arrow: schema files, snapshots, tags, consumer
//! files, manifest lists / manifests / index manifests (Avro), `DataFileMeta` with
//! `SimpleStats`, the BinaryRow codec, Paimon's bucket hash, partition path rendering and every
//! table option Strata knows.
//!
//! ```text
//! snapshot-N (JSON) ─▶ manifest list (Avro) ─▶ manifests (Avro) ─▶ DataFileMeta
//!                                                    │
//!        partition / keys / stats as BinaryRow bytes ┘   (decoded with the schema's types)
//! ```
//!
//! The byte-level rules come from `spec/paimon-format.md`; every module names the section and
//! the Paimon class it mirrors.
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

mod avro_util;
pub mod binary_row;
pub mod data_file;
pub mod datum;
pub mod error;
pub mod hash;
pub mod jackson;
pub mod manifest;
pub mod options;
pub mod partition;
pub mod schema;
pub mod snapshot;
pub mod stats;
pub mod time;
pub mod types;

pub use data_file::{DataFileMeta, FileSource};
pub use datum::Datum;
pub use error::{Error, Result};
pub use manifest::{FileKind, IndexManifestEntry, ManifestEntry, ManifestFileMeta};
pub use options::CoreOptions;
pub use schema::TableSchema;
pub use snapshot::{CommitKind, Consumer, Snapshot};
pub use stats::SimpleStats;
pub use types::{DataField, DataType, TypeKind};

/// Row kinds (`_VALUE_KIND` byte, also the BinaryRow header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum RowKind {
    /// `+I`
    Insert = 0,
    /// `-U`
    UpdateBefore = 1,
    /// `+U`
    UpdateAfter = 2,
    /// `-D`
    Delete = 3,
}

impl RowKind {
    /// From the stored byte.
    pub fn from_byte(b: i8) -> Option<RowKind> {
        match b {
            0 => Some(RowKind::Insert),
            1 => Some(RowKind::UpdateBefore),
            2 => Some(RowKind::UpdateAfter),
            3 => Some(RowKind::Delete),
            _ => None,
        }
    }

    /// The stored byte.
    pub fn as_byte(self) -> i8 {
        self as i8
    }

    /// `+I`, `-U`, `+U`, `-D`.
    pub fn short_string(self) -> &'static str {
        match self {
            RowKind::Insert => "+I",
            RowKind::UpdateBefore => "-U",
            RowKind::UpdateAfter => "+U",
            RowKind::Delete => "-D",
        }
    }

    /// Parses `+I`, `-U`, `+U`, `-D` (also the long names).
    pub fn parse(s: &str) -> Option<RowKind> {
        match s.trim() {
            "+I" | "INSERT" | "I" => Some(RowKind::Insert),
            "-U" | "UPDATE_BEFORE" => Some(RowKind::UpdateBefore),
            "+U" | "UPDATE_AFTER" | "U" => Some(RowKind::UpdateAfter),
            "-D" | "DELETE" | "D" => Some(RowKind::Delete),
            _ => None,
        }
    }

    /// -U and -D retract a previous row.
    pub fn is_retract(self) -> bool {
        matches!(self, RowKind::UpdateBefore | RowKind::Delete)
    }
}
