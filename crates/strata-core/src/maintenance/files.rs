//! What a snapshot, tag or long-lived changelog references, and deleting files safely.
//!
//! Shared by expiry, tag deletion, rollback and orphan cleanup. Deletion helpers never fail the
//! caller: a file that cannot be deleted is logged and leaked (orphan cleanup can remove it
//! later), because by the time they run the metadata that referenced it is already gone.
//!
//! Reference: `FileDeletionBase` (Paimon 0.9).

use std::collections::{HashMap, HashSet};

use strata_spec::{FileKind, ManifestEntry, Snapshot};

use crate::error::Result;
use crate::manifest::ManifestStore;
use crate::path;
use crate::scan::TableScan;
use crate::table::Table;

/// Names of the live data files of a snapshot (and their extra files).
///
/// # Errors
/// Missing or corrupt manifests.
pub(crate) async fn live_data_file_names(table: &Table, s: &Snapshot) -> Result<HashSet<String>> {
    let entries = TableScan::new(table.clone()).live_entries(s).await?;
    let mut out = HashSet::with_capacity(entries.len());
    for e in entries {
        out.extend(e.file.extra_files.iter().cloned());
        out.insert(e.file.file_name);
    }
    Ok(out)
}

/// Which manifest lists of a snapshot to include in [`metadata_refs`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lists {
    pub base: bool,
    pub delta: bool,
    pub changelog: bool,
}

impl Lists {
    pub(crate) const ALL: Lists = Lists {
        base: true,
        delta: true,
        changelog: true,
    };
    /// What a tag keeps: its data state (tags do not keep changelog files, as in Java).
    pub(crate) const DATA: Lists = Lists {
        base: true,
        delta: true,
        changelog: false,
    };
}

/// Names (in `manifest/`, `index/`, `statistics/`) a snapshot references: the chosen manifest
/// lists and the manifests in them, the index manifest and its index files, the statistics
/// file.
///
/// # Errors
/// Missing or corrupt lists or index manifests.
pub(crate) async fn metadata_refs(
    store: &ManifestStore,
    s: &Snapshot,
    lists: Lists,
) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    let mut names: Vec<&String> = Vec::new();
    if lists.base {
        names.push(&s.base_manifest_list);
    }
    if lists.delta {
        names.push(&s.delta_manifest_list);
    }
    if lists.changelog {
        if let Some(c) = &s.changelog_manifest_list {
            names.push(c);
        }
    }
    for n in names {
        out.insert(n.clone());
        for m in store.read_list(n).await? {
            out.insert(m.file_name);
        }
    }
    if let Some(im) = &s.index_manifest {
        out.insert(im.clone());
        for e in store.read_index_manifest(im).await? {
            out.insert(e.file_name);
        }
    }
    if let Some(st) = &s.statistics {
        out.insert(st.clone());
    }
    Ok(out)
}

