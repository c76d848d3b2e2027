//! Tables on S3-protocol servers started by `scripts/setup-test-env.sh`:
//!
//! * s3s-fs (a real HTTP server storing objects as files; conditional put not race-safe) for
//!   the functional tests: catalog, writes, upserts, compaction, overwrite, time travel, orphan
//!   cleanup, multipart uploads and ranged reads;
//! * moto (in memory, atomic `If-None-Match: *`) for the commit race between independent
//!   clients;
//! * both behind a [`FaultyStore`] that ignores or rejects conditional puts, to show that such a
//!   store is refused unless the user promises a single writer (`s3.single-writer=true`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use strata_core::maintenance::remove_orphan_files;
use strata_core::{Catalog, Identifier, OverwriteScope, SnapshotSelector};
use strata_io::faulty::{ConditionalPut, FaultConfig, FaultyStore};
use strata_io::FileIO;
use strata_spec::Datum;

use crate::common::*;
use crate::harness::*;

fn strip_scheme(location: &str) -> &str {
    location.trim_start_matches("s3://strata/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warehouse_on_s3s_fs_end_to_end() {
    let Some((location, options)) = s3_warehouse(Server::Fs, "e2e") else {
        return;
    };
    let catalog = Catalog::open(&location, &options).unwrap();
    // An append table, partitioned.
    let events = create_table(
        &catalog,
        "db.events",
        vec![
            field("id", "INT"),
            field("dt", "STRING NOT NULL"),
            field("s", "STRING"),
        ],
        &["dt"],
        &[],
        &[],
    )
    .await;
    write_rows(
        &events,
        &[
            json!({"id": 1, "dt": "2026-11-24", "s": "a"}),
            json!({"id": 2, "dt": "2026-11-25", "s": "b:c"}),
        ],
    )
    .await;
    write_rows(&events, &[json!({"id": 3, "dt": "2026-11-24", "s": "c"})]).await;
    // INSERT OVERWRITE one partition.
    overwrite_rows(
        &events,
        OverwriteScope::Partition(vec![("dt".into(), Datum::String("2026-11-24".into()))]),
        &[json!({"id": 9, "dt": "2026-11-24", "s": "z"})],
    )
    .await;
    assert_same_rows(
        &read_rows(&events, SnapshotSelector::Latest).await,
        &[
            json!({"id": 2, "dt": "2026-11-25", "s": "b:c"}),
            json!({"id": 9, "dt": "2026-11-24", "s": "z"}),
        ],
        "after the overwrite",
    );
    assert_eq!(read_rows(&events, SnapshotSelector::Id(2)).await.len(), 3);

    // A primary-key table: upserts into the same buckets, then a full compaction.
    let kv = create_table(
        &catalog,
        "db.kv",
        vec![field("k", "INT NOT NULL"), field("v", "STRING")],
        &[],
        &["k"],
        &[("bucket", "2")],
    )
    .await;
    write_rows(
        &kv,
        &(0..20)
            .map(|k| json!({"k": k, "v": "one"}))
            .collect::<Vec<_>>(),
    )
    .await;
    write_rows(
        &kv,
        &(10..30)
            .map(|k| json!({"k": k, "v": "two"}))
            .collect::<Vec<_>>(),
    )
    .await;
    let report = full_compact(&kv).await;
    assert!(report.snapshot.is_some());
    let expected: Vec<Value> = (0..30)
        .map(|k| json!({"k": k, "v": if k < 10 { "one" } else { "two" }}))
        .collect();
    let kv = reopen(&catalog, "db.kv").await;
    assert_same_rows(
        &read_rows(&kv, SnapshotSelector::Latest).await,
        &expected,
        "kv after compaction",
    );

    // A second client sees the same warehouse.
    let other = Catalog::open(&location, &options).unwrap();
    assert_eq!(
        other.list_databases().await.unwrap(),
        vec!["db".to_string()]
    );
    assert_eq!(
        other.list_tables("db").await.unwrap(),
        vec!["events".to_string(), "kv".to_string()]
    );
    let kv2 = other.get_table(&Identifier::new("db", "kv")).await.unwrap();
    assert_eq!(read_rows(&kv2, SnapshotSelector::Latest).await.len(), 30);

    // The objects are files named exactly as Paimon names them.
    if let Ok(root) = std::env::var("STRATA_S3_FS_ROOT") {
        let dir = std::path::Path::new(&root)
            .join("strata")
            .join(strip_scheme(&location))
            .join("db.db/events");
        let files = files_under(&dir);
        assert!(
            files
                .iter()
                .any(|f| f.starts_with("dt=2026-11-25/bucket-0/data-")),
            "{files:?}"
        );
        assert!(
            files.contains(&"snapshot/snapshot-3".to_string()),
            "{files:?}"
        );
        assert!(files.contains(&"schema/schema-0".to_string()), "{files:?}");
    }
    // Nothing is an orphan; the replaced files are still used by snapshots 1 and 2.
    let report = remove_orphan_files(&events, std::time::Duration::ZERO, true)
        .await
        .unwrap();
    assert!(report.orphans.is_empty(), "{:?}", report.orphans);
    // An atomicity probe object whose delete failed is ours to clean up, and nothing else.
    let probe = ".strata-probe-00c0ffee00c0ffee";
    events.io().write(probe, "probe").await.unwrap();
    let report = remove_orphan_files(&events, std::time::Duration::ZERO, false)
        .await
        .unwrap();
    let removed: Vec<&str> = report.orphans.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(removed, vec![probe]);
    assert!(!events.io().exists(probe).await.unwrap());
    assert_eq!(read_rows(&events, SnapshotSelector::Latest).await.len(), 2);
}

async fn big_files(server: Server) {
    let Some((location, options)) = s3_warehouse(server, "multipart") else {
        return;
    };
    let base = FileIO::open(&location, &options).unwrap();
    let counter = Arc::new(FaultyStore::new(base.store(), 0, FaultConfig::default()));
    let c2 = counter.clone();
    let catalog = Catalog::with_io(base.wrapped(move |_| c2), location.clone());
    let t = create_table(
        &catalog,
        "db.big",
        vec![field("id", "INT"), field("s", "STRING")],
        &[],
        &[],
        &[("file.compression", "none"), ("target-file-size", "256 mb")],
    )
    .await;
    // 1,600 rows of 8 KiB random text: one ~13 MiB Parquet file, above the 10 MiB part size.
    let mut rng = StdRng::seed_from_u64(7);
    let rows: Vec<Value> = (0..1600)
        .map(|i| {
            let s: String = (0..8192)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect();
            json!({"id": i, "s": s})
        })
        .collect();
    write_rows(&t, &rows).await;
    let uploads = counter.stats.multipart_uploads.load(Ordering::SeqCst);
    assert!(uploads >= 1, "a 13 MiB file is a multipart upload");
    let before = counter.stats.ranged_reads.load(Ordering::SeqCst);
    let plan = t.new_scan().plan().await.unwrap();
    let size: i64 = plan
        .splits
        .iter()
        .flat_map(|s| &s.files)
        .map(|f| f.file_size)
        .sum();
    assert!(size > 10 << 20, "{size}");
    let batches = t
        .new_read()
        .with_projection(Some(vec!["id".to_string()]))
        .unwrap()
        .collect(&plan)
        .await
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1600);
    let ranged = counter.stats.ranged_reads.load(Ordering::SeqCst) - before;
    assert!(ranged >= 2, "Parquet reads are ranged GETs ({ranged})");
    assert_eq!(
        counter.stats.open_handles(),
        0,
        "no stream or upload left open"
    );
    eprintln!(
        "{server:?}: {uploads} multipart upload(s), {ranged} ranged GETs for a {size}-byte file"
    );
    if server == Server::Moto {
        // moto's request log shows the same: multipart POSTs and 206 Partial Content answers.
        if let Ok(log) = std::env::var("STRATA_S3_MOTO_LOG") {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let prefix = strip_scheme(&location);
            let mine: Vec<&str> = text.lines().filter(|l| l.contains(prefix)).collect();
            assert!(
                mine.iter()
                    .any(|l| l.contains("POST") && l.contains("uploads")),
                "no multipart upload in moto's log"
            );
            assert!(
                mine.iter()
                    .any(|l| l.contains("GET") && l.contains("\" 206 ")),
                "no ranged GET in moto's log"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_use_multipart_uploads_and_ranged_reads_on_s3s_fs() {
    big_files(Server::Fs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_use_multipart_uploads_and_ranged_reads_on_moto() {
    big_files(Server::Moto).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_clients_racing_on_moto_each_commit_once() {
    let Some((location, options)) = s3_warehouse(Server::Moto, "race") else {
        return;
    };
    // Raw exclusive creates first: exactly one of 8 racing clients wins, every time.
    for round in 0..3 {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let io = FileIO::open(&location, &options).unwrap();
            tasks.push(tokio::spawn(async move {
                io.create_if_absent(&format!("race/{round}"), format!("{i}"))
                    .await
                    .unwrap()
            }));
        }
        let mut winners = 0;
        for t in tasks {
            winners += t.await.unwrap() as usize;
        }
        assert_eq!(winners, 1, "round {round}");
    }
    let catalog = Catalog::open(&location, &options).unwrap();
    create_table(
        &catalog,
        "db.t",
        vec![field("id", "INT"), field("who", "INT")],
        &[],
        &[],
        &[
            ("commit.max-retries", "100"),
            ("commit.min-retry-wait", "5 ms"),
            ("commit.max-retry-wait", "200 ms"),
        ],
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (location, options) = (location.clone(), options.clone());
        tasks.push(tokio::spawn(async move {
            // Each client has its own connection pool and its own view of the table.
            let c = Catalog::open(&location, &options).unwrap();
            let t = c.get_table(&Identifier::new("db", "t")).await.unwrap();
            let mut ids = Vec::new();
            for n in 0..3 {
                let batch = batch_of(&t, &[json!({"id": n, "who": i})]);
                let mut w = t.new_write_as(&format!("racer-{i}")).unwrap();
                w.write(&batch).await.unwrap();
                let m = w.prepare_commit().await.unwrap();
                w.close().await.unwrap();
                ids.extend(
                    t.new_commit(&format!("racer-{i}"))
                        .commit(m, n + 1)
                        .await
                        .unwrap(),
                );
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    ids.sort();
    assert_eq!(ids, (1..=18).collect::<Vec<_>>(), "one snapshot per commit");
    let t = reopen(&catalog, "db.t").await;
    let mut seen = std::collections::HashSet::new();
    for s in t.snapshot_manager().snapshots().await.unwrap() {
        assert!(seen.insert((s.commit_user.clone(), s.commit_identifier)));
    }
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 18);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3s_fs_conditional_put_is_not_race_safe_but_passes_the_probe() {
    // Documents why the commit-race tests run on moto: the probe (sequential) cannot catch a
    // check-then-write store; the race sometimes has several winners.
    let Some((location, options)) = s3_warehouse(Server::Fs, "fs-race") else {
        return;
    };
    let io = FileIO::open(&location, &options).unwrap();
    io.check_atomic_publish().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let io = FileIO::open(&location, &options).unwrap();
        tasks.push(tokio::spawn(async move {
            io.create_if_absent("race/0", format!("{i}")).await.unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += t.await.unwrap() as usize;
    }
    eprintln!("s3s-fs: {winners} of 8 racing exclusive creates 'won'");
    assert!(winners >= 1);
}

async fn refused(server: Server, mode: ConditionalPut, word: &str) {
    let Some((location, mut options)) = s3_warehouse(server, "refused") else {
        return;
    };
    let wrap = |options: &HashMap<String, String>| {
        let base = FileIO::open(&location, options).unwrap();
        let faulty = Arc::new(FaultyStore::new(base.store(), 0, FaultConfig::default()));
        faulty.set_conditional_put(mode);
        Catalog::with_io(base.wrapped(move |_| faulty), location.clone())
    };
    let catalog = wrap(&options);
    catalog.create_database("db", true).await.unwrap();
    let ident = Identifier::parse("db.t", None).unwrap();
    let def = strata_core::TableDefinition {
        fields: vec![field("id", "INT")],
        ..Default::default()
    };
    let err = catalog
        .create_table(&ident, def.clone(), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(word) && err.contains("s3.single-writer=true") && err.contains("s3://strata/"),
        "{err}"
    );
    // The promise of a single writer lets it through (checked-then-put snapshots).
    options.insert("s3.single-writer".into(), "true".into());
    let catalog = wrap(&options);
    let t = catalog.create_table(&ident, def, false).await.unwrap();
    write_rows(&t, &[json!({"id": 1})]).await;
    write_rows(&t, &[json!({"id": 2})]).await;
    assert_eq!(read_rows(&t, SnapshotSelector::Latest).await.len(), 2);
    assert_eq!(t.snapshot_manager().latest_id().await.unwrap(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_ignores_conditional_puts_is_refused() {
    refused(
        Server::Moto,
        ConditionalPut::Ignore,
        "ignores conditional puts",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_rejects_conditional_puts_is_refused() {
    refused(
        Server::Fs,
        ConditionalPut::Reject,
        "rejects conditional puts",
    )
    .await;
}
