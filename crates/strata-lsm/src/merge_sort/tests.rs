//! Tests of the k-way merge: random runs against a one-shot reference merge, error pass-through,
//! the single-run path, and a timing of two large runs (ignored by default).

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, Int8Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType as A, Field, Schema};
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use rand::seq::SliceRandom;
use rand::Rng;
use strata_spec::options::MergeEngine;
use strata_spec::schema::KEY_FIELD_ID_START;
use strata_spec::{DataField, DataType, Datum, RowKind};

use super::merge_runs;
use crate::error::{Error, Result};
use crate::kv::KvSchema;
use crate::merge::tests::{batch, engine, merge_batches, row, rows_of, schema, Row};

fn run_of(batches: Vec<RecordBatch>) -> BoxStream<'static, Result<RecordBatch>> {
    stream::iter(batches.into_iter().map(Ok)).boxed()
}

fn collect(s: BoxStream<'static, Result<RecordBatch>>) -> Result<Vec<RecordBatch>> {
    futures::executor::block_on(s.try_collect())
}

/// Random runs (unique keys per run, unique sequence numbers), each cut into random batches.
fn random_runs(
    rng: &mut impl Rng,
    sc: &KvSchema,
    kinds: &[RowKind],
) -> (Vec<Vec<RecordBatch>>, Vec<Row>) {
    let n_runs = rng.random_range(1..6);
    let mut seqs: Vec<i64> = (0..2000).collect();
    seqs.shuffle(rng);
    let mut all = Vec::new();
    let mut runs = Vec::new();
    for _ in 0..n_runs {
        let mut keys: Vec<i32> = (0..rng.random_range(0..120))
            .map(|_| rng.random_range(0..150))
            .collect();
        keys.sort();
        keys.dedup();
        let rows: Vec<Row> = keys
            .iter()
            .map(|&k| {
                let seq = seqs.pop().unwrap_or_default();
                let v = if rng.random_bool(0.2) {
                    Datum::Null
                } else {
                    Datum::Int(rng.random_range(-9..10))
                };
                row(k, seq, kinds[rng.random_range(0..kinds.len())], vec![v])
            })
            .collect();
        all.extend(rows.iter().cloned());
        let mut batches = Vec::new();
        let mut rest = &rows[..];
        while !rest.is_empty() || rng.random_bool(0.1) {
            let n = rng.random_range(0..=rest.len().min(40));
            batches.push(batch(sc, &rest[..n]));
            rest = &rest[n..];
        }
        runs.push(batches);
    }
    (runs, all)
}

