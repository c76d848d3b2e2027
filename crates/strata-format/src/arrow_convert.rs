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

use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType as ArrowType, Field, FieldRef, Schema, SchemaRef};
use strata_spec::{DataField, DataType, Datum};

use crate::error::Result;

/// The canonical Arrow type of a Paimon type.
pub fn arrow_type(ty: &DataType) -> ArrowType {
    todo!("{ty}")
}

/// An Arrow field for a Paimon field: same name, canonical type, nullability of the type.
pub fn arrow_field(field: &DataField) -> Field {
    todo!("{}", field.name)
}

/// An Arrow schema for a list of Paimon fields.
pub fn arrow_schema(fields: &[DataField]) -> SchemaRef {
    todo!("{}", fields.len())
}

/// A Paimon type for an Arrow type (used when a file's schema must be described, e.g. the
/// `strata write` input inference). Errors for Arrow types Paimon cannot hold.
///
/// # Errors
/// [`crate::Error::Unsupported`] for Arrow types without a Paimon counterpart.
pub fn paimon_type(ty: &ArrowType, nullable: bool) -> Result<DataType> {
    todo!("{ty} {nullable}")
}

/// The value at `row` of an array of the canonical Arrow type of `ty` (atomic types only).
///
/// # Errors
/// [`crate::Error::Unsupported`] for nested types; an error when the array type does not match.
pub fn datum_at(array: &dyn Array, row: usize, ty: &DataType) -> Result<Datum> {
    todo!("{} {row} {ty}", array.len())
}

/// An array of `ty`'s canonical Arrow type holding `values` (atomic types; nulls allowed).
///
/// # Errors
/// When a value does not match the type.
pub fn datums_to_array(ty: &DataType, values: &[Datum]) -> Result<ArrayRef> {
    todo!("{ty} {}", values.len())
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
    todo!("{} {ty}", array.len())
}

/// Helper for callers that keep `FieldRef`s.
pub fn arrow_field_ref(field: &DataField) -> FieldRef {
    std::sync::Arc::new(arrow_field(field))
}

/// An empty schema (zero columns).
pub fn empty_schema() -> SchemaRef {
    std::sync::Arc::new(Schema::empty())
}
