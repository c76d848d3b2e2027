//! The benchmark workload: seeded batches of (id BIGINT, dt STRING with 4 values, four numeric
//! columns, a ~20-character string).

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Rows per generated batch.
pub const BATCH: usize = 65_536;

/// Partition values of `dt`.
pub const DATES: [&str; 4] = ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"];

/// Arrow schema of the workload (nullable like the table columns; `id`, `dt` not null).
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("dt", DataType::Utf8, false),
        Field::new("a", DataType::Int64, true),
        Field::new("b", DataType::Int32, true),
        Field::new("c", DataType::Float64, true),
        Field::new("d", DataType::Float64, true),
        Field::new("s", DataType::Utf8, true),
    ]))
}

/// Column definitions for `strata table create`-style schemas.
pub fn columns() -> Vec<(&'static str, &'static str)> {
    vec![
        ("id", "BIGINT NOT NULL"),
        ("dt", "STRING NOT NULL"),
        ("a", "BIGINT"),
        ("b", "INT"),
        ("c", "DOUBLE"),
        ("d", "DOUBLE"),
        ("s", "STRING"),
    ]
}

/// Rows `ids` (the id of each row chosen by the caller) with seeded values; `version` changes
/// the value columns (for upserts).
pub fn batch(ids: &[i64], version: u64) -> RecordBatch {
    let mut rng = StdRng::seed_from_u64(
        ids.first().copied().unwrap_or(0) as u64 ^ version.wrapping_mul(0x9e37_79b9),
    );
    let n = ids.len();
    let dt: Vec<&str> = ids.iter().map(|i| DATES[(*i as usize) % 4]).collect();
    let a: Vec<i64> = (0..n).map(|_| rng.random_range(0..1_000_000)).collect();
    let b: Vec<i32> = (0..n).map(|_| rng.random_range(-1000..1000)).collect();
    let c: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 1000.0).collect();
    let d: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let s: Vec<String> = ids
        .iter()
        .map(|i| format!("name-{:08}-v{version:02}-xx", i % 100_000_000))
        .collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.to_vec())),
        Arc::new(StringArray::from(dt)),
        Arc::new(Int64Array::from(a)),
        Arc::new(Int32Array::from(b)),
        Arc::new(Float64Array::from(c)),
        Arc::new(Float64Array::from(d)),
        Arc::new(StringArray::from(s)),
    ];
    RecordBatch::try_new(schema(), cols).unwrap_or_else(|e| panic!("benchmark batch: {e}"))
}

/// Batches of ids `0..rows`.
pub fn batches(rows: usize, version: u64) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows {
        let end = (start + BATCH).min(rows);
        let ids: Vec<i64> = (start as i64..end as i64).collect();
        out.push(batch(&ids, version));
        start = end;
    }
    out
}
