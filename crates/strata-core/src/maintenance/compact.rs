//! A dedicated compaction job (`strata compact`, `CALL sys.compact`): compacts the buckets of
//! the latest snapshot — all of them or those of chosen partitions — in one COMPACT commit.
//! Writers configured with `write-only = true` leave compaction to this job.
//!
//! A compaction races with writers. If another commit removed one of its input files first (an
//! overwrite, a rollback, another compaction), publishing fails with a conflict before anything
//! becomes visible: the files this attempt wrote are deleted (a known loss) and the job starts
//! again from the new latest snapshot, up to [`CONFLICT_RETRIES`] times, then gives up with
//! the conflict's explanation.

use strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER;

use crate::error::{CommitError, Error, Result};
use crate::predicate::Predicate;
use crate::scan::TableScan;
use crate::table::Table;

/// What to compact.
#[derive(Debug, Clone, Default)]
pub struct CompactOptions {
    /// Only partitions matching this filter (on partition columns).
    pub partition_filter: Option<Predicate>,
    /// Full compaction (everything into the max level) instead of the universal picker.
    pub full: bool,
}

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactReport {
    /// Buckets examined.
    pub buckets: usize,
    /// Files removed by compaction.
    pub files_before: usize,
    /// Files written (or upgraded) by compaction.
    pub files_after: usize,
    /// Snapshot created (none when there was nothing to do).
    pub snapshot: Option<i64>,
}

/// How often a compaction that lost its inputs to another commit starts again.
pub const CONFLICT_RETRIES: u32 = 3;

/// Compacts a primary-key table. `progress` is called after each bucket with (done, total).
///
/// # Errors
/// [`Error::Unsupported`] for append tables; read, write and commit errors; a
/// [`CommitError::Conflict`] when other commits kept removing the inputs.
pub async fn compact(
    table: &Table,
    opts: &CompactOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<CompactReport> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match compact_once(table, opts, progress).await {
            Err(Error::Commit(CommitError::Conflict {
                table: name,
                snapshot,
                reason,
            })) => {
                if attempt > CONFLICT_RETRIES {
                    return Err(CommitError::Conflict {
                        table: name,
                        snapshot,
                        reason: format!(
                            "{reason} (compaction gave up after {attempt} attempts; run it again when writers that remove files, such as overwrites, are done)"
                        ),
                    }
                    .into());
                }
                tracing::info!(table = %name, snapshot, attempt, %reason, "compaction lost its inputs to another commit; starting again");
            }
            other => return other,
        }
    }
}

async fn compact_once(
    table: &Table,
    opts: &CompactOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<CompactReport> {
    if !table.has_primary_key() {
        return Err(Error::Unsupported(format!(
            "compacting append table '{}' (small-file compaction of append tables)",
            table.name()
        )));
    }
    let Some(snapshot) = table.snapshot_manager().latest().await? else {
        return Ok(CompactReport::default());
    };
    let filter = opts
        .partition_filter
        .as_ref()
        .map(|p| {
            p.restrict_to(&table.schema().partition_keys)
                .ok_or_else(|| {
                    Error::Invalid("a compaction filter may only use partition columns".into())
                })
        })
        .transpose()?;
    let entries = TableScan::new(table.clone())
        .with_filter(filter)
        .live_entries(&snapshot)
        .await?;
    let mut buckets: Vec<(Vec<u8>, i32)> = entries
        .iter()
        .map(|e| (e.partition.clone(), e.bucket))
        .collect();
    buckets.sort();
    buckets.dedup();
    // Compaction must not follow the table's write-only setting: this *is* the compactor.
    let mut dynamic = std::collections::BTreeMap::new();
    dynamic.insert("write-only".to_string(), "false".to_string());
    let t = table.with_dynamic_options(&dynamic)?;
    let mut write = t.new_write()?;
    let total = buckets.len();
    for (i, (partition, bucket)) in buckets.into_iter().enumerate() {
        if let Err(e) = write.compact_bucket(partition, bucket, opts.full).await {
            write.abort().await;
            return Err(e);
        }
        progress(i + 1, total);
    }
    let messages = match write.prepare_commit().await {
        Ok(m) => m,
        Err(e) => {
            write.abort().await;
            return Err(e);
        }
    };
    let user = write.commit_user().to_string();
    write.close().await?;
    let files_before = messages.iter().map(|m| m.compact_before.len()).sum();
    let files_after = messages.iter().map(|m| m.compact_after.len()).sum();
    // A lost race (conflict) deletes this compaction's outputs inside the commit.
    let ids = t
        .new_commit(&user)
        .commit(messages, BATCH_COMMIT_IDENTIFIER)
        .await?;
    Ok(CompactReport {
        buckets: total,
        files_before,
        files_after,
        snapshot: ids.last().copied(),
    })
}
