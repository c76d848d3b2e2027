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
use futures::stream::BoxStream;

use crate::error::Result;
use crate::kv::KvSchema;
use crate::merge::MergeFunction;

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
        }
    }

    /// Adds rows (key-value layout, sequence numbers and kinds filled in). Spills when the
    /// memory limit is reached and spilling is configured.
    ///
    /// # Errors
    /// Merge or spill errors.
    pub fn add(&mut self, batch: RecordBatch) -> Result<()> {
        todo!(
            "{} {:?} {} {:?} {:?}",
            batch.num_rows(),
            self.schema,
            self.memory_limit,
            self.spill,
            self.merge
        )
    }

    /// Whether the in-memory part exceeds the limit and cannot spill: the caller must flush
    /// (drain into level-0 files) now.
    pub fn is_full(&self) -> bool {
        todo!()
    }

    /// Rows added since the last drain.
    pub fn row_count(&self) -> usize {
        todo!()
    }

    /// Bytes of Arrow data held in memory.
    pub fn memory_size(&self) -> usize {
        todo!()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.row_count() == 0
    }

    /// Takes everything out as one sorted run (one row per key, retracts kept), merging
    /// spilled files and memory. The buffer is empty afterwards.
    ///
    /// # Errors
    /// Merge or spill errors.
    pub fn drain(&mut self, batch_size: usize) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        todo!("{batch_size}")
    }
}
