//! Functions over strings and collections: `listagg`, `collect`, `merge_map`,
//! `nested_update`. Collection states are lists of element indices into the column's child
//! array; element identity (distinct, map keys, nested keys) compares Arrow row-format bytes.
//! Results are rebuilt with `take` on the child array and new offsets.

use std::fmt::Write;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, ListArray, MapArray, StructArray, UInt32Array};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::DataType as ArrowType;
use arrow_select::take::take;

use super::{FieldAgg, Merged, Op, Ops};
use crate::error::{Error, Result};
use crate::merge::columns::arrow_err;

/// `listagg`: concatenation with a delimiter, skipping null and blank inputs.
#[derive(Debug, Clone)]
pub(crate) struct ListAgg {
    pub delimiter: String,
    pub distinct: bool,
}

impl ListAgg {
    /// Appends `v` to the state `acc` (`set`: whether the state is non-null).
    fn append(&self, acc: &mut String, set: &mut bool, v: &str) {
        if v.trim().is_empty() {
            return;
        }
        let delimiter = self.delimiter.as_str();
        if !self.distinct {
            if *set {
                acc.push_str(delimiter);
            }
            acc.push_str(v);
            *set = true;
            return;
        }
        for token in v.split(delimiter).filter(|t| !t.is_empty()) {
            if !*set {
                acc.push_str(token);
                *set = true;
            } else if !acc.split(delimiter).any(|t| t == token) {
                acc.push_str(delimiter);
                acc.push_str(token);
            }
        }
    }
}

