//! Encoding batches into a Parquet file laid out as Java Paimon 0.9 writes it.
//!
//! ```text
//! RecordBatch ─(INT96 columns re-encoded as 12-byte FixedSizeBinary)─▶ ArrowColumnWriter per leaf
//!   ─(row group full)─▶ column chunks (INT96 leaves re-tagged) ─▶ SerializedFileWriter ─▶ Vec<u8>
//! ```
//!
//! This is the loop of the parquet crate's `ArrowWriter`, run by hand for one reason: Java 0.9
//! writes TIMESTAMP(p > 6) as INT96 and its reader accepts nothing else for such columns, but
//! the crate's Arrow writer cannot encode INT96. The bytes of an INT96 value (8-byte
//! little-endian nanoseconds of the day, then the 4-byte little-endian Julian day) are exactly
//! those of a FIXED_LEN_BYTE_ARRAY(12) value in every encoding (plain, dictionary), so those
//! leaves are encoded as FLBA(12) against a twin schema and their chunk metadata is re-tagged
//! with the INT96 column descriptor before the chunk is spliced into the file. Their statistics
//! keep only the null count (INT96 has no defined order; Java writes the same).
//!
//! The caller drains the output buffer after each call ([`ParquetEncoder::take_output`]), so
//! memory is bounded by one row group of encoded pages.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampNanosecondType;
use arrow_array::{Array, ArrayRef, FixedSizeBinaryArray, ListArray, MapArray, StructArray};
use arrow_buffer::Buffer;
use arrow_schema::{ArrowError, DataType as ArrowType, Field, Fields, Schema, SchemaRef};
use bytes::Bytes;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::statistics::Statistics;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnDescPtr;
use strata_spec::{DataField, DataType, TypeKind};

use super::schema::{has_int96, is_int96, parquet_schema, Int96, INT96_LEN};
use crate::arrow_convert::{
    arrow_type, multiset_count_type, unsupported, LIST_ELEMENT, MAP_ENTRIES, MAP_KEY, MAP_VALUE,
};
use crate::error::{Error, Result};
use crate::writer::WriterOptions;

/// Bytes of dictionary before a column chunk falls back to plain encoding. parquet-mr (Java)
/// abandons a dictionary after the first page when it does not pay off; parquet-rs keeps
/// interning until the limit (default 1 MiB), which for high-cardinality columns spread over
/// many bucket files costs twice the encoding time and larger files (measured on the
/// `strata-bench append` workload: 16 files 0.43 s at 1 MiB, 0.19 s at 64 KiB, one file
/// 0.23 s). 64 KiB still holds the dictionary of every low-cardinality column.
const DICTIONARY_PAGE_LIMIT: usize = 64 * 1024;

/// Largest encoded size of a row group before it is flushed (Java's `parquet.block.size`).
const MAX_ROW_GROUP_BYTES: usize = 128 * 1024 * 1024;

const NANOS_PER_DAY: i64 = 86_400_000_000_000;
/// Julian day number of 1970-01-01.
const JULIAN_EPOCH_DAY: i64 = 2_440_588;

fn parquet_err(context: &str) -> impl FnOnce(ParquetError) -> Error + '_ {
    move |e| Error::Arrow {
        context: context.to_string(),
        source: ArrowError::ExternalError(Box::new(e)),
    }
}

/// The `file.compression` option as a Parquet codec.
pub(crate) fn compression(options: &WriterOptions) -> Result<Compression> {
    Ok(
        match options.compression.trim().to_ascii_lowercase().as_str() {
            "zstd" => Compression::ZSTD(
                ZstdLevel::try_new(options.zstd_level).map_err(parquet_err("zstd level"))?,
            ),
            "snappy" => Compression::SNAPPY,
            "lz4" => Compression::LZ4,
            "lz4_raw" => Compression::LZ4_RAW,
            "gzip" => Compression::GZIP(GzipLevel::default()),
            "none" | "uncompressed" | "" => Compression::UNCOMPRESSED,
            other => {
                return Err(unsupported(format!(
                    "Parquet compression '{other}' (use zstd, snappy, lz4, gzip or none)"
                )))
            }
        },
    )
}

/// Encodes one Parquet file into an in-memory buffer that the caller drains.
pub(crate) struct ParquetEncoder {
    file: SerializedFileWriter<Vec<u8>>,
    factory: ArrowRowGroupWriterFactory,
    /// Arrow schema the column writers encode (INT96 leaves as FixedSizeBinary(12)).
    encoding_schema: SchemaRef,
    fields: Vec<DataField>,
    /// Per top-level column: whether it needs the INT96 re-encoding.
    column_has_int96: Vec<bool>,
    /// Per leaf: whether it is INT96.
    int96_leaf: Vec<bool>,
    in_progress: Option<RowGroup>,
    row_groups: usize,
    max_rows: usize,
}

