//! Writing one data file: Parquet (default) or ORC, streamed to the object store (multipart
//! uploads on S3), with statistics collected on the way.
//!
//! Parquet is written as Java Paimon 0.9 writes it (spec §7.1 and §18) so that both Java 0.9
//! and pypaimon read our files: columns REQUIRED when NOT NULL, no field ids, DECIMAL as INT32
//! (p ≤ 9) / INT64 (p ≤ 18) / minimal FIXED_LEN_BYTE_ARRAY, TINYINT/SMALLINT as INT32 with
//! INT(8/16) annotations, TIMESTAMP by precision, lists as `list`/`element`, maps as `key_value`
//! with a required `key`, zstd at `file.compression.zstd-level`.

use arrow_array::RecordBatch;
use strata_io::FileIO;
use strata_spec::DataField;

use crate::error::Result;
use crate::stats::ColumnStats;

/// Data file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Apache Parquet.
    Parquet,
    /// Apache ORC.
    Orc,
    /// Apache Avro (read only).
    Avro,
}

impl FileFormat {
    /// From the `file.format` option or a file extension.
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "parquet" => Some(FileFormat::Parquet),
            "orc" => Some(FileFormat::Orc),
            "avro" => Some(FileFormat::Avro),
            _ => None,
        }
    }

    /// The format of a data file from its name: the last extension, skipping a compression
    /// extension such as `.zstd` (spec §1.2).
    pub fn from_file_name(name: &str) -> Option<FileFormat> {
        let mut parts = name.rsplit('.');
        let last = parts.next()?;
        match FileFormat::parse(last) {
            Some(f) => Some(f),
            None => parts.next().and_then(FileFormat::parse),
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Parquet => "parquet",
            FileFormat::Orc => "orc",
            FileFormat::Avro => "avro",
        }
    }
}

/// How to write a file.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Format.
    pub format: FileFormat,
    /// `file.compression`: zstd, snappy, lz4, gzip, none.
    pub compression: String,
    /// `file.compression.zstd-level`.
    pub zstd_level: i32,
    /// Rows per Parquet row group / ORC stripe batch hint.
    pub max_row_group_rows: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            format: FileFormat::Parquet,
            compression: "zstd".into(),
            zstd_level: 1,
            max_row_group_rows: 1 << 20,
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Bytes on storage.
    pub file_size: u64,
    /// Rows written.
    pub row_count: u64,
    /// Statistics per column, in the order of the writer's fields.
    pub stats: Vec<ColumnStats>,
}

/// Streams batches into one data file.
pub struct DataFileWriter {
    _private: (),
}

impl DataFileWriter {
    /// Starts a file at logical `path` holding columns `fields` (batches must have exactly
    /// these columns, in order, with their canonical Arrow types).
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] for a type the format cannot write (e.g. ORC decimals);
    /// storage errors.
    pub async fn create(
        io: &FileIO,
        path: &str,
        fields: &[DataField],
        options: &WriterOptions,
    ) -> Result<DataFileWriter> {
        todo!(
            "{} {path} {} {options:?}",
            io.display_path(path),
            fields.len()
        )
    }

    /// Appends a batch.
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        todo!("{}", batch.num_rows())
    }

    /// Estimated bytes of the file so far (written plus buffered, compressed estimate), for
    /// rolling at `target-file-size`.
    pub fn estimated_size(&self) -> u64 {
        todo!()
    }

    /// Rows appended so far.
    pub fn row_count(&self) -> u64 {
        todo!()
    }

    /// Finishes the file and returns its size, row count and statistics.
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn close(self) -> Result<WrittenFile> {
        todo!()
    }

    /// Abandons the file (best effort: removes what was uploaded).
    pub async fn abort(self) {
        todo!()
    }
}
