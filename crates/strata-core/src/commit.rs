//! Publishing a snapshot — the only place where a table's visible state changes (spec §10).
//!
//! ```text
//!   changes ─▶ already committed? ─▶ check conflicts ─▶ write manifests ─▶ create snapshot-N
//!      ▲                                                                        │
//!      └──────────── lost the race (snapshot-N exists): reload latest, retry ◀───┘
//! ```
//!
//! Invariants:
//! - `snapshot-N` is created only if absent; two writers never both succeed for one N. An
//!   object store that does not honour conditional puts is refused before the first publish
//!   (`FileIO::check_atomic_publish`), unless the user promised a single writer.
//! - "Already exists" is not proof of a lost race: a retried request may find the snapshot its
//!   first try wrote. The file is read back and is ours when it is byte-identical.
//! - Files we wrote are deleted only when we *know* our snapshot was not published; after an
//!   ambiguous storage error the commit fails with [`CommitError::OutcomeUnknown`] and nothing
//!   is removed.
//! - Re-running a commit with the same (commit user, identifier, kind) is a no-op.
//!
//! One call may publish two snapshots, as Java does: an APPEND/OVERWRITE snapshot with the new
//! files, then a COMPACT snapshot with compaction results, both with the same identifier.
//!
//! Reference: `FileStoreCommitImpl` (Paimon 0.9).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use rand::Rng;
use strata_spec::manifest::EntryKey;
use strata_spec::snapshot::{BATCH_COMMIT_IDENTIFIER, SNAPSHOT_VERSION};
use strata_spec::{
    binary_row, CommitKind, DataFileMeta, Datum, FileKind, IndexManifestEntry, ManifestEntry,
    ManifestFileMeta, Snapshot,
};

use crate::error::{CommitError, Error, Result};
use crate::manifest::{fold_entries, ManifestStore};
use crate::path::{self, FileNamer};
use crate::predicate::Predicate;
use crate::scan::TableScan;
use crate::table::Table;
use crate::write::CommitMessage;

/// Which partitions an overwrite replaces.
#[derive(Debug, Clone, PartialEq)]
pub enum OverwriteScope {
    /// The whole table.
    All,
    /// Partitions whose leading keys equal these values (static partition overwrite).
    Partition(Vec<(String, Datum)>),
    /// The partitions present in the new data (`dynamic-partition-overwrite`).
    Dynamic,
}

/// Commits the messages of writers into snapshots.
#[derive(Debug, Clone)]
pub struct TableCommit {
    table: Table,
    commit_user: String,
    namer: FileNamer,
}

/// One snapshot's worth of changes.
#[derive(Debug, Clone, Default)]
struct Changes {
    kind: Option<CommitKind>,
    entries: Vec<ManifestEntry>,
    changelog: Vec<ManifestEntry>,
    index_added: Vec<IndexManifestEntry>,
    index_removed: Vec<IndexManifestEntry>,
    /// Overwrite: which live files to delete, decided against each attempt's latest snapshot.
    overwrite: Option<OverwriteScope>,
    /// Run the full conflict check.
    check: bool,
}

fn entries_of(kind: FileKind, m: &CommitMessage, files: &[DataFileMeta]) -> Vec<ManifestEntry> {
    files
        .iter()
        .map(|f| ManifestEntry {
            kind,
            partition: m.partition.clone(),
            bucket: m.bucket,
            total_buckets: m.total_buckets,
            file: f.clone(),
        })
        .collect()
}

impl TableCommit {
    /// A committer for `table` acting as `commit_user`.
    pub fn new(table: Table, commit_user: String) -> Self {
        TableCommit {
            table,
            commit_user,
            namer: FileNamer::new(),
        }
    }

    /// The commit user.
    pub fn commit_user(&self) -> &str {
        &self.commit_user
    }

