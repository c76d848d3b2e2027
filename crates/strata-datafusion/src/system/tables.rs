//! The metadata system tables: their schemas and how each is computed.
//!
//! Column names and meanings follow Paimon's system tables; partitions print as Paimon prints
//! them (`[v1, v2]`), times are TIMESTAMP(3) in UTC.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde_json::Value;
use strata_core::path::CONSUMER_DIR;
use strata_core::{Error, Result, Table, TableScan};
use strata_spec::{binary_row, Consumer, Datum, ManifestEntry};

use super::SystemTableKind;

const STR: DataType = DataType::Utf8;
const I64: DataType = DataType::Int64;
const I32: DataType = DataType::Int32;

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, None)
}

fn fields(cols: &[(&str, DataType, bool)]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|(n, t, nullable)| Field::new(*n, t.clone(), *nullable))
            .collect::<Vec<_>>(),
    ))
}

/// The schema of a metadata system table.
pub fn schema(kind: SystemTableKind) -> SchemaRef {
    use SystemTableKind::*;
    match kind {
        Snapshots => fields(&[
            ("snapshot_id", I64, false),
            ("schema_id", I64, false),
            ("commit_user", STR, false),
            ("commit_identifier", I64, false),
            ("commit_kind", STR, false),
            ("commit_time", ts(), false),
            ("base_manifest_list", STR, false),
            ("delta_manifest_list", STR, false),
            ("changelog_manifest_list", STR, true),
            ("total_record_count", I64, true),
            ("delta_record_count", I64, true),
            ("changelog_record_count", I64, true),
            ("watermark", I64, true),
        ]),
        Schemas => fields(&[
            ("schema_id", I64, false),
            ("fields", STR, false),
            ("partition_keys", STR, false),
            ("primary_keys", STR, false),
            ("options", STR, false),
            ("comment", STR, true),
            ("update_time", ts(), false),
        ]),
        Options => fields(&[("key", STR, false), ("value", STR, false)]),
        Files => fields(&[
            ("partition", STR, false),
            ("bucket", I32, false),
            ("file_path", STR, false),
            ("file_format", STR, false),
            ("schema_id", I64, false),
            ("level", I32, false),
            ("record_count", I64, false),
            ("file_size_in_bytes", I64, false),
            ("min_key", STR, true),
            ("max_key", STR, true),
            ("min_sequence_number", I64, false),
            ("max_sequence_number", I64, false),
            ("creation_time", ts(), true),
        ]),
        Manifests => fields(&[
            ("file_name", STR, false),
            ("file_size", I64, false),
            ("num_added_files", I64, false),
            ("num_deleted_files", I64, false),
            ("schema_id", I64, false),
        ]),
        Partitions => fields(&[
            ("partition", STR, false),
            ("record_count", I64, false),
            ("file_size_in_bytes", I64, false),
            ("file_count", I64, false),
            ("last_update_time", ts(), true),
        ]),
        Buckets => fields(&[
            ("partition", STR, false),
            ("bucket", I32, false),
            ("record_count", I64, false),
            ("file_size_in_bytes", I64, false),
            ("file_count", I64, false),
            ("level0_file_count", I64, false),
            ("sorted_runs", I64, false),
            ("max_level", I32, false),
            ("last_update_time", ts(), true),
        ]),
        Tags => fields(&[
            ("tag_name", STR, false),
            ("snapshot_id", I64, false),
            ("schema_id", I64, false),
            ("commit_time", ts(), false),
            ("record_count", I64, true),
            ("create_time", ts(), true),
            ("time_retained", STR, true),
        ]),
        Consumers => fields(&[
            ("consumer_id", STR, false),
            ("next_snapshot_id", I64, false),
        ]),
        AuditLog => fields(&[]),
    }
}

fn strs<I: IntoIterator<Item = Option<String>>>(v: I) -> ArrayRef {
    Arc::new(v.into_iter().collect::<StringArray>())
}

fn i64s<I: IntoIterator<Item = Option<i64>>>(v: I) -> ArrayRef {
    Arc::new(v.into_iter().collect::<Int64Array>())
}

