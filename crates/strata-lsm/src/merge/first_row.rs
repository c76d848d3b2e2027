//! `first-row` (spec §8.4): the oldest version of a key wins (kept whole, with its own
//! sequence number, as Java keeps the first `KeyValue`). A retract is an error naming the key
//! unless `ignore-delete`, in which case it is skipped. Results are never retracts.

use arrow_array::RecordBatch;

use super::columns::{describe_key, kind_arrays, pick_rows, row_kind};
use super::{group_ranges, MergeFunction, MergeInput};
use crate::error::{Error, Result};

/// The first-row engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstRow {
    /// Skip retract rows instead of failing.
    pub ignore_delete: bool,
}

impl MergeFunction for FirstRow {
    fn merge(&self, input: &MergeInput<'_>) -> Result<RecordBatch> {
        let kinds = kind_arrays(input)?;
        let mut rows = Vec::with_capacity(input.group_ends.len());
        for (start, end) in group_ranges(input.group_ends) {
            let mut first = None;
            for &(b, r) in &input.order[start..end] {
                let kind = row_kind(kinds[b].value(r))?;
                if kind.is_retract() {
                    if self.ignore_delete {
                        continue;
                    }
                    return Err(Error::Merge(format!(
                        "the first-row merge engine cannot accept {} records (key {}); set \
                         'ignore-delete' = 'true' to ignore them",
                        kind.short_string(),
                        describe_key(input, (b, r))
                    )));
                }
                if first.is_none() {
                    first = Some((b, r));
                    if self.ignore_delete {
                        // later retracts are skipped anyway: no need to look at them
                        break;
                    }
                }
            }
            rows.extend(first);
        }
        pick_rows(input, &rows)
    }
}