struct RowGroup {
    writers: Vec<ArrowColumnWriter>,
    rows: usize,
}

impl RowGroup {
    fn estimated_size(&self) -> usize {
        self.writers
            .iter()
            .map(ArrowColumnWriter::get_estimated_total_bytes)
            .sum()
    }
}

impl ParquetEncoder {
    pub(crate) fn new(fields: &[DataField], options: &WriterOptions) -> Result<ParquetEncoder> {
        let file_schema = parquet_schema(fields, Int96::Physical)?;
        let encoding_descr = parquet_schema(fields, Int96::AsFixed)?;
        let int96_leaf: Vec<bool> = file_schema
            .columns()
            .iter()
            .map(|c| c.physical_type() == parquet::basic::Type::INT96)
            .collect();
        let mut props = WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_dictionary_page_size_limit(DICTIONARY_PAGE_LIMIT)
            // min/max per column chunk (what readers prune row groups with); no page-level
            // statistics or column index: computing them cost a twentieth of a key-value
            // file's write, and manifests already prune whole files
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_compression(compression(options)?);
        for leaf in file_schema.columns() {
            let top = leaf
                .path()
                .parts()
                .first()
                .map(String::as_str)
                .unwrap_or("");
            if options.unique_columns.iter().any(|c| c == top) {
                props = props.set_column_dictionary_enabled(leaf.path().clone(), false);
            }
        }
        let props = Arc::new(props.build());
        let encoding_schema: SchemaRef = Arc::new(Schema::new(
            fields
                .iter()
                .map(|f| Field::new(&f.name, encoding_type(&f.data_type), f.data_type.nullable))
                .collect::<Vec<_>>(),
        ));
        // The column writers come from a factory bound to the FLBA twin schema; the file itself
        // is written with the real one.
        let twin = SerializedFileWriter::new(
            std::io::sink(),
            encoding_descr.root_schema_ptr(),
            props.clone(),
        )
        .map_err(parquet_err("creating the Parquet writer"))?;
        let factory = ArrowRowGroupWriterFactory::new(&twin, encoding_schema.clone());
        drop(twin);
        let file = SerializedFileWriter::new(Vec::new(), file_schema.root_schema_ptr(), props)
            .map_err(parquet_err("creating the Parquet writer"))?;
        Ok(ParquetEncoder {
            file,
            factory,
            encoding_schema,
            fields: fields.to_vec(),
            column_has_int96: fields.iter().map(|f| has_int96(&f.data_type)).collect(),
            int96_leaf,
            in_progress: None,
            row_groups: 0,
            max_rows: options.max_row_group_rows.max(1),
        })
    }

    /// Encodes the columns of a batch (canonical Arrow types, in field order).
    pub(crate) fn write(&mut self, columns: &[ArrayRef], num_rows: usize) -> Result<()> {
        let columns: Vec<ArrayRef> = columns
            .iter()
            .zip(&self.fields)
            .zip(&self.column_has_int96)
            .map(|((c, f), int96)| {
                if *int96 {
                    encode_int96(c, &f.data_type)
                } else {
                    Ok(c.clone())
                }
            })
            .collect::<Result<_>>()?;
        let mut offset = 0;
        while offset < num_rows {
            let group = match &mut self.in_progress {
                Some(g) => g,
                slot => slot.insert(RowGroup {
                    writers: self
                        .factory
                        .create_column_writers(self.row_groups)
                        .map_err(parquet_err("creating Parquet column writers"))?,
                    rows: 0,
                }),
            };
            let take = (num_rows - offset).min(self.max_rows - group.rows);
            let mut writers = group.writers.iter_mut();
            for (field, column) in self.encoding_schema.fields().iter().zip(&columns) {
                let slice = if offset == 0 && take == num_rows {
                    column.clone()
                } else {
                    column.slice(offset, take)
                };
                for leaf in
                    compute_leaves(field, &slice).map_err(parquet_err("encoding Parquet"))?
                {
                    let writer = writers.next().ok_or_else(|| {
                        crate::arrow_convert::invalid(
                            "encoding Parquet",
                            "more leaves than columns",
                        )
                    })?;
                    writer
                        .write(&leaf)
                        .map_err(parquet_err("encoding Parquet"))?;
                }
            }
            group.rows += take;
            offset += take;
            if group.rows >= self.max_rows || group.estimated_size() >= MAX_ROW_GROUP_BYTES {
                self.flush_row_group()?;
            }
        }
        Ok(())
    }

