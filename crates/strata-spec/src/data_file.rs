//! `DataFileMeta`: what a manifest records about one data or changelog file (spec §4.3).

use serde::{Deserialize, Serialize};

use crate::stats::SimpleStats;

/// Where a file came from (`_FILE_SOURCE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileSource {
    /// Written from input rows (also: upgraded by compaction without rewriting).
    Append,
    /// Rewritten by compaction.
    Compact,
}

impl FileSource {
    /// The manifest integer.
    pub fn as_i32(self) -> i32 {
        match self {
            FileSource::Append => 0,
            FileSource::Compact => 1,
        }
    }

    /// From the manifest integer; unknown values are `None`.
    pub fn from_i32(v: i32) -> Option<Self> {
        match v {
            0 => Some(FileSource::Append),
            1 => Some(FileSource::Compact),
            _ => None,
        }
    }
}

/// Metadata of one data file, exactly the `_FILE` record of a manifest entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DataFileMeta {
    /// File name within its bucket directory.
    pub file_name: String,
    /// Size in bytes.
    pub file_size: i64,
    /// Rows physically in the file (adds and retracts).
    pub row_count: i64,
    /// Serialized BinaryRow of the smallest key (empty row for append tables).
    pub min_key: Vec<u8>,
    /// Serialized BinaryRow of the largest key.
    pub max_key: Vec<u8>,
    /// Stats of the key columns.
    pub key_stats: SimpleStats,
    /// Stats of the value columns (layout per `value_stats_cols`).
    pub value_stats: SimpleStats,
    /// Smallest `_SEQUENCE_NUMBER` in the file.
    pub min_sequence_number: i64,
    /// Largest `_SEQUENCE_NUMBER` in the file.
    pub max_sequence_number: i64,
    /// Schema id the file was written with.
    pub schema_id: i64,
    /// LSM level (0 for append tables).
    pub level: i32,
    /// Side files (file indexes).
    pub extra_files: Vec<String>,
    /// Writer's local wall-clock time as epoch millis.
    pub creation_time: Option<i64>,
    /// Rows of kind -U/-D; `None` = unknown (files older than Paimon 0.8).
    pub delete_row_count: Option<i64>,
    /// Inline file index.
    pub embedded_index: Option<Vec<u8>>,
    /// `_FILE_SOURCE`
    pub file_source: Option<FileSource>,
    /// Columns covered by `value_stats`; `None` = all columns of the data schema.
    pub value_stats_cols: Option<Vec<String>>,
    /// Full path when the file lives outside the table directory.
    pub external_path: Option<String>,
    /// Row tracking: first row id.
    pub first_row_id: Option<i64>,
    /// Data evolution: columns present in the file.
    pub write_cols: Option<Vec<String>>,
}

impl DataFileMeta {
    /// Rows that are additions (+I/+U): `row_count - delete_row_count`.
    pub fn add_row_count(&self) -> i64 {
        self.row_count - self.delete_row_count.unwrap_or(0)
    }

    /// Whether the file may hold retract rows (unknown counts as yes).
    pub fn may_have_retracts(&self) -> bool {
        self.delete_row_count.is_none_or(|d| d > 0)
    }

    /// The same file at another level (an "upgrade" in compaction).
    pub fn upgraded(&self, level: i32) -> Self {
        let mut f = self.clone();
        f.level = level;
        f
    }
}
