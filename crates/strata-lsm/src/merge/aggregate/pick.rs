//! Functions whose result is one of the input values: last/first (non-null) value, max, min
//! and the internal `primary-key`. Each group's result is a row index; the values are
//! gathered with `take`.

use std::cmp::Ordering;

use arrow_array::{ArrayRef, UInt32Array};
use arrow_ord::ord::make_comparator;
use arrow_schema::SortOptions;
use arrow_select::take::take;

use super::{present, FieldAgg, Op, Ops};
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

    fn pick_kind(&self) -> Option<PickKind> {
        (!matches!(self.0, PickKind::Max | PickKind::Min)).then_some(self.0)
    }

    fn eval(&self, col: &ArrayRef, ops: &Ops) -> Result<ArrayRef> {
        let cmp = match self.0 {
            PickKind::Max | PickKind::Min => Some(
                make_comparator(col.as_ref(), col.as_ref(), SortOptions::default())
                    .map_err(arrow_err("comparing values for max/min"))?,
            ),
            _ => None,
        };
        let better = |candidate: usize, current: usize| match &cmp {
            Some(cmp) => {
                let ord = cmp(candidate, current);
                if self.0 == PickKind::Max {
                    ord == Ordering::Greater
                } else {
                    ord == Ordering::Less
                }
            }
            None => false,
        };
        let picks = choose(self.0, ops, |row| present(col.as_ref(), row), better);
        let indices = UInt32Array::from(picks);
        take(col.as_ref(), &indices, None).map_err(arrow_err("gathering aggregated values"))
    }
}

/// The row each group of `ops` picks (`None`: null). `present(row)` is the row when its value
/// is non-null; `better(candidate, current)` orders values for max/min.
pub(crate) fn choose(
    kind: PickKind,
    ops: &Ops,
    present: impl Fn(u32) -> Option<usize>,
    better: impl Fn(usize, usize) -> bool,
) -> Vec<Option<u32>> {
    let mut picks: Vec<Option<u32>> = Vec::with_capacity(ops.groups());
    let newest_wins = matches!(
        kind,
        PickKind::Last | PickKind::PrimaryKey | PickKind::LastNonNull
    );
    for group in ops.iter() {
        if newest_wins && group.iter().all(|(op, _)| *op == Op::Agg) {
            // only adds: the newest (non-null) value, found from the end
            let cur = match kind {
                PickKind::LastNonNull => group.iter().rev().find_map(|&(_, row)| present(row)),
                _ => group.last().and_then(|&(_, row)| present(row)),
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
