//! Column helpers shared by the merge engines: row kinds in merged order, gathering columns
//! by (batch, row) with `interleave`, a value column read in merged order without copying
//! ([`Merged`]), and assembling the output batch.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, Int8Array, PrimitiveArray, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::{ArrowError, DataType, SchemaRef};
use arrow_select::interleave::interleave;
use strata_spec::RowKind;

use super::aggregate::NULL_ROW;
use super::MergeInput;
use crate::error::{Error, Result};

/// Wraps an Arrow error with what we were doing.
pub(crate) fn arrow_err(context: &'static str) -> impl FnOnce(ArrowError) -> Error {
    move |source| Error::Arrow {
        context: context.to_string(),
        source,
    }
}

/// The `_VALUE_KIND` arrays of every batch.
pub(crate) fn kind_arrays<'a>(input: &MergeInput<'a>) -> Result<Vec<&'a Int8Array>> {
    let col = input.schema.kind_col();
    input
        .batches
        .iter()
        .map(|b| {
            b.columns()
                .get(col)
                .and_then(|c| c.as_primitive_opt::<Int8Type>())
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "column {col} of a merge input is not _VALUE_KIND (Int8)"
                    ))
                })
        })
        .collect()
}

/// Whether every row of the merge (the rows of `order`, not whole batches: a write buffer
/// passes all its batches with each chunk) is an add (+I/+U): the merge needs no per-row
/// kinds then.
pub(crate) fn adds_only(input: &MergeInput<'_>) -> Result<bool> {
    let (insert, update_after) = (RowKind::Insert.as_byte(), RowKind::UpdateAfter.as_byte());
    let kinds = kind_arrays(input)?;
    Ok(input.order.iter().all(|&(b, r)| {
        let k = kinds[b].value(r);
        k == insert || k == update_after
    }))
}

/// The newest row of each group (its last in merged order), for the output's key columns and
/// sequence number, with every group an insert: the result shape of add-only merges.
pub(crate) fn newest_inserts(input: &MergeInput<'_>) -> (Vec<(usize, usize)>, Vec<RowKind>) {
    let newest: Vec<(usize, usize)> = input
        .group_ends
        .iter()
        .map(|&end| input.order[end - 1])
        .collect();
    let kinds = vec![RowKind::Insert; newest.len()];
    (newest, kinds)
}

/// Decodes one `_VALUE_KIND` byte.
pub(crate) fn row_kind(byte: i8) -> Result<RowKind> {
    RowKind::from_byte(byte).ok_or_else(|| Error::Merge(format!("invalid _VALUE_KIND {byte}")))
}

/// Row kind of every input row, in merged order.
pub(crate) fn kinds_in_order(input: &MergeInput<'_>) -> Result<Vec<RowKind>> {
    let arrays = kind_arrays(input)?;
    input
        .order
        .iter()
        .map(|&(b, r)| row_kind(arrays[b].value(r)))
        .collect()
}

/// Column `col` of every batch.
pub(crate) fn column_of<'a>(input: &MergeInput<'a>, col: usize) -> Result<Vec<&'a dyn Array>> {
    input
        .batches
        .iter()
        .map(|b| {
            b.columns()
                .get(col)
                .map(|c| c.as_ref())
                .ok_or_else(|| Error::Internal(format!("a merge input has no column {col}")))
        })
        .collect()
}

/// Column `col` gathered at `rows` ((batch, row) pairs).
pub(crate) fn gather_rows(
    input: &MergeInput<'_>,
    col: usize,
    rows: &[(usize, usize)],
) -> Result<ArrayRef> {
    let arrays = column_of(input, col)?;
    interleave(&arrays, rows).map_err(arrow_err("gathering a column"))
}

/// Column `col` at `picks` (indices into merged order, `None` for null), taken straight from
/// the input batches.
pub(crate) fn gather_picks(
    input: &MergeInput<'_>,
    col: usize,
    picks: &[Option<u32>],
) -> Result<ArrayRef> {
    Merged::of(input, col)?.take(picks)
}

/// One value column of a merge input seen in merged order, without copying: merged row `i`
/// is row `order[i]` of the input batches. Aggregate functions fold values straight from the
/// batches and gather only their results; those that need one contiguous array call
/// [`Merged::gather`].
pub(crate) struct Merged<'a> {
    /// The column in every input batch.
    pub arrays: Vec<&'a dyn Array>,
    nulls: Vec<Option<&'a NullBuffer>>,
    /// (batch, row) of each merged row.
    pub order: &'a [(usize, usize)],
    data_type: DataType,
}

