//! A sequence of data files in one bucket directory, rolled at `target-file-size`.
//!
//! For key-value files it also records the encoded first and last key of each file (the
//! `_MIN_KEY` / `_MAX_KEY` of its manifest entry): batches arrive sorted by key, so the first
//! row of a file holds its smallest key and the last row its largest.

use std::sync::Arc;

use arrow_array::RecordBatch;
use strata_format::{DataFileWriter, WriterOptions, WrittenFile};
use strata_io::FileIO;
use strata_spec::{DataField, DataType};

use super::row_encoder::RowEncoder;
use crate::error::Result;
use crate::path::FileNamer;

/// A finished file.
#[derive(Debug, Clone)]
pub struct ClosedFile {
    /// File name (in the bucket directory).
    pub name: String,
    /// Size, rows and column stats.
    pub written: WrittenFile,
    /// Serialized smallest key (key-value files).
    pub min_key: Option<Vec<u8>>,
    /// Serialized largest key (key-value files).
    pub max_key: Option<Vec<u8>>,
    /// Rows of kind -U / -D (key-value files).
    pub retract_rows: u64,
}

/// Writes rolling files of one layout into one directory.
pub struct RollingFileWriter {
    io: FileIO,
    dir: String,
    fields: Arc<Vec<DataField>>,
    options: WriterOptions,
    namer: FileNamer,
    prefix: String,
    target_size: u64,
    target_rows: Option<u64>,
    /// Positions and types of the key columns (key-value layout only).
    key: Option<(Vec<usize>, Vec<DataType>)>,
    kind_col: Option<usize>,
    current: Option<Open>,
    closed: Vec<ClosedFile>,
}

struct Open {
    name: String,
    writer: DataFileWriter,
    min_key: Option<Vec<u8>>,
    max_key: Option<Vec<u8>>,
    retract_rows: u64,
}

impl RollingFileWriter {
    /// A writer of files named `<prefix><uuid>-<n>.<ext>` in `dir`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        io: FileIO,
        dir: String,
        fields: Arc<Vec<DataField>>,
        options: WriterOptions,
        namer: FileNamer,
        prefix: String,
        target_size: u64,
        key: Option<(Vec<usize>, Vec<DataType>)>,
    ) -> Self {
        RollingFileWriter {
            io,
            dir,
            fields,
            options,
            namer,
            prefix,
            target_size: target_size.max(1),
            target_rows: None,
            key,
            kind_col: None,
            current: None,
            closed: Vec::new(),
        }
    }

    /// Counts -U / -D rows of this `_VALUE_KIND` column per file.
    pub fn with_kind_column(mut self, col: Option<usize>) -> Self {
        self.kind_col = col;
        self
    }

    /// Also roll after this many rows (`target-file-row-num`).
    pub fn with_target_rows(mut self, rows: Option<u64>) -> Self {
        self.target_rows = rows;
        self
    }

    fn encode_key(&self, batch: &RecordBatch, row: usize) -> Result<Option<Vec<u8>>> {
        let Some((idx, types)) = &self.key else {
            return Ok(None);
        };
        let cols: Vec<&arrow_array::ArrayRef> = idx.iter().map(|i| batch.column(*i)).collect();
        let mut enc = RowEncoder::try_new(&cols, types, false)?;
        Ok(Some(enc.encode_serialized(row)))
    }

    /// Appends a batch, rolling to a new file whenever the target is reached (large batches
    /// are written in slices so that files roll inside them).
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        const SLICE: usize = 8192;
        let n = batch.num_rows();
        let mut start = 0;
        while start < n {
            let len = SLICE.min(n - start);
            if start == 0 && len == n {
                self.write_slice(batch).await?;
            } else {
                self.write_slice(&batch.slice(start, len)).await?;
            }
            start += len;
        }
        Ok(())
    }

    async fn write_slice(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if self.current.is_none() {
            let name = self
                .namer
                .data_file(&self.prefix, self.options.format.extension());
            let path = format!("{}/{name}", self.dir);
            let writer =
                DataFileWriter::create(&self.io, &path, &self.fields, &self.options).await?;
            self.current = Some(Open {
                name,
                writer,
                min_key: None,
                max_key: None,
                retract_rows: 0,
            });
        }
        let first_key = if self.current.as_ref().is_some_and(|c| c.min_key.is_none()) {
            self.encode_key(batch, 0)?
        } else {
            None
        };
        let last_key = self.encode_key(batch, batch.num_rows() - 1)?;
        let retracts = match self.kind_col {
            Some(c) => count_retracts(batch.column(c)),
            None => 0,
        };
        if let Some(cur) = self.current.as_mut() {
            cur.writer.write(batch).await?;
            cur.retract_rows += retracts;
            if first_key.is_some() {
                cur.min_key = first_key;
            }
            if last_key.is_some() {
                cur.max_key = last_key;
            }
            let full = cur.writer.estimated_size() >= self.target_size
                || self
                    .target_rows
                    .is_some_and(|r| cur.writer.row_count() >= r);
            if full {
                self.roll().await?;
            }
        }
        Ok(())
    }

    /// Closes the open file, if any.
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn roll(&mut self) -> Result<()> {
        if let Some(cur) = self.current.take() {
            let written = cur.writer.close().await?;
            self.closed.push(ClosedFile {
                name: cur.name,
                written,
                min_key: cur.min_key,
                max_key: cur.max_key,
                retract_rows: cur.retract_rows,
            });
        }
        Ok(())
    }

    /// Closes the open file and returns every file finished since the last call.
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn finish(&mut self) -> Result<Vec<ClosedFile>> {
        self.roll().await?;
        Ok(std::mem::take(&mut self.closed))
    }

    /// Files finished so far (without closing the open one).
    pub fn take_closed(&mut self) -> Vec<ClosedFile> {
        std::mem::take(&mut self.closed)
    }

    /// Writes every batch of `stream`, then finishes; on any error the files written so far
    /// are deleted and the error returned.
    ///
    /// # Errors
    /// The stream's first error, or an encoding or storage error.
    pub async fn write_stream(
        &mut self,
        mut stream: futures::stream::BoxStream<'_, Result<RecordBatch>>,
    ) -> Result<Vec<ClosedFile>> {
        use futures::StreamExt;
        while let Some(b) = stream.next().await {
            let written = match b {
                Ok(b) => self.write(&b).await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                self.abort().await;
                return Err(e);
            }
        }
        self.finish().await
    }

    /// Abandons the open file and deletes every file not yet handed out.
    pub async fn abort(&mut self) {
        if let Some(cur) = self.current.take() {
            cur.writer.abort().await;
        }
        for f in self.closed.drain(..) {
            let _ = self.io.delete(&format!("{}/{}", self.dir, f.name)).await;
        }
    }
}

fn count_retracts(col: &arrow_array::ArrayRef) -> u64 {
    use arrow_array::cast::AsArray;
    match col.as_primitive_opt::<arrow_array::types::Int8Type>() {
        Some(a) => a.values().iter().filter(|k| **k == 1 || **k == 3).count() as u64,
        None => 0,
    }
}
