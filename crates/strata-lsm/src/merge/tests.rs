//! Tests of the merge engines: examples of every rule and function, and the shared property
//! that merging consecutive sub-groups first changes nothing.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int32Array, Int64Array, Int8Array, RecordBatch};
use arrow_schema::{Field, Schema};

use strata_format::arrow_convert::{datum_at, datums_to_array};
use strata_spec::options::MergeEngine;
use strata_spec::schema::KEY_FIELD_ID_START;
use strata_spec::{CoreOptions, DataField, DataType, Datum, RowKind};

use super::{merge_function, MergeFunction, MergeInput};
use crate::error::Result;
use crate::kv::KvSchema;

/// A table `id INT NOT NULL` (primary key) plus the given `(name, type)` columns.
pub(crate) fn schema(columns: &[(&str, &str)], sequence_fields: &[&str]) -> KvSchema {
    let mut value_fields = vec![DataField::new(
        0,
        "id",
        DataType::parse("INT NOT NULL").unwrap(),
    )];
    for (i, (name, ty)) in columns.iter().enumerate() {
        value_fields.push(DataField::new(
            i as i32 + 1,
            *name,
            DataType::parse(ty).unwrap(),
        ));
    }
    let sequence_fields = sequence_fields
        .iter()
        .map(|s| value_fields.iter().position(|f| &f.name == s).unwrap())
        .collect();
    KvSchema {
        key_fields: vec![DataField::new(
            KEY_FIELD_ID_START,
            "_KEY_id",
            DataType::parse("INT NOT NULL").unwrap(),
        )],
        value_fields,
        sequence_fields,
        sequence_descending: false,
    }
}

/// One input row: key, sequence number, kind, values of the non-key columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub key: i32,
    pub seq: i64,
    pub kind: RowKind,
    pub values: Vec<Datum>,
}

pub(crate) fn row(key: i32, seq: i64, kind: RowKind, values: Vec<Datum>) -> Row {
    Row {
        key,
        seq,
        kind,
        values,
    }
}

/// A batch of rows in the key-value layout (atomic column types).
pub(crate) fn batch(schema: &KvSchema, rows: &[Row]) -> RecordBatch {
    let keys: ArrayRef = Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.key)));
    let mut columns = vec![
        keys.clone(),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.seq))) as ArrayRef,
        Arc::new(Int8Array::from_iter_values(
            rows.iter().map(|r| r.kind.as_byte()),
        )) as ArrayRef,
        keys,
    ];
    for (i, field) in schema.value_fields.iter().enumerate().skip(1) {
        let values: Vec<Datum> = rows.iter().map(|r| r.values[i - 1].clone()).collect();
        columns.push(datums_to_array(&field.data_type, &values).unwrap());
    }
    batch_of(schema, columns)
}

/// A batch from ready columns (schema nullability from the layout, types from the arrays).
pub(crate) fn batch_of(schema: &KvSchema, columns: Vec<ArrayRef>) -> RecordBatch {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(&columns)
        .map(|(f, c)| Field::new(f.name.clone(), c.data_type().clone(), f.data_type.nullable))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// Merges batches: rows ordered by (key, batch, seq), grouped by key.
pub(crate) fn merge_batches(
    mf: &dyn MergeFunction,
    schema: &KvSchema,
    batches: &[RecordBatch],
    drop_retracts: bool,
) -> Result<RecordBatch> {
    let mut order: Vec<(i32, usize, i64, usize)> = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        let keys = batch
            .column(0)
            .as_any()
            .downcast_ref::<Int32Array>()
            .unwrap();
        let seqs = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        for r in 0..batch.num_rows() {
            order.push((keys.value(r), b, seqs.value(r), r));
        }
    }
    order.sort();
    let mut group_ends = Vec::new();
    for i in 1..=order.len() {
        if i == order.len() || order[i].0 != order[i - 1].0 {
            group_ends.push(i);
        }
    }
    let order: Vec<(usize, usize)> = order.iter().map(|o| (o.1, o.3)).collect();
    mf.merge(&MergeInput {
        schema,
        batches,
        order: &order,
        group_ends: &group_ends,
        drop_retracts,
    })
}

/// Output rows as datums (atomic columns only): key, seq, kind byte, values.
pub(crate) fn rows_of(schema: &KvSchema, batch: &RecordBatch) -> Vec<Vec<Datum>> {
    let fields = schema.fields();
    (0..batch.num_rows())
        .map(|r| {
            fields
                .iter()
                .enumerate()
                .map(|(c, f)| datum_at(batch.column(c).as_ref(), r, &f.data_type).unwrap())
                .collect()
        })
        .collect()
}

