//! The single mapping between Paimon types and Arrow types (and single values in and out of
//! Arrow arrays). Every other crate goes through here.
//!
//! | Paimon | Arrow (canonical) |
//! |---|---|
//! | BOOLEAN / TINYINT / SMALLINT / INT / BIGINT | Boolean / Int8 / Int16 / Int32 / Int64 |
//! | FLOAT / DOUBLE | Float32 / Float64 |
//! | DECIMAL(p, s) | Decimal128(p, s) |
//! | CHAR / VARCHAR / STRING | Utf8 |
//! | BINARY / VARBINARY / BYTES | Binary |
//! | DATE | Date32 |
//! | TIME(p) | Time32(Millisecond) |
//! | TIMESTAMP(p) | Timestamp(Millisecond if p ≤ 3, Microsecond if p ≤ 6, else Nanosecond; no zone) |
//! | TIMESTAMP(p) WITH LOCAL TIME ZONE | the same unit with zone "UTC" |
//! | ARRAY<T> | List (item field named `element`) |
//! | MAP<K, V> / MULTISET<T> | Map (entries `key_value` {`key` not null, `value`}); MULTISET = MAP<T, INT NOT NULL> |
//! | ROW<…> | Struct |
//!
//! Nullability of the Arrow field follows the Paimon type.
//!
//! VARIANT and BLOB are recognised by the schema layer but hold no data here; they map to Binary
//! so that a schema can still be described, and every value conversion refuses them.
//!
//! Values flow in two directions: [`datum_at`] reads one cell as a [`Datum`] (partition values,
//! keys, statistics), [`datums_to_array`] builds an array from a few datums (literals, partition
//! columns). Bulk data never goes through `Datum`. [`cast_to`] (implemented in `cast.rs`)
//! normalises whatever a file reader produced into the canonical type.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, Time32MillisecondType, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType,
};
use arrow_array::{
    make_array, Array, ArrayRef, BinaryArray, BooleanArray, PrimitiveArray, StringArray,
};
use arrow_schema::{
    ArrowError, DataType as ArrowType, Field, FieldRef, Fields, Schema, SchemaRef, TimeUnit,
};
use strata_spec::{DataField, DataType, Datum, TypeKind};

use crate::error::{Error, Result};

/// Name of the item field of a list (Parquet's `element`, as Java writes it).
pub const LIST_ELEMENT: &str = "element";
/// Name of the entries field of a map (Parquet's `key_value`).
pub const MAP_ENTRIES: &str = "key_value";
/// Name of the key field of map entries.
pub const MAP_KEY: &str = "key";
/// Name of the value field of map entries.
pub const MAP_VALUE: &str = "value";
/// Zone of the Arrow type of TIMESTAMP WITH LOCAL TIME ZONE.
pub const UTC: &str = "UTC";

/// The Arrow time unit holding a TIMESTAMP of the given precision.
pub fn timestamp_unit(precision: u8) -> TimeUnit {
    if precision <= 3 {
        TimeUnit::Millisecond
    } else if precision <= 6 {
        TimeUnit::Microsecond
    } else {
        TimeUnit::Nanosecond
    }
}

/// The canonical Arrow type of a Paimon type.
pub fn arrow_type(ty: &DataType) -> ArrowType {
    match &ty.kind {
        TypeKind::Boolean => ArrowType::Boolean,
        TypeKind::TinyInt => ArrowType::Int8,
        TypeKind::SmallInt => ArrowType::Int16,
        TypeKind::Int => ArrowType::Int32,
        TypeKind::BigInt => ArrowType::Int64,
        TypeKind::Float => ArrowType::Float32,
        TypeKind::Double => ArrowType::Float64,
        TypeKind::Decimal { precision, scale } => ArrowType::Decimal128(*precision, *scale as i8),
        TypeKind::Char(_) | TypeKind::VarChar(_) => ArrowType::Utf8,
        TypeKind::Binary(_) | TypeKind::VarBinary(_) => ArrowType::Binary,
        TypeKind::Variant | TypeKind::Blob => ArrowType::Binary,
        TypeKind::Date => ArrowType::Date32,
        TypeKind::Time(_) => ArrowType::Time32(TimeUnit::Millisecond),
        TypeKind::Timestamp(p) => ArrowType::Timestamp(timestamp_unit(*p), None),
        TypeKind::LocalZonedTimestamp(p) => {
            ArrowType::Timestamp(timestamp_unit(*p), Some(UTC.into()))
        }
        TypeKind::Array(element) => ArrowType::List(Arc::new(Field::new(
            LIST_ELEMENT,
            arrow_type(element),
            element.nullable,
        ))),
        TypeKind::Map(key, value) => map_type(key, value),
        TypeKind::Multiset(element) => map_type(element, &multiset_count_type()),
        TypeKind::Row(fields) => {
            ArrowType::Struct(fields.iter().map(arrow_field).collect::<Fields>())
        }
    }
}

