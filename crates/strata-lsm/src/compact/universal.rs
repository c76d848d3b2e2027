//! Size-tiered ("universal") choice of which sorted runs to merge (spec §12.1), inspired by
//! RocksDB. Pure: looks at run sizes and levels only.
//!
//! Invariants of every returned unit: its inputs are a newest-first prefix of the runs; the
//! output level is ≥ the highest input level and is the max level when all runs are inputs.
//!
//! Reference: `UniversalCompaction` (Paimon 0.9).

use super::{CompactStrategy, CompactUnit};
use crate::levels::LevelSortedRun;

/// Universal compaction settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniversalCompaction {
    /// `compaction.max-size-amplification-percent`
    pub max_size_amp_percent: u64,
    /// `compaction.size-ratio`
    pub size_ratio_percent: u64,
    /// `num-sorted-run.compaction-trigger`
    pub num_run_trigger: usize,
}

impl CompactStrategy for UniversalCompaction {
    fn pick(&self, num_levels: usize, runs: &[LevelSortedRun]) -> Option<CompactUnit> {
        todo!("{num_levels} {} {self:?}", runs.len())
    }
}
