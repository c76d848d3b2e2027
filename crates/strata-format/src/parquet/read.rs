//! Reading a Parquet data file: one ranged GET for the footer, then the projected column chunks
//! of one row group at a time, decoded by the parquet crate's async stream and handed to the
//! [`Projector`] (column order, canonical types, missing columns).

use std::ops::Range;
use std::sync::Arc;

use arrow_array::RecordBatch;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use futures::FutureExt;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use strata_io::object_store::{self, ObjectStore, ObjectStoreExt};
use strata_io::FileIO;
use strata_spec::DataField;

use crate::error::{Error, Result};
use crate::reader::{null_batches, Projector, ReadOptions};

/// How much of the file's end the first request fetches (footer and, usually, metadata).
const FOOTER_PREFETCH: usize = 64 * 1024;

/// Ranged reads of one object of known size for the parquet crate.
struct ObjectFileReader {
    store: Arc<dyn ObjectStore>,
    location: object_store::path::Path,
    size: u64,
}

fn external(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileReader for ObjectFileReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            if range.end > self.size {
                return Err(ParquetError::EOF(format!(
                    "range {range:?} is beyond the end of the file ({} bytes)",
                    self.size
                )));
            }
            self.store
                .get_range(&self.location, range)
                .await
                .map_err(external)
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            if let Some(r) = ranges.iter().find(|r| r.end > self.size) {
                return Err(ParquetError::EOF(format!(
                    "range {r:?} is beyond the end of the file ({} bytes)",
                    self.size
                )));
            }
            self.store
                .get_ranges(&self.location, &ranges)
                .await
                .map_err(external)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            let metadata = ParquetMetaDataReader::new()
                .with_arrow_reader_options(options)
                .with_prefetch_hint(Some(FOOTER_PREFETCH))
                .load_and_finish(self, size)
                .await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}

/// A Parquet error while reading `path`: storage failures stay storage errors, everything else
/// means the bytes are not a readable Parquet file.
pub(crate) fn read_error(path: &str, e: ParquetError) -> Error {
    if let ParquetError::External(inner) = e {
        return match inner.downcast::<object_store::Error>() {
            Ok(os) => Error::Io(match *os {
                object_store::Error::NotFound { .. } => strata_io::Error::NotFound {
                    path: path.to_string(),
                },
                source => strata_io::Error::Io {
                    op: "read",
                    path: path.to_string(),
                    source: source.into(),
                },
            }),
            Err(other) => Error::Corrupt {
                path: path.to_string(),
                reason: other.to_string(),
            },
        };
    }
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
    let reader = ObjectFileReader {
        store: io.store(),
        location: io.object_path(path),
        size,
    };
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(|e| read_error(path, e))?;
    let file_schema = builder.schema().clone();
    let projector = Projector::new(path, columns, &file_schema, false);
    let roots = projector.file_columns();
    if roots.is_empty() {
        let rows = builder.metadata().file_metadata().num_rows().max(0) as usize;
        return Ok(null_batches(projector, rows, options.batch_size));
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let stream = builder
        .with_projection(mask)
        .with_batch_size(options.batch_size.max(1))
        .build()
        .map_err(|e| read_error(path, e))?;
    let path = path.to_string();
    Ok(stream
        .map(move |item| {
            item.map_err(|e| read_error(&path, e))
                .and_then(|batch| projector.project(&batch))
        })
        .boxed())
}
