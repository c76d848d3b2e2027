//! Normalising arrays produced by file readers into the canonical Arrow type of a Paimon type
//! (the implementation of [`crate::arrow_convert::cast_to`]).
//!
//! A column can arrive in many shapes: dictionary-encoded, as views or large offsets, with a
//! timestamp unit chosen by the file format (Parquet INT96 → nanoseconds, ORC → nanoseconds),
//! decimals of another width, TIME as plain integers, fixed-size binaries, nested types whose
//! children carry the format's names (`item`, `entries`, `keys`, …), or as the *older* type of a
//! column after schema evolution. [`cast_array`] dispatches on the target Paimon type and accepts
//! every source that converts without loss (plus Java's "any atomic type → STRING"); anything
//! else is [`crate::Error::Unsupported`]. Arrays that already have the canonical type are
//! returned as-is (an `Arc` clone, no copy).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int32Type, Int64Type,
    Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_array::{
    new_null_array, Array, ArrayRef, GenericStringArray, ListArray, MapArray, PrimitiveArray,
    StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_cast::cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType as ArrowType, Field, FieldRef, Fields, TimeUnit};
use strata_spec::datum::format_decimal;
use strata_spec::time::{format_date, format_time_millis, format_timestamp};
use strata_spec::{DataType, TypeKind};

use crate::arrow_convert::{
    arrow_err, arrow_type, map_entries_field, multiset_count_type, timestamp_unit, unsupported,
    LIST_ELEMENT,
};
use crate::error::{Error, Result};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Arrow's casts with overflow reported as an error instead of a silent null.
fn strict() -> CastOptions<'static> {
    CastOptions {
        safe: false,
        ..Default::default()
    }
}

fn arrow_cast(array: &ArrayRef, to: &ArrowType, ty: &DataType) -> Result<ArrayRef> {
    cast_with_options(array, to, &strict()).map_err(arrow_err(format!(
        "converting {} to {ty}",
        array.data_type()
    )))
}

fn no_conversion(array: &ArrayRef, ty: &DataType) -> Error {
    unsupported(format!(
        "reading a column stored as {} as {ty}",
        array.data_type()
    ))
}

/// See [`crate::arrow_convert::cast_to`].
pub(crate) fn cast_array(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    let target = arrow_type(ty);
    if array.data_type() == &target {
        return Ok(array.clone());
    }
    match array.data_type() {
        ArrowType::Null => return Ok(new_null_array(&target, array.len())),
        ArrowType::Dictionary(_, value) => {
            let plain = arrow_cast(array, value, ty)?;
            return cast_array(&plain, ty);
        }
        ArrowType::RunEndEncoded(_, value) => {
            let plain = arrow_cast(array, value.data_type(), ty)?;
            return cast_array(&plain, ty);
        }
        _ => {}
    }
    match &ty.kind {
        TypeKind::Boolean => Err(no_conversion(array, ty)),
        TypeKind::TinyInt | TypeKind::SmallInt | TypeKind::Int | TypeKind::BigInt => {
            if is_integer(array.data_type()) {
                arrow_cast(array, &target, ty)
            } else {
                Err(no_conversion(array, ty))
            }
        }
        TypeKind::Float => match array.data_type() {
            ArrowType::Float16 => arrow_cast(array, &target, ty),
            t if is_integer(t) => arrow_cast(array, &target, ty),
            _ => Err(no_conversion(array, ty)),
        },
        TypeKind::Double => match array.data_type() {
            ArrowType::Float16 | ArrowType::Float32 => arrow_cast(array, &target, ty),
            t if is_integer(t) || is_decimal(t) => arrow_cast(array, &target, ty),
            _ => Err(no_conversion(array, ty)),
        },
        TypeKind::Decimal { .. } => match array.data_type() {
            t if is_integer(t) || is_decimal(t) => arrow_cast(array, &target, ty),
            ArrowType::FixedSizeBinary(_) | ArrowType::Binary | ArrowType::LargeBinary => {
                let decoded = decimal_from_be_bytes(array)?;
                arrow_cast(&decoded, &target, ty)
            }
            _ => Err(no_conversion(array, ty)),
        },
        TypeKind::Char(_) | TypeKind::VarChar(_) => to_string(array, ty),
        TypeKind::Binary(_) | TypeKind::VarBinary(_) => match array.data_type() {
            ArrowType::LargeBinary
            | ArrowType::BinaryView
            | ArrowType::FixedSizeBinary(_)
            | ArrowType::Utf8
            | ArrowType::LargeUtf8
            | ArrowType::Utf8View => arrow_cast(array, &target, ty),
            _ => Err(no_conversion(array, ty)),
        },
        TypeKind::Date => match array.data_type() {
            ArrowType::Int32 => reinterpret::<Int32Type, Date32Type>(array),
            ArrowType::Date64 => {
                let a = array.as_primitive::<Date64Type>();
                let out: PrimitiveArray<Date32Type> = a
                    .try_unary(|ms| i32::try_from(ms.div_euclid(MILLIS_PER_DAY)).map_err(|_| ()))
                    .map_err(|_| overflow(array, ty))?;
                Ok(Arc::new(out))
            }
            _ => Err(no_conversion(array, ty)),
        },
        TypeKind::Time(_) => to_time_millis(array, ty),
        TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => {
            let tz = match &target {
                ArrowType::Timestamp(_, tz) => tz.clone(),
                _ => None,
            };
            to_timestamp(array, timestamp_unit(*p), tz, ty)
        }
        TypeKind::Array(element) => cast_list(array, element, ty),
        TypeKind::Map(key, value) => cast_map(array, key, value, ty),
        TypeKind::Multiset(element) => cast_map(array, element, &multiset_count_type(), ty),
        TypeKind::Row(fields) => cast_struct(array, fields, ty),
        TypeKind::Variant | TypeKind::Blob => Err(no_conversion(array, ty)),
    }
}

