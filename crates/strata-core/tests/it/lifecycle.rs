//! Tags, rollback and orphan cleanup on tables Strata writes: what remains reads exactly as
//! before, and nothing that is used is ever deleted.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use strata_core::maintenance::{
    create_tag, delete_tag, list_tags, remove_orphan_files, rollback_to, RollbackTarget,
};
use strata_core::{SnapshotSelector, Table};

use crate::common::*;

fn kv(id: i64, v: &str) -> Value {
    json!({"id": id, "v": v})
}

/// A primary-key table with `n` commits; returns the rows at each snapshot id.
async fn table_with_history(dir: &std::path::Path, n: i64) -> (Table, Vec<(i64, Vec<Value>)>) {
    let catalog = catalog_at(dir);
    let t = create_table(
        &catalog,
        "db.t",
        vec![field("id", "BIGINT NOT NULL"), field("v", "STRING")],
        &[],
        &["id"],
        &[("bucket", "1"), ("num-sorted-run.compaction-trigger", "3")],
    )
    .await;
    let mut at = Vec::new();
    for i in 0..n {
        for id in write_rows(&t, &[kv(i % 4, &format!("v{i}")), kv(100 + i, "n")]).await {
            at.push((id, read_rows(&t, SnapshotSelector::Id(id)).await));
        }
    }
    (t, at)
}

fn rows_at(at: &[(i64, Vec<Value>)], id: i64) -> &Vec<Value> {
    &at.iter().find(|(i, _)| *i == id).unwrap().1
}

async fn assert_no_leaks_and_all_reads(t: &Table) {
    let r = remove_orphan_files(t, Duration::ZERO, true).await.unwrap();
    assert!(r.orphans.is_empty(), "unreferenced files: {:?}", r.orphans);
    for s in t.snapshot_manager().snapshots().await.unwrap() {
        read_rows(t, SnapshotSelector::Id(s.id)).await;
    }
    for name in t.snapshot_manager().tag_names().await.unwrap() {
        read_rows(t, SnapshotSelector::Tag(name)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_create_list_delete() {
    let dir = tempfile::tempdir().unwrap();
    let (t, at) = table_with_history(dir.path(), 6).await;
    let s2 = at[1].0;
    create_tag(&t, "plain", Some(s2), None).await.unwrap();
    create_tag(&t, "ttl", None, Some(Duration::from_secs(86_400)))
        .await
        .unwrap();
    assert!(create_tag(&t, "plain", None, None).await.is_err());
    assert!(create_tag(&t, "42", None, None).await.is_err());
    let plain = std::fs::read_to_string(dir.path().join("db.db/t/tag/tag-plain")).unwrap();
    assert!(!plain.contains("tagCreateTime") && !plain.contains("tagTimeRetained"));
    let ttl = std::fs::read_to_string(dir.path().join("db.db/t/tag/tag-ttl")).unwrap();
    assert!(
        ttl.contains("\"tagCreateTime\"") && ttl.contains("\"tagTimeRetained\" : 86400.0"),
        "{ttl}"
    );
    let tags = list_tags(&t).await.unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].name, "plain");
    assert_eq!(tags[0].snapshot_id, s2);
    assert_eq!(tags[1].time_retained, Some(Duration::from_secs(86_400)));
    // The tagged snapshot expires; the tag keeps it readable; deleting the tag frees its files.
    expire_all_but(&t, 1).await;
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Tag("plain".into())).await,
        rows_at(&at, s2),
        "tag after expiry",
    );
    assert_no_leaks_and_all_reads(&t).await;
    let deleted = delete_tag(&t, "plain").await.unwrap();
    assert!(
        deleted.len() > 1,
        "files only the tag used are deleted: {deleted:?}"
    );
    assert!(delete_tag(&t, "plain").await.is_err());
    assert_no_leaks_and_all_reads(&t).await;
    let latest = at.last().unwrap();
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &latest.1,
        "latest",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_to_snapshot_and_to_expired_tag() {
    let dir = tempfile::tempdir().unwrap();
    let (t, at) = table_with_history(dir.path(), 8).await;
    let latest = at.last().unwrap().0;
    let (early, mid, late) = (at[1].0, at[at.len() / 2].0, latest - 1);
    create_tag(&t, "early", Some(early), None).await.unwrap();
    create_tag(&t, "late", Some(late), None).await.unwrap();
    let r = rollback_to(&t, RollbackTarget::Snapshot(mid))
        .await
        .unwrap();
    assert_eq!(r.snapshot, mid);
    assert_eq!(r.removed_tags, vec!["late".to_string()]);
    assert_eq!(t.snapshot_manager().latest_id().await.unwrap(), Some(mid));
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        rows_at(&at, mid),
        "after rollback",
    );
    assert_no_leaks_and_all_reads(&t).await;
    // The table keeps working: the next commit is mid + 1.
    let ids = write_rows(&t, &[kv(7, "after")]).await;
    assert_eq!(ids[0], mid + 1);
    // Roll back to a tag whose snapshot expired: the snapshot is recreated from the tag.
    expire_all_but(&t, 1).await;
    assert!(!t.snapshot_manager().exists(early).await.unwrap());
    let r = rollback_to(&t, RollbackTarget::Tag("early".into()))
        .await
        .unwrap();
    assert_eq!(r.snapshot, early);
    let sm = t.snapshot_manager();
    assert_eq!(sm.latest_id().await.unwrap(), Some(early));
    assert_eq!(sm.earliest_id().await.unwrap(), Some(early));
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        rows_at(&at, early),
        "rolled back to tag",
    );
    assert_no_leaks_and_all_reads(&t).await;
    assert!(rollback_to(&t, RollbackTarget::Snapshot(latest))
        .await
        .is_err());
}