pub(crate) fn options(pairs: &[(&str, &str)]) -> CoreOptions {
    CoreOptions::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

pub(crate) fn engine(
    engine: MergeEngine,
    opts: &[(&str, &str)],
    schema: &KvSchema,
) -> Result<Arc<dyn MergeFunction>> {
    merge_function(engine, &options(opts), schema)
}

/// (key, kind byte, sequence number, values) of a merged row.
type Merged = (i32, i8, i64, Vec<Datum>);

/// Merges `rows` (one batch) and returns (key, kind, seq, values) of the results.
fn merged(
    mf: &dyn MergeFunction,
    schema: &KvSchema,
    rows: &[Row],
    drop: bool,
) -> Result<Vec<Merged>> {
    let out = merge_batches(mf, schema, &[batch(schema, rows)], drop)?;
    Ok(rows_of(schema, &out)
        .into_iter()
        .map(|r| {
            let key = match r[0] {
                Datum::Int(k) => k,
                _ => panic!("key"),
            };
            let seq = match r[1] {
                Datum::BigInt(s) => s,
                _ => panic!("seq"),
            };
            let kind = match r[2] {
                Datum::TinyInt(k) => k,
                _ => panic!("kind"),
            };
            (key, kind, seq, r[4..].to_vec())
        })
        .collect())
}

use Datum::{Int, Null};
use RowKind::{Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

fn s(v: &str) -> Datum {
    Datum::String(v.to_string())
}

#[test]
fn deduplicate_newest_wins_with_its_kind() {
    let sc = schema(&[("v", "INT")], &[]);
    let mf = engine(MergeEngine::Deduplicate, &[], &sc).unwrap();
    assert!(mf.newest_wins());
    let rows = [
        row(1, 0, I, vec![Int(1)]),
        row(1, 1, UA, vec![Int(2)]),
        row(2, 2, I, vec![Int(3)]),
        row(2, 3, D, vec![Int(3)]),
    ];
    let out = merged(mf.as_ref(), &sc, &rows, false).unwrap();
    assert_eq!(out, vec![(1, 2, 1, vec![Int(2)]), (2, 3, 3, vec![Int(3)])]);
    let out = merged(mf.as_ref(), &sc, &rows, true).unwrap();
    assert_eq!(out, vec![(1, 2, 1, vec![Int(2)])]);
    let mf = engine(MergeEngine::Deduplicate, &[("ignore-delete", "true")], &sc).unwrap();
    let out = merged(mf.as_ref(), &sc, &rows, true).unwrap();
    assert_eq!(out, vec![(1, 2, 1, vec![Int(2)]), (2, 0, 2, vec![Int(3)])]);
}

#[test]
fn first_row_keeps_the_oldest_and_refuses_retracts() {
    let sc = schema(&[("v", "INT")], &[]);
    let mf = engine(MergeEngine::FirstRow, &[], &sc).unwrap();
    let rows = [row(1, 0, I, vec![Int(1)]), row(1, 1, UA, vec![Int(2)])];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, true).unwrap(),
        vec![(1, 0, 0, vec![Int(1)])]
    );
    let rows = [row(7, 0, I, vec![Int(1)]), row(7, 1, D, vec![Int(1)])];
    let e = merged(mf.as_ref(), &sc, &rows, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("id=7") && e.contains("ignore-delete"), "{e}");
    let mf = engine(
        MergeEngine::FirstRow,
        &[("first-row.ignore-delete", "true")],
        &sc,
    )
    .unwrap();
    let rows = [
        row(7, 0, D, vec![Int(0)]),
        row(7, 1, I, vec![Int(1)]),
        row(7, 2, UB, vec![Int(1)]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(7, 0, 1, vec![Int(1)])]
    );
    let sq = schema(&[("v", "INT")], &["v"]);
    assert!(engine(MergeEngine::FirstRow, &[], &sq).is_err());
}

