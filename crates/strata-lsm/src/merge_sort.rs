//! K-way merge of sorted runs of key-value batches.
//!
//! Each run is a stream of batches sorted by key with at most one row per key (a data file, a
//! level, a spilled buffer run). Keys are encoded with Arrow's row format per batch (one
//! converter for the whole merge, so encoded keys compare across batches and runs); the run
//! with the smallest head key is found by scanning the run heads, and while it stays smallest
//! its whole stretch of keys below every other head is taken at once (galloping search for the
//! boundary) instead of row by row. Equal keys form a group, ordered by (sequence fields,
//! `_SEQUENCE_NUMBER`); the merge function folds each chunk of at most `batch_size` groups and
//! its output is gathered by index.
//!
//! ```text
//! runs ─▶ head batches (+ encoded keys) ─▶ (batch, row) order + group ends ─▶ MergeFunction ─▶ batch
//! ```
//!
//! A single run needs no merging: its batches pass through (retracts filtered when asked) for
//! newest-wins engines, other engines fold each batch's single-row groups.
//!
//! Memory: one batch per run plus one output batch.

use std::cmp::Ordering;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, Int8Type};
use arrow_array::{ArrayRef, BooleanArray, Int64Array, RecordBatch};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::SortOptions;
use futures::stream::{self, BoxStream};
use futures::StreamExt;
use strata_spec::RowKind;

use crate::error::{Error, Result};
use crate::kv::KvSchema;
use crate::merge::{MergeFunction, MergeInput};