fn i32s<I: IntoIterator<Item = Option<i32>>>(v: I) -> ArrayRef {
    Arc::new(v.into_iter().collect::<Int32Array>())
}

fn times<I: IntoIterator<Item = Option<i64>>>(v: I) -> ArrayRef {
    Arc::new(v.into_iter().collect::<TimestampMillisecondArray>())
}

fn batch(schema: &SchemaRef, cols: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(schema.clone(), cols)
        .map_err(|e| Error::Internal(format!("building a system table: {e}")))
}

/// Computes a metadata system table.
///
/// # Errors
/// Storage errors, corrupt metadata.
pub async fn build(
    kind: SystemTableKind,
    table: &Table,
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    use SystemTableKind::*;
    match kind {
        Snapshots => snapshots(table, schema).await,
        Schemas => schemas(table, schema).await,
        Options => {
            let opts = &table.schema().options;
            batch(
                schema,
                vec![
                    strs(opts.keys().map(|k| Some(k.clone()))),
                    strs(opts.values().map(|v| Some(v.clone()))),
                ],
            )
        }
        Files => files(table, schema).await,
        Manifests => manifests(table, schema).await,
        Partitions => partitions(table, schema).await,
        Buckets => buckets(table, schema).await,
        Tags => tags(table, schema).await,
        Consumers => consumers(table, schema).await,
        AuditLog => Err(Error::Internal("audit_log is not a metadata table".into())),
    }
}

async fn snapshots(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let s = table.snapshot_manager().snapshots().await?;
    batch(
        schema,
        vec![
            i64s(s.iter().map(|s| Some(s.id))),
            i64s(s.iter().map(|s| Some(s.schema_id))),
            strs(s.iter().map(|s| Some(s.commit_user.clone()))),
            i64s(s.iter().map(|s| Some(s.commit_identifier))),
            strs(s.iter().map(|s| Some(s.commit_kind.to_string()))),
            times(s.iter().map(|s| Some(s.time_millis))),
            strs(s.iter().map(|s| Some(s.base_manifest_list.clone()))),
            strs(s.iter().map(|s| Some(s.delta_manifest_list.clone()))),
            strs(s.iter().map(|s| s.changelog_manifest_list.clone())),
            i64s(s.iter().map(|s| s.total_record_count)),
            i64s(s.iter().map(|s| s.delta_record_count)),
            i64s(s.iter().map(|s| s.changelog_record_count)),
            i64s(s.iter().map(|s| s.watermark)),
        ],
    )
}

async fn schemas(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let sm = table.schema_manager();
    let mut all = Vec::new();
    for id in sm.list_ids().await? {
        all.push(sm.schema(id).await?);
    }
    let json_list = |v: &[String]| Value::from(v.to_vec()).to_string();
    batch(
        schema,
        vec![
            i64s(all.iter().map(|s| Some(s.id))),
            strs(all.iter().map(|s| {
                Some(Value::Array(s.fields.iter().map(|f| f.to_json()).collect()).to_string())
            })),
            strs(all.iter().map(|s| Some(json_list(&s.partition_keys)))),
            strs(all.iter().map(|s| Some(json_list(&s.primary_keys)))),
            strs(
                all.iter().map(|s| {
                    Some(serde_json::to_string(&s.options).unwrap_or_else(|_| "{}".into()))
                }),
            ),
            strs(all.iter().map(|s| s.comment.clone())),
            times(all.iter().map(|s| Some(s.time_millis))),
        ],
    )
}

/// `[v1, v2]`, as Paimon prints partitions and keys.
fn row_text(values: &[Datum]) -> String {
    let parts: Vec<String> = values.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// Prints partitions, caching by their bytes.
struct PartitionNames<'a> {
    table: &'a Table,
    cache: BTreeMap<Vec<u8>, String>,
}

impl<'a> PartitionNames<'a> {
    fn new(table: &'a Table) -> Self {
        PartitionNames {
            table,
            cache: BTreeMap::new(),
        }
    }

