//! Writing rows into a table.
//!
//! ```text
//! RecordBatch ─▶ conform to the table schema ─▶ Router: (partition, bucket) groups
//!             ─▶ one BucketWriter per (partition, bucket), each on its own task
//!                  append table: AppendWriter (rolling files, sequence numbers)
//!                  primary key:  MergeTreeWriter (write buffer, level-0 flushes, compaction)
//!             ─▶ prepare_commit() ─▶ [CommitMessage]  (hand to TableCommit, maybe in another process)
//! ```
//!
//! Bucket writers run on their own tokio tasks so that encoding of different buckets uses every
//! core; each task owns its writer, fed through a bounded channel (memory stays bounded).
//!
//! Reference: `TableWriteImpl`, `AbstractFileStoreWrite` (Paimon 0.9).

mod append;
mod changelog_producer;
mod compactor;
mod context;
mod dynamic_bucket;
mod memory;
mod merge_tree;
mod message;
mod rolling;
mod route;
pub mod row_encoder;

use std::collections::HashMap;

use arrow_array::{Array, ArrayRef, Int8Array, RecordBatch};
use arrow_schema::SchemaRef;
use async_trait::async_trait;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use context::{now_local_millis, WriteContext};
pub(crate) use merge_tree::lsm_err as merge_tree_lsm_err;
pub use merge_tree::MergeTreeWriter;
pub use message::{CommitIncrement, CommitMessage};
pub use rolling::{ClosedFile, RollingFileWriter};
pub use route::{take_rows, BucketMode, Routed, Router};

use crate::error::{arrow_err, Error, Result};
use crate::scan::live_bucket_state;
use crate::table::Table;

/// The writer of one (partition, bucket).
#[async_trait]
pub trait BucketWriter: Send {
    /// Adds rows (with row kinds for primary-key tables; `None` = all +I).
    async fn write(&mut self, batch: RecordBatch, kinds: Option<Int8Array>) -> Result<()>;
    /// Flushes and returns the changes since the last call.
    async fn prepare_commit(&mut self, wait_compaction: bool) -> Result<CommitIncrement>;
    /// Runs a compaction now (primary-key and bucketed append tables).
    async fn compact(&mut self, _full: bool) -> Result<()> {
        Ok(())
    }
    /// Abandons uncommitted files.
    async fn abort(&mut self);
}

enum Msg {
    /// Rows for the bucket: the rows `rows` of the batch, selected by the bucket's task so that
    /// copying them runs on every core while the caller routes on.
    Write(RecordBatch, Vec<u32>, Option<Int8Array>),
    Prepare(bool, oneshot::Sender<Result<CommitIncrement>>),
    Compact(bool, oneshot::Sender<Result<()>>),
    Abort(oneshot::Sender<()>),
}

struct Slot {
    tx: mpsc::Sender<Msg>,
    task: Option<JoinHandle<Result<()>>>,
    total_buckets: i32,
}

