//! "Any atomic type → STRING" (Java's cast rules for schema evolution): numbers in Java's
//! `toString` forms, decimals in plain notation, dates/times/timestamps in Paimon's text forms,
//! binaries decoded as UTF-8.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int64Type, Time32MillisecondType,
    TimestampMicrosecondType, TimestampNanosecondType,
};
use arrow_array::{ArrayRef, GenericStringArray, StringArray};
use arrow_schema::{DataType as ArrowType, TimeUnit};
use strata_spec::datum::format_decimal;
use strata_spec::time::{format_date, format_time_millis, format_timestamp};
use strata_spec::{DataType, TypeKind};

use super::{arrow_cast, is_decimal, is_integer, no_conversion, to_time_millis, to_timestamp};
use crate::error::Result;

pub(super) fn to_string(array: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
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
