//! Executing compactions of one bucket (spec §12.2): the LSM crate decides *what* to compact
//! (`UniversalCompaction`, `full_compaction`, `plan_rewrite`); this module does it — it reads
//! the picked runs, merges them through the merge engine and writes files at the output level,
//! or upgrades files whose content can stay as it is.
//!
//! Retractions are dropped only when the output level is the highest level that holds data
//! (nothing older can exist below it) and not level 0.
//!
//! Reference: `MergeTreeCompactManager`, `MergeTreeCompactRewriter` (Paimon 0.9).

use std::sync::Arc;

use futures::StreamExt;
use futures::TryStreamExt;
use strata_lsm::compact::universal::UniversalCompaction;
use strata_lsm::compact::{
    full_compaction, plan_rewrite, CompactStrategy, CompactUnit, RewriteStep,
};
use strata_lsm::levels::{KeyComparator, Levels};
use strata_lsm::merge::MergeFunction;
use strata_lsm::merge_sort::merge_runs;
use strata_lsm::KvSchema;
use strata_spec::options::ChangelogProducer;
use strata_spec::{DataFileMeta, FileSource};

use super::changelog_producer::{diff, ListedKeys};

use super::context::WriteContext;
use super::merge_tree::lsm_err;
use super::message::CommitIncrement;
use crate::error::{Error, Result};
use crate::kv::{kv_file_meta, read_run};

/// Runs compactions of one bucket and keeps its levels up to date.
pub struct Compactor {
    ctx: WriteContext,
    dir: String,
    kv: Arc<KvSchema>,
    merge: Arc<dyn MergeFunction>,
    levels: Levels,
    cmp: KeyComparator,
    strategy: UniversalCompaction,
    small_file_size: u64,
    batch_size: usize,
    producer: ChangelogProducer,
    row_deduplicate: bool,
    first_row: bool,
}

