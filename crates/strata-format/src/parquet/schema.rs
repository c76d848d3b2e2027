//! The Parquet schema Java Paimon 0.9 writes for a list of Paimon fields (spec §7.1):
//! root group `paimon_schema`, no field ids, REQUIRED for NOT NULL, TINYINT/SMALLINT as INT32
//! with INT(8/16) annotations, DECIMAL as INT32 (p ≤ 9) / INT64 (p ≤ 18) / FIXED_LEN_BYTE_ARRAY
//! of the minimal length, strings as annotated BINARY, BINARY(n) as plain BINARY, DATE,
//! TIME(MILLIS, UTC), TIMESTAMP as INT64 MILLIS (p ≤ 3) / MICROS (p ≤ 6) / INT96 (p > 6),
//! 3-level lists (`list` / `element`) and maps (`key_value` annotated MAP_KEY_VALUE, required
//! `key`).
//!
//! The Arrow writer of the parquet crate cannot encode INT96, so the encoder works on a twin
//! schema ([`Int96::AsFixed`]) where each INT96 leaf is a FIXED_LEN_BYTE_ARRAY(12) holding the
//! same 12 bytes; see `write.rs`.

use std::sync::Arc;

use parquet::basic::{ConvertedType, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::schema::types::{SchemaDescriptor, Type, TypePtr};
use strata_spec::{DataField, DataType, TypeKind};

use crate::arrow_convert::{
    multiset_count_type, unsupported, LIST_ELEMENT, MAP_ENTRIES, MAP_KEY, MAP_VALUE,
};
use crate::error::{Error, Result};

/// Name of the root group in files Java Paimon writes.
pub(crate) const ROOT_NAME: &str = "paimon_schema";

/// Length of an INT96 value.
pub(crate) const INT96_LEN: i32 = 12;

/// How INT96 leaves are described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Int96 {
    /// As INT96 (the schema stored in the file).
    Physical,
    /// As FIXED_LEN_BYTE_ARRAY(12) (the schema the encoder works with).
    AsFixed,
}

/// Whether a type is stored as INT96 (TIMESTAMP with precision > 6).
pub(crate) fn is_int96(ty: &DataType) -> bool {
    matches!(
        ty.kind,
        TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) if p > 6
    )
}

/// Whether a type has an INT96 leaf anywhere.
pub(crate) fn has_int96(ty: &DataType) -> bool {
    match &ty.kind {
        TypeKind::Array(e) | TypeKind::Multiset(e) => has_int96(e),
        TypeKind::Map(k, v) => has_int96(k) || has_int96(v),
        TypeKind::Row(fields) => fields.iter().any(|f| has_int96(&f.data_type)),
        _ => is_int96(ty),
    }
}

/// Bytes of the smallest FIXED_LEN_BYTE_ARRAY holding every unscaled value of `precision`
/// digits (Java's `computeMinBytesForDecimalPrecision`, the parquet crate's
/// `decimal_length_from_precision`): DECIMAL(30, 6) → 13.
pub(crate) fn decimal_fixed_len(precision: u8) -> i32 {
    let max = 10u128.pow(precision.min(38) as u32);
    (1..=16).find(|n| max <= 1u128 << (8 * n - 1)).unwrap_or(16)
}

fn wrap(e: parquet::errors::ParquetError) -> Error {
    crate::arrow_convert::invalid("building the Parquet schema", e.to_string())
}

/// The file schema for `fields`.
pub(crate) fn parquet_schema(fields: &[DataField], int96: Int96) -> Result<SchemaDescriptor> {
    let children = fields
        .iter()
        .map(|f| field_type(&f.name, &f.data_type, int96).map(Arc::new))
        .collect::<Result<Vec<TypePtr>>>()?;
    let root = Type::group_type_builder(ROOT_NAME)
        .with_fields(children)
        .build()
        .map_err(wrap)?;
    Ok(SchemaDescriptor::new(Arc::new(root)))
}

fn repetition(ty: &DataType) -> Repetition {
    if ty.nullable {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    }
}

fn primitive(
    name: &str,
    ty: &DataType,
    physical: PhysicalType,
    logical: Option<LogicalType>,
) -> Result<Type> {
    Type::primitive_type_builder(name, physical)
        .with_repetition(repetition(ty))
        .with_logical_type(logical)
        .build()
        .map_err(wrap)
}

