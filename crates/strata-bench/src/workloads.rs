//! The workloads of issues 2 and 3, each timed next to the same work done with the parquet
//! crate on one file.

use std::time::{Duration, Instant};

use anyhow::Result;
use arrow::array::RecordBatch;
use strata_core::maintenance::{compact, CompactOptions};
use strata_core::{Catalog, Table};

use crate::ops::{commit, create_table, open_warehouse, read_count, timed, write_all};
use crate::report::{median, median_steps, peak_rss, print, rounds, Step};
use crate::{data, files};

/// Raw reference: write all batches as one zstd Parquet file, then read it fully.
fn raw_parquet(dir: &std::path::Path, batches: &[RecordBatch]) -> Result<(Duration, Duration)> {
    let path = dir.join("raw.parquet");
    let t = Instant::now();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(
            parquet::basic::ZstdLevel::try_new(1)?,
        ))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path)?,
        data::schema(),
        Some(props),
    )?;
    for b in batches {
        w.write(b)?;
    }
    w.close()?;
    let write = t.elapsed();
    let t = Instant::now();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&path)?,
    )?
    .with_batch_size(8192)
    .build()?;
    let mut rows = 0;
    for b in reader {
        rows += b?.num_rows();
    }
    let read = t.elapsed();
    anyhow::ensure!(
        rows == batches.iter().map(|b| b.num_rows()).sum::<usize>(),
        "raw read lost rows"
    );
    Ok((write, read))
}

async fn create(catalog: &Catalog, name: &str, pk: bool, extra: &[(&str, &str)]) -> Result<Table> {
    create_with(catalog, name, pk, extra, 4, true).await
}

async fn create_with(
    catalog: &Catalog,
    name: &str,
    pk: bool,
    extra: &[(&str, &str)],
    buckets: usize,
    partitioned: bool,
) -> Result<Table> {
    let buckets = buckets.to_string();
    let mut options = vec![("bucket", buckets.as_str())];
    if !pk {
        options.push(("bucket-key", "id"));
    }
    options.extend_from_slice(extra);
    create_table(
        catalog,
        name,
        &data::columns(),
        if partitioned { &["dt"] } else { &[] },
        if pk { &["id", "dt"] } else { &[] },
        &options,
    )
    .await
}

/// Issue 2: append table partitioned by dt with 4 buckets (median of [`rounds`] runs).
pub async fn append(rows: usize, buckets: usize, partitioned: bool) -> Result<()> {
    let n = rounds();
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        all.push(append_once(rows, buckets, partitioned).await?);
    }
    print(
        &format!(
            "append table: {rows} rows, {}, {buckets} buckets, zstd Parquet (median of {n} runs)",
            if partitioned {
                "partitioned by dt (4)"
            } else {
                "unpartitioned"
            }
        ),
        &median_steps(all),
    );
    Ok(())
}

async fn append_once(rows: usize, buckets: usize, partitioned: bool) -> Result<Vec<Step>> {
    let dir = tempfile::tempdir()?;
    let batches = data::batches(rows, 0);
    let (raw_write, raw_read) = raw_parquet(dir.path(), &batches)?;
    let catalog = open_warehouse(dir.path())?;
    let table = create_with(&catalog, "bench.append", false, &[], buckets, partitioned).await?;
    let ((), write) = timed(write_all(&table, &batches)).await?;
    let table = catalog.get_table(table.identifier()).await?;
    let (n, read) = timed(read_count(&table, None, None)).await?;
    anyhow::ensure!(n == rows, "read {n} rows, wrote {rows}");
    Ok(vec![
        Step {
            name: "write + commit".into(),
            time: write,
            reference: raw_write,
            goal: Some(1.3),
        },
        Step {
            name: "full read".into(),
            time: read,
            reference: raw_read,
            goal: Some(1.3),
        },
    ])
}

/// Issue 3: primary-key table (id, dt), partitioned by dt, 4 buckets (median of [`rounds`]
/// runs).
pub async fn pk(rows: usize) -> Result<()> {
    let n = rounds();
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        all.push(pk_once(rows).await?);
    }
    print(
        &format!("primary-key table: {rows} rows, key (id, dt), partitioned by dt (4), 4 buckets, zstd Parquet (median of {n} runs)"),
        &median_steps(all),
    );
    println!(
        "(paimon-rust 0.4 on this machine kind: about 1.25 s write, 0.16 s upsert, 0.25 s read)"
    );
    Ok(())
}

