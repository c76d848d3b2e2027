//! `t$audit_log`: the rows of the latest snapshot with a leading `rowkind` column
//! (`+I`, `-U`, `+U`, `-D`), as Paimon's `AuditLogTable` shows them in batch mode.
//!
//! ```text
//! append table:      split ─▶ TableRead ─▶ rowkind '+I'
//! primary-key table: split ─▶ sorted runs ─▶ merge (retracts kept, unlike a normal read)
//!                          ─▶ rowkind from _VALUE_KIND, value columns
//! ```
//!
//! Deletes that are still in the LSM (not yet compacted away at the top level) show as `-D`.
//! With `/*+ OPTIONS('incremental-between' = 'a,b') */` it shows the changes of snapshots
//! a+1 ..= b instead, each with its row kind (strata-core's streaming reader).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::stats::Precision;
use datafusion::common::Result;
use datafusion::physical_plan::ExecutionPlan;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use strata_core::kv::{key_comparator, kv_schema, read_run};
use strata_core::{DataSplit, Error, Table};
use strata_format::arrow_convert;
use strata_lsm::interval::interval_partition;
use strata_lsm::merge_sort::merge_runs;
use strata_lsm::KvSchema;
use strata_spec::RowKind;

use crate::error::to_df;
use crate::exec::{LazyStreamExec, OpenStream, ScanParts, SplitReader, StrataScanExec};
use crate::incremental;

/// Name of the row kind column.
pub const ROWKIND: &str = "rowkind";

/// `rowkind` followed by the table's columns.
pub fn schema(table: &Table) -> SchemaRef {
    let data = arrow_convert::arrow_schema(&table.schema().fields);
    let mut fields = vec![Arc::new(Field::new(ROWKIND, DataType::Utf8, false))];
    fields.extend(data.fields().iter().cloned());
    Arc::new(Schema::new(fields))
}

/// Plans the latest snapshot and reads it with row kinds.
pub async fn scan(
    table: &Table,
    schema: SchemaRef,
    state: &dyn Session,
    projection: Option<&Vec<usize>>,
    limit: Option<usize>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let out_schema = match projection {
        Some(p) => Arc::new(schema.project(p)?),
        None => schema.clone(),
    };
    if let Some((from, to)) = incremental::range_of(table).await.map_err(to_df)? {
        let name = format!("{}$audit_log ({from}, {to}]", table.name());
        let (table, projection) = (table.clone(), projection.cloned());
        let open: OpenStream = Arc::new(move || {
            let (table, projection) = (table.clone(), projection.clone());
            Box::pin(async move {
                let s = incremental::read(&table, from, to, true).await?;
                Ok(s.map(move |b| {
                    let b = b?;
                    match &projection {
                        None => Ok(b),
                        Some(p) => b
                            .project(p)
                            .map_err(|e| Error::Internal(format!("audit_log projection: {e}"))),
                    }
                })
                .boxed())
            })
        });
        return Ok(Arc::new(LazyStreamExec::new(name, out_schema, limit, open)));
    }
    let splits = table.new_scan().plan().await.map_err(to_df)?.splits;
    let reader = AuditReader {
        table: table.clone(),
        schema,
        projection: projection.cloned(),
    };
    Ok(Arc::new(StrataScanExec::new(ScanParts {
        table: format!("{}$audit_log", table.name()),
        read: Arc::new(reader),
        splits,
        partitions: state.config().target_partitions(),
        schema: out_schema,
        limit,
        num_rows: Precision::Absent,
        filter_text: None,
    })))
}

#[derive(Debug)]
struct AuditReader {
    table: Table,
    schema: SchemaRef,
    projection: Option<Vec<usize>>,
}

type Batches = BoxStream<'static, strata_core::Result<RecordBatch>>;

