//! Settings shared by every bucket writer of one `TableWrite`.

use std::sync::Arc;

use strata_format::{FileFormat, WriterOptions};
use strata_spec::{DataField, DataFileMeta, FileSource, SimpleStats, TableSchema};

use super::rolling::{ClosedFile, RollingFileWriter};
use crate::error::{Error, Result};
use crate::path::FileNamer;
use crate::stats::value_stats;
use crate::table::Table;

/// What every bucket writer of a table write needs.
#[derive(Clone)]
pub struct WriteContext {
    /// The table.
    pub table: Table,
    /// Its schema at write time.
    pub schema: Arc<TableSchema>,
    /// Names of new files.
    pub namer: FileNamer,
    /// Format settings.
    pub writer_options: WriterOptions,
    /// Rolling size.
    pub target_file_size: u64,
    /// `write-only`: never compact in the writer.
    pub write_only: bool,
    /// `write-buffer-size`, shared by the primary-key bucket writers of this write.
    pub memory: std::sync::Arc<super::memory::MemoryBudget>,
}

impl WriteContext {
    /// Builds the context from the table's options.
    ///
    /// # Errors
    /// Bad options.
    pub fn new(table: Table) -> Result<Self> {
        let schema = table.schema().clone();
        let opts = table.options();
        let format = FileFormat::parse(&opts.file_format()).ok_or_else(|| {
            Error::Invalid(format!(
                "file.format '{}' is not one of parquet, orc, avro",
                opts.file_format()
            ))
        })?;
        if format == FileFormat::Avro {
            return Err(Error::Unsupported(
                "writing Avro data files (file.format = avro); Strata reads them".into(),
            ));
        }
        let writer_options = WriterOptions {
            format,
            compression: opts.file_compression(),
            zstd_level: opts.zstd_level()?,
            ..WriterOptions::default()
        };
        Ok(WriteContext {
            target_file_size: opts.target_file_size(schema.has_primary_key())?,
            write_only: opts.write_only()?,
            memory: std::sync::Arc::new(super::memory::MemoryBudget::new(
                opts.write_buffer_size()? as usize,
            )),
            namer: FileNamer::new(),
            writer_options,
            schema,
            table,
        })
    }

    /// The bucket directory of a (partition, bucket).
    ///
    /// # Errors
    /// Corrupt partition bytes.
    pub fn bucket_dir(&self, partition: &[u8], bucket: i32) -> Result<String> {
        self.table.bucket_path(partition, bucket)
    }

    /// A rolling writer of data files with `fields` into a bucket directory.
    pub fn rolling_writer(
        &self,
        dir: String,
        fields: Arc<Vec<DataField>>,
        prefix: String,
        key: Option<(Vec<usize>, Vec<strata_spec::DataType>)>,
    ) -> RollingFileWriter {
        // Key-value files: keys and sequence numbers are unique per file, so no dictionary.
        let mut options = self.writer_options.clone();
        if fields
            .iter()
            .any(|f| f.name == strata_spec::schema::SEQUENCE_NUMBER)
        {
            // A single key column is unique too (a composite key's columns are not).
            let keys = self.schema.trimmed_primary_keys();
            let single = keys.len() == 1;
            options.unique_columns = fields
                .iter()
                .filter(|f| {
                    f.name == strata_spec::schema::SEQUENCE_NUMBER
                        || (single
                            && (f.name.starts_with(strata_spec::schema::KEY_FIELD_PREFIX)
                                || keys.contains(&f.name)))
                })
                .map(|f| f.name.clone())
                .collect();
        }
        RollingFileWriter::new(
            self.table.io().clone(),
            dir,
            fields,
            options,
            self.namer.clone(),
            prefix,
            self.target_file_size,
            key,
        )
    }

    /// A rolling writer of key-value files (data or changelog, by `prefix`) into `dir`, tracking
    /// each file's key range and retract count.
    pub fn kv_files(
        &self,
        dir: String,
        kv: &strata_lsm::KvSchema,
        prefix: String,
    ) -> RollingFileWriter {
        self.rolling_writer(
            dir,
            Arc::new(kv.fields()),
            prefix,
            Some(super::merge_tree::key_positions(kv)),
        )
        .with_kind_column(Some(kv.kind_col()))
    }

    /// Metadata of a finished append-table file whose rows carry sequence numbers
    /// `min_seq..=max_seq`.
    ///
    /// # Errors
    /// Stats encoding (a bug).
    pub fn append_file_meta(
        &self,
        f: &ClosedFile,
        min_seq: i64,
        max_seq: i64,
    ) -> Result<DataFileMeta> {
        let (value_stats, cols) =
            value_stats(self.table.options(), &self.schema.fields, &f.written.stats)?;
        Ok(DataFileMeta {
            file_name: f.name.clone(),
            file_size: f.written.file_size as i64,
            row_count: f.written.row_count as i64,
            min_key: strata_spec::binary_row::EMPTY_SERIALIZED_ROW.to_vec(),
            max_key: strata_spec::binary_row::EMPTY_SERIALIZED_ROW.to_vec(),
            key_stats: SimpleStats::empty(),
            value_stats,
            min_sequence_number: min_seq,
            max_sequence_number: max_seq,
            schema_id: self.schema.id,
            level: 0,
            extra_files: Vec::new(),
            creation_time: Some(now_local_millis()),
            delete_row_count: Some(0),
            embedded_index: None,
            file_source: Some(FileSource::Append),
            value_stats_cols: cols,
            external_path: None,
            first_row_id: None,
            write_cols: None,
        })
    }
}

/// The writer's wall clock as epoch millis (Java stores a zone-less local time).
pub fn now_local_millis() -> i64 {
    let now = chrono::Local::now();
    now.naive_local().and_utc().timestamp_millis()
}