fn overflow(array: &ArrayRef, ty: &DataType) -> Error {
    crate::arrow_convert::invalid(
        "cast",
        format!(
            "a value of the {} column does not fit {ty}",
            array.data_type()
        ),
    )
}

fn is_integer(t: &ArrowType) -> bool {
    matches!(
        t,
        ArrowType::Int8
            | ArrowType::Int16
            | ArrowType::Int32
            | ArrowType::Int64
            | ArrowType::UInt8
            | ArrowType::UInt16
            | ArrowType::UInt32
            | ArrowType::UInt64
    )
}

fn is_decimal(t: &ArrowType) -> bool {
    matches!(
        t,
        ArrowType::Decimal32(..)
            | ArrowType::Decimal64(..)
            | ArrowType::Decimal128(..)
            | ArrowType::Decimal256(..)
    )
}

fn reinterpret<A, B>(array: &ArrayRef) -> Result<ArrayRef>
where
    A: arrow_array::ArrowPrimitiveType,
    B: arrow_array::ArrowPrimitiveType<Native = A::Native>,
{
    let a = array.as_primitive::<A>();
    Ok(Arc::new(a.reinterpret_cast::<B>()))
}

/// Big-endian two's complement bytes (Parquet/Avro decimal storage) → Decimal128(38, 0) of the
/// unscaled values; the caller relabels precision and scale.
fn decimal_from_be_bytes(array: &ArrayRef) -> Result<ArrayRef> {
    let binary = cast_with_options(array, &ArrowType::Binary, &strict())
        .map_err(arrow_err("decoding decimal bytes"))?;
    let b = binary.as_binary::<i32>();
    let mut out = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        if b.is_null(i) {
            out.push(None);
            continue;
        }
        let bytes = b.value(i);
        if bytes.len() > 16 {
            return Err(crate::arrow_convert::invalid(
                "decoding decimal bytes",
                format!("a decimal of {} bytes does not fit 128 bits", bytes.len()),
            ));
        }
        let mut v: i128 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
            -1
        } else {
            0
        };
        for byte in bytes {
            v = (v << 8) | *byte as i128;
        }
        out.push(Some(v));
    }
    Ok(Arc::new(PrimitiveArray::<Decimal128Type>::from(out)))
}

fn to_time_millis(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    let scaled =
        |values: &PrimitiveArray<Int64Type>, per_milli: i64, mul: i64| -> Result<ArrayRef> {
            let out: PrimitiveArray<Time32MillisecondType> = values
                .try_unary(|v| {
                    let ms = if mul != 1 {
                        v.checked_mul(mul).ok_or(())?
                    } else {
                        v.div_euclid(per_milli)
                    };
                    i32::try_from(ms).map_err(|_| ())
                })
                .map_err(|_| overflow(array, ty))?;
            Ok(Arc::new(out))
        };
    match array.data_type() {
        ArrowType::Int32 => reinterpret::<Int32Type, Time32MillisecondType>(array),
        ArrowType::Int64 => scaled(array.as_primitive::<Int64Type>(), 1, 1),
        ArrowType::Time32(TimeUnit::Second) => {
            let a = array.as_primitive::<Time32SecondType>();
            scaled(&a.unary(|v| v as i64), 1, 1000)
        }
        ArrowType::Time64(TimeUnit::Microsecond) => scaled(
            &array
                .as_primitive::<Time64MicrosecondType>()
                .reinterpret_cast::<Int64Type>(),
            1000,
            1,
        ),
        ArrowType::Time64(TimeUnit::Nanosecond) => scaled(
            &array
                .as_primitive::<Time64NanosecondType>()
                .reinterpret_cast::<Int64Type>(),
            1_000_000,
            1,
        ),
        _ => Err(no_conversion(array, ty)),
    }
}