impl<'a> Merged<'a> {
    /// Column `col` of `input`.
    pub fn of(input: &MergeInput<'a>, col: usize) -> Result<Self> {
        let arrays = column_of(input, col)?;
        Ok(Merged {
            nulls: arrays.iter().map(|a| a.nulls()).collect(),
            arrays,
            order: input.order,
            data_type: output_schema(input).field(col).data_type().clone(),
        })
    }

    /// The column's Arrow type.
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// (batch, row) of merged row `row` when its value is non-null (`None` for null values
    /// and [`NULL_ROW`]).
    #[inline]
    pub fn at(&self, row: u32) -> Option<(usize, usize)> {
        if row == NULL_ROW {
            return None;
        }
        let (b, r) = *self.order.get(row as usize)?;
        self.nulls
            .get(b)?
            .is_none_or(|n| n.is_valid(r))
            .then_some((b, r))
    }

    /// Merged row `row` when its value is non-null.
    #[inline]
    pub fn present(&self, row: u32) -> Option<usize> {
        self.at(row).map(|_| row as usize)
    }

    /// The column of every batch as a primitive array of `T`.
    pub fn primitive<T: ArrowPrimitiveType>(&self) -> Result<Vec<&'a PrimitiveArray<T>>> {
        self.arrays
            .iter()
            .map(|a| {
                a.as_primitive_opt::<T>().ok_or_else(|| {
                    Error::Internal(format!("a merge input column is not {}", T::DATA_TYPE))
                })
            })
            .collect()
    }

    /// Every row in merged order as one array.
    pub fn gather(&self) -> Result<ArrayRef> {
        interleave(&self.arrays, self.order).map_err(arrow_err("gathering a column"))
    }

    /// The values at `picks` (merged rows, `None` for null) as one array.
    pub fn take(&self, picks: &[Option<u32>]) -> Result<ArrayRef> {
        let null = picks
            .contains(&None)
            .then(|| arrow_array::new_null_array(&self.data_type, 1));
        let mut arrays = self.arrays.clone();
        let null_at = (arrays.len(), 0);
        if let Some(null) = &null {
            arrays.push(null.as_ref());
        }
        let at: Vec<(usize, usize)> = picks
            .iter()
            .map(|p| match p {
                Some(i) => self.order[*i as usize],
                None => null_at,
            })
            .collect();
        interleave(&arrays, &at).map_err(arrow_err("gathering picked values"))
    }
}

/// Schema of the output: the first batch's (or the layout's when there is no input).
pub(crate) fn output_schema(input: &MergeInput<'_>) -> SchemaRef {
    input
        .batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| input.schema.arrow_schema())
}

/// Whole input rows gathered at `rows`.
pub(crate) fn pick_rows(input: &MergeInput<'_>, rows: &[(usize, usize)]) -> Result<RecordBatch> {
    let schema = output_schema(input);
    if input.batches.is_empty() {
        return Ok(RecordBatch::new_empty(schema));
    }
    let columns = (0..schema.fields().len())
        .map(|c| gather_rows(input, c, rows))
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema, columns).map_err(arrow_err("assembling merged rows"))
}

/// An output batch: key columns and `_SEQUENCE_NUMBER` from `newest` (one input row per output
/// row), kinds as given, value columns as computed.
pub(crate) fn assemble(
    input: &MergeInput<'_>,
    newest: &[(usize, usize)],
    kinds: &[RowKind],
    values: Vec<ArrayRef>,
) -> Result<RecordBatch> {
    let schema = output_schema(input);
    if input.batches.is_empty() {
        return Ok(RecordBatch::new_empty(schema));
    }
    let mut columns = Vec::with_capacity(schema.fields().len());
    for c in 0..=input.schema.seq_col() {
        columns.push(gather_rows(input, c, newest)?);
    }
    let kind_array: ArrayRef = Arc::new(Int8Array::from_iter_values(
        kinds.iter().map(|k| k.as_byte()),
    ));
    columns.push(kind_array);
    columns.extend(values);
    RecordBatch::try_new(schema, columns).map_err(arrow_err("assembling merged rows"))
}

/// `k1=v1, k2=v2` of the key of an input row, for error messages.
pub(crate) fn describe_key(input: &MergeInput<'_>, (b, r): (usize, usize)) -> String {
    let Some(batch) = input.batches.get(b) else {
        return String::from("?");
    };
    let options = arrow_cast::display::FormatOptions::default().with_null("null");
    input
        .schema
        .key_fields
        .iter()
        .enumerate()
        .map(|(k, field)| {
            let value = batch
                .columns()
                .get(k)
                .and_then(|c| {
                    arrow_cast::display::ArrayFormatter::try_new(c.as_ref(), &options).ok()
                })
                .map(|f| f.value(r).to_string())
                .unwrap_or_default();
            let name = field.name.strip_prefix("_KEY_").unwrap_or(&field.name);
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