fn field_type(name: &str, ty: &DataType, int96: Int96) -> Result<Type> {
    use PhysicalType as P;
    match &ty.kind {
        TypeKind::Boolean => primitive(name, ty, P::BOOLEAN, None),
        TypeKind::TinyInt => primitive(name, ty, P::INT32, Some(LogicalType::integer(8, true))),
        TypeKind::SmallInt => primitive(name, ty, P::INT32, Some(LogicalType::integer(16, true))),
        TypeKind::Int => primitive(name, ty, P::INT32, None),
        TypeKind::BigInt => primitive(name, ty, P::INT64, None),
        TypeKind::Float => primitive(name, ty, P::FLOAT, None),
        TypeKind::Double => primitive(name, ty, P::DOUBLE, None),
        TypeKind::Decimal { precision, scale } => {
            let (physical, len) = if *precision <= 9 {
                (P::INT32, -1)
            } else if *precision <= 18 {
                (P::INT64, -1)
            } else {
                (P::FIXED_LEN_BYTE_ARRAY, decimal_fixed_len(*precision))
            };
            Type::primitive_type_builder(name, physical)
                .with_repetition(repetition(ty))
                .with_logical_type(Some(LogicalType::decimal(*scale as i32, *precision as i32)))
                .with_precision(*precision as i32)
                .with_scale(*scale as i32)
                .with_length(len)
                .build()
                .map_err(wrap)
        }
        TypeKind::Char(_) | TypeKind::VarChar(_) => {
            primitive(name, ty, P::BYTE_ARRAY, Some(LogicalType::String))
        }
        TypeKind::Binary(_) | TypeKind::VarBinary(_) => primitive(name, ty, P::BYTE_ARRAY, None),
        TypeKind::Date => primitive(name, ty, P::INT32, Some(LogicalType::Date)),
        TypeKind::Time(_) => primitive(
            name,
            ty,
            P::INT32,
            Some(LogicalType::time(true, TimeUnit::MILLIS)),
        ),
        TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => {
            let adjusted = matches!(ty.kind, TypeKind::LocalZonedTimestamp(_));
            if *p <= 3 {
                primitive(
                    name,
                    ty,
                    P::INT64,
                    Some(LogicalType::timestamp(adjusted, TimeUnit::MILLIS)),
                )
            } else if *p <= 6 {
                primitive(
                    name,
                    ty,
                    P::INT64,
                    Some(LogicalType::timestamp(adjusted, TimeUnit::MICROS)),
                )
            } else {
                match int96 {
                    Int96::Physical => primitive(name, ty, P::INT96, None),
                    Int96::AsFixed => Type::primitive_type_builder(name, P::FIXED_LEN_BYTE_ARRAY)
                        .with_repetition(repetition(ty))
                        .with_length(INT96_LEN)
                        .build()
                        .map_err(wrap),
                }
            }
        }
        TypeKind::Array(element) => {
            let element = field_type(LIST_ELEMENT, element, int96)?;
            let list = Type::group_type_builder("list")
                .with_repetition(Repetition::REPEATED)
                .with_fields(vec![Arc::new(element)])
                .build()
                .map_err(wrap)?;
            Type::group_type_builder(name)
                .with_repetition(repetition(ty))
                .with_logical_type(Some(LogicalType::List))
                .with_fields(vec![Arc::new(list)])
                .build()
                .map_err(wrap)
        }
        TypeKind::Map(key, value) => map_type(name, ty, key, value, int96),
        TypeKind::Multiset(element) => map_type(name, ty, element, &multiset_count_type(), int96),
        TypeKind::Row(fields) => {
            let children = fields
                .iter()
                .map(|f| field_type(&f.name, &f.data_type, int96).map(Arc::new))
                .collect::<Result<Vec<_>>>()?;
            Type::group_type_builder(name)
                .with_repetition(repetition(ty))
                .with_fields(children)
                .build()
                .map_err(wrap)
        }
        TypeKind::Variant | TypeKind::Blob => Err(unsupported(format!(
            "writing {ty} columns to Parquet (column {name})"
        ))),
    }
}

fn map_type(
    name: &str,
    ty: &DataType,
    key: &DataType,
    value: &DataType,
    int96: Int96,
) -> Result<Type> {
    // Java forces the key REQUIRED whatever the key type's nullability.
    let key = field_type(MAP_KEY, &key.with_nullable(false), int96)?;
    let value = field_type(MAP_VALUE, value, int96)?;
    let key_value = Type::group_type_builder(MAP_ENTRIES)
        .with_repetition(Repetition::REPEATED)
        .with_converted_type(ConvertedType::MAP_KEY_VALUE)
        .with_fields(vec![Arc::new(key), Arc::new(value)])
        .build()
        .map_err(wrap)?;
    Type::group_type_builder(name)
        .with_repetition(repetition(ty))
        .with_logical_type(Some(LogicalType::Map))
        .with_fields(vec![Arc::new(key_value)])
        .build()
        .map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_decimal_lengths() {
        assert_eq!(decimal_fixed_len(19), 9);
        assert_eq!(decimal_fixed_len(30), 13);
        assert_eq!(decimal_fixed_len(38), 16);
        assert_eq!(decimal_fixed_len(2), 1);
        assert_eq!(decimal_fixed_len(3), 2);
    }
}
