//! The table of many small data files that `strata-bench plan` and `strata-bench sql` plan
//! over: an append table `bench.files (p INT, v BIGINT)` partitioned by `p`, written in one
//! commit with one data file of [`ROWS_PER_FILE`] rows per batch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use arrow::array::{ArrayRef, Int32Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use strata_core::{Catalog, Identifier, Table};

use crate::ops::{commit, create_table};

/// Name of the table.
pub const TABLE: &str = "bench.files";

/// Rows per data file (`target-file-row-num`).
pub const ROWS_PER_FILE: usize = 10;

/// Creates [`TABLE`] in `catalog` and writes `partitions × files_per_partition` data files in
/// one commit; returns the table as re-opened after the commit and the time of the write and
/// commit.
pub async fn write(
    catalog: &Catalog,
    partitions: usize,
    files_per_partition: usize,
) -> Result<(Table, Duration)> {
    let rows_per_file = ROWS_PER_FILE.to_string();
    let table = create_table(
        catalog,
        TABLE,
        &[("p", "INT"), ("v", "BIGINT")],
        &["p"],
        &[],
        &[("target-file-row-num", rows_per_file.as_str())],
    )
    .await?;
    let schema = Arc::new(Schema::new(vec![
        Field::new("p", DataType::Int32, true),
        Field::new("v", DataType::Int64, true),
    ]));
    let t = Instant::now();
    let mut w = table.new_write()?;
    // The writer rolls files between batches: one batch per file.
    for p in 0..partitions {
        for f in 0..files_per_partition {
            let start = (f * ROWS_PER_FILE) as i64;
            let columns: Vec<ArrayRef> = vec![
                Arc::new(Int32Array::from(vec![p as i32; ROWS_PER_FILE])),
                Arc::new(Int64Array::from_iter_values(
                    start..start + ROWS_PER_FILE as i64,
                )),
            ];
            w.write(&RecordBatch::try_new(schema.clone(), columns)?)
                .await?;
        }
    }
    commit(&table, w).await?;
    let elapsed = t.elapsed();
    let table = catalog.get_table(&Identifier::parse(TABLE, None)?).await?;
    Ok((table, elapsed))
}