async fn pk_once(rows: usize) -> Result<Vec<Step>> {
    let dir = tempfile::tempdir()?;
    let batches = data::batches(rows, 0);
    let (raw_write, raw_read) = raw_parquet(dir.path(), &batches)?;
    let catalog = open_warehouse(dir.path())?;
    let table = create(&catalog, "bench.pk", true, &[]).await?;
    let ((), write) = timed(write_all(&table, &batches)).await?;
    // upsert 10 % of the keys (every 10th id), new values
    let ids: Vec<i64> = (0..rows as i64).step_by(10).collect();
    let upserts: Vec<RecordBatch> = ids.chunks(data::BATCH).map(|c| data::batch(c, 1)).collect();
    let table = catalog.get_table(table.identifier()).await?;
    let ((), upsert) = timed(write_all(&table, &upserts)).await?;
    let table = catalog.get_table(table.identifier()).await?;
    let (n, read) = timed(read_count(&table, None, None)).await?;
    anyhow::ensure!(n == rows, "merged read returned {n} rows, expected {rows}");
    let (_, part) = timed(read_count(
        &table,
        Some("dt = '2026-11-22'"),
        Some(vec!["id".into(), "a".into()]),
    ))
    .await?;
    let (_, full) = timed(async {
        compact(
            &table,
            &CompactOptions {
                full: true,
                ..Default::default()
            },
            &mut |_, _| {},
        )
        .await?;
        Ok(())
    })
    .await?;
    let table = catalog.get_table(table.identifier()).await?;
    let (n2, read_after) = timed(read_count(&table, None, None)).await?;
    anyhow::ensure!(n2 == rows, "read after compaction returned {n2} rows");
    Ok(vec![
        Step {
            name: "write + commit".into(),
            time: write,
            reference: raw_write,
            goal: Some(1.5),
        },
        Step {
            name: "upsert 10% + commit".into(),
            time: upsert,
            reference: raw_write,
            goal: Some(0.2),
        },
        Step {
            name: "merged read (2 runs)".into(),
            time: read,
            reference: raw_read,
            goal: Some(1.3),
        },
        Step {
            name: "one partition, 2 columns".into(),
            time: part,
            reference: raw_read,
            goal: None,
        },
        Step {
            name: "full compaction".into(),
            time: full,
            reference: raw_write,
            goal: Some(2.0),
        },
        Step {
            name: "read after compaction".into(),
            time: read_after,
            reference: raw_read,
            goal: None,
        },
    ])
}

/// Peak RSS writing `rows` rows into a primary-key table with a bounded write buffer.
pub async fn pk_memory(rows: usize, buffer: &str) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let catalog = open_warehouse(dir.path())?;
    let table = create(
        &catalog,
        "bench.mem",
        true,
        &[("write-buffer-size", buffer), ("write-only", "true")],
    )
    .await?;
    let before = peak_rss().unwrap_or(0);
    let t = Instant::now();
    let mut w = table.new_write()?;
    let mut start = 0usize;
    while start < rows {
        let end = (start + data::BATCH).min(rows);
        let ids: Vec<i64> = (start as i64..end as i64).rev().collect();
        w.write(&data::batch(&ids, 0)).await?;
        start = end;
    }
    commit(&table, w).await?;
    let peak = peak_rss().unwrap_or(0);
    println!(
        "wrote {rows} rows with write-buffer-size = {buffer} in {:.1} s; peak RSS {} MB (before writing {} MB); goal ≤ 256 MB: {}",
        t.elapsed().as_secs_f64(),
        peak >> 20,
        before >> 20,
        if peak <= 256 << 20 { "ok" } else { "MISSED" }
    );
    Ok(())
}

/// Scan planning over many data files (`TableScan::plan`, the core of SQL planning).
pub async fn plan(partitions: usize, files_per_partition: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let catalog = open_warehouse(dir.path())?;
    let (table, _) = files::write(&catalog, partitions, files_per_partition).await?;
    let mut times = Vec::new();
    let mut files = 0;
    let repeat: usize = std::env::var("STRATA_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let plan = table.new_scan().plan().await?;
        times.push(t.elapsed());
        files = plan.splits.iter().map(|s| s.files.len()).sum::<usize>();
    }
    let cold = times[0];
    let median = median(times);
    anyhow::ensure!(
        files == partitions * files_per_partition,
        "planned {files} files"
    );
    println!(
        "scan planning over {files} data files: median {:.1} ms (manifests cached); first plan {:.1} ms (manifests decoded); goal ≤ 50 ms: {}",
        median.as_secs_f64() * 1e3,
        cold.as_secs_f64() * 1e3,
        if median <= Duration::from_millis(50) { "ok" } else { "MISSED" }
    );
    Ok(())
}
