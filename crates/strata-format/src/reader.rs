//! Reading one data file (Parquet, ORC or Avro) as a stream of Arrow batches.
//!
//! Columns are matched **by name** (Java 0.9 writes no Parquet field ids). The caller lists the
//! columns it wants with the Paimon types *as written in that file's schema*; each column comes
//! back in that order, cast to the canonical Arrow type of the given Paimon type (see
//! [`crate::arrow_convert::cast_to`]). A requested column the file does not have comes back as
//! nulls. Memory is bounded by the batch size and one row group / stripe.

use arrow_array::RecordBatch;
use futures::stream::BoxStream;
use strata_io::FileIO;
use strata_spec::DataField;

use crate::error::Result;
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
    todo!(
        "{} {format:?} {} {options:?}",
        io.display_path(path),
        columns.len()
    )
}
