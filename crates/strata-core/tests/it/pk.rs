//! Primary-key tables: upserts, deletes, compactions and reads against an in-memory model.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use strata_core::maintenance::{compact, CompactOptions};
use strata_core::SnapshotSelector;
use strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upserts_and_deletes_merge_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.pk",
        vec![field("id", "BIGINT"), field("v", "STRING")],
        &[],
        &["id"],
        &[("bucket", "2")],
    )
    .await;
    write_rows(
        &t,
        &[
            json!({"id": 1, "v": "a"}),
            json!({"id": 2, "v": "b"}),
            json!({"id": 3, "v": "c"}),
        ],
    )
    .await;
    write_kinds(
        &t,
        &[json!({"id": 2, "v": "b2"}), json!({"id": 3, "v": null})],
        &[2, 3],
    )
    .await;
    write_rows(
        &t,
        &[json!({"id": 4, "v": "d"}), json!({"id": 1, "v": "a2"})],
    )
    .await;
    let want = vec![
        json!({"id": 1, "v": "a2"}),
        json!({"id": 2, "v": "b2"}),
        json!({"id": 4, "v": "d"}),
    ];
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &want,
        "merged",
    );
    // snapshot 1 still reads its own state
    assert_eq!(read_rows(&t, SnapshotSelector::Id(1)).await.len(), 3);
    // a value filter applies after the merge (paimon#4065): v = 'b' must not resurrect id 2
    let f = strata_core::parse_filter("v = 'b'", &t.schema().fields).unwrap();
    let plan = t
        .new_scan()
        .with_filter(Some(f.clone()))
        .plan()
        .await
        .unwrap();
    let rows = t
        .new_read()
        .with_filter(Some(f))
        .collect(&plan)
        .await
        .unwrap();
    assert_eq!(rows.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
    // full compaction leaves the answer unchanged and drops the deletes
    let r = full_compact(&t).await;
    assert!(r.snapshot.is_some());
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &want,
        "after full compaction",
    );
    let plan = t.new_scan().plan().await.unwrap();
    for s in &plan.splits {
        assert!(
            s.files
                .iter()
                .all(|f| f.level == 5 && f.delete_row_count == Some(0)),
            "{:?}",
            s.files
        );
    }
    let kinds: Vec<_> = t
        .snapshot_manager()
        .snapshots()
        .await
        .unwrap()
        .iter()
        .map(|s| s.commit_kind)
        .collect();
    assert_eq!(kinds.last(), Some(&strata_spec::CommitKind::Compact));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_files_stay_in_one_split_paimon_rust_373() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.k",
        vec![field("id", "INT"), field("v", "INT")],
        &[],
        &["id"],
        &[
            ("bucket", "1"),
            ("source.split.target-size", "1"),
            ("write-only", "true"),
        ],
    )
    .await;
    for v in 0..3 {
        write_rows(&t, &[json!({"id": 7, "v": v})]).await;
    }
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &[json!({"id": 7, "v": 2})],
        "one row",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_numbers_continue_across_commits_and_writers() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.s",
        vec![field("id", "INT"), field("v", "INT")],
        &[],
        &["id"],
        &[("bucket", "1"), ("write-only", "true")],
    )
    .await;
    write_rows(&t, &[json!({"id": 1, "v": 1}), json!({"id": 2, "v": 2})]).await;
    write_rows(&t, &[json!({"id": 1, "v": 3})]).await;
    let plan = t.new_scan().plan().await.unwrap();
    let mut ranges: Vec<(i64, i64)> = plan.splits[0]
        .files
        .iter()
        .map(|f| (f.min_sequence_number, f.max_sequence_number))
        .collect();
    ranges.sort();
    assert_eq!(ranges, vec![(0, 1), (2, 2)]);
}

/// The seeded model test: random upserts and deletes over many commits, random buffer sizes,
/// compactions and full compactions; after every commit the table equals an in-memory map.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_test_random_upserts_deletes_and_compactions() {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let buffer = ["4 kb", "64 kb", "1 mb"][rng.random_range(0..3)];
    let t = create_table(
        &catalog,
        "db.model",
        vec![
            field("dt", "STRING"),
            field("id", "INT"),
            field("v", "BIGINT"),
            field("s", "STRING"),
        ],
        &["dt"],
        &["dt", "id"],
        &[
            ("bucket", "2"),
            ("write-buffer-size", buffer),
            ("num-sorted-run.compaction-trigger", "3"),
        ],
    )
    .await;
    let mut model: BTreeMap<(String, i64), Value> = BTreeMap::new();
    let commits = if std::env::var("STRATA_LONG").is_ok() {
        120
    } else {
        25
    };
    for c in 0..commits {
        let n = rng.random_range(1..400);
        let mut rows = Vec::new();
        let mut kinds = Vec::new();
        for _ in 0..n {
            let dt = format!("d{}", rng.random_range(0..2));
            let id = rng.random_range(0..300i64);
            let del = rng.random_bool(0.2);
            let row = json!({"dt": dt, "id": id, "v": rng.random_range(-1000..1000i64), "s": format!("s{}", rng.random_range(0..50))});
            if del {
                model.remove(&(dt, id));
                kinds.push(3);
            } else {
                model.insert((dt, id), row.clone());
                kinds.push(if rng.random_bool(0.5) { 0 } else { 2 });
            }
            rows.push(row);
        }
        write_kinds(&t, &rows, &kinds).await;
        match rng.random_range(0..10) {
            0 => {
                full_compact(&t).await;
            }
            1 => {
                compact(&t, &CompactOptions::default(), &mut |_, _| {})
                    .await
                    .unwrap();
            }
            _ => {}
        }
        let want: Vec<Value> = model.values().cloned().collect();
        assert_same_rows(
            &read_rows(&t, SnapshotSelector::Latest).await,
            &want,
            &format!("commit {c} (seed {seed})"),
        );
    }
}

