//! Measurements asked for by issue 6 (ignored: run with
//! `cargo test -p strata-core --test it stream_bench -- --ignored --nocapture`):
//! commit → streamed-change latency at a 100 ms poll interval, streaming throughput of
//! upserts, and the time to expire 1,000 snapshots.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use strata_core::maintenance::{expire_snapshots, ExpireOptions};
use strata_core::stream::{StartingPosition, StreamScan};

use crate::common::*;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_commit_to_stream_latency() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.lat",
        vec![field("id", "BIGINT NOT NULL"), field("v", "STRING")],
        &[],
        &[],
        &[("bucket", "-1")],
    )
    .await;
    let mut s = StreamScan::new(t.clone())
        .with_start(StartingPosition::Latest)
        .with_interval(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let n = 40;
    // The reader polls on its own task, as `strata tail` does.
    let reader = tokio::spawn(async move {
        let mut arrivals = Vec::new();
        while arrivals.len() < n {
            let b = s.next().await.unwrap().unwrap();
            arrivals.push((b.snapshot_id, chrono::Utc::now().timestamp_millis()));
        }
        arrivals
    });
    for i in 0..n {
        write_rows(&t, &[json!({"id": i, "v": "x"})]).await;
        // Commits land at varying points of the poll cycle.
        tokio::time::sleep(Duration::from_millis(150 + 37 * (i % 5) as u64)).await;
    }
    let mut lat = Vec::new();
    for (id, at) in reader.await.unwrap() {
        let committed = t.snapshot_manager().snapshot(id).await.unwrap().time_millis;
        lat.push((at - committed) as f64);
    }
    let (p50, p90) = (pct(&mut lat, 0.5), pct(&mut lat, 0.9));
    eprintln!("commit -> streamed change at 100 ms poll: p50 {p50} ms, p90 {p90} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_streaming_upsert_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.tp",
        vec![
            field("id", "BIGINT NOT NULL"),
            field("v", "STRING"),
            field("n", "BIGINT"),
        ],
        &[],
        &["id"],
        &[("bucket", "2"), ("write-only", "true")],
    )
    .await;
    let per_commit = 50_000i64;
    let commits = 8;
    for c in 0..commits {
        let rows: Vec<Value> = (0..per_commit)
            .map(|i| json!({"id": (i * 7 + c) % 100_000, "v": format!("value-{i}"), "n": i}))
            .collect();
        write_rows(&t, &rows).await;
    }
    let started = Instant::now();
    let mut s = StreamScan::new(t.clone())
        .with_start(StartingPosition::FromSnapshot(1))
        .with_end(Some(commits))
        .start()
        .await
        .unwrap();
    let mut rows = 0usize;
    while let Some(b) = s.next().await {
        rows += b.unwrap().num_rows();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "streamed {rows} upserted rows in {secs:.2} s: {:.0} rows/s",
        rows as f64 / secs
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_expire_1000_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.ex",
        vec![field("id", "BIGINT NOT NULL"), field("v", "STRING")],
        &[],
        &["id"],
        &[("bucket", "1"), ("write-only", "true")],
    )
    .await;
    let made = Instant::now();
    for i in 0..1001 {
        write_rows(&t, &[json!({"id": i % 50, "v": "x"})]).await;
    }
    eprintln!(
        "made 1001 snapshots in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let r = expire_snapshots(
        &t,
        &ExpireOptions {
            retain_min: Some(1),
            retain_max: Some(1),
            time_retained: Some(Duration::ZERO),
            limit: Some(5000),
            now_ms: None,
        },
    )
    .await
    .unwrap();
    eprintln!(
        "expired {} snapshots ({} files deleted) in {:.2} s",
        r.expired_snapshots.len(),
        r.deleted_files.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(r.expired_snapshots.len(), 1000);
}
