//! Partition directory names (spec §1.3): rendering partition values exactly as Java does,
//! escaping, and the reverse for tools that list directories.
//!
//! The path of a data file is computed from the partition BinaryRow in the manifest, so a reader
//! must render exactly as the writer did.
//!
//! Reference: `PartitionPathUtils`, `InternalRowPartitionComputer` (Paimon 0.9).

use crate::datum::{format_decimal, Datum};
use crate::time;
use crate::types::{DataType, TypeKind};

/// Characters Java escapes in partition path names (besides control characters and DEL).
const ESCAPED: &[char] = &[
    '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', '{', '}', '[', ']', '^',
];

/// Escapes a partition key or value for a directory name: control characters, DEL and
/// `" # % ' * / : = ? \ { } [ ] ^` become `%XX`.
pub fn escape_path_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if (c as u32) < 0x20 || c as u32 == 0x7f || ESCAPED.contains(&c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes `%XX` sequences of a directory name.
pub fn unescape_path_name(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Java's `Double.toString` / `Float.toString` for the common cases: `1.5`, `1.0`, `1.0E10`,
/// `1.0E-5`, `NaN`, `Infinity`.
pub fn java_float_string(v: f64, is_float: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let shortest = if is_float {
        format!("{:e}", v as f32)
    } else {
        format!("{v:e}")
    };
    // shortest is like "1.5e10" or "-1.2345e-5"
    let (mantissa, exp) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let abs = v.abs();
    if (1e-3..1e7).contains(&abs) {
        let plain = if is_float {
            format!("{}", v as f32)
        } else {
            format!("{v}")
        };
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let m = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{m}E{exp}")
    }
}

/// Renders one partition value as Java does (before escaping); `None` for null.
pub fn render_value(ty: &DataType, v: &Datum, legacy: bool) -> Option<String> {
    Some(match (&ty.kind, v) {
        (_, Datum::Null) => return None,
        (_, Datum::String(s)) => s.clone(),
        (_, Datum::Boolean(b)) => b.to_string(),
        (_, Datum::TinyInt(x)) => x.to_string(),
        (_, Datum::SmallInt(x)) => x.to_string(),
        (_, Datum::Int(x)) => x.to_string(),
        (_, Datum::BigInt(x)) => x.to_string(),
        (_, Datum::Float(f)) => java_float_string(*f as f64, true),
        (_, Datum::Double(f)) => java_float_string(*f, false),
        (_, Datum::Decimal { unscaled, scale }) => format_decimal(*unscaled, *scale),
        (_, Datum::Date(d)) => {
            if legacy {
                d.to_string()
            } else {
                time::format_date(*d)
            }
        }
        (_, Datum::Time(t)) => {
            if legacy {
                t.to_string()
            } else {
                time::java_local_time(*t)
            }
        }
        (
            kind,
            Datum::Timestamp {
                millis,
                nanos_of_milli,
            },
        ) => {
            if legacy {
                time::java_local_date_time(*millis, *nanos_of_milli)
            } else {
                let p = match kind {
                    TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => *p,
                    _ => 6,
                };
                time::format_timestamp(*millis, *nanos_of_milli, p, true)
            }
        }
        (_, Datum::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
    })
}

/// The relative directory of a partition: `k1=v1/k2=v2` (empty for unpartitioned tables).
pub fn partition_path(
    keys: &[(String, DataType)],
    values: &[Datum],
    default_name: &str,
    legacy: bool,
) -> String {
    let mut out = String::new();
    for ((name, ty), v) in keys.iter().zip(values) {
        let rendered = render_value(ty, v, legacy)
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| default_name.to_string());
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&escape_path_name(name));
        out.push('=');
        out.push_str(&escape_path_name(&rendered));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_spec_examples() {
        assert_eq!(escape_path_name("x:y=z"), "x%3Ay%3Dz");
        assert_eq!(escape_path_name("a/b"), "a%2Fb");
        assert_eq!(escape_path_name("with space é"), "with space é");
        assert_eq!(unescape_path_name("x%3Ay%3Dz"), "x:y=z");
        assert_eq!(unescape_path_name("100%"), "100%");
    }

    #[test]
    fn rendering_matches_spec_examples() {
        let ts3 = DataType::parse("TIMESTAMP(3)").unwrap();
        let v = Datum::Timestamp {
            millis: 1_704_164_645_678,
            nanos_of_milli: 0,
        };
        let p = partition_path(&[("ts".into(), ts3)], &[v], "__DEFAULT_PARTITION__", true);
        assert_eq!(p, "ts=2024-01-02T03%3A04%3A05.678");
        let date = DataType::parse("DATE").unwrap();
        assert_eq!(
            partition_path(&[("d".into(), date)], &[Datum::Date(19724)], "x", true),
            "d=19724"
        );
        let s = DataType::string();
        assert_eq!(
            partition_path(
                &[("s".into(), s.clone())],
                &[Datum::Null],
                "__DEFAULT_PARTITION__",
                true
            ),
            "s=__DEFAULT_PARTITION__"
        );
        assert_eq!(
            partition_path(&[("s".into(), s)], &[Datum::String("  ".into())], "D", true),
            "s=D"
        );
        assert_eq!(java_float_string(1.0e10, false), "1.0E10");
        assert_eq!(java_float_string(1.5, false), "1.5");
        assert_eq!(java_float_string(100.0, false), "100.0");
    }
}
