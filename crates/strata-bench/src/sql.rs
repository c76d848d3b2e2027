//! `strata-bench sql`: the SQL layer's planning costs (issue 5).
//!
//! ```text
//! append table, 100 partitions × 100 files = 10,000 data files (one commit)
//!   plan    SELECT * FROM t                         logical + physical plan (scan planning)  goal ≤ 50 ms
//!   count   SELECT count(*) FROM t                  answered from manifest row counts: no scan
//!   prune   SELECT sum(v) FROM t WHERE p = 42       reads 100 of 10,000 files
//! ```

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use arrow::array::{Int32Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::physical_plan::{collect, ExecutionPlan};
use std::sync::Arc;
use strata_core::{Catalog, Identifier, TableDefinition};
use strata_datafusion::exec::StrataScanExec;
use strata_datafusion::StrataSession;
use strata_spec::DataField;

fn scans(plan: &Arc<dyn ExecutionPlan>) -> Vec<&StrataScanExec> {
    let mut out = Vec::new();
    if let Some(s) = plan.downcast_ref::<StrataScanExec>() {
        out.push(s);
    }
    for c in plan.children() {
        out.extend(scans(c));
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Writes the table, then measures planning, count(*) and one-partition reads.
pub async fn run(partitions: usize, files_per_partition: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let wh = dir.path().join("wh");
    let catalog = Catalog::open(wh.to_str().unwrap_or("wh"), &Default::default())?;
    catalog.create_database("bench", true).await?;
    let rows_per_file = 10usize;
    let mut options = std::collections::BTreeMap::new();
    options.insert("target-file-row-num".to_string(), rows_per_file.to_string());
    let ident = Identifier::new("bench", "files");
    let table = catalog
        .create_table(
            &ident,
            TableDefinition {
                fields: vec![
                    DataField::new(0, "p", strata_spec::DataType::int()),
                    DataField::new(1, "v", strata_spec::DataType::bigint()),
                ],
                partition_keys: vec!["p".into()],
                options,
                ..Default::default()
            },
            false,
        )
        .await?;
    let files = partitions * files_per_partition;
    let rows = files * rows_per_file;
    let schema = Arc::new(Schema::new(vec![
        Field::new("p", DataType::Int32, true),
        Field::new("v", DataType::Int64, true),
    ]));
    let t = Instant::now();
    let mut write = table.new_write()?;
    // The writer rolls files between batches: one batch per file.
    for p in 0..partitions {
        for f in 0..files_per_partition {
            let start = (f * rows_per_file) as i64;
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int32Array::from(vec![p as i32; rows_per_file])),
                    Arc::new(Int64Array::from_iter_values(
                        start..start + rows_per_file as i64,
                    )),
                ],
            )?;
            write.write(&batch).await?;
        }
    }
    let messages = write.prepare_commit().await?;
    let user = write.commit_user().to_string();
    write.close().await?;
    table
        .new_commit(&user)
        .commit(messages, strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER)
        .await?;
    let write_time = t.elapsed();

    let session = StrataSession::new(catalog.clone())?;
    let state = session.context().state();
    // Planning a full scan: logical plan + physical plan (TableScan::plan over 10,000 files).
    let mut plan_times = Vec::new();
    let mut planned_files = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let df = session.plan("SELECT * FROM bench.files").await?;
        let plan = state.create_physical_plan(df.logical_plan()).await?;
        plan_times.push(t.elapsed());
        planned_files = scans(&plan).iter().map(|s| s.file_count()).sum();
    }
    ensure!(
        planned_files == files,
        "planned {planned_files} files, wrote {files}"
    );
    let plan_time = median(plan_times);

    // The same planning without SQL: strata-core's TableScan alone.
    let table = catalog.get_table(&ident).await?;
    let mut core_times = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let plan = table.new_scan().plan().await?;
        core_times.push(t.elapsed());
        ensure!(plan.splits.len() == partitions, "unexpected splits");
    }
    let core_time = median(core_times);

    // count(*) from manifest row counts: no scan in the physical plan.
    let t = Instant::now();
    let df = session.plan("SELECT count(*) FROM bench.files").await?;
    let plan = state.create_physical_plan(df.logical_plan()).await?;
    let batches = collect(plan.clone(), session.context().task_ctx()).await?;
    let count_time = t.elapsed();
    let counted = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .map(|a| a.value(0))
        .unwrap_or(-1);
    ensure!(counted == rows as i64, "count(*) = {counted}, wrote {rows}");
    let count_scans = scans(&plan).len();

    // One partition of many: only that partition's files are read.
    let t = Instant::now();
    let df = session
        .plan("SELECT sum(v) FROM bench.files WHERE p = 42")
        .await?;
    let plan = state.create_physical_plan(df.logical_plan()).await?;
    let read_files: usize = scans(&plan).iter().map(|s| s.file_count()).sum();
    collect(plan, session.context().task_ctx()).await?;
    let prune_time = t.elapsed();

    println!("\nSQL planning: append table, {partitions} partitions × {files_per_partition} files = {files} data files, {rows} rows");
    println!(
        "  write + commit ({files} files)           {:>9.3} s",
        write_time.as_secs_f64()
    );
    println!(
        "  plan SELECT * (median of 7)              {:>9.1} ms   goal ≤ 50 ms  {}",
        plan_time.as_secs_f64() * 1e3,
        if plan_time <= Duration::from_millis(50) {
            "ok"
        } else {
            "MISSED"
        }
    );
    println!(
        "  (TableScan::plan alone, median of 7)     {:>9.1} ms",
        core_time.as_secs_f64() * 1e3
    );
    println!(
        "  SELECT count(*)                          {:>9.1} ms   scans in plan: {count_scans} {}",
        count_time.as_secs_f64() * 1e3,
        if count_scans == 0 {
            "(answered from manifest row counts) ok"
        } else {
            "MISSED"
        }
    );
    println!(
        "  SELECT sum(v) WHERE p = 42               {:>9.1} ms   files read: {read_files} of {files} {}",
        prune_time.as_secs_f64() * 1e3,
        if read_files == files_per_partition { "ok" } else { "MISSED" }
    );
    Ok(())
}