#[test]
fn partial_update_fixture_of_the_spec() {
    let sc = schema(&[("a", "INT"), ("b", "STRING"), ("c", "DOUBLE")], &[]);
    let mf = engine(MergeEngine::PartialUpdate, &[], &sc).unwrap();
    let d = Datum::Double;
    let rows = [
        row(1, 0, I, vec![Int(10), s("x"), d(1.5)]),
        row(2, 1, I, vec![Int(20), Null, d(2.5)]),
        row(1, 2, I, vec![Int(5), Null, Null]),
        row(1, 3, I, vec![Null, s("y"), d(0.5)]),
        row(2, 4, I, vec![Null, s("z"), Null]),
        row(3, 5, I, vec![Int(7), Null, d(9.0)]),
        row(3, 6, I, vec![Null, s("late"), Null]),
        row(2, 7, I, vec![Int(21), Null, Null]),
    ];
    let out = merged(mf.as_ref(), &sc, &rows, true).unwrap();
    assert_eq!(
        out,
        vec![
            (1, 0, 3, vec![Int(5), s("y"), d(0.5)]),
            (2, 0, 7, vec![Int(21), s("z"), d(2.5)]),
            (3, 0, 6, vec![Int(7), s("late"), d(9.0)]),
        ]
    );
    // retracts: an error by default, naming the remedies
    let e = merged(
        mf.as_ref(),
        &sc,
        &[row(1, 0, D, vec![Null, Null, Null])],
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("ignore-delete"), "{e}");
}

#[test]
fn partial_update_remove_record_on_delete() {
    let sc = schema(&[("a", "INT"), ("b", "STRING")], &[]);
    let mf = engine(
        MergeEngine::PartialUpdate,
        &[("partial-update.remove-record-on-delete", "true")],
        &sc,
    )
    .unwrap();
    let rows = [
        row(1, 0, I, vec![Int(1), s("x")]),
        row(1, 1, D, vec![Int(1), s("x")]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 3, 1, vec![Null, Null])]
    );
    assert!(merged(mf.as_ref(), &sc, &rows, true).unwrap().is_empty());
    let rows = [
        row(1, 0, I, vec![Int(1), s("x")]),
        row(1, 1, D, vec![Int(1), s("x")]),
        row(1, 2, I, vec![Null, s("y")]),
        row(1, 3, UB, vec![Null, s("y")]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 2, vec![Null, s("y")])]
    );
    let mf = engine(
        MergeEngine::PartialUpdate,
        &[("ignore-delete", "true")],
        &sc,
    )
    .unwrap();
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 2, vec![Int(1), s("y")])]
    );
    assert!(merged(mf.as_ref(), &sc, &rows[1..2], false)
        .unwrap()
        .is_empty());
}

#[test]
fn partial_update_sequence_groups() {
    let sc = schema(
        &[("g", "INT"), ("a", "INT"), ("b", "STRING"), ("free", "INT")],
        &[],
    );
    let opts = [("fields.g.sequence-group", "a,b")];
    let mf = engine(MergeEngine::PartialUpdate, &opts, &sc).unwrap();
    // newer group sequence replaces the whole group, nulls included
    let rows = [
        row(1, 0, I, vec![Int(1), Int(10), s("x"), Int(100)]),
        row(1, 1, I, vec![Int(2), Null, s("y"), Null]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 1, vec![Int(2), Null, s("y"), Int(100)])]
    );
    // older group sequence leaves the group; all-null group sequence leaves it untouched
    let rows = [
        row(1, 0, I, vec![Int(5), Int(10), s("x"), Null]),
        row(1, 1, I, vec![Int(3), Int(11), s("old"), Int(1)]),
        row(1, 2, I, vec![Null, Int(12), s("none"), Int(2)]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 2, vec![Int(5), Int(10), s("x"), Int(2)])]
    );
    // a retract with a newer sequence nulls the group; an older one does nothing
    let rows = [
        row(1, 0, I, vec![Int(5), Int(10), s("x"), Int(7)]),
        row(1, 1, D, vec![Int(4), Int(10), s("x"), Null]),
        row(1, 2, D, vec![Int(6), Int(10), s("x"), Null]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 2, vec![Int(6), Null, Null, Int(7)])]
    );
    // remove-record-on-sequence-group: a newer -D of the group deletes the row
    let opts = [
        ("fields.g.sequence-group", "a,b"),
        ("partial-update.remove-record-on-sequence-group", "g"),
    ];
    let mf = engine(MergeEngine::PartialUpdate, &opts, &sc).unwrap();
    assert_eq!(merged(mf.as_ref(), &sc, &rows, false).unwrap()[0].1, 3);
}

