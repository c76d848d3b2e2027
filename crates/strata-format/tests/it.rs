//! Integration tests of strata-format against real files: Java Paimon 0.9 (Parquet, ORC) and
//! pypaimon 2.1 (Parquet, Avro-shaped) fixtures, round trips through our writer, the Java
//! physical Parquet layout, and corrupt input.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use base64::Engine;
use futures::TryStreamExt;
use serde_json::{json, Value};
use strata_format::arrow_convert::{arrow_schema, datum_at};
use strata_format::{
    read_data_file, DataFileWriter, Error, FileFormat, ReadOptions, WriterOptions,
};
use strata_io::FileIO;
use strata_spec::datum::format_decimal;
use strata_spec::time::{format_date, format_time_millis, format_timestamp};
use strata_spec::{DataField, DataType, Datum, TableSchema, TypeKind};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/fixtures");

fn fixture_io(fixture: &str, table: &str) -> FileIO {
    let dir = format!("{FIXTURES}/{fixture}/warehouse/default.db/{table}");
    FileIO::open(&dir, &HashMap::new()).unwrap()
}

fn expected(fixture: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{fixture}/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn table_schema(io: &FileIO, id: u32) -> TableSchema {
    let bytes = io.read(&format!("schema/schema-{id}")).await.unwrap();
    TableSchema::from_json(std::str::from_utf8(&bytes).unwrap()).unwrap()
}

async fn data_file(io: &FileIO, ext: &str) -> String {
    let files = io.list_recursive("").await.unwrap();
    files
        .into_iter()
        .map(|f| f.path)
        .find(|p| p.ends_with(ext) && p.contains("data-"))
        .unwrap()
}

async fn read_all(
    io: &FileIO,
    path: &str,
    format: FileFormat,
    columns: &[DataField],
) -> Vec<RecordBatch> {
    read_data_file(io, path, format, columns, &ReadOptions::default())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn system_fields() -> Vec<DataField> {
    vec![
        DataField::new(2147483646, "_KEY_id", DataType::not_null(TypeKind::Int)),
        DataField::new(
            2147483645,
            "_SEQUENCE_NUMBER",
            DataType::not_null(TypeKind::BigInt),
        ),
        DataField::new(
            2147483644,
            "_VALUE_KIND",
            DataType::not_null(TypeKind::TinyInt),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Values in the judge's JSON conventions

fn float_json(v: f64) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v == f64::INFINITY {
        json!("Infinity")
    } else if v == f64::NEG_INFINITY {
        json!("-Infinity")
    } else {
        json!(v)
    }
}

fn to_json(array: &dyn Array, row: usize, ty: &DataType) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match &ty.kind {
        TypeKind::Array(e) => {
            let l = array.as_list::<i32>();
            let v = l.value(row);
            Value::Array((0..v.len()).map(|i| to_json(v.as_ref(), i, e)).collect())
        }
        TypeKind::Map(k, v) => {
            let m = array.as_map();
            let entries = m.value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            if k.is_string() {
                Value::Object(
                    (0..entries.len())
                        .map(|i| {
                            let Value::String(key) = to_json(keys.as_ref(), i, k) else {
                                panic!()
                            };
                            (key, to_json(values.as_ref(), i, v))
                        })
                        .collect(),
                )
            } else {
                Value::Array(
                    (0..entries.len())
                        .map(|i| {
                            json!([to_json(keys.as_ref(), i, k), to_json(values.as_ref(), i, v)])
                        })
                        .collect(),
                )
            }
        }
        TypeKind::Row(fields) => {
            let s = array.as_struct();
            Value::Object(
                fields
                    .iter()
                    .zip(s.columns())
                    .map(|(f, c)| (f.name.clone(), to_json(c.as_ref(), row, &f.data_type)))
                    .collect(),
            )
        }
        _ => match datum_at(array, row, ty).unwrap() {
            Datum::Null => Value::Null,
            Datum::Boolean(b) => json!(b),
            Datum::TinyInt(v) => json!(v),
            Datum::SmallInt(v) => json!(v),
            Datum::Int(v) => json!(v),
            Datum::BigInt(v) => json!(v),
            Datum::Float(v) => float_json(v as f64),
            Datum::Double(v) => float_json(v),
            Datum::Decimal { unscaled, scale } => json!(format_decimal(unscaled, scale)),
            Datum::String(s) => json!(s),
            Datum::Bytes(b) => json!(base64::engine::general_purpose::STANDARD.encode(b)),
            Datum::Date(d) => json!(format_date(d)),
            Datum::Time(t) => {
                let TypeKind::Time(p) = ty.kind else { panic!() };
                json!(format_time_millis(t, p))
            }
            Datum::Timestamp {
                millis,
                nanos_of_milli,
            } => {
                let (TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p)) = ty.kind else {
                    panic!()
                };
                json!(format_timestamp(millis, nanos_of_milli, p, true))
            }
        },
    }
}

fn rows_json(batches: &[RecordBatch], fields: &[DataField]) -> Vec<BTreeMap<String, Value>> {
    let mut out = Vec::new();
    for b in batches {
        assert_eq!(b.num_columns(), fields.len());
        for row in 0..b.num_rows() {
            out.push(
                fields
                    .iter()
                    .zip(b.columns())
                    .map(|(f, c)| (f.name.clone(), to_json(c.as_ref(), row, &f.data_type)))
                    .collect(),
            );
        }
    }
    out
}

fn expected_rows(fixture: &str, keep: impl Fn(&Value) -> bool) -> Vec<BTreeMap<String, Value>> {
    expected(fixture)["expected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| keep(r))
        .map(|r| {
            r.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect()
}

fn by_id(mut rows: Vec<BTreeMap<String, Value>>) -> Vec<BTreeMap<String, Value>> {
    rows.sort_by_key(|r| r["id"].as_i64().unwrap());
    rows
}

// ---------------------------------------------------------------------------------------------
// Java 0.9 files

#[tokio::test]
async fn java_types_parquet_values_match_the_judge() {
    let io = fixture_io("java_types", "java_types");
    let fields = table_schema(&io, 0).await.fields;
    let path = data_file(&io, ".parquet").await;
    let batches = read_all(&io, &path, FileFormat::Parquet, &fields).await;
    assert_eq!(batches[0].schema(), arrow_schema(&fields));
    let got = by_id(rows_json(&batches, &fields));
    let want = expected_rows("java_types", |r| r["id"].as_i64().unwrap() < 10);
    assert_eq!(got.len(), 3);
    assert_eq!(got, want);
}

#[tokio::test]
async fn java_types_orc_values_match_the_judge() {
    let io = fixture_io("java_types", "java_types");
    let fields = table_schema(&io, 0).await.fields;
    let path = data_file(&io, ".orc").await;
    let batches = read_all(&io, &path, FileFormat::Orc, &fields).await;
    assert_eq!(batches[0].schema(), arrow_schema(&fields));
    let got = by_id(rows_json(&batches, &fields));
    let want = expected_rows("java_types", |r| r["id"].as_i64().unwrap() > 10);
    assert_eq!(got.len(), 3);
    assert_eq!(got, want);
}

#[tokio::test]
async fn java_system_columns_and_projection_by_name() {
    let io = fixture_io("java_types", "java_types");
    let table = table_schema(&io, 0).await.fields;
    for (ext, format) in [(".parquet", FileFormat::Parquet), (".orc", FileFormat::Orc)] {
        let path = data_file(&io, ext).await;
        // Reordered, a subset, a system column and one the file does not have.
        let columns = vec![
            table[22].clone(), // s
            system_fields()[1].clone(),
            DataField::new(99, "missing", DataType::not_null(TypeKind::Int)),
            table[0].clone(), // id
        ];
        let batches = read_all(&io, &path, format, &columns).await;
        let schema = batches[0].schema();
        assert_eq!(schema.field(0).name(), "s");
        assert!(
            schema.field(2).is_nullable(),
            "a missing column is nullable"
        );
        let total: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(total, 3);
        let b = &batches[0];
        assert_eq!(b.column(2).null_count(), 3);
        assert!(b
            .column(1)
            .as_primitive::<arrow_array::types::Int64Type>()
            .values()
            .iter()
            .all(|v| *v >= 0));
        // Nothing the file has: row counts survive.
        let only_missing = vec![DataField::new(99, "missing", DataType::int())];
        let batches = read_all(&io, &path, format, &only_missing).await;
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
        let none = read_all(&io, &path, format, &[]).await;
        assert_eq!(none.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
    }
}

#[tokio::test]
async fn java_append_parquet_and_orc() {
    let io = fixture_io("java_append", "java_append");
    let fields = table_schema(&io, 0).await.fields;
    let files = io.list_recursive("").await.unwrap();
    let mut rows = Vec::new();
    for f in files.iter().filter(|f| f.path.contains("/data-")) {
        let format = FileFormat::from_file_name(&f.path).unwrap();
        let options = ReadOptions {
            batch_size: 2,
            file_size: Some(f.size),
        };
        let batches: Vec<RecordBatch> = read_data_file(&io, &f.path, format, &fields, &options)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert!(batches.iter().all(|b| b.num_rows() <= 2));
        rows.extend(rows_json(&batches, &fields));
    }
    let key = |r: &BTreeMap<String, Value>| (r["id"].as_i64().unwrap(), r["name"].to_string());
    rows.sort_by_key(key);
    let mut want = expected_rows("java_append", |_| true);
    want.sort_by_key(key);
    assert_eq!(rows, want);
}

// ---------------------------------------------------------------------------------------------
// pypaimon files

#[tokio::test]
async fn pypaimon_append_files() {
    let io = fixture_io("append_unaware", "append_unaware");
    let fields = table_schema(&io, 0).await.fields;
    let files = io.list_recursive("bucket-0").await.unwrap();
    let mut rows = Vec::new();
    for f in &files {
        rows.extend(rows_json(
            &read_all(&io, &f.path, FileFormat::Parquet, &fields).await,
            &fields,
        ));
    }
    assert_eq!(by_id(rows), expected_rows("append_unaware", |_| true));
}

#[tokio::test]
async fn pypaimon_old_file_read_with_evolved_types() {
    let io = fixture_io("schema_evolution", "schema_evolution");
    let old = table_schema(&io, 0).await;
    let names: Vec<&str> = old.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "score"]);
    let files = io.list_recursive("bucket-0").await.unwrap();
    let mut found = false;
    for f in &files {
        let probe = read_all(&io, &f.path, FileFormat::Parquet, &old.fields).await;
        if probe[0].column(1).null_count() == probe[0].num_rows() {
            continue; // the newer file has no `name` column
        }
        found = true;
        // The caller maps ids to this file's names, asks for `score` as BIGINT (widened) and
        // `email`, which the file predates.
        let columns = vec![
            old.fields[0].clone(),
            old.fields[1].clone(),
            DataField::new(2, "score", DataType::bigint()),
            DataField::new(3, "email", DataType::string()),
        ];
        let batches = read_all(&io, &f.path, FileFormat::Parquet, &columns).await;
        let rows = by_id(rows_json(&batches, &columns));
        assert_eq!(
            rows,
            vec![
                BTreeMap::from([
                    ("id".into(), json!(1)),
                    ("name".into(), json!("a")),
                    ("score".into(), json!(10)),
                    ("email".into(), Value::Null)
                ]),
                BTreeMap::from([
                    ("id".into(), json!(2)),
                    ("name".into(), json!("b")),
                    ("score".into(), json!(20)),
                    ("email".into(), Value::Null)
                ]),
            ]
        );
        assert_eq!(
            batches[0].column(2).data_type(),
            &arrow_schema::DataType::Int64
        );
    }
    assert!(found);
}

#[tokio::test]
async fn pypaimon_primary_key_files_with_system_columns() {
    let io = fixture_io("pk_dedup", "pk_dedup");
    let table = table_schema(&io, 0).await.fields;
    let mut columns = system_fields();
    columns.extend(table.iter().cloned());
    let files = io.list_recursive("").await.unwrap();
    let mut total = 0;
    for f in files.iter().filter(|f| f.path.contains("/data-")) {
        let batches = read_all(&io, &f.path, FileFormat::Parquet, &columns).await;
        for b in &batches {
            // pypaimon writes _KEY_id OPTIONAL; the values are there and equal to id.
            let key = b.column(0).as_primitive::<arrow_array::types::Int32Type>();
            let id = b.column(3).as_primitive::<arrow_array::types::Int32Type>();
            assert_eq!(key, id);
            let kind = b.column(2).as_primitive::<arrow_array::types::Int8Type>();
            assert!(kind.values().iter().all(|k| (0..=3).contains(k)));
            total += b.num_rows();
        }
    }
    assert!(total > 0);
}

/// FLBA decimals and binaries, INT64 nanos, large/dictionary strings, lists of structs: the
/// shapes pyarrow (pypaimon) writes come back in the canonical types.
#[tokio::test]
async fn pyarrow_shapes_are_normalised() {
    let ty = |s: &str| DataType::parse(s).unwrap();
    let fields: Vec<DataField> = [
        ("d5", "DECIMAL(5, 2)"),
        ("bin3", "BINARY(3)"),
        ("ts9", "TIMESTAMP(9)"),
        ("ltz6", "TIMESTAMP(6) WITH LOCAL TIME ZONE"),
        ("ls", "STRING"),
        ("dict", "VARCHAR(3)"),
        ("tm", "TIME(3)"),
        ("dt", "DATE"),
        ("lst", "ARRAY<ROW<x INT, y STRING>>"),
        ("mp", "MAP<STRING, BIGINT>"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, t))| DataField::new(i as i32, *n, ty(t)))
    .collect();
    let io = FileIO::open(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"),
        &HashMap::new(),
    )
    .unwrap();
    let batches = read_all(&io, "pyarrow_shapes.parquet", FileFormat::Parquet, &fields).await;
    assert_eq!(batches[0].schema(), arrow_schema(&fields));
    let rows = rows_json(&batches, &fields);
    assert_eq!(
        rows[0],
        BTreeMap::from([
            ("d5".into(), json!("123.45")),
            ("bin3".into(), json!("AQID")),
            ("ts9".into(), json!("2024-01-02 03:04:05.123456789")),
            ("ltz6".into(), json!("2024-01-02 03:04:05.123456")),
            ("ls".into(), json!("large")),
            ("dict".into(), json!("a")),
            ("tm".into(), json!("03:04:05.123")),
            ("dt".into(), json!("2024-01-02")),
            ("lst".into(), json!([{"x": 1, "y": "p"}])),
            ("mp".into(), json!({"k": 1})),
        ])
    );
    assert!(rows[1]
        .iter()
        .filter(|(k, _)| *k != "dict")
        .all(|(_, v)| v.is_null()));
    assert_eq!(rows[2]["d5"], json!("-0.01"));
    assert_eq!(rows[2]["ts9"], json!("1969-12-31 23:59:59.999999999"));
    assert_eq!(rows[2]["ltz6"], json!("1969-12-31 23:59:59.999999"));
    assert_eq!(rows[2]["lst"], json!([]));
    assert_eq!(rows[2]["dt"], json!("1969-12-31"));
}

// ---------------------------------------------------------------------------------------------
// Writing

fn memory_io() -> FileIO {
    FileIO::memory()
}

async fn write_file(
    io: &FileIO,
    path: &str,
    fields: &[DataField],
    batches: &[RecordBatch],
    options: &WriterOptions,
) -> strata_format::WrittenFile {
    let mut w = DataFileWriter::create(io, path, fields, options)
        .await
        .unwrap();
    for b in batches {
        w.write(b).await.unwrap();
    }
    w.close().await.unwrap()
}

fn parquet_schema_tree(bytes: bytes::Bytes) -> parquet::schema::types::Type {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(bytes).unwrap();
    reader.metadata().file_metadata().schema().clone()
}

fn parquet_schema_text(bytes: bytes::Bytes) -> String {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(bytes).unwrap();
    let mut out = Vec::new();
    parquet::schema::printer::print_schema(&mut out, reader.metadata().file_metadata().schema());
    String::from_utf8(out).unwrap()
}

/// Java's file, read by us, written by us, read again: same batches, same values, same
/// Parquet schema text as Java's file.
#[tokio::test]
async fn parquet_round_trip_reproduces_javas_physical_schema() {
    let src = fixture_io("java_types", "java_types");
    let table = table_schema(&src, 0).await.fields;
    let mut fields = system_fields();
    fields.extend(table.iter().cloned());
    let java_path = data_file(&src, ".parquet").await;
    let original = read_all(&src, &java_path, FileFormat::Parquet, &fields).await;

    let io = memory_io();
    let written = write_file(
        &io,
        "bucket-0/data-1.parquet",
        &fields,
        &original,
        &WriterOptions::default(),
    )
    .await;
    assert_eq!(written.row_count, 3);
    let bytes = io.read("bucket-0/data-1.parquet").await.unwrap();
    assert_eq!(written.file_size, bytes.len() as u64);

    let java_bytes = src.read(&java_path).await.unwrap();
    let java_text = parquet_schema_text(java_bytes.clone());
    let our_text = parquet_schema_text(bytes.clone());
    assert_eq!(our_text, java_text, "ours:\n{our_text}\njava:\n{java_text}");
    // The full schema elements too: repetition, physical and logical types, legacy converted
    // types, lengths, precision/scale, (absent) field ids.
    assert_eq!(
        parquet_schema_tree(bytes.clone()),
        parquet_schema_tree(java_bytes)
    );

    let back = read_all(&io, "bucket-0/data-1.parquet", FileFormat::Parquet, &fields).await;
    assert_eq!(
        arrow_select::concat::concat_batches(&back[0].schema(), &back).unwrap(),
        arrow_select::concat::concat_batches(&original[0].schema(), &original).unwrap()
    );
    let got = by_id(rows_json(&back, &fields))
        .into_iter()
        .map(|mut r| {
            r.retain(|k, _| !k.starts_with('_'));
            r
        })
        .collect::<Vec<_>>();
    assert_eq!(
        got,
        expected_rows("java_types", |r| r["id"].as_i64().unwrap() < 10)
    );

    // Statistics of the written file, in Paimon order.
    let id = fields.iter().position(|f| f.name == "id").unwrap();
    assert_eq!(written.stats[id].min, Datum::Int(1));
    assert_eq!(written.stats[id].max, Datum::Int(3));
    let d = fields.iter().position(|f| f.name == "d").unwrap();
    assert_eq!(written.stats[d].min, Datum::Double(-0.5));
    assert!(matches!(written.stats[d].max, Datum::Double(v) if v.is_nan()));
    assert_eq!(written.stats[d].null_count, 1);
    let arr = fields.iter().position(|f| f.name == "arr").unwrap();
    assert_eq!(written.stats[arr].min, Datum::Null);
    assert_eq!(written.stats[arr].null_count, 1);
    let ts9 = fields.iter().position(|f| f.name == "ts9").unwrap();
    assert_eq!(
        written.stats[ts9].max,
        Datum::Timestamp {
            millis: 1_704_164_645_123,
            nanos_of_milli: 456_789
        }
    );
}

/// Every type, nested INT96 timestamps, several row groups, pre-1970 sub-millisecond values.
#[tokio::test]
async fn parquet_round_trip_of_every_type_in_several_row_groups() {
    let ty = |s: &str| DataType::parse(s).unwrap();
    let fields: Vec<DataField> = [
        ("a", "ARRAY<TIMESTAMP(9)>"),
        (
            "m",
            "MAP<INT, ROW<t TIMESTAMP(9) WITH LOCAL TIME ZONE NOT NULL, s STRING>>",
        ),
        ("ms", "MULTISET<STRING>"),
        ("t9", "TIMESTAMP(9) NOT NULL"),
        ("d", "DECIMAL(38, 10)"),
        ("b", "BINARY(2)"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, t))| DataField::new(i as i32, *n, ty(t)))
    .collect();
    // Columns built with Arrow builders (default child names), then cast to canonical types.
    use arrow_array::builder::{
        BinaryBuilder, Decimal128Builder, ListBuilder, MapBuilder, StringBuilder,
        TimestampNanosecondBuilder,
    };
    let n = 10usize;
    let mut a = ListBuilder::new(TimestampNanosecondBuilder::new());
    for i in 0..n {
        if i % 4 == 3 {
            a.append(false);
        } else {
            a.values().append_value(-1 - i as i64);
            a.values().append_null();
            a.append(true);
        }
    }
    let mut t9 = TimestampNanosecondBuilder::new();
    for i in 0..n {
        t9.append_value(-1_000_000_001 + i as i64 * 7);
    }
    let mut d = Decimal128Builder::new()
        .with_precision_and_scale(38, 10)
        .unwrap();
    for i in 0..n {
        if i % 3 == 0 {
            d.append_null();
        } else {
            d.append_value(-(10i128.pow(37)) + i as i128);
        }
    }
    let mut b = BinaryBuilder::new();
    for i in 0..n {
        b.append_value([i as u8, 255]);
    }
    let mut ms = MapBuilder::new(
        None,
        StringBuilder::new(),
        arrow_array::builder::Int32Builder::new(),
    );
    for i in 0..n {
        ms.keys().append_value(format!("k{i}"));
        ms.values().append_value(i as i32);
        ms.append(i % 2 == 0).unwrap();
    }
    // The map with ROW values (INT96 inside a map value) is all nulls here; its non-null shape
    // is covered by the java_types round trip.
    let m_type = strata_format::arrow_convert::arrow_type(&fields[1].data_type);
    let m = arrow_array::new_null_array(&m_type, n);

    let raw: Vec<ArrayRef> = vec![
        Arc::new(a.finish()),
        m,
        Arc::new(ms.finish()),
        Arc::new(t9.finish()),
        Arc::new(d.finish()),
        Arc::new(b.finish()),
    ];
    let columns: Vec<ArrayRef> = raw
        .iter()
        .zip(&fields)
        .map(|(c, f)| strata_format::arrow_convert::cast_to(c, &f.data_type).unwrap())
        .collect();
    let batch = RecordBatch::try_new(arrow_schema(&fields), columns).unwrap();

    let io = memory_io();
    let options = WriterOptions {
        max_row_group_rows: 3,
        compression: "snappy".into(),
        ..WriterOptions::default()
    };
    let written = write_file(
        &io,
        "f.parquet",
        &fields,
        &[batch.slice(0, 4), batch.slice(4, 6)],
        &options,
    )
    .await;
    assert_eq!(written.row_count, 10);
    let bytes = io.read("f.parquet").await.unwrap();
    {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let r = SerializedFileReader::new(bytes.clone()).unwrap();
        assert_eq!(r.metadata().num_row_groups(), 4);
        let text = parquet_schema_text(bytes);
        assert!(text.contains("REQUIRED INT96 t9;"), "{text}");
        assert!(text.contains("OPTIONAL INT96 element;"), "{text}");
        assert!(text.contains("REQUIRED INT96 t;"), "{text}");
        assert!(text.contains("REQUIRED INT32 value;"), "{text}");
        assert!(
            text.contains("OPTIONAL FIXED_LEN_BYTE_ARRAY (16) d (DECIMAL(38,10));"),
            "{text}"
        );
    }
    let back = read_all(&io, "f.parquet", FileFormat::Parquet, &fields).await;
    let back = arrow_select::concat::concat_batches(&back[0].schema(), &back).unwrap();
    assert_eq!(back, batch);
}

#[tokio::test]
async fn orc_round_trip_of_its_types() {
    let src = fixture_io("java_types", "java_types");
    let table = table_schema(&src, 0).await.fields;
    let fields: Vec<DataField> = table
        .iter()
        .filter(|f| FileFormat::Orc.can_write(&f.data_type))
        .cloned()
        .collect();
    assert!(fields.iter().any(|f| f.name == "tm"));
    assert!(fields.iter().any(|f| f.name == "ts9"));
    assert!(!fields.iter().any(|f| f.name == "d5"));
    let path = data_file(&src, ".parquet").await;
    let original = read_all(&src, &path, FileFormat::Parquet, &fields).await;
    let io = memory_io();
    let options = WriterOptions {
        format: FileFormat::Orc,
        ..WriterOptions::default()
    };
    let written = write_file(&io, "f.orc", &fields, &original, &options).await;
    assert_eq!(written.row_count, 3);
    let back = read_all(&io, "f.orc", FileFormat::Orc, &fields).await;
    assert_eq!(
        arrow_select::concat::concat_batches(&back[0].schema(), &back).unwrap(),
        arrow_select::concat::concat_batches(&original[0].schema(), &original).unwrap()
    );

    // Types orc-rust cannot write are refused, not a panic.
    for t in [
        "DECIMAL(5, 2)",
        "ARRAY<INT>",
        "ROW<a INT>",
        "MAP<STRING, INT>",
    ] {
        let f = DataField::new(0, "x", DataType::parse(t).unwrap());
        let err = DataFileWriter::create(&io, "g.orc", &[f], &options)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{t}: {err}");
    }
    let avro = WriterOptions {
        format: FileFormat::Avro,
        ..WriterOptions::default()
    };
    assert!(matches!(
        DataFileWriter::create(&io, "g.avro", &fields, &avro).await,
        Err(Error::Unsupported { .. })
    ));
}

#[tokio::test]
async fn writer_size_estimate_abort_and_not_null_checks() {
    let fields = vec![
        DataField::new(0, "k", DataType::not_null(TypeKind::BigInt)),
        DataField::new(1, "v", DataType::string()),
    ];
    let schema = arrow_schema(&fields);
    let batch = |start: i64, n: i64| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from_iter_values(start..start + n)),
                Arc::new(StringArray::from_iter_values(
                    (start..start + n).map(|i| format!("value number {i}")),
                )),
            ],
        )
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let io = FileIO::open(dir.path().to_str().unwrap(), &HashMap::new()).unwrap();
    for format in [FileFormat::Parquet, FileFormat::Orc] {
        let options = WriterOptions {
            format,
            max_row_group_rows: 10_000,
            ..WriterOptions::default()
        };
        let path = format!("b/data-x.{}", format.extension());
        let mut w = DataFileWriter::create(&io, &path, &fields, &options)
            .await
            .unwrap();
        assert_eq!(w.estimated_size(), 0);
        w.write(&batch(0, 25_000)).await.unwrap();
        assert_eq!(w.row_count(), 25_000);
        let est = w.estimated_size();
        assert!(est > 0);
        // A NOT NULL column with a null is refused.
        let bad = RecordBatch::try_new(
            Arc::new(arrow_schema::Schema::new(vec![
                arrow_schema::Field::new("k", arrow_schema::DataType::Int64, true),
                arrow_schema::Field::new("v", arrow_schema::DataType::Utf8, true),
            ])),
            vec![
                Arc::new(Int64Array::from(vec![None, Some(1)])),
                Arc::new(StringArray::from(vec!["a", "b"])),
            ],
        )
        .unwrap();
        assert!(w.write(&bad).await.is_err());
        w.abort().await;
        assert!(!io.exists(&path).await.unwrap(), "{format:?}");

        let mut w = DataFileWriter::create(&io, &path, &fields, &options)
            .await
            .unwrap();
        w.write(&batch(0, 25_000)).await.unwrap();
        w.write(&batch(25_000, 5)).await.unwrap();
        let written = w.close().await.unwrap();
        assert_eq!(written.file_size, io.status(&path).await.unwrap().size);
        assert_eq!(written.stats[0].min, Datum::BigInt(0));
        assert_eq!(written.stats[0].max, Datum::BigInt(25_004));
        assert_eq!(written.stats[1].min, Datum::String("value number 0".into()));
        assert_eq!(
            written.stats[1].max,
            Datum::String("value number 9999".into())
        );
        let back = read_all(&io, &path, format, &fields).await;
        let n: usize = back.iter().map(|b| b.num_rows()).sum();
        assert_eq!(n, 25_005);
        assert!(back.iter().all(|b| b.num_rows() <= 8192));

        // A file closed without rows is still a valid, empty file.
        let empty = format!("b/empty.{}", format.extension());
        let w = DataFileWriter::create(&io, &empty, &fields, &options)
            .await
            .unwrap();
        let written = w.close().await.unwrap();
        assert_eq!(written.row_count, 0);
        assert_eq!(written.stats[0].min, Datum::Null);
        let back = read_all(&io, &empty, format, &fields).await;
        assert_eq!(back.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Avro (the shape pypaimon writes)

fn pypaimon_like_avro() -> Vec<u8> {
    use apache_avro::types::{Record, Value as AV};
    use apache_avro::{Codec, Schema, Writer, ZstandardSettings};
    let schema = Schema::parse_str(
        r#"{"type":"record","name":"record","namespace":"org.apache.paimon.avro.generated","fields":[
            {"name":"id","type":"int"},
            {"name":"name","type":["null","string"],"default":null},
            {"name":"price","type":["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}],"default":null},
            {"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-micros"}],"default":null},
            {"name":"day","type":["null",{"type":"int","logicalType":"date"}],"default":null},
            {"name":"tags","type":["null",{"type":"array","items":["null","string"]}],"default":null},
            {"name":"attrs","type":["null",{"type":"map","values":["null","long"]}],"default":null},
            {"name":"pt","type":["null",{"type":"record","name":"pt","fields":[{"name":"x","type":"int"},{"name":"y","type":["null","double"]}]}],"default":null}
        ]}"#,
    )
    .unwrap();
    let mut w = Writer::with_codec(
        &schema,
        Vec::new(),
        Codec::Zstandard(ZstandardSettings::default()),
    )
    .unwrap();
    for i in 0..3i32 {
        let mut r = Record::new(&schema).unwrap();
        r.put("id", AV::Int(i));
        if i == 2 {
            for f in ["name", "price", "ts", "day", "tags", "attrs", "pt"] {
                r.put(f, AV::Union(0, Box::new(AV::Null)));
            }
        } else {
            r.put("name", AV::Union(1, Box::new(AV::String(format!("n{i}")))));
            r.put(
                "price",
                AV::Union(
                    1,
                    Box::new(AV::Decimal(apache_avro::Decimal::from(vec![
                        0x04,
                        0xD2 - i as u8,
                    ]))),
                ),
            );
            r.put(
                "ts",
                AV::Union(
                    1,
                    Box::new(AV::TimestampMicros(1_704_164_645_123_456 + i as i64)),
                ),
            );
            r.put("day", AV::Union(1, Box::new(AV::Date(19_724))));
            r.put(
                "tags",
                AV::Union(
                    1,
                    Box::new(AV::Array(vec![
                        AV::Union(1, Box::new(AV::String("t".into()))),
                        AV::Union(0, Box::new(AV::Null)),
                    ])),
                ),
            );
            r.put(
                "attrs",
                AV::Union(
                    1,
                    Box::new(AV::Map(HashMap::from([
                        ("b".to_string(), AV::Union(1, Box::new(AV::Long(2)))),
                        ("a".to_string(), AV::Union(1, Box::new(AV::Long(1)))),
                    ]))),
                ),
            );
            r.put(
                "pt",
                AV::Union(
                    1,
                    Box::new(AV::Record(vec![
                        ("x".into(), AV::Int(i)),
                        ("y".into(), AV::Union(0, Box::new(AV::Null))),
                    ])),
                ),
            );
        }
        w.append_value(r).unwrap();
    }
    w.into_inner().unwrap()
}

