//! Paimon's conflict rules between concurrent jobs, replayed deterministically (the racing
//! process tests in `procs` hit the same cases by chance):
//!
//! * a compaction whose input files an overwrite removed first fails with a deletion conflict
//!   that names the file and the likely cause, and publishes nothing; `compact` starts over
//!   from the new snapshot and succeeds;
//! * an overwrite and an append prepared concurrently resolve in publication order, as in
//!   Paimon: the overwrite replaces what is live when it publishes (an append published first
//!   is replaced too), and an append published after the overwrite survives it.

use serde_json::json;
use strata_core::{CommitError, Error, OverwriteScope, SnapshotSelector, Table};
use strata_spec::CommitKind;

use crate::common::*;
use crate::harness::*;

async fn prepared(table: &Table, w: i32, op: &Op) -> Vec<strata_core::CommitMessage> {
    write_op(table, w, op).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compaction_that_lost_its_inputs_to_an_overwrite_conflicts_and_retries() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let table = create_workload_table(&catalog).await;
    for (j, rows) in [vec![(0, 1), (4, 2)], vec![(8, 3), (12, 4)]]
        .into_iter()
        .enumerate()
    {
        let op = Op::Upsert(rows);
        let m = prepared(&table, 0, &op).await;
        table
            .new_commit(&user(0))
            .commit(m, j as i64 + 1)
            .await
            .unwrap();
    }
    // A compactor reads snapshot 2 and compacts bucket by bucket...
    let mut w = table.new_write().unwrap();
    let plan = table.new_scan().plan().await.unwrap();
    for split in &plan.splits {
        w.compact_bucket(split.partition.clone(), split.bucket, true)
            .await
            .unwrap();
    }
    let compaction = w.prepare_commit().await.unwrap();
    let compactor = w.commit_user().to_string();
    w.close().await.unwrap();
    assert!(compaction.iter().any(|m| !m.compact_before.is_empty()));
    // ...while writer 1 overwrites the table.
    let ow = Op::Overwrite(vec![(1, 10), (5, 11)]);
    let m = prepared(&table, 1, &ow).await;
    table
        .new_commit(&user(1))
        .overwrite(OverwriteScope::All, m, 1)
        .await
        .unwrap();
    let err = table
        .new_commit(&compactor)
        .commit(compaction, i64::MAX)
        .await
        .unwrap_err();
    match &err {
        Error::Commit(CommitError::Conflict { reason, .. }) => {
            assert!(
                reason.contains("deletion conflicts")
                    && reason.contains("already removed by another commit")
                    && reason.contains("overwrite"),
                "{reason}"
            )
        }
        other => panic!("expected a conflict, got {other}"),
    }
    let latest = table.snapshot_manager().latest().await.unwrap().unwrap();
    assert_eq!(
        (latest.id, latest.commit_kind),
        (3, CommitKind::Overwrite),
        "nothing was published"
    );
    // The maintenance job plans again from the latest snapshot and succeeds.
    let t = reopen(&catalog, TABLE).await;
    let report = full_compact(&t).await;
    assert!(report.snapshot.is_some());
    assert_same_rows(
        &read_rows(&t, SnapshotSelector::Latest).await,
        &[
            json!({"k": 1, "v": 10, "w": 1}),
            json!({"k": 5, "v": 11, "w": 1}),
        ],
        "after the overwrite and the compaction",
    );
    check_referenced_files_exist(&t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overwrite_and_append_resolve_in_publication_order() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let table = create_workload_table(&catalog).await;
    let seed_rows = Op::Upsert(vec![(0, 1)]);
    let m = prepared(&table, 0, &seed_rows).await;
    table.new_commit(&user(0)).commit(m, 1).await.unwrap();

    // Both prepared against snapshot 1; the append publishes first: the overwrite, published
    // second, replaces it too.
    let append = Op::Upsert(vec![(4, 2)]);
    let overwrite = Op::Overwrite(vec![(1, 3)]);
    let ma = prepared(&table, 0, &append).await;
    let mo = prepared(&table, 1, &overwrite).await;
    table.new_commit(&user(0)).commit(ma, 2).await.unwrap();
    table
        .new_commit(&user(1))
        .overwrite(OverwriteScope::All, mo, 1)
        .await
        .unwrap();
    assert_same_rows(
        &read_rows(&table, SnapshotSelector::Latest).await,
        &[json!({"k": 1, "v": 3, "w": 1})],
        "append then overwrite",
    );

    // Prepared together again; the overwrite publishes first: the append survives it.
    let append = Op::Upsert(vec![(8, 4)]);
    let overwrite = Op::Overwrite(vec![(5, 5)]);
    let ma = prepared(&table, 0, &append).await;
    let mo = prepared(&table, 1, &overwrite).await;
    table
        .new_commit(&user(1))
        .overwrite(OverwriteScope::All, mo, 2)
        .await
        .unwrap();
    table.new_commit(&user(0)).commit(ma, 3).await.unwrap();
    assert_same_rows(
        &read_rows(&table, SnapshotSelector::Latest).await,
        &[
            json!({"k": 5, "v": 5, "w": 1}),
            json!({"k": 8, "v": 4, "w": 0}),
        ],
        "overwrite then append",
    );
    // The replay of the snapshots says the same.
    let r = replay(&table, &|w, j| match (w, j) {
        (0, 0) => seed_rows.clone(),
        (0, 1) => Op::Upsert(vec![(4, 2)]),
        (1, 0) => Op::Overwrite(vec![(1, 3)]),
        (1, 1) => Op::Overwrite(vec![(5, 5)]),
        (0, 2) => Op::Upsert(vec![(8, 4)]),
        _ => unreachable!(),
    })
    .await
    .unwrap();
    assert_same_rows(
        &read_rows(&table, SnapshotSelector::Latest).await,
        &model_rows(&r.model),
        "replay",
    );
}