#[test]
fn partial_update_aggregates_protected_fields() {
    let sc = schema(&[("g", "INT"), ("total", "BIGINT"), ("tag", "STRING")], &[]);
    let opts = [
        ("fields.g.sequence-group", "total,tag"),
        ("fields.total.aggregate-function", "sum"),
        ("fields.tag.aggregate-function", "last_value"),
    ];
    let mf = engine(MergeEngine::PartialUpdate, &opts, &sc).unwrap();
    let big = Datum::BigInt;
    let rows = [
        row(1, 0, I, vec![Int(2), big(10), s("b")]),
        row(1, 1, I, vec![Int(1), big(5), s("a")]),
        row(1, 2, I, vec![Int(3), big(1), s("c")]),
        row(1, 3, D, vec![Int(4), big(10), s("c")]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 3, vec![Int(4), big(6), Null])]
    );
    // aggregate functions need a sequence group (except last_non_null_value)
    let e = engine(
        MergeEngine::PartialUpdate,
        &[("fields.total.aggregate-function", "sum")],
        &sc,
    )
    .unwrap_err();
    assert!(e.to_string().contains("total"), "{e}");
    assert!(engine(
        MergeEngine::PartialUpdate,
        &[("fields.total.aggregate-function", "last_non_null_value")],
        &sc
    )
    .is_ok());
    let e = engine(
        MergeEngine::PartialUpdate,
        &[("fields.tag.sequence-group", "total")],
        &sc,
    )
    .unwrap_err();
    assert!(e.to_string().contains("tag"), "{e}");
    let e = engine(
        MergeEngine::PartialUpdate,
        &[("fields.g.sequence-group", "id")],
        &sc,
    )
    .unwrap_err();
    assert!(e.to_string().contains("id"), "{e}");
}

#[test]
fn aggregation_fixture_of_the_spec() {
    let sc = schema(
        &[
            ("total", "INT"),
            ("peak", "DOUBLE"),
            ("last_tag", "STRING"),
            ("note", "STRING"),
        ],
        &[],
    );
    let opts = [
        ("fields.total.aggregate-function", "sum"),
        ("fields.peak.aggregate-function", "max"),
        ("fields.last_tag.aggregate-function", "last_non_null_value"),
    ];
    let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
    let d = Datum::Double;
    let rows = [
        row(1, 0, I, vec![Int(10), d(1.5), s("a"), s("n1")]),
        row(2, 1, I, vec![Int(20), Null, Null, Null]),
        row(1, 2, I, vec![Int(5), d(0.5), Null, s("n1b")]),
        row(1, 3, I, vec![Int(1), d(7.25), s("b"), Null]),
        row(2, 4, I, vec![Null, d(3.0), s("c"), s("n2")]),
        row(3, 5, I, vec![Int(7), d(-1.0), Null, Null]),
        row(3, 6, I, vec![Int(3), d(-2.0), s("d"), s("n3")]),
        row(1, 7, I, vec![Int(-16), d(2.0), Null, Null]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, true).unwrap(),
        vec![
            (1, 0, 7, vec![Int(0), d(7.25), s("b"), s("n1b")]),
            (2, 0, 4, vec![Int(20), d(3.0), s("c"), s("n2")]),
            (3, 0, 6, vec![Int(10), d(-1.0), s("d"), s("n3")]),
        ]
    );
    // retract: sum subtracts, max refuses unless ignore-retract
    let rows = [
        row(1, 0, I, vec![Int(10), d(1.0), s("a"), s("x")]),
        row(1, 1, UB, vec![Int(4), d(1.0), s("a"), s("x")]),
    ];
    let e = merged(mf.as_ref(), &sc, &rows, false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("peak") && e.contains("max") && e.contains("id=1"),
        "{e}"
    );
    let mut with_ignore = opts.to_vec();
    with_ignore.push(("fields.peak.ignore-retract", "true"));
    let mf = engine(MergeEngine::Aggregation, &with_ignore, &sc).unwrap();
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 1, vec![Int(6), d(1.0), Null, Null])]
    );
}

