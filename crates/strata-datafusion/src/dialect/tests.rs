//! Tests of the dialect layer: every statement form of Paimon's documentation that we accept,
//! and the errors for malformed ones.

use super::rewrite::rewrite;
use super::*;
use strata_spec::TypeKind;

fn p(sql: &str) -> Command {
    parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn create_table_in_paimon_syntax() {
    let c = p("CREATE TABLE IF NOT EXISTS db.T (
        id BIGINT NOT NULL COMMENT 'the key',
        dt STRING,
        v ROW<a INT NOT NULL, b ARRAY<STRING>>,
        ts TIMESTAMP(3) WITH LOCAL TIME ZONE NULL,
        m MAP<STRING, DECIMAL(10, 2)>,
        PRIMARY KEY (id, dt) NOT ENFORCED
    ) COMMENT 'tbl' PARTITIONED BY (dt) WITH ('bucket' = '4', 'merge-engine' = 'aggregation');");
    let Command::CreateTable(t) = c else {
        panic!("{c:?}")
    };
    assert_eq!(t.name, ObjectName(vec!["db".into(), "T".into()]));
    assert!(t.if_not_exists);
    assert_eq!(t.columns.len(), 5);
    assert!(!t.columns[0].data_type.nullable);
    assert_eq!(t.columns[0].description.as_deref(), Some("the key"));
    assert!(matches!(t.columns[2].data_type.kind, TypeKind::Row(_)));
    assert!(matches!(
        t.columns[3].data_type.kind,
        TypeKind::LocalZonedTimestamp(3)
    ));
    assert_eq!(t.primary_keys, vec!["id", "dt"]);
    assert_eq!(t.partition_keys, vec!["dt"]);
    assert_eq!(t.comment.as_deref(), Some("tbl"));
    assert_eq!(
        t.options,
        vec![
            ("bucket".to_string(), "4".to_string()),
            ("merge-engine".to_string(), "aggregation".to_string())
        ]
    );
}

#[test]
fn create_table_variants() {
    let Command::CreateTable(t) = p("create table t (a int primary key not enforced, b string)")
    else {
        panic!()
    };
    assert_eq!(t.primary_keys, vec!["a"]);
    let Command::CreateTable(t) =
        p("CREATE TABLE t (a INT, CONSTRAINT pk PRIMARY KEY (a) NOT ENFORCED) USING paimon TBLPROPERTIES ('bucket'='2')")
    else {
        panic!()
    };
    assert_eq!(t.primary_keys, vec!["a"]);
    assert_eq!(t.options[0].0, "bucket");
    assert!(matches!(
        p("CREATE TABLE t2 LIKE db.t1"),
        Command::CreateTableLike { ref source, .. } if source.0 == vec!["db", "t1"]
    ));
    let Command::CreateTableAs(c) = p(
        "CREATE TABLE t3 PARTITIONED BY (dt) WITH ('primary-key' = 'id, dt', 'bucket' = '2') AS SELECT * FROM t",
    ) else {
        panic!()
    };
    assert_eq!(c.primary_keys, vec!["id", "dt"]);
    assert_eq!(c.partition_keys, vec!["dt"]);
    assert_eq!(c.options, vec![("bucket".to_string(), "2".to_string())]);
    assert_eq!(c.query, "SELECT * FROM t");
}

#[test]
fn create_table_errors() {
    for bad in [
        "CREATE TABLE t (a INT,)",
        "CREATE TABLE t (a NOPE)",
        "CREATE TABLE t (a INT, b AS a + 1)",
        "CREATE TABLE t (a INT) WITH ('k')",
        "CREATE TABLE t (a INT, PRIMARY KEY (a) NOT ENFORCED, PRIMARY KEY (a) NOT ENFORCED)",
        "CREATE TABLE t",
        "CREATE TABLE t (a INT) garbage",
        "CREATE TABLE t (a INT) AS SELECT 1",
        "CREATE TABLE t (a INT COMMENT 'x)",
    ] {
        assert!(parse(bad).is_err(), "{bad} should fail");
    }
}

#[test]
fn databases_show_describe() {
    assert_eq!(
        p("CREATE DATABASE IF NOT EXISTS db1"),
        Command::CreateDatabase {
            name: "db1".into(),
            if_not_exists: true
        }
    );
    assert_eq!(
        p("drop database if exists db1 cascade"),
        Command::DropDatabase {
            name: "db1".into(),
            if_exists: true,
            cascade: true
        }
    );
    assert_eq!(
        p("USE db1;"),
        Command::Use {
            name: "db1".into(),
            catalog: false
        }
    );
    assert_eq!(p("SHOW DATABASES"), Command::ShowDatabases);
    assert_eq!(
        p("SHOW TABLES FROM db1"),
        Command::ShowTables {
            database: Some("db1".into())
        }
    );
    assert_eq!(
        p("SHOW CREATE TABLE db1.t"),
        Command::ShowCreateTable {
            name: ObjectName(vec!["db1".into(), "t".into()])
        }
    );
    assert_eq!(
        p("DESC t"),
        Command::Describe {
            name: ObjectName(vec!["t".into()])
        }
    );
    assert_eq!(
        p("DROP TABLE IF EXISTS t"),
        Command::DropTable {
            name: ObjectName(vec!["t".into()]),
            if_exists: true
        }
    );
}

#[test]
fn alter_table() {
    assert_eq!(
        p("ALTER TABLE t SET ('write-only' = 'true', 'snapshot.num-retained.max' = '5')"),
        Command::AlterTableOptions {
            name: ObjectName(vec!["t".into()]),
            set: vec![
                ("write-only".into(), "true".into()),
                ("snapshot.num-retained.max".into(), "5".into())
            ],
            reset: vec![],
        }
    );
    assert_eq!(
        p("ALTER TABLE t RESET ('write-only')"),
        Command::AlterTableOptions {
            name: ObjectName(vec!["t".into()]),
            set: vec![],
            reset: vec!["write-only".into()],
        }
    );
    assert!(parse("ALTER TABLE t RENAME TO u").is_err());
    assert!(parse("ALTER TABLE t SET ()").is_err());
}

#[test]
fn call_insert_delete_update() {
    assert_eq!(
        p("CALL sys.compact('db.t', 'dt=1', true)"),
        Command::Call {
            procedure: "compact".into(),
            args: vec![
                CallValue::Str("db.t".into()),
                CallValue::Str("dt=1".into()),
                CallValue::Bool(true)
            ],
            named: vec![],
        }
    );
    assert_eq!(
        p("CALL sys.expire_snapshots(`table` => 'db.t', retain_max => 2)"),
        Command::Call {
            procedure: "expire_snapshots".into(),
            args: vec![],
            named: vec![
                ("table".into(), CallValue::Str("db.t".into())),
                ("retain_max".into(), CallValue::Num("2".into()))
            ],
        }
    );
    assert!(parse("CALL sys.compact(some_column)").is_err());
    assert_eq!(
        p("INSERT OVERWRITE t PARTITION (dt = '2026-01-01', hr = 3) SELECT a, b FROM s"),
        Command::InsertPartition {
            overwrite: true,
            table: ObjectName(vec!["t".into()]),
            partition: vec![
                ("dt".into(), "2026-01-01".into()),
                ("hr".into(), "3".into())
            ],
            query: "SELECT a, b FROM s".into(),
        }
    );
    assert!(matches!(p("INSERT INTO t SELECT 1"), Command::Query(_)));
    assert!(matches!(
        p("INSERT OVERWRITE t SELECT 1"),
        Command::Query(_)
    ));
    assert_eq!(
        p("DELETE FROM t WHERE id > 3 AND v = 'x;y'"),
        Command::Delete {
            table: ObjectName(vec!["t".into()]),
            condition: Some("id > 3 AND v = 'x;y'".into())
        }
    );
    assert_eq!(
        p("UPDATE t SET v = concat(v, ','), n = n + 1 WHERE id IN (1, 2)"),
        Command::Update {
            table: ObjectName(vec!["t".into()]),
            assignments: vec![
                ("v".into(), "concat(v, ',')".into()),
                ("n".into(), "n + 1".into())
            ],
            condition: Some("id IN (1, 2)".into()),
        }
    );
    assert!(matches!(p("SELECT 1"), Command::Query(_)));
    assert!(matches!(
        p("WITH x AS (SELECT 1) SELECT * FROM x"),
        Command::Query(_)
    ));
}

fn ph(n: usize) -> String {
    format!("tmp.h{n}")
}

#[test]
fn rewrites_hints() {
    let r = rewrite(
        "SELECT * FROM db.t /*+ OPTIONS('scan.snapshot-id'='3') */ WHERE t.a = 1",
        ph,
    )
    .unwrap();
    assert_eq!(r.sql, "SELECT * FROM tmp.h0 AS \"t\" WHERE t.a = 1");
    assert_eq!(
        r.tables[0].1.name,
        ObjectName(vec!["db".into(), "t".into()])
    );
    assert_eq!(
        r.tables[0].1.options,
        vec![("scan.snapshot-id".to_string(), "3".to_string())]
    );
    let r = rewrite(
        "SELECT * FROM a /*+ OPTIONS('k'='v', 'x'='y') */ x JOIN b /*+ OPTIONS('scan.tag-name'='t1') */ ON x.id = b.id",
        ph,
    )
    .unwrap();
    assert_eq!(
        r.sql,
        "SELECT * FROM tmp.h0 x JOIN tmp.h1 AS \"b\" ON x.id = b.id"
    );
    assert_eq!(r.tables.len(), 2);
    let r = rewrite("INSERT INTO t /*+ OPTIONS('k'='v') */ SELECT 1", ph).unwrap();
    assert_eq!(r.sql, "INSERT INTO tmp.h0 SELECT 1");
    let r = rewrite("SELECT 1 /*+ BROADCAST(t) */", ph).unwrap();
    assert_eq!(r.sql, "SELECT 1 /*+ BROADCAST(t) */");
    assert!(rewrite("SELECT * FROM t /*+ OPTIONS('k') */", ph).is_err());
}

#[test]
fn rewrites_time_travel() {
    let r = rewrite(
        "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2026-01-01 00:00:00'",
        ph,
    )
    .unwrap();
    assert_eq!(r.sql, "SELECT * FROM tmp.h0 AS \"t\"");
    assert_eq!(
        r.tables[0].1.options,
        vec![(
            "scan.timestamp".to_string(),
            "2026-01-01 00:00:00".to_string()
        )]
    );
    let r = rewrite("SELECT * FROM t VERSION AS OF 3 WHERE a = 1", ph).unwrap();
    assert_eq!(r.sql, "SELECT * FROM tmp.h0 AS \"t\" WHERE a = 1");
    assert_eq!(r.tables[0].1.options[0].0, "scan.snapshot-id");
    let r = rewrite("SELECT * FROM t VERSION AS OF 'daily' v", ph).unwrap();
    assert_eq!(r.sql, "SELECT * FROM tmp.h0 v");
    assert_eq!(
        r.tables[0].1.options[0],
        ("scan.tag-name".into(), "daily".into())
    );
    let r = rewrite("SELECT * FROM t TIMESTAMP AS OF 1700000000", ph).unwrap();
    assert_eq!(
        r.tables[0].1.options[0],
        ("scan.timestamp-millis".into(), "1700000000000".into())
    );
    assert!(rewrite("SELECT * FROM t VERSION AS OF", ph).is_err());
    let same = "SELECT version, ts FROM t";
    assert_eq!(rewrite(same, ph).unwrap().sql, same);
}

#[test]
fn flink_settings_and_catalogs() {
    assert_eq!(
        p("SET 'execution.runtime-mode' = 'batch';"),
        Command::FlinkSet {
            key: "execution.runtime-mode".into(),
            value: "batch".into()
        }
    );
    assert!(matches!(
        p("SET datafusion.execution.batch_size = 1024"),
        Command::Query(_)
    ));
    assert!(parse("CREATE CATALOG c WITH ('type' = 'paimon')")
        .unwrap_err()
        .contains("--warehouse"));
}