#[tokio::test]
async fn avro_data_files() {
    let ty = |s: &str| DataType::parse(s).unwrap();
    let fields: Vec<DataField> = [
        ("id", "INT NOT NULL"),
        ("name", "STRING"),
        ("price", "DECIMAL(10, 2)"),
        ("ts", "TIMESTAMP(6)"),
        ("day", "DATE"),
        ("tags", "ARRAY<STRING>"),
        ("attrs", "MAP<STRING, BIGINT>"),
        ("pt", "ROW<x INT NOT NULL, y DOUBLE>"),
        ("absent", "BIGINT"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, t))| DataField::new(i as i32, *n, ty(t)))
    .collect();
    let io = memory_io();
    io.write("d.avro", pypaimon_like_avro()).await.unwrap();
    // Also a file written by fastavro the way pypaimon writes (see testdata/README).
    let batches = read_all(&io, "d.avro", FileFormat::Avro, &fields).await;
    let rows = rows_json(&batches, &fields);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        BTreeMap::from([
            ("id".into(), json!(0)),
            ("name".into(), json!("n0")),
            ("price".into(), json!("12.34")),
            ("ts".into(), json!("2024-01-02 03:04:05.123456")),
            ("day".into(), json!("2024-01-02")),
            ("tags".into(), json!(["t", null])),
            ("attrs".into(), json!({"a": 1, "b": 2})),
            ("pt".into(), json!({"x": 0, "y": null})),
            ("absent".into(), Value::Null),
        ])
    );
    assert!(rows[2]
        .iter()
        .filter(|(k, _)| *k != "id")
        .all(|(_, v)| v.is_null()));

    let fastavro = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/fastavro_pypaimon_shape.avro"
    );
    let io = FileIO::open(
        concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"),
        &HashMap::new(),
    )
    .unwrap();
    assert!(std::path::Path::new(fastavro).exists());
    let batches = read_all(
        &io,
        "fastavro_pypaimon_shape.avro",
        FileFormat::Avro,
        &fields[..8],
    )
    .await;
    let rows = rows_json(&batches, &fields[..8]);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["price"], json!("-0.05"));
    assert_eq!(rows[1]["ts"], json!("1969-12-31 23:59:59.999999"));
    assert_eq!(rows[0]["attrs"], json!({"k": 7}));
    assert_eq!(rows[0]["tags"], json!(["x", "y"]));
    assert_eq!(rows[0]["pt"], json!({"x": 1, "y": 2.5}));
    assert!(rows[2]["name"].is_null());
}