    fn name(&mut self, bytes: &[u8]) -> Result<String> {
        if let Some(n) = self.cache.get(bytes) {
            return Ok(n.clone());
        }
        let n = row_text(&self.table.decode_partition(bytes)?);
        self.cache.insert(bytes.to_vec(), n.clone());
        Ok(n)
    }
}

async fn live_entries(table: &Table) -> Result<Vec<ManifestEntry>> {
    match table.snapshot_manager().latest().await? {
        None => Ok(Vec::new()),
        Some(s) => TableScan::new(table.clone()).live_entries(&s).await,
    }
}

async fn files(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let mut entries = live_entries(table).await?;
    entries.sort_by(|a, b| {
        (&a.partition, a.bucket, a.file.level, &a.file.file_name).cmp(&(
            &b.partition,
            b.bucket,
            b.file.level,
            &b.file.file_name,
        ))
    });
    let key_types: Vec<strata_spec::DataType> = table
        .schema()
        .trimmed_primary_key_fields()
        .into_iter()
        .map(|f| f.data_type)
        .collect();
    let key_text = |bytes: &[u8]| -> Option<String> {
        if key_types.is_empty() || bytes.is_empty() {
            return None;
        }
        binary_row::deserialize(&key_types, bytes)
            .ok()
            .map(|v| row_text(&v))
    };
    let mut names = PartitionNames::new(table);
    let mut partition = Vec::with_capacity(entries.len());
    let mut path = Vec::with_capacity(entries.len());
    for e in &entries {
        partition.push(Some(names.name(&e.partition)?));
        let p = match &e.file.external_path {
            Some(p) => p.clone(),
            None => table.io().display_path(&format!(
                "{}/{}",
                table.bucket_path(&e.partition, e.bucket)?,
                e.file.file_name
            )),
        };
        path.push(Some(p));
    }
    batch(
        schema,
        vec![
            strs(partition),
            i32s(entries.iter().map(|e| Some(e.bucket))),
            strs(path),
            strs(entries.iter().map(|e| {
                Some(
                    e.file
                        .file_name
                        .rsplit_once('.')
                        .map(|(_, x)| x.to_string())
                        .unwrap_or_default(),
                )
            })),
            i64s(entries.iter().map(|e| Some(e.file.schema_id))),
            i32s(entries.iter().map(|e| Some(e.file.level))),
            i64s(entries.iter().map(|e| Some(e.file.row_count))),
            i64s(entries.iter().map(|e| Some(e.file.file_size))),
            strs(entries.iter().map(|e| key_text(&e.file.min_key))),
            strs(entries.iter().map(|e| key_text(&e.file.max_key))),
            i64s(entries.iter().map(|e| Some(e.file.min_sequence_number))),
            i64s(entries.iter().map(|e| Some(e.file.max_sequence_number))),
            times(entries.iter().map(|e| e.file.creation_time)),
        ],
    )
}

async fn manifests(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let mut metas = Vec::new();
    if let Some(s) = table.snapshot_manager().latest().await? {
        let store = table.manifest_store();
        metas = store.read_list(&s.base_manifest_list).await?;
        metas.extend(store.read_list(&s.delta_manifest_list).await?);
    }
    batch(
        schema,
        vec![
            strs(metas.iter().map(|m| Some(m.file_name.clone()))),
            i64s(metas.iter().map(|m| Some(m.file_size))),
            i64s(metas.iter().map(|m| Some(m.num_added_files))),
            i64s(metas.iter().map(|m| Some(m.num_deleted_files))),
            i64s(metas.iter().map(|m| Some(m.schema_id))),
        ],
    )
}

/// Totals of a group of files.
#[derive(Default)]
struct Totals {
    rows: i64,
    bytes: i64,
    files: i64,
    level0: i64,
    levels: std::collections::BTreeSet<i32>,
    last_update: Option<i64>,
}

impl Totals {
    fn add(&mut self, e: &ManifestEntry) {
        self.rows += e.file.row_count;
        self.bytes += e.file.file_size;
        self.files += 1;
        if e.file.level == 0 {
            self.level0 += 1;
        } else {
            self.levels.insert(e.file.level);
        }
        if let Some(t) = e.file.creation_time {
            self.last_update = Some(self.last_update.map_or(t, |u| u.max(t)));
        }
    }
}

