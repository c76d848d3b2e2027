//! Issue 4 measurements on the 1,000,000-row workload: an aggregation table (sum, max,
//! last_non_null_value, listagg over 4 columns) and a partial-update table (two sequence groups
//! updated by alternating commits), each written and read next to the deduplicate table; and
//! `changelog-producer = lookup` with compaction after every commit next to the same writes
//! without a changelog.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType as ArrowType, Field, Schema};
use strata_core::{Catalog, Table};

use crate::data;
use crate::ops::{create_table, open_warehouse, read_count, timed, write_all};
use crate::report::{median_steps, print, rounds, Step};

const COLUMNS: [(&str, &str); 7] = [
    ("id", "BIGINT NOT NULL"),
    ("a", "BIGINT"),
    ("b", "DOUBLE"),
    ("s", "STRING"),
    ("t", "STRING"),
    ("g1", "BIGINT"),
    ("g2", "BIGINT"),
];

fn batch(ids: &[i64], round: i64, which: u8) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", ArrowType::Int64, false),
        Field::new("a", ArrowType::Int64, true),
        Field::new("b", ArrowType::Float64, true),
        Field::new("s", ArrowType::Utf8, true),
        Field::new("t", ArrowType::Utf8, true),
        Field::new("g1", ArrowType::Int64, true),
        Field::new("g2", ArrowType::Int64, true),
    ]));
    // Partial update: group 1 = (a, b) under g1, group 2 = (s, t) under g2; alternate commits
    // fill one group each.
    let g1 = which != 2;
    let g2 = which != 1;
    let opt = |on: bool, v: i64| if on { Some(v) } else { None };
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.to_vec())),
        Arc::new(Int64Array::from_iter(
            ids.iter().map(|i| opt(g1, i % 1000 + round)),
        )),
        Arc::new(Float64Array::from_iter(ids.iter().map(|i| {
            if g1 {
                Some(*i as f64 * 0.5 + round as f64)
            } else {
                None
            }
        }))),
        Arc::new(StringArray::from_iter(ids.iter().map(|i| {
            if g2 {
                Some(format!("s{}", i % 97))
            } else {
                None
            }
        }))),
        Arc::new(StringArray::from_iter(ids.iter().map(|i| {
            if g2 {
                Some(format!("t{round}-{}", i % 13))
            } else {
                None
            }
        }))),
        Arc::new(Int64Array::from_iter(ids.iter().map(|_| opt(g1, round)))),
        Arc::new(Int64Array::from_iter(ids.iter().map(|_| opt(g2, round)))),
    ];
    Ok(RecordBatch::try_new(schema, cols)?)
}

async fn table(catalog: &Catalog, name: &str, options: &[(&str, &str)]) -> Result<Table> {
    let mut opts = vec![("bucket", "4")];
    opts.extend_from_slice(options);
    create_table(catalog, name, &COLUMNS, &[], &["id"], &opts).await
}

/// The two commits of the workload (round 1 fills group 1, round 2 group 2), built once per
/// round outside every timed section.
struct Input {
    rows: usize,
    commits: [Vec<RecordBatch>; 2],
}

impl Input {
    fn new(rows: usize) -> Result<Self> {
        let ids: Vec<i64> = (0..rows as i64).collect();
        let commit = |round: i64| -> Result<Vec<RecordBatch>> {
            ids.chunks(data::BATCH)
                .map(|c| batch(c, round, round as u8))
                .collect()
        };
        Ok(Input {
            rows,
            commits: [commit(1)?, commit(2)?],
        })
    }
}

/// Write two commits (one per group) and read, for one engine; returns (write, read).
async fn engine(
    catalog: &Catalog,
    name: &str,
    options: &[(&str, &str)],
    input: &Input,
) -> Result<(Duration, Duration)> {
    let t = table(catalog, name, options).await?;
    let mut write = Duration::ZERO;
    for batches in &input.commits {
        let t = catalog.get_table(t.identifier()).await?;
        write += timed(write_all(&t, batches)).await?.1;
    }
    let t = catalog.get_table(t.identifier()).await?;
    let (n, r) = timed(read_count(&t, None, None)).await?;
    let rows = input.rows;
    anyhow::ensure!(n == rows, "{name}: read {n} rows, expected {rows}");
    Ok((write, r))
}

/// Runs the measurements (median of [`rounds`] runs).
pub async fn run(rows: usize) -> Result<()> {
    let n = rounds();
    let (mut engines, mut lookups) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let (e, l) = run_once(rows).await?;
        engines.push(e);
        lookups.push(l);
    }
    print(
        &format!(
            "merge engines: {rows} rows, 2 commits, 4 buckets (reference: the deduplicate table; median of {n} runs)"
        ),
        &median_steps(engines),
    );
    print(
        &format!(
            "changelog-producer lookup: 5 commits of {} rows with compaction after each (median of {n} runs)",
            rows / 10
        ),
        &median_steps(lookups),
    );
    Ok(())
}

/// One round: the engine tables, then the lookup tables.
async fn run_once(rows: usize) -> Result<(Vec<Step>, Vec<Step>)> {
    let dir = tempfile::tempdir()?;
    let catalog = open_warehouse(dir.path())?;
    let input = Input::new(rows)?;
    let (dw, dr) = engine(&catalog, "b.dedup", &[], &input).await?;
    let (aw, ar) = engine(
        &catalog,
        "b.agg",
        &[
            ("merge-engine", "aggregation"),
            ("fields.a.aggregate-function", "sum"),
            ("fields.b.aggregate-function", "max"),
            ("fields.s.aggregate-function", "last_non_null_value"),
            ("fields.t.aggregate-function", "listagg"),
        ],
        &input,
    )
    .await?;
    let (pw, pr) = engine(
        &catalog,
        "b.partial",
        &[
            ("merge-engine", "partial-update"),
            ("fields.g1.sequence-group", "a,b"),
            ("fields.g2.sequence-group", "s,t"),
        ],
        &input,
    )
    .await?;
    let engines = vec![
        Step {
            name: "aggregation write".into(),
            time: aw,
            reference: dw,
            goal: Some(1.3),
        },
        Step {
            name: "aggregation merged read".into(),
            time: ar,
            reference: dr,
            goal: Some(1.3),
        },
        Step {
            name: "partial-update write".into(),
            time: pw,
            reference: dw,
            goal: Some(1.3),
        },
        Step {
            name: "partial-update merged read".into(),
            time: pr,
            reference: dr,
            goal: Some(1.3),
        },
    ];
    // lookup changelog, compaction after every commit, vs the same writes without changelog
    let commits = 5;
    let per = rows / 10;
    let batches = (0..commits)
        .map(|c| {
            let ids: Vec<i64> = (0..per as i64).map(|i| i * 7 + c).collect();
            batch(&ids, c, 0)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut times = Vec::new();
    for (name, opts) in [
        ("b.none", vec![]),
        ("b.lookup", vec![("changelog-producer", "lookup")]),
    ] {
        let t = table(&catalog, name, &opts).await?;
        let mut elapsed = Duration::ZERO;
        for b in &batches {
            let t = catalog.get_table(t.identifier()).await?;
            elapsed += timed(write_all(&t, std::slice::from_ref(b))).await?.1;
        }
        times.push(elapsed);
    }
    let lookup = vec![Step {
        name: "lookup changelog writes".into(),
        time: times[1],
        reference: times[0],
        goal: Some(2.0),
    }];
    Ok((engines, lookup))
}