// ---------------------------------------------------------------------------------------------
// Corrupt input

#[tokio::test]
async fn corrupt_and_missing_files_are_errors_naming_the_file() {
    let src = fixture_io("java_types", "java_types");
    let fields = table_schema(&src, 0).await.fields;
    let parquet = src.read(&data_file(&src, ".parquet").await).await.unwrap();
    let orc = src.read(&data_file(&src, ".orc").await).await.unwrap();
    let avro = bytes::Bytes::from(pypaimon_like_avro());
    let io = memory_io();
    let mut cases: Vec<(String, FileFormat, bytes::Bytes)> = Vec::new();
    for (name, format, full) in [
        ("p", FileFormat::Parquet, parquet),
        ("o", FileFormat::Orc, orc),
        ("a", FileFormat::Avro, avro),
    ] {
        cases.push((format!("{name}-empty"), format, bytes::Bytes::new()));
        cases.push((
            format!("{name}-garbage"),
            format,
            bytes::Bytes::from(vec![0x5a; 3000]),
        ));
        for cut in [full.len() / 2, full.len() - 9, full.len() - 1] {
            cases.push((format!("{name}-cut{cut}"), format, full.slice(..cut)));
        }
        let mut flipped = full.to_vec();
        let mid = flipped.len() / 3;
        for b in &mut flipped[mid..mid + 40] {
            *b = !*b;
        }
        cases.push((
            format!("{name}-flipped"),
            format,
            bytes::Bytes::from(flipped),
        ));
    }
    let avro_fields: Vec<DataField> = vec![DataField::new(0, "id", DataType::int())];
    for (path, format, bytes) in cases {
        io.write(&path, bytes).await.unwrap();
        let columns = if format == FileFormat::Avro {
            &avro_fields
        } else {
            &fields
        };
        let result =
            match read_data_file(&io, &path, format, columns, &ReadOptions::default()).await {
                Err(e) => Err(e),
                Ok(stream) => stream.try_collect::<Vec<_>>().await.map(|_| ()),
            };
        match result {
            Err(Error::Corrupt { path: p, .. }) => assert_eq!(p, path),
            // Flipped bytes inside compressed pages may decode to other valid values; the
            // others must fail.
            Ok(()) if path.ends_with("flipped") => {}
            other => panic!("{path}: {other:?}"),
        }
    }
    let Err(err) = read_data_file(
        &io,
        "nope.parquet",
        FileFormat::Parquet,
        &fields,
        &ReadOptions::default(),
    )
    .await
    else {
        panic!("a missing file opened")
    };
    assert!(matches!(err, Error::Io(ref e) if e.is_not_found()), "{err}");
    let Err(err) = read_data_file(
        &io,
        "nope.orc",
        FileFormat::Orc,
        &fields,
        &ReadOptions::default(),
    )
    .await
    else {
        panic!("a missing file opened")
    };
    assert!(matches!(err, Error::Io(ref e) if e.is_not_found()), "{err}");
}

