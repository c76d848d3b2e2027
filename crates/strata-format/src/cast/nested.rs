//! ARRAY / MAP / MULTISET / ROW conversions (children cast recursively and renamed to the
//! canonical names) and the removal of ORC's CHAR padding.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{new_null_array, Array, ArrayRef, ListArray, MapArray, StringArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType as ArrowType, Field, FieldRef, Fields};
use strata_spec::{DataType, TypeKind};

use super::{arrow_cast, cast_array, no_conversion};
use crate::arrow_convert::{
    arrow_err, arrow_type, map_entries_field, multiset_count_type, LIST_ELEMENT,
};
use crate::error::Result;

fn list_field(element: &DataType) -> FieldRef {
    Arc::new(Field::new(
        LIST_ELEMENT,
        arrow_type(element),
        element.nullable,
    ))
}

pub(super) fn cast_list(array: &ArrayRef, element: &DataType, ty: &DataType) -> Result<ArrayRef> {
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

pub(super) fn cast_map(
    array: &ArrayRef,
    key: &DataType,
    value: &DataType,
    ty: &DataType,
) -> Result<ArrayRef> {
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

pub(super) fn cast_struct(
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
