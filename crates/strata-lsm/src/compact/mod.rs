//! Choosing and planning compactions of one bucket. Deciding is pure ([`CompactStrategy`]);
//! doing (reading, merging, writing files) is the caller's job, guided by [`plan_rewrite`].

pub mod universal;

use strata_spec::DataFileMeta;

use crate::levels::{KeyComparator, LevelSortedRun, SortedRun};

/// Files to compact together and where the result goes.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactUnit {
    /// Output level.
    pub output_level: usize,
    /// Input files (all files of the picked runs).
    pub files: Vec<DataFileMeta>,
}

/// A compaction policy.
pub trait CompactStrategy: Send + Sync {
    /// Picks runs to compact, or `None`. `runs` come newest first.
    fn pick(&self, num_levels: usize, runs: &[LevelSortedRun]) -> Option<CompactUnit>;
}

/// Everything into the max level (a full compaction), unless the bucket already is one run at
/// the max level (then `None`; with `force`, still `None` when that run is a single file).
pub fn full_compaction(num_levels: usize, runs: &[LevelSortedRun]) -> Option<CompactUnit> {
    todo!("{num_levels} {}", runs.len())
}

/// One step of executing a compaction unit (spec §12.2).
#[derive(Debug, Clone, PartialEq)]
pub enum RewriteStep {
    /// Move a file to the output level without rewriting it.
    Upgrade(DataFileMeta),
    /// Merge these sorted runs and write new files at the output level.
    Rewrite(Vec<SortedRun>),
}

/// Plans a compaction unit: sections of the inputs (see [`crate::interval`]); single-run
/// sections of large files are upgraded, everything else is rewritten (small files are
/// collected with neighbouring sections); a file with (possible) retracts going to the max
/// level is rewritten so the retracts can be dropped. A unit of one file already at the output
/// level yields no steps.
pub fn plan_rewrite(
    unit: &CompactUnit,
    cmp: &KeyComparator,
    small_file_size: u64,
    max_level: usize,
) -> Vec<RewriteStep> {
    todo!("{} {small_file_size} {max_level} {:?}", unit.files.len(), cmp(&[], &[]))
}