impl FieldAgg for ListAgg {
    fn name(&self) -> &'static str {
        "listagg"
    }
    fn retracts(&self) -> bool {
        false
    }
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        let arrays = col
            .arrays
            .iter()
            .map(|a| {
                a.as_string_opt::<i32>()
                    .ok_or_else(|| Error::Internal("listagg over a non-string column".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        let value = |row: u32| col.at(row).map(|(b, r)| arrays[b].value(r));
        let mut out = StringBuilder::with_capacity(ops.groups(), 0);
        // one state buffer (and one for the reversed form) reused by every group
        let (mut acc, mut older) = (String::new(), String::new());
        for group in ops.iter() {
            if !self.distinct && (ops.adds_only || group.iter().all(|(op, _)| *op == Op::Agg)) {
                // appends only: write straight into the output
                let mut set = false;
                for v in group.iter().filter_map(|&(_, row)| value(row)) {
                    if v.trim().is_empty() {
                        continue;
                    }
                    if set {
                        out.write_str(&self.delimiter).map_err(write_err)?;
                    }
                    out.write_str(v).map_err(write_err)?;
                    set = true;
                }
                if set {
                    out.append_value("");
                } else {
                    out.append_null();
                }
                continue;
            }
            acc.clear();
            let mut set = false;
            for &(op, row) in group {
                match (op, value(row)) {
                    (Op::Set, v) => {
                        acc.clear();
                        acc.push_str(v.unwrap_or_default());
                        set = v.is_some();
                    }
                    (Op::Retract, _) | (_, None) => {}
                    (Op::Agg, Some(v)) => self.append(&mut acc, &mut set, v),
                    (Op::AggOld, Some(v)) => {
                        older.clear();
                        let mut older_set = false;
                        self.append(&mut older, &mut older_set, v);
                        if set {
                            self.append(&mut older, &mut older_set, &acc);
                        }
                        std::mem::swap(&mut acc, &mut older);
                        set = older_set;
                    }
                }
            }
            if set {
                out.append_value(&acc);
            } else {
                out.append_null();
            }
        }
        Ok(Arc::new(out.finish()))
    }
}

fn write_err(e: std::fmt::Error) -> Error {
    Error::Internal(format!("listagg: {e}"))
}

/// How a collection function combines elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `collect`: concatenation (set semantics when distinct); retract removes elements.
    Collect { distinct: bool },
    /// `merge_map`: union, newer keys overwrite; retract removes keys.
    MergeMap,
    /// `nested_update`: upsert rows by the nested key (append without key), at most `limit`.
    Nested {
        keys: Vec<usize>,
        limit: Option<usize>,
    },
}

/// A collection function (`collect`, `merge_map`, `nested_update`).
#[derive(Debug, Clone)]
pub(crate) struct Elements {
    pub mode: Mode,
}

/// The child values of a list or map column and each row's element range.
struct Children {
    values: ArrayRef,
    offsets: Vec<usize>,
}

impl Children {
    fn of(col: &ArrayRef) -> Result<Children> {
        match col.data_type() {
            ArrowType::List(_) => {
                let list = col.as_list::<i32>();
                Ok(Children {
                    values: list.values().clone(),
                    offsets: list.value_offsets().iter().map(|o| *o as usize).collect(),
                })
            }
            ArrowType::Map(..) => {
                let map = col.as_map();
                Ok(Children {
                    values: Arc::new(map.entries().clone()),
                    offsets: map.value_offsets().iter().map(|o| *o as usize).collect(),
                })
            }
            other => Err(Error::Internal(format!("collection function over {other}"))),
        }
    }

    fn range(&self, row: usize) -> std::ops::Range<usize> {
        self.offsets[row]..self.offsets[row + 1]
    }
}

impl Elements {
    /// Row-format bytes identifying each child element for this mode.
    fn identities(&self, values: &ArrayRef) -> Result<Rows> {
        let columns: Vec<ArrayRef> = match &self.mode {
            Mode::Collect { .. } => vec![values.clone()],
            Mode::Nested { keys, .. } if keys.is_empty() => vec![values.clone()],
            Mode::MergeMap => vec![values.as_struct().column(0).clone()],
            Mode::Nested { keys, .. } => {
                let rows: &StructArray = values.as_struct();
                keys.iter().map(|k| rows.column(*k).clone()).collect()
            }
        };
        let fields = columns
            .iter()
            .map(|c| SortField::new(c.data_type().clone()))
            .collect();
        let converter =
            RowConverter::new(fields).map_err(arrow_err("encoding collection elements"))?;
        converter
            .convert_columns(&columns)
            .map_err(arrow_err("encoding collection elements"))
    }

    /// Adds one element to a state.
    fn add(&self, state: &mut Vec<u32>, e: usize, ids: &Rows) {
        let id = ids.row(e);
        let existing = || state.iter().position(|&x| ids.row(x as usize) == id);
        match &self.mode {
            Mode::Collect { distinct: true } => {
                if existing().is_none() {
                    state.push(e as u32);
                }
            }
            Mode::Collect { distinct: false } => state.push(e as u32),
            Mode::MergeMap => match existing() {
                Some(i) => state[i] = e as u32,
                None => state.push(e as u32),
            },
            Mode::Nested { keys, limit } => {
                if !keys.is_empty() {
                    if let Some(i) = existing() {
                        state[i] = e as u32;
                        return;
                    }
                }
                if limit.is_none_or(|l| state.len() < l) {
                    state.push(e as u32);
                }
            }
        }
    }

    /// Removes one retracted element from a state.
    fn remove(&self, state: &mut Vec<u32>, e: usize, ids: &Rows) {
        let id = ids.row(e);
        match &self.mode {
            Mode::Collect { distinct: false } => {
                if let Some(i) = state.iter().position(|&x| ids.row(x as usize) == id) {
                    state.remove(i);
                }
            }
            _ => state.retain(|&x| ids.row(x as usize) != id),
        }
    }
}

impl FieldAgg for Elements {
    fn name(&self) -> &'static str {
        match self.mode {
            Mode::Collect { .. } => "collect",
            Mode::MergeMap => "merge_map",
            Mode::Nested { .. } => "nested_update",
        }
    }
    fn retracts(&self) -> bool {
        true
    }
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        let gathered = col.gather()?;
        let children = Children::of(&gathered)?;
        let ids = self.identities(&children.values)?;
        let mut states: Vec<Option<Vec<u32>>> = Vec::with_capacity(ops.groups());
        for group in ops.iter() {
            let mut acc: Option<Vec<u32>> = None;
            for &(op, row) in group {
                let v = col.present(row);
                match (op, v) {
                    (Op::Set, None) => acc = None,
                    (Op::Set, Some(r)) => acc = Some(children.range(r).map(|e| e as u32).collect()),
                    (_, None) => {}
                    (Op::Agg, Some(r)) => {
                        let state = acc.get_or_insert_with(Vec::new);
                        for e in children.range(r) {
                            self.add(state, e, &ids);
                        }
                    }
                    (Op::AggOld, Some(r)) => {
                        let mut older = Vec::new();
                        for e in children.range(r) {
                            self.add(&mut older, e, &ids);
                        }
                        for e in acc.take().unwrap_or_default() {
                            self.add(&mut older, e as usize, &ids);
                        }
                        acc = Some(older);
                    }
                    (Op::Retract, Some(r)) => {
                        if let Some(state) = acc.as_mut() {
                            for e in children.range(r) {
                                self.remove(state, e, &ids);
                            }
                        }
                    }
                }
            }
            states.push(acc);
        }
        build(&gathered, &children.values, &states)
    }
}

/// Rebuilds a list or map column from element indices per row.
fn build(col: &ArrayRef, values: &ArrayRef, states: &[Option<Vec<u32>>]) -> Result<ArrayRef> {
    let indices: UInt32Array = states
        .iter()
        .flatten()
        .flatten()
        .copied()
        .collect::<Vec<u32>>()
        .into();
    let child =
        take(values.as_ref(), &indices, None).map_err(arrow_err("building a collection"))?;
    let offsets =
        OffsetBuffer::<i32>::from_lengths(states.iter().map(|s| s.as_ref().map_or(0, Vec::len)));
    let nulls = NullBuffer::from(states.iter().map(Option::is_some).collect::<Vec<bool>>());
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(match col.data_type() {
        ArrowType::List(field) => Arc::new(
            ListArray::try_new(field.clone(), offsets, child, nulls)
                .map_err(arrow_err("building a list"))?,
        ),
        ArrowType::Map(field, sorted) => Arc::new(
            MapArray::try_new(
                field.clone(),
                offsets,
                child.as_struct().clone(),
                nulls,
                *sorted,
            )
            .map_err(arrow_err("building a map"))?,
        ),
        other => return Err(Error::Internal(format!("collection function over {other}"))),
    })
}