/// The value type of a MULTISET's map: `INT NOT NULL`.
pub(crate) fn multiset_count_type() -> DataType {
    DataType::not_null(TypeKind::Int)
}

/// The entries field of the canonical map type (`key_value` {`key` not null, `value`}).
pub(crate) fn map_entries_field(key: &DataType, value: &DataType) -> FieldRef {
    Arc::new(Field::new(
        MAP_ENTRIES,
        ArrowType::Struct(Fields::from(vec![
            Field::new(MAP_KEY, arrow_type(key), false),
            Field::new(MAP_VALUE, arrow_type(value), value.nullable),
        ])),
        false,
    ))
}

fn map_type(key: &DataType, value: &DataType) -> ArrowType {
    ArrowType::Map(map_entries_field(key, value), false)
}

/// An Arrow field for a Paimon field: same name, canonical type, nullability of the type.
pub fn arrow_field(field: &DataField) -> Field {
    Field::new(
        field.name.clone(),
        arrow_type(&field.data_type),
        field.data_type.nullable,
    )
}

/// An Arrow schema for a list of Paimon fields.
pub fn arrow_schema(fields: &[DataField]) -> SchemaRef {
    Arc::new(Schema::new(
        fields.iter().map(arrow_field).collect::<Vec<_>>(),
    ))
}