#[test]
fn aggregation_functions() {
    let sc = schema(
        &[
            ("p", "BIGINT"),
            ("c", "INT"),
            ("mn", "STRING"),
            ("fv", "INT"),
            ("fnn", "INT"),
            ("lv", "INT"),
            ("la", "STRING"),
            ("lad", "STRING"),
            ("band", "BOOLEAN"),
            ("bor", "BOOLEAN"),
            ("dec", "DECIMAL(10, 2)"),
        ],
        &[],
    );
    let opts = [
        ("fields.p.aggregate-function", "product"),
        ("fields.c.aggregate-function", "count"),
        ("fields.mn.aggregate-function", "min"),
        ("fields.fv.aggregate-function", "first_value"),
        ("fields.fnn.aggregate-function", "first_not_null_value"),
        ("fields.lv.aggregate-function", "last_value"),
        ("fields.la.aggregate-function", "listagg"),
        ("fields.lad.aggregate-function", "listagg"),
        ("fields.lad.list-agg-delimiter", ";"),
        ("fields.lad.distinct", "true"),
        ("fields.band.aggregate-function", "bool_and"),
        ("fields.bor.aggregate-function", "bool_or"),
        ("fields.dec.aggregate-function", "sum"),
    ];
    let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
    let b = Datum::Boolean;
    let big = Datum::BigInt;
    let dec = |u: i128| Datum::Decimal {
        unscaled: u,
        scale: 2,
    };
    let rows = [
        row(
            1,
            0,
            I,
            vec![
                big(2),
                Int(9),
                s("m"),
                Null,
                Null,
                Int(1),
                s("a"),
                s("x;y"),
                b(true),
                b(false),
                dec(150),
            ],
        ),
        row(
            1,
            1,
            I,
            vec![
                big(3),
                Null,
                s("c"),
                Int(2),
                Int(3),
                Int(2),
                s(" "),
                s("y"),
                Null,
                Null,
                dec(-25),
            ],
        ),
        row(
            1,
            2,
            I,
            vec![
                Null,
                Int(1),
                Null,
                Int(4),
                Int(5),
                Null,
                s("b"),
                s("z;x"),
                b(false),
                b(true),
                Null,
            ],
        ),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(
            1,
            0,
            2,
            vec![
                big(6),
                Int(2),
                s("c"),
                Null,
                Int(3),
                Null,
                s("a,b"),
                s("x;y;z"),
                b(false),
                b(true),
                dec(125)
            ]
        )]
    );
}

#[test]
fn aggregation_configuration_errors_name_the_field() {
    let sc = schema(&[("v", "STRING"), ("n", "INT")], &[]);
    let e = engine(
        MergeEngine::Aggregation,
        &[("fields.v.aggregate-function", "sum")],
        &sc,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("'v'") && e.to_string().contains("sum"),
        "{e}"
    );
    let e = engine(
        MergeEngine::Aggregation,
        &[("fields.n.aggregate-function", "nope")],
        &sc,
    )
    .unwrap_err();
    assert!(e.to_string().contains("'n'"), "{e}");
    let e = engine(
        MergeEngine::Aggregation,
        &[("fields.default-aggregate-function", "bool_or")],
        &sc,
    )
    .unwrap_err();
    assert!(e.to_string().contains("'v'"), "{e}");
    for function in ["rbm32", "rbm64", "hll_sketch", "theta_sketch"] {
        // Java's check: the column must be VARBINARY / BYTES (not BINARY, not STRING)
        for ty in ["INT", "STRING", "BINARY(8)"] {
            let sc = schema(&[("n", ty)], &[]);
            let e = engine(
                MergeEngine::Aggregation,
                &[("fields.n.aggregate-function", function)],
                &sc,
            )
            .unwrap_err();
            assert!(
                e.to_string().contains("'n'") && e.to_string().contains(function),
                "{e}"
            );
        }
        for ty in ["BYTES", "VARBINARY(100)"] {
            let sc = schema(&[("n", ty)], &[]);
            engine(
                MergeEngine::Aggregation,
                &[("fields.n.aggregate-function", function)],
                &sc,
            )
            .unwrap();
        }
    }
    let e = engine(
        MergeEngine::Aggregation,
        &[
            ("aggregation.remove-record-on-delete", "true"),
            ("fields.n.ignore-retract", "true"),
        ],
        &sc,
    )
    .unwrap_err();
    assert!(e.to_string().contains("ignore-retract"), "{e}");
}

#[test]
fn aggregation_remove_record_on_delete() {
    let sc = schema(&[("n", "INT")], &[]);
    let opts = [
        ("fields.n.aggregate-function", "sum"),
        ("aggregation.remove-record-on-delete", "true"),
    ];
    let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
    let rows = [row(1, 0, I, vec![Int(5)]), row(1, 1, D, vec![Int(5)])];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 3, 1, vec![Null])]
    );
    assert!(merged(mf.as_ref(), &sc, &rows, true).unwrap().is_empty());
    let rows = [
        row(1, 0, I, vec![Int(5)]),
        row(1, 1, D, vec![Int(5)]),
        row(1, 2, I, vec![Int(2)]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, true).unwrap(),
        vec![(1, 0, 2, vec![Int(2)])]
    );
}

