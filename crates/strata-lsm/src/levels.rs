//! The files of one bucket arranged as an LSM tree (spec §7.7): level 0 holds one sorted run
//! per file (newest first by `_MAX_SEQUENCE_NUMBER`); every level ≥ 1 is one sorted run of
//! key-disjoint files ordered by min key.
//!
//! Reference: `Levels`, `SortedRun`, `LevelSortedRun` (Paimon 0.9).

use std::cmp::Ordering;
use std::sync::Arc;

use strata_spec::DataFileMeta;

/// Compares two serialized key BinaryRows (`_MIN_KEY` / `_MAX_KEY`) in Paimon order.
pub type KeyComparator = Arc<dyn Fn(&[u8], &[u8]) -> Ordering + Send + Sync>;

/// Key-disjoint files ordered by key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedRun {
    /// The files.
    pub files: Vec<DataFileMeta>,
}

impl SortedRun {
    /// Total bytes.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.file_size.max(0) as u64).sum()
    }
}

/// A sorted run with its level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelSortedRun {
    /// Level.
    pub level: usize,
    /// The run.
    pub run: SortedRun,
}

/// Files of one bucket by level.
#[derive(Clone)]
pub struct Levels {
    cmp: KeyComparator,
    level0: Vec<DataFileMeta>,
    levels: Vec<Vec<DataFileMeta>>,
}

impl std::fmt::Debug for Levels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Levels").field("level0", &self.level0).field("levels", &self.levels).finish()
    }
}

impl Levels {
    /// Arranges `files` (any order) into `num_levels` levels.
    ///
    /// # Errors
    /// [`crate::Error::Internal`] when a file's level is ≥ `num_levels`.
    pub fn new(cmp: KeyComparator, files: Vec<DataFileMeta>, num_levels: usize) -> crate::Result<Self> {
        todo!("{} {num_levels} {:?}", files.len(), cmp(&[], &[]))
    }

    /// Number of levels (max level + 1).
    pub fn num_levels(&self) -> usize {
        self.levels.len() + 1
    }

    /// Highest level number.
    pub fn max_level(&self) -> usize {
        self.levels.len()
    }

    /// Highest level holding files (`None` when empty).
    pub fn non_empty_highest_level(&self) -> Option<usize> {
        todo!("{}", self.level0.len())
    }

    /// Adds a new level-0 file.
    pub fn add_level0(&mut self, file: DataFileMeta) {
        todo!("{}", file.file_name)
    }

    /// Sorted runs newest first: each level-0 file, then each non-empty level.
    pub fn level_sorted_runs(&self) -> Vec<LevelSortedRun> {
        todo!()
    }

    /// Number of sorted runs.
    pub fn num_sorted_runs(&self) -> usize {
        self.level_sorted_runs().len()
    }

    /// Number of level-0 files.
    pub fn level0_count(&self) -> usize {
        self.level0.len()
    }

    /// Replaces compaction inputs by outputs (files matched by name and level).
    ///
    /// # Errors
    /// [`crate::Error::Internal`] when an input is not present.
    pub fn update(&mut self, before: &[DataFileMeta], after: &[DataFileMeta]) -> crate::Result<()> {
        todo!("{} {}", before.len(), after.len())
    }

    /// Every file.
    pub fn all_files(&self) -> Vec<DataFileMeta> {
        todo!()
    }
}
