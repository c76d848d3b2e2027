//! Orphan-file cleanup (`strata remove-orphans`, `CALL sys.remove_orphan_files`).
//!
//! ```text
//! used names ◀─ every snapshot, tag and long-lived changelog: manifest lists, manifests,
//!               index manifests, index files, statistics, data/changelog files (+ extra files)
//!               (any read failure aborts; a snapshot that vanished meanwhile is skipped)
//! candidates ◀─ files in manifest/, index/, statistics/ and in bucket-* directories
//! orphans    =  candidates whose name is unused and whose mtime is older than `older_than`
//!            ─▶ deleted one by one (dry run: only listed); directories are never deleted
//! ```
//!
//! Files are matched by name (names are unique per table), so a partition directory rendered
//! differently by another engine can only make us keep a file, never delete a used one.
//! Metadata files (`schema/`, `snapshot/`, `tag/`, `consumer/`, `changelog/`, hints, branches)
//! are never candidates. The safety window protects files of commits still in flight.
//! On local disk, the unfinished uploads of a process that died mid-write (`name#N` staging
//! files, which listings skip) are orphans too, wherever they are; so are the atomicity probe
//! objects (`.strata-probe-<hex>`) at the table root whose delete failed.
//!
//! Reference: `OrphanFilesClean`, `LocalOrphanFilesClean` (Paimon 0.9).

use std::collections::HashSet;
use std::time::Duration;

use strata_spec::Snapshot;

use super::expire::changelog_refs;
use super::files::{metadata_refs, Lists};
use crate::changelog::LongLivedChangelogs;
use crate::error::{Error, Result};
use crate::manifest::ManifestStore;
use crate::path;
use crate::table::Table;

/// Default safety window: one day.
pub const DEFAULT_OLDER_THAN: Duration = Duration::from_secs(86_400);

/// One orphan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanFile {
    /// Path relative to the table root.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, epoch ms.
    pub last_modified_ms: i64,
}

/// What a cleanup found (and deleted unless it was a dry run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrphanReport {
    /// Orphans, sorted by path.
    pub orphans: Vec<OrphanFile>,
    /// Whether they were deleted.
    pub deleted: bool,
    /// Unused files left alone because they are younger than the window.
    pub too_young: usize,
}

impl OrphanReport {
    /// Total bytes of the orphans.
    pub fn total_bytes(&self) -> u64 {
        self.orphans.iter().map(|o| o.size).sum()
    }
}

/// Finds (and unless `dry_run`, deletes) files of `table` that nothing uses and that are older
/// than `older_than`.
///
/// # Errors
/// Any metadata read failure (nothing is deleted then); listing errors.
pub async fn remove_orphan_files(
    table: &Table,
    older_than: Duration,
    dry_run: bool,
) -> Result<OrphanReport> {
    let now = chrono::Utc::now().timestamp_millis();
    // List first: a file created after the listing is not a candidate at all, and one
    // committed after we read the metadata is younger than the window.
    let listing = table.io().list_recursive("").await?;
    let staged = table.io().list_staging_leftovers("").await?;
    let used = used_names(table).await?;
    let limit = now - older_than.as_millis() as i64;
    let mut report = OrphanReport {
        deleted: !dry_run,
        ..Default::default()
    };
    for f in listing {
        if !is_candidate(&f.path) || used.contains(f.name()) {
            continue;
        }
        if f.last_modified_ms >= limit {
            report.too_young += 1;
            continue;
        }
        report.orphans.push(OrphanFile {
            path: f.path.clone(),
            size: f.size,
            last_modified_ms: f.last_modified_ms,
        });
    }
    // Unfinished uploads of dead processes (local disk: `name#N`, skipped by listings). No
    // metadata can reference such a name; the window protects uploads still running.
    for f in staged {
        if f.last_modified_ms >= limit {
            report.too_young += 1;
            continue;
        }
        report.orphans.push(OrphanFile {
            path: f.path,
            size: f.size,
            last_modified_ms: f.last_modified_ms,
        });
    }
    report.orphans.sort_by(|a, b| a.path.cmp(&b.path));
    if !dry_run {
        for o in &report.orphans {
            if strata_io::is_staging_name(o.path.rsplit('/').next().unwrap_or(&o.path)) {
                table.io().delete_staging_leftover(&o.path).await?;
            } else {
                table.io().delete(&o.path).await?;
            }
            tracing::info!(table = %table.name(), path = %o.path, bytes = o.size, "deleted orphan file");
        }
    }
    Ok(report)
}

