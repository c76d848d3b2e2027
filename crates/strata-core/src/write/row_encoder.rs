//! BinaryRows straight from Arrow columns, without a value object per field: bucket keys (hashed
//! for every row), partition rows and the min/max keys of key-value files.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType as ArrowType, TimeUnit};
use strata_spec::binary_row::BinaryRowBuilder;
use strata_spec::{DataType, TypeKind};

use crate::error::{Error, Result};

enum Col<'a> {
    Bool(&'a arrow_array::BooleanArray),
    I8(&'a arrow_array::Int8Array),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    F32(&'a arrow_array::Float32Array),
    F64(&'a arrow_array::Float64Array),
    Dec(&'a arrow_array::Decimal128Array, u8),
    Str(&'a arrow_array::StringArray),
    Bin(&'a arrow_array::BinaryArray),
    Date(&'a arrow_array::Date32Array),
    Time(&'a arrow_array::Time32MillisecondArray),
    /// Timestamp values and the factor to nanoseconds, with Paimon precision.
    Ts(arrow_array::PrimitiveArray<Int64Type>, i64, u8),
}

/// Encodes chosen columns of a batch as BinaryRows.
pub struct RowEncoder<'a> {
    cols: Vec<Col<'a>>,
    java_nulls: Vec<bool>,
    builder: BinaryRowBuilder,
}

impl<'a> RowEncoder<'a> {
    /// An encoder over `columns` (canonical Arrow types of `types`). `java_partition_nulls`
    /// reproduces Java's layout of null big decimals / precise timestamps in partition rows.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for nested types; [`Error::Internal`] on a type mismatch.
    pub fn try_new(
        columns: &[&'a ArrayRef],
        types: &[DataType],
        java_partition_nulls: bool,
    ) -> Result<Self> {
        let mut cols = Vec::with_capacity(columns.len());
        let mut java_nulls = Vec::with_capacity(columns.len());
        for (a, t) in columns.iter().zip(types) {
            let mismatch = || {
                Error::Internal(format!(
                    "column of Arrow type {} does not hold {t}",
                    a.data_type()
                ))
            };
            let c = match (&t.kind, a.data_type()) {
                (TypeKind::Boolean, ArrowType::Boolean) => Col::Bool(a.as_boolean()),
                (TypeKind::TinyInt, ArrowType::Int8) => Col::I8(a.as_primitive()),
                (TypeKind::SmallInt, ArrowType::Int16) => Col::I16(a.as_primitive()),
                (TypeKind::Int, ArrowType::Int32) => Col::I32(a.as_primitive()),
                (TypeKind::BigInt, ArrowType::Int64) => Col::I64(a.as_primitive()),
                (TypeKind::Float, ArrowType::Float32) => Col::F32(a.as_primitive()),
                (TypeKind::Double, ArrowType::Float64) => Col::F64(a.as_primitive()),
                (TypeKind::Decimal { precision, .. }, ArrowType::Decimal128(..)) => {
                    Col::Dec(a.as_primitive(), *precision)
                }
                (TypeKind::Char(_) | TypeKind::VarChar(_), ArrowType::Utf8) => {
                    Col::Str(a.as_string())
                }
                (TypeKind::Binary(_) | TypeKind::VarBinary(_), ArrowType::Binary) => {
                    Col::Bin(a.as_binary())
                }
                (TypeKind::Date, ArrowType::Date32) => Col::Date(a.as_primitive()),
                (TypeKind::Time(_), ArrowType::Time32(TimeUnit::Millisecond)) => {
                    Col::Time(a.as_primitive())
                }
                (
                    TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p),
                    ArrowType::Timestamp(unit, _),
                ) => {
                    let factor = match unit {
                        TimeUnit::Second => 1_000_000_000,
                        TimeUnit::Millisecond => 1_000_000,
                        TimeUnit::Microsecond => 1_000,
                        TimeUnit::Nanosecond => 1,
                    };
                    let prim: arrow_array::PrimitiveArray<Int64Type> = match unit {
                        TimeUnit::Second => {
                            a.as_primitive::<TimestampSecondType>().reinterpret_cast()
                        }
                        TimeUnit::Millisecond => a
                            .as_primitive::<TimestampMillisecondType>()
                            .reinterpret_cast(),
                        TimeUnit::Microsecond => a
                            .as_primitive::<TimestampMicrosecondType>()
                            .reinterpret_cast(),
                        TimeUnit::Nanosecond => a
                            .as_primitive::<TimestampNanosecondType>()
                            .reinterpret_cast(),
                    };
                    Col::Ts(prim, factor, *p)
                }
                (k, _) if t.is_nested() => {
                    return Err(Error::Unsupported(format!(
                        "{k:?} as a key or partition column"
                    )))
                }
                _ => return Err(mismatch()),
            };
            let reserve = java_partition_nulls
                && match t.kind {
                    TypeKind::Decimal { precision, .. } => precision > 18,
                    TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => p > 3,
                    _ => false,
                };
            cols.push(c);
            java_nulls.push(reserve);
        }
        let n = cols.len();
        Ok(RowEncoder {
            cols,
            java_nulls,
            builder: BinaryRowBuilder::new(n),
        })
    }

    /// Encodes row `row`; the bytes stay valid until the next call.
    pub fn encode(&mut self, row: usize) -> &[u8] {
        let b = &mut self.builder;
        b.reset(self.cols.len());
        for (i, c) in self.cols.iter().enumerate() {
            let is_null = match c {
                Col::Bool(a) => a.is_null(row),
                Col::I8(a) => a.is_null(row),
                Col::I16(a) => a.is_null(row),
                Col::I32(a) => a.is_null(row),
                Col::I64(a) => a.is_null(row),
                Col::F32(a) => a.is_null(row),
                Col::F64(a) => a.is_null(row),
                Col::Dec(a, _) => a.is_null(row),
                Col::Str(a) => a.is_null(row),
                Col::Bin(a) => a.is_null(row),
                Col::Date(a) => a.is_null(row),
                Col::Time(a) => a.is_null(row),
                Col::Ts(a, ..) => a.is_null(row),
            };
            if is_null {
                if self.java_nulls[i] {
                    let reserve = if matches!(c, Col::Dec(..)) { 16 } else { 8 };
                    b.set_null_reserving(i, reserve);
                } else {
                    b.set_null(i);
                }
                continue;
            }
            match c {
                Col::Bool(a) => b.set_bool(i, a.value(row)),
                Col::I8(a) => b.set_i8(i, a.value(row)),
                Col::I16(a) => b.set_i16(i, a.value(row)),
                Col::I32(a) => b.set_i32(i, a.value(row)),
                Col::I64(a) => b.set_i64(i, a.value(row)),
                Col::F32(a) => b.set_f32(i, a.value(row)),
                Col::F64(a) => b.set_f64(i, a.value(row)),
                Col::Dec(a, p) => b.set_decimal(i, a.value(row), *p),
                Col::Str(a) => b.set_bytes(i, a.value(row).as_bytes()),
                Col::Bin(a) => b.set_bytes(i, a.value(row)),
                Col::Date(a) => b.set_i32(i, a.value(row)),
                Col::Time(a) => b.set_i32(i, a.value(row)),
                Col::Ts(a, factor, p) => {
                    let nanos = a.value(row) as i128 * *factor as i128;
                    let millis = nanos.div_euclid(1_000_000) as i64;
                    let nom = nanos.rem_euclid(1_000_000) as i32;
                    b.set_timestamp(i, millis, nom, *p)
                }
            }
        }
        self.builder.as_bytes()
    }

    /// Encodes row `row` with the arity prefix used in manifests.
    pub fn encode_serialized(&mut self, row: usize) -> Vec<u8> {
        self.encode(row);
        self.builder.to_serialized()
    }
}
