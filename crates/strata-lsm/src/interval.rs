//! Sections and sorted runs of a set of files (spec §7.8 steps 2–3): files sorted by
//! (min key, max key) are cut into sections whenever a file starts after every key seen so far;
//! inside a section files are packed greedily into key-disjoint sorted runs. Files of different
//! sections never share a key, so sections can be merged independently and concatenated.
//!
//! Reference: `IntervalPartition` (Paimon 0.9).

use std::cmp::Ordering;

use strata_spec::DataFileMeta;

use crate::levels::{KeyComparator, SortedRun};

/// Splits files into sections of sorted runs, sections in key order.
pub fn interval_partition(files: &[DataFileMeta], cmp: &KeyComparator) -> Vec<Vec<SortedRun>> {
    let mut sorted: Vec<&DataFileMeta> = files.iter().collect();
    sorted.sort_by(|a, b| cmp(&a.min_key, &b.min_key).then_with(|| cmp(&a.max_key, &b.max_key)));
    let mut sections = Vec::new();
    let mut section: Vec<&DataFileMeta> = Vec::new();
    let mut bound: Option<&[u8]> = None;
    for file in sorted {
        if let Some(b) = bound {
            if cmp(&file.min_key, b) == Ordering::Greater {
                sections.push(pack_runs(&section, cmp));
                section.clear();
                bound = None;
            }
        }
        section.push(file);
        bound = match bound {
            Some(b) if cmp(&file.max_key, b) != Ordering::Greater => Some(b),
            _ => Some(&file.max_key),
        };
    }
    if !section.is_empty() {
        sections.push(pack_runs(&section, cmp));
    }
    sections
}

/// Packs files (sorted by min key) into key-disjoint runs: each file goes to the run that ends
/// earliest if it starts after that run's end, else it starts a new run.
fn pack_runs(files: &[&DataFileMeta], cmp: &KeyComparator) -> Vec<SortedRun> {
    let mut runs: Vec<Vec<DataFileMeta>> = Vec::new();
    for &file in files {
        let earliest = runs
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| last_max(a, b, cmp))
            .map(|(i, _)| i);
        match earliest {
            Some(i)
                if runs[i]
                    .last()
                    .is_some_and(|last| cmp(&file.min_key, &last.max_key) == Ordering::Greater) =>
            {
                runs[i].push(file.clone())
            }
            _ => runs.push(vec![file.clone()]),
        }
    }
    runs.into_iter().map(|files| SortedRun { files }).collect()
}

fn last_max(a: &[DataFileMeta], b: &[DataFileMeta], cmp: &KeyComparator) -> Ordering {
    match (a.last(), b.last()) {
        (Some(x), Some(y)) => cmp(&x.max_key, &y.max_key),
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::tests::{bytes_cmp, file};
    use proptest::prelude::*;

    fn key(b: &[u8]) -> u32 {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    #[test]
    fn sections_and_runs() {
        let files = vec![
            file("a", 0, 0, 10, 1, (0, 0)),
            file("b", 0, 5, 15, 1, (1, 1)),
            file("c", 0, 11, 20, 1, (2, 2)),
            file("d", 0, 21, 30, 1, (3, 3)),
        ];
        let sections = interval_partition(&files, &bytes_cmp());
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].len(), 2);
        let names: Vec<Vec<&str>> = sections[0]
            .iter()
            .map(|r| r.files.iter().map(|f| f.file_name.as_str()).collect())
            .collect();
        assert!(
            names.contains(&vec!["a", "c"]) && names.contains(&vec!["b"]),
            "{names:?}"
        );
        assert_eq!(sections[1][0].files[0].file_name, "d");
        assert!(interval_partition(&[], &bytes_cmp()).is_empty());
    }

    proptest! {
        #![proptest_config(crate::testutil::proptest_config())]
        #[test]
        fn overlapping_files_share_a_section(ranges in prop::collection::vec((0u32..100, 0u32..20), 1..30)) {
            let files: Vec<DataFileMeta> = ranges
                .iter()
                .enumerate()
                .map(|(i, (lo, len))| file(&format!("f{i}"), 0, *lo, lo + len, 1, (0, 0)))
                .collect();
            let sections = interval_partition(&files, &bytes_cmp());
            let mut section_of = std::collections::HashMap::new();
            let mut count = 0;
            let mut prev_max: Option<u32> = None;
            for (s, runs) in sections.iter().enumerate() {
                let mut lo = u32::MAX;
                let mut hi = 0;
                for run in runs {
                    for w in run.files.windows(2) {
                        prop_assert!(key(&w[0].max_key) < key(&w[1].min_key));
                    }
                    for f in &run.files {
                        section_of.insert(f.file_name.clone(), s);
                        lo = lo.min(key(&f.min_key));
                        hi = hi.max(key(&f.max_key));
                        count += 1;
                    }
                }
                if let Some(p) = prev_max {
                    prop_assert!(p < lo, "sections overlap or are out of order");
                }
                prev_max = Some(hi);
            }
            prop_assert_eq!(count, files.len());
            for a in &files {
                for b in &files {
                    let overlap = key(&a.min_key) <= key(&b.max_key) && key(&b.min_key) <= key(&a.max_key);
                    if overlap {
                        prop_assert_eq!(section_of[&a.file_name], section_of[&b.file_name]);
                    }
                }
            }
        }
    }
}
