//! The writer of one bucket of a primary-key table: an LSM tree (spec §7.7, §12).
//!
//! ```text
//! rows + kinds ─▶ sequence numbers ─▶ WriteBuffer (sorted, merged, spills to local disk)
//!     buffer full or prepare_commit ─▶ level-0 files ─▶ Levels
//!     sorted runs ≥ trigger ─▶ UniversalCompaction ─▶ upgrade / rewrite ─▶ higher levels
//!     runs > stop-trigger ─▶ compact before accepting more rows (reads never degrade unbounded)
//! prepare_commit ─▶ new files, compaction before/after, changelog ─▶ CommitIncrement
//! ```
//!
//! Sequence numbers continue from the largest one of the bucket's live files, so they keep
//! growing across commits and writer restarts.
//!
//! Reference: `MergeTreeWriter`, `MergeTreeCompactManager` (Paimon 0.9).

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Int64Array, Int8Array, RecordBatch};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use strata_lsm::buffer::{SpillConfig, WriteBuffer};
use strata_lsm::compact::universal::UniversalCompaction;
use strata_lsm::levels::{KeyComparator, Levels};
use strata_lsm::merge::MergeFunction;
use strata_lsm::KvSchema;
use strata_spec::options::ChangelogProducer;
use strata_spec::{DataFileMeta, FileSource};

use super::compactor::Compactor;
use super::context::WriteContext;
use super::message::CommitIncrement;
use super::rolling::RollingFileWriter;
use super::{BucketState, BucketWriter};
use crate::error::{arrow_err, Error, Result};
use crate::kv::{key_columns, kv_file_meta, kv_schema};

/// Writes the rows of one (partition, bucket) of a primary-key table.
pub struct MergeTreeWriter {
    ctx: WriteContext,
    dir: String,
    kv: Arc<KvSchema>,
    buffer: WriteBuffer,
    next_seq: i64,
    compactor: Compactor,
    stop_trigger: usize,
    ignore_delete: bool,
    ignore_update_before: bool,
    changelog: Option<RollingFileWriter>,
    full_compaction_every: Option<u32>,
    commits_since_full: u32,
    /// first-row tables must not leave rows in level 0 (readers skip it, spec §8.4).
    force_up_level0: bool,
    pending: CommitIncrement,
    batch_size: usize,
    /// Bytes this writer holds in the shared budget.
    held: usize,
    _spill_dir: Option<tempfile::TempDir>,
}

impl Drop for MergeTreeWriter {
    fn drop(&mut self) {
        self.ctx.memory.leave(self.held);
    }
}

impl MergeTreeWriter {
    /// A writer restored from the bucket's live files.
    ///
    /// # Errors
    /// Bad options, corrupt partition bytes.
    pub fn new(
        ctx: WriteContext,
        partition: &[u8],
        bucket: i32,
        state: &BucketState,
    ) -> Result<Self> {
        let opts = ctx.table.options().clone();
        let schema = ctx.schema.clone();
        let dir = ctx.bucket_dir(partition, bucket)?;
        let kv = Arc::new(kv_schema(&schema, None)?);
        let merge: Arc<dyn MergeFunction> =
            strata_lsm::merge::merge_function(opts.merge_engine()?, &opts, &kv)
                .map_err(|e| Error::Invalid(e.to_string()))?;
        let spillable = opts.write_buffer_spillable()?;
        let spill_dir = if spillable {
            Some(
                tempfile::Builder::new()
                    .prefix("strata-spill-")
                    .tempdir()
                    .map_err(|e| {
                        Error::Invalid(format!(
                            "cannot create a local spill directory for the write buffer: {e}"
                        ))
                    })?,
            )
        } else {
            None
        };
        let spill = spill_dir.as_ref().map(|d| SpillConfig {
            dir: d.path().to_path_buf(),
            max_handles: opts.local_sort_max_handles().unwrap_or(128),
        });
        let buffer = WriteBuffer::new(
            kv.clone(),
            merge.clone(),
            opts.write_buffer_size()? as usize,
            spill,
        );
        let max_file_level = state
            .files
            .iter()
            .map(|f| f.level)
            .max()
            .unwrap_or(0)
            .max(0) as usize;
        let num_levels = opts.num_levels()?.max(max_file_level + 1);
        let cmp: KeyComparator = crate::kv::key_comparator(&schema);
        let levels = Levels::new(cmp.clone(), state.files.clone(), num_levels)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let strategy = UniversalCompaction {
            max_size_amp_percent: opts.max_size_amplification_percent()?,
            size_ratio_percent: opts.size_ratio()?,
            num_run_trigger: opts.compaction_trigger()?,
        };
        let small_file_size = (ctx.target_file_size as f64 * opts.small_file_ratio()?) as u64;
        let producer = opts.changelog_producer()?;
        let changelog = if producer == ChangelogProducer::Input {
            Some(ctx.kv_files(dir.clone(), &kv, opts.changelog_file_prefix()))
        } else {
            None
        };
        let engine = opts.merge_engine()?;
        let batch_size = opts.read_batch_size()?.max(4096);
        let compactor = Compactor::new(
            ctx.clone(),
            dir.clone(),
            kv.clone(),
            merge,
            levels,
            cmp,
            strategy,
            small_file_size,
            batch_size,
        )
        .with_changelog(producer, opts.changelog_row_deduplicate()?)
        .with_first_row(engine == strata_spec::options::MergeEngine::FirstRow);
        ctx.memory.join();
        Ok(MergeTreeWriter {
            stop_trigger: opts.stop_trigger()?,
            ignore_delete: opts.ignore_delete()?,
            ignore_update_before: opts.ignore_update_before()?,
            full_compaction_every: opts.full_compaction_delta_commits()?,
            commits_since_full: 0,
            force_up_level0: engine == strata_spec::options::MergeEngine::FirstRow
                || producer == ChangelogProducer::Lookup,
            next_seq: state.max_sequence + 1,
            ctx,
            dir,
            kv,
            buffer,
            compactor,
            changelog,
            pending: CommitIncrement::default(),
            batch_size,
            held: 0,
            _spill_dir: spill_dir,
        })
    }

