//! The physical scan: planned splits spread over DataFusion partitions.
//!
//! ```text
//! Plan [DataSplit …] ─▶ groups balanced by bytes (≤ target_partitions)
//!   partition i: split ─▶ TableRead::read_split (files decoded on their own tasks,
//!                          primary-key splits merged) ─▶ … next split ─▶ limit ─▶ batches
//! ```
//!
//! Statistics are exact when no merge can drop rows (append tables, or primary-key splits that
//! are raw-convertible) and the pushed filters only prune whole partitions; DataFusion then
//! answers `SELECT count(*)` from the manifests' row counts without reading a file.

use std::fmt;
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{Result, Statistics};
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::statistics::StatisticsArgs;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning,
    PlanProperties, ReplaceChildrenOptions, SendableRecordBatchStream,
};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use strata_core::{DataSplit, TableRead};

use crate::error::to_df;

/// Turns one split into a stream of batches.
pub trait SplitReader: fmt::Debug + Send + Sync {
    /// Opens the split.
    fn read(
        &self,
        split: DataSplit,
    ) -> BoxFuture<'static, strata_core::Result<BoxStream<'static, strata_core::Result<RecordBatch>>>>;
}

impl SplitReader for TableRead {
    fn read(
        &self,
        split: DataSplit,
    ) -> BoxFuture<'static, strata_core::Result<BoxStream<'static, strata_core::Result<RecordBatch>>>>
    {
        let read = self.clone();
        Box::pin(async move { read.read_split(&split).await })
    }
}

/// What a [`StrataScanExec`] is made of.
#[derive(Debug)]
pub struct ScanParts {
    /// Table name (for EXPLAIN).
    pub table: String,
    /// Reads one split.
    pub read: Arc<dyn SplitReader>,
    /// Splits to read.
    pub splits: Vec<DataSplit>,
    /// Most partitions to spread them over.
    pub partitions: usize,
    /// Output schema.
    pub schema: SchemaRef,
    /// Rows per partition at most.
    pub limit: Option<usize>,
    /// Rows of the whole scan.
    pub num_rows: Precision<usize>,
    /// Pushed filter (for EXPLAIN).
    pub filter_text: Option<String>,
}

/// Reads groups of splits, one group per output partition.
#[derive(Debug)]
pub struct StrataScanExec {
    table: String,
    read: Arc<dyn SplitReader>,
    groups: Vec<Vec<DataSplit>>,
    /// Output schema (may have no columns: `count(*)` style reads).
    schema: SchemaRef,
    /// Rows per partition at most (a pushed-down LIMIT).
    limit: Option<usize>,
    stats: Arc<Statistics>,
    props: Arc<PlanProperties>,
    filter_text: Option<String>,
}

impl StrataScanExec {
    /// A scan over `parts.splits`, spread over at most `parts.partitions` partitions.
    pub fn new(parts: ScanParts) -> Self {
        let ScanParts {
            table,
            read,
            splits,
            partitions,
            schema,
            limit,
            num_rows,
            filter_text,
        } = parts;
        let groups = group_splits(splits, partitions.max(1));
        let bytes: i64 = groups
            .iter()
            .flatten()
            .flat_map(|s| s.files.iter())
            .map(|f| f.file_size)
            .sum();
        let num_rows = match (num_rows, limit) {
            (Precision::Exact(n), Some(l)) => Precision::Exact(n.min(l)),
            (p, Some(l)) => p.map(|n| n.min(l)).to_inexact(),
            (p, None) => p,
        };
        let stats = Statistics::new_unknown(&schema)
            .with_num_rows(num_rows)
            .with_total_byte_size(Precision::Inexact(usize::try_from(bytes).unwrap_or(0)));
        let props = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(groups.len().max(1)),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        StrataScanExec {
            table,
            read,
            groups,
            schema,
            limit,
            stats: Arc::new(stats),
            props: Arc::new(props),
            filter_text,
        }
    }

    /// The splits of each partition (tests and EXPLAIN).
    pub fn groups(&self) -> &[Vec<DataSplit>] {
        &self.groups
    }

    /// Data files read by the scan.
    pub fn file_count(&self) -> usize {
        self.groups.iter().flatten().map(|s| s.files.len()).sum()
    }
}

/// Spreads splits over `n` groups by their bytes.
fn group_splits(splits: Vec<DataSplit>, n: usize) -> Vec<Vec<DataSplit>> {
    group_by_size(splits, n, |s| s.files.iter().map(|f| f.file_size).sum())
}

/// Spreads items over `n` groups, largest first onto the lightest group.
fn group_by_size<T>(mut items: Vec<T>, n: usize, size: impl Fn(&T) -> i64) -> Vec<Vec<T>> {
    let n = n.min(items.len()).max(1);
    items.sort_by_key(|s| std::cmp::Reverse(size(s)));
    let mut groups: Vec<(i64, Vec<T>)> = (0..n).map(|_| (0, Vec::new())).collect();
    for s in items {
        let sz = size(&s);
        if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
            g.0 += sz;
            g.1.push(s);
        }
    }
    groups
        .into_iter()
        .map(|(_, g)| g)
        .filter(|g| !g.is_empty())
        .collect()
}

