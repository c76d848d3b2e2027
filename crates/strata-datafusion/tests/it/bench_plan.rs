//! Planning cost over many data files (ignored: a benchmark, run by hand with
//! `cargo test -p strata-datafusion --test it bench_plan -- --ignored --nocapture`).
//! `strata-bench sql` reports the same with the full SQL layer.

use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Int32Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use strata_core::{Catalog, Identifier, TableDefinition};
use strata_spec::DataField;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_plan_many_files() {
    let files: usize = std::env::var("FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let loops: usize = std::env::var("LOOPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(dir.path().to_str().unwrap(), &Default::default()).unwrap();
    catalog.create_database("b", true).await.unwrap();
    let mut options = std::collections::BTreeMap::new();
    options.insert("target-file-row-num".to_string(), "10".to_string());
    let table = catalog
        .create_table(
            &Identifier::new("b", "t"),
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
        .await
        .unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("p", DataType::Int32, true),
        Field::new("v", DataType::Int64, true),
    ]));
    let mut w = table.new_write().unwrap();
    for f in 0..files {
        let b = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(vec![(f % 100) as i32; 10])),
                Arc::new(Int64Array::from_iter_values(0..10)),
            ],
        )
        .unwrap();
        w.write(&b).await.unwrap();
    }
    let m = w.prepare_commit().await.unwrap();
    let user = w.commit_user().to_string();
    w.close().await.unwrap();
    table
        .new_commit(&user)
        .commit(m, strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER)
        .await
        .unwrap();
    println!("written; planning {loops} times");
    let t = Instant::now();
    for _ in 0..loops {
        let plan = table.new_scan().plan().await.unwrap();
        assert_eq!(
            plan.splits.iter().map(|s| s.files.len()).sum::<usize>(),
            files
        );
    }
    println!(
        "TableScan::plan over {files} files: {:.1} ms each",
        t.elapsed().as_secs_f64() * 1e3 / loops as f64
    );
}
