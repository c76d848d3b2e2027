//! Functions whose result is one of the input values: last/first (non-null) value, max, min
//! and the internal `primary-key`. Each group's result is a merged row, chosen by a scalar
//! walk over the group's operations (max/min compare typed values in place for primitive
//! columns) and gathered from the input batches.

use std::cmp::Ordering;

use arrow_array::{downcast_primitive, ArrayRef, ArrowNativeTypeOp, ArrowPrimitiveType};
use arrow_ord::ord::make_comparator;
use arrow_schema::SortOptions;

use super::{FieldAgg, Merged, Op, Ops};
use crate::error::Result;
use crate::merge::columns::arrow_err;

/// Which value wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PickKind {
    /// `last_value`: the newest value, null included; retract → null.
    Last,
    /// `last_non_null_value`: the newest non-null value; retract of a non-null value → null.
    LastNonNull,
    /// `first_value`: the first value received, null included.
    First,
    /// `first_non_null_value`: the first non-null value.
    FirstNonNull,
    /// Key columns: the value of the newest row (retract keeps it too).
    PrimaryKey,
    /// Largest non-null value.
    Max,
    /// Smallest non-null value.
    Min,
}

/// A pick-style function.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pick(pub PickKind);

impl FieldAgg for Pick {
    fn name(&self) -> &'static str {
        match self.0 {
            PickKind::Last => "last_value",
            PickKind::LastNonNull => "last_non_null_value",
            PickKind::First => "first_value",
            PickKind::FirstNonNull => "first_non_null_value",
            PickKind::PrimaryKey => "primary-key",
            PickKind::Max => "max",
            PickKind::Min => "min",
        }
    }

    fn retracts(&self) -> bool {
        matches!(
            self.0,
            PickKind::Last | PickKind::LastNonNull | PickKind::PrimaryKey
        )
    }

    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        let picks = match self.0 {
            PickKind::Max | PickKind::Min => extremes(self.0, col, ops)?,
            kind => choose(kind, ops, |row| col.present(row), |_, _| false),
        };
        col.take(&picks)
    }
}

/// Invokes [`typed_extremes`] for a primitive Arrow type.
macro_rules! typed_extremes_of {
    ($t:ty, $kind:expr, $col:expr, $ops:expr) => {
        typed_extremes::<$t>($kind, $col, $ops)
    };
}

/// The max/min row of each group: typed comparisons in place for primitive columns, Arrow's
/// comparator over the gathered column otherwise.
fn extremes(kind: PickKind, col: &Merged<'_>, ops: &Ops) -> Result<Vec<Option<u32>>> {
    let wanted = wanted(kind);
    downcast_primitive! {
        col.data_type() => (typed_extremes_of, kind, col, ops),
        _ => {
            let gathered = col.gather()?;
            let cmp = make_comparator(gathered.as_ref(), gathered.as_ref(), SortOptions::default())
                .map_err(arrow_err("comparing values for max/min"))?;
            Ok(choose(kind, ops, |row| col.present(row), |c, cur| cmp(c, cur) == wanted))
        }
    }
}

/// How a better value compares with the current one for max/min.
fn wanted(kind: PickKind) -> Ordering {
    if kind == PickKind::Max {
        Ordering::Greater
    } else {
        Ordering::Less
    }
}

/// [`extremes`] of a primitive column (floats in IEEE total order, as Arrow's comparator).
fn typed_extremes<T: ArrowPrimitiveType>(
    kind: PickKind,
    col: &Merged<'_>,
    ops: &Ops,
) -> Result<Vec<Option<u32>>> {
    let wanted = wanted(kind);
    let arrays = col.primitive::<T>()?;
    let value = |row: usize| {
        let (b, r) = col.order[row];
        arrays[b].value(r)
    };
    Ok(choose(
        kind,
        ops,
        |row| col.present(row),
        |c, cur| value(c).compare(value(cur)) == wanted,
    ))
}

/// The row each group of `ops` picks (`None`: null). `present(row)` is the row when its value
/// is non-null; `better(candidate, current)` orders values for max/min.
fn choose(
    kind: PickKind,
    ops: &Ops,
    present: impl Fn(u32) -> Option<usize>,
    better: impl Fn(usize, usize) -> bool,
) -> Vec<Option<u32>> {
    let mut picks: Vec<Option<u32>> = Vec::with_capacity(ops.groups());
    for group in ops.iter() {
        if ops.adds_only || group.iter().all(|(op, _)| *op == Op::Agg) {
            // only adds: the value is found without following the operations
            let present = |&(_, row): &(Op, u32)| present(row);
            let cur = match kind {
                PickKind::Last | PickKind::PrimaryKey => group.last().and_then(present),
                PickKind::LastNonNull => group.iter().rev().find_map(present),
                PickKind::First => group.first().and_then(present),
                PickKind::FirstNonNull => group.iter().find_map(present),
                PickKind::Max | PickKind::Min => group
                    .iter()
                    .filter_map(present)
                    .reduce(|cur, c| if better(c, cur) { c } else { cur }),
            };
            picks.push(cur.map(|c| c as u32));
            continue;
        }
        let mut init = false;
        let mut cur: Option<usize> = None;
        for &(op, row) in group {
            let v = present(row);
            match (op, kind) {
                (Op::Set, _) => {
                    cur = v;
                    init = true;
                }
                (Op::Agg, PickKind::Last | PickKind::PrimaryKey) => cur = v,
                (Op::Agg, PickKind::LastNonNull) | (Op::AggOld, PickKind::FirstNonNull) => {
                    if v.is_some() {
                        cur = v;
                    }
                }
                (Op::Agg, PickKind::First) => {
                    if !init {
                        cur = v;
                        init = true;
                    }
                }
                (Op::AggOld, PickKind::First) => {
                    cur = v;
                    init = true;
                }
                (Op::Agg, PickKind::FirstNonNull) | (Op::AggOld, PickKind::LastNonNull) => {
                    if cur.is_none() {
                        cur = v;
                    }
                }
                (Op::Agg | Op::AggOld, PickKind::Max | PickKind::Min) => {
                    if let Some(c) = v {
                        if cur.is_none_or(|cur| better(c, cur)) {
                            cur = Some(c);
                        }
                    }
                }
                // agg(v, acc) keeps the newer accumulator
                (Op::AggOld, PickKind::Last | PickKind::PrimaryKey) => {}
                (Op::Retract, PickKind::Last) => cur = None,
                (Op::Retract, PickKind::LastNonNull) => {
                    if v.is_some() {
                        cur = None;
                    }
                }
                (Op::Retract, PickKind::PrimaryKey) => {
                    if v.is_some() {
                        cur = v;
                    }
                }
                (Op::Retract, _) => {}
            }
            if op != Op::Retract {
                init = true;
            }
        }
        picks.push(cur.map(|c| c as u32));
    }
    picks
}
