//! Sorting and merging rows held in memory (the write buffer): the key columns of all batches
//! are concatenated and encoded once with Arrow's row format, row *indices* are sorted by
//! (key, sequence fields, `_SEQUENCE_NUMBER`), equal keys are grouped and the merge function
//! folds each chunk of groups. Rows themselves are never copied before the merge gathers them.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_row::{RowConverter, SortField};
use arrow_schema::SortOptions;
use arrow_select::concat::concat;

use crate::error::{Error, Result};
use crate::kv::KvSchema;
use crate::merge::{MergeFunction, MergeInput};

fn arrow_err(context: &'static str) -> impl FnOnce(arrow_schema::ArrowError) -> Error {
    move |source| Error::Arrow {
        context: context.to_string(),
        source,
    }
}

fn concat_column(batches: &[RecordBatch], col: usize) -> Result<ArrayRef> {
    let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(col).as_ref()).collect();
    concat(&arrays).map_err(arrow_err("concatenating buffered columns"))
}

/// Sorts the rows of `batches`, merges equal keys (retracts kept) and hands the merged rows,
/// in key order, to `emit` in batches of at most `chunk` rows.
pub(crate) fn sort_and_merge(
    schema: &KvSchema,
    merge: &dyn MergeFunction,
    batches: &[RecordBatch],
    chunk: usize,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    let batches: Vec<RecordBatch> = batches
        .iter()
        .filter(|b| b.num_rows() > 0)
        .cloned()
        .collect();
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if total == 0 {
        return Ok(());
    }
    if batches
        .iter()
        .any(|b| b.num_columns() < schema.num_columns())
    {
        return Err(Error::Internal(
            "a buffered batch does not have the key-value layout".into(),
        ));
    }
    // (batch, row) of every global index
    let mut location = Vec::with_capacity(total);
    for (b, batch) in batches.iter().enumerate() {
        location.extend((0..batch.num_rows()).map(|r| (b, r)));
    }
    let key_columns = (0..schema.num_keys())
        .map(|k| concat_column(&batches, k))
        .collect::<Result<Vec<_>>>()?;
    let key_converter = RowConverter::new(
        key_columns
            .iter()
            .map(|c| SortField::new(c.data_type().clone()))
            .collect(),
    )
    .map_err(arrow_err("encoding keys"))?;
    let keys = key_converter
        .convert_columns(&key_columns)
        .map_err(arrow_err("encoding keys"))?;
    let seq = concat_column(&batches, schema.seq_col())?;
    let seq = seq
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| Error::Internal("_SEQUENCE_NUMBER is not Int64".into()))?
        .clone();
    let ties = if schema.sequence_fields.is_empty() {
        None
    } else {
        let options = SortOptions {
            descending: schema.sequence_descending,
            nulls_first: true,
        };
        let columns = schema
            .sequence_fields
            .iter()
            .map(|&f| concat_column(&batches, schema.value_col(f)))
            .collect::<Result<Vec<_>>>()?;
        let converter = RowConverter::new(
            columns
                .iter()
                .map(|c| SortField::new_with_options(c.data_type().clone(), options))
                .collect(),
        )
        .map_err(arrow_err("encoding sequence fields"))?;
        Some(
            converter
                .convert_columns(&columns)
                .map_err(arrow_err("encoding sequence fields"))?,
        )
    };
    let mut indices: Vec<u32> = (0..total as u32).collect();
    indices.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        keys.row(a)
            .cmp(&keys.row(b))
            .then_with(|| match &ties {
                Some(t) => t.row(a).cmp(&t.row(b)),
                None => std::cmp::Ordering::Equal,
            })
            .then_with(|| seq.value(a).cmp(&seq.value(b)))
            .then_with(|| a.cmp(&b))
    });
    let chunk = chunk.max(1);
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(chunk.min(total) * 2);
    let mut group_ends: Vec<usize> = Vec::with_capacity(chunk.min(total));
    let mut flush = |order: &mut Vec<(usize, usize)>, group_ends: &mut Vec<usize>| -> Result<()> {
        if group_ends.is_empty() {
            return Ok(());
        }
        let out = merge.merge(&MergeInput {
            schema,
            batches: &batches,
            order,
            group_ends,
            drop_retracts: false,
        })?;
        order.clear();
        group_ends.clear();
        if out.num_rows() > 0 {
            emit(out)?;
        }
        Ok(())
    };
    for (n, &i) in indices.iter().enumerate() {
        let i = i as usize;
        if n > 0 && keys.row(indices[n - 1] as usize) != keys.row(i) {
            group_ends.push(order.len());
            if group_ends.len() >= chunk {
                flush(&mut order, &mut group_ends)?;
            }
        }
        order.push(location[i]);
    }
    group_ends.push(order.len());
    flush(&mut order, &mut group_ends)
}