#[test]
fn sequence_fields_use_last_value_in_aggregation() {
    let sc = schema(&[("ts", "BIGINT"), ("n", "INT")], &["ts"]);
    let mf = engine(
        MergeEngine::Aggregation,
        &[("fields.default-aggregate-function", "sum")],
        &sc,
    )
    .unwrap();
    let rows = [
        row(1, 0, I, vec![Datum::BigInt(3), Int(1)]),
        row(1, 1, I, vec![Null, Int(2)]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![(1, 0, 1, vec![Null, Int(3)])]
    );
}

#[test]
fn collection_functions() {
    use arrow_array::builder::{
        Int32Builder, ListBuilder, MapBuilder, MapFieldNames, StringBuilder, StructBuilder,
    };
    use arrow_schema::{DataType as A, Fields};
    let sc = schema(
        &[
            ("c", "ARRAY<INT>"),
            ("cd", "ARRAY<INT>"),
            ("m", "MAP<STRING, INT>"),
            ("n", "ARRAY<ROW<k INT, v STRING>>"),
        ],
        &[],
    );
    let opts = [
        ("fields.c.aggregate-function", "collect"),
        ("fields.cd.aggregate-function", "collect"),
        ("fields.cd.distinct", "true"),
        ("fields.m.aggregate-function", "merge_map"),
        ("fields.n.aggregate-function", "nested_update"),
        ("fields.n.nested-key", "k"),
    ];
    let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
    let lists = |rows: &[Option<Vec<i32>>]| -> ArrayRef {
        let mut b = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(Field::new(
            "element",
            A::Int32,
            true,
        )));
        for r in rows {
            match r {
                Some(v) => {
                    b.values().append_slice(v);
                    b.append(true);
                }
                None => b.append(false),
            }
        }
        Arc::new(b.finish())
    };
    let names = MapFieldNames {
        entry: "key_value".into(),
        key: "key".into(),
        value: "value".into(),
    };
    let mut m = MapBuilder::new(Some(names), StringBuilder::new(), Int32Builder::new());
    for entries in [
        vec![("a", 1), ("b", 2)],
        vec![("b", 3), ("c", 4)],
        vec![("a", 1)],
    ] {
        for (k, v) in entries {
            m.keys().append_value(k);
            m.values().append_value(v);
        }
        m.append(true).unwrap();
    }
    let row_fields = Fields::from(vec![
        Field::new("k", A::Int32, true),
        Field::new("v", A::Utf8, true),
    ]);
    let mut n = ListBuilder::new(StructBuilder::from_fields(row_fields.clone(), 4))
        .with_field(Arc::new(Field::new("element", A::Struct(row_fields), true)));
    for elements in [
        vec![(1, "x"), (2, "y")],
        vec![(2, "z"), (3, "w")],
        vec![(1, "x")],
    ] {
        for (k, v) in elements {
            let s = n.values();
            s.field_builder::<Int32Builder>(0).unwrap().append_value(k);
            s.field_builder::<StringBuilder>(1).unwrap().append_value(v);
            s.append(true);
        }
        n.append(true);
    }
    let keys: ArrayRef = Arc::new(Int32Array::from(vec![1, 1, 1]));
    let columns = vec![
        keys.clone(),
        Arc::new(Int64Array::from(vec![0, 1, 2])) as ArrayRef,
        Arc::new(Int8Array::from(vec![0, 0, 1])) as ArrayRef,
        keys,
        lists(&[Some(vec![1, 2]), Some(vec![2, 3]), Some(vec![2])]),
        lists(&[Some(vec![1, 2]), Some(vec![2, 3]), None]),
        Arc::new(m.finish()) as ArrayRef,
        Arc::new(n.finish()) as ArrayRef,
    ];
    let input = batch_of(&sc, columns);
    let out = merge_batches(mf.as_ref(), &sc, &[input], false).unwrap();
    let shown: Vec<String> = (4..8)
        .map(|c| {
            let options = arrow_cast::display::FormatOptions::default();
            let f = arrow_cast::display::ArrayFormatter::try_new(out.column(c).as_ref(), &options)
                .unwrap();
            f.value(0).to_string()
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            "[1, 2, 3]",                    // [1,2] ++ [2,3], then one 2 retracted
            "[1, 2, 3]",                    // distinct; the null retract does nothing
            "{b: 3, c: 4}",                 // union, b overwritten, then key a retracted
            "[{k: 2, v: z}, {k: 3, v: w}]", // upsert by k, then k = 1 retracted
        ]
    );
}

fn hex(h: &str) -> Datum {
    Datum::Bytes(
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect(),
    )
}

