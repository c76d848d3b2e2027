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
        f.debug_struct("Levels")
            .field("level0", &self.level0)
            .field("levels", &self.levels)
            .finish()
    }
}

/// Newest first among level-0 files: larger `_MAX_SEQUENCE_NUMBER` first; ties by smaller
/// `_MIN_SEQUENCE_NUMBER`, then earlier creation time, then file name.
pub fn level0_order(a: &DataFileMeta, b: &DataFileMeta) -> Ordering {
    b.max_sequence_number
        .cmp(&a.max_sequence_number)
        .then_with(|| a.min_sequence_number.cmp(&b.min_sequence_number))
        .then_with(|| a.creation_time.cmp(&b.creation_time))
        .then_with(|| a.file_name.cmp(&b.file_name))
}

impl Levels {
    /// Arranges `files` (any order) into `num_levels` levels.
    ///
    /// # Errors
    /// [`crate::Error::Internal`] when a file's level is ≥ `num_levels`.
    pub fn new(
        cmp: KeyComparator,
        files: Vec<DataFileMeta>,
        num_levels: usize,
    ) -> crate::Result<Self> {
        let mut levels = Levels {
            cmp,
            level0: Vec::new(),
            levels: vec![Vec::new(); num_levels.saturating_sub(1)],
        };
        for file in files {
            levels.check_level(&file, num_levels)?;
            levels.insert(file);
        }
        levels.sort();
        Ok(levels)
    }

    fn check_level(&self, file: &DataFileMeta, num_levels: usize) -> crate::Result<()> {
        if file.level < 0 || file.level as usize >= num_levels.max(1) {
            return Err(crate::Error::Internal(format!(
                "file {} has level {}, but the bucket has {num_levels} levels",
                file.file_name, file.level
            )));
        }
        Ok(())
    }

    fn insert(&mut self, file: DataFileMeta) {
        match file.level {
            l if l <= 0 => self.level0.push(file),
            l => self.levels[l as usize - 1].push(file),
        }
    }

    fn sort(&mut self) {
        self.level0.sort_by(level0_order);
        let cmp = &self.cmp;
        for level in &mut self.levels {
            level.sort_by(|a, b| {
                cmp(&a.min_key, &b.min_key).then_with(|| cmp(&a.max_key, &b.max_key))
            });
        }
    }

    /// The key comparator.
    pub fn comparator(&self) -> &KeyComparator {
        &self.cmp
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
        if let Some(i) = self.levels.iter().rposition(|l| !l.is_empty()) {
            return Some(i + 1);
        }
        (!self.level0.is_empty()).then_some(0)
    }

    /// Adds a new level-0 file.
    pub fn add_level0(&mut self, file: DataFileMeta) {
        let mut file = file;
        file.level = 0;
        let pos = self
            .level0
            .partition_point(|f| level0_order(f, &file) == Ordering::Less);
        self.level0.insert(pos, file);
    }

    /// Sorted runs newest first: each level-0 file, then each non-empty level.
    pub fn level_sorted_runs(&self) -> Vec<LevelSortedRun> {
        let mut runs: Vec<LevelSortedRun> = self
            .level0
            .iter()
            .map(|f| LevelSortedRun {
                level: 0,
                run: SortedRun {
                    files: vec![f.clone()],
                },
            })
            .collect();
        for (i, files) in self.levels.iter().enumerate() {
            if !files.is_empty() {
                runs.push(LevelSortedRun {
                    level: i + 1,
                    run: SortedRun {
                        files: files.clone(),
                    },
                });
            }
        }
        runs
    }

    /// Number of sorted runs.
    pub fn num_sorted_runs(&self) -> usize {
        self.level0.len() + self.levels.iter().filter(|l| !l.is_empty()).count()
    }

    /// Number of level-0 files.
    pub fn level0_count(&self) -> usize {
        self.level0.len()
    }

    /// The files of one level (level 0 newest first, other levels in key order).
    pub fn files_of_level(&self, level: usize) -> &[DataFileMeta] {
        match level {
            0 => &self.level0,
            l => self.levels.get(l - 1).map(Vec::as_slice).unwrap_or(&[]),
        }
    }