/// Seeded byte damage all over the three formats: every outcome is a value or an error naming
/// the file, never a panic escaping the reader.
#[tokio::test]
async fn damaged_files_never_escape_as_panics() {
    let src = fixture_io("java_types", "java_types");
    let fields = table_schema(&src, 0).await.fields;
    let parquet = src.read(&data_file(&src, ".parquet").await).await.unwrap();
    let orc = src.read(&data_file(&src, ".orc").await).await.unwrap();
    let avro = bytes::Bytes::from(pypaimon_like_avro());
    let io = memory_io();
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let avro_fields = vec![
        DataField::new(0, "id", DataType::int()),
        DataField::new(1, "tags", DataType::parse("ARRAY<STRING>").unwrap()),
    ];
    for (format, full) in [
        (FileFormat::Parquet, parquet),
        (FileFormat::Orc, orc),
        (FileFormat::Avro, avro),
    ] {
        for case in 0..40 {
            let mut bytes = full.to_vec();
            for _ in 0..(1 + case % 4) {
                let at = next() % bytes.len();
                bytes[at] = (next() % 256) as u8;
            }
            if case % 5 == 0 {
                bytes.truncate(next() % bytes.len());
            }
            let path = format!("damaged-{case}.{}", format.extension());
            io.write(&path, bytes).await.unwrap();
            let columns = if format == FileFormat::Avro {
                &avro_fields
            } else {
                &fields
            };
            let result =
                match read_data_file(&io, &path, format, columns, &ReadOptions::default()).await {
                    Err(e) => Err(e),
                    Ok(stream) => stream.try_collect::<Vec<_>>().await.map(|_| ()),
                };
            match result {
                Ok(()) => {}
                Err(Error::Corrupt { path: p, .. }) | Err(Error::Schema { path: p, .. }) => {
                    assert_eq!(p, path)
                }
                Err(other) => panic!("{path}: {other}"),
            }
        }
    }
}