/// Inputs made by Java Paimon 0.9 (`RoaringBitmap32.bitmapOf`, `HllSketchUtil.sketchOf`,
/// `ThetaSketch.sketchOf`) and the merged bytes its `FieldRoaringBitmap32Agg`,
/// `FieldHllSketchAgg` and `FieldThetaSketchAgg` return for them.
mod java_vectors {
    /// bitmapOf(1, 2, 3, 100000)
    pub const RBM_A: &str = "3a300000020000000000020001000000180000001e000000010002000300a086";
    /// bitmapOf(3..=20)
    pub const RBM_B: &str = "3b3000000100001100010003001100";
    /// agg(RBM_A, RBM_B): run containers after `runOptimize`
    pub const RBM_AB: &str = "3b300100010000130001000000010001001300a086";
    /// RoaringBitmap64.bitmapOf(1, 2, 3, 100000, 1 << 40, -5): Roaring64Bitmap's tree dump
    pub const RBM64_A: &str = "010400000000000000000200000000ff000002000100000001000002000200000000010004000000000000000000000000000000000004000000000000000001010000000000000004000000000001000000020000000000000004000000ffffffffffff030000000000000001000000fe04000000010203000000010002000300010201000000a0860102010000000000010201000000fbff04000000000000000000000003000000";
    /// bitmapOf(3..=20, (1 << 40) + 7, Long.MAX_VALUE)
    pub const RBM64_B: &str = "0103000000000000000002000000007f00000200010000000100040000000000000000000000000000000000040000000000010000000100000000000000040000007fffffffffff020000000000000001000000fe030000000100120000000100030011000102010000000700010201000000ffff03000000000000000000000002000000";
    /// agg(RBM64_A, RBM64_B)
    pub const RBM64_AB: &str = "0105000000000000000003000000ff7f0000020001000000010000020002000000000100040000000000000000000000000000000000040000000000000000010100000000000000040000000000010000000200000000000000040000007fffffffffff040000000000000004000000ffffffffffff030000000000000001000000fe06000000010014000000010001001300010201000000a08601020200000000000700010201000000fbff010201000000ffff0005000000000000000000000004000000";
    /// agg(RBM64_B, RBM64_A): same values, other bytes (the tree records insertion order)
    pub const RBM64_BA: &str = "0105000000000000000003000000ff7f0000020001000000010000020002000000000100040000000000000000000000000000000000040000000000000000010300000000000000040000000000010000000100000000000000040000007fffffffffff020000000000000004000000ffffffffffff040000000000000001000000fe0600000001001400000001000100130001020200000000000700010201000000ffff010201000000a086010201000000fbff0005000000000000000000000004000000";
    /// sketchOf(1..=5): LIST mode
    pub const HLL_A: &str = "0201070c030805002bf2fb06862ff90d7581660781bc5d067b65e608";
    /// sketchOf(3..=20): SET mode
    pub const HLL_B: &str = "0301070c050800011200000081bc5d06cef05b1f464ab704c87a2404db522d04b05b4612ae3c8811c1e91705d216730734a2610e75816607f671f206b83ff9076ec534067b65e608fc2d420ac3dd51047c74b907";
    /// agg(HLL_A, HLL_B)
    pub const HLL_AB: &str = "0301070c0508000114000000862ff90d81bc5d067c74b907c3dd5104464ab704c87a24042bf2fb06cef05b1fb05b46127b65e608d2167307ae3c881134a2610e75816607f671f206b83ff9076ec53406db522d04fc2d420ac1e91705";
    /// sketchOf(1, 2, 3)
    pub const THETA_A: &str =
        "02030300001acc93030000000000803f15f97dcbbd86a105c397fc1281709d1eba40b3c1da06695d";
    /// sketchOf(3, 4)
    pub const THETA_B: &str = "02030300001acc93020000000000803f40de2ee1c9db3d08ba40b3c1da06695d";
    /// agg(THETA_A, THETA_B)
    pub const THETA_AB: &str = "02030300001acc93040000000000803f15f97dcbbd86a10540de2ee1c9db3d08c397fc1281709d1eba40b3c1da06695d";
}

