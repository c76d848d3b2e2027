//! End-to-end checks of the harness itself: create -> write -> delete -> read through
//! pypaimon and through Java Paimon 0.9, and each judge reading the other's table.
//!
//! Run `eval "$(scripts/setup-test-env.sh)"` first; without the judges these tests skip
//! (or fail when STRATA_REQUIRE_JUDGES=1).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::{json, Value};
use strata_testkit::{
    java, pypaimon, sort_rows, temp_warehouse, CompactOpts, ExpireOpts, IncrementalOpts, Judge,
    JudgeKind, ReadOpts, WriteOpts, ROW_KIND_COLUMN,
};

const TABLE: &str = "db.orders";

/// A partitioned primary-key table with several types. DECIMAL(20,2): Java 0.9 cannot read
/// the parquet decimals of precision <= 18 that pypaimon writes (judge/README.md).
fn spec() -> Value {
    json!({
        "columns": [
            {"name": "dt", "type": "STRING NOT NULL"},
            {"name": "id", "type": "BIGINT NOT NULL"},
            {"name": "price", "type": "DECIMAL(20,2)"},
            {"name": "ratio", "type": "DOUBLE"},
            {"name": "ts", "type": "TIMESTAMP(3)"},
            {"name": "day", "type": "DATE"},
            {"name": "payload", "type": "BYTES"},
            {"name": "tags", "type": "ARRAY<STRING>"},
            {"name": "attrs", "type": "MAP<STRING, INT>"},
            {"name": "addr", "type": "ROW<city STRING, zip INT>"}
        ],
        "primaryKeys": ["dt", "id"],
        "partitionKeys": ["dt"],
        "options": {"bucket": "2", "file.format": "parquet"}
    })
}

fn first_rows() -> Vec<Value> {
    vec![
        json!({"dt": "2024-01-01", "id": 1, "price": "10.5", "ratio": 0.25, "ts": "2024-01-01T10:00:00.123456",
               "day": "2024-01-01", "payload": "AAEC", "tags": ["a", null], "attrs": {"x": 1},
               "addr": {"city": "Oslo", "zip": 150}}),
        json!({"dt": "2024-01-01", "id": 2, "price": 3, "ratio": 1e10, "ts": "2024-01-01",
               "tags": [], "attrs": {}, "addr": ["Bergen", null]}),
        json!({"dt": "2024-01-02", "id": 3, "ratio": "NaN"}),
        json!({"dt": "2024-01-02", "id": 4, "price": "-0.01"}),
    ]
}

/// An update of id 1 and a delete of id 3, by row kind.
fn changes() -> Vec<Value> {
    vec![
        json!({"_kind": "+U", "dt": "2024-01-01", "id": 1, "price": "11.00", "ratio": -2.5}),
        json!({"_kind": "-D", "dt": "2024-01-02", "id": 3}),
    ]
}

fn null_row(dt: &str, id: u64) -> Value {
    json!({"dt": dt, "id": id, "price": null, "ratio": null, "ts": null, "day": null, "payload": null,
           "tags": null, "attrs": null, "addr": null})
}

fn expected_first() -> Vec<Value> {
    let mut rows = vec![
        json!({"dt": "2024-01-01", "id": 1, "price": "10.50", "ratio": 0.25, "ts": "2024-01-01 10:00:00.123",
               "day": "2024-01-01", "payload": "AAEC", "tags": ["a", null], "attrs": {"x": 1},
               "addr": {"city": "Oslo", "zip": 150}}),
        json!({"dt": "2024-01-01", "id": 2, "price": "3.00", "ratio": 1e10, "ts": "2024-01-01 00:00:00.000",
               "day": null, "payload": null, "tags": [], "attrs": {}, "addr": {"city": "Bergen", "zip": null}}),
        {
            let mut row = null_row("2024-01-02", 3);
            row["ratio"] = json!("NaN");
            row
        },
        {
            let mut row = null_row("2024-01-02", 4);
            row["price"] = json!("-0.01");
            row
        },
    ];
    sort_rows(&mut rows);
    rows
}

fn expected_final() -> Vec<Value> {
    let mut updated = null_row("2024-01-01", 1);
    updated["price"] = json!("11.00");
    updated["ratio"] = json!(-2.5);
    let mut rows: Vec<Value> = expected_first()
        .into_iter()
        .filter(|r| r["id"] != json!(1) && r["id"] != json!(3))
        .chain([updated])
        .collect();
    sort_rows(&mut rows);
    rows
}

/// create, write, write the changes: two snapshots.
fn fill(judge: &Judge, warehouse: &Path) {
    judge.create(warehouse, TABLE, &spec()).unwrap();
    judge
        .write(warehouse, TABLE, &first_rows(), &WriteOpts::new())
        .unwrap();
    judge
        .write(
            warehouse,
            TABLE,
            &changes(),
            &WriteOpts::new().row_kind_field("_kind"),
        )
        .unwrap();
}

