//! The write buffer of one bucket: rows arrive with sequence numbers and row kinds, are kept
//! sorted by (key, sequence), and same-key rows are merged by the merge function before they
//! leave. Bounded by `write-buffer-size`; when full and `write-buffer-spillable`, the sorted,
//! merged content is spilled to a local Arrow IPC file and later merged with the rest (at most
//! `local-sort.max-num-file-handles` spill files are merged at once; more are first merged into
//! bigger spill files).
//!
//! Reference: `SortBufferWriteBuffer`, `ExternalBuffer` (Paimon 0.9).

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::RecordBatch;
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};

use crate::error::Result;
use crate::kv::KvSchema;
use crate::merge::MergeFunction;
use crate::merge_sort::merge_runs;
use crate::sort::sort_and_merge;
use crate::spill::{SpillFile, SpillWriter};

/// Rows per batch of spill files and of hierarchical merges.
const SPILL_BATCH_ROWS: usize = 8192;

/// Where and how to spill.
#[derive(Debug, Clone)]
pub struct SpillConfig {
    /// Directory for spill files (created if missing; files are removed when drained/dropped).
    pub dir: PathBuf,
    /// Maximal number of runs merged at once.
    pub max_handles: usize,
}

/// Sorted, merged buffer of key-value rows.
#[derive(Debug)]
pub struct WriteBuffer {
    schema: Arc<KvSchema>,
    merge: Arc<dyn MergeFunction>,
    memory_limit: usize,
    spill: Option<SpillConfig>,
    /// Batches as added (unsorted).
    batches: Vec<RecordBatch>,
    /// `get_array_memory_size` of `batches`.
    memory: usize,
    /// Rows added since the last drain.
    rows: usize,
    /// Spilled runs, oldest first.
    spilled: Vec<SpillFile>,
}

impl WriteBuffer {
    /// A buffer holding at most `memory_limit` bytes of Arrow data in memory.
    pub fn new(
        schema: Arc<KvSchema>,
        merge: Arc<dyn MergeFunction>,
        memory_limit: usize,
        spill: Option<SpillConfig>,
    ) -> Self {
        WriteBuffer {
            schema,
            merge,
            memory_limit,
            spill,
            batches: Vec::new(),
            memory: 0,
            rows: 0,
            spilled: Vec::new(),
        }
    }

    /// Adds rows (key-value layout, sequence numbers and kinds filled in). Spills when the
    /// memory limit is reached and spilling is configured.
    ///
    /// # Errors
    /// Merge or spill errors.
    pub fn add(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows();
        self.memory += batch.get_array_memory_size();
        self.batches.push(batch);
        if self.memory > self.memory_limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Spills the in-memory rows now (when spilling is configured and there are any): the
    /// caller's shared memory budget is exhausted. Returns whether anything was spilled.
    ///
    /// # Errors
    /// Merge or spill errors.
    pub fn spill(&mut self) -> Result<bool> {
        if self.batches.is_empty() {
            return Ok(false);
        }
        match self.spill.as_ref().map(|s| s.dir.clone()) {
            Some(dir) => {
                self.spill_memory(&dir)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Sorts and merges the in-memory rows into a new spill file.
    fn spill_memory(&mut self, dir: &std::path::Path) -> Result<()> {
        let batches = std::mem::take(&mut self.batches);
        self.memory = 0;
        let schema = batches
            .first()
            .map(|b| b.schema())
            .unwrap_or_else(|| self.schema.arrow_schema());
        let mut writer = SpillWriter::create(dir, &schema)?;
        sort_and_merge(
            &self.schema,
            self.merge.as_ref(),
            &batches,
            SPILL_BATCH_ROWS,
            &mut |b| writer.write(&b),
        )?;
        drop(batches);
        let file = writer.finish()?;
        tracing::debug!(
            rows = file.rows,
            files = self.spilled.len() + 1,
            "spilled the write buffer"
        );
        self.spilled.push(file);
        Ok(())
    }

    /// Whether the in-memory part exceeds the limit and cannot spill: the caller must flush
    /// (drain into level-0 files) now.
    pub fn is_full(&self) -> bool {
        self.spill.is_none() && self.memory > self.memory_limit
    }

    /// Rows added since the last drain.
    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Bytes of Arrow data held in memory.
    pub fn memory_size(&self) -> usize {
        self.memory
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.row_count() == 0
    }

    /// Number of spill files currently on disk.
    pub fn spill_file_count(&self) -> usize {
        self.spilled.len()
    }

    /// Takes everything out as one sorted run (one row per key, retracts kept), merging
    /// spilled files and memory. The buffer is empty afterwards.
    ///
    /// # Errors
    /// Merge or spill errors.
    pub fn drain(&mut self, batch_size: usize) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let batch_size = batch_size.max(1);
        let batches = std::mem::take(&mut self.batches);
        let mut spilled = std::mem::take(&mut self.spilled);
        self.memory = 0;
        self.rows = 0;
        let mut sorted = Vec::new();
        sort_and_merge(
            &self.schema,
            self.merge.as_ref(),
            &batches,
            batch_size,
            &mut |b| {
                sorted.push(b);
                Ok(())
            },
        )?;
        drop(batches);
        if spilled.is_empty() {
            return Ok(stream::iter(sorted.into_iter().map(Ok)).boxed());
        }
        // merge spill files in rounds until they fit the handle limit (one handle for memory)
        if let Some(config) = self.spill.clone() {
            let fan_in = config.max_handles.max(2);
            while spilled.len() + 1 > fan_in {
                spilled = self.merge_round(spilled, fan_in, &config.dir)?;
            }
        }
        let mut runs = spilled
            .into_iter()
            .map(SpillFile::read)
            .collect::<Result<Vec<_>>>()?;
        if !sorted.is_empty() {
            runs.push(stream::iter(sorted.into_iter().map(Ok)).boxed());
        }
        Ok(merge_runs(
            self.schema.clone(),
            runs,
            self.merge.clone(),
            false,
            batch_size,
        ))
    }

    /// Merges consecutive groups of `fan_in` spill files into one file each.
    fn merge_round(
        &self,
        files: Vec<SpillFile>,
        fan_in: usize,
        dir: &std::path::Path,
    ) -> Result<Vec<SpillFile>> {
        let mut out = Vec::with_capacity(files.len() / fan_in + 1);
        let mut files = files.into_iter().peekable();
        while files.peek().is_some() {
            let group: Vec<SpillFile> = files.by_ref().take(fan_in).collect();
            if group.len() == 1 {
                out.extend(group);
                continue;
            }
            let runs = group
                .into_iter()
                .map(SpillFile::read)
                .collect::<Result<Vec<_>>>()?;
            let merged = merge_runs(
                self.schema.clone(),
                runs,
                self.merge.clone(),
                false,
                SPILL_BATCH_ROWS,
            );
            let mut writer: Option<SpillWriter> = None;
            futures::executor::block_on(merged.try_for_each(|batch| {
                let result = match writer.as_mut() {
                    Some(w) => w.write(&batch),
                    None => SpillWriter::create(dir, &batch.schema()).and_then(|mut w| {
                        w.write(&batch)?;
                        writer = Some(w);
                        Ok(())
                    }),
                };
                futures::future::ready(result)
            }))?;
            if let Some(w) = writer {
                out.push(w.finish()?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
