//! Reading Avro data files (written by pypaimon with `file.format = avro`, or by Java).
//!
//! The file is fetched whole (Avro container files cannot be read from the footer and Paimon's
//! Avro data files are small) and decoded lazily, one output batch of records at a time, with
//! apache-avro. Each requested column is gathered from the records by name and turned into an
//! Arrow array of the canonical type of its Paimon type: nullable columns are `["null", T]`
//! unions, timestamps carry `timestamp-millis` / `timestamp-micros` (or nanos) logical types,
//! decimals are `bytes`/`fixed` with the `decimal` logical type, maps are Avro maps (string
//! keys) or arrays of `{key, value}` records (other keys), rows are records. Writing Avro is not
//! supported.

use std::io::Cursor;

use apache_avro::schema::Schema as AvroSchema;
use apache_avro::types::Value;
use apache_avro::Reader;
use arrow_array::{new_null_array, ArrayRef, ListArray, MapArray, RecordBatch, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType as ArrowType, Field, Schema, TimeUnit};
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use std::sync::Arc;
use strata_io::FileIO;
use strata_spec::{DataField, DataType, Datum, TypeKind};

use crate::arrow_convert::{
    arrow_field, arrow_type, datums_to_array, map_entries_field, multiset_count_type,
    timestamp_datum, timestamp_unit, LIST_ELEMENT,
};
use crate::error::{Error, Result};
use crate::reader::{Projector, ReadOptions};

