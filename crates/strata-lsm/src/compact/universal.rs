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
        let max_level = num_levels.saturating_sub(1);
        if runs.is_empty() {
            return None;
        }
        // 1. size amplification
        if let Some(unit) = self.pick_for_size_amp(max_level, runs) {
            tracing::debug!("universal compaction: size amplification");
            return Some(unit);
        }
        // 2. size ratio
        if runs.len() >= self.num_run_trigger {
            if let Some(unit) = self.pick_for_size_ratio(max_level, runs, 1, false) {
                tracing::debug!("universal compaction: size ratio");
                return Some(unit);
            }
        }
        // 3. run count
        if runs.len() > self.num_run_trigger {
            tracing::debug!("universal compaction: number of sorted runs");
            let count = runs.len() - self.num_run_trigger + 1;
            return self.pick_for_size_ratio(max_level, runs, count, false);
        }
        None
    }
}

impl UniversalCompaction {
    /// Settings from table options.
    ///
    /// # Errors
    /// When an option is malformed.
    pub fn from_options(options: &strata_spec::CoreOptions) -> crate::Result<Self> {
        let cfg = |e: strata_spec::Error| crate::Error::Config(e.to_string());
        Ok(UniversalCompaction {
            max_size_amp_percent: options.max_size_amplification_percent().map_err(cfg)?,
            size_ratio_percent: options.size_ratio().map_err(cfg)?,
            num_run_trigger: options.compaction_trigger().map_err(cfg)?,
        })
    }

    fn pick_for_size_amp(&self, max_level: usize, runs: &[LevelSortedRun]) -> Option<CompactUnit> {
        if runs.len() < self.num_run_trigger || runs.len() < 2 {
            return None;
        }
        let (last, newer) = runs.split_last()?;
        let candidate: u128 = newer.iter().map(|r| r.run.total_size() as u128).sum();
        let earliest = last.run.total_size() as u128;
        (candidate * 100 > self.max_size_amp_percent as u128 * earliest)
            .then(|| unit_of(max_level, runs))
    }

    /// Rule 2 starting from the first `count` runs (rule 3 starts with more); `force` returns
    /// a unit even when only one run was picked.
    pub fn pick_for_size_ratio(
        &self,
        max_level: usize,
        runs: &[LevelSortedRun],
        count: usize,
        force: bool,
    ) -> Option<CompactUnit> {
        let mut count = count.min(runs.len());
        let mut size: u128 = runs[..count]
            .iter()
            .map(|r| r.run.total_size() as u128)
            .sum();
        let mut triggered = force || count > 1;
        for next in &runs[count..] {
            let next_size = next.run.total_size() as u128;
            if size * (100 + self.size_ratio_percent as u128) < next_size * 100
                && (!triggered || next.level > 1)
            {
                break;
            }
            size += next_size;
            count += 1;
            triggered = true;
        }
        triggered.then(|| create_unit(runs, max_level, count))
    }
}

/// Rule 4: the output level of a pick of the first `count` runs (extending the pick so that it
/// never writes level 0).
fn create_unit(runs: &[LevelSortedRun], max_level: usize, count: usize) -> CompactUnit {
    let mut count = count;
    let mut output = if count == runs.len() {
        max_level
    } else {
        runs[count].level.saturating_sub(1)
    };
    if output == 0 {
        for next in &runs[count..] {
            count += 1;
            if next.level != 0 {
                output = next.level;
                break;
            }
        }
    }
    if count == runs.len() {
        output = max_level;
    }
    unit_of(output, &runs[..count])
}

