//! Key-value data files of primary-key tables (spec §7.3): reading them in today's schema,
//! describing new ones in the manifest, and comparing their keys.
//!
//! ```text
//! file (schema-<id>) ─▶ _KEY_* , _SEQUENCE_NUMBER, _VALUE_KIND, value columns matched by id
//!                    ─▶ KvSchema layout of today's schema (renamed, cast, missing = null)
//! ```

use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use strata_format::{arrow_convert, read_data_file, FileFormat, ReadOptions};
use strata_lsm::levels::KeyComparator;
use strata_lsm::KvSchema;
use strata_spec::schema::{KEY_FIELD_ID_START, SEQUENCE_NUMBER_FIELD_ID, VALUE_KIND_FIELD_ID};
use strata_spec::{binary_row, DataField, DataFileMeta, DataType, FileSource, TableSchema};

use crate::commit::cmp_keys;
use crate::error::{arrow_err, Error, Result};
use crate::stats::{key_stats, value_stats};
use crate::table::Table;
use crate::write::ClosedFile;

/// The key-value layout of a table, optionally with only some value columns (dedup-style reads
/// only need the projected ones).
///
/// # Errors
/// Bad `sequence.field`.
pub fn kv_schema(schema: &TableSchema, values: Option<&[String]>) -> Result<KvSchema> {
    let mut kv = KvSchema::from_table(schema).map_err(|e| Error::Invalid(e.to_string()))?;
    if let Some(names) = values {
        let keep: Vec<DataField> = schema
            .fields
            .iter()
            .filter(|f| names.contains(&f.name))
            .cloned()
            .collect();
        let seq_names: Vec<String> = kv
            .sequence_fields
            .iter()
            .map(|i| kv.value_fields[*i].name.clone())
            .collect();
        kv.sequence_fields = seq_names
            .iter()
            .filter_map(|n| keep.iter().position(|f| &f.name == n))
            .collect();
        kv.value_fields = keep;
    }
    Ok(kv)
}

/// Compares serialized keys of the table's trimmed primary key.
pub fn key_comparator(schema: &TableSchema) -> KeyComparator {
    let types: Vec<DataType> = schema
        .trimmed_primary_key_fields()
        .iter()
        .map(|f| f.data_type.with_nullable(true))
        .collect();
    Arc::new(move |a: &[u8], b: &[u8]| {
        match (
            binary_row::deserialize(&types, a),
            binary_row::deserialize(&types, b),
        ) {
            (Ok(x), Ok(y)) => cmp_keys(&x, &y),
            // Undecodable keys compare as bytes; the reader reports the corruption.
            _ => a.cmp(b),
        }
    })
}

