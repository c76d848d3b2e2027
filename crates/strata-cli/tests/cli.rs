//! Golden tests of the `strata` binary: output files under tests/golden (refresh them with
//! `STRATA_UPDATE_GOLDEN=1 cargo test -p strata-cli` and review the diff), exit codes, and
//! one-line errors that leave the table unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Cli {
    /// Local scratch directory: input and output files (and the warehouse, when local).
    scratch: tempfile::TempDir,
    /// `--warehouse`: the scratch directory or an `s3://` location.
    warehouse: String,
    /// `--storage-option` values.
    options: Vec<String>,
}

impl Cli {
    fn new() -> Cli {
        let scratch = tempfile::tempdir().unwrap();
        let warehouse = scratch.path().to_str().unwrap().to_string();
        Cli {
            scratch,
            warehouse,
            options: Vec::new(),
        }
    }

    /// A warehouse in a fresh prefix of the `strata` bucket of the moto server the test script
    /// starts (`STRATA_S3_MOTO`); `None` (the test skips) when no server runs, unless
    /// `STRATA_REQUIRE_JUDGES=1`.
    fn s3() -> Option<Cli> {
        let Some(endpoint) = std::env::var("STRATA_S3_MOTO")
            .ok()
            .filter(|v| !v.is_empty())
        else {
            let msg = "STRATA_S3_MOTO is not set: start the S3 servers with \
                       `eval \"$(scripts/setup-test-env.sh)\"`";
            if std::env::var("STRATA_REQUIRE_JUDGES").is_ok_and(|v| v.trim() == "1") {
                panic!("{msg} (STRATA_REQUIRE_JUDGES=1)");
            }
            eprintln!("skipping: {msg}");
            return None;
        };
        let scratch = tempfile::tempdir().unwrap();
        let unique = scratch
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches('.')
            .to_lowercase();
        Some(Cli {
            scratch,
            warehouse: format!("s3://strata/cli-{unique}"),
            options: vec![
                format!("s3.endpoint={endpoint}"),
                "s3.region=us-east-1".into(),
                "s3.access-key=test".into(),
                "s3.secret-key=test".into(),
                "s3.path-style-access=true".into(),
            ],
        })
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.arg("--warehouse").arg(&self.warehouse);
        for o in &self.options {
            cmd.arg("--storage-option").arg(o);
        }
        cmd.args(args)
            .env_remove("STRATA_WAREHOUSE")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "strata {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns its stderr (exactly one `error:` line).
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "strata {args:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error: ")).count(),
            1,
            "{err}"
        );
        err
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.scratch.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("STRATA_UPDATE_GOLDEN").is_ok() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert_eq!(
        actual,
        want,
        "output differs from {} (STRATA_UPDATE_GOLDEN=1 refreshes it)",
        path.display()
    );
}

fn setup_orders(cli: &Cli) {
    cli.ok(&["db", "create", "shop"]);
    cli.ok(&[
        "table",
        "create",
        "shop.orders",
        "--column",
        "id BIGINT NOT NULL",
        "--column",
        "dt STRING NOT NULL",
        "--column",
        "amount DECIMAL(10, 2) COMMENT 'in euro'",
        "--column",
        "note STRING",
        "--primary-key",
        "id,dt",
        "--partition-key",
        "dt",
        "--option",
        "bucket=2",
    ]);
    let csv = cli.file("orders.csv", "id,dt,amount,note\n1,2026-11-23,10.50,first\n2,2026-11-23,20.00,\"second, with comma\"\n3,2026-11-24,7.25,third\n");
    cli.ok(&["write", "shop.orders", csv.to_str().unwrap()]);
    let json = cli.file("more.jsonl", "{\"id\": 2, \"dt\": \"2026-11-23\", \"amount\": \"21.00\", \"note\": \"updated\"}\n{\"id\": 4, \"dt\": \"2026-11-24\", \"amount\": 4}\n");
    cli.ok(&["write", "shop.orders", json.to_str().unwrap()]);
}

#[test]
fn help_is_stable() {
    let cli = Cli::new();
    golden("help.txt", &cli.ok(&["--help"]));
    golden(
        "help-table-create.txt",
        &cli.ok(&["table", "create", "--help"]),
    );
    golden("help-read.txt", &cli.ok(&["read", "--help"]));
}

