//! Golden tests of the `strata` binary: output files under tests/golden (refresh them with
//! `STRATA_UPDATE_GOLDEN=1 cargo test -p strata-cli` and review the diff), exit codes, and
//! one-line errors that leave the table unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Cli {
    warehouse: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            warehouse: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .arg("--warehouse")
            .arg(self.warehouse.path())
            .args(args)
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
        let p = self.warehouse.path().join(name);
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
    let pq = cli.warehouse.path().join("out.parquet");
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
        .warehouse
        .path()
        .join("shop.db/orders/snapshot/snapshot-2");
    std::fs::write(&snap, "{ broken").unwrap();
    let e = cli.fails(&["read", "shop.orders"]);
    assert!(e.contains("snapshot-2") && e.contains("corrupt"), "{e}");
}