/// A Paimon type for an Arrow type (used when a file's schema must be described, e.g. the
/// `strata write` input inference). Errors for Arrow types Paimon cannot hold.
///
/// # Errors
/// [`crate::Error::Unsupported`] for Arrow types without a Paimon counterpart.
pub fn paimon_type(ty: &ArrowType, nullable: bool) -> Result<DataType> {
    let kind = match ty {
        ArrowType::Boolean => TypeKind::Boolean,
        ArrowType::Int8 => TypeKind::TinyInt,
        ArrowType::Int16 | ArrowType::UInt8 => TypeKind::SmallInt,
        ArrowType::Int32 | ArrowType::UInt16 => TypeKind::Int,
        ArrowType::Int64 | ArrowType::UInt32 => TypeKind::BigInt,
        ArrowType::Float16 | ArrowType::Float32 => TypeKind::Float,
        ArrowType::Float64 => TypeKind::Double,
        ArrowType::Decimal32(p, s)
        | ArrowType::Decimal64(p, s)
        | ArrowType::Decimal128(p, s)
        | ArrowType::Decimal256(p, s)
            if (1..=38).contains(p) && *s >= 0 && (*s as u8) <= *p =>
        {
            TypeKind::Decimal {
                precision: *p,
                scale: *s as u8,
            }
        }
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => {
            TypeKind::VarChar(strata_spec::types::MAX_VAR_LEN)
        }
        ArrowType::Binary | ArrowType::LargeBinary | ArrowType::BinaryView => {
            TypeKind::VarBinary(strata_spec::types::MAX_VAR_LEN)
        }
        ArrowType::FixedSizeBinary(n) if *n > 0 => TypeKind::Binary(*n as u32),
        ArrowType::Date32 | ArrowType::Date64 => TypeKind::Date,
        ArrowType::Time32(TimeUnit::Second) => TypeKind::Time(0),
        ArrowType::Time32(_) => TypeKind::Time(3),
        ArrowType::Time64(TimeUnit::Microsecond) => TypeKind::Time(6),
        ArrowType::Time64(_) => TypeKind::Time(9),
        ArrowType::Timestamp(unit, tz) => {
            let p = match unit {
                TimeUnit::Second => 0,
                TimeUnit::Millisecond => 3,
                TimeUnit::Microsecond => 6,
                TimeUnit::Nanosecond => 9,
            };
            if tz.is_some() {
                TypeKind::LocalZonedTimestamp(p)
            } else {
                TypeKind::Timestamp(p)
            }
        }
        ArrowType::List(f)
        | ArrowType::LargeList(f)
        | ArrowType::ListView(f)
        | ArrowType::LargeListView(f)
        | ArrowType::FixedSizeList(f, _) => {
            TypeKind::Array(Box::new(paimon_type(f.data_type(), f.is_nullable())?))
        }
        ArrowType::Map(entries, _) => match entries.data_type() {
            ArrowType::Struct(children) if children.len() == 2 => TypeKind::Map(
                Box::new(paimon_type(children[0].data_type(), false)?),
                Box::new(paimon_type(
                    children[1].data_type(),
                    children[1].is_nullable(),
                )?),
            ),
            other => {
                return Err(unsupported(format!(
                    "a map whose entries are {other} (Arrow)"
                )))
            }
        },
        ArrowType::Struct(children) => TypeKind::Row(
            children
                .iter()
                .map(|c| {
                    Ok(DataField::new(
                        -1,
                        c.name().clone(),
                        paimon_type(c.data_type(), c.is_nullable())?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        ArrowType::Dictionary(_, value) => return paimon_type(value, nullable),
        ArrowType::RunEndEncoded(_, value) => return paimon_type(value.data_type(), nullable),
        other => {
            return Err(unsupported(format!(
                "the Arrow type {other} (no Paimon counterpart)"
            )))
        }
    };
    Ok(DataType { kind, nullable })
}

pub(crate) fn unsupported(feature: impl Into<String>) -> Error {
    Error::Unsupported {
        feature: feature.into(),
    }
}

/// An [`Error::Arrow`] for a value or array that does not fit what the caller declared.
pub(crate) fn invalid(context: &str, message: impl Into<String>) -> Error {
    Error::Arrow {
        context: context.to_string(),
        source: ArrowError::InvalidArgumentError(message.into()),
    }
}

/// Wraps an Arrow error with what we were doing.
pub(crate) fn arrow_err(context: impl Into<String>) -> impl FnOnce(ArrowError) -> Error {
    let context = context.into();
    move |source| Error::Arrow { context, source }
}

/// The value at `row` of an array of the canonical Arrow type of `ty` (atomic types only).
///
/// # Errors
/// [`crate::Error::Unsupported`] for nested types; an error when the array type does not match.
pub fn datum_at(array: &dyn Array, row: usize, ty: &DataType) -> Result<Datum> {
    if ty.is_nested() || matches!(ty.kind, TypeKind::Variant | TypeKind::Blob) {
        return Err(unsupported(format!("a single value of type {ty}")));
    }
    if row >= array.len() {
        return Err(invalid(
            "datum_at",
            format!(
                "row {row} is out of range of an array of {} rows",
                array.len()
            ),
        ));
    }
    if array.is_null(row) {
        return Ok(Datum::Null);
    }
    let target = arrow_type(ty);
    if array.data_type() != &target {
        // A non-canonical representation (dictionary, other unit, ...): cast the one cell.
        let cell = make_array(array.to_data().slice(row, 1));
        let cast = crate::cast::cast_array(&cell, ty)?;
        if cast.data_type() != &target {
            return Err(invalid(
                "datum_at",
                format!("{} is not the Arrow type of {ty}", cast.data_type()),
            ));
        }
        return datum_at(cast.as_ref(), 0, ty);
    }
    let mismatch = || {
        invalid(
            "datum_at",
            format!("{} is not the Arrow type of {ty}", array.data_type()),
        )
    };
    Ok(match &ty.kind {
        TypeKind::Boolean => {
            Datum::Boolean(array.as_boolean_opt().ok_or_else(mismatch)?.value(row))
        }
        TypeKind::TinyInt => {
            Datum::TinyInt(prim::<Int8Type>(array).ok_or_else(mismatch)?.value(row))
        }
        TypeKind::SmallInt => {
            Datum::SmallInt(prim::<Int16Type>(array).ok_or_else(mismatch)?.value(row))
        }
        TypeKind::Int => Datum::Int(prim::<Int32Type>(array).ok_or_else(mismatch)?.value(row)),
        TypeKind::BigInt => {
            Datum::BigInt(prim::<Int64Type>(array).ok_or_else(mismatch)?.value(row))
        }
        TypeKind::Float => {
            Datum::Float(prim::<Float32Type>(array).ok_or_else(mismatch)?.value(row))
        }
        TypeKind::Double => {
            Datum::Double(prim::<Float64Type>(array).ok_or_else(mismatch)?.value(row))
        }
        TypeKind::Decimal { scale, .. } => Datum::Decimal {
            unscaled: prim::<Decimal128Type>(array)
                .ok_or_else(mismatch)?
                .value(row),
            scale: *scale,
        },
        TypeKind::Char(_) | TypeKind::VarChar(_) => Datum::String(
            array
                .as_string_opt::<i32>()
                .ok_or_else(mismatch)?
                .value(row)
                .to_string(),
        ),
        TypeKind::Binary(_) | TypeKind::VarBinary(_) => Datum::Bytes(
            array
                .as_binary_opt::<i32>()
                .ok_or_else(mismatch)?
                .value(row)
                .to_vec(),
        ),
        TypeKind::Date => Datum::Date(prim::<Date32Type>(array).ok_or_else(mismatch)?.value(row)),
        TypeKind::Time(_) => Datum::Time(
            prim::<Time32MillisecondType>(array)
                .ok_or_else(mismatch)?
                .value(row),
        ),
        TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => {
            let unit = timestamp_unit(*p);
            let v = match unit {
                TimeUnit::Millisecond => {
                    prim::<TimestampMillisecondType>(array).map(|a| a.value(row))
                }
                TimeUnit::Microsecond => {
                    prim::<TimestampMicrosecondType>(array).map(|a| a.value(row))
                }
                _ => prim::<TimestampNanosecondType>(array).map(|a| a.value(row)),
            }
            .ok_or_else(mismatch)?;
            timestamp_datum(v, unit)
        }
        TypeKind::Variant
        | TypeKind::Blob
        | TypeKind::Array(_)
        | TypeKind::Map(..)
        | TypeKind::Multiset(_)
        | TypeKind::Row(_) => return Err(unsupported(format!("a single value of type {ty}"))),
    })
}

fn prim<T: arrow_array::ArrowPrimitiveType>(array: &dyn Array) -> Option<&PrimitiveArray<T>> {
    array.as_primitive_opt::<T>()
}

/// A timestamp datum of a value counted in `unit` since the epoch.
pub(crate) fn timestamp_datum(v: i64, unit: TimeUnit) -> Datum {
    let nanos: i128 = match unit {
        TimeUnit::Second => v as i128 * 1_000_000_000,
        TimeUnit::Millisecond => v as i128 * 1_000_000,
        TimeUnit::Microsecond => v as i128 * 1_000,
        TimeUnit::Nanosecond => v as i128,
    };
    Datum::timestamp_from_nanos(nanos)
}

/// A timestamp datum counted in `unit` (rounded towards negative infinity), if it fits an i64.
pub(crate) fn timestamp_in_unit(datum: &Datum, unit: TimeUnit) -> Option<i64> {
    let nanos = datum.timestamp_nanos()?;
    let per = match unit {
        TimeUnit::Second => 1_000_000_000i128,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    };
    i64::try_from(nanos.div_euclid(per)).ok()
}

/// An array of `ty`'s canonical Arrow type holding `values` (atomic types; nulls allowed).
///
/// # Errors
/// When a value does not match the type.
pub fn datums_to_array(ty: &DataType, values: &[Datum]) -> Result<ArrayRef> {
    let bad = |d: &Datum| invalid("datums_to_array", format!("{d:?} is not a value of {ty}"));
    fn int<T: TryFrom<i64>>(d: &Datum) -> Option<T> {
        d.as_i64().and_then(|v| T::try_from(v).ok())
    }
    macro_rules! collect {
        ($conv:expr) => {
            values
                .iter()
                .map(|d| {
                    if d.is_null() {
                        Ok(None)
                    } else {
                        #[allow(clippy::redundant_closure_call)]
                        ($conv)(d).map(Some).ok_or_else(|| bad(d))
                    }
                })
                .collect::<Result<Vec<_>>>()?
        };
    }
    let array: ArrayRef = match &ty.kind {
        TypeKind::Boolean => Arc::new(BooleanArray::from(collect!(|d: &Datum| match d {
            Datum::Boolean(b) => Some(*b),
            _ => None,
        }))),
        TypeKind::TinyInt => Arc::new(PrimitiveArray::<Int8Type>::from(collect!(int::<i8>))),
        TypeKind::SmallInt => Arc::new(PrimitiveArray::<Int16Type>::from(collect!(int::<i16>))),
        TypeKind::Int => Arc::new(PrimitiveArray::<Int32Type>::from(collect!(
            |d: &Datum| match d {
                Datum::Date(_) | Datum::Time(_) => None,
                other => int::<i32>(other),
            }
        ))),
        TypeKind::BigInt => Arc::new(PrimitiveArray::<Int64Type>::from(collect!(
            |d: &Datum| match d {
                Datum::Date(_) | Datum::Time(_) => None,
                other => other.as_i64(),
            }
        ))),
        TypeKind::Float => Arc::new(PrimitiveArray::<Float32Type>::from(collect!(
            |d: &Datum| match d {
                Datum::Float(v) => Some(*v),
                _ => None,
            }
        ))),
        TypeKind::Double => Arc::new(PrimitiveArray::<Float64Type>::from(collect!(
            |d: &Datum| match d {
                Datum::Double(v) => Some(*v),
                Datum::Float(v) => Some(*v as f64),
                _ => None,
            }
        ))),
        TypeKind::Decimal { precision, scale } => {
            let target_scale = *scale;
            let array = PrimitiveArray::<Decimal128Type>::from(collect!(|d: &Datum| match d {
                Datum::Decimal { unscaled, scale } if *scale <= target_scale => 10i128
                    .checked_pow((target_scale - *scale) as u32)
                    .and_then(|f| unscaled.checked_mul(f)),
                Datum::TinyInt(_) | Datum::SmallInt(_) | Datum::Int(_) | Datum::BigInt(_) =>
                    d.as_i64().and_then(
                        |v| (v as i128).checked_mul(10i128.checked_pow(target_scale as u32)?)
                    ),
                _ => None,
            }))
            .with_precision_and_scale(*precision, *scale as i8)
            .map_err(arrow_err("datums_to_array"))?;
            array
                .validate_decimal_precision(*precision)
                .map_err(arrow_err(format!(
                    "datums_to_array: a value does not fit {ty}"
                )))?;
            Arc::new(array)
        }
        TypeKind::Char(_) | TypeKind::VarChar(_) => {
            fn text(d: &Datum) -> Option<&str> {
                match d {
                    Datum::String(s) => Some(s.as_str()),
                    _ => None,
                }
            }
            let strings: Vec<Option<&str>> = collect!(text);
            Arc::new(StringArray::from(strings))
        }
        TypeKind::Binary(_) | TypeKind::VarBinary(_) => {
            fn bytes(d: &Datum) -> Option<&[u8]> {
                match d {
                    Datum::Bytes(b) => Some(b.as_slice()),
                    Datum::String(s) => Some(s.as_bytes()),
                    _ => None,
                }
            }
            let bytes: Vec<Option<&[u8]>> = collect!(bytes);
            Arc::new(BinaryArray::from(bytes))
        }
        TypeKind::Date => Arc::new(PrimitiveArray::<Date32Type>::from(collect!(
            |d: &Datum| match d {
                Datum::Date(v) => Some(*v),
                _ => None,
            }
        ))),
        TypeKind::Time(_) => Arc::new(PrimitiveArray::<Time32MillisecondType>::from(collect!(
            |d: &Datum| match d {
                Datum::Time(v) => Some(*v),
                _ => None,
            }
        ))),
        TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => {
            let unit = timestamp_unit(*p);
            let vals: Vec<Option<i64>> = collect!(|d: &Datum| timestamp_in_unit(d, unit));
            let tz: Option<Arc<str>> = match ty.kind {
                TypeKind::LocalZonedTimestamp(_) => Some(UTC.into()),
                _ => None,
            };
            match unit {
                TimeUnit::Millisecond => Arc::new(
                    PrimitiveArray::<TimestampMillisecondType>::from(vals).with_timezone_opt(tz),
                ),
                TimeUnit::Microsecond => Arc::new(
                    PrimitiveArray::<TimestampMicrosecondType>::from(vals).with_timezone_opt(tz),
                ),
                _ => Arc::new(
                    PrimitiveArray::<TimestampNanosecondType>::from(vals).with_timezone_opt(tz),
                ),
            }
        }
        TypeKind::Variant
        | TypeKind::Blob
        | TypeKind::Array(_)
        | TypeKind::Map(..)
        | TypeKind::Multiset(_)
        | TypeKind::Row(_) => {
            return Err(unsupported(format!(
                "building an array of {ty} from values"
            )))
        }
    };
    Ok(array)
}

/// Casts an array read from a file (any Arrow representation of the same Paimon type, or of an
/// older type of the column after schema evolution) to the canonical Arrow type of `ty`:
/// dictionary → plain, Utf8View/LargeUtf8 → Utf8, INT96/other timestamp units → the unit of the
/// precision, fixed-size binary → Binary, widening casts (INT → BIGINT, FLOAT → DOUBLE, …), and
/// nested types recursively (renaming list/map/struct children to the canonical names).
///
/// # Errors
/// [`crate::Error::Unsupported`] when no lossless conversion exists.
pub fn cast_to(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    crate::cast::cast_array(array, ty)
}

/// Removes the trailing spaces that ORC stores after CHAR(n) values (Java returns `"ab"` for a
/// CHAR(5) holding `'ab'`), also inside nested types. `array` must have the canonical Arrow type
/// of `ty`; arrays without CHAR columns come back unchanged (no copy).
///
/// # Errors
/// When the array does not have the canonical type of `ty`.
pub fn trim_char_padding(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    crate::cast::trim_char(array, ty)
}

/// Helper for callers that keep `FieldRef`s.
pub fn arrow_field_ref(field: &DataField) -> FieldRef {
    std::sync::Arc::new(arrow_field(field))
}

/// An empty schema (zero columns).
pub fn empty_schema() -> SchemaRef {
    std::sync::Arc::new(Schema::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DataType {
        DataType::parse(s).unwrap()
    }

    #[test]
    fn mapping_table() {
        assert_eq!(arrow_type(&t("TINYINT")), ArrowType::Int8);
        assert_eq!(
            arrow_type(&t("DECIMAL(30, 6)")),
            ArrowType::Decimal128(30, 6)
        );
        assert_eq!(arrow_type(&t("CHAR(5)")), ArrowType::Utf8);
        assert_eq!(arrow_type(&t("BINARY(3)")), ArrowType::Binary);
        assert_eq!(
            arrow_type(&t("TIME(3)")),
            ArrowType::Time32(TimeUnit::Millisecond)
        );
        assert_eq!(
            arrow_type(&t("TIMESTAMP(0)")),
            ArrowType::Timestamp(TimeUnit::Millisecond, None)
        );
        assert_eq!(
            arrow_type(&t("TIMESTAMP(6)")),
            ArrowType::Timestamp(TimeUnit::Microsecond, None)
        );
        assert_eq!(
            arrow_type(&t("TIMESTAMP(9) WITH LOCAL TIME ZONE")),
            ArrowType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
        );
        let list = arrow_type(&t("ARRAY<INT NOT NULL>"));
        match &list {
            ArrowType::List(f) => {
                assert_eq!(f.name(), "element");
                assert!(!f.is_nullable());
            }
            other => panic!("{other}"),
        }
        let map = arrow_type(&t("MAP<STRING, BIGINT>"));
        match &map {
            ArrowType::Map(entries, false) => {
                assert_eq!(entries.name(), "key_value");
                assert!(!entries.is_nullable());
                let ArrowType::Struct(kv) = entries.data_type() else {
                    panic!()
                };
                assert_eq!(kv[0].name(), "key");
                assert!(!kv[0].is_nullable());
                assert_eq!(kv[1].name(), "value");
                assert!(kv[1].is_nullable());
            }
            other => panic!("{other}"),
        }
        let ms = arrow_type(&t("MULTISET<STRING>"));
        let ArrowType::Map(entries, _) = ms else {
            panic!()
        };
        let ArrowType::Struct(kv) = entries.data_type() else {
            panic!()
        };
        assert_eq!(kv[1].data_type(), &ArrowType::Int32);
        assert!(!kv[1].is_nullable());
        let f = arrow_field(&DataField::new(0, "x", t("INT NOT NULL")));
        assert!(!f.is_nullable());
    }

    #[test]
    fn paimon_type_round_trips_canonical_types() {
        for s in [
            "BOOLEAN",
            "TINYINT NOT NULL",
            "SMALLINT",
            "INT",
            "BIGINT",
            "FLOAT",
            "DOUBLE",
            "DECIMAL(5, 2)",
            "DECIMAL(38, 10)",
            "STRING",
            "BYTES",
            "DATE",
            "TIME(3)",
            "TIMESTAMP(3)",
            "TIMESTAMP(6)",
            "TIMESTAMP(9)",
            "TIMESTAMP(6) WITH LOCAL TIME ZONE",
            "ARRAY<INT NOT NULL>",
            "MAP<STRING NOT NULL, BIGINT>",
        ] {
            let ty = t(s);
            let back = paimon_type(&arrow_type(&ty), ty.nullable).unwrap();
            assert_eq!(back, ty, "{s}");
        }
        assert!(matches!(
            paimon_type(&ArrowType::UInt64, true),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn datums_round_trip() {
        let cases: Vec<(&str, Vec<Datum>)> = vec![
            ("BOOLEAN", vec![Datum::Boolean(true), Datum::Null]),
            ("TINYINT", vec![Datum::TinyInt(-128), Datum::Null]),
            ("SMALLINT", vec![Datum::SmallInt(300)]),
            ("INT", vec![Datum::Int(i32::MIN), Datum::Null]),
            ("BIGINT", vec![Datum::BigInt(i64::MAX)]),
            (
                "FLOAT",
                vec![Datum::Float(1.5), Datum::Float(f32::NEG_INFINITY)],
            ),
            ("DOUBLE", vec![Datum::Double(-0.5)]),
            (
                "DECIMAL(30, 6)",
                vec![Datum::Decimal {
                    unscaled: 123456789012345678901234567891,
                    scale: 6,
                }],
            ),
            ("STRING", vec![Datum::String("é✓".into()), Datum::Null]),
            ("BYTES", vec![Datum::Bytes(vec![0, 255])]),
            ("DATE", vec![Datum::Date(-1)]),
            ("TIME(3)", vec![Datum::Time(86_399_999)]),
            (
                "TIMESTAMP(9)",
                vec![Datum::Timestamp {
                    millis: -1,
                    nanos_of_milli: 999_999,
                }],
            ),
            (
                "TIMESTAMP(6) WITH LOCAL TIME ZONE",
                vec![Datum::Timestamp {
                    millis: 1_704_164_645_123,
                    nanos_of_milli: 456_000,
                }],
            ),
            (
                "TIMESTAMP(3)",
                vec![Datum::Timestamp {
                    millis: -2_208_988_800_000,
                    nanos_of_milli: 0,
                }],
            ),
        ];
        for (s, values) in cases {
            let ty = t(s);
            let array = datums_to_array(&ty, &values).unwrap();
            assert_eq!(array.data_type(), &arrow_type(&ty), "{s}");
            for (i, v) in values.iter().enumerate() {
                assert_eq!(&datum_at(array.as_ref(), i, &ty).unwrap(), v, "{s}");
            }
        }
        assert!(datums_to_array(&t("INT"), &[Datum::String("x".into())]).is_err());
        assert!(datums_to_array(
            &t("DECIMAL(3, 0)"),
            &[Datum::Decimal {
                unscaled: 1000,
                scale: 0
            }]
        )
        .is_err());
        assert!(datums_to_array(&t("TINYINT"), &[Datum::Int(300)]).is_err());
        assert!(matches!(
            datums_to_array(&t("ARRAY<INT>"), &[]),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn datum_at_reads_non_canonical_arrays() {
        use arrow_array::{DictionaryArray, TimestampNanosecondArray};
        let dict: DictionaryArray<Int32Type> = vec!["b", "a", "b"].into_iter().collect();
        let array: ArrayRef = Arc::new(dict);
        assert_eq!(
            datum_at(array.as_ref(), 2, &t("STRING")).unwrap(),
            Datum::String("b".into())
        );
        let ns: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![1_500_000_123]));
        assert_eq!(
            datum_at(ns.as_ref(), 0, &t("TIMESTAMP(6)")).unwrap(),
            Datum::Timestamp {
                millis: 1500,
                nanos_of_milli: 0
            }
        );
        assert!(datum_at(ns.as_ref(), 5, &t("TIMESTAMP(6)")).is_err());
    }
}