async fn partitions(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let mut groups: BTreeMap<Vec<u8>, Totals> = BTreeMap::new();
    for e in live_entries(table).await? {
        groups.entry(e.partition.clone()).or_default().add(&e);
    }
    let mut names = PartitionNames::new(table);
    let mut partition = Vec::new();
    for p in groups.keys() {
        partition.push(Some(names.name(p)?));
    }
    let t: Vec<&Totals> = groups.values().collect();
    batch(
        schema,
        vec![
            strs(partition),
            i64s(t.iter().map(|t| Some(t.rows))),
            i64s(t.iter().map(|t| Some(t.bytes))),
            i64s(t.iter().map(|t| Some(t.files))),
            times(t.iter().map(|t| t.last_update)),
        ],
    )
}

async fn buckets(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let mut groups: BTreeMap<(Vec<u8>, i32), Totals> = BTreeMap::new();
    for e in live_entries(table).await? {
        groups
            .entry((e.partition.clone(), e.bucket))
            .or_default()
            .add(&e);
    }
    let pk = table.has_primary_key();
    let mut names = PartitionNames::new(table);
    let mut partition = Vec::new();
    for (p, _) in groups.keys() {
        partition.push(Some(names.name(p)?));
    }
    let t: Vec<&Totals> = groups.values().collect();
    batch(
        schema,
        vec![
            strs(partition),
            i32s(groups.keys().map(|(_, b)| Some(*b))),
            i64s(t.iter().map(|t| Some(t.rows))),
            i64s(t.iter().map(|t| Some(t.bytes))),
            i64s(t.iter().map(|t| Some(t.files))),
            i64s(t.iter().map(|t| Some(t.level0))),
            // Every level-0 file is a sorted run, and so is every non-empty level above
            // (append tables: every file).
            i64s(t.iter().map(|t| {
                Some(if pk {
                    t.level0 + t.levels.len() as i64
                } else {
                    t.files
                })
            })),
            i32s(
                t.iter()
                    .map(|t| Some(t.levels.iter().next_back().copied().unwrap_or(0))),
            ),
            times(t.iter().map(|t| t.last_update)),
        ],
    )
}

async fn tags(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let tags = table.snapshot_manager().tags().await?;
    batch(
        schema,
        vec![
            strs(tags.iter().map(|(n, _)| Some(n.clone()))),
            i64s(tags.iter().map(|(_, s)| Some(s.id))),
            i64s(tags.iter().map(|(_, s)| Some(s.schema_id))),
            times(tags.iter().map(|(_, s)| Some(s.time_millis))),
            i64s(tags.iter().map(|(_, s)| s.total_record_count)),
            times(tags.iter().map(|(_, s)| s.tag_create_millis())),
            strs(tags.iter().map(|(_, s)| {
                s.tag_retained_millis()
                    .map(|ms| format!("{} s", ms as f64 / 1000.0))
            })),
        ],
    )
}

async fn consumers(table: &Table, schema: &SchemaRef) -> Result<RecordBatch> {
    let io = table.io();
    let mut rows: Vec<(String, i64)> = Vec::new();
    for f in io.list(CONSUMER_DIR).await? {
        let Some(id) = f.name().strip_prefix("consumer-") else {
            continue;
        };
        let bytes = match io.read(&f.path).await {
            Ok(b) => b,
            Err(e) if e.is_not_found() => continue, // expired meanwhile
            Err(e) => return Err(e.into()),
        };
        let text = String::from_utf8_lossy(&bytes);
        let c = Consumer::from_json(&text).map_err(|e| Error::Corrupt {
            what: "consumer",
            path: io.display_path(&f.path),
            reason: e.to_string(),
        })?;
        rows.push((id.to_string(), c.next_snapshot));
    }
    rows.sort();
    batch(
        schema,
        vec![
            strs(rows.iter().map(|(id, _)| Some(id.clone()))),
            i64s(rows.iter().map(|(_, n)| Some(*n))),
        ],
    )
}