#[test]
fn merging_runs_equals_merging_everything_at_once() {
    let mut rng = crate::testutil::rng("merging_runs_equals_merging_everything_at_once");
    use RowKind::*;
    type Config = (
        MergeEngine,
        Vec<(&'static str, &'static str)>,
        Vec<RowKind>,
        Vec<&'static str>,
    );
    let configs: Vec<Config> = vec![
        (
            MergeEngine::Deduplicate,
            vec![],
            vec![Insert, UpdateAfter, Delete],
            vec![],
        ),
        (
            MergeEngine::Deduplicate,
            vec![],
            vec![Insert, Delete],
            vec!["v"],
        ),
        (
            MergeEngine::Aggregation,
            vec![("fields.v.aggregate-function", "sum")],
            vec![Insert, UpdateBefore],
            vec![],
        ),
        (MergeEngine::PartialUpdate, vec![], vec![Insert], vec![]),
        (MergeEngine::FirstRow, vec![], vec![Insert], vec![]),
    ];
    for (engine_kind, opts, kinds, seq_fields) in configs {
        for descending in [false, true] {
            let mut sc = schema(&[("v", "INT")], &seq_fields);
            sc.sequence_descending = descending && !seq_fields.is_empty();
            let sc = Arc::new(sc);
            let mf = engine(engine_kind, &opts, &sc).unwrap();
            for _ in 0..30 {
                let (runs, all) = random_runs(&mut rng, &sc, &kinds);
                for drop in [false, true] {
                    let batch_size = rng.random_range(1..50);
                    let streams = runs.iter().map(|r| run_of(r.clone())).collect();
                    let out = collect(merge_runs(
                        sc.clone(),
                        streams,
                        mf.clone(),
                        drop,
                        batch_size,
                    ))
                    .unwrap();
                    assert!(out
                        .iter()
                        .all(|b| b.num_rows() <= batch_size && b.num_rows() > 0));
                    let got: Vec<Vec<Datum>> = out.iter().flat_map(|b| rows_of(&sc, b)).collect();
                    // reference: everything in one batch, ordered by key, sequence fields, seq
                    let mut sorted = all.clone();
                    sorted.sort_by(|a, b| {
                        let fields = if seq_fields.is_empty() {
                            std::cmp::Ordering::Equal
                        } else if sc.sequence_descending {
                            // nulls first also when descending
                            match (a.values[0].is_null(), b.values[0].is_null()) {
                                (false, false) => b.values[0].paimon_cmp(&a.values[0]),
                                (x, y) => y.cmp(&x),
                            }
                        } else {
                            a.values[0].paimon_cmp(&b.values[0])
                        };
                        a.key.cmp(&b.key).then(fields).then(a.seq.cmp(&b.seq))
                    });
                    let renumbered: Vec<Row> = sorted
                        .iter()
                        .enumerate()
                        .map(|(i, r)| Row {
                            seq: i as i64,
                            ..r.clone()
                        })
                        .collect();
                    let expected =
                        merge_batches(mf.as_ref(), &sc, &[batch(&sc, &renumbered)], drop).unwrap();
                    let mut expected = rows_of(&sc, &expected);
                    // map the renumbered sequence numbers back
                    for r in &mut expected {
                        if let Datum::BigInt(i) = r[1] {
                            r[1] = Datum::BigInt(sorted[i as usize].seq);
                        }
                    }
                    assert_eq!(
                        got, expected,
                        "{engine_kind:?} drop={drop} batch_size={batch_size}"
                    );
                }
            }
        }
    }
}

#[test]
fn input_errors_pass_through() {
    let sc = Arc::new(schema(&[("v", "INT")], &[]));
    let mf = engine(MergeEngine::Deduplicate, &[], &sc).unwrap();
    let good = run_of(vec![batch(
        &sc,
        &[row(1, 0, RowKind::Insert, vec![Datum::Int(1)])],
    )]);
    let bad: BoxStream<'static, Result<RecordBatch>> =
        stream::iter(vec![Err(Error::External("disk on fire".into()))]).boxed();
    let e = collect(merge_runs(
        sc.clone(),
        vec![good, bad],
        mf.clone(),
        false,
        10,
    ))
    .unwrap_err();
    assert!(matches!(e, Error::External(_)) && e.to_string().contains("disk on fire"));
    let bad: BoxStream<'static, Result<RecordBatch>> =
        stream::iter(vec![Err(Error::External("x".into()))]).boxed();
    assert!(collect(merge_runs(sc.clone(), vec![bad], mf.clone(), false, 10)).is_err());
    assert!(collect(merge_runs(sc, vec![], mf, false, 10))
        .unwrap()
        .is_empty());
}

#[test]
fn a_single_run_passes_through() {
    let sc = Arc::new(schema(&[("v", "INT")], &[]));
    let rows: Vec<Row> = (0..25)
        .map(|i| {
            row(
                i,
                i as i64,
                if i % 5 == 0 {
                    RowKind::Delete
                } else {
                    RowKind::Insert
                },
                vec![Datum::Int(i)],
            )
        })
        .collect();
    let mf = engine(MergeEngine::Deduplicate, &[], &sc).unwrap();
    let out = collect(merge_runs(
        sc.clone(),
        vec![run_of(vec![batch(&sc, &rows)])],
        mf,
        true,
        7,
    ))
    .unwrap();
    assert_eq!(out.iter().map(|b| b.num_rows()).sum::<usize>(), 20);
    assert!(out.iter().all(|b| b.num_rows() <= 7));
    let mf = engine(
        MergeEngine::Aggregation,
        &[("fields.v.aggregate-function", "sum")],
        &sc,
    )
    .unwrap();
    let out = collect(merge_runs(
        sc.clone(),
        vec![run_of(vec![batch(&sc, &rows)])],
        mf,
        true,
        100,
    ))
    .unwrap();
    assert_eq!(out.iter().map(|b| b.num_rows()).sum::<usize>(), 25);
}

