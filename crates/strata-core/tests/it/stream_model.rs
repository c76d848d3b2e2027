//! The model test of issue 6: writers, a compactor, expiry, orphan cleanup, a tagger and
//! streaming readers run at the same time. Checks: the consumer-backed reader sees every
//! committed change exactly once, snapshot by snapshot in commit order; a reader without a
//! consumer either sees the same or fails naming an expired snapshot (never wrong rows); every
//! retained snapshot and tag reads as the model says; planted leftovers are cleaned and no file
//! is leaked. Seeded (`STRATA_SEED`); `STRATA_LONG=1` runs a longer variant.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use strata_core::maintenance::{
    compact, create_tag, expire_snapshots, remove_orphan_files, CompactOptions, ExpireOptions,
};
use strata_core::stream::{StartingPosition, StreamScan};
use strata_core::{SnapshotSelector, Table};
use tokio::sync::Mutex;

use crate::common::*;
use crate::stream::{changes_of, Change};

type Record = Vec<(i64, String, Value)>;

fn key_of(row: &Value) -> (i64, i64) {
    (row["p"].as_i64().unwrap(), row["id"].as_i64().unwrap())
}

/// The table state after applying every recorded snapshot up to `n`.
fn state_at(records: &BTreeMap<i64, Record>, n: i64) -> Vec<Value> {
    let mut m: BTreeMap<(i64, i64), Value> = BTreeMap::new();
    for (_, changes) in records.range(..=n) {
        for (_, kind, row) in changes {
            match kind.as_str() {
                "+I" | "+U" => {
                    m.insert(key_of(row), row.clone());
                }
                _ => {
                    m.remove(&key_of(row));
                }
            }
        }
    }
    m.into_values().collect()
}

fn sorted_changes(v: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = v
        .iter()
        .map(|c| format!("{} {}", c.1, canon(&c.2)))
        .collect();
    out.sort();
    out
}