#[test]
fn pypaimon_round_trip_read_by_every_reader() {
    let Some(py) = pypaimon() else { return };
    assert_eq!(py.kind(), JudgeKind::PyPaimon);
    let warehouse = temp_warehouse();
    let wh = warehouse.path();
    fill(&py, wh);

    let sorted = ReadOpts::new().sort();
    assert_eq!(py.read(wh, TABLE, &sorted).unwrap(), expected_final());
    assert_eq!(
        py.read(wh, TABLE, &sorted.clone().snapshot(1)).unwrap(),
        expected_first()
    );
    assert_eq!(py.rust_read(wh, TABLE, &sorted).unwrap(), expected_final());

    let projected = py
        .read(
            wh,
            TABLE,
            &ReadOpts::new()
                .projection(&["id", "dt"])
                .with_row_kind()
                .sort(),
        )
        .unwrap();
    let kinds: Vec<(&Value, &Value)> = projected
        .iter()
        .map(|r| (&r["id"], &r[ROW_KIND_COLUMN]))
        .collect();
    // Sorted by text: "+I" rows before "+U" rows.
    assert_eq!(
        kinds,
        [
            (&json!(2), &json!("+I")),
            (&json!(4), &json!("+I")),
            (&json!(1), &json!("+U"))
        ]
    );
    assert_eq!(
        projected[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        [ROW_KIND_COLUMN, "id", "dt"]
    );

    // Java Paimon 0.9 reads what pypaimon wrote.
    if let Some(java) = java() {
        assert_eq!(java.read(wh, TABLE, &sorted).unwrap(), expected_final());
        assert_eq!(java.snapshots(wh, TABLE).unwrap().len(), 2);
    }
}

#[test]
fn java_round_trip_and_table_maintenance() {
    let Some(java) = java() else { return };
    assert_eq!(java.kind(), JudgeKind::Java);
    let warehouse = temp_warehouse();
    let wh = warehouse.path();
    fill(&java, wh);

    let sorted = ReadOpts::new().sort();
    assert_eq!(java.read(wh, TABLE, &sorted).unwrap(), expected_final());

    let snapshots = java.snapshots(wh, TABLE).unwrap();
    let ids: Vec<&Value> = snapshots.iter().map(|s| &s["id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2)]);
    java.tag(wh, TABLE, "first", Some(1)).unwrap();

    let changes = java
        .incremental(
            wh,
            TABLE,
            1,
            2,
            &IncrementalOpts {
                sort: true,
                ..Default::default()
            },
        )
        .unwrap();
    let kinds: Vec<(&Value, &Value)> = changes
        .iter()
        .map(|r| (&r[ROW_KIND_COLUMN], &r["id"]))
        .collect();
    assert_eq!(
        kinds,
        [(&json!("+U"), &json!(1)), (&json!("-D"), &json!(3))]
    );

    let compacted = java
        .compact(
            wh,
            TABLE,
            &CompactOpts {
                full: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(compacted["latestSnapshotId"], json!(3), "{compacted}");
    let expired = java
        .expire(
            wh,
            TABLE,
            &ExpireOpts {
                retain_max: 1,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(expired["earliestSnapshotId"], json!(3), "{expired}");

    assert_eq!(java.read(wh, TABLE, &sorted).unwrap(), expected_final());
    assert_eq!(
        java.read(wh, TABLE, &sorted.clone().tag("first")).unwrap(),
        expected_first()
    );

    // paimon-rust reads what Java wrote (pypaimon 2.1.0 cannot: no _VALUE_STATS_COLS).
    if let Some(py) = pypaimon() {
        assert_eq!(py.rust_read(wh, TABLE, &sorted).unwrap(), expected_final());
        assert_eq!(
            py.rust_read(wh, TABLE, &sorted.clone().tag("first"))
                .unwrap(),
            expected_first()
        );
    }
}

#[test]
fn failures_carry_the_command_line_and_stderr() {
    let warehouse = temp_warehouse();
    for judge in strata_testkit::judges() {
        let err = judge
            .read(warehouse.path(), "db.missing", &ReadOpts::new())
            .unwrap_err();
        assert_eq!(err.status, Some(1), "{err}");
        assert!(
            err.stderr.contains("table db.missing does not exist"),
            "{err}"
        );
        assert!(
            err.command.contains(" read ") && err.command.contains("db.missing"),
            "{err}"
        );

        judge
            .create(
                warehouse.path(),
                "db.small",
                &json!({"columns": [{"name": "a", "type": "INT"}]}),
            )
            .unwrap();
        let err = judge
            .write(
                warehouse.path(),
                "db.small",
                &[json!({"a": "x"})],
                &WriteOpts::new(),
            )
            .unwrap_err();
        assert!(err.stderr.contains("expected an integer"), "{err}");
        let err = judge
            .create(
                warehouse.path(),
                "db.small",
                &json!({"columns": [{"name": "a", "type": "INT"}]}),
            )
            .unwrap_err();
        assert!(err.stderr.contains("already exists"), "{err}");
        judge
            .create_if_not_exists(
                warehouse.path(),
                "db.small",
                &json!({"columns": [{"name": "a", "type": "INT"}]}),
            )
            .unwrap();
        std::fs::remove_dir_all(warehouse.path().join("db.db").join("small")).unwrap();
    }
}

/// pyjudge prints exactly what the Java judge prints, text for text, for every type of
/// judge/README.md's table (ORC: the format in which Java 0.9 reads all of pypaimon's output).
#[test]
fn pyjudge_prints_every_type_like_the_java_judge() {
    let (Some(py), Some(java)) = (pypaimon(), java()) else {
        return;
    };
    let warehouse = temp_warehouse();
    let wh = warehouse.path();
    let table = "db.types";
    let spec = json!({
        "columns": [
            {"name": "id", "type": "BIGINT NOT NULL"},
            {"name": "b", "type": "BOOLEAN"},
            {"name": "ti", "type": "TINYINT"},
            {"name": "si", "type": "SMALLINT"},
            {"name": "i", "type": "INTEGER"},
            {"name": "f", "type": "FLOAT"},
            {"name": "d", "type": "DOUBLE"},
            {"name": "dec1", "type": "DECIMAL(10,2)"},
            {"name": "dec2", "type": "DECIMAL(38,10)"},
            {"name": "c", "type": "CHAR(5)"},
            {"name": "vc", "type": "VARCHAR(20)"},
            {"name": "bin", "type": "BINARY(3)"},
            {"name": "by", "type": "BYTES"},
            {"name": "da", "type": "DATE"},
            {"name": "t0", "type": "TIME"},
            {"name": "t3", "type": "TIME(3)"},
            {"name": "ts0", "type": "TIMESTAMP(0)"},
            {"name": "ts3", "type": "TIMESTAMP(3)"},
            {"name": "ts9", "type": "TIMESTAMP(9)"},
            {"name": "ltz3", "type": "TIMESTAMP_LTZ(3)"},
            {"name": "ltz6", "type": "TIMESTAMP(6) WITH LOCAL TIME ZONE"},
            {"name": "arr", "type": "ARRAY<ARRAY<INT NOT NULL>>"},
            {"name": "m1", "type": "MAP<STRING, INT>"},
            {"name": "m2", "type": "MAP<INT, ARRAY<STRING>>"},
            {"name": "r", "type": "ROW<city STRING, zip INT COMMENT 'postal code', tags ARRAY<BIGINT>>"}
        ],
        "primaryKeys": ["id"],
        "options": {"bucket": "1", "file.format": "orc"}
    });
    // No fractional timestamps before 1970: Java 0.9's ORC reader fails on them
    // (IllegalArgumentException in Timestamp.fromEpochMillis) and its ORC writer shifts them.
    let rows = [
        r#"{"id":1,"b":true,"ti":-128,"si":32767,"i":2147483647,"f":0.1,"d":0.1,"dec1":"10.5","dec2":"-12345678901234567890.0123456789","c":"ab","vc":"é\u0001\u001f\n\t\"\\/ \u2028 𝄞","bin":"AQID","by":"AAEC/w==","da":"2024-02-29","t0":"10:11:12.345","t3":"10:11:12.345678","ts0":"2024-01-01 00:00:01.999","ts3":"2024-01-01T00:00:01.123456","ts9":"2024-01-01 00:00:01.123456789","ltz3":"2024-01-01T10:00:00+02:00","ltz6":"2024-01-01 10:00:00.5Z","arr":[[1,2],[],null],"m1":{"k":1,"z":null},"m2":[[1,["x"]],[2,null]],"r":{"city":"X","zip":7,"tags":[1,2]}}"#,
        r#"{"id":2,"f":"NaN","d":"-Infinity","dec1":1.005,"by":"","m2":{"3":["q"]},"r":["Y",null,null]}"#,
        r#"{"id":3,"f":1e10,"d":1e-5,"dec1":"-0.001","dec2":0.5}"#,
        r#"{"id":4,"f":123456.7,"d":12345678.9,"dec1":"-7.5"}"#,
        r#"{"id":5,"f":3.4028235e38,"d":4.9e-324}"#,
        r#"{"id":6,"f":1.4e-45,"d":2.82879384806159e17}"#,
        r#"{"id":7,"f":2285691904,"d":1e22}"#,
        r#"{"id":8,"f":0.001,"d":1e7}"#,
        r#"{"id":9,"f":9999999,"d":0.00099}"#,
    ];
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    py.create(wh, table, &spec).unwrap();
    py.write(wh, table, &rows, &WriteOpts::new()).unwrap();

    let args: Vec<std::ffi::OsString> =
        vec!["read".into(), wh.into(), table.into(), "--sort".into()];
    let from_java = java.run(&args, None).unwrap();
    assert_eq!(from_java.lines().count(), rows.len());
    assert_eq!(py.run(&args, None).unwrap(), from_java);
    let mut rust_args = args.clone();
    rust_args[0] = "rust-read".into();
    // pypaimon-rust pads ORC CHAR(n) with spaces, as pypaimon does with Java's ORC files.
    let from_rust = py
        .run(&rust_args, None)
        .unwrap()
        .replace(r#""c":"ab   ""#, r#""c":"ab""#);
    assert_eq!(from_rust, from_java);
}