#[test]
fn bitmap_and_sketch_aggregates_match_java() {
    use java_vectors::*;
    let sc = schema(
        &[("r", "BYTES"), ("h", "VARBINARY(1000)"), ("t", "BYTES")],
        &[],
    );
    let opts = [
        ("fields.r.aggregate-function", "rbm32"),
        ("fields.h.aggregate-function", "hll_sketch"),
        ("fields.t.aggregate-function", "theta_sketch"),
    ];
    let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
    let rows = [
        row(1, 0, I, vec![hex(RBM_A), hex(HLL_A), hex(THETA_A)]),
        // nulls leave the state as it is
        row(1, 1, I, vec![Null, Null, Null]),
        row(1, 2, UA, vec![hex(RBM_B), hex(HLL_B), hex(THETA_B)]),
        // a single value is kept as it is (not re-encoded)
        row(2, 3, I, vec![hex(RBM_B), hex(HLL_B), hex(THETA_B)]),
        row(3, 4, I, vec![Null, Null, Null]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![
            (1, 0, 2, vec![hex(RBM_AB), hex(HLL_AB), hex(THETA_AB)]),
            (2, 0, 3, vec![hex(RBM_B), hex(HLL_B), hex(THETA_B)]),
            (3, 0, 4, vec![Null, Null, Null]),
        ]
    );
}

#[test]
fn rbm64_matches_java() {
    use java_vectors::*;
    let sc = schema(&[("b", "BYTES")], &[]);
    let opts = [("fields.b.aggregate-function", "rbm64")];
    let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
    let rows = [
        row(1, 0, I, vec![hex(RBM64_A)]),
        row(1, 1, I, vec![Null]),
        row(1, 2, UA, vec![hex(RBM64_B)]),
        row(2, 3, I, vec![hex(RBM64_B)]),
        row(2, 4, I, vec![hex(RBM64_A)]),
        // the empty bitmap (a single 0 byte) changes nothing
        row(2, 5, I, vec![hex("00")]),
        row(3, 6, I, vec![hex(RBM64_B)]),
        row(4, 7, I, vec![Null]),
    ];
    assert_eq!(
        merged(mf.as_ref(), &sc, &rows, false).unwrap(),
        vec![
            (1, 0, 2, vec![hex(RBM64_AB)]),
            (2, 0, 5, vec![hex(RBM64_BA)]),
            (3, 0, 6, vec![hex(RBM64_B)]),
            (4, 0, 7, vec![Null]),
        ]
    );
}

#[test]
fn bitmap_and_sketch_aggregates_refuse_retracts_and_corrupt_values() {
    use java_vectors::*;
    for (function, a, b) in [
        ("rbm32", RBM_A, RBM_B),
        ("rbm64", RBM64_A, RBM64_B),
        ("hll_sketch", HLL_A, HLL_B),
        ("theta_sketch", THETA_A, THETA_B),
    ] {
        let sc = schema(&[("v", "BYTES")], &[]);
        let opts = [("fields.v.aggregate-function", function)];
        let mf = engine(MergeEngine::Aggregation, &opts, &sc).unwrap();
        let rows = [row(1, 0, I, vec![hex(a)]), row(1, 1, UB, vec![hex(a)])];
        let e = merged(mf.as_ref(), &sc, &rows, false).unwrap_err();
        assert!(
            e.to_string().contains("'v'") && e.to_string().contains(function),
            "{e}"
        );
        let ignore = [
            ("fields.v.aggregate-function", function),
            ("fields.v.ignore-retract", "true"),
        ];
        let mf_ignore = engine(MergeEngine::Aggregation, &ignore, &sc).unwrap();
        let rows_ab = [
            row(1, 0, I, vec![hex(a)]),
            row(1, 1, UB, vec![hex(a)]),
            row(1, 2, I, vec![hex(b)]),
        ];
        let expected = merged(
            mf.as_ref(),
            &sc,
            &[row(1, 0, I, vec![hex(a)]), row(1, 2, I, vec![hex(b)])],
            false,
        )
        .unwrap();
        assert_eq!(
            merged(mf_ignore.as_ref(), &sc, &rows_ab, false).unwrap(),
            expected
        );
        // corrupt bytes: an error naming the field and function, no panic
        for junk in [
            "",
            "00",
            "ffffffffffffffffffffffffffffffff",
            &a[..a.len() - 8],
        ] {
            if function == "rbm64" && junk == "00" {
                // a single 0 byte is rbm64's empty bitmap
                continue;
            }
            let rows = [row(1, 0, I, vec![hex(a)]), row(1, 1, I, vec![hex(junk)])];
            let e = merged(mf.as_ref(), &sc, &rows, false).unwrap_err();
            assert!(
                e.to_string().contains("'v'") && e.to_string().contains(function),
                "{function} {junk}: {e}"
            );
            let rows = [row(1, 0, I, vec![hex(junk)]), row(1, 1, I, vec![hex(b)])];
            assert!(
                merged(mf.as_ref(), &sc, &rows, false).is_err(),
                "{function} {junk}"
            );
        }
    }
}
