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
//!
//! How the work is done: the pick engines (deduplicate, first-row) choose one input row per
//! group and gather every column with `interleave`. Partial-update and aggregation read each
//! value column in merged order straight from the input batches (`columns::Merged`); per-field
//! kernels either pick one row per group (then gathered with `interleave`) or fold typed values
//! into Arrow builders. Inputs without retractions (the common case, checked once per merge)
//! take a fast path that skips per-row kinds and, for partial-update, resolves each sequence
//! group and field in its own pass. Key columns and `_SEQUENCE_NUMBER` of the output come from
//! the group's newest row.
//!
//! Deviations from Java worth knowing: first-row keeps the oldest row whole (its own sequence
//! number, as Java does); a group whose rows are all ignored (`ignore-delete`) produces nothing.

mod columns;
mod deduplicate;
mod first_row;
mod partial_update;

pub mod aggregate;

use std::sync::Arc;

use arrow_array::RecordBatch;
use strata_spec::options::MergeEngine;
use strata_spec::CoreOptions;

use crate::error::{Error, Result};
use crate::kv::KvSchema;

pub use deduplicate::Deduplicate;
pub use first_row::FirstRow;
pub use partial_update::PartialUpdate;

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
    let ignore_delete = options.ignore_delete().map_err(config)?;
    Ok(match engine {
        MergeEngine::Deduplicate => Arc::new(Deduplicate { ignore_delete }),
        MergeEngine::FirstRow => {
            if !schema.sequence_fields.is_empty() {
                return Err(Error::Config(
                    "sequence.field is not supported by the first-row merge engine".into(),
                ));
            }
            Arc::new(FirstRow { ignore_delete })
        }
        MergeEngine::PartialUpdate => Arc::new(PartialUpdate::new(options, schema)?),
        MergeEngine::Aggregation => Arc::new(aggregate::Aggregation::new(options, schema)?),
    })
}

/// A configuration error from an option parser.
pub(crate) fn config(e: strata_spec::Error) -> Error {
    Error::Config(e.to_string())
}

/// Iterates the (start, end) ranges of the groups of `input`.
pub(crate) fn group_ranges(group_ends: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    group_ends.iter().map(move |&end| {
        let range = (start, end);
        start = end;
        range
    })
}

#[cfg(test)]
mod assoc_tests;
#[cfg(test)]
pub(crate) mod tests;