    fn kv_rows(
        &mut self,
        batch: RecordBatch,
        kinds: Option<Int8Array>,
    ) -> Result<Option<RecordBatch>> {
        let n = batch.num_rows();
        let kinds = kinds.unwrap_or_else(|| Int8Array::from(vec![0i8; n]));
        let (batch, kinds) = if self.ignore_delete || self.ignore_update_before {
            let keep: BooleanArray = kinds
                .values()
                .iter()
                .map(|k| {
                    Some(
                        !((self.ignore_delete && (*k == 1 || *k == 3))
                            || (self.ignore_update_before && *k == 1)),
                    )
                })
                .collect();
            let b = arrow::compute::filter_record_batch(&batch, &keep)
                .map_err(arrow_err("dropping ignored row kinds"))?;
            let k = arrow::compute::filter(&kinds, &keep)
                .map_err(arrow_err("dropping ignored row kinds"))?;
            let k = k
                .as_any()
                .downcast_ref::<Int8Array>()
                .cloned()
                .ok_or_else(|| Error::Internal("row kinds changed type".into()))?;
            (b, k)
        } else {
            (batch, kinds)
        };
        let n = batch.num_rows();
        if n == 0 {
            return Ok(None);
        }
        let mut cols: Vec<ArrayRef> = key_columns(&self.ctx.schema, &batch)?;
        cols.push(Arc::new(Int64Array::from_iter_values(
            self.next_seq..self.next_seq + n as i64,
        )));
        cols.push(Arc::new(kinds));
        cols.extend(batch.columns().iter().cloned());
        self.next_seq += n as i64;
        RecordBatch::try_new(self.kv.arrow_schema(), cols)
            .map(Some)
            .map_err(arrow_err("building key-value rows"))
    }

    async fn flush(&mut self) -> Result<()> {
        self.ctx.memory.update(std::mem::take(&mut self.held), 0);
        if self.buffer.is_empty() {
            return Ok(());
        }
        let stream = self.buffer.drain(self.batch_size).map_err(|e| {
            Error::Invalid(format!("write buffer of {}: {e}", self.ctx.table.name()))
        })?;
        let mut files = self.ctx.kv_files(
            self.dir.clone(),
            &self.kv,
            self.ctx.table.options().data_file_prefix(),
        );
        let written = files.write_stream(stream.map_err(lsm_err).boxed()).await?;
        for f in written {
            let meta = kv_file_meta(&self.ctx.table, &self.kv, &f, 0, FileSource::Append)?;
            self.compactor.add_level0(meta.clone());
            self.pending.new_files.push(meta);
        }
        if !self.ctx.write_only {
            // Too many sorted runs: compact now instead of letting reads degrade.
            while self.compactor.num_sorted_runs() > self.stop_trigger {
                if !self.compactor.compact_once(&mut self.pending).await? {
                    break;
                }
            }
        }
        Ok(())
    }
}

