//! Choosing and planning compactions of one bucket. Deciding is pure ([`CompactStrategy`]);
//! doing (reading, merging, writing files) is the caller's job, guided by [`plan_rewrite`].
//!
//! ```text
//! Levels::level_sorted_runs ─▶ CompactStrategy::pick / full_compaction ─▶ CompactUnit
//! CompactUnit ─▶ plan_rewrite ─▶ [Upgrade(file) | Rewrite(sorted runs)]   (spec §12.2)
//! Rewrite(runs) ─▶ caller: merge_runs(.., drop_retracts(output level, highest level)) ─▶ files
//! ```

pub mod universal;

use strata_spec::DataFileMeta;

use crate::interval::interval_partition;
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
    let max_level = num_levels.saturating_sub(1);
    match runs {
        [] => None,
        [only] if only.level == max_level => None,
        _ => Some(CompactUnit {
            output_level: max_level,
            files: runs
                .iter()
                .flat_map(|r| r.run.files.iter().cloned())
                .collect(),
        }),
    }
}

/// Whether a compaction writing `output_level` may drop retract results (spec §12.2 step 4):
/// only when nothing older can exist below it — the output level is ≥ the highest non-empty
/// level of the bucket — and it is not level 0.
pub fn drop_retracts(output_level: usize, non_empty_highest_level: Option<usize>) -> bool {
    output_level != 0 && non_empty_highest_level.is_none_or(|h| output_level >= h)
}

/// One step of executing a compaction unit (spec §12.2).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // the public shape is a contract of strata-core
pub enum RewriteStep {
    /// Move a file to the output level without rewriting it. The file is given as it is in
    /// the bucket (with its current level); the caller records it at the unit's output level.
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
    let mut plan = Planner {
        output_level: unit.output_level,
        max_level,
        steps: Vec::new(),
        candidate: Vec::new(),
    };
    for section in interval_partition(&unit.files, cmp) {
        if section.len() > 1 {
            plan.candidate.push(section);
            continue;
        }
        for run in section {
            for file in run.files {
                if (file.file_size.max(0) as u64) < small_file_size {
                    plan.candidate.push(vec![SortedRun { files: vec![file] }]);
                } else {
                    plan.flush();
                    plan.upgrade(file);
                }
            }
        }
    }
    plan.flush();
    plan.steps
}

struct Planner {
    output_level: usize,
    max_level: usize,
    steps: Vec<RewriteStep>,
    /// Collected sections (in key order) to rewrite together.
    candidate: Vec<Vec<SortedRun>>,
}

impl Planner {
    fn upgrade(&mut self, file: DataFileMeta) {
        if file.level as usize == self.output_level {
            return;
        }
        if self.output_level != self.max_level || !file.may_have_retracts() {
            self.steps.push(RewriteStep::Upgrade(file));
        } else {
            // retracts must not reach the max level: rewrite to drop them
            self.steps
                .push(RewriteStep::Rewrite(vec![SortedRun { files: vec![file] }]));
        }
    }

    fn flush(&mut self) {
        let candidate = std::mem::take(&mut self.candidate);
        match candidate.as_slice() {
            [] => {}
            [single] if single.len() == 1 => {
                for file in single[0].files.iter().cloned() {
                    self.upgrade(file);
                }
            }
            _ => self
                .steps
                .push(RewriteStep::Rewrite(concat_sections(candidate))),
        }
    }
}

