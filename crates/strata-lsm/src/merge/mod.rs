//! Merge engines: how the versions of one primary key become the visible row (spec §8).
//!
//! A merge works on *groups*: the input is a list of rows (addressed by batch and row index) in
//! merged order — key ascending, then sequence — where consecutive rows with the same key form
//! a group, oldest version first. The engine returns one output row per group (or none), in the
//! key-value layout, with its row kind and the sequence number of the newest version.
//!
//! Every engine must be *associative across run boundaries*: merging all versions at once equals
//! merging consecutive sub-groups first and then merging the partial results (compaction merges
//! some runs long before a reader merges the rest). A shared property test checks this.
//!
//! Engines:
//! * `deduplicate`: the newest version wins (its row kind included);
//! * `first-row`: the oldest version wins; retracts are an error unless `ignore-delete`;
//! * `partial-update`: non-null fields of newer versions overwrite (sequence groups, …);
//! * `aggregation`: per-field aggregate functions.

use std::sync::Arc;

use arrow_array::RecordBatch;
use strata_spec::options::MergeEngine;
use strata_spec::CoreOptions;

use crate::error::Result;
use crate::kv::KvSchema;

/// Rows to merge, grouped by key.
#[derive(Debug, Clone, Copy)]
pub struct MergeInput<'a> {
    /// Layout of every batch.
    pub schema: &'a KvSchema,
    /// Source batches (key-value layout).
    pub batches: &'a [RecordBatch],
    /// (batch index, row index) of each input row, in merged order.
    pub order: &'a [(usize, usize)],
    /// Exclusive end offsets into `order` of each key group (ascending, last = `order.len()`).
    pub group_ends: &'a [usize],
    /// Drop results whose row kind is a retract (-U/-D): true when nothing older can exist
    /// below the output (reads, and compaction into the highest non-empty level).
    pub drop_retracts: bool,
}

/// Folds the versions of each key.
pub trait MergeFunction: Send + Sync + std::fmt::Debug {
    /// One output row per group (groups whose result is dropped produce none), key-value
    /// layout, in group order.
    ///
    /// # Errors
    /// [`crate::Error::Merge`] naming the field and function when the input cannot be merged.
    fn merge(&self, input: &MergeInput<'_>) -> Result<RecordBatch>;

    /// Whether the result of a group depends only on its newest row (deduplicate): lets the
    /// write buffer and readers skip materialising older versions.
    fn newest_wins(&self) -> bool {
        false
    }
}

/// The merge function of a table.
///
/// # Errors
/// [`crate::Error::Config`] for unknown or inapplicable aggregate functions and options.
pub fn merge_function(
    engine: MergeEngine,
    options: &CoreOptions,
    schema: &KvSchema,
) -> Result<Arc<dyn MergeFunction>> {
    todo!("{engine:?} {} {}", options.map().len(), schema.num_keys())
}
