//! Reading splits as streams of Arrow batches.
//!
//! ```text
//! DataSplit ─▶ per file: schema-<id> of the file ─▶ columns matched by field id (spec §2.6)
//!           ─▶ strata-format reads them by their names in that schema ─▶ cast to today's types
//!           ─▶ append: concatenate in sequence order      primary key: merge-on-read (strata-lsm)
//!           ─▶ exact filter (after the merge) ─▶ projection
//! ```
//!
//! Files are decoded on spawned tasks, a few ahead of the consumer, so reads use every core
//! while memory stays bounded by the prefetch depth.

use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use strata_format::{arrow_convert, read_data_file, FileFormat, ReadOptions};
use strata_spec::{DataField, DataFileMeta, TableSchema};

mod merge;

use crate::error::{arrow_err, Error, Result};
use crate::predicate::Predicate;
use crate::scan::{DataSplit, Plan};
use crate::table::Table;

/// Files (and splits) decoded ahead of the consumer.
const PREFETCH: usize = 2;

/// Batches a split decodes ahead of the consumer: enough that the next split's decoding
/// overlaps the whole of the current one's consumption (order stays split by split), small
/// enough to bound memory (`PREFETCH` × this many batches).
const SPLIT_LOOKAHEAD: usize = 16;

/// Reads splits of one table.
#[derive(Debug, Clone)]
pub struct TableRead {
    table: Table,
    projection: Option<Vec<String>>,
    filter: Option<Predicate>,
    batch_size: usize,
}

impl TableRead {
    /// A reader of all columns.
    pub fn new(table: Table) -> Self {
        // Paimon's `read.batch-size` default (1024) sizes row vectors; Arrow batches are cheaper
        // per row when larger, so an unset option means 8192.
        let batch_size = match table.options().get_explicit("read.batch-size") {
            Some(_) => table.options().read_batch_size().unwrap_or(8192),
            None => 8192,
        };
        TableRead {
            table,
            projection: None,
            filter: None,
            batch_size,
        }
    }

