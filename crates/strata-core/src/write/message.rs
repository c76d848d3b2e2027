//! Commit messages: what one writer of one (partition, bucket) hands to the committer.
//!
//! They are plain serializable data (`serde`), so writers in other processes or on other
//! machines can send theirs to one committer (see the README's multi-writer pattern).
//!
//! Reference: `CommitMessageImpl`, `DataIncrement`, `CompactIncrement` (Paimon 0.9).

use serde::{Deserialize, Serialize};
use strata_spec::{DataFileMeta, IndexManifestEntry};

/// Changes of one (partition, bucket) produced by a writer since its last commit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommitMessage {
    /// Serialized partition BinaryRow (with arity prefix).
    pub partition: Vec<u8>,
    /// Bucket.
    pub bucket: i32,
    /// Buckets of the partition the files were written for (-1 unaware / dynamic).
    pub total_buckets: i32,
    /// New data files (level 0).
    pub new_files: Vec<DataFileMeta>,
    /// Changelog files written with the new files (`changelog-producer = input`).
    pub changelog_files: Vec<DataFileMeta>,
    /// Files removed by compaction.
    pub compact_before: Vec<DataFileMeta>,
    /// Files produced by compaction.
    pub compact_after: Vec<DataFileMeta>,
    /// Changelog files produced by compaction (`lookup`, `full-compaction`).
    pub compact_changelog: Vec<DataFileMeta>,
    /// Index files added (dynamic bucket hash index).
    pub new_index_files: Vec<IndexManifestEntry>,
    /// Index files removed.
    pub deleted_index_files: Vec<IndexManifestEntry>,
}

impl CommitMessage {
    /// Whether the message carries no change.
    pub fn is_empty(&self) -> bool {
        self.new_files.is_empty()
            && self.changelog_files.is_empty()
            && self.compact_before.is_empty()
            && self.compact_after.is_empty()
            && self.compact_changelog.is_empty()
            && self.new_index_files.is_empty()
            && self.deleted_index_files.is_empty()
    }

    /// Serializes a list of messages (JSON).
    ///
    /// # Errors
    /// Never in practice (plain data).
    pub fn encode_all(messages: &[CommitMessage]) -> serde_json::Result<String> {
        serde_json::to_string(messages)
    }

    /// Deserializes a list of messages.
    ///
    /// # Errors
    /// When the text is not a message list.
    pub fn decode_all(text: &str) -> serde_json::Result<Vec<CommitMessage>> {
        serde_json::from_str(text)
    }
}

/// What a bucket writer produced since its last `prepare_commit`.
#[derive(Debug, Clone, Default)]
pub struct CommitIncrement {
    /// New level-0 data files.
    pub new_files: Vec<DataFileMeta>,
    /// Changelog files of the new files.
    pub changelog_files: Vec<DataFileMeta>,
    /// Compaction inputs.
    pub compact_before: Vec<DataFileMeta>,
    /// Compaction outputs.
    pub compact_after: Vec<DataFileMeta>,
    /// Compaction changelog.
    pub compact_changelog: Vec<DataFileMeta>,
    /// Index files added.
    pub new_index_files: Vec<IndexManifestEntry>,
    /// Index files removed.
    pub deleted_index_files: Vec<IndexManifestEntry>,
}
