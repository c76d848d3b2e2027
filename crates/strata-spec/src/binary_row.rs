//! Paimon's BinaryRow codec (spec §5): the byte form of partition values, min/max keys,
//! statistics rows and bucket keys.
//!
//! ```text
//! | header byte + null bits (W bytes) | 8-byte slot per field | 8-byte aligned variable part |
//! W = ((arity + 63 + 8) / 64) * 8
//! ```
//! Inside manifests a row is prefixed with its arity as a 4-byte big-endian integer
//! ([`serialize`] / [`deserialize`]); the bucket hash runs over the bare row.
//!
//! [`BinaryRowBuilder`] writes rows into a reused buffer so that hot paths (bucket assignment
//! of millions of rows) allocate nothing per row. Decoding never panics: every offset and length
//! read from the bytes is checked.
//!
//! Reference: `org.apache.paimon.data.BinaryRow`, `BinaryRowWriter` (Paimon 0.9).

use crate::datum::Datum;
use crate::error::{Error, Result};
use crate::types::{DataType, TypeKind};

/// Bytes of the header plus null bit set for a row of `arity` fields:
/// `W = ((arity + 63 + 8) / 64) * 8`.
pub fn header_width(arity: usize) -> usize {
    ((arity + 63 + 8) / 64) * 8
}

/// The serialized empty row (arity 0) used for unpartitioned tables, append-table keys and
/// empty statistics: `00000000` + 8 zero bytes.
pub const EMPTY_SERIALIZED_ROW: [u8; 12] = [0; 12];

/// Whether a type is stored entirely in its 8-byte slot.
fn is_compact_decimal(precision: u8) -> bool {
    precision <= 18
}

fn is_compact_timestamp(precision: u8) -> bool {
    precision <= 3
}

/// Writes one BinaryRow into a reusable buffer.
#[derive(Debug, Default, Clone)]
pub struct BinaryRowBuilder {
    buf: Vec<u8>,
    arity: usize,
    width: usize,
}

impl BinaryRowBuilder {
    /// A builder for rows of `arity` fields.
    pub fn new(arity: usize) -> Self {
        let mut b = BinaryRowBuilder::default();
        b.reset(arity);
        b
    }

    /// Starts a new row of `arity` fields (all zero, not null).
    pub fn reset(&mut self, arity: usize) {
        self.arity = arity;
        self.width = header_width(arity);
        self.buf.clear();
        self.buf.resize(self.width + 8 * arity, 0);
    }

    /// Sets the row kind byte (0 = +I, 1 = -U, 2 = +U, 3 = -D).
    pub fn set_row_kind(&mut self, kind: u8) {
        self.buf[0] = kind;
    }

    fn slot(&self, i: usize) -> usize {
        self.width + 8 * i
    }

    /// Marks field `i` null (slot stays zero).
    pub fn set_null(&mut self, i: usize) {
        let bit = i + 8;
        self.buf[bit / 8] |= 1 << (bit % 8);
    }

    /// Java's partition-row null for DECIMAL(p>18) / TIMESTAMP(p>3): null bit set, but the
    /// variable-part area is still reserved and the slot holds its offset (spec §5.2).
    pub fn set_null_reserving(&mut self, i: usize, reserve: usize) {
        self.set_null(i);
        let offset = self.buf.len();
        self.buf.resize(offset + reserve, 0);
        self.write_u64(i, (offset as u64) << 32);
    }

    fn write_u64(&mut self, i: usize, v: u64) {
        let s = self.slot(i);
        self.buf[s..s + 8].copy_from_slice(&v.to_le_bytes());
    }

    /// BOOLEAN
    pub fn set_bool(&mut self, i: usize, v: bool) {
        let s = self.slot(i);
        self.buf[s] = v as u8;
    }

    /// TINYINT
    pub fn set_i8(&mut self, i: usize, v: i8) {
        let s = self.slot(i);
        self.buf[s] = v as u8;
    }

    /// SMALLINT
    pub fn set_i16(&mut self, i: usize, v: i16) {
        let s = self.slot(i);
        self.buf[s..s + 2].copy_from_slice(&v.to_le_bytes());
    }