impl Compactor {
    /// A compactor over the bucket's current levels.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ctx: WriteContext,
        dir: String,
        kv: Arc<KvSchema>,
        merge: Arc<dyn MergeFunction>,
        levels: Levels,
        cmp: KeyComparator,
        strategy: UniversalCompaction,
        small_file_size: u64,
        batch_size: usize,
    ) -> Self {
        Compactor {
            ctx,
            dir,
            kv,
            merge,
            levels,
            cmp,
            strategy,
            small_file_size,
            batch_size,
            producer: ChangelogProducer::None,
            row_deduplicate: false,
            first_row: false,
        }
    }

    /// First-row tables keep every key in one level above 0.
    pub fn with_first_row(mut self, first_row: bool) -> Self {
        self.first_row = first_row;
        self
    }

    /// Produces changelog files at compaction (`lookup` / `full-compaction`).
    pub fn with_changelog(mut self, producer: ChangelogProducer, row_deduplicate: bool) -> Self {
        self.producer = producer;
        self.row_deduplicate = row_deduplicate;
        self
    }

    /// Reads files as key-sorted runs merged into one row per key.
    async fn merged(
        &self,
        runs: Vec<Vec<DataFileMeta>>,
        drop_retracts: bool,
    ) -> Result<Vec<arrow_array::RecordBatch>> {
        let streams = runs
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|files| self.run_stream(files))
            .collect();
        self.collect_merge(streams, drop_retracts).await
    }

    /// One sorted run of files as a stream for the LSM merge.
    fn run_stream(
        &self,
        files: Vec<DataFileMeta>,
    ) -> futures::stream::BoxStream<'static, strata_lsm::Result<arrow_array::RecordBatch>> {
        read_run(
            self.ctx.table.clone(),
            self.dir.clone(),
            files,
            self.kv.clone(),
            self.batch_size,
        )
        .map(|b| b.map_err(|e| strata_lsm::Error::External(Box::new(e))))
        .boxed()
    }

    /// Merges in-memory sorted runs (older first) through the merge function.
    async fn merge_in_memory(
        &self,
        runs: Vec<Vec<arrow_array::RecordBatch>>,
        drop_retracts: bool,
    ) -> Result<Vec<arrow_array::RecordBatch>> {
        let streams = runs
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|batches| futures::stream::iter(batches.into_iter().map(Ok)).boxed())
            .collect::<Vec<_>>();
        self.collect_merge(streams, drop_retracts).await
    }

    /// Merges sorted runs through the merge function into memory.
    async fn collect_merge(
        &self,
        streams: Vec<
            futures::stream::BoxStream<'static, strata_lsm::Result<arrow_array::RecordBatch>>,
        >,
        drop_retracts: bool,
    ) -> Result<Vec<arrow_array::RecordBatch>> {
        if streams.is_empty() {
            return Ok(Vec::new());
        }
        merge_runs(
            self.kv.clone(),
            streams,
            self.merge.clone(),
            drop_retracts,
            self.batch_size,
        )
        .map_err(lsm_err)
        .try_collect()
        .await
    }

    /// The runs of levels ≥ `from` (each level one run, each level-0 file one run).
    fn runs_from(&self, from: usize) -> Vec<Vec<DataFileMeta>> {
        self.levels
            .level_sorted_runs()
            .into_iter()
            .filter(|r| r.level >= from)
            .map(|r| r.run.files)
            .collect()
    }

    async fn write_changelog(
        &self,
        rows: arrow_array::RecordBatch,
        level: usize,
        pending: &mut CommitIncrement,
    ) -> Result<()> {
        let mut files = self.ctx.kv_files(
            self.dir.clone(),
            &self.kv,
            self.ctx.table.options().changelog_file_prefix(),
        );
        let written = files
            .write_stream(futures::stream::iter([Ok(rows)]).boxed())
            .await?;
        for f in written {
            pending.compact_changelog.push(kv_file_meta(
                &self.ctx.table,
                &self.kv,
                &f,
                level as i32,
                FileSource::Append,
            )?);
        }
        Ok(())
    }

    /// Registers a new level-0 file.
    pub fn add_level0(&mut self, f: DataFileMeta) {
        self.levels.add_level0(f);
    }

    /// Sorted runs of the bucket.
    pub fn num_sorted_runs(&self) -> usize {
        self.levels.num_sorted_runs()
    }

    /// Runs one universal-compaction pick, if any. Returns whether something was compacted.
    ///
    /// # Errors
    /// Read, merge or write errors.
    pub async fn compact_once(&mut self, pending: &mut CommitIncrement) -> Result<bool> {
        let runs = self.levels.level_sorted_runs();
        match self.strategy.pick(self.levels.num_levels(), &runs) {
            Some(unit) => self.execute(unit, pending).await,
            None => Ok(false),
        }
    }

    /// Compacts everything into the max level.
    ///
    /// # Errors
    /// Read, merge or write errors.
    pub async fn compact_full(&mut self, pending: &mut CommitIncrement) -> Result<bool> {
        let runs = self.levels.level_sorted_runs();
        // A single run at the max level that still holds retractions is rewritten too.
        let unit = match full_compaction(self.levels.num_levels(), &runs) {
            Some(u) => Some(u),
            None => {
                let files = self.levels.all_files();
                if files.iter().any(|f| f.may_have_retracts()) {
                    Some(CompactUnit {
                        output_level: self.levels.max_level(),
                        files,
                    })
                } else {
                    None
                }
            }
        };
        let Some(u) = unit else { return Ok(false) };
        if self.producer != ChangelogProducer::FullCompaction {
            return self.execute(u, pending).await;
        }
        let max = self.levels.max_level();
        let before = self.merged(vec![self.level_files(max)], true).await?;
        if !self.execute(u, pending).await? {
            return Ok(false);
        }
        let after = self.merged(vec![self.level_files(max)], true).await?;
        if let Some(rows) = diff(&self.kv, &before, &after, self.row_deduplicate)? {
            self.write_changelog(rows, max, pending).await?;
        }
        Ok(true)
    }

    fn level_files(&self, level: usize) -> Vec<DataFileMeta> {
        self.levels
            .level_sorted_runs()
            .into_iter()
            .filter(|r| r.level == level)
            .flat_map(|r| r.run.files)
            .collect()
    }

    /// Moves every level-0 file up (first-row and lookup tables keep level 0 empty after a
    /// commit): the level-0 runs, extended to the first run above level 0 when needed.
    ///
    /// # Errors
    /// Read, merge or write errors.
    pub async fn compact_level0_up(&mut self, pending: &mut CommitIncrement) -> Result<bool> {
        if self.first_row {
            // A first-row key may live in one level only (readers take levels ≥ 1 as they
            // are): level 0 goes into the max level together with everything above, as Java
            // 0.9 does.
            if self.levels.level0_count() == 0 {
                return Ok(false);
            }
            return self.compact_full(pending).await;
        }
        let runs = self.levels.level_sorted_runs();
        let k = runs.iter().take_while(|r| r.level == 0).count();
        if k == 0 {
            return Ok(false);
        }
        let (take, output_level) = if k == runs.len() {
            (k, self.levels.max_level())
        } else {
            let next = runs[k].level;
            if next > 1 {
                (k, next - 1)
            } else {
                (k + 1, next)
            }
        };
        let files = runs[..take]
            .iter()
            .flat_map(|r| r.run.files.iter().cloned())
            .collect();
        let unit = CompactUnit {
            output_level,
            files,
        };
        if self.producer != ChangelogProducer::Lookup {
            return self.execute(unit, pending).await;
        }
        // lookup: the keys of level 0, their state in the higher levels before and after.
        let level0: Vec<Vec<DataFileMeta>> =
            runs[..k].iter().map(|r| r.run.files.clone()).collect();
        let level0_rows = self.merged(level0, false).await?;
        let keys = Arc::new(ListedKeys::of(&self.kv, &level0_rows)?);
        // before: the higher levels' state of those keys alone (other rows are dropped as they
        // are read, so memory and merge work follow level 0, not the bucket)
        let streams = self
            .runs_from(1)
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|files| {
                let (kv, keys) = (self.kv.clone(), keys.clone());
                self.run_stream(files)
                    .map(move |b| {
                        b.and_then(|b| {
                            keys.keep(&kv, &b)
                                .map_err(|e| strata_lsm::Error::External(Box::new(e)))
                        })
                    })
                    .boxed()
            })
            .collect();
        let before = self.collect_merge(streams, true).await?;
        if !self.execute(unit, pending).await? {
            return Ok(false);
        }
        // after = before with the level-0 rows merged in (no second read of the higher levels)
        let after = self
            .merge_in_memory(vec![before.clone(), level0_rows], true)
            .await?;
        if let Some(rows) = diff(&self.kv, &before, &after, self.row_deduplicate)? {
            self.write_changelog(rows, output_level, pending).await?;
        }
        Ok(true)
    }

    async fn execute(&mut self, unit: CompactUnit, pending: &mut CommitIncrement) -> Result<bool> {
        let max_level = self.levels.max_level();
        let steps = plan_rewrite(&unit, &self.cmp, self.small_file_size, max_level);
        if steps.is_empty() {
            return Ok(false);
        }
        let out = unit.output_level;
        let highest = self.levels.non_empty_highest_level().unwrap_or(0);
        let drop_retracts = out != 0 && out >= highest;
        let mut before: Vec<DataFileMeta> = Vec::new();
        let mut after: Vec<DataFileMeta> = Vec::new();
        for step in steps {
            match step {
                RewriteStep::Upgrade(f) => {
                    after.push(f.upgraded(out as i32));
                    before.push(f);
                }
                RewriteStep::Rewrite(runs) => {
                    let streams = runs
                        .iter()
                        .map(|r| self.run_stream(r.files.clone()))
                        .collect();
                    let merged = merge_runs(
                        self.kv.clone(),
                        streams,
                        self.merge.clone(),
                        drop_retracts,
                        self.batch_size,
                    );
                    let mut files = self.ctx.kv_files(
                        self.dir.clone(),
                        &self.kv,
                        self.ctx.table.options().data_file_prefix(),
                    );
                    let written = files.write_stream(merged.map_err(lsm_err).boxed()).await?;
                    for f in written {
                        after.push(kv_file_meta(
                            &self.ctx.table,
                            &self.kv,
                            &f,
                            out as i32,
                            FileSource::Compact,
                        )?);
                    }
                    before.extend(runs.into_iter().flat_map(|r| r.files));
                }
            }
        }
        self.levels
            .update(&before, &after)
            .map_err(|e| Error::Internal(format!("compaction of {}: {e}", self.dir)))?;
        record(pending, before, after, self.ctx.table.io(), &self.dir).await;
        Ok(true)
    }
}

