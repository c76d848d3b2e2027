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

/// Base manifests merge as Paimon's `ManifestFileMerger` does: small ones are folded into
/// full-size ones, full ones stay untouched by later commits, DELETE entries trigger a full
/// merge, and the table always reads what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifests_merge_small_ones_and_leave_full_ones_alone() {
    use rand::{Rng, SeedableRng};
    let seed = seed();
    println!("seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    // 8 kb / 512 bytes: 16 entries per manifest; merge the last group at 3 manifests; fold
    // the whole list once DELETE entries reach 16 kb (32 entries)
    create_table(
        &catalog,
        "db.m",
        vec![field("k", "INT NOT NULL"), field("v", "BIGINT")],
        &[],
        &["k"],
        &[
            ("bucket", "2"),
            ("write-only", "true"),
            ("manifest.target-file-size", "8 kb"),
            ("manifest.merge-min-count", "3"),
            ("manifest.full-compaction-threshold-size", "16 kb"),
        ],
    )
    .await;
    let mut model = std::collections::BTreeMap::new();
    let mut full_kept = 0;
    let mut previous_full: Vec<String> = Vec::new();
    for c in 0..60i64 {
        let t = reopen(&catalog, "db.m").await;
        let rows: Vec<serde_json::Value> = (0..rng.random_range(1..6))
            .map(|_| {
                let k = rng.random_range(0..40);
                model.insert(k, c);
                json!({"k": k, "v": c})
            })
            .collect();
        write_rows(&t, &rows).await;
        if c % 17 == 16 {
            full_compact(&reopen(&catalog, "db.m").await).await;
        }
        let t = reopen(&catalog, "db.m").await;
        let expected: Vec<serde_json::Value> =
            model.iter().map(|(k, v)| json!({"k": k, "v": v})).collect();
        assert_same_rows(
            &read_rows(&t, SnapshotSelector::Latest).await,
            &expected,
            &format!("commit {c} (seed {seed})"),
        );
        let snap = t.snapshot_manager().latest().await.unwrap().unwrap();
        let store = t.manifest_store();
        let base = store.read_list(&snap.base_manifest_list).await.unwrap();
        let entries: i64 = base
            .iter()
            .map(|m| m.num_added_files + m.num_deleted_files)
            .sum();
        assert!(
            base.len() as i64 <= entries / 16 + 4,
            "commit {c}: {} base manifests for {entries} entries (seed {seed})",
            base.len()
        );
        let full: Vec<String> = base
            .iter()
            .filter(|m| m.num_added_files + m.num_deleted_files >= 16)
            .map(|m| m.file_name.clone())
            .collect();
        full_kept += previous_full.iter().filter(|n| full.contains(n)).count();
        previous_full = full;
    }
    assert!(
        full_kept > 0,
        "full manifests were rewritten by every commit"
    );
}
