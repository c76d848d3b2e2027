//! Tests of the write buffer: random input against a one-shot merge, with and without
//! spilling; two million rows through a tiny memory limit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{ArrayRef, Int32Array, Int64Array, Int8Array, RecordBatch};
use futures::TryStreamExt;
use rand::Rng;
use strata_spec::options::MergeEngine;
use strata_spec::{Datum, RowKind};

use super::{SpillConfig, WriteBuffer};
use crate::merge::tests::{batch, batch_of, engine, merge_batches, row, rows_of, schema, Row};

fn drain_all(buffer: &mut WriteBuffer, batch_size: usize) -> Vec<RecordBatch> {
    let stream = buffer.drain(batch_size).unwrap();
    futures::executor::block_on(stream.try_collect()).unwrap()
}

#[test]
fn drained_runs_equal_a_one_shot_merge() {
    let mut rng = crate::testutil::rng("drained_runs_equal_a_one_shot_merge");
    let dir = tempfile::tempdir().unwrap();
    let configs = [
        (
            MergeEngine::Deduplicate,
            vec![],
            vec![RowKind::Insert, RowKind::Delete],
        ),
        (
            MergeEngine::Aggregation,
            vec![("fields.v.aggregate-function", "sum")],
            vec![RowKind::Insert, RowKind::UpdateBefore],
        ),
        (MergeEngine::PartialUpdate, vec![], vec![RowKind::Insert]),
    ];
    for (kind, opts, kinds) in configs {
        let sc = Arc::new(schema(&[("v", "INT")], &[]));
        let mf = engine(kind, &opts, &sc).unwrap();
        for _ in 0..20 {
            let spill = rng.random_bool(0.7).then(|| SpillConfig {
                dir: dir.path().join("spill"),
                max_handles: rng.random_range(2..5),
            });
            let limit = rng.random_range(0..20_000);
            let mut buffer = WriteBuffer::new(sc.clone(), mf.clone(), limit, spill.clone());
            let mut all: Vec<Row> = Vec::new();
            let mut seq = 0;
            for _ in 0..rng.random_range(0..12) {
                let rows: Vec<Row> = (0..rng.random_range(0..60))
                    .map(|_| {
                        seq += 1;
                        let v = if rng.random_bool(0.2) {
                            Datum::Null
                        } else {
                            Datum::Int(rng.random_range(-9..10))
                        };
                        row(
                            rng.random_range(0..40),
                            seq,
                            kinds[rng.random_range(0..kinds.len())],
                            vec![v],
                        )
                    })
                    .collect();
                all.extend(rows.iter().cloned());
                buffer.add(batch(&sc, &rows)).unwrap();
                assert!(buffer.memory_size() <= limit || spill.is_none());
                assert_eq!(
                    buffer.is_full(),
                    spill.is_none() && buffer.memory_size() > limit
                );
            }
            assert_eq!(buffer.row_count(), all.len());
            let batch_size = rng.random_range(1..30);
            let out = drain_all(&mut buffer, batch_size);
            assert!(buffer.is_empty() && buffer.memory_size() == 0);
            assert!(out.iter().all(|b| b.num_rows() <= batch_size));
            let got: Vec<Vec<Datum>> = out.iter().flat_map(|b| rows_of(&sc, b)).collect();
            let expected = merge_batches(mf.as_ref(), &sc, &[batch(&sc, &all)], false).unwrap();
            assert_eq!(
                got,
                rows_of(&sc, &expected),
                "{kind:?} spill={spill:?} limit={limit}"
            );
        }
    }
    let left = std::fs::read_dir(dir.path().join("spill"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "spill files left behind");
}

#[test]
fn two_million_rows_spill_and_drain() {
    let mut rng = crate::testutil::rng("two_million_rows_spill_and_drain");
    let dir = tempfile::tempdir().unwrap();
    let sc = Arc::new(schema(&[("v", "BIGINT")], &[]));
    let mf = engine(MergeEngine::Deduplicate, &[], &sc).unwrap();
    let limit = 1 << 20;
    let spill = SpillConfig {
        dir: dir.path().to_path_buf(),
        max_handles: 8,
    };
    let mut buffer = WriteBuffer::new(sc.clone(), mf, limit, Some(spill));
    let total = 2_000_000;
    let chunk = 25_000;
    let keys = 700_000;
    let mut newest: HashMap<i32, i64> = HashMap::new();
    let start = Instant::now();
    let mut peak = 0;
    let mut largest_batch = 0;
    for c in 0..total / chunk {
        let key: Vec<i32> = (0..chunk).map(|_| rng.random_range(0..keys)).collect();
        let seq: Vec<i64> = (0..chunk as i64).map(|i| (c * chunk) as i64 + i).collect();
        for (k, s) in key.iter().zip(&seq) {
            newest.insert(*k, *s);
        }
        let key: ArrayRef = Arc::new(Int32Array::from(key));
        let columns = vec![
            key.clone(),
            Arc::new(Int64Array::from(seq.clone())) as ArrayRef,
            Arc::new(Int8Array::from(vec![0i8; chunk])) as ArrayRef,
            key,
            Arc::new(Int64Array::from_iter_values(seq.iter().map(|s| s * 2))) as ArrayRef,
        ];
        let b = batch_of(&sc, columns);
        largest_batch = largest_batch.max(b.get_array_memory_size());
        buffer.add(b).unwrap();
        peak = peak.max(buffer.memory_size());
    }
    let spilled = buffer.spill_file_count();
    println!(
        "added {total} rows in {:?}; {spilled} spill files; peak memory {peak} (limit {limit})",
        start.elapsed()
    );
    assert!(spilled > 8, "expected many spill files, got {spilled}");
    assert!(peak <= limit, "held {peak} bytes over the limit {limit}");
    let start = Instant::now();
    let out = drain_all(&mut buffer, 8192);
    println!("drained in {:?}", start.elapsed());
    let mut count = 0;
    let mut last: Option<i32> = None;
    for b in &out {
        let k = b.column(0).as_primitive::<Int32Type>();
        let s = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            assert!(last.is_none_or(|l| l < k.value(i)), "keys out of order");
            last = Some(k.value(i));
            assert_eq!(
                newest.get(&k.value(i)),
                Some(&s.value(i)),
                "key {}",
                k.value(i)
            );
            count += 1;
        }
    }
    assert_eq!(count, newest.len());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "spill files left behind"
    );
}
