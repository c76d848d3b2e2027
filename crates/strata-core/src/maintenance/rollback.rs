//! Rollback to a snapshot or a tag (`strata rollback`, `CALL sys.rollback_to`).
//!
//! ```text
//! target snapshot T (a snapshot, or a tag's embedded snapshot)
//!   decide: files ADDed (data and changelog) by snapshots > T, and their manifests,
//!           minus everything T and the remaining tags use
//!   act:    delete snapshot files latest..T+1 (newest first) and tags newer than T
//!           ─▶ T expired but tagged? write snapshot-T from the tag, EARLIEST = T
//!           ─▶ LATEST = T ─▶ delete the decided files (failures leak)
//! ```
//!
//! Unlike Java 0.9's `RollbackHelper`, a file ADDed by a newer snapshot that T still uses (a
//! level upgrade re-adds the same file) is kept.
//!
//! Reference: `AbstractFileStoreTable#rollbackTo`, `RollbackHelper` (Paimon 0.9).

use std::collections::HashSet;

use strata_spec::{FileKind, Snapshot};

use super::files::{
    delete_all, entry_paths, list_entries, live_data_file_names, metadata_path, metadata_refs,
    Lists,
};
use crate::changelog::LongLivedChangelogs;
use crate::error::{Error, Result};
use crate::path;
use crate::table::Table;

/// Where to roll back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackTarget {
    /// A snapshot that still exists.
    Snapshot(i64),
    /// A tag (its snapshot may have expired).
    Tag(String),
}

/// What a rollback did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollbackReport {
    /// The snapshot the table is at now.
    pub snapshot: i64,
    /// Snapshots removed.
    pub removed_snapshots: Vec<i64>,
    /// Tags removed (they pointed at removed snapshots).
    pub removed_tags: Vec<String>,
    /// Files deleted, relative to the table root.
    pub deleted_files: Vec<String>,
}

/// Rolls `table` back to `target`.
///
/// # Errors
/// No such snapshot or tag; metadata read errors (nothing is changed then).
pub async fn rollback_to(table: &Table, target: RollbackTarget) -> Result<RollbackReport> {
    let sm = table.snapshot_manager();
    let (retained, from_tag) = match &target {
        RollbackTarget::Snapshot(id) => (sm.snapshot(*id).await?, false),
        RollbackTarget::Tag(name) => (sm.tag(name).await?, true),
    };
    let Some(latest) = sm.latest_id().await? else {
        return Err(Error::Invalid(format!(
            "cannot roll back '{}': it has no snapshots",
            table.name()
        )));
    };
    let earliest = sm.earliest_id().await?.unwrap_or(retained.id);
    let store = table.manifest_store();
    // ---- decide ----
    let mut newer: Vec<Snapshot> = Vec::new();
    for id in (retained.id + 1).max(earliest)..=latest {
        if let Some(s) = sm.try_snapshot(id).await? {
            newer.push(s);
        }
    }
    let all_tags = sm.tags().await?;
    let (doomed_tags, kept_tags): (Vec<_>, Vec<_>) =
        all_tags.into_iter().partition(|(_, s)| s.id > retained.id);
    let mut keep_data = live_data_file_names(table, &retained).await?;
    let mut keep_meta = metadata_refs(&store, &retained, Lists::ALL).await?;
    for (_, t) in &kept_tags {
        keep_data.extend(live_data_file_names(table, t).await?);
        keep_meta.extend(metadata_refs(&store, t, Lists::DATA).await?);
    }
    let mut doomed: Vec<String> = Vec::new();
    let mut doomed_meta: HashSet<String> = HashSet::new();
    for s in &newer {
        let mut lists = vec![&s.delta_manifest_list];
        lists.extend(s.changelog_manifest_list.as_ref());
        for l in lists {
            for e in list_entries(&store, l).await? {
                if e.kind == FileKind::Add && !keep_data.contains(&e.file.file_name) {
                    doomed.extend(entry_paths(table, &e)?.unwrap_or_default());
                }
            }
        }
        doomed_meta.extend(metadata_refs(&store, s, Lists::ALL).await?);
    }
    // Files added by expired snapshots between T and the earliest one (rollback to a tag) are
    // in the state of the first remaining snapshot and of the removed tags.
    let mut whole: Vec<&Snapshot> = doomed_tags.iter().map(|(_, t)| t).collect();
    if let Some(first) = newer.first().filter(|s| s.id > retained.id + 1) {
        whole.push(first);
    }
    for s in whole {
        for e in crate::scan::TableScan::new(table.clone())
            .live_entries(s)
            .await?
        {
            if !keep_data.contains(&e.file.file_name) {
                doomed.extend(entry_paths(table, &e)?.unwrap_or_default());
            }
        }
    }
    for (_, t) in &doomed_tags {
        doomed_meta.extend(metadata_refs(&store, t, Lists::DATA).await?);
    }
    // Long-lived changelogs newer than T describe changes that no longer happened.
    let changelogs = LongLivedChangelogs::new(table.io().clone());
    let doomed_changelogs: Vec<i64> = changelogs
        .list_ids()
        .await?
        .into_iter()
        .filter(|id| *id > retained.id)
        .collect();
    for id in &doomed_changelogs {
        if let Some(c) = changelogs.get(*id).await? {
            let mut lists = vec![&c.delta_manifest_list];
            lists.extend(c.changelog_manifest_list.as_ref());
            for l in lists {
                if let Ok(entries) = list_entries(&store, l).await {
                    for e in entries {
                        if e.kind == FileKind::Add && !keep_data.contains(&e.file.file_name) {
                            doomed.extend(entry_paths(table, &e)?.unwrap_or_default());
                        }
                    }
                    doomed_meta.insert(l.clone());
                }
            }
        }
    }
    doomed.extend(
        doomed_meta
            .iter()
            .filter(|n| !keep_meta.contains(*n))
            .map(|n| metadata_path(n)),
    );
    // ---- act: unreachable first ----
    let mut report = RollbackReport {
        snapshot: retained.id,
        ..Default::default()
    };
    for s in newer.iter().rev() {
        let p = path::snapshot_path(s.id);
        table.io().delete(&p).await?;
        report.deleted_files.push(p);
        report.removed_snapshots.push(s.id);
    }
    for id in &doomed_changelogs {
        changelogs.delete(*id).await?;
        report.deleted_files.push(path::changelog_meta_path(*id));
    }
    for (name, _) in &doomed_tags {
        let p = path::tag_path(name);
        table.io().delete(&p).await?;
        report.deleted_files.push(p);
        report.removed_tags.push(name.clone());
    }
    if from_tag && !sm.exists(retained.id).await? {
        let mut s = retained.clone();
        s.tag_create_time = None;
        s.tag_time_retained = None;
        // Expiry removed the changelog of tagged snapshots; drop a dangling reference.
        if let Some(c) = &s.changelog_manifest_list {
            if !table.io().exists(&path::manifest_path(c)).await? {
                s.changelog_manifest_list = None;
                s.changelog_manifest_list_size = None;
            }
        }
        table
            .io()
            .write(&path::snapshot_path(s.id), s.to_json())
            .await?;
        sm.write_earliest_hint(s.id).await;
    }
    sm.write_latest_hint(retained.id).await;
    tracing::info!(table = %table.name(), snapshot = retained.id, "rolled back");
    doomed.sort();
    doomed.dedup();
    delete_all(table, &doomed, &mut report.deleted_files).await;
    Ok(report)
}