    /// Only these columns, in this order.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming an unknown column.
    pub fn with_projection(mut self, columns: Option<Vec<String>>) -> Result<Self> {
        if let Some(cols) = &columns {
            for c in cols {
                if self.table.schema().field(c).is_none() {
                    return Err(Error::Invalid(format!(
                        "column '{c}' does not exist in table '{}' (columns: {})",
                        self.table.name(),
                        self.table
                            .schema()
                            .fields
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
        self.projection = columns;
        Ok(self)
    }

    /// Keeps only rows where the filter is true (applied after merging).
    pub fn with_filter(mut self, filter: Option<Predicate>) -> Self {
        self.filter = filter;
        self
    }

    /// Rows per batch.
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// Output columns.
    pub fn output_fields(&self) -> Vec<DataField> {
        let schema = self.table.schema();
        match &self.projection {
            None => schema.fields.clone(),
            Some(cols) => cols
                .iter()
                .filter_map(|c| schema.field(c).cloned())
                .collect(),
        }
    }

    /// Output Arrow schema.
    pub fn output_schema(&self) -> SchemaRef {
        arrow_convert::arrow_schema(&self.output_fields())
    }

    /// Columns that must be read: output plus filter columns, in table order.
    pub(crate) fn read_fields(&self) -> Vec<DataField> {
        let out = self.output_fields();
        let filter_cols = self
            .filter
            .as_ref()
            .map(|f| f.columns())
            .unwrap_or_default();
        self.table
            .schema()
            .fields
            .iter()
            .filter(|f| out.iter().any(|o| o.id == f.id) || filter_cols.contains(&f.name))
            .cloned()
            .collect()
    }

    /// Streams the rows of a whole plan, split after split.
    pub fn read_plan(&self, plan: &Plan) -> BoxStream<'static, Result<RecordBatch>> {
        let me = self.clone();
        let splits = plan.splits.clone();
        // Splits are opened and decoded on their own tasks, a few ahead, so buckets use every
        // core while the output stays in split order.
        stream::iter(splits)
            .map(move |s| {
                let me = me.clone();
                futures::future::ready(spawn_open(
                    async move { me.read_split(&s).await },
                    SPLIT_LOOKAHEAD,
                ))
            })
            .buffered(PREFETCH)
            .flatten()
            .boxed()
    }

    /// Streams the rows of one split.
    ///
    /// # Errors
    /// Missing schemas; per-file errors arrive in the stream.
    pub async fn read_split(
        &self,
        split: &DataSplit,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        // A raw-convertible primary-key split (one run per key range, no retracts) reads its
        // value columns like an append split.
        if self.table.has_primary_key() && !split.raw_convertible {
            return merge::read_pk_split(self, split).await;
        }
        let read_fields = Arc::new(self.read_fields());
        let out_schema = self.output_schema();
        let filter = self.filter.clone();
        let files = self.file_reads(split, &split.files, &read_fields).await?;
        let stream = read_files(files)
            .and_then(move |batch| {
                futures::future::ready(finish_batch(batch, filter.as_ref(), &out_schema))
            })
            .try_filter(|b| futures::future::ready(b.num_rows() > 0));
        Ok(stream.boxed())
    }

    /// Readers of `files` of `split` that yield `read_fields` (today's schema, by field id).
    ///
    /// # Errors
    /// A missing schema file.
    async fn file_reads(
        &self,
        split: &DataSplit,
        files: &[DataFileMeta],
        read_fields: &Arc<Vec<DataField>>,
    ) -> Result<Vec<FileRead>> {
        let dir = self.table.bucket_path(&split.partition, split.bucket)?;
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let data_schema = self.table.schema_manager().schema(f.schema_id).await?;
            let path = match &f.external_path {
                Some(p) => p.clone(),
                None => format!("{dir}/{}", f.file_name),
            };
            out.push(FileRead {
                table: self.table.clone(),
                path,
                file_size: f.file_size as u64,
                data_schema,
                read_fields: read_fields.clone(),
                batch_size: self.batch_size,
            });
        }
        Ok(out)
    }

    /// Reads a whole plan into memory (tests, small tables).
    ///
    /// # Errors
    /// Any read error.
    pub async fn collect(&self, plan: &Plan) -> Result<Vec<RecordBatch>> {
        self.read_plan(plan).try_collect().await
    }
}

/// Applies the filter, then projects to the output schema (by name).
pub(crate) fn finish_batch(
    batch: RecordBatch,
    filter: Option<&Predicate>,
    out: &SchemaRef,
) -> Result<RecordBatch> {
    let batch = match filter {
        None => batch,
        Some(p) => {
            let mask = p.filter(&batch)?;
            arrow::compute::filter_record_batch(&batch, &mask)
                .map_err(arrow_err("filtering rows"))?
        }
    };
    let cols: Vec<ArrayRef> =
        out.fields()
            .iter()
            .map(|f| {
                batch.column_by_name(f.name()).cloned().ok_or_else(|| {
                    Error::Internal(format!("column {} missing after read", f.name()))
                })
            })
            .collect::<Result<_>>()?;
    RecordBatch::try_new_with_options(
        out.clone(),
        cols,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(arrow_err("projecting columns"))
}

/// One file to read, with the mapping from today's columns to the file's columns.
struct FileRead {
    table: Table,
    path: String,
    file_size: u64,
    data_schema: Arc<TableSchema>,
    read_fields: Arc<Vec<DataField>>,
    batch_size: usize,
}

impl FileRead {
    async fn open(self) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let format = FileFormat::from_file_name(&self.path).ok_or_else(|| Error::Corrupt {
            what: "data file",
            path: self.table.io().display_path(&self.path),
            reason: "unknown file format extension".into(),
        })?;
        // Columns as the file's schema names and types them (matched by field id).
        let mapped: Vec<Option<DataField>> = self
            .read_fields
            .iter()
            .map(|f| self.data_schema.field_by_id(f.id).cloned())
            .collect();
        let file_cols: Vec<DataField> = mapped.iter().flatten().cloned().collect();
        let opts = ReadOptions {
            batch_size: self.batch_size,
            file_size: Some(self.file_size),
        };
        let io = self.table.io().clone();
        let display = io.display_path(&self.path);
        let table_name = self.table.name();
        let inner = match read_data_file(&io, &self.path, format, &file_cols, &opts).await {
            Ok(s) => s,
            Err(strata_format::Error::Io(e)) if e.is_not_found() => {
                return Err(Error::MissingFile {
                    table: table_name,
                    what: "data file",
                    path: display,
                })
            }
            Err(e) => return Err(e.into()),
        };
        let target = arrow_convert::arrow_schema(&self.read_fields);
        let read_fields = self.read_fields.clone();
        Ok(inner
            .map_err(Error::from)
            .and_then(move |batch| {
                let target = target.clone();
                let read_fields = read_fields.clone();
                let mapped = mapped.clone();
                async move { evolve(&batch, &read_fields, &mapped, &target) }
            })
            .boxed())
    }
}

/// Converts a batch with the file's columns (in `mapped` order, absent ones skipped) into
/// today's columns: renamed, cast, missing ones null.
fn evolve(
    batch: &RecordBatch,
    read_fields: &[DataField],
    mapped: &[Option<DataField>],
    target: &SchemaRef,
) -> Result<RecordBatch> {
    let mut cols = Vec::with_capacity(read_fields.len());
    let mut next = 0;
    for (f, m) in read_fields.iter().zip(mapped) {
        match m {
            Some(_) => {
                let col = batch.column(next);
                next += 1;
                cols.push(arrow_convert::cast_to(col, &f.data_type)?);
            }
            None => cols.push(new_null_array(
                &arrow_convert::arrow_type(&f.data_type),
                batch.num_rows(),
            )),
        }
    }
    RecordBatch::try_new_with_options(
        target.clone(),
        cols,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(arrow_err("mapping columns of an older schema"))
}

/// Streams files one after another, each opened and decoded on its own task, [`PREFETCH`]
/// files ahead.
fn read_files(files: Vec<FileRead>) -> BoxStream<'static, Result<RecordBatch>> {
    stream::iter(files)
        .map(|fr| futures::future::ready(spawn_open(fr.open(), 2)))
        .buffered(PREFETCH)
        .flatten()
        .boxed()
}

/// Drives a stream on its own task, handing batches over through a channel of `capacity`.
pub(crate) fn spawn_stream(
    s: BoxStream<'static, Result<RecordBatch>>,
    capacity: usize,
) -> BoxStream<'static, Result<RecordBatch>> {
    spawn_open(async move { Ok(s) }, capacity)
}

/// Opens a stream and drives it on its own task from now on — not only once the consumer
/// reaches it — handing batches over through a channel of `capacity`. An error opening it is
/// the stream's only item; the task stops at the first error or when the consumer goes away.
pub(crate) fn spawn_open<F>(open: F, capacity: usize) -> BoxStream<'static, Result<RecordBatch>>
where
    F: std::future::Future<Output = Result<BoxStream<'static, Result<RecordBatch>>>>
        + Send
        + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
    tokio::spawn(async move {
        let mut s = match open.await {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        while let Some(item) = s.next().await {
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                break;
            }
        }
    });
    stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|i| (i, rx)) }).boxed()
}