/// Whether a file may be an orphan: manifests, index files, statistics, and files directly in
/// a `bucket-*` directory. Metadata directories are excluded wherever they appear.
fn is_candidate(p: &str) -> bool {
    let parts: Vec<&str> = p.split('/').collect();
    let Some((name, dirs)) = parts.split_last() else {
        return false;
    };
    let Some(top) = dirs.first() else {
        // Files at the table root are none of ours to judge, but for our probe objects.
        return strata_io::is_probe_name(name);
    };
    if [
        path::SCHEMA_DIR,
        path::SNAPSHOT_DIR,
        path::TAG_DIR,
        path::CONSUMER_DIR,
        path::CHANGELOG_DIR,
        path::BRANCH_DIR,
    ]
    .contains(top)
    {
        return false;
    }
    if dirs.len() == 1 && [path::MANIFEST_DIR, path::INDEX_DIR, path::STATISTICS_DIR].contains(top)
    {
        return true;
    }
    dirs.last().is_some_and(|d| {
        d.strip_prefix("bucket-")
            .is_some_and(|n| n == "postpone" || n.parse::<i64>().is_ok())
    })
}

/// Every file name the table's metadata references.
async fn used_names(table: &Table) -> Result<HashSet<String>> {
    let sm = table.snapshot_manager();
    let store = table.manifest_store();
    let mut used: HashSet<String> = HashSet::new();
    let mut seen_manifests: HashSet<String> = HashSet::new();
    for id in sm.list_ids().await? {
        let Some(s) = sm.try_snapshot(id).await? else {
            continue;
        };
        match collect(&store, &s, Lists::ALL, &mut used, &mut seen_manifests).await {
            Ok(()) => {}
            // Expired while we read it: what it referenced is being deleted by the expiry, and
            // what later snapshots use they reference themselves.
            Err(Error::MissingFile { .. }) if !sm.exists(id).await? => {}
            Err(e) => return Err(e),
        }
    }
    for (_, t) in sm.tags().await? {
        collect(&store, &t, Lists::DATA, &mut used, &mut seen_manifests).await?;
    }
    let produces =
        table.options().changelog_producer()? != strata_spec::options::ChangelogProducer::None;
    let changelogs = LongLivedChangelogs::new(table.io().clone());
    for id in changelogs.list_ids().await? {
        if let Some(c) = changelogs.get(id).await? {
            let refs = changelog_refs(&store, &c, produces).await?;
            for name in &refs {
                if is_manifest(name) {
                    add_manifest(&store, name, &mut used, &mut seen_manifests).await?;
                }
            }
            used.extend(refs);
        }
    }
    Ok(used)
}

async fn collect(
    store: &ManifestStore,
    s: &Snapshot,
    lists: Lists,
    used: &mut HashSet<String>,
    seen: &mut HashSet<String>,
) -> Result<()> {
    let refs = metadata_refs(store, s, lists).await?;
    for name in &refs {
        if is_manifest(name) {
            add_manifest(store, name, used, seen).await?;
        }
    }
    used.extend(refs);
    Ok(())
}

/// A manifest file (not a list, not an index manifest) by its name.
fn is_manifest(name: &str) -> bool {
    name.starts_with("manifest-") && !name.starts_with("manifest-list-")
}

async fn add_manifest(
    store: &ManifestStore,
    name: &str,
    used: &mut HashSet<String>,
    seen: &mut HashSet<String>,
) -> Result<()> {
    if !seen.insert(name.to_string()) {
        return Ok(());
    }
    for e in store.read_manifest(name).await? {
        used.extend(e.file.extra_files.iter().cloned());
        used.insert(e.file.file_name);
    }
    used.insert(name.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates() {
        assert!(is_candidate("manifest/manifest-abc-0"));
        assert!(is_candidate("index/index-abc-0"));
        assert!(is_candidate("dt=1/bucket-0/data-x.parquet"));
        assert!(is_candidate("bucket-3/changelog-x.parquet"));
        assert!(is_candidate(".strata-probe-00ff00ff00ff00ff"));
        assert!(!is_candidate(".strata-probe-"));
        assert!(!is_candidate("README"));
        assert!(!is_candidate("dt=1/.strata-probe-00ff"));
        assert!(!is_candidate("snapshot/snapshot-1"));
        assert!(!is_candidate("snapshot/LATEST"));
        assert!(!is_candidate("schema/schema-0"));
        assert!(!is_candidate("tag/tag-a"));
        assert!(!is_candidate("consumer/consumer-a"));
        assert!(!is_candidate("changelog/changelog-3"));
        assert!(!is_candidate("branch/branch-b/bucket-0/data-x.parquet"));
        assert!(!is_candidate("README"));
        assert!(!is_candidate("dt=1/notes.txt"));
        assert!(!is_candidate("manifest/sub/x"));
    }
}
