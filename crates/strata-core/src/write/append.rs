//! The writer of one bucket of an append table: rows go to rolling data files in arrival
//! order; every row takes the bucket's next sequence number so files record their position in
//! the bucket's write order (spec §9).
//!
//! Reference: `AppendOnlyWriter` (Paimon 0.9).

use std::sync::Arc;

use arrow_array::RecordBatch;
use async_trait::async_trait;

use super::context::WriteContext;
use super::message::CommitIncrement;
use super::rolling::RollingFileWriter;
use super::BucketWriter;
use crate::error::Result;

/// Writes the rows of one (partition, bucket) of an append table.
pub struct AppendWriter {
    ctx: WriteContext,
    dir: String,
    files: RollingFileWriter,
    next_seq: i64,
    /// Sequence number of the first row of the open file.
    file_start_seq: i64,
    pending: Vec<strata_spec::DataFileMeta>,
}

impl AppendWriter {
    /// A writer continuing after sequence number `max_seq` (−1 for an empty bucket).
    ///
    /// # Errors
    /// Corrupt partition bytes.
    pub fn new(ctx: WriteContext, partition: &[u8], bucket: i32, max_seq: i64) -> Result<Self> {
        let dir = ctx.bucket_dir(partition, bucket)?;
        let fields = Arc::new(ctx.schema.fields.clone());
        let prefix = ctx.table.options().data_file_prefix();
        let files = ctx
            .rolling_writer(dir.clone(), fields, prefix, None)
            .with_target_rows(ctx.table.options().target_file_row_num()?);
        Ok(AppendWriter {
            ctx,
            dir,
            files,
            next_seq: max_seq + 1,
            file_start_seq: max_seq + 1,
            pending: Vec::new(),
        })
    }

    fn collect(&mut self, closed: Vec<super::rolling::ClosedFile>) -> Result<()> {
        for f in closed {
            let rows = f.written.row_count as i64;
            let meta = self.ctx.append_file_meta(
                &f,
                self.file_start_seq,
                self.file_start_seq + rows - 1,
            )?;
            self.file_start_seq += rows;
            self.pending.push(meta);
        }
        Ok(())
    }
}

#[async_trait]
impl BucketWriter for AppendWriter {
    async fn write(
        &mut self,
        batch: RecordBatch,
        _kinds: Option<arrow_array::Int8Array>,
    ) -> Result<()> {
        self.next_seq += batch.num_rows() as i64;
        self.files.write(&batch).await?;
        let closed = self.files.take_closed();
        self.collect(closed)
    }

    async fn prepare_commit(&mut self, _wait_compaction: bool) -> Result<CommitIncrement> {
        let closed = self.files.finish().await?;
        self.collect(closed)?;
        Ok(CommitIncrement {
            new_files: std::mem::take(&mut self.pending),
            ..Default::default()
        })
    }

    async fn abort(&mut self) {
        self.files.abort().await;
        for f in self.pending.drain(..) {
            let _ = self
                .ctx
                .table
                .io()
                .delete(&format!("{}/{}", self.dir, f.file_name))
                .await;
        }
    }
}