impl SplitReader for AuditReader {
    fn read(&self, split: DataSplit) -> BoxFuture<'static, strata_core::Result<Batches>> {
        let table = self.table.clone();
        let schema = self.schema.clone();
        let projection = self.projection.clone();
        Box::pin(async move {
            let rows: Batches = if table.has_primary_key() {
                merged_with_kinds(&table, &split)?
            } else {
                let inner = table.new_read().read_split(&split).await?;
                inner
                    .map(|r| {
                        r.and_then(|b| {
                            let kinds = vec![RowKind::Insert.short_string(); b.num_rows()];
                            with_kind(Arc::new(StringArray::from(kinds)), &b)
                        })
                    })
                    .boxed()
            };
            Ok(rows
                .map(move |r| {
                    let b = r?;
                    let b = RecordBatch::try_new(schema.clone(), b.columns().to_vec())
                        .map_err(|e| Error::Internal(format!("audit_log batch: {e}")))?;
                    match &projection {
                        None => Ok(b),
                        Some(p) => b
                            .project(p)
                            .map_err(|e| Error::Internal(format!("audit_log projection: {e}"))),
                    }
                })
                .boxed())
        })
    }
}

/// `rowkind` column + data columns.
fn with_kind(kinds: ArrayRef, b: &RecordBatch) -> strata_core::Result<RecordBatch> {
    let mut cols = vec![kinds];
    cols.extend(b.columns().iter().cloned());
    let mut fields = vec![Arc::new(Field::new(ROWKIND, DataType::Utf8, false))];
    fields.extend(b.schema().fields().iter().cloned());
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
        .map_err(|e| Error::Internal(format!("audit_log batch: {e}")))
}

/// Merges a primary-key split keeping retract rows, with their kinds.
fn merged_with_kinds(table: &Table, split: &DataSplit) -> strata_core::Result<Batches> {
    let schema = table.schema().clone();
    let opts = table.options().clone();
    let engine = opts.merge_engine()?;
    let kv = Arc::new(kv_schema(&schema, None)?);
    let merge = strata_lsm::merge::merge_function(engine, &opts, &kv)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let dir = table.bucket_path(&split.partition, split.bucket)?;
    let batch_size = opts.read_batch_size().unwrap_or(8192).max(1024);
    let cmp = key_comparator(&schema);
    let sections = interval_partition(&split.files, &cmp);
    let (table, kv2) = (table.clone(), kv.clone());
    let merged = stream::iter(sections)
        .map(move |runs| {
            let streams = runs
                .into_iter()
                .map(|r| {
                    read_run(table.clone(), dir.clone(), r.files, kv2.clone(), batch_size)
                        .map(|b| b.map_err(|e| strata_lsm::Error::External(Box::new(e))))
                        .boxed()
                })
                .collect();
            merge_runs(kv2.clone(), streams, merge.clone(), false, batch_size)
        })
        .flatten();
    Ok(merged
        .map(move |r| {
            let b = r.map_err(|e| Error::Invalid(e.to_string()))?;
            kinds_and_values(&b, &kv)
        })
        .boxed())
}

fn kinds_and_values(b: &RecordBatch, kv: &KvSchema) -> strata_core::Result<RecordBatch> {
    let kinds = b.column(kv.kind_col()).as_primitive::<Int8Type>();
    let text: StringArray = kinds
        .iter()
        .map(|k| {
            Some(
                k.and_then(RowKind::from_byte)
                    .unwrap_or(RowKind::Insert)
                    .short_string(),
            )
        })
        .collect();
    let mut cols: Vec<ArrayRef> = vec![Arc::new(text)];
    let mut fields = vec![Arc::new(Field::new(ROWKIND, DataType::Utf8, false))];
    for (i, f) in kv.value_fields.iter().enumerate() {
        cols.push(b.column(kv.value_col(i)).clone());
        fields.push(Arc::new(arrow_convert::arrow_field(f)));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
        .map_err(|e| Error::Internal(format!("audit_log batch: {e}")))
}
