//! Snapshot expiry: Java 0.9's own expiry of `java_pk_compacted` (the fixture's
//! `expire_experiment`) deletes exactly the files ours deletes; tags and consumers keep what
//! they need; the table reads the same afterwards.

use std::time::Duration;

use serde_json::{json, Value};
use strata_core::maintenance::{create_tag, expire_snapshots, ExpireOptions};
use strata_core::{Identifier, SnapshotSelector};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_deletes_what_java_deleted() {
    let name = "java_pk_compacted";
    let fixture = fixtures_dir().join(name);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("expected.json")).unwrap())
            .unwrap();
    let experiment = &expected["expire_experiment"];
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture.join("warehouse"), dir.path());
    let table_dir = dir.path().join("default.db").join(name);
    let before = files_under(&table_dir);
    let catalog = catalog_at(dir.path());
    let table = catalog
        .get_table(&Identifier::new("default", name))
        .await
        .unwrap();
    let report = expire_snapshots(
        &table,
        &ExpireOptions {
            retain_max: Some(2),
            retain_min: Some(1),
            time_retained: Some(Duration::from_secs(10 * 365 * 86_400)),
            limit: Some(i64::from(i32::MAX)),
            now_ms: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        report.expired_snapshots.len() as u64,
        experiment["result"]["expired"].as_u64().unwrap()
    );
    assert_eq!(
        report.earliest,
        experiment["result"]["earliestSnapshotId"].as_i64()
    );
    let after = files_under(&table_dir);
    let gone: Vec<&String> = before.iter().filter(|f| !after.contains(f)).collect();
    let mut want: Vec<String> = experiment["deleted_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert_eq!(
        gone,
        want.iter().collect::<Vec<_>>(),
        "deleted files differ from Java's"
    );
    assert_eq!(report.deleted_files, want, "report lists the deleted files");
    assert_eq!(
        std::fs::read_to_string(table_dir.join("snapshot/EARLIEST")).unwrap(),
        "10"
    );
    let table = reopen(&catalog, "default.java_pk_compacted").await;
    let rows = read_rows(&table, SnapshotSelector::Latest).await;
    assert_same_rows(
        &rows,
        experiment["rows_after"].as_array().unwrap(),
        "rows after expiry",
    );
}

fn row(id: i64, v: &str) -> Value {
    json!({"id": id, "v": v})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_and_consumers_keep_what_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.t",
        vec![field("id", "BIGINT NOT NULL"), field("v", "STRING")],
        &[],
        &["id"],
        &[
            ("bucket", "1"),
            ("num-sorted-run.compaction-trigger", "2"),
            ("snapshot.num-retained.min", "100"),
        ],
    )
    .await;
    let mut at: Vec<(i64, Vec<Value>)> = Vec::new();
    for i in 0..8 {
        let ids = write_rows(&t, &[row(i % 3, &format!("x{i}")), row(10 + i, "y")]).await;
        let last = *ids.last().unwrap();
        at.push((last, read_rows(&t, SnapshotSelector::Id(last)).await));
    }
    let latest = t.snapshot_manager().latest_id().await.unwrap().unwrap();
    let tagged = at[2].0;
    create_tag(&t, "keep", Some(tagged), None).await.unwrap();
    let consumers = strata_core::consumer::ConsumerManager::new(t.io().clone(), t.name());
    let protected = at[5].0;
    consumers.record("reader", protected).await.unwrap();
    let opts = ExpireOptions {
        retain_min: Some(1),
        retain_max: Some(1),
        time_retained: Some(Duration::ZERO),
        limit: Some(1000),
        now_ms: None,
    };
    let r = expire_snapshots(&t, &opts).await.unwrap();
    assert_eq!(r.earliest, Some(protected), "the consumer's snapshot stays");
    for (id, rows) in &at {
        if *id >= protected {
            assert_same_rows(
                &read_rows(&t, SnapshotSelector::Id(*id)).await,
                rows,
                &format!("snapshot {id}"),
            );
        }
    }
    consumers.delete("reader").await.unwrap();
    let r = expire_snapshots(&t, &opts).await.unwrap();
    assert_eq!(r.earliest, Some(latest));
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Tag("keep".into())).await,
        &at[2].1,
        "tag after expiry",
    );
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &at[7].1,
        "latest after expiry",
    );
    // Every file the remaining metadata references exists: an orphan scan that deletes
    // nothing young and nothing used finds no missing file either.
    let report = strata_core::maintenance::remove_orphan_files(&t, Duration::ZERO, true)
        .await
        .unwrap();
    assert!(
        report.orphans.is_empty(),
        "expiry leaked files: {:?}",
        report.orphans
    );
}