fn plant(path: &std::path::Path, bytes: &[u8], age: Duration) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphan_cleanup_removes_old_leftovers_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (t, at) = table_with_history(dir.path(), 5).await;
    let root = dir.path().join("db.db/t");
    let day2 = Duration::from_secs(2 * 86_400);
    let stray = [
        "bucket-0/data-00000000-dead-beef-0000-000000000000-0.parquet",
        "bucket-0/changelog-00000000-dead-beef-0000-000000000000-0.parquet",
        "manifest/manifest-00000000-dead-beef-0000-000000000000-0",
        "manifest/manifest-list-00000000-dead-beef-0000-000000000000-0",
        "index/index-00000000-dead-beef-0000-000000000000-0",
    ];
    for s in stray {
        plant(&root.join(s), b"leftover", day2);
    }
    // Never candidates, whatever their age; and a young leftover.
    let kept = [
        "snapshot/junk",
        "schema/schema-99x",
        "tag/notes",
        "consumer/x.tmp",
        "README",
    ];
    for k in kept {
        plant(&root.join(k), b"keep", day2);
    }
    plant(
        &root.join("bucket-0/data-young.parquet"),
        b"young",
        Duration::ZERO,
    );
    let before = files_under(&root);
    let dry = remove_orphan_files(&t, Duration::from_secs(86_400), true)
        .await
        .unwrap();
    let mut found: Vec<&str> = dry.orphans.iter().map(|o| o.path.as_str()).collect();
    found.sort();
    let mut want = stray.to_vec();
    want.sort();
    assert_eq!(found, want);
    assert!(dry.orphans.iter().all(|o| o.size == 8));
    assert_eq!(dry.too_young, 1);
    assert_eq!(files_under(&root), before, "a dry run deletes nothing");
    let r = remove_orphan_files(&t, Duration::from_secs(86_400), false)
        .await
        .unwrap();
    assert_eq!(r.orphans.len(), stray.len());
    let after = files_under(&root);
    let gone: Vec<&String> = before.iter().filter(|f| !after.contains(f)).collect();
    assert_eq!(
        gone,
        want.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>()
    );
    for k in kept {
        assert!(root.join(k).exists(), "{k} kept");
    }
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &at.last().unwrap().1,
        "latest",
    );
    for (id, rows) in &at {
        assert_same_rows(
            &read_rows(&t, SnapshotSelector::Id(*id)).await,
            rows,
            "history",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_daily_tags_after_commits() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.auto",
        vec![field("id", "BIGINT NOT NULL"), field("v", "STRING")],
        &[],
        &["id"],
        &[
            ("bucket", "1"),
            ("tag.automatic-creation", "process-time"),
            ("tag.creation-period", "daily"),
            ("tag.num-retained-max", "1"),
        ],
    )
    .await;
    write_rows(&t, &[kv(1, "a")]).await;
    // An older automatic tag made on that first snapshot is dropped by tag.num-retained-max.
    create_tag(&t, "2020-01-01", Some(1), None).await.unwrap();
    write_rows(&t, &[kv(2, "b")]).await;
    let yesterday = (chrono::Local::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let names = t.snapshot_manager().tag_names().await.unwrap();
    assert_eq!(names, vec![yesterday]);
}
