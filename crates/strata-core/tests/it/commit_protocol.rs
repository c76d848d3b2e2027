//! The commit protocol: idempotent identifiers, lost races retried with the next id,
//! conflicts detected, ambiguous outcomes never followed by deletes.

use std::sync::Arc;

use serde_json::json;
use strata_core::{CommitError, Error, SnapshotSelector};
use strata_io::faulty::{FaultConfig, FaultyStore, Op};
use strata_spec::CommitKind;

use crate::common::*;

async fn messages(
    t: &strata_core::Table,
    rows: &[serde_json::Value],
) -> (String, Vec<strata_core::CommitMessage>) {
    messages_with_kinds(t, rows, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recommitting_an_identifier_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(&catalog, "db.t", vec![field("id", "INT")], &[], &[], &[]).await;
    let (user, msgs) = messages(&t, &[json!({"id": 1})]).await;
    let c = t.new_commit(&user);
    assert_eq!(c.commit(msgs.clone(), 7).await.unwrap(), vec![1]);
    assert!(c.commit(msgs.clone(), 7).await.unwrap().is_empty());
    assert!(
        c.commit(msgs, 6).await.unwrap().is_empty(),
        "older identifiers are committed too"
    );
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_committers_each_get_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.t",
        vec![field("id", "INT")],
        &[],
        &[],
        &[("commit.min-retry-wait", "1 ms")],
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let rows = vec![json!({"id": i})];
            let (user, msgs) = messages(&t, &rows).await;
            t.new_commit(&user).commit(msgs, 1).await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }
    ids.sort();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_file_someone_else_removed_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(&catalog, "db.t", vec![field("id", "INT")], &[], &[], &[]).await;
    let (user, msgs) = messages(&t, &[json!({"id": 1})]).await;
    t.new_commit(&user).commit(msgs.clone(), 1).await.unwrap();
    // A "compaction" that removes the file, committed twice: the second must conflict.
    let mut compact = msgs[0].clone();
    compact.compact_before = std::mem::take(&mut compact.new_files);
    t.new_commit("compactor")
        .commit(vec![compact.clone()], 1)
        .await
        .unwrap();
    let err = t
        .new_commit("compactor-2")
        .commit(vec![compact], 1)
        .await
        .unwrap_err();
    match err {
        Error::Commit(CommitError::Conflict { reason, .. }) => {
            assert!(reason.contains("deletion conflicts"), "{reason}")
        }
        other => panic!("expected a conflict, got {other}"),
    }
    let s = t.snapshot_manager().latest().await.unwrap().unwrap();
    assert_eq!((s.id, s.commit_kind), (2, CommitKind::Compact));
}

async fn faulty_table(t: &strata_core::Table) -> (strata_core::Table, Arc<FaultyStore>) {
    let faulty = Arc::new(FaultyStore::new(t.io().store(), 1, FaultConfig::default()));
    let f2 = faulty.clone();
    let ft = strata_core::Table::load(t.io().wrapped(move |_| f2), t.identifier().clone())
        .await
        .unwrap();
    (ft, faulty)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_snapshot_write_is_resolved_by_reading_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(&catalog, "db.t", vec![field("id", "INT")], &[], &[], &[]).await;
    let (user, msgs) = messages(&t, &[json!({"id": 1})]).await;
    let (ft, faulty) = faulty_table(&t).await;
    // The snapshot is written but the store reports a failure.
    faulty.fail_next_on(Op::Write, "snapshot/snapshot-1", true);
    assert_eq!(
        ft.new_commit(&user).commit(msgs.clone(), 3).await.unwrap(),
        vec![1]
    );
    // Retrying with the same identifier is a no-op.
    assert!(ft
        .new_commit(&user)
        .commit(msgs, 3)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(t.snapshot_manager().snapshots().await.unwrap().len(), 1);
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_outcome_keeps_files_and_a_retry_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(&catalog, "db.t", vec![field("id", "INT")], &[], &[], &[]).await;
    let (user, msgs) = messages(&t, &[json!({"id": 1})]).await;
    let (ft, faulty) = faulty_table(&t).await;
    // The snapshot write fails and so does the read that would tell whether it landed.
    faulty.fail_next_on(Op::Write, "snapshot/snapshot-1", false);
    faulty.fail_next_on(Op::Read, "snapshot/snapshot-1", false);
    let manifest_dir = dir.path().join("db.db/t/manifest");
    let err = ft
        .new_commit(&user)
        .commit(msgs.clone(), 4)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            strata_core::Error::Commit(CommitError::OutcomeUnknown { .. })
        ),
        "{err}"
    );
    assert!(
        std::fs::read_dir(&manifest_dir).unwrap().count() >= 3,
        "manifests of an unknown outcome are kept"
    );
    for m in &msgs {
        for f in &m.new_files {
            assert!(dir
                .path()
                .join("db.db/t/bucket-0")
                .join(&f.file_name)
                .exists());
        }
    }
    // The snapshot did not land; the retry publishes it exactly once.
    assert_eq!(
        ft.new_commit(&user).commit(msgs.clone(), 4).await.unwrap(),
        vec![1]
    );
    assert!(ft
        .new_commit(&user)
        .commit(msgs, 4)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 1);
}