    /// Replaces compaction inputs by outputs (files matched by name and level).
    ///
    /// # Errors
    /// [`crate::Error::Internal`] when an input is not present.
    pub fn update(&mut self, before: &[DataFileMeta], after: &[DataFileMeta]) -> crate::Result<()> {
        let num_levels = self.num_levels();
        for file in after {
            self.check_level(file, num_levels)?;
        }
        for file in before {
            let list = match file.level {
                l if l <= 0 => &mut self.level0,
                l => self.levels.get_mut(l as usize - 1).ok_or_else(|| {
                    crate::Error::Internal(format!(
                        "compaction input {} has level {}, but the bucket has {num_levels} levels",
                        file.file_name, file.level
                    ))
                })?,
            };
            let pos = list
                .iter()
                .position(|f| f.file_name == file.file_name)
                .ok_or_else(|| {
                    crate::Error::Internal(format!(
                        "compaction input {} is not at level {} of the bucket",
                        file.file_name, file.level
                    ))
                })?;
            list.remove(pos);
        }
        for file in after {
            self.insert(file.clone());
        }
        self.sort();
        Ok(())
    }

    /// Every file.
    pub fn all_files(&self) -> Vec<DataFileMeta> {
        self.level0
            .iter()
            .chain(self.levels.iter().flatten())
            .cloned()
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use strata_spec::SimpleStats;

    /// A comparator over keys encoded as big-endian bytes (tests).
    pub(crate) fn bytes_cmp() -> KeyComparator {
        Arc::new(|a: &[u8], b: &[u8]| a.cmp(b))
    }

    /// A file with integer key range `[min, max]` (big-endian bytes), size and sequence range.
    pub(crate) fn file(
        name: &str,
        level: i32,
        min: u32,
        max: u32,
        size: i64,
        seq: (i64, i64),
    ) -> DataFileMeta {
        DataFileMeta {
            file_name: name.to_string(),
            file_size: size,
            row_count: 1,
            min_key: min.to_be_bytes().to_vec(),
            max_key: max.to_be_bytes().to_vec(),
            key_stats: SimpleStats::empty(),
            value_stats: SimpleStats::empty(),
            min_sequence_number: seq.0,
            max_sequence_number: seq.1,
            schema_id: 0,
            level,
            extra_files: vec![],
            creation_time: Some(0),
            delete_row_count: Some(0),
            embedded_index: None,
            file_source: None,
            value_stats_cols: None,
            external_path: None,
            first_row_id: None,
            write_cols: None,
        }
    }

    #[test]
    fn arranges_and_updates() {
        let files = vec![
            file("a", 0, 0, 10, 1, (0, 5)),
            file("b", 0, 0, 10, 1, (6, 9)),
            file("c", 3, 20, 30, 1, (0, 1)),
            file("d", 3, 0, 10, 1, (0, 1)),
            file("e", 5, 0, 100, 1, (0, 1)),
        ];
        let mut levels = Levels::new(bytes_cmp(), files, 6).unwrap();
        assert_eq!(levels.num_levels(), 6);
        assert_eq!(levels.max_level(), 5);
        assert_eq!(levels.non_empty_highest_level(), Some(5));
        let runs = levels.level_sorted_runs();
        let names: Vec<Vec<&str>> = runs
            .iter()
            .map(|r| r.run.files.iter().map(|f| f.file_name.as_str()).collect())
            .collect();
        assert_eq!(names, vec![vec!["b"], vec!["a"], vec!["d", "c"], vec!["e"]]);
        assert_eq!(
            runs.iter().map(|r| r.level).collect::<Vec<_>>(),
            vec![0, 0, 3, 5]
        );
        assert_eq!(levels.num_sorted_runs(), 4);
        levels.add_level0(file("f", 0, 0, 1, 1, (10, 11)));
        assert_eq!(levels.level_sorted_runs()[0].run.files[0].file_name, "f");
        let before = levels.all_files();
        let merged = file("g", 5, 0, 100, 3, (0, 11));
        levels
            .update(&before, std::slice::from_ref(&merged))
            .unwrap();
        assert_eq!(levels.all_files(), vec![merged.clone()]);
        assert!(levels.update(&before, &[]).is_err());
        assert!(Levels::new(bytes_cmp(), vec![file("x", 6, 0, 1, 1, (0, 0))], 6).is_err());
    }
}
