//! A Strata table as a DataFusion [`TableProvider`].
//!
//! ```text
//! open(table, dynamic options) ─▶ which snapshots: latest | pinned (time travel) | (a, b]
//!   scan(projection, filters, limit)
//!     ─▶ filters ─▶ Predicate (pushdown.rs) ─▶ TableScan::plan (pruning) ─▶ splits
//!     ─▶ LIMIT without filters: only the first splits that hold enough rows
//!     ─▶ StrataScanExec (exec.rs): splits over partitions, TableRead per split
//!   insert_into(input, Append | Overwrite) ─▶ DataSinkExec(StrataSink): one commit
//! ```
//!
//! Time travel resolves the snapshot once, when the provider is opened, and reads it with the
//! schema it was written with (as Paimon does).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::stats::Precision;
use datafusion::common::Result;
use datafusion::datasource::sink::DataSinkExec;
use datafusion::datasource::TableProvider;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;
use strata_core::scan::resolve_snapshot;
use strata_core::{DataSplit, OverwriteScope, Predicate, SnapshotSelector, Table};
use strata_format::arrow_convert;

use crate::error::{plan_err, to_df};
use crate::exec::{LazyStreamExec, OpenStream, ScanParts, StrataScanExec};
use crate::incremental;
use crate::pushdown;
use crate::sink::{StrataSink, WriteMode};

/// Options that select a snapshot (time travel).
const TIME_TRAVEL_OPTIONS: &[&str] = &[
    "scan.snapshot-id",
    "scan.tag-name",
    "scan.timestamp-millis",
    "scan.timestamp",
];

/// Which snapshots a provider reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadRange {
    /// The latest snapshot at scan time.
    Latest,
    /// One snapshot (time travel); `None` for a table without snapshots.
    Pinned(Option<i64>),
    /// Rows added by snapshots `(from, to]`.
    Incremental(i64, i64),
}

/// DataFusion's view of one Strata table.
#[derive(Debug, Clone)]
pub struct StrataTableProvider {
    table: Table,
    range: ReadRange,
    schema: SchemaRef,
}

impl StrataTableProvider {
    /// A provider reading the latest snapshot of `table` at every scan.
    pub fn new(table: Table) -> Self {
        let schema = arrow_convert::arrow_schema(&table.schema().fields);
        StrataTableProvider {
            table,
            range: ReadRange::Latest,
            schema,
        }
    }