/// Merges sorted runs into one sorted stream with one row per key (the merge function's
/// result). `drop_retracts` removes -U/-D results (see [`crate::merge::MergeInput`]).
/// Output batches have at most `batch_size` rows.
pub fn merge_runs(
    schema: Arc<KvSchema>,
    runs: Vec<BoxStream<'static, Result<RecordBatch>>>,
    merge: Arc<dyn MergeFunction>,
    drop_retracts: bool,
    batch_size: usize,
) -> BoxStream<'static, Result<RecordBatch>> {
    let batch_size = batch_size.max(1);
    let mut runs = runs;
    if runs.len() <= 1 {
        let Some(run) = runs.pop() else {
            return stream::empty().boxed();
        };
        return single_run(schema, run, merge, drop_retracts, batch_size);
    }
    let merger = match Merger::new(schema, runs, merge, drop_retracts, batch_size) {
        Ok(m) => m,
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    stream::unfold(Some(merger), |state| async move {
        let mut merger = state?;
        match merger.next_batch().await {
            Ok(Some(batch)) => Some((Ok(batch), Some(merger))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed()
}

fn arrow_err(context: &'static str) -> impl FnOnce(arrow_schema::ArrowError) -> Error {
    move |source| Error::Arrow {
        context: context.to_string(),
        source,
    }
}

/// Splits a batch into slices of at most `batch_size` rows.
fn split(batch: RecordBatch, batch_size: usize) -> Vec<RecordBatch> {
    if batch.num_rows() <= batch_size {
        return vec![batch];
    }
    (0..batch.num_rows())
        .step_by(batch_size)
        .map(|start| batch.slice(start, batch_size.min(batch.num_rows() - start)))
        .collect()
}

/// Keeps the rows that are not retracts.
pub(crate) fn drop_retract_rows(schema: &KvSchema, batch: &RecordBatch) -> Result<RecordBatch> {
    let kinds = batch
        .columns()
        .get(schema.kind_col())
        .and_then(|c| c.as_primitive_opt::<Int8Type>())
        .ok_or_else(|| Error::Internal("a merge input has no _VALUE_KIND column".into()))?;
    let keep: BooleanArray = kinds
        .iter()
        .map(|k| {
            Some(
                !k.and_then(RowKind::from_byte)
                    .is_some_and(RowKind::is_retract),
            )
        })
        .collect();
    if keep.true_count() == batch.num_rows() {
        return Ok(batch.clone());
    }
    arrow_select::filter::filter_record_batch(batch, &keep).map_err(arrow_err("dropping retracts"))
}

/// One run: nothing to merge across runs.
fn single_run(
    schema: Arc<KvSchema>,
    run: BoxStream<'static, Result<RecordBatch>>,
    merge: Arc<dyn MergeFunction>,
    drop_retracts: bool,
    batch_size: usize,
) -> BoxStream<'static, Result<RecordBatch>> {
    run.map(move |batch| -> Result<Vec<Result<RecordBatch>>> {
        let batch = batch?;
        let out = if merge.newest_wins() {
            if drop_retracts {
                drop_retract_rows(&schema, &batch)?
            } else {
                batch
            }
        } else {
            let n = batch.num_rows();
            let order: Vec<(usize, usize)> = (0..n).map(|i| (0, i)).collect();
            let group_ends: Vec<usize> = (1..=n).collect();
            merge.merge(&MergeInput {
                schema: &schema,
                batches: std::slice::from_ref(&batch),
                order: &order,
                group_ends: &group_ends,
                drop_retracts,
            })?
        };
        Ok(split(out, batch_size)
            .into_iter()
            .filter(|b| b.num_rows() > 0)
            .map(Ok)
            .collect())
    })
    .flat_map(|r| match r {
        Ok(batches) => stream::iter(batches),
        Err(e) => stream::iter(vec![Err(e)]),
    })
    .boxed()
}

/// How versions of one key are ordered after the key.
enum Tie {
    /// `_SEQUENCE_NUMBER` only.
    Seq(Int64Array),
    /// Encoded (sequence fields, `_SEQUENCE_NUMBER`).
    Rows(Rows),
}

/// The current batch of a run with its encoded keys.
struct Head {
    batch: RecordBatch,
    keys: Rows,
    tie: Tie,
    /// Index of the batch in the current chunk, once one of its rows was taken.
    chunk_idx: Option<usize>,
}

struct Run {
    stream: BoxStream<'static, Result<RecordBatch>>,
    head: Option<Head>,
    pos: usize,
    done: bool,
}

struct Merger {
    schema: Arc<KvSchema>,
    merge: Arc<dyn MergeFunction>,
    drop_retracts: bool,
    batch_size: usize,
    keys: RowConverter,
    ties: Option<RowConverter>,
    runs: Vec<Run>,
    chunk: Vec<RecordBatch>,
    order: Vec<(usize, usize)>,
    group_ends: Vec<usize>,
}

impl Merger {
    fn new(
        schema: Arc<KvSchema>,
        runs: Vec<BoxStream<'static, Result<RecordBatch>>>,
        merge: Arc<dyn MergeFunction>,
        drop_retracts: bool,
        batch_size: usize,
    ) -> Result<Self> {
        let arrow = schema.arrow_schema();
        let keys = RowConverter::new(
            (0..schema.num_keys())
                .map(|k| SortField::new(arrow.field(k).data_type().clone()))
                .collect(),
        )
        .map_err(arrow_err("encoding keys"))?;
        let ties = if schema.sequence_fields.is_empty() {
            None
        } else {
            let options = SortOptions {
                descending: schema.sequence_descending,
                nulls_first: true,
            };
            let mut fields: Vec<SortField> = schema
                .sequence_fields
                .iter()
                .map(|&f| {
                    SortField::new_with_options(
                        arrow.field(schema.value_col(f)).data_type().clone(),
                        options,
                    )
                })
                .collect();
            fields.push(SortField::new(arrow_schema::DataType::Int64));
            Some(RowConverter::new(fields).map_err(arrow_err("encoding sequence fields"))?)
        };
        Ok(Merger {
            schema,
            merge,
            drop_retracts,
            batch_size,
            keys,
            ties,
            runs: runs
                .into_iter()
                .map(|stream| Run {
                    stream,
                    head: None,
                    pos: 0,
                    done: false,
                })
                .collect(),
            chunk: Vec::new(),
            order: Vec::new(),
            group_ends: Vec::new(),
        })
    }

    /// Makes sure every unfinished run has a current row.
    async fn fill_heads(&mut self) -> Result<()> {
        for i in 0..self.runs.len() {
            loop {
                let run = &mut self.runs[i];
                if run.done
                    || run
                        .head
                        .as_ref()
                        .is_some_and(|h| run.pos < h.batch.num_rows())
                {
                    break;
                }
                match run.stream.next().await {
                    None => {
                        run.done = true;
                        run.head = None;
                    }
                    Some(batch) => {
                        let batch = batch?;
                        if batch.num_rows() == 0 {
                            continue;
                        }
                        let head = self.encode(batch)?;
                        let run = &mut self.runs[i];
                        run.head = Some(head);
                        run.pos = 0;
                    }
                }
            }
        }
        Ok(())
    }

    fn encode(&self, batch: RecordBatch) -> Result<Head> {
        let n_keys = self.schema.num_keys();
        if batch.num_columns() < self.schema.num_columns() {
            return Err(Error::Internal(format!(
                "a sorted run has {} columns, the key-value layout {}",
                batch.num_columns(),
                self.schema.num_columns()
            )));
        }
        let keys = self
            .keys
            .convert_columns(&batch.columns()[..n_keys])
            .map_err(arrow_err("encoding keys"))?;
        let seq = batch.column(self.schema.seq_col());
        let tie = match &self.ties {
            None => Tie::Seq(
                seq.as_primitive_opt::<Int64Type>()
                    .ok_or_else(|| Error::Internal("_SEQUENCE_NUMBER is not Int64".into()))?
                    .clone(),
            ),
            Some(converter) => {
                let mut cols: Vec<ArrayRef> = self
                    .schema
                    .sequence_fields
                    .iter()
                    .map(|&f| batch.column(self.schema.value_col(f)).clone())
                    .collect();
                cols.push(seq.clone());
                Tie::Rows(
                    converter
                        .convert_columns(&cols)
                        .map_err(arrow_err("encoding sequence fields"))?,
                )
            }
        };
        Ok(Head {
            batch,
            keys,
            tie,
            chunk_idx: None,
        })
    }

    /// (batch index in the chunk, row) of run `r`'s current row.
    fn take(&mut self, r: usize) -> (usize, usize) {
        let run = &mut self.runs[r];
        let pos = run.pos;
        let Some(head) = run.head.as_mut() else {
            return (usize::MAX, pos);
        };
        let idx = *head.chunk_idx.get_or_insert_with(|| {
            self.chunk.push(head.batch.clone());
            self.chunk.len() - 1
        });
        (idx, pos)
    }

    fn head_key(&self, r: usize) -> Option<arrow_row::Row<'_>> {
        let run = &self.runs[r];
        run.head
            .as_ref()
            .filter(|_| !run.done)
            .map(|h| h.keys.row(run.pos))
    }

    fn tie_cmp(&self, a: usize, b: usize) -> Ordering {
        let (ra, rb) = (&self.runs[a], &self.runs[b]);
        match (ra.head.as_ref(), rb.head.as_ref()) {
            (Some(ha), Some(hb)) => match (&ha.tie, &hb.tie) {
                (Tie::Seq(x), Tie::Seq(y)) => x.value(ra.pos).cmp(&y.value(rb.pos)),
                (Tie::Rows(x), Tie::Rows(y)) => x.row(ra.pos).cmp(&y.row(rb.pos)),
                _ => Ordering::Equal,
            },
            _ => Ordering::Equal,
        }
    }

    /// Collects up to `batch_size` groups into `order` / `group_ends`.
    async fn collect_chunk(&mut self) -> Result<()> {
        let mut equal: Vec<usize> = Vec::new();
        while self.group_ends.len() < self.batch_size {
            self.fill_heads().await?;
            // the smallest head key and the runs holding it
            equal.clear();
            let mut min: Option<usize> = None;
            for r in 0..self.runs.len() {
                let Some(key) = self.head_key(r) else {
                    continue;
                };
                match min.and_then(|m| self.head_key(m)).map(|m| key.cmp(&m)) {
                    None | Some(Ordering::Less) => {
                        min = Some(r);
                        equal.clear();
                        equal.push(r);
                    }
                    Some(Ordering::Equal) => equal.push(r),
                    Some(Ordering::Greater) => {}
                }
            }
            let Some(m) = min else { break };
            if equal.len() == 1 {
                self.take_stretch(m);
            } else {
                equal.sort_by(|&a, &b| self.tie_cmp(a, b));
                for &r in &equal {
                    let at = self.take(r);
                    self.order.push(at);
                    self.runs[r].pos += 1;
                }
                self.group_ends.push(self.order.len());
            }
        }
        Ok(())
    }

    /// Takes the rows of run `m` whose keys are below every other run's head.
    fn take_stretch(&mut self, m: usize) {
        let mut bound: Option<arrow_row::Row<'_>> = None;
        for r in (0..self.runs.len()).filter(|&r| r != m) {
            if let Some(key) = self.head_key(r) {
                if bound.is_none_or(|b| key < b) {
                    bound = Some(key);
                }
            }
        }
        let run = &self.runs[m];
        let Some(head) = run.head.as_ref() else {
            return;
        };
        let len = head.batch.num_rows();
        let limit = len.min(run.pos + (self.batch_size - self.group_ends.len()));
        let end = match bound {
            None => limit,
            Some(bound) => {
                // gallop, then binary search for the first key ≥ bound
                let below = |i: usize| head.keys.row(i) < bound;
                let mut lo = run.pos + 1;
                let mut step = 1;
                let mut hi = lo;
                while hi < limit && below(hi) {
                    lo = hi + 1;
                    hi += step;
                    step *= 2;
                }
                let mut hi = hi.min(limit);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if below(mid) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo.min(limit)
            }
        };
        let (idx, start) = self.take(m);
        for i in start..end {
            self.order.push((idx, i));
            self.group_ends.push(self.order.len());
        }
        self.runs[m].pos = end;
    }

    /// The next non-empty output batch, `None` at the end.
    async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            self.collect_chunk().await?;
            if self.group_ends.is_empty() {
                return Ok(None);
            }
            let out = self.merge.merge(&MergeInput {
                schema: &self.schema,
                batches: &self.chunk,
                order: &self.order,
                group_ends: &self.group_ends,
                drop_retracts: self.drop_retracts,
            })?;
            self.order.clear();
            self.group_ends.clear();
            self.chunk.clear();
            for run in &mut self.runs {
                if let Some(head) = run.head.as_mut() {
                    head.chunk_idx = None;
                }
            }
            if out.num_rows() > 0 {
                return Ok(Some(out));
            }
        }
    }
}

#[cfg(test)]
mod tests;