#[test]
fn create_write_read_in_every_format() {
    let cli = Cli::new();
    setup_orders(&cli);
    golden("db-list.txt", &cli.ok(&["db", "list"]));
    golden("table-list.txt", &cli.ok(&["table", "list"]));
    golden("schema.txt", &cli.ok(&["table", "schema", "shop.orders"]));
    golden("read-table.txt", &cli.ok(&["read", "shop.orders"]));
    golden(
        "read-json.txt",
        &cli.ok(&["read", "shop.orders", "--format", "json"]),
    );
    golden(
        "read-csv.txt",
        &cli.ok(&[
            "read",
            "shop.orders",
            "--format",
            "csv",
            "--columns",
            "note,id",
        ]),
    );
    golden(
        "read-filter.txt",
        &cli.ok(&[
            "read",
            "shop.orders",
            "--filter",
            "dt = '2026-11-23' AND amount > 15",
            "--format",
            "json",
        ]),
    );
    golden(
        "read-snapshot-1.txt",
        &cli.ok(&["read", "shop.orders", "--snapshot", "1", "--format", "json"]),
    );
    golden(
        "read-limit.txt",
        &cli.ok(&["read", "shop.orders", "--limit", "2", "--format", "json"]),
    );
    let pq = cli.scratch.path().join("out.parquet");
    cli.ok(&[
        "read",
        "shop.orders",
        "--format",
        "parquet",
        "-o",
        pq.to_str().unwrap(),
    ]);
    // the Parquet export can be written back into a table with the same columns
    cli.ok(&[
        "table",
        "create",
        "shop.copy",
        "--column",
        "id BIGINT NOT NULL",
        "--column",
        "dt STRING NOT NULL",
        "--column",
        "amount DECIMAL(10, 2)",
        "--column",
        "note STRING",
    ]);
    cli.ok(&["write", "shop.copy", pq.to_str().unwrap()]);
    golden(
        "read-copy.txt",
        &cli.ok(&["read", "shop.copy", "--format", "json"]),
    );
}

#[test]
fn delete_compact_overwrite_and_files() {
    let cli = Cli::new();
    setup_orders(&cli);
    cli.ok(&["delete", "shop.orders", "--filter", "note = 'third'"]);
    cli.ok(&["compact", "shop.orders", "--full"]);
    golden(
        "after-delete-compact.txt",
        &cli.ok(&["read", "shop.orders", "--format", "json"]),
    );
    let files = cli.ok(&["files", "shop.orders"]);
    assert!(files.contains("level-0 files"), "{files}");
    assert!(
        files.lines().filter(|l| l.contains("┆ 5 ")).count() >= 2,
        "compacted files are at level 5:\n{files}"
    );
    let day = cli.file(
        "day.jsonl",
        "{\"id\": 9, \"dt\": \"2026-11-23\", \"amount\": \"9.99\"}\n",
    );
    cli.ok(&[
        "write",
        "shop.orders",
        day.to_str().unwrap(),
        "--overwrite",
        "--partition",
        "dt=2026-11-23",
    ]);
    golden(
        "after-overwrite.txt",
        &cli.ok(&["read", "shop.orders", "--format", "json"]),
    );
    let snaps = cli.ok(&["snapshots", "shop.orders"]);
    for kind in ["APPEND", "COMPACT", "OVERWRITE"] {
        assert!(snaps.contains(kind), "{snaps}");
    }
}

