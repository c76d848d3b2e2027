//! ORC data files through orc-rust: reading every type Java writes, writing the flat types
//! orc-rust can encode.
//!
//! Writing: orc-rust encodes BOOLEAN, TINYINT..BIGINT, FLOAT, DOUBLE, strings, binaries, DATE
//! and TIMESTAMP; TIME is written as an ORC int of milliseconds of the day (as Java does).
//! DECIMAL and nested types would hit `unimplemented!` inside orc-rust, so they are refused up
//! front with [`crate::Error::Unsupported`]. The encoder writes into a shared buffer that the
//! data file writer drains after each batch.
//!
//! Reading: an [`AsyncChunkReader`] over the object store feeds orc-rust's async stream,
//! projected by column name; values are cast to the canonical types and CHAR padding is
//! trimmed (Java returns `"ab"` for CHAR(5) `'ab'`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use orc_rust::compression::CompressionType;
use orc_rust::projection::ProjectionMask;
use orc_rust::reader::AsyncChunkReader;
use orc_rust::{ArrowReaderBuilder, ArrowWriterBuilder};
use strata_io::object_store::{self, ObjectStore, ObjectStoreExt};
use strata_io::FileIO;
use strata_spec::{DataField, DataType, TypeKind};

use crate::arrow_convert::{arrow_type, unsupported};
use crate::error::{Error, Result};
use crate::reader::{null_batches, Projector, ReadOptions};
use crate::writer::WriterOptions;

// ---------------------------------------------------------------------------------------------
// Writing

/// A `Write` into memory shared with the encoder's owner, who drains it.
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn take(&self) -> Vec<u8> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *guard)
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        guard.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The Arrow type orc-rust is given for a Paimon type, or why it cannot write it.
fn orc_write_type(field: &DataField) -> Result<ArrowType> {
    let ty = &field.data_type;
    match &ty.kind {
        TypeKind::Time(_) => Ok(ArrowType::Int32),
        TypeKind::Boolean
        | TypeKind::TinyInt
        | TypeKind::SmallInt
        | TypeKind::Int
        | TypeKind::BigInt
        | TypeKind::Float
        | TypeKind::Double
        | TypeKind::Char(_)
        | TypeKind::VarChar(_)
        | TypeKind::Binary(_)
        | TypeKind::VarBinary(_)
        | TypeKind::Date
        | TypeKind::Timestamp(_)
        | TypeKind::LocalZonedTimestamp(_) => Ok(arrow_type(ty)),
        _ => Err(unsupported(format!(
            "writing {ty} to ORC (column '{}'; orc-rust writes only flat non-decimal types)",
            field.name
        ))),
    }
}

fn orc_compression(options: &WriterOptions) -> Result<Option<CompressionType>> {
    Ok(
        match options.compression.trim().to_ascii_lowercase().as_str() {
            "zstd" => Some(CompressionType::Zstd),
            "snappy" => Some(CompressionType::Snappy),
            "lz4" => Some(CompressionType::Lz4),
            "zlib" | "gzip" => Some(CompressionType::Zlib),
            "lzo" => Some(CompressionType::Lzo),
            "none" | "uncompressed" | "" => None,
            other => {
                return Err(unsupported(format!(
                    "ORC compression '{other}' (use zstd, snappy, lz4, zlib or none)"
                )))
            }
        },
    )
}

fn orc_err(context: &str) -> impl FnOnce(orc_rust::error::OrcError) -> Error + '_ {
    move |e| Error::Arrow {
        context: context.to_string(),
        source: arrow_schema::ArrowError::ExternalError(Box::new(e)),
    }
}

/// Encodes one ORC file into memory.
///
/// orc-rust's writer is not `Send`, so it lives on a dedicated thread; this handle talks to it
/// through channels and is `Send` (bucket writers move between async worker threads).
pub(crate) struct OrcEncoder {
    tx: Option<std::sync::mpsc::Sender<OrcCmd>>,
    buffer: SharedBuffer,
    schema: SchemaRef,
    /// Arrow memory of the batches encoded since the last stripe reached the buffer.
    pending: u64,
    thread: Option<std::thread::JoinHandle<()>>,
}