    /// Commits appends (and compactions) of `messages`. Returns the ids of the snapshots
    /// created (none when nothing changed or the identifier was already committed).
    ///
    /// # Errors
    /// [`CommitError`] variants; storage errors.
    pub async fn commit(&self, messages: Vec<CommitMessage>, identifier: i64) -> Result<Vec<i64>> {
        if identifier != BATCH_COMMIT_IDENTIFIER && self.already_committed(identifier).await? {
            return Ok(Vec::new());
        }
        let mut append = Changes {
            kind: Some(CommitKind::Append),
            ..Default::default()
        };
        let mut compact = Changes {
            kind: Some(CommitKind::Compact),
            check: true,
            ..Default::default()
        };
        for m in &messages {
            append
                .entries
                .extend(entries_of(FileKind::Add, m, &m.new_files));
            append
                .changelog
                .extend(entries_of(FileKind::Add, m, &m.changelog_files));
            append.index_added.extend(m.new_index_files.iter().cloned());
            append
                .index_removed
                .extend(m.deleted_index_files.iter().cloned());
            compact
                .entries
                .extend(entries_of(FileKind::Delete, m, &m.compact_before));
            compact
                .entries
                .extend(entries_of(FileKind::Add, m, &m.compact_after));
            compact
                .changelog
                .extend(entries_of(FileKind::Add, m, &m.compact_changelog));
        }
        let mut ids = Vec::new();
        if !append.entries.is_empty()
            || !append.changelog.is_empty()
            || !append.index_added.is_empty()
        {
            ids.push(self.try_commit(append, identifier).await?);
        }
        if !compact.entries.is_empty() || !compact.changelog.is_empty() {
            match self.try_commit(compact, identifier).await {
                Ok(id) => ids.push(id),
                Err(e @ Error::Commit(CommitError::Conflict { .. })) => {
                    // Known not published: the compaction's own outputs are garbage now.
                    self.discard_compaction_outputs(&messages).await;
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        if !ids.is_empty() {
            // Expiry and automatic tags, as Java's writers do; never fails the commit.
            crate::maintenance::after_commit(&self.table).await;
        }
        Ok(ids)
    }

    /// INSERT OVERWRITE: replaces the files of `scope` with the new files of `messages` in one
    /// OVERWRITE snapshot.
    ///
    /// # Errors
    /// [`CommitError`] variants; storage errors.
    pub async fn overwrite(
        &self,
        scope: OverwriteScope,
        messages: Vec<CommitMessage>,
        identifier: i64,
    ) -> Result<Vec<i64>> {
        if identifier != BATCH_COMMIT_IDENTIFIER && self.already_committed(identifier).await? {
            return Ok(Vec::new());
        }
        let mut changes = Changes {
            kind: Some(CommitKind::Overwrite),
            check: true,
            overwrite: Some(scope),
            ..Default::default()
        };
        for m in &messages {
            if !m.compact_before.is_empty() || !m.compact_after.is_empty() {
                return Err(Error::Invalid(
                    "an overwrite cannot carry compaction results".into(),
                ));
            }
            changes
                .entries
                .extend(entries_of(FileKind::Add, m, &m.new_files));
            changes
                .changelog
                .extend(entries_of(FileKind::Add, m, &m.changelog_files));
            changes
                .index_added
                .extend(m.new_index_files.iter().cloned());
        }
        let id = self.try_commit(changes, identifier).await?;
        crate::maintenance::after_commit(&self.table).await;
        Ok(vec![id])
    }

    /// Removes every row of the table (an OVERWRITE with only deletes).
    ///
    /// # Errors
    /// As [`TableCommit::overwrite`].
    pub async fn truncate(&self) -> Result<Vec<i64>> {
        self.overwrite(OverwriteScope::All, Vec::new(), BATCH_COMMIT_IDENTIFIER)
            .await
    }

    /// Deletes files written by compactions of `messages` (not upgrades, which keep the name
    /// of a file that is still live).
    async fn discard_compaction_outputs(&self, messages: &[CommitMessage]) {
        for m in messages {
            let Ok(dir) = self.table.bucket_path(&m.partition, m.bucket) else {
                continue;
            };
            let inputs: HashSet<&String> = m.compact_before.iter().map(|f| &f.file_name).collect();
            for f in m.compact_after.iter().chain(&m.compact_changelog) {
                if !inputs.contains(&f.file_name) {
                    let _ = self
                        .table
                        .io()
                        .delete(&format!("{dir}/{}", f.file_name))
                        .await;
                }
            }
        }
    }

    async fn already_committed(&self, identifier: i64) -> Result<bool> {
        // Walk back from the latest snapshot to this user's latest commit.
        let sm = self.table.snapshot_manager();
        let (Some(earliest), Some(latest)) = (sm.earliest_id().await?, sm.latest_id().await?)
        else {
            return Ok(false);
        };
        let mut id = latest;
        while id >= earliest {
            if let Some(s) = sm.try_snapshot(id).await? {
                if s.commit_user == self.commit_user {
                    return Ok(s.commit_identifier >= identifier);
                }
            }
            id -= 1;
        }
        Ok(false)
    }

    async fn published_between(
        &self,
        from_exclusive: i64,
        to_inclusive: i64,
        identifier: i64,
        kind: CommitKind,
    ) -> Result<Option<i64>> {
        let sm = self.table.snapshot_manager();
        for id in (from_exclusive + 1)..=to_inclusive {
            if let Some(s) = sm.try_snapshot(id).await? {
                if s.commit_user == self.commit_user
                    && s.commit_identifier == identifier
                    && s.commit_kind == kind
                {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    async fn try_commit(&self, changes: Changes, identifier: i64) -> Result<i64> {
        let opts = self.table.options();
        let max_retries = opts.commit_max_retries()?;
        let min_wait = opts.commit_min_retry_wait()?;
        let max_wait = opts.commit_max_retry_wait()?;
        let timeout = opts.commit_timeout()?;
        let started = Instant::now();
        let kind = changes.kind.unwrap_or(CommitKind::Append);
        // Never publish on a store whose exclusive create is not exclusive (probed once).
        self.table.io().check_atomic_publish().await?;
        let mut first_latest: Option<Option<i64>> = None;
        let mut attempt: u32 = 0;
        loop {
            let sm = self.table.snapshot_manager();
            let latest = sm.latest().await?;
            let latest_id = latest.as_ref().map(|s| s.id);
            // After a lost race, our commit may still have landed (a retried request).
            if let Some(prev) = first_latest {
                let from = prev.unwrap_or(0);
                if let Some(id) = self
                    .published_between(from, latest_id.unwrap_or(0), identifier, kind)
                    .await?
                {
                    return Ok(id);
                }
            } else {
                first_latest = Some(latest_id);
            }
            match self.attempt(&changes, latest.as_ref(), identifier).await? {
                Attempt::Published(id) => return Ok(id),
                Attempt::Lost => {}
            }
            attempt += 1;
            let out_of_time = timeout.is_some_and(|t| started.elapsed() > t);
            if attempt > max_retries || out_of_time {
                return Err(CommitError::RetriesExhausted {
                    table: self.table.name(),
                    attempts: attempt,
                }
                .into());
            }
            let base = min_wait
                .saturating_mul(1u32 << attempt.min(16))
                .min(max_wait);
            let jitter = rand::rng().random_range(0.0..0.2);
            tokio::time::sleep(base + Duration::from_secs_f64(base.as_secs_f64() * jitter)).await;
        }
    }

    async fn attempt(
        &self,
        changes: &Changes,
        latest: Option<&Snapshot>,
        identifier: i64,
    ) -> Result<Attempt> {
        let table = &self.table;
        let store = table.manifest_store();
        let mut delta = changes.entries.clone();
        let kind = changes.kind.unwrap_or(CommitKind::Append);

        let needs_base = changes.check || changes.overwrite.is_some();
        let base_live: Vec<ManifestEntry> = match (latest, needs_base) {
            (Some(s), true) => TableScan::new(table.clone()).live_entries(s).await?,
            _ => Vec::new(),
        };
        let mut removed_index: Vec<IndexManifestEntry> = changes.index_removed.clone();
        if let Some(scope) = &changes.overwrite {
            let doomed = self.overwrite_targets(scope, &base_live, &delta)?;
            // Dynamic-bucket hash indexes of replaced partitions go too.
            let doomed_partitions: HashSet<&Vec<u8>> =
                doomed.iter().map(|e| &e.partition).collect();
            if let Some(s) = latest {
                if let Some(im) = &s.index_manifest {
                    for ie in store.read_index_manifest(im).await? {
                        if doomed_partitions.contains(&ie.partition) {
                            removed_index.push(ie);
                        }
                    }
                }
            }
            delta.splice(
                0..0,
                doomed.into_iter().map(|e| e.with_kind(FileKind::Delete)),
            );
        }
        let kind = if kind == CommitKind::Append && delta.iter().any(|e| e.kind == FileKind::Delete)
        {
            CommitKind::Overwrite
        } else {
            kind
        };
        if changes.check {
            if let Err(reason) = check_conflicts(table, &base_live, &delta, kind) {
                return Err(CommitError::Conflict {
                    table: table.name(),
                    snapshot: latest.map(|s| s.id).unwrap_or(0),
                    reason,
                }
                .into());
            }
        }

        // Write manifests of this attempt; remember them to clean up after a known loss.
        let mut written: Vec<String> = Vec::new();
        let result = self
            .write_and_publish(
                &store,
                changes,
                &delta,
                latest,
                identifier,
                kind,
                &removed_index,
                &mut written,
            )
            .await;
        match result {
            Ok(Some(id)) => Ok(Attempt::Published(id)),
            Ok(None) => {
                store.delete_quietly(&written).await;
                Ok(Attempt::Lost)
            }
            Err(e) => {
                // A failure before the snapshot write leaves only unreferenced manifests.
                if !matches!(e, Error::Commit(CommitError::OutcomeUnknown { .. })) {
                    store.delete_quietly(&written).await;
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_and_publish(
        &self,
        store: &ManifestStore,
        changes: &Changes,
        delta: &[ManifestEntry],
        latest: Option<&Snapshot>,
        identifier: i64,
        kind: CommitKind,
        removed_index: &[IndexManifestEntry],
        written: &mut Vec<String>,
    ) -> Result<Option<i64>> {
        let table = &self.table;
        let schema_id = table.schema_manager().latest().await?.id;
        // delta
        let delta_metas = store.write_manifests(&self.namer, delta, schema_id).await?;
        written.extend(delta_metas.iter().map(|m| m.file_name.clone()));
        let (delta_list, delta_size) = store.write_list(&self.namer, &delta_metas).await?;
        written.push(delta_list.clone());
        // changelog
        let (changelog_list, changelog_size) = if changes.changelog.is_empty() {
            (None, None)
        } else {
            let metas = store
                .write_manifests(&self.namer, &changes.changelog, schema_id)
                .await?;
            written.extend(metas.iter().map(|m| m.file_name.clone()));
            let (name, size) = store.write_list(&self.namer, &metas).await?;
            written.push(name.clone());
            (Some(name), Some(size))
        };
        // base = previous base + previous delta (merged when there are many small manifests)
        let mut base_metas: Vec<ManifestFileMeta> = Vec::new();
        if let Some(s) = latest {
            base_metas.extend(store.read_list(&s.base_manifest_list).await?);
            base_metas.extend(store.read_list(&s.delta_manifest_list).await?);
        }
        let base_metas = self
            .maybe_merge(store, base_metas, schema_id, written)
            .await?;
        let (base_list, base_size) = store.write_list(&self.namer, &base_metas).await?;
        written.push(base_list.clone());
        // index manifest
        let index_manifest = if changes.index_added.is_empty() && removed_index.is_empty() {
            latest.and_then(|s| s.index_manifest.clone())
        } else {
            let mut entries: Vec<IndexManifestEntry> =
                match latest.and_then(|s| s.index_manifest.as_ref()) {
                    Some(n) => store.read_index_manifest(n).await?,
                    None => Vec::new(),
                };
            let removed: HashSet<&String> = removed_index.iter().map(|e| &e.file_name).collect();
            entries.retain(|e| !removed.contains(&e.file_name));
            entries.extend(changes.index_added.iter().cloned());
            if entries.is_empty() {
                None
            } else {
                let name = store.write_index_manifest(&self.namer, &entries).await?;
                written.push(name.clone());
                Some(name)
            }
        };

        let delta_records: i64 = delta
            .iter()
            .map(|e| match e.kind {
                FileKind::Add => e.file.row_count,
                FileKind::Delete => -e.file.row_count,
            })
            .sum();
        let previous_total = latest.map(Snapshot::total_records).unwrap_or(0);
        let id = latest.map(|s| s.id + 1).unwrap_or(1);
        let snapshot = Snapshot {
            version: SNAPSHOT_VERSION,
            id,
            schema_id,
            base_manifest_list: base_list,
            base_manifest_list_size: Some(base_size),
            delta_manifest_list: delta_list,
            delta_manifest_list_size: Some(delta_size),
            changelog_manifest_list: changelog_list,
            changelog_manifest_list_size: changelog_size,
            index_manifest,
            commit_user: self.commit_user.clone(),
            commit_identifier: identifier,
            commit_kind: kind,
            time_millis: chrono::Utc::now().timestamp_millis(),
            log_offsets: None,
            total_record_count: Some(previous_total + delta_records),
            delta_record_count: Some(delta_records),
            changelog_record_count: Some(changes.changelog.iter().map(|e| e.file.row_count).sum()),
            watermark: latest.and_then(|s| s.watermark),
            statistics: None,
            properties: None,
            next_row_id: None,
            uuid: Some(uuid::Uuid::new_v4().to_string()),
            writer_version: Some(format!("strata-{}", env!("CARGO_PKG_VERSION"))),
            operation: None,
            tag_create_time: None,
            tag_time_retained: None,
        };
        let p = path::snapshot_path(id);
        let json = snapshot.to_json();
        let unknown = |source: strata_io::Error| -> Error {
            CommitError::OutcomeUnknown {
                table: table.name(),
                snapshot: id,
                source,
            }
            .into()
        };
        // ours only if byte-identical (the uuid is unique); a lost acknowledgement is read back
        match table.io().publish(&p, json).await {
            Ok(true) => self.after_publish(id).await.map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(unknown(e)),
        }
    }

    async fn after_publish(&self, id: i64) -> Result<i64> {
        let sm = self.table.snapshot_manager();
        sm.write_latest_hint(id).await;
        if !sm.has_earliest_hint().await {
            if let Ok(Some(e)) = sm.earliest_id().await {
                sm.write_earliest_hint(e).await;
            }
        }
        Ok(id)
    }

    /// Merges the base manifests as Paimon's `ManifestFileMerger` does, so a commit's metadata
    /// work follows what changed, not the table's size:
    ///
    /// * full merge — when the DELETE entries add up to `manifest.full-compaction-threshold-size`
    ///   (16 MiB by default): the whole list is folded (no DELETE survives) into new manifests;
    /// * minor merge — otherwise, consecutive manifests are grouped in order until a group holds
    ///   a manifest's worth of entries; a group of several is folded into new manifests (a
    ///   DELETE whose ADD lies in another group is kept), a group of one stays; the last,
    ///   unfinished group is merged once it has `manifest.merge-min-count` manifests.
    ///
    /// A full manifest is therefore rewritten outside a full merge only when it closes a group
    /// that began with smaller ones (as in Paimon).
    async fn maybe_merge(
        &self,
        store: &ManifestStore,
        metas: Vec<ManifestFileMeta>,
        schema_id: i64,
        written: &mut Vec<String>,
    ) -> Result<Vec<ManifestFileMeta>> {
        let options = self.table.options();
        let min_count = options.manifest_merge_min_count()?.max(2);
        let full_after =
            ManifestStore::entries_in(options.manifest_full_compaction_threshold_size()?);
        let target = store.target_entries() as i64;
        let deletes: i64 = metas.iter().map(|m| m.num_deleted_files).sum();
        if deletes >= full_after && metas.len() >= 2 {
            return self
                .merge_group(store, metas, false, schema_id, written)
                .await;
        }
        let mut out = Vec::with_capacity(metas.len());
        let mut group: Vec<ManifestFileMeta> = Vec::new();
        let mut entries = 0i64;
        for m in metas {
            entries += m.num_added_files + m.num_deleted_files;
            group.push(m);
            if entries >= target {
                let g = std::mem::take(&mut group);
                out.extend(self.merge_group(store, g, true, schema_id, written).await?);
                entries = 0;
            }
        }
        if group.len() >= min_count {
            out.extend(
                self.merge_group(store, group, true, schema_id, written)
                    .await?,
            );
        } else {
            out.extend(group);
        }
        Ok(out)
    }

    /// Folds consecutive manifests into new ones (one manifest stays as it is).
    async fn merge_group(
        &self,
        store: &ManifestStore,
        group: Vec<ManifestFileMeta>,
        keep_unmatched_deletes: bool,
        schema_id: i64,
        written: &mut Vec<String>,
    ) -> Result<Vec<ManifestFileMeta>> {
        if group.len() < 2 {
            return Ok(group);
        }
        let entries: Vec<ManifestEntry> = store
            .read_manifests(&group)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let live = fold_entries(entries, keep_unmatched_deletes)?;
        let merged = store.write_manifests(&self.namer, &live, schema_id).await?;
        written.extend(merged.iter().map(|m| m.file_name.clone()));
        Ok(merged)
    }

    fn overwrite_targets(
        &self,
        scope: &OverwriteScope,
        base: &[ManifestEntry],
        delta: &[ManifestEntry],
    ) -> Result<Vec<ManifestEntry>> {
        let table = &self.table;
        Ok(match scope {
            OverwriteScope::All => base.to_vec(),
            OverwriteScope::Dynamic => {
                if table.schema().partition_keys.is_empty() {
                    base.to_vec()
                } else {
                    let parts: HashSet<&Vec<u8>> = delta.iter().map(|e| &e.partition).collect();
                    // Compare decoded values: Java and pypaimon encode nulls differently.
                    let decoded: Vec<Vec<Datum>> = parts
                        .iter()
                        .map(|p| table.decode_partition(p))
                        .collect::<Result<_>>()?;
                    let mut out = Vec::new();
                    for e in base {
                        let v = table.decode_partition(&e.partition)?;
                        if decoded.contains(&v) {
                            out.push(e.clone());
                        }
                    }
                    out
                }
            }
            OverwriteScope::Partition(spec) => {
                let fields = table.schema().partition_fields();
                let pred = Predicate::and(
                    spec.iter()
                        .map(|(k, v)| {
                            if v.is_null() {
                                Predicate::IsNull(k.clone())
                            } else {
                                Predicate::Cmp {
                                    column: k.clone(),
                                    op: crate::predicate::CmpOp::Eq,
                                    value: v.clone(),
                                }
                            }
                        })
                        .collect(),
                );
                let mut out = Vec::new();
                for e in base {
                    if table.partition_matches(&pred, &e.partition)? {
                        out.push(e.clone());
                    }
                }
                // New files must belong to the overwritten partition.
                for e in delta {
                    if !table.partition_matches(&pred, &e.partition)? {
                        let v = table.decode_partition(&e.partition)?;
                        return Err(Error::Invalid(format!(
                            "overwrite of partition {} received a row of another partition ({})",
                            spec.iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            fields
                                .iter()
                                .zip(&v)
                                .map(|(f, x)| format!("{}={x}", f.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    }
                }
                out
            }
        })
    }
}

enum Attempt {
    Published(i64),
    Lost,
}

/// The full conflict check of spec §10.4 on `fold(base ++ delta)`.
fn check_conflicts(
    table: &Table,
    base: &[ManifestEntry],
    delta: &[ManifestEntry],
    kind: CommitKind,
) -> std::result::Result<(), String> {
    // 1. every DELETE matches a live ADD; nothing is added twice
    let mut live: rustc_hash::FxHashMap<EntryKey<'_>, &ManifestEntry> =
        base.iter().map(|e| (e.key(), e)).collect();
    for e in delta {
        let id = e.key();
        match e.kind {
            FileKind::Add => {
                if live.insert(id, e).is_some() {
                    return Err(format!(
                        "file {} is added twice (bucket {}, level {})",
                        e.file.file_name, e.bucket, e.file.level
                    ));
                }
            }
            FileKind::Delete => {
                if live.remove(&id).is_none() {
                    return Err(format!(
                        "file deletion conflicts detected: {} (bucket {}, level {}) was already removed by another commit; possible causes: a concurrent compaction or overwrite of the same bucket, or two jobs compacting one table; the operation can be retried",
                        e.file.file_name, e.bucket, e.file.level
                    ));
                }
            }
        }
    }
    // 2. bucket counts agree per partition (not for overwrites, which rescale)
    if kind != CommitKind::Overwrite {
        let touched: HashSet<&Vec<u8>> = delta.iter().map(|e| &e.partition).collect();
        let mut counts: BTreeMap<&Vec<u8>, i32> = BTreeMap::new();
        for e in live.values() {
            if !touched.contains(&e.partition) {
                continue;
            }
            if let Some(c) = counts.insert(&e.partition, e.total_buckets) {
                if c != e.total_buckets {
                    return Err(format!(
                        "a partition holds files written for {c} and for {} buckets; rescale it with an INSERT OVERWRITE",
                        e.total_buckets
                    ));
                }
            }
        }
    }
    // 3. primary-key tables: files of one level ≥ 1 of a bucket never overlap
    if table.has_primary_key() {
        let key_types: Vec<_> = table
            .schema()
            .trimmed_primary_key_fields()
            .iter()
            .map(|f| f.data_type.clone())
            .collect();
        let touched: HashSet<(&Vec<u8>, i32)> =
            delta.iter().map(|e| (&e.partition, e.bucket)).collect();
        type KeyRange<'a> = (Vec<Datum>, Vec<Datum>, &'a str);
        let mut runs: BTreeMap<(&Vec<u8>, i32, i32), Vec<KeyRange>> = BTreeMap::new();
        for e in live.values() {
            if e.file.level == 0 || !touched.contains(&(&e.partition, e.bucket)) {
                continue;
            }
            let (Ok(min), Ok(max)) = (
                binary_row::deserialize(&key_types, &e.file.min_key),
                binary_row::deserialize(&key_types, &e.file.max_key),
            ) else {
                continue;
            };
            runs.entry((&e.partition, e.bucket, e.file.level))
                .or_default()
                .push((min, max, &e.file.file_name));
        }
        for ((_, bucket, level), mut files) in runs {
            files.sort_by(|a, b| cmp_keys(&a.0, &b.0));
            for w in files.windows(2) {
                if cmp_keys(&w[0].1, &w[1].0).is_ge() {
                    return Err(format!(
                        "LSM conflicts detected: files {} and {} overlap at level {level} of bucket {bucket}; another job is writing or compacting the same bucket (Paimon requires one writer per bucket)",
                        w[0].2, w[1].2
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Compares two keys field by field in Paimon order.
pub fn cmp_keys(a: &[Datum], b: &[Datum]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x.paimon_cmp(y);
        if o.is_ne() {
            return o;
        }
    }
    a.len().cmp(&b.len())
}