fn unit_per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// Timestamps of any unit and zone, DATE (midnight), or raw Int64 counted in the target unit →
/// the target unit (rounding towards negative infinity when precision drops) with the target
/// zone label. Zones are labels only: Paimon stores wall clock (TIMESTAMP) or UTC instants (LTZ),
/// so no value is shifted.
fn to_timestamp(
    array: &ArrayRef,
    unit: TimeUnit,
    tz: Option<Arc<str>>,
    ty: &DataType,
) -> Result<ArrayRef> {
    let (values, from): (PrimitiveArray<Int64Type>, TimeUnit) = match array.data_type() {
        ArrowType::Timestamp(from, _) => {
            let v = match from {
                TimeUnit::Second => array
                    .as_primitive::<TimestampSecondType>()
                    .reinterpret_cast::<Int64Type>(),
                TimeUnit::Millisecond => array
                    .as_primitive::<TimestampMillisecondType>()
                    .reinterpret_cast::<Int64Type>(),
                TimeUnit::Microsecond => array
                    .as_primitive::<TimestampMicrosecondType>()
                    .reinterpret_cast::<Int64Type>(),
                TimeUnit::Nanosecond => array
                    .as_primitive::<TimestampNanosecondType>()
                    .reinterpret_cast::<Int64Type>(),
            };
            (v, *from)
        }
        ArrowType::Int64 => (array.as_primitive::<Int64Type>().clone(), unit),
        ArrowType::Date32 => (
            array
                .as_primitive::<Date32Type>()
                .unary(|d| d as i64 * 86_400),
            TimeUnit::Second,
        ),
        ArrowType::Date64 => (
            array
                .as_primitive::<Date64Type>()
                .reinterpret_cast::<Int64Type>(),
            TimeUnit::Millisecond,
        ),
        _ => return Err(no_conversion(array, ty)),
    };
    let (src, dst) = (unit_per_second(from), unit_per_second(unit));
    let converted: PrimitiveArray<Int64Type> = if src == dst {
        values
    } else if dst > src {
        let factor = dst / src;
        values
            .try_unary(|v| v.checked_mul(factor).ok_or(()))
            .map_err(|_| overflow(array, ty))?
    } else {
        let factor = src / dst;
        values.unary(|v| v.div_euclid(factor))
    };
    Ok(match unit {
        TimeUnit::Second => Arc::new(
            converted
                .reinterpret_cast::<TimestampSecondType>()
                .with_timezone_opt(tz),
        ),
        TimeUnit::Millisecond => Arc::new(
            converted
                .reinterpret_cast::<TimestampMillisecondType>()
                .with_timezone_opt(tz),
        ),
        TimeUnit::Microsecond => Arc::new(
            converted
                .reinterpret_cast::<TimestampMicrosecondType>()
                .with_timezone_opt(tz),
        ),
        TimeUnit::Nanosecond => Arc::new(
            converted
                .reinterpret_cast::<TimestampNanosecondType>()
                .with_timezone_opt(tz),
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Anything → STRING

fn to_string(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    match array.data_type() {
        ArrowType::LargeUtf8 | ArrowType::Utf8View => arrow_cast(array, &ArrowType::Utf8, ty),
        ArrowType::Binary
        | ArrowType::LargeBinary
        | ArrowType::BinaryView
        | ArrowType::FixedSizeBinary(_) => {
            let b = arrow_cast(array, &ArrowType::Binary, ty)?;
            let b = b.as_binary::<i32>();
            Ok(Arc::new(
                b.iter()
                    .map(|v| v.map(|bytes| String::from_utf8_lossy(bytes).into_owned()))
                    .collect::<StringArray>(),
            ))
        }
        ArrowType::Boolean => {
            let a = array.as_boolean();
            Ok(Arc::new(
                a.iter()
                    .map(|v| v.map(|b| if b { "true" } else { "false" }))
                    .collect::<StringArray>(),
            ))
        }
        t if is_integer(t) => arrow_cast(array, &ArrowType::Utf8, ty),
        ArrowType::Float32 => {
            let a = array.as_primitive::<Float32Type>();
            Ok(Arc::new(
                a.iter()
                    .map(|v| v.map(|f| java_float_string(f as f64, format!("{:e}", f.abs()))))
                    .collect::<StringArray>(),
            ))
        }
        ArrowType::Float64 => {
            let a = array.as_primitive::<Float64Type>();
            Ok(Arc::new(
                a.iter()
                    .map(|v| v.map(|f| java_float_string(f, format!("{:e}", f.abs()))))
                    .collect::<StringArray>(),
            ))
        }
        t if is_decimal(t) => {
            let scale = match t {
                ArrowType::Decimal32(_, s)
                | ArrowType::Decimal64(_, s)
                | ArrowType::Decimal128(_, s)
                | ArrowType::Decimal256(_, s) => *s,
                _ => 0,
            };
            let wide = arrow_cast(array, &ArrowType::Decimal128(38, scale), ty)?;
            let a = wide.as_primitive::<Decimal128Type>();
            Ok(Arc::new(
                a.iter()
                    .map(|v| v.map(|u| format_decimal(u, scale.max(0) as u8)))
                    .collect::<StringArray>(),
            ))
        }
        ArrowType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            Ok(Arc::new(
                a.iter()
                    .map(|v| v.map(format_date))
                    .collect::<StringArray>(),
            ))
        }
        ArrowType::Time32(_) | ArrowType::Time64(_) => {
            let ms = to_time_millis(array, &DataType::nullable(TypeKind::Time(3)))?;
            let a = ms.as_primitive::<Time32MillisecondType>();
            Ok(Arc::new(
                a.iter()
                    .map(|v| v.map(|t| format_time_millis(t, if t % 1000 == 0 { 0 } else { 3 })))
                    .collect::<StringArray>(),
            ))
        }
        ArrowType::Timestamp(unit, _) => {
            let precision: u8 = match unit {
                TimeUnit::Second => 0,
                TimeUnit::Millisecond => 3,
                TimeUnit::Microsecond => 6,
                TimeUnit::Nanosecond => 9,
            };
            let nanos = to_timestamp(
                array,
                TimeUnit::Nanosecond,
                None,
                &DataType::nullable(TypeKind::Timestamp(9)),
            );
            // Nanoseconds overflow i64 outside 1677..2262: fall back to microseconds there.
            let (values, per_milli) = match nanos {
                Ok(a) => (a, 1_000_000i64),
                Err(_) => (
                    to_timestamp(
                        array,
                        TimeUnit::Microsecond,
                        None,
                        &DataType::nullable(TypeKind::Timestamp(6)),
                    )?,
                    1_000,
                ),
            };
            let a = values
                .as_primitive_opt::<TimestampNanosecondType>()
                .map(|a| a.reinterpret_cast::<Int64Type>())
                .or_else(|| {
                    values
                        .as_primitive_opt::<TimestampMicrosecondType>()
                        .map(|a| a.reinterpret_cast::<Int64Type>())
                })
                .ok_or_else(|| no_conversion(array, ty))?;
            Ok(Arc::new(
                a.iter()
                    .map(|v| {
                        v.map(|v| {
                            let millis = v.div_euclid(per_milli);
                            let sub = v.rem_euclid(per_milli) * (1_000_000 / per_milli);
                            format_timestamp(millis, sub as i32, precision, true)
                        })
                    })
                    .collect::<GenericStringArray<i32>>(),
            ))
        }
        _ => Err(no_conversion(array, ty)),
    }
}

/// Java's `Double.toString` / `Float.toString` from Rust's shortest round-trip digits
/// (`sci` is `format!("{:e}", v.abs())`): plain notation with at least one fraction digit for
/// 10⁻³ ≤ |v| < 10⁷, otherwise `d.dddE±n`.
pub(crate) fn java_float_string(v: f64, sci: String) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0.0");
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let abs = v.abs();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            let (int, frac) = if digits.len() > int_len {
                (digits[..int_len].to_string(), digits[int_len..].to_string())
            } else {
                (
                    format!("{digits}{}", "0".repeat(int_len - digits.len())),
                    "0".to_string(),
                )
            };
            format!("{sign}{int}.{frac}")
        } else {
            format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let rest = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{sign}{}.{rest}E{exp}", &digits[..1])
    }
}

// ---------------------------------------------------------------------------------------------
// Nested types

fn list_field(element: &DataType) -> FieldRef {
    Arc::new(Field::new(
        LIST_ELEMENT,
        arrow_type(element),
        element.nullable,
    ))
}

fn cast_list(array: &ArrayRef, element: &DataType, ty: &DataType) -> Result<ArrayRef> {
    let list = match array.data_type() {
        ArrowType::List(_) => array.clone(),
        ArrowType::LargeList(f) | ArrowType::FixedSizeList(f, _) | ArrowType::ListView(f) => {
            arrow_cast(array, &ArrowType::List(f.clone()), ty)?
        }
        _ => return Err(no_conversion(array, ty)),
    };
    let l = list.as_list::<i32>();
    let values = cast_array(l.values(), element)?;
    let out = ListArray::try_new(
        list_field(element),
        l.offsets().clone(),
        values,
        l.nulls().cloned(),
    )
    .map_err(arrow_err(format!("reading {ty}")))?;
    Ok(Arc::new(out))
}

fn cast_map(array: &ArrayRef, key: &DataType, value: &DataType, ty: &DataType) -> Result<ArrayRef> {
    // The entries as (offsets, struct of key and value, nulls): a Map, or a list of
    // two-field structs (legacy Parquet maps without annotation, Avro key/value arrays).
    let (offsets, entries, nulls): (OffsetBuffer<i32>, StructArray, Option<NullBuffer>) =
        match array.data_type() {
            ArrowType::Map(..) => {
                let m = array.as_map();
                (m.offsets().clone(), m.entries().clone(), m.nulls().cloned())
            }
            ArrowType::List(f) | ArrowType::LargeList(f) if matches!(f.data_type(), ArrowType::Struct(c) if c.len() == 2) =>
            {
                let list = arrow_cast(array, &ArrowType::List(f.clone()), ty)?;
                let l = list.as_list::<i32>();
                let entries = l
                    .values()
                    .as_struct_opt()
                    .ok_or_else(|| no_conversion(array, ty))?
                    .clone();
                (l.offsets().clone(), entries, l.nulls().cloned())
            }
            _ => return Err(no_conversion(array, ty)),
        };
    if entries.num_columns() != 2 {
        return Err(no_conversion(array, ty));
    }
    let keys = cast_array(entries.column(0), key)?;
    let values = cast_array(entries.column(1), value)?;
    let entries_field = map_entries_field(key, value);
    let ArrowType::Struct(kv_fields) = entries_field.data_type() else {
        return Err(no_conversion(array, ty));
    };
    // Entries themselves are never null; drop a (all-valid) validity buffer if one came along.
    if entries.null_count() > 0 {
        return Err(crate::arrow_convert::invalid(
            "cast",
            format!("a {ty} column has null map entries"),
        ));
    }
    let entries = StructArray::try_new(kv_fields.clone(), vec![keys, values], None)
        .map_err(arrow_err(format!("reading {ty}")))?;
    let out = MapArray::try_new(entries_field, offsets, entries, nulls, false)
        .map_err(arrow_err(format!("reading {ty}")))?;
    Ok(Arc::new(out))
}

fn cast_struct(
    array: &ArrayRef,
    fields: &[strata_spec::DataField],
    ty: &DataType,
) -> Result<ArrayRef> {
    let s = array
        .as_struct_opt()
        .ok_or_else(|| no_conversion(array, ty))?;
    let mut children = Vec::with_capacity(fields.len());
    for f in fields {
        let child = match s.column_by_name(&f.name) {
            Some(c) => cast_array(c, &f.data_type)?,
            None => new_null_array(&arrow_type(&f.data_type), s.len()),
        };
        children.push(child);
    }
    let target_fields: Fields = fields
        .iter()
        .map(crate::arrow_convert::arrow_field)
        .collect();
    if fields.is_empty() {
        return Ok(Arc::new(StructArray::new_empty_fields(
            s.len(),
            s.nulls().cloned(),
        )));
    }
    let out = StructArray::try_new(target_fields, children, s.nulls().cloned())
        .map_err(arrow_err(format!("reading {ty}")))?;
    Ok(Arc::new(out))
}

// ---------------------------------------------------------------------------------------------
// CHAR padding

fn has_char(ty: &DataType) -> bool {
    match &ty.kind {
        TypeKind::Char(_) => true,
        TypeKind::Array(e) | TypeKind::Multiset(e) => has_char(e),
        TypeKind::Map(k, v) => has_char(k) || has_char(v),
        TypeKind::Row(fields) => fields.iter().any(|f| has_char(&f.data_type)),
        _ => false,
    }
}

/// See [`crate::arrow_convert::trim_char_padding`].
pub(crate) fn trim_char(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    if !has_char(ty) {
        return Ok(array.clone());
    }
    let mismatch = || no_conversion(array, ty);
    match &ty.kind {
        TypeKind::Char(_) => {
            let s = array.as_string_opt::<i32>().ok_or_else(mismatch)?;
            let padded = s.iter().flatten().any(|v| v.ends_with(' '));
            if !padded {
                return Ok(array.clone());
            }
            Ok(Arc::new(
                s.iter()
                    .map(|v| v.map(|v| v.trim_end_matches(' ')))
                    .collect::<StringArray>(),
            ))
        }
        TypeKind::Array(element) => {
            let l = array.as_list_opt::<i32>().ok_or_else(mismatch)?;
            let values = trim_char(l.values(), element)?;
            Ok(Arc::new(
                ListArray::try_new(
                    list_field(element),
                    l.offsets().clone(),
                    values,
                    l.nulls().cloned(),
                )
                .map_err(arrow_err("trimming CHAR padding"))?,
            ))
        }
        TypeKind::Map(..) | TypeKind::Multiset(_) => {
            let (key, value) = match &ty.kind {
                TypeKind::Map(k, v) => ((**k).clone(), (**v).clone()),
                TypeKind::Multiset(e) => ((**e).clone(), multiset_count_type()),
                _ => return Err(mismatch()),
            };
            let m = array.as_map_opt().ok_or_else(mismatch)?;
            let entries = m.entries();
            let keys = trim_char(entries.column(0), &key)?;
            let values = trim_char(entries.column(1), &value)?;
            let entries_field = map_entries_field(&key, &value);
            let ArrowType::Struct(kv) = entries_field.data_type() else {
                return Err(mismatch());
            };
            let entries = StructArray::try_new(kv.clone(), vec![keys, values], None)
                .map_err(arrow_err("trimming CHAR padding"))?;
            Ok(Arc::new(
                MapArray::try_new(
                    entries_field,
                    m.offsets().clone(),
                    entries,
                    m.nulls().cloned(),
                    false,
                )
                .map_err(arrow_err("trimming CHAR padding"))?,
            ))
        }
        TypeKind::Row(fields) => {
            let s = array.as_struct_opt().ok_or_else(mismatch)?;
            let children = fields
                .iter()
                .zip(s.columns())
                .map(|(f, c)| trim_char(c, &f.data_type))
                .collect::<Result<Vec<_>>>()?;
            Ok(Arc::new(
                StructArray::try_new(s.fields().clone(), children, s.nulls().cloned())
                    .map_err(arrow_err("trimming CHAR padding"))?,
            ))
        }
        _ => Ok(array.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{Int32Builder, ListBuilder, MapBuilder, StringBuilder};
    use arrow_array::{
        BinaryViewArray, DictionaryArray, FixedSizeBinaryArray, Float32Array, Float64Array,
        Int16Array, Int32Array, Int8Array, LargeStringArray, StringViewArray,
        Time64MicrosecondArray, TimestampNanosecondArray,
    };

    fn t(s: &str) -> DataType {
        DataType::parse(s).unwrap()
    }

    fn cast(a: ArrayRef, s: &str) -> ArrayRef {
        let ty = t(s);
        let out = cast_array(&a, &ty).unwrap();
        assert_eq!(out.data_type(), &arrow_type(&ty), "{s}");
        out
    }

    #[test]
    fn canonical_arrays_are_not_copied() {
        let a: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let out = cast_array(&a, &t("STRING")).unwrap();
        assert!(Arc::ptr_eq(&a, &out));
    }

    #[test]
    fn string_shapes() {
        let dict: DictionaryArray<Int32Type> = vec!["a", "b", "a"].into_iter().collect();
        let out = cast(Arc::new(dict), "STRING");
        assert_eq!(out.as_string::<i32>().value(2), "a");
        let out = cast(Arc::new(LargeStringArray::from(vec!["x"])), "VARCHAR(3)");
        assert_eq!(out.as_string::<i32>().value(0), "x");
        let out = cast(Arc::new(StringViewArray::from(vec!["v"])), "STRING");
        assert_eq!(out.as_string::<i32>().value(0), "v");
        let out = cast(Arc::new(BinaryViewArray::from(vec![&b"b"[..]])), "BYTES");
        assert_eq!(out.as_binary::<i32>().value(0), b"b");
        let fsb = FixedSizeBinaryArray::try_from_iter(vec![vec![1u8, 2, 3]].into_iter()).unwrap();
        let out = cast(Arc::new(fsb), "BINARY(3)");
        assert_eq!(out.as_binary::<i32>().value(0), &[1, 2, 3]);
    }

    #[test]
    fn widening_and_any_to_string() {
        let out = cast(Arc::new(Int8Array::from(vec![Some(-5), None])), "BIGINT");
        assert_eq!(out.as_primitive::<Int64Type>().value(0), -5);
        assert!(out.is_null(1));
        let out = cast(Arc::new(Int16Array::from(vec![7])), "DECIMAL(10, 2)");
        assert_eq!(out.as_primitive::<Decimal128Type>().value(0), 700);
        let out = cast(Arc::new(Float32Array::from(vec![1.5])), "DOUBLE");
        assert_eq!(out.as_primitive::<Float64Type>().value(0), 1.5);
        let d = PrimitiveArray::<Decimal128Type>::from(vec![12345])
            .with_precision_and_scale(5, 2)
            .unwrap();
        let out = cast(Arc::new(d.clone()), "DECIMAL(10, 3)");
        assert_eq!(out.as_primitive::<Decimal128Type>().value(0), 123450);
        let out = cast(Arc::new(d), "STRING");
        assert_eq!(out.as_string::<i32>().value(0), "123.45");
        let out = cast(
            Arc::new(Float64Array::from(vec![1e10, 0.5, -0.0, 1e-4, 123.0])),
            "STRING",
        );
        let s = out.as_string::<i32>();
        assert_eq!(
            (0..5).map(|i| s.value(i)).collect::<Vec<_>>(),
            vec!["1.0E10", "0.5", "-0.0", "1.0E-4", "123.0"]
        );
        let out = cast(
            Arc::new(TimestampNanosecondArray::from(vec![
                1_704_164_645_123_456_789,
            ])),
            "STRING",
        );
        assert_eq!(
            out.as_string::<i32>().value(0),
            "2024-01-02 03:04:05.123456789"
        );
        assert!(matches!(
            cast_array(
                &(Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
                &t("INT")
            ),
            Err(Error::Unsupported { .. })
        ));
        // Narrowing that does not fit fails instead of producing a null.
        assert!(cast_array(
            &(Arc::new(Int32Array::from(vec![1000])) as ArrayRef),
            &t("TINYINT")
        )
        .is_err());
    }

    #[test]
    fn temporal_shapes() {
        let ns: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![-1, 1_999_999]));
        let out = cast(ns.clone(), "TIMESTAMP(3)");
        let v = out.as_primitive::<TimestampMillisecondType>();
        assert_eq!((v.value(0), v.value(1)), (-1, 1));
        let out = cast(ns, "TIMESTAMP(6) WITH LOCAL TIME ZONE");
        assert_eq!(out.as_primitive::<TimestampMicrosecondType>().value(0), -1);
        let out = cast(Arc::new(Int32Array::from(vec![3_600_000])), "TIME(3)");
        assert_eq!(
            out.as_primitive::<Time32MillisecondType>().value(0),
            3_600_000
        );
        let out = cast(
            Arc::new(Time64MicrosecondArray::from(vec![1_500])),
            "TIME(3)",
        );
        assert_eq!(out.as_primitive::<Time32MillisecondType>().value(0), 1);
        let out = cast(
            Arc::new(PrimitiveArray::<Date32Type>::from(vec![1])),
            "TIMESTAMP(6)",
        );
        assert_eq!(
            out.as_primitive::<TimestampMicrosecondType>().value(0),
            86_400_000_000
        );
        let out = cast(
            Arc::new(PrimitiveArray::<Int64Type>::from(vec![5])),
            "TIMESTAMP(3)",
        );
        assert_eq!(out.as_primitive::<TimestampMillisecondType>().value(0), 5);
    }

    #[test]
    fn nested_children_are_renamed_and_cast() {
        let mut lb = ListBuilder::new(Int32Builder::new());
        lb.values().append_value(1);
        lb.values().append_null();
        lb.append(true);
        lb.append(false);
        let list: ArrayRef = Arc::new(lb.finish()); // item field named "item"
        let out = cast(list, "ARRAY<BIGINT>");
        let l = out.as_list::<i32>();
        assert!(l.is_null(1));
        assert_eq!(l.value(0).as_primitive::<Int64Type>().value(0), 1);

        let mut mb = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
        mb.keys().append_value("k");
        mb.values().append_value(1);
        mb.append(true).unwrap();
        mb.append(false).unwrap();
        let map: ArrayRef = Arc::new(mb.finish()); // entries/keys/values
        let out = cast(map, "MAP<STRING, BIGINT>");
        assert!(out.is_null(1));

        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("y", ArrowType::LargeUtf8, true)),
                Arc::new(LargeStringArray::from(vec!["z"])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("x", ArrowType::Int16, true)),
                Arc::new(Int16Array::from(vec![4])) as ArrayRef,
            ),
        ]);
        let out = cast(Arc::new(s), "ROW<x INT NOT NULL, y STRING, w DATE>");
        let s = out.as_struct();
        assert_eq!(s.column(0).as_primitive::<Int32Type>().value(0), 4);
        assert_eq!(s.column(1).as_string::<i32>().value(0), "z");
        assert!(s.column(2).is_null(0));
    }

    mod properties {
        use super::*;
        use arrow_array::types::Int16Type;
        use proptest::prelude::*;

        fn config() -> ProptestConfig {
            ProptestConfig {
                cases: 64,
                rng_seed: proptest::test_runner::RngSeed::Fixed(11),
                ..ProptestConfig::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn integer_widening_keeps_values(v in proptest::collection::vec(proptest::option::of(any::<i16>()), 0..50)) {
                let a: ArrayRef = Arc::new(PrimitiveArray::<Int16Type>::from(v.clone()));
                for target in ["INT", "BIGINT", "DECIMAL(10, 2)", "DOUBLE", "STRING"] {
                    let out = cast(a.clone(), target);
                    for (i, x) in v.iter().enumerate() {
                        let d = crate::arrow_convert::datum_at(out.as_ref(), i, &t(target)).unwrap();
                        match x {
                            None => prop_assert!(d.is_null()),
                            Some(x) => match d {
                                strata_spec::Datum::Int(y) => prop_assert_eq!(y, *x as i32),
                                strata_spec::Datum::BigInt(y) => prop_assert_eq!(y, *x as i64),
                                strata_spec::Datum::Decimal { unscaled, scale } => {
                                    prop_assert_eq!((unscaled, scale), (*x as i128 * 100, 2))
                                }
                                strata_spec::Datum::Double(y) => prop_assert_eq!(y, *x as f64),
                                strata_spec::Datum::String(s) => prop_assert_eq!(s, x.to_string()),
                                other => prop_assert!(false, "{other:?}"),
                            },
                        }
                    }
                }
            }

            #[test]
            fn timestamps_convert_with_floor(v in proptest::collection::vec(proptest::option::of(any::<i64>()), 0..50)) {
                let a: ArrayRef = Arc::new(TimestampNanosecondArray::from(v.clone()).with_timezone("+00:00"));
                let ms = cast(a.clone(), "TIMESTAMP(3) WITH LOCAL TIME ZONE");
                let us = cast(a.clone(), "TIMESTAMP(6)");
                let ns = cast(a, "TIMESTAMP(9)");
                let ms = ms.as_primitive::<TimestampMillisecondType>();
                let us = us.as_primitive::<TimestampMicrosecondType>();
                let ns = ns.as_primitive::<TimestampNanosecondType>();
                for (i, x) in v.iter().enumerate() {
                    match x {
                        None => prop_assert!(ms.is_null(i) && us.is_null(i) && ns.is_null(i)),
                        Some(x) => {
                            prop_assert_eq!(ms.value(i), x.div_euclid(1_000_000));
                            prop_assert_eq!(us.value(i), x.div_euclid(1_000));
                            prop_assert_eq!(ns.value(i), *x);
                        }
                    }
                }
            }

            #[test]
            fn dictionaries_and_views_decode_to_plain_strings(v in proptest::collection::vec(proptest::option::of("[a-c]{0,3}"), 0..50)) {
                let dict: DictionaryArray<Int32Type> = v.iter().map(|s| s.as_deref()).collect();
                let view: StringViewArray = v.iter().map(|s| s.as_deref()).collect();
                let large: LargeStringArray = v.iter().map(|s| s.as_deref()).collect();
                for a in [Arc::new(dict) as ArrayRef, Arc::new(view), Arc::new(large)] {
                    let out = cast(a, "STRING");
                    let s = out.as_string::<i32>();
                    let got: Vec<Option<String>> = s.iter().map(|x| x.map(str::to_string)).collect();
                    prop_assert_eq!(&got, &v);
                }
            }
        }
    }

    #[test]
    fn char_padding_is_trimmed() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("ab   "), None, Some("abcde")]));
        let out = trim_char(&a, &t("CHAR(5)")).unwrap();
        let s = out.as_string::<i32>();
        assert_eq!(s.value(0), "ab");
        assert!(s.is_null(1));
        assert_eq!(s.value(2), "abcde");
        let same = trim_char(&a, &t("STRING")).unwrap();
        assert!(Arc::ptr_eq(&a, &same));
    }
}