/// A table of an int64 key and 8 columns in all (key, seq, kind, 5 values).
fn wide_schema() -> KvSchema {
    let t = |s: &str| DataType::parse(s).unwrap();
    KvSchema {
        key_fields: vec![DataField::new(
            KEY_FIELD_ID_START,
            "_KEY_id",
            t("BIGINT NOT NULL"),
        )],
        value_fields: vec![
            DataField::new(0, "id", t("BIGINT NOT NULL")),
            DataField::new(1, "a", t("INT")),
            DataField::new(2, "b", t("DOUBLE")),
            DataField::new(3, "c", t("STRING")),
            DataField::new(4, "d", t("BIGINT")),
        ],
        sequence_fields: vec![],
        sequence_descending: false,
    }
}

/// Batches of `keys` (sorted) with sequence numbers from `seq0`.
pub(crate) fn wide_batches(
    sc: &KvSchema,
    keys: &[i64],
    seq0: i64,
    batch_rows: usize,
) -> Vec<RecordBatch> {
    let arrow = sc.arrow_schema();
    let fields: Vec<Field> = arrow.fields().iter().map(|f| f.as_ref().clone()).collect();
    let schema = Arc::new(Schema::new(fields));
    keys.chunks(batch_rows)
        .enumerate()
        .map(|(c, chunk)| {
            let base = seq0 + (c * batch_rows) as i64;
            let key: ArrayRef = Arc::new(Int64Array::from(chunk.to_vec()));
            let n = chunk.len();
            let columns: Vec<ArrayRef> = vec![
                key.clone(),
                Arc::new(Int64Array::from_iter_values(
                    (0..n as i64).map(|i| base + i),
                )),
                Arc::new(Int8Array::from(vec![0i8; n])),
                key,
                Arc::new(Int32Array::from_iter_values(
                    chunk.iter().map(|k| *k as i32),
                )),
                Arc::new(Float64Array::from_iter_values(
                    chunk.iter().map(|k| *k as f64 * 0.5),
                )),
                Arc::new(StringArray::from_iter_values(
                    chunk.iter().map(|k| format!("value-{k}")),
                )),
                Arc::new(Int64Array::from_iter_values(chunk.iter().map(|k| k * 3))),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        })
        .collect()
}

/// Two runs of 250,000 rows with 10% of the keys in both: `cargo test --release -p strata-lsm
/// -- --ignored --nocapture merge_speed`.
#[test]
#[ignore]
fn merge_speed() {
    let sc = Arc::new(wide_schema());
    let a: Vec<i64> = (0..250_000).map(|i| i * 10).collect();
    // run b: 25,000 keys shared with a, the rest between a's keys
    let b: Vec<i64> = (0..250_000)
        .map(|i| if i % 10 == 0 { i * 10 } else { i * 10 + 5 })
        .collect();
    let run_a = wide_batches(&sc, &a, 0, 8192);
    let run_b = wide_batches(&sc, &b, 1_000_000, 8192);
    let mf = engine(MergeEngine::Deduplicate, &[], &sc).unwrap();
    for _ in 0..3 {
        let start = Instant::now();
        let out = collect(merge_runs(
            sc.clone(),
            vec![run_of(run_a.clone()), run_of(run_b.clone())],
            mf.clone(),
            true,
            8192,
        ))
        .unwrap();
        let rows: usize = out.iter().map(|b| b.num_rows()).sum();
        println!(
            "merged 2 × 250,000 rows into {rows} in {:?}",
            start.elapsed()
        );
        assert_eq!(rows, 475_000);
    }
    // disjoint runs: whole stretches
    let c: Vec<i64> = (250_000..500_000).map(|i| i * 10).collect();
    let run_c = wide_batches(&sc, &c, 1_000_000, 8192);
    let start = Instant::now();
    let out = collect(merge_runs(
        sc.clone(),
        vec![run_of(run_a), run_of(run_c)],
        mf,
        true,
        8192,
    ))
    .unwrap();
    let rows: usize = out.iter().map(|b| b.num_rows()).sum();
    println!(
        "merged 2 disjoint runs of 250,000 rows into {rows} in {:?}",
        start.elapsed()
    );
    let _ = A::Null;
}