/// The entries of one manifest list, in order.
///
/// # Errors
/// Missing or corrupt files.
pub(crate) async fn list_entries(store: &ManifestStore, list: &str) -> Result<Vec<ManifestEntry>> {
    let metas = store.read_list(list).await?;
    Ok(store
        .read_manifests(&metas)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// Files whose DELETE entry in `list` is not cancelled by a later ADD of the same file in the
/// same list (an upgrade to another level keeps the file): the files that stopped being live.
///
/// # Errors
/// Missing or corrupt files.
pub(crate) async fn deleted_by(store: &ManifestStore, list: &str) -> Result<Vec<ManifestEntry>> {
    let mut pending: HashMap<(Vec<u8>, i32, String), ManifestEntry> = HashMap::new();
    let mut order: Vec<(Vec<u8>, i32, String)> = Vec::new();
    for e in list_entries(store, list).await? {
        let key = (e.partition.clone(), e.bucket, e.file.file_name.clone());
        match e.kind {
            FileKind::Add => {
                pending.remove(&key);
            }
            FileKind::Delete => {
                if pending.insert(key.clone(), e).is_none() {
                    order.push(key);
                }
            }
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|k| pending.remove(&k))
        .collect())
}

/// Paths (relative to the table) of a data or changelog file and its extra files; `None` for
/// files at an external location, which are left alone.
///
/// # Errors
/// Corrupt partition bytes.
pub(crate) fn entry_paths(table: &Table, e: &ManifestEntry) -> Result<Option<Vec<String>>> {
    if e.file.external_path.is_some() {
        return Ok(None);
    }
    let dir = table.bucket_path(&e.partition, e.bucket)?;
    let mut out = vec![path::file_in_bucket(&dir, &e.file.file_name)];
    out.extend(
        e.file
            .extra_files
            .iter()
            .map(|x| path::file_in_bucket(&dir, x)),
    );
    Ok(Some(out))
}

/// The path of a name found in a snapshot's metadata references.
pub(crate) fn metadata_path(name: &str) -> String {
    if name.starts_with("index-") && !name.starts_with("index-manifest-") {
        path::index_path(name)
    } else if name.starts_with("stat-") {
        path::statistics_path(name)
    } else {
        path::manifest_path(name)
    }
}

/// Deletes files, recording the ones deleted; failures are logged and the file leaked.
pub(crate) async fn delete_all(table: &Table, paths: &[String], deleted: &mut Vec<String>) {
    use futures::stream::{self, StreamExt};
    let io = table.io().clone();
    let results: Vec<(String, bool)> = stream::iter(paths.iter().cloned())
        .map(|p| {
            let io = io.clone();
            async move {
                match io.delete(&p).await {
                    Ok(()) => (p, true),
                    Err(e) => {
                        tracing::warn!(path = %p, error = %e, "could not delete a file; it is leaked (remove-orphans can delete it later)");
                        (p, false)
                    }
                }
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    deleted.extend(results.into_iter().filter(|(_, ok)| *ok).map(|(p, _)| p));
}

/// The tag with the largest snapshot id below `id` (tags sorted by snapshot id).
pub(crate) fn previous_tag(tags: &[Snapshot], id: i64) -> Option<&Snapshot> {
    tags.iter().rev().find(|t| t.id < id)
}

/// Tags whose data may share manifests with snapshots `[begin, end)`: the last tag at or
/// before `begin` and every tag inside the range (Java's `findOverlappedSnapshots`).
pub(crate) fn overlapping_tags(tags: &[Snapshot], begin: i64, end: i64) -> Vec<&Snapshot> {
    let left = tags.iter().rposition(|t| t.id <= begin).unwrap_or(0);
    tags.iter()
        .enumerate()
        .filter(|(i, t)| *i >= left && t.id < end)
        .map(|(_, t)| t)
        .collect()
}

/// Tag snapshots sorted by snapshot id, one per id.
///
/// # Errors
/// Corrupt tag files.
pub(crate) async fn tagged_snapshots(table: &Table) -> Result<Vec<Snapshot>> {
    let mut tags: Vec<Snapshot> = table
        .snapshot_manager()
        .tags()
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    tags.sort_by_key(|s| s.id);
    tags.dedup_by_key(|s| s.id);
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(id: i64) -> Snapshot {
        let json = format!(
            r#"{{"version":3,"id":{id},"schemaId":0,"baseManifestList":"b","deltaManifestList":"d",
            "commitUser":"u","commitIdentifier":1,"commitKind":"APPEND","timeMillis":0}}"#
        );
        Snapshot::from_json(&json).unwrap()
    }

    #[test]
    fn tag_neighbours() {
        let tags = vec![snap(2), snap(5), snap(9)];
        assert_eq!(previous_tag(&tags, 5).map(|t| t.id), Some(2));
        assert_eq!(previous_tag(&tags, 6).map(|t| t.id), Some(5));
        assert_eq!(previous_tag(&tags, 2).map(|t| t.id), None);
        let ids = |v: Vec<&Snapshot>| v.iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(ids(overlapping_tags(&tags, 3, 9)), vec![2, 5]);
        assert_eq!(ids(overlapping_tags(&tags, 5, 10)), vec![5, 9]);
        assert_eq!(ids(overlapping_tags(&tags, 1, 2)), Vec::<i64>::new());
        assert_eq!(metadata_path("index-abc-0"), "index/index-abc-0");
        assert_eq!(
            metadata_path("index-manifest-abc-0"),
            "manifest/index-manifest-abc-0"
        );
        assert_eq!(
            metadata_path("manifest-list-x-1"),
            "manifest/manifest-list-x-1"
        );
    }
}