#[tokio::test]
async fn incompatible_column_types_are_schema_errors() {
    let io = fixture_io("append_unaware", "append_unaware");
    let f = io.list_recursive("bucket-0").await.unwrap().remove(0);
    let columns = vec![DataField::new(0, "name", DataType::int())];
    let result: Result<Vec<RecordBatch>, Error> = match read_data_file(
        &io,
        &f.path,
        FileFormat::Parquet,
        &columns,
        &ReadOptions::default(),
    )
    .await
    {
        Ok(s) => s.try_collect().await,
        Err(e) => Err(e),
    };
    assert!(matches!(result, Err(Error::Schema { .. })), "{result:?}");
}

/// Writes the java_types rows with our writer to `$STRATA_SAMPLE_DIR/java_types_by_strata.parquet`
/// (for inspection with pyarrow / the Java judge): `cargo test -p strata-format --test it
/// -- --ignored write_java_types_sample`.
#[tokio::test]
#[ignore]
async fn write_java_types_sample() {
    let dir = std::env::var("STRATA_SAMPLE_DIR").unwrap_or_else(|_| "/tmp".into());
    let src = fixture_io("java_types", "java_types");
    let table = table_schema(&src, 0).await.fields;
    let mut fields = system_fields();
    fields.extend(table.iter().cloned());
    let original = read_all(
        &src,
        &data_file(&src, ".parquet").await,
        FileFormat::Parquet,
        &fields,
    )
    .await;
    let io = FileIO::open(&dir, &HashMap::new()).unwrap();
    write_file(
        &io,
        "java_types_by_strata.parquet",
        &fields,
        &original,
        &WriterOptions::default(),
    )
    .await;
    println!("wrote {dir}/java_types_by_strata.parquet");
}

