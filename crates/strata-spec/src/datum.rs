//! Single values of atomic Paimon types, as they appear in BinaryRows: partition values,
//! min/max keys and statistics.
//!
//! Bulk data never goes through `Datum`; it stays in Arrow arrays. `Datum` is for the small
//! rows kept in metadata, and for literals of predicates compared against them.
//!
//! Ordering follows Paimon (spec §5.5): nulls first, floats by Java's total order
//! (-0.0 < +0.0, NaN greatest), strings by unsigned UTF-8 bytes.

use std::cmp::Ordering;
use std::fmt;

/// One atomic value.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    /// SQL NULL.
    Null,
    /// BOOLEAN
    Boolean(bool),
    /// TINYINT
    TinyInt(i8),
    /// SMALLINT
    SmallInt(i16),
    /// INT
    Int(i32),
    /// BIGINT
    BigInt(i64),
    /// FLOAT
    Float(f32),
    /// DOUBLE
    Double(f64),
    /// DECIMAL: the unscaled value and its scale.
    Decimal {
        /// value × 10^scale
        unscaled: i128,
        /// digits after the point
        scale: u8,
    },
    /// CHAR / VARCHAR / STRING
    String(String),
    /// BINARY / VARBINARY / BYTES
    Bytes(Vec<u8>),
    /// DATE: days since 1970-01-01.
    Date(i32),
    /// TIME: milliseconds of the day.
    Time(i32),
    /// TIMESTAMP or TIMESTAMP WITH LOCAL TIME ZONE: epoch milliseconds plus the nanoseconds
    /// within that millisecond (0..=999_999).
    Timestamp {
        /// Milliseconds since the epoch (wall clock as if UTC for TIMESTAMP).
        millis: i64,
        /// Nanoseconds within the millisecond.
        nanos_of_milli: i32,
    },
}

impl Datum {
    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// A timestamp from nanoseconds since the epoch.
    pub fn timestamp_from_nanos(nanos: i128) -> Datum {
        let millis = nanos.div_euclid(1_000_000);
        let rem = nanos.rem_euclid(1_000_000);
        Datum::Timestamp {
            millis: millis as i64,
            nanos_of_milli: rem as i32,
        }
    }

    /// Nanoseconds since the epoch of a timestamp value.
    pub fn timestamp_nanos(&self) -> Option<i128> {
        match self {
            Datum::Timestamp {
                millis,
                nanos_of_milli,
            } => Some(*millis as i128 * 1_000_000 + *nanos_of_milli as i128),
            _ => None,
        }
    }

    /// An integer view of integral values (TINYINT..BIGINT, DATE, TIME).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Datum::TinyInt(v) => Some(*v as i64),
            Datum::SmallInt(v) => Some(*v as i64),
            Datum::Int(v) | Datum::Date(v) | Datum::Time(v) => Some(*v as i64),
            Datum::BigInt(v) => Some(*v),
            _ => None,
        }
    }

    /// Compares two values of the same type in Paimon's order (nulls first).
    ///
    /// Values of different kinds compare numerically when both are numeric, otherwise by kind;
    /// callers compare values of one column, so that case only matters for robustness.
    pub fn paimon_cmp(&self, other: &Datum) -> Ordering {
        use Datum::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (Boolean(a), Boolean(b)) => a.cmp(b),
            (Float(a), Float(b)) => java_float_cmp(*a as f64, *b as f64),
            (Double(a), Double(b)) => java_float_cmp(*a, *b),
            (
                Decimal {
                    unscaled: a,
                    scale: sa,
                },
                Decimal {
                    unscaled: b,
                    scale: sb,
                },
            ) => cmp_decimal(*a, *sa, *b, *sb),
            (String(a), String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (
                Timestamp {
                    millis: a,
                    nanos_of_milli: na,
                },
                Timestamp {
                    millis: b,
                    nanos_of_milli: nb,
                },
            ) => (a, na).cmp(&(b, nb)),
            (a, b) => match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => java_float_cmp(x, y),
                    _ => a.kind_rank().cmp(&b.kind_rank()),
                },
            },
        }
    }

    /// A floating point view of numeric values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Datum::Float(v) => Some(*v as f64),
            Datum::Double(v) => Some(*v),
            Datum::Decimal { unscaled, scale } => {
                Some(*unscaled as f64 / 10f64.powi(*scale as i32))
            }
            other => other.as_i64().map(|v| v as f64),
        }
    }

    fn kind_rank(&self) -> u8 {
        match self {
            Datum::Null => 0,
            Datum::Boolean(_) => 1,
            Datum::TinyInt(_) | Datum::SmallInt(_) | Datum::Int(_) | Datum::BigInt(_) => 2,
            Datum::Float(_) | Datum::Double(_) | Datum::Decimal { .. } => 3,
            Datum::String(_) => 4,
            Datum::Bytes(_) => 5,
            Datum::Date(_) => 6,
            Datum::Time(_) => 7,
            Datum::Timestamp { .. } => 8,
        }
    }
}

