//! Reading one data file (Parquet, ORC or Avro) as a stream of Arrow batches.
//!
//! Columns are matched **by name** (Java 0.9 writes no Parquet field ids). The caller lists the
//! columns it wants with the Paimon types *as written in that file's schema*; each column comes
//! back in that order, cast to the canonical Arrow type of the given Paimon type (see
//! [`crate::arrow_convert::cast_to`]). A requested column the file does not have comes back as
//! nulls. Memory is bounded by the batch size and one row group / stripe.
//!
//! ```text
//! read_data_file ─▶ parquet::read | orc::read | avro::read   (format decoder, projected by name)
//!                 ─▶ Projector (order, cast_to, CHAR trim for ORC, null columns)
//!                 ─▶ panic guard (a decoder panic on garbage becomes Error::Corrupt)
//! ```
//!
//! The output schema is the canonical Arrow schema of the requested columns, except that a
//! column missing from the file is marked nullable (it is all nulls even when its type is
//! NOT NULL; the caller decides what that means). Any failure to decode names the file
//! ([`crate::Error::Corrupt`]); a column whose stored type cannot be converted is
//! [`crate::Error::Schema`].

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Schema, SchemaRef};
use futures::stream::{self, BoxStream};
use futures::{FutureExt, StreamExt};
use strata_io::FileIO;
use strata_spec::DataField;

use crate::arrow_convert::{arrow_field, arrow_type, cast_to, trim_char_padding};
use crate::error::{Error, Result};
use crate::writer::FileFormat;

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Rows per output batch.
    pub batch_size: usize,
    /// Known file size (saves a HEAD request).
    pub file_size: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_size: 8192,
            file_size: None,
        }
    }
}

/// Opens a data file and streams the requested columns.
///
/// # Errors
/// [`crate::Error::Corrupt`] naming the file when it cannot be decoded; storage errors
/// (a missing file is `strata_io::Error::NotFound` inside [`crate::Error::Io`]).
pub async fn read_data_file(
    io: &FileIO,
    path: &str,
    format: FileFormat,
    columns: &[DataField],
    options: &ReadOptions,
) -> Result<BoxStream<'static, Result<RecordBatch>>> {
    let open = async {
        match format {
            FileFormat::Parquet => crate::parquet::read::open(io, path, columns, options).await,
            FileFormat::Orc => crate::orc::open(io, path, columns, options).await,
            FileFormat::Avro => crate::avro::open(io, path, columns, options).await,
        }
    };
    match AssertUnwindSafe(open).catch_unwind().await {
        Ok(Ok(stream)) => Ok(guard(path.to_string(), stream)),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(Error::Corrupt {
            path: path.to_string(),
            reason: format!("the decoder failed: {}", panic_message(&panic)),
        }),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Ends the stream after the first error, and turns a decoder panic into [`Error::Corrupt`].
fn guard(
    path: String,
    inner: BoxStream<'static, Result<RecordBatch>>,
) -> BoxStream<'static, Result<RecordBatch>> {
    stream::unfold(Some(inner), move |state| {
        let path = path.clone();
        async move {
            let mut inner = state?;
            match AssertUnwindSafe(inner.next()).catch_unwind().await {
                Ok(Some(Ok(batch))) => Some((Ok(batch), Some(inner))),
                Ok(Some(Err(e))) => Some((Err(e), None)),
                Ok(None) => None,
                Err(panic) => Some((
                    Err(Error::Corrupt {
                        path,
                        reason: format!("the decoder failed: {}", panic_message(&panic)),
                    }),
                    None,
                )),
            }
        }
    })
    .boxed()
}

/// Turns the batches a format decoder produced into the batches the caller asked for.
pub(crate) struct Projector {
    path: String,
    columns: Vec<DataField>,
    /// Index of each requested column in the file's top-level columns.
    file_index: Vec<Option<usize>>,
    schema: SchemaRef,
    trim_char: bool,
}

impl Projector {
    /// `file_schema`: the file's top-level columns (names matter, types do not).
    /// `trim_char`: strip the space padding of CHAR values (ORC).
    pub(crate) fn new(
        path: &str,
        columns: &[DataField],
        file_schema: &Schema,
        trim_char: bool,
    ) -> Arc<Projector> {
        let file_index: Vec<Option<usize>> = columns
            .iter()
            .map(|c| file_schema.index_of(&c.name).ok())
            .collect();
        let fields: Vec<arrow_schema::Field> = columns
            .iter()
            .zip(&file_index)
            .map(|(c, i)| {
                let f = arrow_field(c);
                if i.is_none() {
                    f.with_nullable(true)
                } else {
                    f
                }
            })
            .collect();
        Arc::new(Projector {
            path: path.to_string(),
            columns: columns.to_vec(),
            file_index,
            schema: Arc::new(Schema::new(fields)),
            trim_char,
        })
    }

    /// The file's top-level columns to decode, ascending, without duplicates.
    pub(crate) fn file_columns(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.file_index.iter().flatten().copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Names of the file columns to decode.
    pub(crate) fn file_column_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .zip(&self.file_index)
            .filter(|(_, i)| i.is_some())
            .map(|(c, _)| c.name.clone())
            .collect()
    }

    /// The requested columns of a decoded batch (whose columns are found by name).
    pub(crate) fn project(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let batch_schema = batch.schema();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (column, index) in self.columns.iter().zip(&self.file_index) {
            let found = index.and_then(|_| batch_schema.index_of(&column.name).ok());
            let array = match found {
                Some(i) => {
                    let cast = cast_to(batch.column(i), &column.data_type)
                        .map_err(|e| self.schema_error(&column.name, e))?;
                    if self.trim_char {
                        trim_char_padding(&cast, &column.data_type)
                            .map_err(|e| self.schema_error(&column.name, e))?
                    } else {
                        cast
                    }
                }
                None => new_null_array(&arrow_type(&column.data_type), rows),
            };
            arrays.push(array);
        }
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })
    }

    fn schema_error(&self, column: &str, e: Error) -> Error {
        Error::Schema {
            path: self.path.clone(),
            reason: format!("column '{column}': {e}"),
        }
    }

    /// A batch of `rows` rows where every requested column is null.
    pub(crate) fn nulls(&self, rows: usize) -> Result<RecordBatch> {
        let arrays = self
            .columns
            .iter()
            .map(|c| new_null_array(&arrow_type(&c.data_type), rows))
            .collect();
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })
    }
}

/// `rows` rows of nulls in batches of `batch_size` (a file none of whose columns was asked for).
pub(crate) fn null_batches(
    projector: Arc<Projector>,
    rows: usize,
    batch_size: usize,
) -> BoxStream<'static, Result<RecordBatch>> {
    let batch_size = batch_size.max(1);
    let sizes: Vec<usize> = (0..rows)
        .step_by(batch_size)
        .map(|start| batch_size.min(rows - start))
        .collect();
    stream::iter(sizes).map(move |n| projector.nulls(n)).boxed()
}
