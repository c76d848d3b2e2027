//! Sections and sorted runs of a set of files (spec §7.8 steps 2–3): files sorted by
//! (min key, max key) are cut into sections whenever a file starts after every key seen so far;
//! inside a section files are packed greedily into key-disjoint sorted runs. Files of different
//! sections never share a key, so sections can be merged independently and concatenated.
//!
//! Reference: `IntervalPartition` (Paimon 0.9).

use strata_spec::DataFileMeta;

use crate::levels::{KeyComparator, SortedRun};

/// Splits files into sections of sorted runs, sections in key order.
pub fn interval_partition(files: &[DataFileMeta], cmp: &KeyComparator) -> Vec<Vec<SortedRun>> {
    todo!("{} {:?}", files.len(), cmp(&[], &[]))
}