async fn read_all(
    t: Table,
    mut s: strata_core::stream::ChangeStream,
    until: Arc<Mutex<Option<i64>>>,
    slow: bool,
) -> Result<Vec<Change>, String> {
    let mut out = Vec::new();
    loop {
        if let Some(last) = *until.lock().await {
            if s.next_snapshot() > last {
                return Ok(out);
            }
        }
        match tokio::time::timeout(Duration::from_millis(200), s.next()).await {
            Err(_) => continue,
            Ok(None) => return Err("stream ended".into()),
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(Some(Ok(b))) => {
                out.extend(changes_of(&t, &b));
                if slow {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_compaction_expiry_orphans_and_readers_concurrently() {
    let seed = seed();
    let (writers, commits) = if long() { (4, 40) } else { (3, 6) };
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.m",
        vec![
            field("p", "INT NOT NULL"),
            field("id", "BIGINT NOT NULL"),
            field("v", "STRING"),
        ],
        &["p"],
        &["p", "id"],
        &[
            ("bucket", "2"),
            ("write-only", "true"),
            ("snapshot.num-retained.min", "1"),
            ("snapshot.num-retained.max", "3"),
            ("snapshot.time-retained", "0 ms"),
            ("num-sorted-run.compaction-trigger", "2"),
        ],
    )
    .await;
    let root = dir.path().join("db.db/m");
    let stray = root.join("p=0/bucket-0/data-00000000-0000-0000-0000-000000000000-0.parquet");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, b"leftover").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3 * 86_400))
        .unwrap();

    let until: Arc<Mutex<Option<i64>>> = Arc::default();
    let start = |consumer: Option<&str>| {
        StreamScan::new(t.clone())
            .with_start(StartingPosition::Latest)
            .with_consumer(consumer.map(str::to_string))
            .with_interval(Duration::from_millis(10))
            .start()
    };
    let reader = tokio::spawn(read_all(
        t.clone(),
        start(Some("model")).await.unwrap(),
        until.clone(),
        false,
    ));
    let slow_reader = tokio::spawn(read_all(
        t.clone(),
        start(None).await.unwrap(),
        until.clone(),
        true,
    ));
    let done = Arc::new(AtomicBool::new(false));
    let records: Arc<Mutex<BTreeMap<i64, Record>>> = Arc::default();
    let tags: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    // Maintenance running beside the writers.
    let mut chores = Vec::new();
    {
        let (t, done) = (t.clone(), done.clone());
        chores.push(tokio::spawn(async move {
            let mut n = 0;
            while !done.load(Ordering::Relaxed) {
                compact(&t, &CompactOptions::default(), &mut |_, _| {})
                    .await
                    .unwrap();
                n += 1;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            n
        }));
    }
    {
        let (t, done) = (t.clone(), done.clone());
        chores.push(tokio::spawn(async move {
            let mut n = 0;
            while !done.load(Ordering::Relaxed) {
                expire_snapshots(&t, &ExpireOptions::default())
                    .await
                    .unwrap();
                remove_orphan_files(&t, Duration::from_secs(3600), false)
                    .await
                    .unwrap();
                n += 1;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            n
        }));
    }
    {
        let (t, done, tags) = (t.clone(), done.clone(), tags.clone());
        chores.push(tokio::spawn(async move {
            let mut n = 0;
            while !done.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(60)).await;
                if let Ok(s) = create_tag(&t, &format!("t{n}"), None, None).await {
                    tags.lock().await.push((format!("t{n}"), s.id));
                }
                n += 1;
            }
            n
        }));
    }
    let mut handles = Vec::new();
    for w in 0..writers {
        let (t, records) = (t.clone(), records.clone());
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(w as u64));
        handles.push(tokio::spawn(async move {
            for _ in 0..commits {
                let mut keys: Vec<i64> = (0..20).collect();
                let n = rng.random_range(1..8);
                let mut rows = Vec::new();
                let mut kinds = Vec::new();
                for _ in 0..n {
                    let k = keys.swap_remove(rng.random_range(0..keys.len()));
                    let kind: i8 = [0, 0, 2, 3][rng.random_range(0..4)];
                    rows.push(json!({"p": w, "id": k, "v": format!("w{w}k{k}r{}", rng.random_range(0..1000))}));
                    kinds.push(kind);
                }
                let ids = write_kinds(&t, &rows, &kinds).await;
                let rec: Record = rows
                    .into_iter()
                    .zip(&kinds)
                    .map(|(r, k)| {
                        let kind = strata_spec::RowKind::from_byte(*k).unwrap();
                        (ids[0], kind.short_string().to_string(), r)
                    })
                    .collect();
                records.lock().await.insert(ids[0], rec);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let counts: Vec<i32> = futures::future::join_all(chores)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let last = t.snapshot_manager().latest_id().await.unwrap().unwrap();
    *until.lock().await = Some(last);
    let seen = tokio::time::timeout(Duration::from_secs(120), reader)
        .await
        .expect("the reader caught up")
        .unwrap()
        .expect("the consumer-backed reader never fails");
    let records = records.lock().await.clone();
    eprintln!(
        "{} commits, {last} snapshots, chores run {counts:?}, {} changes seen",
        records.len(),
        seen.len()
    );
    // Exactly once, in commit order.
    let order: Vec<i64> = seen.iter().map(|c| c.0).collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "snapshots out of order"
    );
    let mut by_snapshot: BTreeMap<i64, Vec<Change>> = BTreeMap::new();
    for c in &seen {
        by_snapshot.entry(c.0).or_default().push(c.clone());
    }
    assert_eq!(
        by_snapshot.keys().collect::<Vec<_>>(),
        records.keys().collect::<Vec<_>>(),
        "every committed snapshot seen, nothing else"
    );
    for (id, rec) in &records {
        assert_eq!(
            sorted_changes(&by_snapshot[id]),
            sorted_changes(rec),
            "changes of snapshot {id}"
        );
    }
    // A reader without a consumer: the same, or an error naming an expired snapshot.
    match tokio::time::timeout(Duration::from_secs(120), slow_reader)
        .await
        .expect("the slow reader ended")
        .unwrap()
    {
        Ok(slow) => assert_eq!(sorted_changes(&slow), sorted_changes(&seen)),
        Err(e) => assert!(e.contains("snapshot") && e.contains("expired"), "{e}"),
    }
    // Everything retained reads as the model says.
    expire_snapshots(&t, &ExpireOptions::default())
        .await
        .unwrap();
    for s in t.snapshot_manager().snapshots().await.unwrap() {
        assert_same_rows(
            &read_rows(&t, SnapshotSelector::Id(s.id)).await,
            &state_at(&records, s.id),
            &format!("snapshot {}", s.id),
        );
    }
    for (name, id) in tags.lock().await.iter() {
        assert_same_rows(
            &read_rows(&t, SnapshotSelector::Tag(name.clone())).await,
            &state_at(&records, *id),
            &format!("tag {name}"),
        );
    }
    assert!(!stray.exists(), "the planted leftover was removed");
    let leaks = remove_orphan_files(&t, Duration::ZERO, true).await.unwrap();
    assert!(
        leaks.orphans.is_empty(),
        "leaked files: {:?}",
        leaks.orphans
    );
}
