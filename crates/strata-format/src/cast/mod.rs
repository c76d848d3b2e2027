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
//!
//! This file holds the dispatch and the atomic conversions; `string.rs` the "anything →
//! STRING" formatting (Java's text forms), `nested.rs` lists, maps, rows and CHAR trimming.

mod nested;
mod string;
#[cfg(test)]
mod tests;

pub(crate) use nested::trim_char;
use nested::{cast_list, cast_map, cast_struct};
use string::to_string;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Int32Type, Int64Type, Time32MillisecondType,
    Time32SecondType, Time64MicrosecondType, Time64NanosecondType, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{new_null_array, Array, ArrayRef, PrimitiveArray};
use arrow_cast::cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType as ArrowType, TimeUnit};
use strata_spec::{DataType, TypeKind};

use crate::arrow_convert::{
    arrow_err, arrow_type, multiset_count_type, timestamp_unit, unsupported,
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
