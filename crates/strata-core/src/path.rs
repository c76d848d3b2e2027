//! Every file and directory name of a table comes from here (spec §1.2–1.4).
//!
//! Paths are logical paths relative to the table root (see `strata_io::FileIO`). Names of new
//! files follow Java: `<prefix><uuid>-<n>.<ext>` for data files and `manifest-<uuid>-<n>` for
//! metadata, where the uuid is fixed per writer instance and `n` counts up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use strata_spec::partition::partition_path;
use strata_spec::{DataType, Datum};

/// Directory of schema files.
pub const SCHEMA_DIR: &str = "schema";
/// Directory of snapshots and hints.
pub const SNAPSHOT_DIR: &str = "snapshot";
/// Directory of manifests.
pub const MANIFEST_DIR: &str = "manifest";
/// Directory of index files.
pub const INDEX_DIR: &str = "index";
/// Directory of tags.
pub const TAG_DIR: &str = "tag";
/// Directory of consumer files.
pub const CONSUMER_DIR: &str = "consumer";
/// Directory of long-lived changelog metadata.
pub const CHANGELOG_DIR: &str = "changelog";
/// Directory of table statistics.
pub const STATISTICS_DIR: &str = "statistics";
/// Directory of branches.
pub const BRANCH_DIR: &str = "branch";

/// `schema/schema-<id>`
pub fn schema_path(id: i64) -> String {
    format!("{SCHEMA_DIR}/schema-{id}")
}

/// `snapshot/snapshot-<id>`
pub fn snapshot_path(id: i64) -> String {
    format!("{SNAPSHOT_DIR}/snapshot-{id}")
}

/// `changelog/changelog-<id>`
pub fn changelog_meta_path(id: i64) -> String {
    format!("{CHANGELOG_DIR}/changelog-{id}")
}

/// `changelog/LATEST`
pub fn changelog_latest_hint_path() -> String {
    format!("{CHANGELOG_DIR}/LATEST")
}

/// `changelog/EARLIEST`
pub fn changelog_earliest_hint_path() -> String {
    format!("{CHANGELOG_DIR}/EARLIEST")
}

/// `statistics/<name>`
pub fn statistics_path(name: &str) -> String {
    format!("{STATISTICS_DIR}/{name}")
}

/// `<bucket dir>/<file name>`: a data, changelog or extra file of a bucket.
pub fn file_in_bucket(bucket_dir: &str, name: &str) -> String {
    format!("{bucket_dir}/{name}")
}

/// `snapshot/LATEST`
pub fn latest_hint_path() -> String {
    format!("{SNAPSHOT_DIR}/LATEST")
}

/// `snapshot/EARLIEST`
pub fn earliest_hint_path() -> String {
    format!("{SNAPSHOT_DIR}/EARLIEST")
}

/// `manifest/<name>`
pub fn manifest_path(name: &str) -> String {
    format!("{MANIFEST_DIR}/{name}")
}

/// `index/<name>`
pub fn index_path(name: &str) -> String {
    format!("{INDEX_DIR}/{name}")
}

/// `tag/tag-<name>`
pub fn tag_path(name: &str) -> String {
    format!("{TAG_DIR}/tag-{name}")
}

/// `consumer/consumer-<id>`
pub fn consumer_path(id: &str) -> String {
    format!("{CONSUMER_DIR}/consumer-{id}")
}

/// `bucket-<n>` directory name.
pub fn bucket_dir(bucket: i32) -> String {
    format!("bucket-{bucket}")
}

/// Parses the numeric suffix of `<prefix><digits>` names (`snapshot-12`, `schema-3`).
pub fn parse_id(name: &str, prefix: &str) -> Option<i64> {
    let digits = name.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Renders partition directories of one table.
#[derive(Debug, Clone)]
pub struct PartitionPathRenderer {
    keys: Vec<(String, DataType)>,
    default_name: String,
    legacy: bool,
}

impl PartitionPathRenderer {
    /// A renderer for the given partition columns and options.
    pub fn new(keys: Vec<(String, DataType)>, default_name: String, legacy: bool) -> Self {
        PartitionPathRenderer {
            keys,
            default_name,
            legacy,
        }
    }

    /// `k1=v1/k2=v2` (empty for unpartitioned tables).
    pub fn partition_dir(&self, values: &[Datum]) -> String {
        partition_path(&self.keys, values, &self.default_name, self.legacy)
    }

    /// `k1=v1/.../bucket-<b>`
    pub fn bucket_path(&self, values: &[Datum], bucket: i32) -> String {
        let p = self.partition_dir(values);
        if p.is_empty() {
            bucket_dir(bucket)
        } else {
            format!("{p}/{}", bucket_dir(bucket))
        }
    }
}

/// Generates names of new files for one writer instance: one uuid, counters per kind.
#[derive(Debug, Clone)]
pub struct FileNamer {
    uuid: String,
    data_counter: Arc<AtomicU64>,
    changelog_counter: Arc<AtomicU64>,
    manifest_counter: Arc<AtomicU64>,
    manifest_list_counter: Arc<AtomicU64>,
    index_counter: Arc<AtomicU64>,
}

impl Default for FileNamer {
    fn default() -> Self {
        Self::new()
    }
}

impl FileNamer {
    /// A namer with a fresh random uuid.
    pub fn new() -> Self {
        FileNamer {
            uuid: uuid::Uuid::new_v4().to_string(),
            data_counter: Arc::default(),
            changelog_counter: Arc::default(),
            manifest_counter: Arc::default(),
            manifest_list_counter: Arc::default(),
            index_counter: Arc::default(),
        }
    }

    fn next(c: &AtomicU64) -> u64 {
        c.fetch_add(1, Ordering::Relaxed)
    }

    /// `<prefix><uuid>-<n>.<ext>`
    pub fn data_file(&self, prefix: &str, ext: &str) -> String {
        format!(
            "{prefix}{}-{}.{ext}",
            self.uuid,
            Self::next(&self.data_counter)
        )
    }

    /// `<changelog prefix><uuid>-<n>.<ext>`
    pub fn changelog_file(&self, prefix: &str, ext: &str) -> String {
        format!(
            "{prefix}{}-{}.{ext}",
            self.uuid,
            Self::next(&self.changelog_counter)
        )
    }

    /// `manifest-<uuid>-<n>`
    pub fn manifest(&self) -> String {
        format!(
            "manifest-{}-{}",
            self.uuid,
            Self::next(&self.manifest_counter)
        )
    }

    /// `manifest-list-<uuid>-<n>`
    pub fn manifest_list(&self) -> String {
        format!(
            "manifest-list-{}-{}",
            self.uuid,
            Self::next(&self.manifest_list_counter)
        )
    }

    /// `index-manifest-<uuid>-<n>`
    pub fn index_manifest(&self) -> String {
        format!(
            "index-manifest-{}-{}",
            self.uuid,
            Self::next(&self.manifest_counter)
        )
    }

    /// `index-<uuid>-<n>`
    pub fn index_file(&self) -> String {
        format!("index-{}-{}", self.uuid, Self::next(&self.index_counter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert_eq!(parse_id("snapshot-12", "snapshot-"), Some(12));
        assert_eq!(parse_id("snapshot-", "snapshot-"), None);
        assert_eq!(parse_id("snapshot-1x", "snapshot-"), None);
        let n = FileNamer::new();
        let a = n.data_file("data-", "parquet");
        let b = n.data_file("data-", "parquet");
        assert!(a.ends_with("-0.parquet") && b.ends_with("-1.parquet"));
        assert_eq!(n.manifest_list().split('-').count(), 8);
    }
}