/// Adds a compaction's inputs and outputs to the pending increment. A file written by an
/// earlier compaction of the same increment and consumed again never reaches a snapshot: it is
/// dropped from the outputs and deleted.
async fn record(
    pending: &mut CommitIncrement,
    before: Vec<DataFileMeta>,
    after: Vec<DataFileMeta>,
    io: &strata_io::FileIO,
    dir: &str,
) {
    let same =
        |a: &DataFileMeta, b: &DataFileMeta| a.file_name == b.file_name && a.level == b.level;
    let mut still_used: Vec<String> = after.iter().map(|f| f.file_name.clone()).collect();
    still_used.extend(pending.compact_before.iter().map(|f| f.file_name.clone()));
    for f in before {
        if let Some(pos) = pending.compact_after.iter().position(|a| same(a, &f)) {
            let produced = pending.compact_after.remove(pos);
            let was_upgrade = pending
                .compact_before
                .iter()
                .any(|b| b.file_name == produced.file_name);
            if !was_upgrade && !still_used.contains(&produced.file_name) {
                let _ = io.delete(&format!("{dir}/{}", produced.file_name)).await;
            } else if was_upgrade {
                // The original committed file is already in compact_before; nothing to add.
            }
            continue;
        }
        pending.compact_before.push(f);
    }
    pending.compact_after.extend(after);
}