/// Reads one key-value file as batches of the layout `kv` (today's schema).
///
/// # Errors
/// Missing schema; file errors arrive in the stream.
pub async fn read_kv_file(
    table: &Table,
    dir: &str,
    file: &DataFileMeta,
    kv: &Arc<KvSchema>,
    batch_size: usize,
) -> Result<BoxStream<'static, Result<RecordBatch>>> {
    let data_schema = table.schema_manager().schema(file.schema_id).await?;
    let data_kv = data_schema.key_value_fields();
    // For each target column: the file column that holds it (by field id), if any.
    let targets = kv.fields();
    // A key column equals the value column it was projected from: decoding the value column
    // once serves both (and thin-mode files have no _KEY_ columns at all).
    let key_from_value: Vec<Option<usize>> =
        (0..kv.num_keys()).map(|k| kv.key_value_index(k)).collect();
    let mut mapped: Vec<Option<DataField>> = Vec::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        let m = if key_from_value.get(i).is_some_and(Option::is_some) {
            None
        } else if t.id == SEQUENCE_NUMBER_FIELD_ID || t.id == VALUE_KIND_FIELD_ID {
            data_kv.iter().find(|f| f.id == t.id).cloned()
        } else if t.id >= KEY_FIELD_ID_START {
            data_kv.iter().find(|f| f.id == t.id).cloned()
        } else {
            data_schema.field_by_id(t.id).cloned()
        };
        mapped.push(m);
    }
    let file_cols: Vec<DataField> = mapped.iter().flatten().cloned().collect();
    let path = match &file.external_path {
        Some(p) => p.clone(),
        None => format!("{dir}/{}", file.file_name),
    };
    let format = FileFormat::from_file_name(&file.file_name).ok_or_else(|| Error::Corrupt {
        what: "data file",
        path: table.io().display_path(&path),
        reason: "unknown file format extension".into(),
    })?;
    let opts = ReadOptions {
        batch_size,
        file_size: Some(file.file_size as u64),
    };
    let inner = match read_data_file(table.io(), &path, format, &file_cols, &opts).await {
        Ok(s) => s,
        Err(strata_format::Error::Io(e)) if e.is_not_found() => {
            return Err(Error::MissingFile {
                table: table.name(),
                what: "data file",
                path: table.io().display_path(&path),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let target_schema = kv.arrow_schema();
    let kv = kv.clone();
    Ok(inner
        .map_err(Error::from)
        .and_then(move |batch| {
            let result = (|| {
                let n = batch.num_rows();
                let mut cols: Vec<ArrayRef> = Vec::with_capacity(targets.len());
                let mut next = 0;
                for (i, (t, m)) in targets.iter().zip(&mapped).enumerate() {
                    match m {
                        Some(_) => {
                            cols.push(arrow_convert::cast_to(batch.column(next), &t.data_type)?);
                            next += 1;
                        }
                        // filled from its value column below
                        None if key_from_value.get(i).is_some_and(Option::is_some) => {
                            cols.push(new_null_array(&arrow_schema::DataType::Null, 0))
                        }
                        None => {
                            cols.push(new_null_array(&arrow_convert::arrow_type(&t.data_type), n))
                        }
                    }
                }
                for (k, v) in key_from_value.iter().enumerate() {
                    if let Some(vi) = v {
                        cols[k] = arrow_convert::cast_to(
                            &cols[kv.value_col(*vi)],
                            &kv.key_fields[k].data_type,
                        )?;
                    }
                }
                RecordBatch::try_new_with_options(
                    target_schema.clone(),
                    cols,
                    &arrow_array::RecordBatchOptions::new().with_row_count(Some(n)),
                )
                .map_err(arrow_err("mapping key-value columns"))
            })();
            futures::future::ready(result)
        })
        .boxed())
}

/// Reads a sorted run (key-ordered files) as one stream.
pub fn read_run(
    table: Table,
    dir: String,
    files: Vec<DataFileMeta>,
    kv: Arc<KvSchema>,
    batch_size: usize,
) -> BoxStream<'static, Result<RecordBatch>> {
    stream::iter(files)
        .then(move |f| {
            let (table, dir, kv) = (table.clone(), dir.clone(), kv.clone());
            async move { read_kv_file(&table, &dir, &f, &kv, batch_size).await }
        })
        .try_flatten()
        .boxed()
}

/// Metadata of a finished key-value file at `level`.
///
/// # Errors
/// Stats encoding (a bug) or a file without keys.
pub fn kv_file_meta(
    table: &Table,
    kv: &KvSchema,
    f: &ClosedFile,
    level: i32,
    source: FileSource,
) -> Result<DataFileMeta> {
    let stats = &f.written.stats;
    let nk = kv.num_keys();
    let key_stats = key_stats(&kv.key_fields, &stats[..nk])?;
    let (value_stats, cols) = value_stats(table.options(), &kv.value_fields, &stats[nk + 2..])?;
    let seq = &stats[kv.seq_col()];
    let as_i64 = |d: &strata_spec::Datum| d.as_i64().unwrap_or(0);
    Ok(DataFileMeta {
        file_name: f.name.clone(),
        file_size: f.written.file_size as i64,
        row_count: f.written.row_count as i64,
        min_key: f
            .min_key
            .clone()
            .ok_or_else(|| Error::Internal("key-value file without a first key".into()))?,
        max_key: f
            .max_key
            .clone()
            .ok_or_else(|| Error::Internal("key-value file without a last key".into()))?,
        key_stats,
        value_stats,
        min_sequence_number: as_i64(&seq.min),
        max_sequence_number: as_i64(&seq.max),
        schema_id: table.schema().id,
        level,
        extra_files: Vec::new(),
        creation_time: Some(crate::write::now_local_millis()),
        delete_row_count: Some(f.retract_rows as i64),
        embedded_index: None,
        file_source: Some(source),
        value_stats_cols: cols,
        external_path: None,
        first_row_id: None,
        write_cols: None,
    })
}

/// The trimmed primary-key columns of a table batch (for building key-value batches).
pub fn key_columns(schema: &TableSchema, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    schema
        .trimmed_primary_keys()
        .iter()
        .map(|k| {
            batch
                .column_by_name(k)
                .cloned()
                .ok_or_else(|| Error::Internal(format!("key column {k} missing")))
        })
        .collect()
}
