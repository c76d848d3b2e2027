//! Issue 6 measurements: commit → streamed change latency at a 100 ms poll interval, streaming
//! throughput of upserted rows, and expiring 1,000 snapshots.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use futures::StreamExt;
use strata_core::maintenance::{expire_snapshots, ExpireOptions};
use strata_core::stream::{StartingPosition, StreamScan};
use strata_core::{Catalog, Table};

use crate::ops::{create_table, open_warehouse, write_all};

async fn table(catalog: &Catalog, name: &str, pk: bool, options: &[(&str, &str)]) -> Result<Table> {
    let columns = [("id", "BIGINT NOT NULL"), ("v", "STRING")];
    let pk: &[&str] = if pk { &["id"] } else { &[] };
    create_table(catalog, name, &columns, &[], pk, options).await
}

fn rows(ids: impl Iterator<Item = i64>) -> Result<RecordBatch> {
    let ids: Vec<i64> = ids.collect();
    let v: Vec<String> = ids.iter().map(|i| format!("value-{i}")).collect();
    let schema = Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("id", arrow::datatypes::DataType::Int64, false),
        arrow::datatypes::Field::new("v", arrow::datatypes::DataType::Utf8, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(v)),
    ];
    Ok(RecordBatch::try_new(schema, cols)?)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len().max(1) - 1) as f64 * p).round() as usize]
}

/// Runs the three measurements.
pub async fn run() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let catalog = open_warehouse(dir.path())?;

    // 1. latency: a reader polling every 100 ms on its own task, commits at varying phases
    let t = table(&catalog, "bench.lat", false, &[]).await?;
    let mut s = StreamScan::new(t.clone())
        .with_start(StartingPosition::Latest)
        .with_interval(Duration::from_millis(100))
        .start()
        .await?;
    let n = 40usize;
    let reader = tokio::spawn(async move {
        let mut arrivals = Vec::new();
        while arrivals.len() < n {
            match s.next().await {
                Some(Ok(b)) => {
                    arrivals.push((b.snapshot_id, chrono::Utc::now().timestamp_millis()))
                }
                _ => break,
            }
        }
        arrivals
    });
    for i in 0..n as i64 {
        write_all(&t, &[rows(i..i + 1)?]).await?;
        tokio::time::sleep(Duration::from_millis(150 + 37 * (i % 5) as u64)).await;
    }
    let mut lat = Vec::new();
    for (id, at) in reader.await? {
        let committed = t.snapshot_manager().snapshot(id).await?.time_millis;
        lat.push((at - committed) as f64);
    }
    let (p50, p90) = (pct(&mut lat, 0.5), pct(&mut lat, 0.9));
    println!("commit → streamed change, 100 ms poll: p50 {p50:.0} ms, p90 {p90:.0} ms (goal p50 ≤ 150 ms: {})", if p50 <= 150.0 { "ok" } else { "MISSED" });

    // 2. throughput: stream 400,000 upserted rows from 8 commits
    let t = table(
        &catalog,
        "bench.tp",
        true,
        &[("bucket", "2"), ("write-only", "true")],
    )
    .await?;
    let commits = 8i64;
    for c in 0..commits {
        write_all(&t, &[rows((0..50_000).map(|i| (i * 7 + c) % 100_000))?]).await?;
    }
    let started = Instant::now();
    let mut s = StreamScan::new(t.clone())
        .with_start(StartingPosition::FromSnapshot(1))
        .with_end(Some(commits))
        .start()
        .await?;
    let mut n = 0usize;
    while let Some(b) = s.next().await {
        n += b?.num_rows();
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    println!(
        "streamed {n} upserted rows at {rate:.0} rows/s (goal ≥ 200,000 rows/s: {})",
        if rate >= 200_000.0 { "ok" } else { "MISSED" }
    );

    // 3. expiring 1,000 snapshots
    let t = table(
        &catalog,
        "bench.ex",
        true,
        &[("bucket", "1"), ("write-only", "true")],
    )
    .await?;
    for i in 0..1001 {
        write_all(&t, &[rows(std::iter::once(i % 50))?]).await?;
    }
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
    .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "expired {} snapshots ({} files deleted) in {secs:.2} s (goal ≤ 5 s: {})",
        r.expired_snapshots.len(),
        r.deleted_files.len(),
        if secs <= 5.0 { "ok" } else { "MISSED" }
    );
    Ok(())
}