/// Java's `Double.compare`: -0.0 < +0.0 and NaN is greater than everything (NaN == NaN).
pub fn java_float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.total_cmp(&b),
    }
}

fn cmp_decimal(a: i128, sa: u8, b: i128, sb: u8) -> Ordering {
    if sa == sb {
        return a.cmp(&b);
    }
    // Rescale the one with the smaller scale; fall back to floating point on overflow.
    let (diff, a_smaller) = if sa < sb {
        (sb - sa, true)
    } else {
        (sa - sb, false)
    };
    let factor = 10i128.checked_pow(diff as u32);
    match (factor, a_smaller) {
        (Some(f), true) => match a.checked_mul(f) {
            Some(x) => x.cmp(&b),
            None => java_float_cmp(a as f64 * f as f64, b as f64),
        },
        (Some(f), false) => match b.checked_mul(f) {
            Some(y) => a.cmp(&y),
            None => java_float_cmp(a as f64, b as f64 * f as f64),
        },
        (None, _) => java_float_cmp(
            a as f64 / 10f64.powi(sa as i32),
            b as f64 / 10f64.powi(sb as i32),
        ),
    }
}

/// Formats an unscaled decimal as plain text with exactly `scale` digits after the point.
pub fn format_decimal(unscaled: i128, scale: u8) -> String {
    let neg = unscaled < 0;
    let digits = unscaled.unsigned_abs().to_string();
    let scale = scale as usize;
    let body = if scale == 0 {
        digits
    } else if digits.len() > scale {
        format!(
            "{}.{}",
            &digits[..digits.len() - scale],
            &digits[digits.len() - scale..]
        )
    } else {
        format!("0.{}{}", "0".repeat(scale - digits.len()), digits)
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Datum::Null => f.write_str("NULL"),
            Datum::Boolean(v) => write!(f, "{v}"),
            Datum::TinyInt(v) => write!(f, "{v}"),
            Datum::SmallInt(v) => write!(f, "{v}"),
            Datum::Int(v) => write!(f, "{v}"),
            Datum::BigInt(v) => write!(f, "{v}"),
            Datum::Float(v) => write!(f, "{v}"),
            Datum::Double(v) => write!(f, "{v}"),
            Datum::Decimal { unscaled, scale } => f.write_str(&format_decimal(*unscaled, *scale)),
            Datum::String(s) => f.write_str(s),
            Datum::Bytes(b) => {
                for byte in b {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            Datum::Date(d) => f.write_str(&crate::time::format_date(*d)),
            Datum::Time(t) => f.write_str(&crate::time::format_time_millis(*t, 3)),
            Datum::Timestamp {
                millis,
                nanos_of_milli,
            } => f.write_str(&crate::time::format_timestamp(
                *millis,
                *nanos_of_milli,
                9,
                true,
            )),
        }
    }
}

/// Parses a literal given as text into a value of `ty` (CLI partition specs, filters, CSV).
/// Decimals are rounded half-up to the scale; timestamps accept `T` or a space and any number
/// of fraction digits; binary accepts `0x…` hex or plain text (its UTF-8 bytes).
///
/// # Errors
/// A message naming the text and the type when it does not fit.
pub fn parse_literal(ty: &crate::types::DataType, text: &str) -> Result<Datum, String> {
    use crate::types::TypeKind as K;
    let t = text.trim();
    let bad = || format!("'{text}' is not a valid {ty}");
    Ok(match &ty.kind {
        K::Boolean => match t.to_ascii_lowercase().as_str() {
            "true" | "1" => Datum::Boolean(true),
            "false" | "0" => Datum::Boolean(false),
            _ => return Err(bad()),
        },
        K::TinyInt => Datum::TinyInt(t.parse().map_err(|_| bad())?),
        K::SmallInt => Datum::SmallInt(t.parse().map_err(|_| bad())?),
        K::Int => Datum::Int(t.parse().map_err(|_| bad())?),
        K::BigInt => Datum::BigInt(t.parse().map_err(|_| bad())?),
        K::Float => Datum::Float(parse_java_float(t).ok_or_else(bad)? as f32),
        K::Double => Datum::Double(parse_java_float(t).ok_or_else(bad)?),
        K::Decimal { precision, scale } => {
            let unscaled = parse_decimal(t, *scale).ok_or_else(bad)?;
            if unscaled.unsigned_abs() >= 10u128.pow(*precision as u32) {
                return Err(format!("'{text}' does not fit {ty}"));
            }
            Datum::Decimal {
                unscaled,
                scale: *scale,
            }
        }
        K::Char(_) | K::VarChar(_) => Datum::String(text.to_string()),
        K::Binary(_) | K::VarBinary(_) => match t.strip_prefix("0x") {
            Some(hex) if hex.len() % 2 == 0 => Datum::Bytes(
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|_| bad())?,
            ),
            _ => Datum::Bytes(text.as_bytes().to_vec()),
        },
        K::Date => Datum::Date(crate::time::parse_date(t)?),
        K::Time(_) => Datum::Time(crate::time::parse_time(t)?.0),
        K::Timestamp(p) | K::LocalZonedTimestamp(p) => {
            let (millis, nanos) = crate::time::parse_timestamp(t)?;
            truncate_timestamp(millis, nanos, *p)
        }
        _ => return Err(format!("{ty} values cannot be written as text")),
    })
}