enum OrcCmd {
    Write(RecordBatch, std::sync::mpsc::Sender<Result<()>>),
    Finish(std::sync::mpsc::Sender<Result<()>>),
}

fn encoder_thread(
    buffer: SharedBuffer,
    schema: SchemaRef,
    batch_size: usize,
    compression: Option<CompressionType>,
    rx: std::sync::mpsc::Receiver<OrcCmd>,
    ready: std::sync::mpsc::Sender<Result<()>>,
) {
    let mut builder = ArrowWriterBuilder::new(buffer, schema).with_batch_size(batch_size);
    if let Some(c) = compression {
        builder = builder.with_compression(c);
    }
    let mut writer = match builder
        .try_build()
        .map_err(orc_err("creating the ORC writer"))
    {
        Ok(w) => {
            let _ = ready.send(Ok(()));
            w
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    while let Ok(cmd) = rx.recv() {
        match cmd {
            OrcCmd::Write(batch, reply) => {
                let _ = reply.send(writer.write(&batch).map_err(orc_err("encoding ORC")));
            }
            OrcCmd::Finish(reply) => {
                let _ = reply.send(writer.close().map_err(orc_err("writing the ORC footer")));
                return;
            }
        }
    }
}

impl OrcEncoder {
    pub(crate) fn new(fields: &[DataField], options: &WriterOptions) -> Result<OrcEncoder> {
        let schema: SchemaRef = Arc::new(Schema::new(
            fields
                .iter()
                .map(|f| {
                    Ok(Field::new(
                        &f.name,
                        orc_write_type(f)?,
                        f.data_type.nullable,
                    ))
                })
                .collect::<Result<Vec<_>>>()?,
        ));
        let buffer = SharedBuffer::default();
        let compression = orc_compression(options)?;
        let batch_size = options.max_row_group_rows.clamp(1, 8192);
        let (tx, rx) = std::sync::mpsc::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (b, sc) = (buffer.clone(), schema.clone());
        let thread = std::thread::Builder::new()
            .name("strata-orc-writer".into())
            .spawn(move || encoder_thread(b, sc, batch_size, compression, rx, ready_tx))
            .map_err(|e| {
                crate::arrow_convert::invalid(
                    "encoding ORC",
                    format!("cannot start the encoder thread: {e}"),
                )
            })?;
        ready_rx.recv().map_err(|_| {
            crate::arrow_convert::invalid("encoding ORC", "the encoder thread stopped")
        })??;
        Ok(OrcEncoder {
            tx: Some(tx),
            buffer,
            schema,
            pending: 0,
            thread: Some(thread),
        })
    }

    fn call(&self, make: impl FnOnce(std::sync::mpsc::Sender<Result<()>>) -> OrcCmd) -> Result<()> {
        let tx = self
            .tx
            .as_ref()
            .ok_or_else(|| crate::arrow_convert::invalid("encoding ORC", "the writer is closed"))?;
        let (rtx, rrx) = std::sync::mpsc::channel();
        tx.send(make(rtx)).map_err(|_| {
            crate::arrow_convert::invalid("encoding ORC", "the encoder thread stopped")
        })?;
        rrx.recv().map_err(|_| {
            crate::arrow_convert::invalid("encoding ORC", "the encoder thread stopped")
        })?
    }

    pub(crate) fn write(&mut self, columns: &[ArrayRef]) -> Result<()> {
        let columns: Vec<ArrayRef> = columns
            .iter()
            .zip(self.schema.fields())
            .map(|(c, f)| {
                if c.data_type() == f.data_type() {
                    Ok(c.clone())
                } else {
                    // TIME: milliseconds of the day as a plain int.
                    arrow_cast::cast(c, f.data_type())
                        .map_err(crate::arrow_convert::arrow_err("encoding ORC"))
                }
            })
            .collect::<Result<_>>()?;
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(crate::arrow_convert::arrow_err("encoding ORC"))?;
        let size = batch.get_array_memory_size() as u64;
        self.call(|r| OrcCmd::Write(batch, r))?;
        self.pending += size;
        Ok(())
    }

    /// Bytes encoded and not yet taken.
    pub(crate) fn take_output(&mut self) -> Bytes {
        let out = self.buffer.take();
        if !out.is_empty() {
            self.pending = 0;
        }
        Bytes::from(out)
    }

    /// Estimate of the stripe in progress (the Arrow memory of its batches; an upper bound).
    pub(crate) fn in_progress_size(&self) -> u64 {
        self.pending
    }

    pub(crate) fn finish(&mut self) -> Result<Bytes> {
        if self.tx.is_some() {
            self.call(OrcCmd::Finish)?;
            self.tx = None;
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
        Ok(self.take_output())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Ranged reads of one object for orc-rust.
struct ObjectChunkReader {
    store: Arc<dyn ObjectStore>,
    location: object_store::path::Path,
    size: u64,
}

impl AsyncChunkReader for ObjectChunkReader {
    fn len(&mut self) -> BoxFuture<'_, std::io::Result<u64>> {
        let size = self.size;
        async move { Ok(size) }.boxed()
    }

    fn get_bytes(
        &mut self,
        offset_from_start: u64,
        length: u64,
    ) -> BoxFuture<'_, std::io::Result<Bytes>> {
        let end = offset_from_start.saturating_add(length);
        if length == 0 {
            return async { Ok(Bytes::new()) }.boxed();
        }
        if end > self.size {
            let size = self.size;
            return async move {
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("range {offset_from_start}..{end} is beyond the end of the file ({size} bytes)"),
                ))
            }
            .boxed();
        }
        let store = self.store.clone();
        let location = self.location.clone();
        async move {
            store
                .get_range(&location, offset_from_start..end)
                .await
                .map_err(std::io::Error::other)
        }
        .boxed()
    }
}

fn read_error(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        path: path.to_string(),
        reason: e.to_string(),
    }
}

