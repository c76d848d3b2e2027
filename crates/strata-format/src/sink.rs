//! Streaming the bytes of one file to the object store.
//!
//! The encoders (Parquet, ORC) are synchronous and write into an in-memory buffer; the writer
//! drains that buffer into an [`ObjectSink`] after every batch. The sink is object_store's
//! [`BufWriter`]: small files become one PUT, larger ones a multipart upload in 10 MiB parts
//! (S3), so memory stays bounded by the encoder's row group plus one part. (`BufWriter` is what
//! parquet's `ParquetObjectWriter` wraps; that type is deprecated in favour of it.)

use bytes::Bytes;
use strata_io::object_store;
use strata_io::object_store::buffered::BufWriter;
use strata_io::FileIO;
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};

/// Size of a multipart part, and below which a file is sent with a single PUT.
const PART_SIZE: usize = 10 * 1024 * 1024;

/// The destination of one data file.
pub(crate) struct ObjectSink {
    io: FileIO,
    path: String,
    writer: Option<BufWriter>,
    written: u64,
}

fn io_error(op: &'static str, path: &str, e: object_store::Error) -> Error {
    Error::Io(match e {
        object_store::Error::NotFound { .. } => strata_io::Error::NotFound { path: path.into() },
        source => strata_io::Error::Io {
            op,
            path: path.into(),
            source: source.into(),
        },
    })
}

impl ObjectSink {
    /// Starts the object at logical `path` (nothing is sent before the first part is full).
    pub(crate) fn new(io: &FileIO, path: &str) -> ObjectSink {
        ObjectSink {
            io: io.clone(),
            path: path.to_string(),
            writer: Some(BufWriter::with_capacity(
                io.store(),
                io.object_path(path),
                PART_SIZE,
            )),
            written: 0,
        }
    }

    /// Bytes handed to the sink so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Appends bytes.
    pub(crate) async fn put(&mut self, bytes: Bytes) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let len = bytes.len() as u64;
        let writer = self.writer.as_mut().ok_or_else(|| Error::Corrupt {
            path: self.path.clone(),
            reason: "write after the upload was finished or aborted".into(),
        })?;
        writer
            .put(bytes)
            .await
            .map_err(|e| io_error("write", &self.path, e))?;
        self.written += len;
        Ok(())
    }

    /// Completes the upload; returns the object's size.
    pub(crate) async fn finish(mut self) -> Result<u64> {
        let Some(mut writer) = self.writer.take() else {
            return Err(Error::Corrupt {
                path: self.path.clone(),
                reason: "the upload was already finished".into(),
            });
        };
        writer.shutdown().await.map_err(|e| {
            let source = match e.downcast::<object_store::Error>() {
                Ok(os) => os,
                Err(other) => object_store::Error::Generic {
                    store: "upload",
                    source: Box::new(other),
                },
            };
            io_error("write", &self.path, source)
        })?;
        Ok(self.written)
    }

    /// Abandons the upload and removes whatever reached storage (best effort).
    pub(crate) async fn abort(mut self) {
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.abort().await;
        }
        let _ = self.io.delete(&self.path).await;
    }
}
