//! `strata sql`: statements from -e and -f, the three output formats, exit codes and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn strata(warehouse: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--warehouse")
        .arg(warehouse)
        .arg("sql")
        .args(args)
        .env_remove("STRATA_WAREHOUSE")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn scripts_formats_and_errors() {
    let wh = tempfile::tempdir().unwrap();
    let setup = wh.path().join("setup.sql");
    std::fs::write(
        &setup,
        "-- a script\nCREATE DATABASE db;\nUSE db;\nCREATE TABLE t (\n  id INT,\n  v STRING,\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH ('bucket' = '1');\nINSERT INTO t VALUES (1, 'a;b'), (2, NULL);\n",
    )
    .unwrap();
    let out = stdout(&strata(wh.path(), &["-f", setup.to_str().unwrap()]));
    assert!(out.contains("Table db.t created."), "{out}");
    assert!(out.contains("2 rows affected."), "{out}");

    let q = "SELECT * FROM db.t ORDER BY id";
    let table = stdout(&strata(wh.path(), &["-e", q]));
    assert!(table.contains("| id | v    |"), "{table}");
    assert!(table.contains("| 2  | NULL |"), "{table}");
    assert!(table.contains("2 rows in set ("), "{table}");

    let json = stdout(&strata(wh.path(), &["--format", "json", "-e", q]));
    assert_eq!(json, "{\"id\":1,\"v\":\"a;b\"}\n{\"id\":2}\n");

    let csv = stdout(&strata(wh.path(), &["--format", "csv", "-e", q]));
    assert_eq!(csv, "id,v\n1,a;b\n2,\n");

    let out = stdout(&strata(
        wh.path(),
        &[
            "--database",
            "db",
            "--format",
            "csv",
            "-e",
            "UPDATE t SET v = 'x' WHERE id = 2; SELECT v FROM t WHERE id = 2",
        ],
    ));
    assert_eq!(out, "v\nx\n");

    // Errors: one line, non-zero exit, nothing changed.
    let bad = strata(wh.path(), &["-e", "SELECT * FROM db.nope"]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("error: table 'paimon.db.nope' not found"),
        "{err}"
    );
    let bad = strata(
        wh.path(),
        &[
            "-e",
            "INSERT INTO db.t VALUES (3, 'c'); SELEC 1; INSERT INTO db.t VALUES (4, 'd')",
        ],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("statement 2 of 3 failed: SQL syntax error"),
        "{err}"
    );
    let n = stdout(&strata(
        wh.path(),
        &["--format", "csv", "-e", "SELECT count(*) AS n FROM db.t"],
    ));
    assert_eq!(n, "n\n3\n");
    let snaps = stdout(&strata(
        wh.path(),
        &[
            "--format",
            "csv",
            "-e",
            "SELECT count(*) AS n FROM db.t$snapshots",
        ],
    ));
    assert_eq!(snaps, "n\n3\n");
}
