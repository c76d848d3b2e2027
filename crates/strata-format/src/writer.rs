//! Writing one data file: Parquet (default) or ORC, streamed to the object store (multipart
//! uploads on S3), with statistics collected on the way.
//!
//! Parquet is written as Java Paimon 0.9 writes it (spec §7.1 and §18) so that both Java 0.9
//! and pypaimon read our files: columns REQUIRED when NOT NULL, no field ids, DECIMAL as INT32
//! (p ≤ 9) / INT64 (p ≤ 18) / minimal FIXED_LEN_BYTE_ARRAY, TINYINT/SMALLINT as INT32 with
//! INT(8/16) annotations, TIMESTAMP by precision, lists as `list`/`element`, maps as `key_value`
//! with a required `key`, zstd at `file.compression.zstd-level`; TIMESTAMP(p > 6) as INT96 (see
//! `parquet/write.rs` for how, given that the parquet crate's Arrow writer cannot encode INT96).
//!
//! ```text
//! write(batch) ─▶ checks (column count, types, NOT NULL) ─▶ StatsCollector::update
//!              ─▶ encoder (ParquetEncoder | OrcEncoder, in memory) ─▶ drained ─▶ ObjectSink
//! close()      ─▶ footer ─▶ ObjectSink::finish (PUT or completed multipart) ─▶ WrittenFile
//! ```
//!
//! Batches are encoded without copies when their columns already have the canonical Arrow
//! types (INT96 columns are re-encoded, TIME columns of ORC files cast to int).

use arrow_array::{Array, ArrayRef, RecordBatch};
use strata_io::FileIO;
use strata_spec::{DataField, DataType};