/// Two writers on the same bucket break Paimon's single-writer rule; when both compact, the
/// commit's conflict check makes the second fail with a clear message instead of corrupting
/// the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_compacting_one_bucket_conflict_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.w",
        vec![field("id", "INT"), field("v", "INT")],
        &[],
        &["id"],
        &[("bucket", "1"), ("write-only", "true")],
    )
    .await;
    write_rows(&t, &[json!({"id": 1, "v": 1}), json!({"id": 2, "v": 2})]).await;
    write_rows(&t, &[json!({"id": 1, "v": 3})]).await;
    let t = reopen(&catalog, "db.w").await;
    let rows = |v: i64| batch_of(&t, &[json!({"id": 3, "v": v})]);
    let partition = strata_spec::binary_row::EMPTY_SERIALIZED_ROW.to_vec();
    let mut a = t.new_write().unwrap();
    let mut b = t.new_write().unwrap();
    a.write(&rows(10)).await.unwrap();
    b.write(&rows(20)).await.unwrap();
    a.compact_bucket(partition.clone(), 0, true).await.unwrap();
    b.compact_bucket(partition, 0, true).await.unwrap();
    let (ma, mb) = (
        a.prepare_commit().await.unwrap(),
        b.prepare_commit().await.unwrap(),
    );
    let (ua, ub) = (a.commit_user().to_string(), b.commit_user().to_string());
    a.close().await.unwrap();
    b.close().await.unwrap();
    t.new_commit(&ua)
        .commit(ma, BATCH_COMMIT_IDENTIFIER)
        .await
        .unwrap();
    let err = t
        .new_commit(&ub)
        .commit(mb, BATCH_COMMIT_IDENTIFIER)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("conflicts") && err.contains("already removed"),
        "{err}"
    );
    // the table still reads consistently: writer A's compaction and writer B's appended row
    let got = strata_read(&catalog, "db.w").await;
    assert_eq!(got.len(), 3, "{got:?}");
}

/// For each changelog producer: replaying every change from the first snapshot, in order,
/// rebuilds the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changelog_replayed_in_order_rebuilds_the_table() {
    use futures::StreamExt;
    use strata_core::stream::{StartingPosition, StreamScan};
    let seed = seed();
    for producer in ["input", "lookup", "full-compaction"] {
        let mut rng = StdRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let catalog = catalog_at(dir.path());
        let name = "db.cl";
        create_table(
            &catalog,
            name,
            vec![field("id", "INT"), field("v", "BIGINT")],
            &[],
            &["id"],
            &[("bucket", "2"), ("changelog-producer", producer)],
        )
        .await;
        for c in 0..8 {
            let mut rows = Vec::new();
            let mut kinds = Vec::new();
            for _ in 0..rng.random_range(1..60) {
                let id = rng.random_range(0..40);
                rows.push(json!({"id": id, "v": rng.random_range(0..1000)}));
                kinds.push(if rng.random_bool(0.2) {
                    3
                } else if rng.random_bool(0.5) {
                    2
                } else {
                    0
                });
            }
            write_kinds(&reopen(&catalog, name).await, &rows, &kinds).await;
            if producer == "full-compaction" && (c % 3 == 2 || c == 7) {
                full_compact(&reopen(&catalog, name).await).await;
            }
        }
        let t = reopen(&catalog, name).await;
        let latest = t.snapshot_manager().latest_id().await.unwrap().unwrap();
        let mut s = StreamScan::new(t.clone())
            .with_start(StartingPosition::FromSnapshot(1))
            .with_end(Some(latest))
            .start()
            .await
            .unwrap();
        let mut state: BTreeMap<i64, i64> = BTreeMap::new();
        let fields = t.schema().fields.clone();
        while let Some(b) = s.next().await {
            let b = b.unwrap();
            let rows = strata_core::json::batch_to_json(&b.batch, &fields).unwrap();
            for (i, r) in rows.iter().enumerate() {
                let id = r["id"].as_i64().unwrap();
                match b.kinds.value(i) {
                    1 | 3 => {
                        state.remove(&id);
                    }
                    _ => {
                        state.insert(id, r["v"].as_i64().unwrap());
                    }
                }
            }
        }
        let want: Vec<Value> = state
            .iter()
            .map(|(k, v)| json!({"id": k, "v": v}))
            .collect();
        assert_same_rows(
            &strata_read(&catalog, name).await,
            &want,
            &format!("{producer} (seed {seed})"),
        );
    }
}