impl DisplayAs for StrataScanExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(
                    f,
                    "StrataScanExec: table={}, splits={}, files={}, partitions={}",
                    self.table,
                    self.groups.iter().map(Vec::len).sum::<usize>(),
                    self.file_count(),
                    self.groups.len().max(1)
                )?;
                if let Some(ft) = &self.filter_text {
                    write!(f, ", filter={ft}")?;
                }
                if let Some(l) = self.limit {
                    write!(f, ", limit={l}")?;
                }
                Ok(())
            }
            DisplayFormatType::TreeRender => write!(f, "table={}", self.table),
        }
    }
}

impl ExecutionPlan for StrataScanExec {
    fn name(&self) -> &str {
        "StrataScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.props
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
        _: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let splits = match self.groups.get(partition) {
            Some(g) => g.clone(),
            None if self.groups.is_empty() && partition == 0 => Vec::new(),
            None => {
                return Err(DataFusionError::Internal(format!(
                    "StrataScanExec has no partition {partition}"
                )))
            }
        };
        let read = self.read.clone();
        let schema = self.schema.clone();
        let out_schema = schema.clone();
        let batches = stream::iter(splits)
            .then(move |split| read.read(split))
            .try_flatten()
            .map_err(to_df)
            .and_then(move |b| {
                let s = out_schema.clone();
                async move { project_to(&b, &s) }
            });
        let limited = limit_stream(batches.boxed(), self.limit);
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, limited)))
    }

    fn statistics_from_inputs(
        &self,
        _input_stats: &[Arc<Statistics>],
        args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        match args.partition() {
            None => Ok(self.stats.clone()),
            Some(_) => Ok(Arc::new(Statistics::new_unknown(&self.schema))),
        }
    }
}

/// Opens a stream of batches when executed.
pub type OpenStream = Arc<
    dyn Fn() -> BoxFuture<
            'static,
            strata_core::Result<BoxStream<'static, strata_core::Result<RecordBatch>>>,
        > + Send
        + Sync,
>;

/// A one-partition scan over a stream opened at execution (incremental reads).
pub struct LazyStreamExec {
    name: String,
    open: OpenStream,
    schema: SchemaRef,
    limit: Option<usize>,
    props: Arc<PlanProperties>,
}

impl fmt::Debug for LazyStreamExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyStreamExec({})", self.name)
    }
}

impl LazyStreamExec {
    /// A scan named `name` producing `schema` rows from `open`.
    pub fn new(name: String, schema: SchemaRef, limit: Option<usize>, open: OpenStream) -> Self {
        let props = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        LazyStreamExec {
            name,
            open,
            schema,
            limit,
            props: Arc::new(props),
        }
    }
}

impl DisplayAs for LazyStreamExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "StrataIncrementalExec: {}", self.name)?;
        if let Some(l) = self.limit {
            write!(f, ", limit={l}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for LazyStreamExec {
    fn name(&self) -> &str {
        "StrataIncrementalExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.props
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
        _: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "StrataIncrementalExec has no partition {partition}"
            )));
        }
        let open = self.open.clone();
        let out_schema = self.schema.clone();
        let batches = stream::once(async move { open().await })
            .try_flatten()
            .map_err(to_df)
            .and_then(move |b| {
                let s = out_schema.clone();
                async move { project_to(&b, &s) }
            });
        let limited = limit_stream(batches.boxed(), self.limit);
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            limited,
        )))
    }
}

/// Keeps the columns of `schema` (by position when the batch has exactly those, else none:
/// zero-column reads keep only the row count).
fn project_to(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if schema.fields().is_empty() {
        return Ok(RecordBatch::try_new_with_options(
            schema.clone(),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
        )?);
    }
    if b.schema().fields() == schema.fields() {
        return Ok(b.clone());
    }
    Ok(RecordBatch::try_new(schema.clone(), b.columns().to_vec())?)
}

/// Stops after `limit` rows.
fn limit_stream(
    s: futures::stream::BoxStream<'static, Result<RecordBatch>>,
    limit: Option<usize>,
) -> futures::stream::BoxStream<'static, Result<RecordBatch>> {
    let Some(limit) = limit else { return s };
    stream::unfold((s, limit), |(mut s, left)| async move {
        if left == 0 {
            return None;
        }
        match s.next().await? {
            Ok(b) if b.num_rows() > left => Some((Ok(b.slice(0, left)), (s, 0))),
            Ok(b) => {
                let n = b.num_rows();
                Some((Ok(b), (s, left - n)))
            }
            Err(e) => Some((Err(e), (s, 0))),
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_balanced() {
        let g = group_by_size(vec![100i64, 60, 50, 10], 2, |x| *x);
        assert_eq!(g.len(), 2);
        let sizes: Vec<i64> = g.iter().map(|g| g.iter().sum()).collect();
        assert_eq!(sizes, vec![110, 110]);
        assert_eq!(group_by_size(vec![1i64], 8, |x| *x).len(), 1);
        assert!(group_by_size(Vec::<i64>::new(), 8, |x| *x).is_empty());
    }
}