    fn flush_row_group(&mut self) -> Result<()> {
        let Some(group) = self.in_progress.take() else {
            return Ok(());
        };
        let descr = self.file.schema_descr().clone();
        let mut row_group = self
            .file
            .next_row_group()
            .map_err(parquet_err("writing a Parquet row group"))?;
        for (i, writer) in group.writers.into_iter().enumerate() {
            let mut chunk = writer
                .close()
                .map_err(parquet_err("closing a Parquet column"))?;
            if self.int96_leaf.get(i).copied().unwrap_or(false) {
                retag(chunk.close_mut(), descr.column(i))?;
            }
            chunk
                .append_to_row_group(&mut row_group)
                .map_err(parquet_err("writing a Parquet row group"))?;
        }
        row_group
            .close()
            .map_err(parquet_err("writing a Parquet row group"))?;
        self.row_groups += 1;
        self.file
            .flush()
            .map_err(|e| parquet_err("writing a Parquet row group")(e.into()))?;
        Ok(())
    }

    /// Bytes encoded and not yet taken.
    pub(crate) fn take_output(&mut self) -> Bytes {
        Bytes::from(std::mem::take(self.file.inner_mut()))
    }

    /// Bytes that reached the output so far plus an estimate of the row group in progress.
    pub(crate) fn in_progress_size(&self) -> u64 {
        self.in_progress
            .as_ref()
            .map(|g| g.estimated_size() as u64)
            .unwrap_or(0)
    }

    /// Flushes the last row group and writes the footer.
    pub(crate) fn finish(&mut self) -> Result<Bytes> {
        self.flush_row_group()?;
        self.file
            .finish()
            .map_err(parquet_err("writing the Parquet footer"))?;
        Ok(self.take_output())
    }
}

/// Points an encoded FLBA(12) chunk at the file's INT96 column.
fn retag(close: &mut ColumnCloseResult, descr: ColumnDescPtr) -> Result<()> {
    let m = &close.metadata;
    let mut b = ColumnChunkMetaData::builder(descr)
        .set_compression_codec(m.compression_codec())
        .set_encodings_mask(*m.encodings_mask())
        .set_total_compressed_size(m.compressed_size())
        .set_total_uncompressed_size(m.uncompressed_size())
        .set_num_values(m.num_values())
        .set_data_page_offset(m.data_page_offset())
        .set_dictionary_page_offset(m.dictionary_page_offset())
        .set_repetition_level_histogram(m.repetition_level_histogram().cloned())
        .set_definition_level_histogram(m.definition_level_histogram().cloned());
    if let Some(stats) = m.page_encoding_stats() {
        b = b.set_page_encoding_stats(stats.clone());
    }
    if let Some(mask) = m.page_encoding_stats_mask() {
        b = b.set_page_encoding_stats_mask(*mask);
    }
    // Keep the null count (as Java does); min/max of the FLBA bytes mean nothing for INT96.
    if let Some(stats) = m.statistics() {
        b = b.set_statistics(Statistics::int96(
            None,
            None,
            None,
            stats.null_count_opt(),
            false,
        ));
    }
    close.metadata = b
        .build()
        .map_err(parquet_err("re-tagging an INT96 column"))?;
    close.column_index = None;
    close.bloom_filter = None;
    Ok(())
}

/// The Arrow type the column writers see: canonical, with INT96 leaves as FixedSizeBinary(12).
fn encoding_type(ty: &DataType) -> ArrowType {
    if !has_int96(ty) {
        return arrow_type(ty);
    }
    match &ty.kind {
        TypeKind::Array(e) => ArrowType::List(Arc::new(Field::new(
            LIST_ELEMENT,
            encoding_type(e),
            e.nullable,
        ))),
        TypeKind::Map(k, v) => encoding_map_type(k, v),
        TypeKind::Multiset(e) => encoding_map_type(e, &multiset_count_type()),
        TypeKind::Row(fields) => ArrowType::Struct(encoding_fields(fields)),
        _ => ArrowType::FixedSizeBinary(INT96_LEN),
    }
}

fn encoding_fields(fields: &[DataField]) -> Fields {
    fields
        .iter()
        .map(|f| Field::new(&f.name, encoding_type(&f.data_type), f.data_type.nullable))
        .collect()
}

fn encoding_entries(key: &DataType, value: &DataType) -> Fields {
    Fields::from(vec![
        Field::new(MAP_KEY, encoding_type(key), false),
        Field::new(MAP_VALUE, encoding_type(value), value.nullable),
    ])
}