/// Drops sub-precision digits of a timestamp (TIMESTAMP(3) keeps milliseconds, ...).
pub fn truncate_timestamp(millis: i64, nanos_of_milli: i32, precision: u8) -> Datum {
    let nanos = if precision >= 9 {
        nanos_of_milli
    } else if precision <= 3 {
        0
    } else {
        let unit = 10i32.pow(9 - precision as u32);
        nanos_of_milli - nanos_of_milli % unit
    };
    let millis = if precision == 0 {
        millis - millis.rem_euclid(1000)
    } else if precision < 3 {
        let unit = 10i64.pow(3 - precision as u32);
        millis - millis.rem_euclid(unit)
    } else {
        millis
    };
    Datum::Timestamp {
        millis,
        nanos_of_milli: nanos,
    }
}

/// Parses `NaN`, `Infinity`, `-Infinity`, `inf` and plain numbers.
pub fn parse_java_float(t: &str) -> Option<f64> {
    match t {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "+Infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

/// Parses a plain or scientific decimal number into an unscaled value at `scale`, rounding
/// half-up (as Java's `BigDecimal.setScale(scale, HALF_UP)`).
pub fn parse_decimal(text: &str, scale: u8) -> Option<i128> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mant.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part
        .bytes()
        .chain(frac_part.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{int_part}{frac_part}");
    // value = digits * 10^(exp - frac_len); we want value * 10^scale
    let shift = exp - frac_part.len() as i32 + scale as i32;
    let digits = digits.trim_start_matches('0');
    let mut v: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    if shift >= 0 {
        v = v.checked_mul(10i128.checked_pow(shift as u32)?)?;
    } else {
        let div = 10i128.checked_pow((-shift) as u32).unwrap_or(i128::MAX);
        let q = v / div;
        let r = v % div;
        v = if r * 2 >= div { q + 1 } else { q };
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_rules() {
        assert_eq!(Datum::Null.paimon_cmp(&Datum::Int(-5)), Ordering::Less);
        assert_eq!(
            Datum::Double(f64::NAN).paimon_cmp(&Datum::Double(f64::INFINITY)),
            Ordering::Greater
        );
        assert_eq!(
            Datum::Double(-0.0).paimon_cmp(&Datum::Double(0.0)),
            Ordering::Less
        );
        // UTF-8 byte order, not UTF-16: U+FF5E (3 bytes) > U+1F600 (4 bytes starting 0xF0)? no:
        // 0xEF < 0xF0, so the emoji sorts after.
        assert_eq!(
            Datum::String("\u{ff5e}".into()).paimon_cmp(&Datum::String("\u{1f600}".into())),
            Ordering::Less
        );
        assert_eq!(
            Datum::Decimal {
                unscaled: 150,
                scale: 2
            }
            .paimon_cmp(&Datum::Decimal {
                unscaled: 15,
                scale: 1
            }),
            Ordering::Equal
        );
    }

    #[test]
    fn decimal_text() {
        assert_eq!(format_decimal(1234, 2), "12.34");
        assert_eq!(format_decimal(-5, 3), "-0.005");
        assert_eq!(format_decimal(7, 0), "7");
        assert_eq!(format_decimal(-12800, 2), "-128.00");
    }
}