fn unit_of(output_level: usize, runs: &[LevelSortedRun]) -> CompactUnit {
    CompactUnit {
        output_level,
        files: runs
            .iter()
            .flat_map(|r| r.run.files.iter().cloned())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::tests::file;
    use crate::levels::SortedRun;
    use proptest::prelude::*;

    const STRATEGY: UniversalCompaction = UniversalCompaction {
        max_size_amp_percent: 200,
        size_ratio_percent: 1,
        num_run_trigger: 5,
    };

    /// Runs of (level, size), newest first.
    fn runs(spec: &[(usize, i64)]) -> Vec<LevelSortedRun> {
        spec.iter()
            .enumerate()
            .map(|(i, (level, size))| LevelSortedRun {
                level: *level,
                run: SortedRun {
                    files: vec![file(&format!("f{i}"), *level as i32, 0, 1, *size, (0, 0))],
                },
            })
            .collect()
    }

    fn picked(unit: &CompactUnit) -> (usize, usize) {
        (unit.files.len(), unit.output_level)
    }

    #[test]
    fn too_few_runs_pick_nothing() {
        assert_eq!(
            STRATEGY.pick(6, &runs(&[(0, 1), (0, 1), (0, 1), (5, 1)])),
            None
        );
        assert_eq!(STRATEGY.pick(6, &[]), None);
    }

    #[test]
    fn size_amplification_compacts_everything() {
        // 1+1+1+1 = 4 > 200% of 1
        let unit = STRATEGY
            .pick(6, &runs(&[(0, 1), (0, 1), (0, 1), (0, 1), (5, 1)]))
            .unwrap();
        assert_eq!(picked(&unit), (5, 5));
        // 4 × 100 ≤ 200 × 2: no size amplification; size ratio: 1, 1+1 ≥ 1, ... picks 0..4
        let unit = STRATEGY
            .pick(6, &runs(&[(0, 1), (0, 1), (0, 1), (0, 1), (5, 100)]))
            .unwrap();
        assert_eq!(picked(&unit), (4, 4));
    }

    #[test]
    fn size_ratio_stops_at_a_much_larger_run() {
        // sizes 1, 1, 10 (level 3), 10 (level 4), 1000 (level 5): no amplification
        let unit = STRATEGY
            .pick(6, &runs(&[(0, 1), (0, 1), (3, 10), (4, 10), (5, 1000)]))
            .unwrap();
        // candidate 1+1 = 2; 2 × 1.01 < 10 and level 3 > 1: stop; output = level(R[2]) - 1 = 2
        assert_eq!(picked(&unit), (2, 2));
        // a level-1 run is taken anyway once two runs are picked
        let unit = STRATEGY
            .pick(6, &runs(&[(0, 1), (0, 1), (1, 10), (4, 10), (5, 1000)]))
            .unwrap();
        // 1+1, then level-1 run (10) taken anyway = 12, then 12 × 1.01 ≥ 10: take, 22 < 1000 stop
        assert_eq!(picked(&unit), (4, 4));
    }

    #[test]
    fn run_count_forces_a_pick() {
        // every run is much larger than the sum of the newer ones: size ratio never picks
        let spec = [(0, 1), (0, 3), (0, 9), (0, 27), (0, 81), (5, 100_000)];
        let unit = STRATEGY.pick(6, &runs(&spec)).unwrap();
        // 6 runs > trigger 5: force the first 2, then level-0 runs are taken anyway; the
        // level-5 run stops it: output level 5 - 1
        assert_eq!(picked(&unit), (5, 4));
        let spec = [(0, 1), (0, 3), (2, 9), (3, 27), (4, 81), (5, 100_000)];
        let unit = STRATEGY.pick(6, &runs(&spec)).unwrap();
        assert_eq!(picked(&unit), (2, 1));
    }

    #[test]
    fn output_level_rule() {
        let r = runs(&[(0, 1), (0, 1), (0, 1), (2, 1), (5, 1)]);
        // picking the two first level-0 runs: the next is level 0 → extend to the level-2 run
        assert_eq!(picked(&create_unit(&r, 5, 2)), (4, 2));
        // the next run is level 2 → output level 1
        assert_eq!(picked(&create_unit(&r, 5, 3)), (3, 1));
        // all runs → max level
        assert_eq!(picked(&create_unit(&r, 5, 5)), (5, 5));
        let r = runs(&[(0, 1), (0, 1), (1, 1)]);
        // next is level 0 → extend to the level-1 run, which is the last run → max level
        assert_eq!(picked(&create_unit(&r, 5, 1)), (3, 5));
    }

    fn arb_runs() -> impl Strategy<Value = Vec<LevelSortedRun>> {
        (
            0usize..8,
            prop::collection::btree_set(1usize..6, 0..5),
            prop::collection::vec(1i64..1000, 13),
        )
            .prop_map(|(l0, levels, sizes)| {
                let mut spec: Vec<(usize, i64)> = (0..l0).map(|i| (0, sizes[i])).collect();
                for (j, l) in levels.into_iter().enumerate() {
                    spec.push((l, sizes[8 + j]));
                }
                runs(&spec)
            })
    }

    proptest! {
        #![proptest_config(crate::testutil::proptest_config())]
        #[test]
        fn picks_are_newest_first_prefixes(runs in arb_runs(), trigger in 1usize..7, amp in 0u64..400, ratio in 0u64..50) {
            let strategy = UniversalCompaction { max_size_amp_percent: amp, size_ratio_percent: ratio, num_run_trigger: trigger };
            if let Some(unit) = strategy.pick(6, &runs) {
                let n = unit.files.len();
                prop_assert!(n >= 1);
                let prefix: Vec<_> = runs.iter().flat_map(|r| r.run.files.iter().cloned()).take(n).collect();
                prop_assert_eq!(&unit.files, &prefix);
                let highest = unit.files.iter().map(|f| f.level as usize).max().unwrap_or(0);
                prop_assert!(unit.output_level >= highest, "lowered a level: {:?}", unit);
                prop_assert!(unit.output_level >= 1);
                if n == runs.len() {
                    prop_assert_eq!(unit.output_level, 5);
                }
            }
        }
    }
}