/// Rewrites every data file of the table at `$STRATA_REWRITE_TABLE` with our writer (same name,
/// same format, same rows; columns from `schema/schema-0` plus the key-value system columns),
/// so that the Java judge can read a table whose data files we wrote.
#[tokio::test]
#[ignore]
async fn rewrite_table_data_files() {
    let Ok(dir) = std::env::var("STRATA_REWRITE_TABLE") else {
        return;
    };
    let io = FileIO::open(&dir, &HashMap::new()).unwrap();
    let schema = table_schema(&io, 0).await;
    let mut all = Vec::new();
    for k in &schema.trimmed_primary_keys() {
        let f = schema.fields.iter().find(|f| &f.name == k).unwrap();
        all.push(DataField::new(
            0,
            format!("_KEY_{k}"),
            f.data_type.with_nullable(false),
        ));
    }
    if !schema.primary_keys.is_empty() {
        all.extend(system_fields().into_iter().skip(1));
    }
    all.extend(schema.fields.iter().cloned());
    for f in io.list_recursive("").await.unwrap() {
        if !f.path.contains("/data-") {
            continue;
        }
        let format = FileFormat::from_file_name(&f.path).unwrap();
        let batches = read_all(&io, &f.path, format, &all).await;
        let options = WriterOptions {
            format,
            ..WriterOptions::default()
        };
        let written = write_file(&io, &f.path, &all, &batches, &options).await;
        println!(
            "rewrote {} ({} rows, {} bytes)",
            f.path, written.row_count, written.file_size
        );
    }
}