    /// INT, DATE, TIME
    pub fn set_i32(&mut self, i: usize, v: i32) {
        let s = self.slot(i);
        self.buf[s..s + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// BIGINT, compact DECIMAL, compact TIMESTAMP
    pub fn set_i64(&mut self, i: usize, v: i64) {
        self.write_u64(i, v as u64);
    }

    /// FLOAT
    pub fn set_f32(&mut self, i: usize, v: f32) {
        let s = self.slot(i);
        self.buf[s..s + 4].copy_from_slice(&v.to_bits().to_le_bytes());
    }

    /// DOUBLE
    pub fn set_f64(&mut self, i: usize, v: f64) {
        self.write_u64(i, v.to_bits());
    }

    /// STRING / BINARY bytes: inline when ≤ 7 bytes, else in the variable part.
    pub fn set_bytes(&mut self, i: usize, v: &[u8]) {
        if v.len() <= 7 {
            let s = self.slot(i);
            self.buf[s..s + v.len()].copy_from_slice(v);
            self.buf[s + 7] = 0x80 | v.len() as u8;
        } else {
            let offset = self.buf.len();
            self.buf.extend_from_slice(v);
            let padded = v.len().div_ceil(8) * 8;
            self.buf.resize(offset + padded, 0);
            self.write_u64(i, ((offset as u64) << 32) | v.len() as u64);
        }
    }

    /// DECIMAL with the given precision.
    pub fn set_decimal(&mut self, i: usize, unscaled: i128, precision: u8) {
        if is_compact_decimal(precision) {
            self.set_i64(i, unscaled as i64);
        } else {
            let bytes = minimal_be_bytes(unscaled);
            let offset = self.buf.len();
            self.buf.resize(offset + 16, 0);
            self.buf[offset..offset + bytes.len()].copy_from_slice(&bytes);
            self.write_u64(i, ((offset as u64) << 32) | bytes.len() as u64);
        }
    }

    /// TIMESTAMP / TIMESTAMP_LTZ with the given precision.
    pub fn set_timestamp(&mut self, i: usize, millis: i64, nanos_of_milli: i32, precision: u8) {
        if is_compact_timestamp(precision) {
            self.set_i64(i, millis);
        } else {
            let offset = self.buf.len();
            self.buf.extend_from_slice(&millis.to_le_bytes());
            self.write_u64(i, ((offset as u64) << 32) | (nanos_of_milli as u32 as u64));
        }
    }

    /// Sets field `i` from a datum of type `ty`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the datum does not match the type, or the type cannot be a
    /// BinaryRow field of a metadata row (nested types).
    pub fn set_datum(
        &mut self,
        i: usize,
        ty: &DataType,
        value: &Datum,
        java_null: bool,
    ) -> Result<()> {
        if value.is_null() {
            match ty.kind {
                TypeKind::Decimal { precision, .. }
                    if java_null && !is_compact_decimal(precision) =>
                {
                    self.set_null_reserving(i, 16)
                }
                TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p)
                    if java_null && !is_compact_timestamp(p) =>
                {
                    self.set_null_reserving(i, 8)
                }
                _ => self.set_null(i),
            }
            return Ok(());
        }
        match (&ty.kind, value) {
            (TypeKind::Boolean, Datum::Boolean(v)) => self.set_bool(i, *v),
            (TypeKind::TinyInt, Datum::TinyInt(v)) => self.set_i8(i, *v),
            (TypeKind::SmallInt, Datum::SmallInt(v)) => self.set_i16(i, *v),
            (TypeKind::Int, Datum::Int(v)) => self.set_i32(i, *v),
            (TypeKind::Date, Datum::Date(v)) => self.set_i32(i, *v),
            (TypeKind::Time(_), Datum::Time(v)) => self.set_i32(i, *v),
            (TypeKind::BigInt, Datum::BigInt(v)) => self.set_i64(i, *v),
            (TypeKind::Float, Datum::Float(v)) => self.set_f32(i, *v),
            (TypeKind::Double, Datum::Double(v)) => self.set_f64(i, *v),
            (TypeKind::Decimal { precision, scale }, Datum::Decimal { unscaled, scale: s }) => {
                let v = rescale(*unscaled, *s, *scale).ok_or_else(|| {
                    Error::invalid(
                        "value",
                        format!("decimal does not fit DECIMAL({precision}, {scale})"),
                    )
                })?;
                self.set_decimal(i, v, *precision)
            }
            (TypeKind::Char(_) | TypeKind::VarChar(_), Datum::String(s)) => {
                self.set_bytes(i, s.as_bytes())
            }
            (TypeKind::Binary(_) | TypeKind::VarBinary(_), Datum::Bytes(b)) => self.set_bytes(i, b),
            (
                TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p),
                Datum::Timestamp {
                    millis,
                    nanos_of_milli,
                },
            ) => self.set_timestamp(i, *millis, *nanos_of_milli, *p),
            (kind, v) => {
                return Err(Error::invalid(
                    "value",
                    format!("cannot store {v:?} as {kind:?} in a BinaryRow"),
                ))
            }
        }
        Ok(())
    }

