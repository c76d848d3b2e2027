//! K-way merge of sorted runs of key-value batches.
//!
//! Each run is a stream of batches sorted by key with at most one row per key (a data file, a
//! level, a spilled buffer run). Keys are encoded with Arrow's row format per batch; a loser
//! tree (or heap) picks the smallest (key, sequence fields, `_SEQUENCE_NUMBER`) across runs,
//! taking whole stretches from one run while it stays smallest; equal keys form a group that
//! the merge function folds; output is gathered by index.
//!
//! Memory: one batch per run plus one output batch.

use std::sync::Arc;

use arrow_array::RecordBatch;
use futures::stream::BoxStream;

use crate::error::Result;
use crate::kv::KvSchema;
use crate::merge::MergeFunction;

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
    todo!(
        "{} {} {merge:?} {drop_retracts} {batch_size}",
        schema.num_keys(),
        runs.len()
    )
}
