//! Physical plans: the catalog in a plain `SessionContext`, `count(*)` from manifest row
//! counts, partition pruning, splits spread over partitions, DataFusion's own DDL on the
//! catalog.

use std::sync::Arc;

use datafusion::physical_plan::{collect, ExecutionPlan};
use datafusion::prelude::{SessionConfig, SessionContext};
use strata_core::Catalog;
use strata_datafusion::exec::StrataScanExec;
use strata_datafusion::{register_catalog, StrataSession};

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

async fn physical(s: &StrataSession, sql: &str) -> Arc<dyn ExecutionPlan> {
    let df = s.plan(sql).await.unwrap();
    s.context()
        .state()
        .create_physical_plan(df.logical_plan())
        .await
        .unwrap()
}

fn session(dir: &std::path::Path, partitions: usize) -> StrataSession {
    let catalog = Catalog::open(dir.to_str().unwrap(), &Default::default()).unwrap();
    StrataSession::with_config(
        catalog,
        SessionConfig::new().with_target_partitions(partitions),
    )
    .unwrap()
}

async fn int(s: &StrataSession, sql: &str) -> i64 {
    let b = s.sql_collect(sql).await.unwrap();
    let c = arrow::compute::cast(b[0].column(0), &arrow::datatypes::DataType::Int64).unwrap();
    c.as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_star_from_manifests_when_no_merge_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path(), 4);
    s.run_script(
        "CREATE DATABASE db;
         CREATE TABLE db.a (x INT, p STRING) PARTITIONED BY (p);
         INSERT INTO db.a VALUES (1, 'a'), (2, 'a'), (3, 'b');
         INSERT INTO db.a VALUES (4, 'b');
         CREATE TABLE db.k (id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '2', 'write-only' = 'true');
         INSERT INTO db.k VALUES (1, 'a'), (2, 'b'), (3, 'c');
         INSERT INTO db.k VALUES (1, 'A');",
    )
    .await
    .unwrap();
    // Append table: answered from the manifests, also for a partition filter.
    for sql in [
        "SELECT count(*) FROM db.a",
        "SELECT count(*) FROM db.a WHERE p = 'b'",
    ] {
        let plan = physical(&s, sql).await;
        assert!(scans(&plan).is_empty(), "{sql} scanned");
    }
    assert_eq!(int(&s, "SELECT count(*) FROM db.a WHERE p = 'b'").await, 2);
    // A value filter needs the rows.
    assert_eq!(
        scans(&physical(&s, "SELECT count(*) FROM db.a WHERE x > 1").await).len(),
        1
    );
    // Primary key with level-0 files: the merge decides.
    assert_eq!(
        scans(&physical(&s, "SELECT count(*) FROM db.k").await).len(),
        1
    );
    assert_eq!(int(&s, "SELECT count(*) FROM db.k").await, 3);
    // After a full compaction every split is raw-convertible.
    s.sql_collect("CALL sys.compact(`table` => 'db.k', compact_strategy => 'full')")
        .await
        .unwrap();
    assert!(scans(&physical(&s, "SELECT count(*) FROM db.k").await).is_empty());
    assert_eq!(int(&s, "SELECT count(*) FROM db.k").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_and_parallel_splits() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path(), 3);
    s.sql_collect("CREATE DATABASE db").await.unwrap();
    s.sql_collect(
        "CREATE TABLE db.t (id INT, p INT, v STRING, PRIMARY KEY (id, p) NOT ENFORCED) \
         PARTITIONED BY (p) WITH ('bucket' = '2')",
    )
    .await
    .unwrap();
    let values: Vec<String> = (0..200)
        .map(|i| format!("({i}, {}, 'v{i}')", i % 10))
        .collect();
    s.sql_collect(&format!("INSERT INTO db.t VALUES {}", values.join(", ")))
        .await
        .unwrap();
    // All 10 partitions × 2 buckets, spread over 3 DataFusion partitions.
    let plan = physical(&s, "SELECT * FROM db.t").await;
    let scan = scans(&plan)[0];
    assert_eq!(scan.groups().iter().map(Vec::len).sum::<usize>(), 20);
    assert_eq!(scan.groups().len(), 3);
    // One partition: only its two buckets.
    let plan = physical(&s, "SELECT v FROM db.t WHERE p = 7").await;
    let scan = scans(&plan)[0];
    assert_eq!(scan.file_count(), 2);
    let rows = collect(plan, s.context().task_ctx()).await.unwrap();
    assert_eq!(rows.iter().map(|b| b.num_rows()).sum::<usize>(), 20);
    // A key filter is exact: no FilterExec above the scan.
    let plan = physical(&s, "SELECT v FROM db.t WHERE id = 17 AND p = 7").await;
    let text = datafusion::physical_plan::displayable(plan.as_ref())
        .indent(true)
        .to_string();
    assert!(!text.contains("FilterExec"), "{text}");
    assert_eq!(
        int(&s, "SELECT count(*) FROM db.t WHERE id = 17 AND p = 7").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_in_a_plain_session_context() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path(), 2);
    s.run_script(
        "CREATE DATABASE db;
         CREATE TABLE db.t (id INT, v STRING);
         INSERT INTO db.t VALUES (1, 'a'), (2, 'b');
         CREATE TABLE db.u (id INT, w STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '1');
         INSERT INTO db.u VALUES (2, 'x');",
    )
    .await
    .unwrap();
    let catalog = Catalog::open(dir.path().to_str().unwrap(), &Default::default()).unwrap();
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_information_schema(true));
    register_catalog(&ctx, "lake", catalog);
    let batches = ctx
        .sql("SELECT t.v, u.w FROM lake.db.t t JOIN lake.db.u u ON t.id = u.id")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    // DataFusion's own statements reach the warehouse too.
    ctx.sql("INSERT INTO lake.db.t VALUES (3, 'c')")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let n = ctx
        .sql("SELECT count(*) FROM lake.db.t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(
        n[0].column(0)
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .unwrap()
            .value(0),
        3
    );
    let tables = ctx
        .sql("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'lake' AND table_schema = 'db' ORDER BY table_name")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(tables[0].num_rows(), 2);
    ctx.sql("CREATE SCHEMA lake.other").await.unwrap();
    assert!(s.catalog().database_exists("other").await.unwrap());
    ctx.sql("DROP TABLE lake.db.u").await.unwrap();
    assert_eq!(s.catalog().list_tables("db").await.unwrap(), vec!["t"]);
    let snapshots = ctx
        .sql("SELECT count(*) FROM lake.db.\"t$snapshots\"")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(snapshots[0].num_rows(), 1);
}