pub(crate) async fn open(
    io: &FileIO,
    path: &str,
    columns: &[DataField],
    options: &ReadOptions,
) -> Result<BoxStream<'static, Result<RecordBatch>>> {
    let size = match options.file_size {
        Some(size) => size,
        None => io.status(path).await?.size,
    };
    let reader = ObjectChunkReader {
        store: io.store(),
        location: io.object_path(path),
        size,
    };
    let builder = ArrowReaderBuilder::try_new_async(reader)
        .await
        .map_err(|e| read_error(path, e))?;
    let root = builder.file_metadata().root_data_type().clone();
    let file_schema = Schema::new(
        root.children()
            .iter()
            .map(|c| Field::new(c.name(), ArrowType::Null, true))
            .collect::<Vec<_>>(),
    );
    let projector = Projector::new(path, columns, &file_schema, true);
    let names = projector.file_column_names();
    if names.is_empty() {
        let rows = builder.file_metadata().number_of_rows() as usize;
        return Ok(null_batches(projector, rows, options.batch_size));
    }
    let mask = ProjectionMask::named_roots(&root, &names);
    let stream = builder
        .with_projection(mask)
        .with_batch_size(options.batch_size.max(1))
        .build_async();
    let path = path.to_string();
    Ok(stream
        .map(move |item| {
            item.map_err(|e| read_error(&path, e))
                .and_then(|batch| projector.project(&batch))
        })
        .boxed())
}

/// Whether a Paimon type can be written to ORC by this crate.
pub fn orc_writable(ty: &DataType) -> bool {
    orc_write_type(&DataField::new(0, "", ty.clone())).is_ok()
}
