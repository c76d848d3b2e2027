//! Tables written by Strata read back exactly: every atomic type, partitions with awkward
//! values, buckets, rolling, several commits, both overwrite modes.

use serde_json::{json, Value};
use strata_core::{OverwriteScope, SnapshotSelector};
use strata_spec::{CommitKind, Datum};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unaware_append_two_commits() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.t",
        vec![
            field("id", "INT"),
            field("name", "STRING"),
            field("price", "DOUBLE"),
        ],
        &[],
        &[],
        &[],
    )
    .await;
    let r1 = vec![
        json!({"id": 1, "name": "apple", "price": 1.5}),
        json!({"id": 2, "name": null, "price": 0.25}),
    ];
    let r2 = vec![json!({"id": 3, "name": "a string longer than seven bytes", "price": null})];
    assert_eq!(write_rows(&t, &r1).await, vec![1]);
    assert_eq!(write_rows(&t, &r2).await, vec![2]);
    let all: Vec<Value> = r1.iter().chain(&r2).cloned().collect();
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &all,
        "latest",
    );
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Id(1)).await,
        &r1,
        "snapshot 1",
    );
    let s2 = t.snapshot_manager().snapshot(2).await.unwrap();
    assert_eq!(
        (s2.total_record_count, s2.delta_record_count),
        (Some(3), Some(1))
    );
    assert_eq!(s2.commit_kind, CommitKind::Append);
    assert!(dir.path().join("db.db/t/bucket-0").is_dir());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("db.db/t/snapshot/LATEST")).unwrap(),
        "2"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("db.db/t/snapshot/EARLIEST")).unwrap(),
        "1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucketed_append_places_rows_by_paimon_hash_and_keeps_write_order() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.b",
        vec![field("id", "INT"), field("seq", "INT")],
        &[],
        &[],
        &[("bucket", "4"), ("bucket-key", "id")],
    )
    .await;
    let rows: Vec<Value> = (0..200).map(|i| json!({"id": i % 7, "seq": i})).collect();
    write_rows(&t, &rows[..100]).await;
    write_rows(&t, &rows[100..]).await;
    // INT 1 → bucket 2, 42 → 1, 0 → 3 (fixtures/bucket_hash_vectors.json)
    let plan = t.new_scan().plan().await.unwrap();
    let read = t.new_read();
    for split in &plan.splits {
        let batches: Vec<_> =
            futures::TryStreamExt::try_collect::<Vec<_>>(read.read_split(split).await.unwrap())
                .await
                .unwrap();
        let mut last_seq = -1;
        for b in &batches {
            let rows = strata_core::json::batch_to_json(b, &read.output_fields()).unwrap();
            for r in rows {
                let id = r["id"].as_i64().unwrap();
                let want = match id {
                    1 => Some(2),
                    0 => Some(3),
                    _ => None,
                };
                if let Some(w) = want {
                    assert_eq!(split.bucket, w, "id {id}");
                }
                let seq = r["seq"].as_i64().unwrap();
                assert!(seq > last_seq, "bucket {} out of write order", split.bucket);
                last_seq = seq;
            }
        }
    }
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &rows,
        "all rows",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_partition_values_round_trip_and_escape_like_java() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.p",
        vec![field("s", "STRING"), field("v", "INT")],
        &["s"],
        &[],
        &[],
    )
    .await;
    let rows = vec![
        json!({"s": "a/b", "v": 1}),
        json!({"s": "x:y=z", "v": 2}),
        json!({"s": "with space", "v": 3}),
        json!({"s": null, "v": 4}),
        json!({"s": "", "v": 5}),
        json!({"s": "ünïcödé", "v": 6}),
    ];
    write_rows(&t, &rows).await;
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &rows,
        "partitions",
    );
    let base = dir.path().join("db.db/p");
    for d in [
        "s=a%2Fb",
        "s=x%3Ay%3Dz",
        "s=with space",
        "s=__DEFAULT_PARTITION__",
        "s=ünïcödé",
    ] {
        assert!(base.join(d).join("bucket-0").is_dir(), "{d} missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_atomic_type_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let types = [
        ("b", "BOOLEAN"),
        ("ti", "TINYINT"),
        ("si", "SMALLINT"),
        ("i", "INT"),
        ("bi", "BIGINT"),
        ("f", "FLOAT"),
        ("d", "DOUBLE"),
        ("d5", "DECIMAL(5, 2)"),
        ("d18", "DECIMAL(18, 4)"),
        ("d38", "DECIMAL(38, 10)"),
        ("ts0", "TIMESTAMP(0)"),
        ("ts3", "TIMESTAMP(3)"),
        ("ts6", "TIMESTAMP(6)"),
        ("ts9", "TIMESTAMP(9)"),
        ("ltz3", "TIMESTAMP(3) WITH LOCAL TIME ZONE"),
        ("ltz6", "TIMESTAMP_LTZ(6)"),
        ("ltz9", "TIMESTAMP_LTZ(9)"),
        ("dt", "DATE"),
        ("tm", "TIME(3)"),
        ("c", "CHAR(5)"),
        ("vc", "VARCHAR(20)"),
        ("s", "STRING"),
        ("bin", "BINARY(3)"),
        ("vb", "VARBINARY(10)"),
        ("by", "BYTES"),
        ("arr", "ARRAY<INT>"),
        ("mp", "MAP<STRING, BIGINT>"),
        ("rw", "ROW<x INT, y STRING>"),
    ];
    let t = create_table(
        &catalog,
        "db.types",
        types.iter().map(|(n, ty)| field(n, ty)).collect(),
        &[],
        &[],
        &[],
    )
    .await;
    let full = json!({
        "b": true, "ti": -1, "si": 300, "i": 70000, "bi": -5000000000i64, "f": 1.5, "d": "NaN",
        "d5": "123.45", "d18": "12345678901234.5678", "d38": "1234567890123456789012345678.0123456789",
        "ts0": "2024-01-02 03:04:05", "ts3": "2024-01-02 03:04:05.123", "ts6": "2024-01-02 03:04:05.123456",
        "ts9": "2024-01-02 03:04:05.123456789", "ltz3": "2024-01-02 03:04:05.123", "ltz6": "1969-12-31 23:59:59.999999",
        "ltz9": "2024-01-02 03:04:05.123456789", "dt": "2024-01-02", "tm": "03:04:05.123", "c": "ab", "vc": "hello",
        "s": "unicode ✓ 𝄞", "bin": "AQID", "vb": "AAE=", "by": "", "arr": [1, null, 3], "mp": {"k": 1}, "rw": {"x": 1, "y": "z"}
    });
    let extremes = json!({"d": "-Infinity", "f": "Infinity", "bi": i64::MAX, "ti": -128, "d5": "-999.99", "arr": [], "mp": {}, "rw": {"x": null, "y": null}});
    let empty = json!({});
    write_rows(&t, &[full.clone(), extremes.clone(), empty.clone()]).await;
    let rows = read_rows(&t, SnapshotSelector::Latest).await;
    let norm = |v: &Value| -> Value {
        let mut o = serde_json::Map::new();
        for (n, _) in &types {
            o.insert(n.to_string(), v.get(*n).cloned().unwrap_or(Value::Null));
        }
        Value::Object(o)
    };
    assert_same_rows(
        &rows,
        &[norm(&full), norm(&extremes), norm(&empty)],
        "types",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_target_file_size_rolls_files() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.r",
        vec![field("id", "BIGINT"), field("s", "STRING")],
        &[],
        &[],
        &[("target-file-size", "16 kb")],
    )
    .await;
    let rows: Vec<Value> = (0..20_000)
        .map(|i| json!({"id": i, "s": format!("value-{i}-{}", i * 7919 % 10007)}))
        .collect();
    write_rows(&t, &rows).await;
    let plan = t.new_scan().plan().await.unwrap();
    let files: usize = plan.splits.iter().map(|s| s.files.len()).sum();
    assert!(files > 2, "expected rolling, got {files} files");
    let mut seqs: Vec<(i64, i64)> = plan.splits[0]
        .files
        .iter()
        .map(|f| (f.min_sequence_number, f.max_sequence_number))
        .collect();
    seqs.sort();
    assert_eq!(seqs.first().unwrap().0, 0);
    for w in seqs.windows(2) {
        assert_eq!(w[0].1 + 1, w[1].0, "sequence ranges must be contiguous");
    }
    assert_eq!(seqs.last().unwrap().1, 19_999);
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_and_dynamic_partition_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.o",
        vec![field("dt", "STRING"), field("id", "INT")],
        &["dt"],
        &[],
        &[],
    )
    .await;
    write_rows(
        &t,
        &[
            json!({"dt": "a", "id": 1}),
            json!({"dt": "b", "id": 2}),
            json!({"dt": "c", "id": 3}),
        ],
    )
    .await;
    // static: replace dt=a only
    overwrite_rows(
        &t,
        OverwriteScope::Partition(vec![("dt".into(), Datum::String("a".into()))]),
        &[json!({"dt": "a", "id": 10})],
    )
    .await;
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &[
            json!({"dt": "a", "id": 10}),
            json!({"dt": "b", "id": 2}),
            json!({"dt": "c", "id": 3}),
        ],
        "static",
    );
    let s = t.snapshot_manager().latest().await.unwrap().unwrap();
    assert_eq!(s.commit_kind, CommitKind::Overwrite);
    assert_eq!(s.delta_record_count, Some(0));
    // dynamic: partitions b and d present in the input are replaced/added, a and c stay
    overwrite_rows(
        &t,
        OverwriteScope::Dynamic,
        &[json!({"dt": "b", "id": 20}), json!({"dt": "d", "id": 40})],
    )
    .await;
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &[
            json!({"dt": "a", "id": 10}),
            json!({"dt": "b", "id": 20}),
            json!({"dt": "c", "id": 3}),
            json!({"dt": "d", "id": 40}),
        ],
        "dynamic",
    );
    // whole table
    overwrite_rows(&t, OverwriteScope::All, &[json!({"dt": "z", "id": 0})]).await;
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &[json!({"dt": "z", "id": 0})],
        "all",
    );
    // time travel still sees the old state
    assert_eq!(read_rows(&t, SnapshotSelector::Id(1)).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_prune_and_apply_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.f",
        vec![field("dt", "STRING"), field("v", "INT")],
        &["dt"],
        &[],
        &[],
    )
    .await;
    for d in 0..5 {
        let rows: Vec<Value> = (0..10)
            .map(|i| json!({"dt": format!("d{d}"), "v": d * 100 + i}))
            .collect();
        write_rows(&t, &rows).await;
    }
    let p = strata_core::parse_filter("dt = 'd3' AND v >= 305", &t.schema().fields).unwrap();
    let plan = t
        .new_scan()
        .with_filter(Some(p.clone()))
        .plan()
        .await
        .unwrap();
    assert_eq!(plan.splits.len(), 1, "partition pruning");
    let p2 = strata_core::parse_filter("v > 405", &t.schema().fields).unwrap();
    let plan2 = t.new_scan().with_filter(Some(p2)).plan().await.unwrap();
    assert_eq!(plan2.splits.len(), 1, "stats pruning keeps only d4");
    let read = t.new_read().with_filter(Some(p));
    let batches = read.collect(&plan).await.unwrap();
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(n, 5);
}