    /// The row bytes (without arity prefix).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The row with the 4-byte big-endian arity prefix used in manifests.
    pub fn to_serialized(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.buf.len());
        out.extend_from_slice(&(self.arity as u32).to_be_bytes());
        out.extend_from_slice(&self.buf);
        out
    }
}

fn rescale(unscaled: i128, from: u8, to: u8) -> Option<i128> {
    if from == to {
        Some(unscaled)
    } else if from < to {
        unscaled.checked_mul(10i128.checked_pow((to - from) as u32)?)
    } else {
        let f = 10i128.checked_pow((from - to) as u32)?;
        if unscaled % f != 0 {
            None
        } else {
            Some(unscaled / f)
        }
    }
}

/// Java `BigInteger.toByteArray()`: minimal big-endian two's complement (at least one byte).
pub fn minimal_be_bytes(v: i128) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let b = bytes[start];
        let next_high = bytes[start + 1] & 0x80;
        if (b == 0x00 && next_high == 0) || (b == 0xff && next_high != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// Big-endian two's complement bytes (any length ≤ 16) → i128.
pub fn i128_from_be_bytes(b: &[u8]) -> Option<i128> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let fill = if b[0] & 0x80 != 0 { 0xff } else { 0x00 };
    let mut full = [fill; 16];
    full[16 - b.len()..].copy_from_slice(b);
    Some(i128::from_be_bytes(full))
}

/// Encodes a row (no prefix). `java_partition_nulls` reproduces Java's variable-part
/// reservation for null big decimals / precise timestamps in partition rows.
///
/// # Errors
/// [`Error::Invalid`] when arities differ or a value does not match its type.
pub fn encode(types: &[DataType], values: &[Datum], java_partition_nulls: bool) -> Result<Vec<u8>> {
    let mut b = BinaryRowBuilder::new(types.len());
    fill(&mut b, types, values, java_partition_nulls)?;
    Ok(b.buf)
}

fn fill(
    b: &mut BinaryRowBuilder,
    types: &[DataType],
    values: &[Datum],
    java_null: bool,
) -> Result<()> {
    if types.len() != values.len() {
        return Err(Error::invalid(
            "BinaryRow",
            format!("{} types but {} values", types.len(), values.len()),
        ));
    }
    for (i, (t, v)) in types.iter().zip(values).enumerate() {
        b.set_datum(i, t, v, java_null)?;
    }
    Ok(())
}

/// Encodes a row with the 4-byte big-endian arity prefix used inside manifests.
///
/// # Errors
/// As [`encode`].
pub fn serialize(
    types: &[DataType],
    values: &[Datum],
    java_partition_nulls: bool,
) -> Result<Vec<u8>> {
    let mut b = BinaryRowBuilder::new(types.len());
    fill(&mut b, types, values, java_partition_nulls)?;
    Ok(b.to_serialized())
}

/// Splits serialized bytes into (arity, row bytes).
///
/// # Errors
/// [`Error::Corrupt`] when the prefix is missing or the row is shorter than its fixed part.
pub fn split_serialized(bytes: &[u8]) -> Result<(usize, &[u8])> {
    if bytes.len() < 4 {
        return Err(Error::corrupt(
            "BinaryRow",
            format!(
                "{} bytes, shorter than the 4-byte arity prefix",
                bytes.len()
            ),
        ));
    }
    let arity = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let row = &bytes[4..];
    let fixed = fixed_len(arity)
        .ok_or_else(|| Error::corrupt("BinaryRow", format!("arity {arity} is too large")))?;
    if row.len() < fixed {
        return Err(Error::corrupt(
            "BinaryRow",
            format!(
                "arity {arity} needs {fixed} bytes but the row has {}",
                row.len()
            ),
        ));
    }
    Ok((arity, row))
}

fn fixed_len(arity: usize) -> Option<usize> {
    if arity > 1 << 20 {
        return None;
    }
    Some(header_width(arity) + 8 * arity)
}