/// Sections are key-disjoint and in key order, so the i-th runs of all sections concatenate
/// into one sorted run: fewer runs to merge, same result.
fn concat_sections(sections: Vec<Vec<SortedRun>>) -> Vec<SortedRun> {
    let mut runs: Vec<SortedRun> = Vec::new();
    for section in sections {
        for (i, run) in section.into_iter().enumerate() {
            match runs.get_mut(i) {
                Some(r) => r.files.extend(run.files),
                None => runs.push(run),
            }
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::tests::{bytes_cmp, file};

    fn names(step: &RewriteStep) -> Vec<String> {
        match step {
            RewriteStep::Upgrade(f) => vec![format!("up:{}", f.file_name)],
            RewriteStep::Rewrite(runs) => runs
                .iter()
                .map(|r| {
                    r.files
                        .iter()
                        .map(|f| f.file_name.as_str())
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .map(|s| format!("rw:{s}"))
                .collect(),
        }
    }

    fn plan(files: Vec<DataFileMeta>, output_level: usize) -> Vec<Vec<String>> {
        let unit = CompactUnit {
            output_level,
            files,
        };
        plan_rewrite(&unit, &bytes_cmp(), 100, 5)
            .iter()
            .map(names)
            .collect()
    }

    #[test]
    fn large_disjoint_files_are_upgraded() {
        let steps = plan(
            vec![
                file("a", 0, 0, 10, 500, (0, 0)),
                file("b", 0, 20, 30, 500, (1, 1)),
            ],
            3,
        );
        assert_eq!(steps, vec![vec!["up:a"], vec!["up:b"]]);
    }

    #[test]
    fn overlapping_files_are_rewritten_and_small_files_collected() {
        let steps = plan(
            vec![
                file("a", 0, 0, 10, 500, (0, 0)),
                file("b", 0, 5, 15, 500, (1, 1)),
                file("c", 0, 20, 25, 10, (2, 2)),
                file("d", 0, 30, 40, 500, (3, 3)),
                file("e", 0, 50, 60, 10, (4, 4)),
            ],
            3,
        );
        // section {a, b} and the small c rewritten together; d upgraded; e alone is upgraded
        assert_eq!(steps.len(), 3);
        assert!(
            steps[0].len() == 2 && steps[0].iter().any(|r| r.contains('c')),
            "{steps:?}"
        );
        assert_eq!(steps[1], vec!["up:d"]);
        assert_eq!(steps[2], vec!["up:e"]);
    }

    #[test]
    fn retracts_are_not_upgraded_into_the_max_level() {
        let mut with_retracts = file("a", 0, 0, 10, 500, (0, 0));
        with_retracts.delete_row_count = Some(3);
        let mut unknown = file("b", 2, 20, 30, 500, (0, 0));
        unknown.delete_row_count = None;
        let steps = plan(vec![with_retracts.clone(), unknown.clone()], 5);
        assert_eq!(steps, vec![vec!["rw:a"], vec!["rw:b"]]);
        // not the max level: upgraded
        let steps = plan(vec![with_retracts, unknown], 4);
        assert_eq!(steps, vec![vec!["up:a"], vec!["up:b"]]);
    }

    #[test]
    fn a_file_at_the_output_level_is_left_alone() {
        assert!(plan(vec![file("a", 5, 0, 10, 500, (0, 0))], 5).is_empty());
        assert!(plan(vec![file("a", 5, 0, 10, 5, (0, 0))], 5).is_empty());
    }

    #[test]
    fn full_compaction_and_retract_dropping() {
        let run = |level: usize, name: &str| LevelSortedRun {
            level,
            run: SortedRun {
                files: vec![file(name, level as i32, 0, 1, 1, (0, 0))],
            },
        };
        assert_eq!(full_compaction(6, &[]), None);
        assert_eq!(full_compaction(6, &[run(5, "a")]), None);
        let unit = full_compaction(6, &[run(0, "b"), run(5, "a")]).unwrap();
        assert_eq!(unit.output_level, 5);
        assert_eq!(unit.files.len(), 2);
        assert_eq!(full_compaction(6, &[run(3, "a")]).unwrap().output_level, 5);
        assert!(drop_retracts(5, Some(5)));
        assert!(!drop_retracts(4, Some(5)));
        assert!(!drop_retracts(0, Some(0)));
        assert!(drop_retracts(3, None));
    }
}