/// The same commands on an S3 warehouse (moto: atomic conditional puts) print exactly what
/// they print on a local one.
#[test]
fn the_cli_works_the_same_on_an_s3_warehouse() {
    let Some(cli) = Cli::s3() else { return };
    setup_orders(&cli);
    golden(
        "read-json.txt",
        &cli.ok(&["read", "shop.orders", "--format", "json"]),
    );
    golden(
        "read-snapshot-1.txt",
        &cli.ok(&["read", "shop.orders", "--snapshot", "1", "--format", "json"]),
    );
    cli.ok(&["delete", "shop.orders", "--filter", "note = 'third'"]);
    cli.ok(&["compact", "shop.orders", "--full"]);
    golden(
        "after-delete-compact.txt",
        &cli.ok(&["read", "shop.orders", "--format", "json"]),
    );
    let snaps = cli.ok(&["snapshots", "shop.orders"]);
    assert!(snaps.contains("COMPACT"), "{snaps}");
    let count = cli.ok(&[
        "sql",
        "-e",
        "SELECT count(*) AS n FROM shop.orders",
        "--format",
        "csv",
    ]);
    assert!(count.contains("n\n3"), "{count}");
    // a bad value leaves the S3 table as it was
    let bad = cli.file(
        "bad.csv",
        "id,dt,amount,note\nnot-a-number,2026-11-23,1.00,x\n",
    );
    cli.fails(&["write", "shop.orders", bad.to_str().unwrap()]);
    assert_eq!(cli.ok(&["snapshots", "shop.orders"]), snaps);
}

#[test]
fn bad_input_fails_with_one_clear_line_and_changes_nothing() {
    let cli = Cli::new();
    setup_orders(&cli);
    let before = cli.ok(&["read", "shop.orders", "--format", "json"]);
    let snapshots_before = cli.ok(&["snapshots", "shop.orders"]);
    let bad_csv = cli.file(
        "bad.csv",
        "id,dt,amount\n5,2026-11-24,1.00\n6,2026-11-24,not-a-number\n",
    );
    let e = cli.fails(&["write", "shop.orders", bad_csv.to_str().unwrap()]);
    assert!(e.contains("bad.csv line 3, column 'amount'"), "{e}");
    let bad_json = cli.file(
        "bad.jsonl",
        "{\"id\": 5, \"dt\": \"x\"}\n{\"id\": \"many\", \"dt\": \"x\"}\n",
    );
    let e = cli.fails(&["write", "shop.orders", bad_json.to_str().unwrap()]);
    assert!(e.contains("bad.jsonl row 2, column 'id'"), "{e}");
    let null_key = cli.file("nullkey.jsonl", "{\"dt\": \"x\"}\n");
    let e = cli.fails(&["write", "shop.orders", null_key.to_str().unwrap()]);
    assert!(e.contains("'id'") && e.contains("NOT NULL"), "{e}");
    let unknown = cli.file(
        "unknown.jsonl",
        "{\"id\": 1, \"dt\": \"x\", \"colour\": \"red\"}\n",
    );
    let e = cli.fails(&["write", "shop.orders", unknown.to_str().unwrap()]);
    assert!(e.contains("'colour'"), "{e}");
    let e = cli.fails(&["read", "shop.nope"]);
    assert!(e.contains("table 'shop.nope' does not exist"), "{e}");
    let e = cli.fails(&["read", "nodb.t"]);
    assert!(e.contains("database 'nodb' does not exist"), "{e}");
    let e = cli.fails(&["read", "shop.orders", "--filter", "colour = 'red'"]);
    assert!(e.contains("unknown column 'colour'"), "{e}");
    let e = cli.fails(&["read", "shop.orders", "--snapshot", "99"]);
    assert!(e.contains("snapshot 99"), "{e}");
    let e = cli.fails(&[
        "table",
        "create",
        "shop.bad",
        "--column",
        "id INT",
        "--option",
        "bucket=lots",
    ]);
    assert!(e.contains("'bucket'"), "{e}");
    let e = cli.fails(&["table", "create", "shop.bad", "--column", "id INTEGRAL"]);
    assert!(e.contains("unknown type"), "{e}");
    let e = cli.fails(&[
        "table",
        "create",
        "shop.bad",
        "--column",
        "id INT",
        "--option",
        "merge-engin=first-row",
    ]);
    assert!(e.contains("did you mean 'merge-engine'"), "{e}");
    assert_eq!(cli.ok(&["read", "shop.orders", "--format", "json"]), before);
    assert_eq!(cli.ok(&["snapshots", "shop.orders"]), snapshots_before);
    // a corrupt snapshot file is named
    let snap = cli
        .scratch
        .path()
        .join("shop.db/orders/snapshot/snapshot-2");
    std::fs::write(&snap, "{ broken").unwrap();
    let e = cli.fails(&["read", "shop.orders"]);
    assert!(e.contains("snapshot-2") && e.contains("corrupt"), "{e}");
}