async fn run_writer(mut writer: Box<dyn BucketWriter>, mut rx: mpsc::Receiver<Msg>) -> Result<()> {
    let mut failed: Option<Error> = None;
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Write(b, rows, k) => {
                if failed.is_none() {
                    let selected = take_rows(&b, &rows).and_then(|b| {
                        let k = k.as_ref().map(|k| take_kinds(k, &rows)).transpose()?;
                        Ok((b, k))
                    });
                    let written = match selected {
                        Ok((b, k)) => writer.write(b, k).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = written {
                        failed = Some(e);
                    }
                }
            }
            Msg::Prepare(wait, reply) => {
                let r = match failed.take() {
                    Some(e) => Err(e),
                    None => writer.prepare_commit(wait).await,
                };
                let _ = reply.send(r);
            }
            Msg::Compact(full, reply) => {
                let r = match failed.take() {
                    Some(e) => Err(e),
                    None => writer.compact(full).await,
                };
                let _ = reply.send(r);
            }
            Msg::Abort(reply) => {
                writer.abort().await;
                let _ = reply.send(());
                return Ok(());
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Per-bucket state restored from the latest snapshot.
#[derive(Debug, Clone, Default)]
pub struct BucketState {
    /// Largest sequence number among live files (−1 when none).
    pub max_sequence: i64,
    /// `_TOTAL_BUCKETS` of the live files, when there are any.
    pub total_buckets: Option<i32>,
    /// Live files of the bucket.
    pub files: Vec<strata_spec::DataFileMeta>,
}

/// Writes rows into a table and produces commit messages.
pub struct TableWrite {
    ctx: WriteContext,
    commit_user: String,
    router: Router,
    mode: BucketMode,
    slots: HashMap<(Vec<u8>, i32), Slot>,
    restored: Option<HashMap<(Vec<u8>, i32), BucketState>>,
    target_schema: SchemaRef,
    /// Overwrite writes ignore existing files (bucket counts, sequence numbers).
    overwrite: bool,
    rowkind_col: Option<usize>,
    assigner: Option<dynamic_bucket::DynamicBucketAssigner>,
}

impl TableWrite {
    /// A writer for `table` committing as `commit_user`.
    ///
    /// # Errors
    /// Unsupported table features (deletion vectors, dynamic-bucket append tables).
    pub fn new(table: Table, commit_user: String) -> Result<Self> {
        let schema = table.schema().clone();
        let opts = table.options();
        if opts.deletion_vectors_enabled()? {
            return Err(Error::Unsupported(format!(
                "writing table '{}' with deletion-vectors.enabled = true",
                table.name()
            )));
        }
        let bucket = opts.bucket()?;
        let mode = match bucket {
            n if n > 0 => BucketMode::Fixed(n),
            -1 if schema.has_primary_key() => BucketMode::Dynamic,
            -1 => BucketMode::Unaware,
            other => {
                return Err(Error::Unsupported(format!(
                    "writing tables with bucket = {other}"
                )))
            }
        };
        let idx = |name: &String| -> Result<(usize, strata_spec::DataType)> {
            let i = schema
                .field_index(name)
                .ok_or_else(|| Error::Invalid(format!("column '{name}' does not exist")))?;
            Ok((i, schema.fields[i].data_type.clone()))
        };
        let partition = schema
            .partition_keys
            .iter()
            .map(idx)
            .collect::<Result<Vec<_>>>()?;
        let bucket_key = if matches!(mode, BucketMode::Fixed(_)) {
            schema
                .bucket_keys()
                .iter()
                .map(idx)
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let target_schema = strata_format::arrow_convert::arrow_schema(&schema.fields);
        let rowkind_col = match opts.rowkind_field() {
            Some(f) if schema.has_primary_key() => schema.field_index(&f),
            _ => None,
        };
        let assigner = if mode == BucketMode::Dynamic {
            Some(dynamic_bucket::DynamicBucketAssigner::new(table.clone())?)
        } else {
            None
        };
        Ok(TableWrite {
            assigner,
            ctx: WriteContext::new(table)?,
            commit_user,
            router: Router::new(partition, bucket_key, mode),
            mode,
            slots: HashMap::new(),
            restored: None,
            target_schema,
            overwrite: false,
            rowkind_col,
        })
    }

    /// Marks this write as the input of an INSERT OVERWRITE: existing files of the written
    /// partitions will be replaced, so their bucket count and sequence numbers do not apply.
    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        if overwrite {
            if let Some(a) = self.assigner.as_mut() {
                a.ignore_existing();
            }
        }
        self
    }

    /// The commit user of this writer.
    pub fn commit_user(&self) -> &str {
        &self.commit_user
    }

    /// The table being written.
    pub fn table(&self) -> &Table {
        &self.ctx.table
    }

    /// The Arrow schema batches must conform to.
    pub fn arrow_schema(&self) -> &SchemaRef {
        &self.target_schema
    }

    /// Adds rows. Columns are matched by name and cast to the table types; row kinds come from
    /// the `rowkind.field` column when the table has one, else every row is `+I`.
    ///
    /// # Errors
    /// Missing columns, values that do not fit, nulls in NOT NULL columns, storage errors.
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.write_with_kinds(batch, None).await
    }

    /// Adds rows with explicit row kinds (`0` +I, `1` -U, `2` +U, `3` -D per row).
    ///
    /// # Errors
    /// As [`TableWrite::write`]; row kinds on an append table.
    pub async fn write_with_kinds(
        &mut self,
        batch: &RecordBatch,
        kinds: Option<&Int8Array>,
    ) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let batch = conform(batch, &self.target_schema, &self.ctx.schema.fields)?;
        let kinds = match (kinds, self.rowkind_col) {
            (Some(k), _) => Some(k.clone()),
            (None, Some(col)) => Some(kinds_from_column(
                batch.column(col),
                &self.ctx.schema.fields[col].name,
            )?),
            (None, None) => None,
        };
        if let Some(k) = &kinds {
            if !self.ctx.schema.has_primary_key() && k.values().iter().any(|v| *v != 0) {
                return Err(Error::Invalid(format!(
                    "table '{}' has no primary key, so it only accepts inserts (+I)",
                    self.ctx.table.name()
                )));
            }
            if k.len() != batch.num_rows() {
                return Err(Error::Invalid("row kinds and rows differ in number".into()));
            }
        }
        let groups = self.router.route(&batch)?;
        for g in groups {
            if self.assigner.is_some() {
                let sub = take_rows(&batch, &g.rows)?;
                let sub_kinds = kinds.as_ref().map(|k| take_kinds(k, &g.rows)).transpose()?;
                self.send_dynamic(g.partition, sub, sub_kinds).await?;
            } else {
                self.send(g.partition, g.bucket, batch.clone(), g.rows, kinds.clone())
                    .await?;
            }
        }
        Ok(())
    }

    /// Dynamic bucket mode: assigns each row's key to a bucket through the hash index.
    async fn send_dynamic(
        &mut self,
        partition: Vec<u8>,
        batch: RecordBatch,
        kinds: Option<Int8Array>,
    ) -> Result<()> {
        let keys = self.ctx.schema.trimmed_primary_key_fields();
        let cols: Vec<&ArrayRef> = keys
            .iter()
            .map(|f| {
                batch
                    .column_by_name(&f.name)
                    .ok_or_else(|| Error::Internal(format!("key column {} missing", f.name)))
            })
            .collect::<Result<_>>()?;
        let types: Vec<strata_spec::DataType> = keys.iter().map(|f| f.data_type.clone()).collect();
        let mut enc = row_encoder::RowEncoder::try_new(&cols, &types, false)?;
        let hashes: Vec<i32> = (0..batch.num_rows())
            .map(|r| strata_spec::hash::hash_binary_row(enc.encode(r)))
            .collect();
        let assigner = self
            .assigner
            .as_mut()
            .ok_or_else(|| Error::Internal("no bucket assigner".into()))?;
        let buckets = assigner.assign(&partition, &hashes).await?;
        let mut by_bucket: std::collections::BTreeMap<i32, Vec<u32>> =
            std::collections::BTreeMap::new();
        for (r, b) in buckets.iter().enumerate() {
            by_bucket.entry(*b).or_default().push(r as u32);
        }
        for (bucket, rows) in by_bucket {
            self.send(
                partition.clone(),
                bucket,
                batch.clone(),
                rows,
                kinds.clone(),
            )
            .await?;
        }
        Ok(())
    }

    async fn restored_state(&mut self) -> Result<&HashMap<(Vec<u8>, i32), BucketState>> {
        if self.restored.is_none() {
            let state = if self.overwrite {
                HashMap::new()
            } else {
                live_bucket_state(&self.ctx.table).await?
            };
            self.restored = Some(state);
        }
        self.restored
            .as_ref()
            .ok_or_else(|| Error::Internal("restored state missing".into()))
    }

    async fn send(
        &mut self,
        partition: Vec<u8>,
        bucket: i32,
        batch: RecordBatch,
        rows: Vec<u32>,
        kinds: Option<Int8Array>,
    ) -> Result<()> {
        let key = (partition, bucket);
        if !self.slots.contains_key(&key) {
            let slot = self.open_slot(&key.0, bucket).await?;
            self.slots.insert(key.clone(), slot);
        }
        let slot = self
            .slots
            .get_mut(&key)
            .ok_or_else(|| Error::Internal("bucket writer vanished".into()))?;
        if slot.tx.send(Msg::Write(batch, rows, kinds)).await.is_err() {
            return Err(Self::task_error(slot).await);
        }
        Ok(())
    }

    async fn task_error(slot: &mut Slot) -> Error {
        match slot.task.take() {
            Some(t) => match t.await {
                Ok(Err(e)) => e,
                Ok(Ok(())) => Error::Internal("bucket writer stopped".into()),
                Err(e) => Error::Internal(format!("bucket writer task failed: {e}")),
            },
            None => Error::Internal("bucket writer already stopped".into()),
        }
    }

    async fn open_slot(&mut self, partition: &[u8], bucket: i32) -> Result<Slot> {
        let mode = self.mode;
        let table_name = self.ctx.table.name();
        let state = self
            .restored_state()
            .await?
            .get(&(partition.to_vec(), bucket))
            .cloned()
            .unwrap_or(BucketState {
                max_sequence: -1,
                total_buckets: None,
                files: Vec::new(),
            });
        let total_buckets = match mode {
            BucketMode::Fixed(n) => {
                if let Some(existing) = state.total_buckets {
                    if existing != n && !self.overwrite {
                        return Err(Error::Invalid(format!(
                            "table '{table_name}' is configured with bucket = {n}, but a partition it writes into was written with {existing} buckets; run an INSERT OVERWRITE of that partition to rescale it first"
                        )));
                    }
                }
                n
            }
            BucketMode::Unaware | BucketMode::Dynamic => -1,
        };
        let writer: Box<dyn BucketWriter> = if self.ctx.schema.has_primary_key() {
            Box::new(merge_tree::MergeTreeWriter::new(
                self.ctx.clone(),
                partition,
                bucket,
                &state,
            )?)
        } else {
            Box::new(append::AppendWriter::new(
                self.ctx.clone(),
                partition,
                bucket,
                state.max_sequence,
            )?)
        };
        let (tx, rx) = mpsc::channel(4);
        let task = tokio::spawn(run_writer(writer, rx));
        Ok(Slot {
            tx,
            task: Some(task),
            total_buckets,
        })
    }

    /// Flushes every bucket and returns the changes since the last call (empty buckets are
    /// skipped). Writers stay open for more rows.
    ///
    /// # Errors
    /// The first bucket writer error.
    pub async fn prepare_commit(&mut self) -> Result<Vec<CommitMessage>> {
        // Buckets flush at most one per core at a time: a flush merges the bucket's spilled
        // runs and writes its files, so running all of them at once would multiply peak memory.
        // The next bucket starts as soon as one finishes (no waiting for a whole wave).
        let window = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(1);
        let mut keys: Vec<(Vec<u8>, i32)> = self.slots.keys().cloned().collect();
        keys.sort();
        let mut pending = keys.into_iter();
        let mut in_flight = FuturesUnordered::new();
        let mut increments = Vec::new();
        loop {
            while in_flight.len() < window {
                let Some(key) = pending.next() else { break };
                let slot = self
                    .slots
                    .get_mut(&key)
                    .ok_or_else(|| Error::Internal("bucket writer vanished".into()))?;
                let (tx, rx) = oneshot::channel();
                if slot.tx.send(Msg::Prepare(true, tx)).await.is_err() {
                    return Err(Self::task_error(slot).await);
                }
                let total_buckets = slot.total_buckets;
                in_flight.push(async move { (key, total_buckets, rx.await) });
            }
            let Some((key, total_buckets, reply)) = in_flight.next().await else {
                break;
            };
            let inc =
                reply.map_err(|_| Error::Internal("bucket writer dropped its reply".into()))??;
            increments.push((key, total_buckets, inc));
        }
        let mut out = Vec::new();
        for ((partition, bucket), total_buckets, inc) in increments {
            let msg = CommitMessage {
                partition,
                bucket,
                total_buckets,
                new_files: inc.new_files,
                changelog_files: inc.changelog_files,
                compact_before: inc.compact_before,
                compact_after: inc.compact_after,
                compact_changelog: inc.compact_changelog,
                new_index_files: inc.new_index_files,
                deleted_index_files: inc.deleted_index_files,
            };
            if !msg.is_empty() {
                out.push(msg);
            }
        }
        if let Some(assigner) = self.assigner.as_mut() {
            for (partition, bucket, entry, old) in assigner.flush(&self.ctx.namer).await? {
                let msg = match out
                    .iter_mut()
                    .find(|m| m.partition == partition && m.bucket == bucket)
                {
                    Some(m) => m,
                    None => {
                        out.push(CommitMessage {
                            partition: partition.clone(),
                            bucket,
                            total_buckets: -1,
                            ..Default::default()
                        });
                        out.last_mut()
                            .ok_or_else(|| Error::Internal("message vanished".into()))?
                    }
                };
                msg.new_index_files.push(entry);
                if let Some(o) = old {
                    msg.deleted_index_files.push(o);
                }
            }
        }
        out.sort_by(|a, b| (&a.partition, a.bucket).cmp(&(&b.partition, b.bucket)));
        Ok(out)
    }

    /// Stops every bucket writer (after `prepare_commit`).
    ///
    /// # Errors
    /// A bucket writer that failed.
    pub async fn close(mut self) -> Result<()> {
        let mut first_err = None;
        for (_, mut slot) in self.slots.drain() {
            drop(slot.tx);
            if let Some(t) = slot.task.take() {
                match t.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        first_err.get_or_insert(e);
                    }
                    Err(e) => {
                        first_err.get_or_insert(Error::Internal(format!(
                            "bucket writer task failed: {e}"
                        )));
                    }
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Abandons everything written and not committed, deleting those files.
    pub async fn abort(mut self) {
        for (_, mut slot) in self.slots.drain() {
            let (tx, rx) = oneshot::channel();
            if slot.tx.send(Msg::Abort(tx)).await.is_ok() {
                let _ = rx.await;
            }
            if let Some(t) = slot.task.take() {
                let _ = t.await;
            }
        }
    }

    /// Compacts one bucket (opening its writer from the latest snapshot when needed); the
    /// result is part of the next `prepare_commit`.
    ///
    /// # Errors
    /// Compaction errors.
    pub async fn compact_bucket(
        &mut self,
        partition: Vec<u8>,
        bucket: i32,
        full: bool,
    ) -> Result<()> {
        let key = (partition, bucket);
        if !self.slots.contains_key(&key) {
            let slot = self.open_slot(&key.0, bucket).await?;
            self.slots.insert(key.clone(), slot);
        }
        let slot = self
            .slots
            .get_mut(&key)
            .ok_or_else(|| Error::Internal("bucket writer vanished".into()))?;
        let (tx, rx) = oneshot::channel();
        if slot.tx.send(Msg::Compact(full, tx)).await.is_err() {
            return Err(Self::task_error(slot).await);
        }
        rx.await
            .map_err(|_| Error::Internal("bucket writer dropped its reply".into()))?
    }

    /// Compacts every open bucket writer.
    ///
    /// # Errors
    /// The first compaction error.
    pub async fn compact_open_buckets(&mut self, full: bool) -> Result<()> {
        let mut replies = Vec::new();
        for slot in self.slots.values_mut() {
            let (tx, rx) = oneshot::channel();
            if slot.tx.send(Msg::Compact(full, tx)).await.is_err() {
                return Err(Self::task_error(slot).await);
            }
            replies.push(rx);
        }
        for rx in replies {
            rx.await
                .map_err(|_| Error::Internal("bucket writer dropped its reply".into()))??;
        }
        Ok(())
    }
}

/// Matches input columns to the table schema by name, casting where the types differ and
/// refusing nulls in NOT NULL columns.
///
/// # Errors
/// [`Error::Invalid`] naming the column (and first bad row) on a mismatch.
pub fn conform(
    batch: &RecordBatch,
    target: &SchemaRef,
    fields: &[strata_spec::DataField],
) -> Result<RecordBatch> {
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(fields.len());
    for (tf, f) in target.fields().iter().zip(fields) {
        let col = batch.column_by_name(tf.name()).ok_or_else(|| {
            Error::Invalid(format!(
                "input has no column '{}' (input columns: {})",
                tf.name(),
                batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let col = if col.data_type() == tf.data_type() {
            col.clone()
        } else {
            strata_format::arrow_convert::cast_to(col, &f.data_type).map_err(|e| {
                Error::Invalid(format!(
                    "column '{}' cannot be stored as {}: {e}",
                    tf.name(),
                    f.data_type
                ))
            })?
        };
        if !f.data_type.nullable && col.null_count() > 0 {
            let row = (0..col.len()).find(|i| col.is_null(*i)).unwrap_or(0);
            return Err(Error::Invalid(format!(
                "column '{}' is NOT NULL but row {row} of the input holds null",
                tf.name()
            )));
        }
        cols.push(col);
    }
    for f in batch.schema().fields() {
        if target.field_with_name(f.name()).is_err() {
            return Err(Error::Invalid(format!(
                "input column '{}' is not a column of the table",
                f.name()
            )));
        }
    }
    RecordBatch::try_new(target.clone(), cols).map_err(arrow_err("assembling input rows"))
}

fn take_kinds(k: &Int8Array, rows: &[u32]) -> Result<Int8Array> {
    if rows.len() == k.len() {
        return Ok(k.clone());
    }
    Ok(Int8Array::from_iter_values(
        rows.iter().map(|r| k.value(*r as usize)),
    ))
}

/// Row kinds from a string column holding `+I`, `-U`, `+U`, `-D`.
///
/// # Errors
/// [`Error::Invalid`] naming the row with an unknown kind.
pub fn kinds_from_column(col: &ArrayRef, name: &str) -> Result<Int8Array> {
    use arrow_array::cast::AsArray;
    let s = arrow_cast::cast(col, &arrow_schema::DataType::Utf8)
        .map_err(arrow_err("reading row kinds"))?;
    let s = s.as_string::<i32>();
    let mut out = Vec::with_capacity(s.len());
    for i in 0..s.len() {
        if s.is_null(i) {
            return Err(Error::Invalid(format!(
                "row kind column '{name}' is null in row {i}"
            )));
        }
        let k = strata_spec::RowKind::parse(s.value(i)).ok_or_else(|| {
            Error::Invalid(format!(
                "row kind column '{name}' holds '{}' in row {i}; expected +I, -U, +U or -D",
                s.value(i)
            ))
        })?;
        out.push(k.as_byte());
    }
    Ok(Int8Array::from(out))
}