fn corrupt(path: &str, reason: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

pub(crate) async fn open(
    io: &FileIO,
    path: &str,
    columns: &[DataField],
    options: &ReadOptions,
) -> Result<BoxStream<'static, Result<RecordBatch>>> {
    let bytes: Bytes = io.read(path).await?;
    let reader: Reader<'static, Cursor<Bytes>> =
        Reader::new(Cursor::new(bytes)).map_err(|e| corrupt(path, e))?;
    let names: Vec<String> = match reader.writer_schema() {
        AvroSchema::Record(r) => r.fields.iter().map(|f| f.name.clone()).collect(),
        other => {
            return Err(corrupt(
                path,
                format!("the top-level Avro schema is not a record: {other:?}"),
            ))
        }
    };
    let file_schema = Schema::new(
        names
            .iter()
            .map(|n| Field::new(n, ArrowType::Null, true))
            .collect::<Vec<_>>(),
    );
    let projector = Projector::new(path, columns, &file_schema, false);
    let decoder = Decoder {
        path: path.to_string(),
        reader,
        columns: columns.to_vec(),
        projector,
        batch_size: options.batch_size.max(1),
    };
    Ok(stream::unfold(Some(decoder), |state| async move {
        let mut decoder = state?;
        match decoder.next_batch() {
            Ok(Some(batch)) => Some((Ok(batch), Some(decoder))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed())
}

struct Decoder {
    path: String,
    reader: Reader<'static, Cursor<Bytes>>,
    columns: Vec<DataField>,
    projector: Arc<Projector>,
    batch_size: usize,
}

impl Decoder {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut records: Vec<Value> = Vec::with_capacity(self.batch_size.min(65_536));
        for item in self.reader.by_ref().take(self.batch_size) {
            records.push(item.map_err(|e| corrupt(&self.path, e))?);
        }
        if records.is_empty() {
            return Ok(None);
        }
        let rows = records.len();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        let mut fields: Vec<Field> = Vec::with_capacity(self.columns.len());
        for column in &self.columns {
            let mut values: Vec<Option<&Value>> = Vec::with_capacity(rows);
            let mut present = false;
            for record in &records {
                let Value::Record(cells) = record else {
                    return Err(corrupt(&self.path, "an Avro data row is not a record"));
                };
                let cell = cells
                    .iter()
                    .find(|(n, _)| n == &column.name)
                    .map(|(_, v)| v);
                present |= cell.is_some();
                values.push(cell.and_then(unwrap_union));
            }
            let array = if present {
                values_to_array(&values, &column.data_type).map_err(|e| Error::Schema {
                    path: self.path.clone(),
                    reason: format!("column '{}': {e}", column.name),
                })?
            } else {
                new_null_array(&arrow_type(&column.data_type), rows)
            };
            fields.push(arrow_field(column).with_nullable(true));
            arrays.push(array);
        }
        let batch = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            arrays,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| corrupt(&self.path, e))?;
        self.projector.project(&batch).map(Some)
    }
}

/// The value inside `["null", T]` unions; `None` for null.
fn unwrap_union(v: &Value) -> Option<&Value> {
    match v {
        Value::Null => None,
        Value::Union(_, inner) => unwrap_union(inner),
        other => Some(other),
    }
}

fn mismatch(v: &Value, ty: &DataType) -> Error {
    crate::arrow_convert::invalid(
        "reading Avro",
        format!("the Avro value {v:?} is not a {ty}"),
    )
}

fn be_i128(bytes: &[u8]) -> Option<i128> {
    if bytes.len() > 16 {
        return None;
    }
    let mut v: i128 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for b in bytes {
        v = (v << 8) | *b as i128;
    }
    Some(v)
}

fn value_datum(v: &Value, ty: &DataType) -> Result<Datum> {
    let bad = || mismatch(v, ty);
    let unit = |p: u8| timestamp_unit(p);
    Ok(match (&ty.kind, v) {
        (TypeKind::Boolean, Value::Boolean(b)) => Datum::Boolean(*b),
        (TypeKind::TinyInt, Value::Int(i)) => Datum::TinyInt(i8::try_from(*i).map_err(|_| bad())?),
        (TypeKind::SmallInt, Value::Int(i)) => {
            Datum::SmallInt(i16::try_from(*i).map_err(|_| bad())?)
        }
        (TypeKind::Int, Value::Int(i)) => Datum::Int(*i),
        (TypeKind::BigInt, Value::Long(l)) => Datum::BigInt(*l),
        (TypeKind::BigInt, Value::Int(i)) => Datum::BigInt(*i as i64),
        (TypeKind::Float, Value::Float(f)) => Datum::Float(*f),
        (TypeKind::Double, Value::Double(d)) => Datum::Double(*d),
        (TypeKind::Double, Value::Float(f)) => Datum::Double(*f as f64),
        (TypeKind::Decimal { scale, .. }, Value::Decimal(d)) => {
            let bytes = Vec::<u8>::try_from(d).map_err(|_| bad())?;
            Datum::Decimal {
                unscaled: be_i128(&bytes).ok_or_else(bad)?,
                scale: *scale,
            }
        }
        (TypeKind::Decimal { scale, .. }, Value::Bytes(b) | Value::Fixed(_, b)) => Datum::Decimal {
            unscaled: be_i128(b).ok_or_else(bad)?,
            scale: *scale,
        },
        (TypeKind::Char(_) | TypeKind::VarChar(_), Value::String(s) | Value::Enum(_, s)) => {
            Datum::String(s.clone())
        }
        (TypeKind::Binary(_) | TypeKind::VarBinary(_), Value::Bytes(b) | Value::Fixed(_, b)) => {
            Datum::Bytes(b.clone())
        }
        (TypeKind::Date, Value::Date(d) | Value::Int(d)) => Datum::Date(*d),
        (TypeKind::Time(_), Value::TimeMillis(ms) | Value::Int(ms)) => Datum::Time(*ms),
        (TypeKind::Time(_), Value::TimeMicros(us)) => {
            Datum::Time(i32::try_from(us.div_euclid(1000)).map_err(|_| bad())?)
        }
        (
            TypeKind::Timestamp(_) | TypeKind::LocalZonedTimestamp(_),
            Value::TimestampMillis(t) | Value::LocalTimestampMillis(t),
        ) => timestamp_datum(*t, TimeUnit::Millisecond),
        (
            TypeKind::Timestamp(_) | TypeKind::LocalZonedTimestamp(_),
            Value::TimestampMicros(t) | Value::LocalTimestampMicros(t),
        ) => timestamp_datum(*t, TimeUnit::Microsecond),
        (
            TypeKind::Timestamp(_) | TypeKind::LocalZonedTimestamp(_),
            Value::TimestampNanos(t) | Value::LocalTimestampNanos(t),
        ) => timestamp_datum(*t, TimeUnit::Nanosecond),
        (TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p), Value::Long(t)) => {
            timestamp_datum(*t, unit(*p))
        }
        _ => return Err(bad()),
    })
}

/// An array of the canonical type of `ty` from Avro values (`None` = null).
fn values_to_array(values: &[Option<&Value>], ty: &DataType) -> Result<ArrayRef> {
    match &ty.kind {
        TypeKind::Array(element) => {
            let mut offsets = Vec::with_capacity(values.len() + 1);
            offsets.push(0i32);
            let mut children: Vec<Option<&Value>> = Vec::new();
            let mut valid = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    Some(Value::Array(items)) => {
                        children.extend(items.iter().map(unwrap_union));
                        valid.push(true);
                    }
                    None => valid.push(false),
                    Some(other) => return Err(mismatch(other, ty)),
                }
                offsets.push(i32::try_from(children.len()).map_err(|_| {
                    crate::arrow_convert::invalid("reading Avro", "an array is too large")
                })?);
            }
            let child = values_to_array(&children, element)?;
            let field = Arc::new(Field::new(
                LIST_ELEMENT,
                arrow_type(element),
                element.nullable,
            ));
            Ok(Arc::new(
                ListArray::try_new(
                    field,
                    OffsetBuffer::new(offsets.into()),
                    child,
                    Some(NullBuffer::from(valid)),
                )
                .map_err(crate::arrow_convert::arrow_err("reading Avro"))?,
            ))
        }
        TypeKind::Map(..) | TypeKind::Multiset(_) => {
            let (key_ty, value_ty) = match &ty.kind {
                TypeKind::Map(k, v) => ((**k).clone(), (**v).clone()),
                TypeKind::Multiset(e) => ((**e).clone(), multiset_count_type()),
                _ => return Err(crate::arrow_convert::invalid("reading Avro", "not a map")),
            };
            let mut offsets = Vec::with_capacity(values.len() + 1);
            offsets.push(0i32);
            let mut keys: Vec<Value> = Vec::new();
            let mut vals: Vec<Option<&Value>> = Vec::new();
            let mut valid = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    Some(Value::Map(entries)) => {
                        let mut sorted: Vec<(&String, &Value)> = entries.iter().collect();
                        sorted.sort_by(|a, b| a.0.cmp(b.0));
                        for (k, val) in sorted {
                            keys.push(Value::String(k.clone()));
                            vals.push(unwrap_union(val));
                        }
                        valid.push(true);
                    }
                    Some(Value::Array(items)) => {
                        for item in items {
                            let Some(Value::Record(kv)) = unwrap_union(item) else {
                                return Err(mismatch(item, ty));
                            };
                            let get =
                                |name: &str| kv.iter().find(|(n, _)| n == name).map(|(_, v)| v);
                            let (Some(k), val) = (get("key"), get("value")) else {
                                return Err(mismatch(item, ty));
                            };
                            keys.push(unwrap_union(k).cloned().unwrap_or(Value::Null));
                            vals.push(val.and_then(unwrap_union));
                        }
                        valid.push(true);
                    }
                    None => valid.push(false),
                    Some(other) => return Err(mismatch(other, ty)),
                }
                offsets.push(i32::try_from(keys.len()).map_err(|_| {
                    crate::arrow_convert::invalid("reading Avro", "a map is too large")
                })?);
            }
            let key_refs: Vec<Option<&Value>> = keys.iter().map(unwrap_union).collect();
            let key_array = values_to_array(&key_refs, &key_ty)?;
            let value_array = values_to_array(&vals, &value_ty)?;
            let entries_field = map_entries_field(&key_ty, &value_ty);
            let ArrowType::Struct(kv_fields) = entries_field.data_type() else {
                return Err(crate::arrow_convert::invalid("reading Avro", "not a map"));
            };
            let entries =
                StructArray::try_new(kv_fields.clone(), vec![key_array, value_array], None)
                    .map_err(crate::arrow_convert::arrow_err("reading Avro"))?;
            Ok(Arc::new(
                MapArray::try_new(
                    entries_field,
                    OffsetBuffer::new(offsets.into()),
                    entries,
                    Some(NullBuffer::from(valid)),
                    false,
                )
                .map_err(crate::arrow_convert::arrow_err("reading Avro"))?,
            ))
        }
        TypeKind::Row(fields) => {
            let mut valid = Vec::with_capacity(values.len());
            let mut records: Vec<Option<&Vec<(String, Value)>>> = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    Some(Value::Record(cells)) => {
                        records.push(Some(cells));
                        valid.push(true);
                    }
                    None => {
                        records.push(None);
                        valid.push(false);
                    }
                    Some(other) => return Err(mismatch(other, ty)),
                }
            }
            let mut children = Vec::with_capacity(fields.len());
            for f in fields {
                let cells: Vec<Option<&Value>> = records
                    .iter()
                    .map(|r| {
                        r.and_then(|cells| {
                            cells
                                .iter()
                                .find(|(n, _)| n == &f.name)
                                .and_then(|(_, v)| unwrap_union(v))
                        })
                    })
                    .collect();
                children.push(values_to_array(&cells, &f.data_type)?);
            }
            let arrow_fields = fields.iter().map(arrow_field).collect();
            if fields.is_empty() {
                return Ok(Arc::new(StructArray::new_empty_fields(
                    values.len(),
                    Some(NullBuffer::from(valid)),
                )));
            }
            Ok(Arc::new(
                StructArray::try_new(arrow_fields, children, Some(NullBuffer::from(valid)))
                    .map_err(crate::arrow_convert::arrow_err("reading Avro"))?,
            ))
        }
        _ => {
            let datums = values
                .iter()
                .map(|v| match v {
                    None => Ok(Datum::Null),
                    Some(v) => value_datum(v, ty),
                })
                .collect::<Result<Vec<_>>>()?;
            datums_to_array(ty, &datums)
        }
    }
}
