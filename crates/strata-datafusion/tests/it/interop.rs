//! pypaimon 2.1.0 reads what SQL wrote: tables created, filled, updated and deleted through
//! `StrataSession` are read back by the pypaimon judge (strata-testkit) and compared row by row.

use serde_json::{json, Value};
use strata_core::Catalog;
use strata_datafusion::StrataSession;
use strata_testkit::{pypaimon, temp_warehouse, ReadOpts};

async fn run(session: &StrataSession, script: &str) {
    for (stmt, _) in session.run_script(script).await.unwrap() {
        assert!(!stmt.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pypaimon_reads_what_sql_wrote() {
    let Some(judge) = pypaimon() else { return };
    let warehouse = temp_warehouse();
    let catalog = Catalog::open(warehouse.path().to_str().unwrap(), &Default::default()).unwrap();
    let session = StrataSession::new(catalog).unwrap();
    run(
        &session,
        "CREATE DATABASE db;
         USE db;
         CREATE TABLE pk (id BIGINT, dt STRING, v STRING, n INT, PRIMARY KEY (id, dt) NOT ENFORCED)
           PARTITIONED BY (dt) WITH ('bucket' = '2');
         INSERT INTO pk VALUES (1, 'a', 'x', 1), (2, 'a', 'y', 2), (3, 'b', 'z', 3);
         UPDATE pk SET v = 'Y', n = 20 WHERE id = 2;
         DELETE FROM pk WHERE id = 3;
         INSERT INTO pk VALUES (4, 'b', 'w', 4);
         CREATE TABLE log (ts BIGINT, msg STRING, amount DECIMAL(10, 2));
         INSERT INTO log VALUES (1, 'one', 1.50), (2, NULL, NULL);
         INSERT INTO log SELECT ts + 10, msg, amount FROM log;
         CREATE TABLE agg (k INT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED)
           WITH ('bucket' = '1', 'merge-engine' = 'aggregation', 'fields.total.aggregate-function' = 'sum');
         INSERT INTO agg VALUES (1, 5), (2, 1);
         INSERT INTO agg VALUES (1, 7);",
    )
    .await;
    let sorted = ReadOpts::new().sort();
    let pk = judge.read(warehouse.path(), "db.pk", &sorted).unwrap();
    assert_eq!(
        pk,
        vec![
            json!({"id": 1, "dt": "a", "v": "x", "n": 1}),
            json!({"id": 2, "dt": "a", "v": "Y", "n": 20}),
            json!({"id": 4, "dt": "b", "v": "w", "n": 4}),
        ]
    );
    let log: Vec<Value> = judge.read(warehouse.path(), "db.log", &sorted).unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0]["msg"], json!("one"));
    let agg = judge.read(warehouse.path(), "db.agg", &sorted).unwrap();
    assert_eq!(
        agg,
        vec![json!({"k": 1, "total": 12}), json!({"k": 2, "total": 1})]
    );
    // And what SQL reads back agrees.
    let n = session
        .sql_collect("SELECT count(*) FROM db.log")
        .await
        .unwrap();
    assert_eq!(
        n[0].column(0)
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .unwrap()
            .value(0),
        4
    );
}
