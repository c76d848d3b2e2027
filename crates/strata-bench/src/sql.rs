//! `strata-bench sql`: the SQL layer's planning costs (issue 5).
//!
//! ```text
//! append table, 100 partitions × 100 files = 10,000 data files (one commit)
//!   plan    SELECT * FROM t                         logical + physical plan (scan planning)  goal ≤ 50 ms
//!   count   SELECT count(*) FROM t                  answered from manifest row counts: no scan
//!   prune   SELECT sum(v) FROM t WHERE p = 42       reads 100 of 10,000 files
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use arrow::array::Int64Array;
use datafusion::physical_plan::{collect, ExecutionPlan};
use strata_datafusion::exec::StrataScanExec;
use strata_datafusion::StrataSession;

use crate::files::{self, ROWS_PER_FILE, TABLE};
use crate::ops::open_warehouse;
use crate::report::median;

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

/// Writes the table, then measures planning, count(*) and one-partition reads.
pub async fn run(partitions: usize, files_per_partition: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let catalog = open_warehouse(dir.path())?;
    let (table, write_time) = files::write(&catalog, partitions, files_per_partition).await?;
    let files = partitions * files_per_partition;
    let rows = files * ROWS_PER_FILE;

    let session = StrataSession::new(catalog.clone())?;
    let state = session.context().state();
    // Planning a full scan: logical plan + physical plan (TableScan::plan over 10,000 files).
    let select_all = format!("SELECT * FROM {TABLE}");
    let mut plan_times = Vec::new();
    let mut planned_files = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let df = session.plan(&select_all).await?;
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
    let mut core_times = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let plan = table.new_scan().plan().await?;
        core_times.push(t.elapsed());
        ensure!(plan.splits.len() == partitions, "unexpected splits");
    }
    let core_time = median(core_times);

    // count(*) from manifest row counts: no scan in the physical plan.
    let count = format!("SELECT count(*) FROM {TABLE}");
    let t = Instant::now();
    let df = session.plan(&count).await?;
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
    let prune = format!("SELECT sum(v) FROM {TABLE} WHERE p = 42");
    let t = Instant::now();
    let df = session.plan(&prune).await?;
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