/// 1,000,000 rows of (BIGINT, STRING, 4 numerics, ~20-char STRING) through our writer and
/// through a bare `ArrowWriter` with the same compression; prints both times.
/// `cargo test --release -p strata-format --test it -- --ignored --nocapture bench_write`
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
#[ignore]
async fn bench_write_million_rows() {
    use arrow_array::{Float32Array, Float64Array};
    let ty = |s: &str| DataType::parse(s).unwrap();
    let fields: Vec<DataField> = [
        ("id", "BIGINT NOT NULL"),
        ("name", "STRING"),
        ("a", "INT"),
        ("b", "DOUBLE"),
        ("c", "FLOAT"),
        ("d", "BIGINT"),
        ("comment", "STRING"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, t))| DataField::new(i as i32, *n, ty(t)))
    .collect();
    let schema = arrow_schema(&fields);
    let rows = 1_000_000usize;
    let per_batch = 8192usize;
    let batches: Vec<RecordBatch> = (0..rows)
        .step_by(per_batch)
        .map(|start| {
            let n = per_batch.min(rows - start);
            let r = start..start + n;
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from_iter_values(r.clone().map(|i| i as i64))),
                    Arc::new(StringArray::from_iter_values(
                        r.clone().map(|i| format!("name-{}", i % 1000)),
                    )),
                    Arc::new(Int32Array::from_iter_values(
                        r.clone().map(|i| (i * 7 % 1000) as i32),
                    )),
                    Arc::new(Float64Array::from_iter_values(
                        r.clone().map(|i| i as f64 * 0.5),
                    )),
                    Arc::new(Float32Array::from_iter_values(
                        r.clone().map(|i| (i % 100) as f32),
                    )),
                    Arc::new(Int64Array::from_iter_values(
                        r.clone().map(|i| (i as i64) << 20),
                    )),
                    Arc::new(StringArray::from_iter_values(
                        r.map(|i| format!("comment text {i:08}")),
                    )),
                ],
            )
            .unwrap()
        })
        .collect();

    let raw_start = std::time::Instant::now();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(
            parquet::basic::ZstdLevel::try_new(1).unwrap(),
        ))
        .build();
    let mut raw =
        parquet::arrow::ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).unwrap();
    for b in &batches {
        raw.write(b).unwrap();
    }
    let raw_bytes = raw.into_inner().unwrap().len();
    let raw_time = raw_start.elapsed();

    let io = FileIO::memory();
    let ours_start = std::time::Instant::now();
    let written = write_file(
        &io,
        "bench.parquet",
        &fields,
        &batches,
        &WriterOptions::default(),
    )
    .await;
    let ours_time = ours_start.elapsed();
    println!(
        "raw ArrowWriter: {raw_time:?} ({raw_bytes} bytes); DataFileWriter: {ours_time:?} ({} bytes, stats included)",
        written.file_size
    );
}