/// Decodes a serialized row (with prefix) into values of `types`.
/// When the stored arity is smaller than `types.len()` the missing fields are null
/// (a stats row written before a column was added); when larger, extra fields are ignored.
///
/// # Errors
/// [`Error::Corrupt`] on any out-of-bounds offset or malformed value.
pub fn deserialize(types: &[DataType], bytes: &[u8]) -> Result<Vec<Datum>> {
    let (arity, row) = split_serialized(bytes)?;
    let reader = RowReader::new(row, arity)?;
    types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i < arity {
                reader.get(i, t)
            } else {
                Ok(Datum::Null)
            }
        })
        .collect()
}

/// Decodes a bare row (no prefix) of exactly `types.len()` fields.
///
/// # Errors
/// [`Error::Corrupt`] on malformed bytes.
pub fn decode(types: &[DataType], row: &[u8]) -> Result<Vec<Datum>> {
    let reader = RowReader::new(row, types.len())?;
    types
        .iter()
        .enumerate()
        .map(|(i, t)| reader.get(i, t))
        .collect()
}

/// Random access to the fields of one bare row.
#[derive(Debug, Clone, Copy)]
pub struct RowReader<'a> {
    row: &'a [u8],
    arity: usize,
    width: usize,
}

impl<'a> RowReader<'a> {
    /// Wraps bare row bytes of `arity` fields.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the bytes are shorter than the fixed part.
    pub fn new(row: &'a [u8], arity: usize) -> Result<Self> {
        let fixed = fixed_len(arity)
            .ok_or_else(|| Error::corrupt("BinaryRow", format!("arity {arity} is too large")))?;
        if row.len() < fixed {
            return Err(Error::corrupt(
                "BinaryRow",
                format!(
                    "arity {arity} needs {fixed} bytes but the row has {}",
                    row.len()
                ),
            ));
        }
        Ok(RowReader {
            row,
            arity,
            width: header_width(arity),
        })
    }

    /// Number of fields.
    pub fn arity(&self) -> usize {
        self.arity
    }

    /// The row kind byte.
    pub fn row_kind(&self) -> u8 {
        self.row[0]
    }

    /// Whether field `i` is null.
    pub fn is_null(&self, i: usize) -> bool {
        let bit = i + 8;
        self.row[bit / 8] & (1 << (bit % 8)) != 0
    }