impl MergeTreeWriter {
    /// Reports the buffer's size to the shared budget; releases memory (spill, else flush)
    /// when this writer holds at least its share of an exhausted budget.
    async fn account(&mut self) -> Result<()> {
        let now = self.buffer.memory_size();
        let release = self.ctx.memory.update(self.held, now);
        self.held = now;
        if release {
            let spilled = self.buffer.spill().map_err(|e| {
                Error::Invalid(format!("write buffer of {}: {e}", self.ctx.table.name()))
            })?;
            if spilled {
                self.ctx.memory.update(self.held, 0);
                self.held = 0;
            } else {
                self.flush().await?;
            }
        }
        Ok(())
    }
}

/// Positions and types of the key columns in the layout.
pub fn key_positions(kv: &KvSchema) -> (Vec<usize>, Vec<strata_spec::DataType>) {
    (
        (0..kv.num_keys()).collect(),
        kv.key_fields.iter().map(|f| f.data_type.clone()).collect(),
    )
}

pub(crate) fn lsm_err(e: strata_lsm::Error) -> Error {
    match e {
        strata_lsm::Error::External(inner) => match inner.downcast::<Error>() {
            Ok(core) => *core,
            Err(other) => Error::Internal(other.to_string()),
        },
        other => Error::Invalid(other.to_string()),
    }
}

#[async_trait]
impl BucketWriter for MergeTreeWriter {
    async fn write(&mut self, batch: RecordBatch, kinds: Option<Int8Array>) -> Result<()> {
        let Some(kv) = self.kv_rows(batch, kinds)? else {
            return Ok(());
        };
        if let Some(c) = self.changelog.as_mut() {
            c.write(&kv).await?;
        }
        self.buffer.add(kv).map_err(|e| {
            Error::Invalid(format!("write buffer of {}: {e}", self.ctx.table.name()))
        })?;
        if self.buffer.is_full() {
            self.flush().await?;
        }
        self.account().await
    }

    async fn prepare_commit(&mut self, _wait_compaction: bool) -> Result<CommitIncrement> {
        self.flush().await?;
        if let Some(c) = self.changelog.as_mut() {
            for f in c.finish().await? {
                let meta = kv_file_meta(&self.ctx.table, &self.kv, &f, 0, FileSource::Append)?;
                self.pending.changelog_files.push(meta);
            }
        }
        if !self.ctx.write_only {
            self.commits_since_full += 1;
            let full_due = self
                .full_compaction_every
                .is_some_and(|n| self.commits_since_full >= n.max(1));
            if full_due {
                self.compactor.compact_full(&mut self.pending).await?;
                self.commits_since_full = 0;
            } else {
                // Level 0 first: the lookup changelog must see every level-0 row.
                if self.force_up_level0 {
                    self.compactor.compact_level0_up(&mut self.pending).await?;
                }
                while self.compactor.compact_once(&mut self.pending).await? {}
            }
        }
        Ok(std::mem::take(&mut self.pending))
    }

    async fn compact(&mut self, full: bool) -> Result<()> {
        self.flush().await?;
        if full {
            self.compactor
                .compact_full(&mut self.pending)
                .await
                .map(|_| ())
        } else {
            if self.force_up_level0 {
                self.compactor.compact_level0_up(&mut self.pending).await?;
            }
            while self.compactor.compact_once(&mut self.pending).await? {}
            Ok(())
        }
    }

    async fn abort(&mut self) {
        if let Some(c) = self.changelog.as_mut() {
            c.abort().await;
        }
        let pending = std::mem::take(&mut self.pending);
        let io = self.ctx.table.io().clone();
        let upgraded: std::collections::HashSet<&String> = pending
            .compact_before
            .iter()
            .map(|f| &f.file_name)
            .collect();
        let doomed: Vec<&DataFileMeta> = pending
            .new_files
            .iter()
            .chain(&pending.changelog_files)
            .chain(
                pending
                    .compact_after
                    .iter()
                    .filter(|f| !upgraded.contains(&f.file_name)),
            )
            .collect();
        for f in doomed {
            let _ = io.delete(&format!("{}/{}", self.dir, f.file_name)).await;
        }
    }
}
