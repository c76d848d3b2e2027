//! `deduplicate` (spec §8.1): the newest version of a key wins, its row kind included; with
//! `ignore-delete` retracts are skipped (the newest add wins, nothing if there is none).

use arrow_array::RecordBatch;

use super::columns::{kind_arrays, pick_rows, row_kind};
use super::{group_ranges, MergeFunction, MergeInput};
use crate::error::Result;

/// The deduplicate engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deduplicate {
    /// Skip retract rows.
    pub ignore_delete: bool,
}

impl MergeFunction for Deduplicate {
    fn merge(&self, input: &MergeInput<'_>) -> Result<RecordBatch> {
        let kinds = kind_arrays(input)?;
        let kind_at = |i: usize| {
            let (b, r) = input.order[i];
            row_kind(kinds[b].value(r))
        };
        let mut rows = Vec::with_capacity(input.group_ends.len());
        for (start, end) in group_ranges(input.group_ends) {
            let mut pick = None;
            for i in (start..end).rev() {
                if !self.ignore_delete || !kind_at(i)?.is_retract() {
                    pick = Some(i);
                    break;
                }
            }
            let Some(i) = pick else { continue };
            if input.drop_retracts && kind_at(i)?.is_retract() {
                continue;
            }
            rows.push(input.order[i]);
        }
        pick_rows(input, &rows)
    }

    fn newest_wins(&self) -> bool {
        !self.ignore_delete
    }
}