    fn slot(&self, i: usize) -> [u8; 8] {
        let s = self.width + 8 * i;
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.row[s..s + 8]);
        out
    }

    fn var(&self, offset: usize, len: usize) -> Result<&'a [u8]> {
        self.row
            .get(offset..offset.saturating_add(len))
            .ok_or_else(|| {
                Error::corrupt(
                    "BinaryRow",
                    format!(
                        "variable-length field at offset {offset} with length {len} exceeds the row ({} bytes)",
                        self.row.len()
                    ),
                )
            })
    }

    /// Raw bytes of a string/binary field.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an out-of-bounds offset.
    pub fn get_bytes(&self, i: usize) -> Result<&'a [u8]> {
        let slot = self.slot(i);
        let v = u64::from_le_bytes(slot);
        if v & (1 << 63) != 0 {
            let len = ((v >> 56) & 0x7f) as usize;
            if len > 7 {
                return Err(Error::corrupt(
                    "BinaryRow",
                    format!("inline length {len} > 7"),
                ));
            }
            let s = self.width + 8 * i;
            Ok(&self.row[s..s + len])
        } else {
            self.var((v >> 32) as usize, (v & 0xffff_ffff) as usize)
        }
    }

    /// Field `i` decoded as type `ty`.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on malformed bytes, [`Error::Unsupported`] for nested types.
    pub fn get(&self, i: usize, ty: &DataType) -> Result<Datum> {
        if i >= self.arity {
            return Err(Error::corrupt(
                "BinaryRow",
                format!("field {i} requested from a row of arity {}", self.arity),
            ));
        }
        if self.is_null(i) {
            return Ok(Datum::Null);
        }
        let slot = self.slot(i);
        let u = u64::from_le_bytes(slot);
        Ok(match &ty.kind {
            TypeKind::Boolean => Datum::Boolean(slot[0] != 0),
            TypeKind::TinyInt => Datum::TinyInt(slot[0] as i8),
            TypeKind::SmallInt => Datum::SmallInt(i16::from_le_bytes([slot[0], slot[1]])),
            TypeKind::Int => Datum::Int(i32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]])),
            TypeKind::Date => Datum::Date(i32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]])),
            TypeKind::Time(_) => {
                Datum::Time(i32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]))
            }
            TypeKind::BigInt => Datum::BigInt(u as i64),
            TypeKind::Float => Datum::Float(f32::from_bits(u32::from_le_bytes([
                slot[0], slot[1], slot[2], slot[3],
            ]))),
            TypeKind::Double => Datum::Double(f64::from_bits(u)),
            TypeKind::Decimal { precision, scale } => {
                if is_compact_decimal(*precision) {
                    Datum::Decimal {
                        unscaled: u as i64 as i128,
                        scale: *scale,
                    }
                } else {
                    let bytes = self.var((u >> 32) as usize, (u & 0xffff_ffff) as usize)?;
                    let unscaled = i128_from_be_bytes(bytes).ok_or_else(|| {
                        Error::corrupt("BinaryRow", format!("decimal of {} bytes", bytes.len()))
                    })?;
                    Datum::Decimal {
                        unscaled,
                        scale: *scale,
                    }
                }
            }
            TypeKind::Char(_) | TypeKind::VarChar(_) => {
                let b = self.get_bytes(i)?;
                Datum::String(String::from_utf8(b.to_vec()).map_err(|_| {
                    Error::corrupt("BinaryRow", format!("field {i} is not valid UTF-8"))
                })?)
            }
            TypeKind::Binary(_) | TypeKind::VarBinary(_) => {
                Datum::Bytes(self.get_bytes(i)?.to_vec())
            }
            TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => {
                if is_compact_timestamp(*p) {
                    Datum::Timestamp {
                        millis: u as i64,
                        nanos_of_milli: 0,
                    }
                } else {
                    let b = self.var((u >> 32) as usize, 8)?;
                    let mut m = [0u8; 8];
                    m.copy_from_slice(b);
                    let nanos = (u & 0xffff_ffff) as i64;
                    if !(0..1_000_000).contains(&nanos) {
                        return Err(Error::corrupt(
                            "BinaryRow",
                            format!("timestamp nanos-of-millisecond {nanos} out of range"),
                        ));
                    }
                    Datum::Timestamp {
                        millis: i64::from_le_bytes(m),
                        nanos_of_milli: nanos as i32,
                    }
                }
            }
            other => {
                return Err(Error::unsupported(format!(
                    "decoding {other:?} from a BinaryRow"
                )))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn worked_example_of_the_spec() {
        let types: Vec<DataType> = [
            "INT",
            "STRING",
            "STRING",
            "DECIMAL(10, 2)",
            "TIMESTAMP(6)",
            "BOOLEAN",
        ]
        .iter()
        .map(|s| DataType::parse(s).unwrap())
        .collect();
        let values = vec![
            Datum::Int(7),
            Datum::String("hello".into()),
            Datum::String("a longer text!".into()),
            Datum::Decimal {
                unscaled: 1234,
                scale: 2,
            },
            Datum::Timestamp {
                millis: 1_704_164_645_678,
                nanos_of_milli: 901_000,
            },
            Datum::Null,
        ];
        let s = serialize(&types, &values, false).unwrap();
        assert_eq!(
            hex(&s),
            "00000006\
             0020000000000000\
             0700000000000000\
             68656c6c6f000085\
             0e00000038000000\
             d204000000000000\
             88bf0d0048000000\
             0000000000000000\
             61206c6f6e676572\
             2074657874210000\
             2edb20c88c010000"
        );
        assert_eq!(deserialize(&types, &s).unwrap(), values);
    }

    #[test]
    fn minimal_decimal_bytes() {
        assert_eq!(minimal_be_bytes(-128), vec![0x80]);
        assert_eq!(minimal_be_bytes(128), vec![0x00, 0x80]);
        assert_eq!(minimal_be_bytes(0), vec![0x00]);
        assert_eq!(minimal_be_bytes(-12800), vec![0xce, 0x00]);
        assert_eq!(i128_from_be_bytes(&[0xff, 0x80]), Some(-128));
    }

    #[test]
    fn corrupt_rows_do_not_panic() {
        let types = vec![DataType::string()];
        assert!(deserialize(&types, &[0, 0, 0, 1, 0]).is_err());
        // slot points past the end
        let mut bad = vec![0, 0, 0, 1];
        bad.extend_from_slice(&[0u8; 8]);
        bad.extend_from_slice(&[0x10, 0, 0, 0, 0xff, 0, 0, 0]);
        assert!(deserialize(&types, &bad).is_err());
    }
}