    /// A provider with dynamic options (`scan.snapshot-id`, `scan.tag-name`,
    /// `scan.timestamp-millis`, `scan.timestamp`, `incremental-between`, read settings …).
    ///
    /// # Errors
    /// Unknown or malformed options, snapshots or tags that do not exist.
    pub async fn with_options(
        table: Table,
        options: &BTreeMap<String, String>,
    ) -> strata_core::Result<Self> {
        let table = if options.is_empty() {
            table
        } else {
            table.with_dynamic_options(options)?
        };
        if let Some((from, to)) = incremental::range_of(&table).await? {
            let table = at_snapshot_schema(&table, Some(to)).await?;
            let schema = arrow_convert::arrow_schema(&table.schema().fields);
            return Ok(StrataTableProvider {
                table,
                range: ReadRange::Incremental(from, to),
                schema,
            });
        }
        let travels = TIME_TRAVEL_OPTIONS
            .iter()
            .any(|k| table.options().get_explicit(k).is_some());
        if !travels {
            return Ok(StrataTableProvider::new(table));
        }
        let snapshot = resolve_snapshot(&table, &SnapshotSelector::Latest).await?;
        let id = snapshot.map(|s| s.id);
        let table = at_snapshot_schema(&table, id).await?;
        let schema = arrow_convert::arrow_schema(&table.schema().fields);
        Ok(StrataTableProvider {
            table,
            range: ReadRange::Pinned(id),
            schema,
        })
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// What the provider reads.
    pub fn range(&self) -> ReadRange {
        self.range
    }

    /// Plans the splits for a predicate.
    ///
    /// # Errors
    /// Missing or corrupt metadata.
    pub async fn plan_splits(
        &self,
        predicate: Option<&Predicate>,
    ) -> strata_core::Result<Vec<DataSplit>> {
        let scan = self.table.new_scan().with_filter(predicate.cloned());
        match self.range {
            ReadRange::Latest => Ok(scan.plan().await?.splits),
            ReadRange::Pinned(None) => Ok(Vec::new()),
            ReadRange::Pinned(Some(id)) => Ok(scan
                .with_snapshot(SnapshotSelector::Id(id))
                .plan()
                .await?
                .splits),
            // Incremental reads are streams of changes, not splits (see `scan`).
            ReadRange::Incremental(..) => Ok(Vec::new()),
        }
    }
}

impl StrataTableProvider {
    fn scan_incremental(
        &self,
        from: i64,
        to: i64,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let out_schema: SchemaRef = match projection {
            None => self.schema.clone(),
            Some(p) => Arc::new(self.schema.project(p)?),
        };
        let table = self.table.clone();
        let projection = projection.cloned();
        let open: OpenStream = Arc::new(move || {
            let table = table.clone();
            let projection = projection.clone();
            Box::pin(async move {
                let s = incremental::read(&table, from, to, false).await?;
                Ok(s.map(move |b| {
                    let b = b?;
                    match &projection {
                        None => Ok(b),
                        Some(p) => b.project(p).map_err(|e| {
                            strata_core::Error::Internal(format!("projecting changes: {e}"))
                        }),
                    }
                })
                .boxed())
            })
        });
        Ok(Arc::new(LazyStreamExec::new(
            format!("{} incremental ({from}, {to}]", self.table.name()),
            out_schema,
            limit,
            open,
        )))
    }
}

/// The table at the schema snapshot `id` was written with.
async fn at_snapshot_schema(table: &Table, id: Option<i64>) -> strata_core::Result<Table> {
    let Some(id) = id else {
        return Ok(table.clone());
    };
    let snapshot = table.snapshot_manager().snapshot(id).await?;
    if snapshot.schema_id == table.schema().id {
        return Ok(table.clone());
    }
    let schema = table.schema_manager().schema(snapshot.schema_id).await?;
    Ok(table.with_schema(schema))
}

/// Whether every split's row count is its number of result rows (no merge drops any).
fn merge_free(table: &Table, splits: &[DataSplit]) -> bool {
    !table.has_primary_key() || splits.iter().all(|s| s.raw_convertible)
}

#[async_trait]
impl TableProvider for StrataTableProvider {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let schema = self.table.schema();
        Ok(filters
            .iter()
            .map(|e| match self.range {
                // Incremental reads are not pruned by the scan: filter rows only.
                ReadRange::Incremental(..) => match pushdown::translate(e, &schema.fields) {
                    Some(_) => TableProviderFilterPushDown::Inexact,
                    None => TableProviderFilterPushDown::Unsupported,
                },
                _ => pushdown::classify(e, schema),
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if let ReadRange::Incremental(from, to) = self.range {
            return self.scan_incremental(from, to, projection, limit);
        }
        let schema = self.table.schema();
        let predicate = pushdown::combine(filters, &schema.fields);
        let mut splits = self.plan_splits(predicate.as_ref()).await.map_err(to_df)?;
        let merge_free = merge_free(&self.table, &splits);
        // LIMIT without filters: the first splits that certainly hold enough rows.
        if let (Some(limit), None, true) = (limit, &predicate, merge_free) {
            let mut rows = 0usize;
            let mut keep = 0;
            for s in &splits {
                if rows >= limit {
                    break;
                }
                rows += usize::try_from(s.row_count()).unwrap_or(0);
                keep += 1;
            }
            splits.truncate(keep);
        }
        let exact_rows = merge_free
            && predicate.as_ref().is_none_or(|p| {
                p.columns()
                    .iter()
                    .all(|c| schema.partition_keys.contains(c))
            });
        let total: usize = splits
            .iter()
            .map(|s| usize::try_from(s.row_count()).unwrap_or(0))
            .sum();
        let num_rows = if exact_rows {
            Precision::Exact(total)
        } else {
            Precision::Inexact(total)
        };
        let out_schema: SchemaRef = match projection {
            None => self.schema.clone(),
            Some(p) => Arc::new(self.schema.project(p)?),
        };
        // Zero columns (count(*)): read the narrowest useful column and drop it.
        let read_cols: Vec<String> = if out_schema.fields().is_empty() {
            schema
                .partition_keys
                .first()
                .or_else(|| schema.primary_keys.first())
                .or_else(|| schema.fields.first().map(|f| &f.name))
                .cloned()
                .into_iter()
                .collect()
        } else {
            out_schema
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect()
        };
        let read = self
            .table
            .new_read()
            .with_projection(Some(read_cols))
            .map_err(to_df)?
            .with_filter(predicate.clone());
        let filter_text = predicate.as_ref().map(pushdown::display);
        Ok(Arc::new(StrataScanExec::new(ScanParts {
            table: self.table.name(),
            read: Arc::new(read),
            splits,
            partitions: state.config().target_partitions(),
            schema: out_schema,
            limit,
            num_rows,
            filter_text,
        })))
    }

    async fn insert_into(
        &self,
        _state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if !matches!(self.range, ReadRange::Latest) {
            return Err(plan_err(format!(
                "cannot write to table '{}' read at an older snapshot or range",
                self.table.name()
            )));
        }
        let mode = match insert_op {
            InsertOp::Append => WriteMode::Append,
            InsertOp::Overwrite => WriteMode::Overwrite(default_overwrite_scope(&self.table)?),
            InsertOp::Replace => {
                return Err(plan_err(
                    "REPLACE INTO is not supported; use INSERT INTO or INSERT OVERWRITE",
                ))
            }
        };
        let sink = StrataSink::new(
            self.table.clone(),
            mode,
            Arc::new(Schema::clone(&self.schema)),
        );
        Ok(Arc::new(DataSinkExec::new(input, Arc::new(sink), None)))
    }
}

/// INSERT OVERWRITE without a PARTITION clause: the partitions present in the new rows when
/// `dynamic-partition-overwrite` is true (the default) and the table is partitioned, else the
/// whole table.
///
/// # Errors
/// A malformed `dynamic-partition-overwrite`.
pub fn default_overwrite_scope(table: &Table) -> Result<OverwriteScope> {
    let dynamic = table
        .options()
        .dynamic_partition_overwrite()
        .map_err(|e| to_df(e.into()))?;
    Ok(if dynamic && !table.schema().partition_keys.is_empty() {
        OverwriteScope::Dynamic
    } else {
        OverwriteScope::All
    })
}