fn encoding_map_type(key: &DataType, value: &DataType) -> ArrowType {
    ArrowType::Map(
        Arc::new(Field::new(
            MAP_ENTRIES,
            ArrowType::Struct(encoding_entries(key, value)),
            false,
        )),
        false,
    )
}

/// The 12 INT96 bytes of a timestamp in nanoseconds since the epoch: nanoseconds of the day
/// (8 bytes LE, always in 0..86400·10⁹) then the Julian day (4 bytes LE).
pub(crate) fn int96_bytes(nanos: i64) -> [u8; 12] {
    let days = nanos.div_euclid(NANOS_PER_DAY);
    let nanos_of_day = nanos.rem_euclid(NANOS_PER_DAY);
    let julian = (days + JULIAN_EPOCH_DAY) as i32;
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&nanos_of_day.to_le_bytes());
    out[8..].copy_from_slice(&julian.to_le_bytes());
    out
}

/// Re-encodes the INT96 leaves of a column as FixedSizeBinary(12) (see the module doc).
fn encode_int96(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    let mismatch = || {
        crate::arrow_convert::invalid(
            "encoding INT96",
            format!("{} is not the Arrow type of {ty}", array.data_type()),
        )
    };
    let wrap = |e: ArrowError| Error::Arrow {
        context: "encoding INT96".into(),
        source: e,
    };
    if is_int96(ty) {
        let ts = array
            .as_primitive_opt::<TimestampNanosecondType>()
            .ok_or_else(mismatch)?;
        let mut bytes = Vec::with_capacity(ts.len() * INT96_LEN as usize);
        for v in ts.values().iter() {
            bytes.extend_from_slice(&int96_bytes(*v));
        }
        let out =
            FixedSizeBinaryArray::try_new(INT96_LEN, Buffer::from(bytes), ts.nulls().cloned())
                .map_err(wrap)?;
        return Ok(Arc::new(out));
    }
    match &ty.kind {
        TypeKind::Array(e) => {
            let l = array.as_list_opt::<i32>().ok_or_else(mismatch)?;
            let values = encode_int96(l.values(), e)?;
            let field = Arc::new(Field::new(LIST_ELEMENT, encoding_type(e), e.nullable));
            Ok(Arc::new(
                ListArray::try_new(field, l.offsets().clone(), values, l.nulls().cloned())
                    .map_err(wrap)?,
            ))
        }
        TypeKind::Map(..) | TypeKind::Multiset(_) => {
            let (k, v) = match &ty.kind {
                TypeKind::Map(k, v) => ((**k).clone(), (**v).clone()),
                TypeKind::Multiset(e) => ((**e).clone(), multiset_count_type()),
                _ => return Err(mismatch()),
            };
            let m = array.as_map_opt().ok_or_else(mismatch)?;
            let keys = encode_int96(m.keys(), &k)?;
            let values = encode_int96(m.values(), &v)?;
            let entries = StructArray::try_new(encoding_entries(&k, &v), vec![keys, values], None)
                .map_err(wrap)?;
            let field = Arc::new(Field::new(MAP_ENTRIES, entries.data_type().clone(), false));
            Ok(Arc::new(
                MapArray::try_new(
                    field,
                    m.offsets().clone(),
                    entries,
                    m.nulls().cloned(),
                    false,
                )
                .map_err(wrap)?,
            ))
        }
        TypeKind::Row(fields) => {
            let s = array.as_struct_opt().ok_or_else(mismatch)?;
            let children = fields
                .iter()
                .zip(s.columns())
                .map(|(f, c)| encode_int96(c, &f.data_type))
                .collect::<Result<Vec<_>>>()?;
            Ok(Arc::new(
                StructArray::try_new(encoding_fields(fields), children, s.nulls().cloned())
                    .map_err(wrap)?,
            ))
        }
        _ => Ok(array.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int96_layout() {
        // 1970-01-01 00:00:00.000000001
        let b = int96_bytes(1);
        assert_eq!(i64::from_le_bytes(b[..8].try_into().unwrap()), 1);
        assert_eq!(i32::from_le_bytes(b[8..].try_into().unwrap()), 2_440_588);
        // 1969-12-31 23:59:59.999999999: previous day, nanos of day positive
        let b = int96_bytes(-1);
        assert_eq!(
            i64::from_le_bytes(b[..8].try_into().unwrap()),
            NANOS_PER_DAY - 1
        );
        assert_eq!(i32::from_le_bytes(b[8..].try_into().unwrap()), 2_440_587);
    }
}
