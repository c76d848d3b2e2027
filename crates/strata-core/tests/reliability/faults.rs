//! Seeded, randomized commits over a failing store, in the spirit of Paimon's
//! `FileStoreCommitTest`: 4 writers commit concurrently (upserts, deletes, full compactions,
//! overwrites) through their own [`FaultyStore`], which fails 5 % of reads, writes, lists and
//! deletes and makes some writes ambiguous (written but reported failed, or — a lost
//! acknowledgement — reported "already exists"). A writer retries each operation with the same
//! commit identifier. At the end, with faults off:
//!
//! * the table equals the replay of its snapshots, every acknowledged operation landed exactly
//!   once, and nothing landed twice;
//! * every file a snapshot references exists (an ambiguous commit never deleted a published
//!   snapshot's files);
//! * no read stream or multipart upload was left open.
//!
//! Default: 4 × 40 commits on local disk, 4 × 12 on moto. `STRATA_LONG=1`: 4 × 250 on both.
//! `STRATA_SEED=N` replays.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use strata_core::{Catalog, Table};
use strata_io::faulty::{FaultConfig, FaultyStore};

use crate::common::*;
use crate::harness::*;

const MIX: Mix = Mix {
    compact: 8,
    overwrite: 3,
};

async fn run(catalog: Catalog, commits: u64, label: &str) {
    let seed = seed();
    let table = create_workload_table(&catalog).await;
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    let mut stores = Vec::new();
    for w in 0..4 {
        let faulty = Arc::new(FaultyStore::new(
            table.io().store(),
            seed.wrapping_add(w as u64 + 1),
            FaultConfig::uniform(0.05),
        ));
        stores.push(faulty.clone());
        let io = table.io().wrapped(move |_| faulty);
        let ident = table.identifier().clone();
        tasks.push(tokio::spawn(async move {
            let mut stats = WriterStats::default();
            let mut acked = BTreeSet::new();
            let mut gave_up = Vec::new();
            // Loading the table reads through the faults too.
            let mut t: Option<Table> = None;
            for j in 0..commits {
                while t.is_none() {
                    t = Table::load(io.clone(), ident.clone()).await.ok();
                }
                let table = t.as_ref().expect("loaded");
                let op = gen_op(seed, w, j, MIX);
                match run_op(table, w, j, &op, 50, &mut stats).await {
                    OpOutcome::Acked if op != Op::Compact => {
                        acked.insert((w, j));
                    }
                    OpOutcome::Acked => {}
                    OpOutcome::GaveUp(e) => gave_up.push(format!("writer {w} op {j}: {e}")),
                }
            }
            (stats, acked, gave_up)
        }));
    }
    let mut acked = BTreeSet::new();
    let mut total = WriterStats::default();
    for t in tasks {
        let (s, a, g) = t.await.unwrap();
        for e in g.iter().take(3) {
            eprintln!("{label}: gave up: {e}");
        }
        acked.extend(a);
        total.acked += s.acked;
        total.gave_up += s.gave_up;
        total.unknown += s.unknown;
        total.conflicts += s.conflicts;
        total.retries += s.retries;
    }
    let injected: u64 = stores
        .iter()
        .map(|s| s.stats.injected.load(Ordering::SeqCst))
        .sum();
    let ambiguous: u64 = stores
        .iter()
        .map(|s| s.stats.ambiguous.load(Ordering::SeqCst))
        .sum();
    let lost_acks: u64 = stores
        .iter()
        .map(|s| s.stats.lost_acks.load(Ordering::SeqCst))
        .sum();
    let ops: u64 = stores
        .iter()
        .map(|s| s.stats.ops.load(Ordering::SeqCst))
        .sum();
    for (w, s) in stores.iter().enumerate() {
        assert_eq!(
            s.stats.open_handles(),
            0,
            "{label}: writer {w} leaked {} read streams and {} multipart uploads",
            s.stats.open_reads.load(Ordering::SeqCst),
            s.stats.open_uploads.load(Ordering::SeqCst)
        );
    }
    let op_of = |w: i32, j: u64| gen_op(seed, w, j, MIX);
    let r = check_table(&table, &op_of, &acked, label).await;
    eprintln!(
        "{label}: 4 writers x {commits} operations in {:.1?}: {} acknowledged, {} given up, {} landed, {} compaction snapshots; {ops} storage operations, {injected} faults injected ({ambiguous} ambiguous writes, {lost_acks} lost acknowledgements), {} unknown outcomes retried, {} compaction conflicts, {} retries",
        started.elapsed(),
        total.acked,
        total.gave_up,
        r.landed.len(),
        r.compactions,
        total.unknown,
        total.conflicts,
        total.retries,
    );
    assert!(injected > 0, "{label}: no fault was injected");
    // Correctness is the point, not throughput: with 5 % of *every* storage operation failing,
    // an attempt that needs dozens of them often fails, and a full compaction of a large table
    // rarely gets through; a writer gives up an operation after 50 attempts.
    assert!(
        total.acked >= 4 * commits * 6 / 10,
        "{label}: too few operations succeeded ({} of {})",
        total.acked,
        4 * commits
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_commits_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let commits = if long() { 250 } else { 40 };
    run(catalog_at(dir.path()), commits, "local disk").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_commits_on_moto() {
    let Some((location, options)) = s3_warehouse(Server::Moto, "faulty-commits") else {
        return;
    };
    let commits = if long() { 250 } else { 12 };
    run(
        Catalog::open(&location, &options).unwrap(),
        commits,
        "moto (S3)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acknowledgement_of_our_own_snapshot_is_read_back_not_cleaned_up() {
    // The snapshot create lands, its answer is lost, and the client's retry is told "already
    // exists". Treating that as a lost race would delete the manifests of a published snapshot.
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let table = create_workload_table(&catalog).await;
    let faulty = Arc::new(FaultyStore::new(
        table.io().store(),
        1,
        FaultConfig {
            lost_ack: 1.0,
            ..Default::default()
        },
    ));
    let f2 = faulty.clone();
    let t = Table::load(table.io().wrapped(move |_| f2), table.identifier().clone())
        .await
        .unwrap();
    let op = Op::Upsert(vec![(0, 1), (4, 2)]);
    let msgs = write_op(&t, 0, &op).await.unwrap();
    assert_eq!(
        t.new_commit(&user(0))
            .commit(msgs.clone(), 1)
            .await
            .unwrap(),
        vec![1]
    );
    assert_eq!(faulty.stats.lost_acks.load(Ordering::SeqCst), 1);
    assert!(t
        .new_commit(&user(0))
        .commit(msgs, 1)
        .await
        .unwrap()
        .is_empty());
    let op_of = |_: i32, _: u64| op.clone();
    let r = check_table(&table, &op_of, &BTreeSet::from([(0, 0)]), "lost ack").await;
    assert_eq!(r.landed.len(), 1);
    assert_eq!(table.snapshot_manager().latest_id().await.unwrap(), Some(1));
}

#[tokio::test]
async fn a_lost_acknowledgement_of_a_new_table_is_read_back() {
    // The create of schema-0 lands but the caller hears an error (ambiguous), or "already
    // exists" (a client library retried a request that had landed): the table is ours.
    use strata_core::TableDefinition;
    use strata_io::faulty::Op as IoOp;
    for lost_ack in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let plain = catalog_at(dir.path());
        plain.create_database("db", false).await.unwrap();
        let faulty = Arc::new(FaultyStore::new(
            plain.io().store(),
            7,
            FaultConfig {
                lost_ack: if lost_ack { 1.0 } else { 0.0 },
                ..Default::default()
            },
        ));
        if !lost_ack {
            faulty.fail_next_on(IoOp::Write, "schema-0", true);
        }
        let f2 = faulty.clone();
        let catalog = Catalog::with_io(
            plain.io().wrapped(move |_| f2),
            plain.location().to_string(),
        );
        let def = TableDefinition {
            fields: vec![field("k", "INT NOT NULL"), field("v", "BIGINT")],
            primary_keys: vec!["k".into()],
            ..Default::default()
        };
        let ident = strata_core::Identifier::new("db", "t");
        let created = catalog.create_table(&ident, def, false).await;
        assert!(created.is_ok(), "lost_ack={lost_ack}: {created:?}");
        let stats = (
            faulty.stats.ambiguous.load(Ordering::SeqCst),
            faulty.stats.lost_acks.load(Ordering::SeqCst),
        );
        assert!(stats.0 >= 1, "lost_ack={lost_ack}: no fault was injected");
        let table = plain.get_table(&ident).await.unwrap();
        assert_eq!(table.schema().id, 0);
        assert_eq!(table.schema_manager().list_ids().await.unwrap(), vec![0]);
    }
}