use crate::arrow_convert::{arrow_type, cast_to, invalid};
use crate::error::{Error, Result};
use crate::orc::OrcEncoder;
use crate::parquet::write::ParquetEncoder;
use crate::sink::ObjectSink;
use crate::stats::{ColumnStats, StatsCollector};

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

    /// Whether this crate can write a column of type `ty` in this format (Parquet: every type
    /// but VARIANT/BLOB; ORC: flat non-decimal types; Avro: none).
    pub fn can_write(self, ty: &DataType) -> bool {
        match self {
            FileFormat::Parquet => crate::parquet::schema::parquet_schema(
                &[DataField::new(0, "c", ty.clone())],
                crate::parquet::schema::Int96::Physical,
            )
            .is_ok(),
            FileFormat::Orc => crate::orc::orc_writable(ty),
            FileFormat::Avro => false,
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
    /// Top-level columns whose values are unique in a file (key and sequence columns of
    /// key-value files): written without a dictionary, which could never help them.
    pub unique_columns: Vec<String>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            format: FileFormat::Parquet,
            compression: "zstd".into(),
            zstd_level: 1,
            unique_columns: Vec::new(),
            max_row_group_rows: 1 << 18,
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

enum Encoder {
    Parquet(Box<ParquetEncoder>),
    Orc(OrcEncoder),
}

impl Encoder {
    fn write(&mut self, columns: &[ArrayRef], rows: usize) -> Result<()> {
        match self {
            Encoder::Parquet(e) => e.write(columns, rows),
            Encoder::Orc(e) => e.write(columns),
        }
    }

    fn take_output(&mut self) -> bytes::Bytes {
        match self {
            Encoder::Parquet(e) => e.take_output(),
            Encoder::Orc(e) => e.take_output(),
        }
    }

    fn in_progress_size(&self) -> u64 {
        match self {
            Encoder::Parquet(e) => e.in_progress_size(),
            Encoder::Orc(e) => e.in_progress_size(),
        }
    }

    fn finish(&mut self) -> Result<bytes::Bytes> {
        match self {
            Encoder::Parquet(e) => e.finish(),
            Encoder::Orc(e) => e.finish(),
        }
    }
}

/// Streams batches into one data file.
pub struct DataFileWriter {
    path: String,
    fields: Vec<DataField>,
    arrow_types: Vec<arrow_schema::DataType>,
    schema: arrow_schema::SchemaRef,
    encoder: Encoder,
    sink: ObjectSink,
    stats: StatsCollector,
    rows: u64,
}

impl std::fmt::Debug for DataFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataFileWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .field("written", &self.sink.written())
            .finish_non_exhaustive()
    }
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
        let encoder = match options.format {
            FileFormat::Parquet => {
                Encoder::Parquet(Box::new(ParquetEncoder::new(fields, options)?))
            }
            FileFormat::Orc => Encoder::Orc(OrcEncoder::new(fields, options)?),
            FileFormat::Avro => {
                return Err(Error::Unsupported {
                    feature: "writing Avro data files".into(),
                })
            }
        };
        Ok(DataFileWriter {
            path: path.to_string(),
            fields: fields.to_vec(),
            arrow_types: fields.iter().map(|f| arrow_type(&f.data_type)).collect(),
            schema: crate::arrow_convert::arrow_schema(fields),
            encoder,
            sink: ObjectSink::new(io, path),
            stats: StatsCollector::new(fields),
            rows: 0,
        })
    }

    /// The batch's columns in the canonical types, checked against the fields.
    fn columns_of(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
        if batch.num_columns() != self.fields.len() {
            return Err(invalid(
                &format!("writing {}", self.path),
                format!(
                    "the batch has {} columns, the file {}",
                    batch.num_columns(),
                    self.fields.len()
                ),
            ));
        }
        let mut columns = Vec::with_capacity(self.fields.len());
        for ((field, column), canonical) in self
            .fields
            .iter()
            .zip(batch.columns())
            .zip(&self.arrow_types)
        {
            let column = if column.data_type() == canonical {
                column.clone()
            } else {
                cast_to(column, &field.data_type)?
            };
            if !field.data_type.nullable && column.logical_null_count() > 0 {
                return Err(invalid(
                    &format!("writing {}", self.path),
                    format!(
                        "column '{}' is NOT NULL but the batch has nulls",
                        field.name
                    ),
                ));
            }
            columns.push(column);
        }
        Ok(columns)
    }

    /// Appends a batch.
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let columns = self.columns_of(batch)?;
        let canonical = RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns.clone(),
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
        )
        .map_err(crate::arrow_convert::arrow_err(format!(
            "writing {}",
            self.path
        )))?;
        self.stats.update(&canonical)?;
        self.encoder.write(&columns, batch.num_rows())?;
        self.rows += batch.num_rows() as u64;
        let out = self.encoder.take_output();
        self.sink.put(out).await
    }

    /// Estimated bytes of the file so far (written plus buffered, compressed estimate), for
    /// rolling at `target-file-size`.
    pub fn estimated_size(&self) -> u64 {
        self.sink.written() + self.encoder.in_progress_size()
    }

    /// Rows appended so far.
    pub fn row_count(&self) -> u64 {
        self.rows
    }

    /// Finishes the file and returns its size, row count and statistics.
    ///
    /// # Errors
    /// Encoding or storage errors.
    pub async fn close(mut self) -> Result<WrittenFile> {
        let tail = self.encoder.finish()?;
        self.sink.put(tail).await?;
        let file_size = self.sink.finish().await?;
        Ok(WrittenFile {
            file_size,
            row_count: self.rows,
            stats: self.stats.finish(),
        })
    }

    /// Abandons the file (best effort: removes what was uploaded).
    pub async fn abort(self) {
        self.sink.abort().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send + 'static>() {}

    #[test]
    fn writer_can_move_between_tasks() {
        assert_send::<DataFileWriter>();
    }

    #[test]
    fn format_names() {
        assert_eq!(
            FileFormat::from_file_name("data-1.orc.zstd"),
            Some(FileFormat::Orc)
        );
        assert_eq!(FileFormat::parse(" Parquet "), Some(FileFormat::Parquet));
        let dec = DataType::parse("DECIMAL(5, 2)").unwrap();
        assert!(FileFormat::Parquet.can_write(&dec));
        assert!(!FileFormat::Orc.can_write(&dec));
        assert!(!FileFormat::Avro.can_write(&DataType::int()));
    }
}
