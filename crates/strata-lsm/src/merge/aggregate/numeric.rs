//! Computing functions over numbers and booleans: `sum`, `product`, `count`, `bool_and`,
//! `bool_or`. Each folds typed values per group and appends the result to a builder.

use std::sync::Arc;

use arrow_array::builder::PrimitiveBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowNativeTypeOp, ArrowPrimitiveType, BooleanArray, PrimitiveArray,
};
use arrow_schema::DataType as ArrowType;

use super::{FieldAgg, Merged, Op, Ops};
use crate::error::{Error, Result};

/// Folds a primitive column straight from the input batches: `step(acc, v, op)` is called
/// for non-null values; null values leave the accumulator unchanged; `Set` replaces it.
fn fold<T: ArrowPrimitiveType>(
    col: &Merged<'_>,
    ops: &Ops,
    step: impl Fn(Option<T::Native>, T::Native, Op) -> Result<Option<T::Native>>,
) -> Result<ArrayRef> {
    let arrays = col.primitive::<T>()?;
    let mut out =
        PrimitiveBuilder::<T>::with_capacity(ops.groups()).with_data_type(col.data_type().clone());
    for group in ops.iter() {
        let mut acc = None;
        for &(op, row) in group {
            let v = col.at(row).map(|(b, r)| arrays[b].value(r));
            acc = match (op, v) {
                (Op::Set, v) => v,
                (_, None) => acc,
                (op, Some(v)) => step(acc, v, op)?,
            };
        }
        out.append_option(acc);
    }
    Ok(Arc::new(out.finish()))
}

fn overflow(function: &str, e: impl std::fmt::Display) -> Error {
    Error::Merge(format!("aggregate function '{function}': {e}"))
}

/// Dispatches on the Arrow type of a numeric column.
macro_rules! numeric_dispatch {
    ($col:expr, $ops:expr, $name:expr, $step:ident) => {
        match $col.data_type() {
            ArrowType::Int8 => fold::<Int8Type>($col, $ops, |a, v, op| $step(a, v, op, false)),
            ArrowType::Int16 => fold::<Int16Type>($col, $ops, |a, v, op| $step(a, v, op, false)),
            ArrowType::Int32 => fold::<Int32Type>($col, $ops, |a, v, op| $step(a, v, op, false)),
            ArrowType::Int64 => fold::<Int64Type>($col, $ops, |a, v, op| $step(a, v, op, false)),
            ArrowType::Float32 => fold::<Float32Type>($col, $ops, |a, v, op| $step(a, v, op, true)),
            ArrowType::Float64 => fold::<Float64Type>($col, $ops, |a, v, op| $step(a, v, op, true)),
            ArrowType::Decimal128(p, s) => {
                let (p, s) = (*p, *s);
                fold::<Decimal128Type>($col, $ops, |a, v, op| decimal_step($name, a, v, op, p, s))
            }
            other => Err(Error::Internal(format!(
                "aggregate function '{}' over {other}",
                $name
            ))),
        }
    };
}

/// `sum`: null-ignoring addition; retract subtracts (a null accumulator counts as 0).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sum;

fn sum_step<N: ArrowNativeTypeOp>(acc: Option<N>, v: N, op: Op, _float: bool) -> Result<Option<N>> {
    let acc = acc.unwrap_or(N::ZERO);
    let r = match op {
        Op::Retract => acc.sub_checked(v),
        _ => acc.add_checked(v),
    };
    r.map(Some).map_err(|e| overflow("sum", e))
}

impl FieldAgg for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }
    fn retracts(&self) -> bool {
        true
    }
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        numeric_dispatch!(col, ops, "sum", sum_step)
    }
}

/// `product`: null-ignoring multiplication; retract divides (a null accumulator stays null).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Product;

fn product_step<N: ArrowNativeTypeOp>(
    acc: Option<N>,
    v: N,
    op: Op,
    float: bool,
) -> Result<Option<N>> {
    let Some(acc) = acc else {
        return Ok(if op == Op::Retract { None } else { Some(v) });
    };
    let r = match op {
        Op::Retract if float => Ok(acc.div_wrapping(v)),
        Op::Retract => acc.div_checked(v),
        _ => acc.mul_checked(v),
    };
    r.map(Some).map_err(|e| overflow("product", e))
}

impl FieldAgg for Product {
    fn name(&self) -> &'static str {
        "product"
    }
    fn retracts(&self) -> bool {
        true
    }
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        numeric_dispatch!(col, ops, "product", product_step)
    }
}

/// Decimal arithmetic at the column's scale; results beyond the precision become null (as
/// Java's `Decimal` does).
fn decimal_step(
    function: &str,
    acc: Option<i128>,
    v: i128,
    op: Op,
    precision: u8,
    scale: i8,
) -> Result<Option<i128>> {
    let factor = 10i128.checked_pow(scale.max(0) as u32).unwrap_or(i128::MAX);
    let result = match (function, op, acc) {
        ("sum", Op::Retract, acc) => acc.unwrap_or(0).checked_sub(v),
        ("sum", _, acc) => acc.unwrap_or(0).checked_add(v),
        ("product", Op::Retract, None) => return Ok(None),
        ("product", _, None) => Some(v),
        ("product", Op::Retract, Some(acc)) => {
            if v == 0 {
                return Err(overflow("product", "division by zero"));
            }
            acc.checked_mul(factor).map(|n| div_half_up(n, v))
        }
        ("product", _, Some(acc)) => acc.checked_mul(v).map(|n| div_half_up(n, factor)),
        _ => return Err(Error::Internal(format!("decimal step of {function}"))),
    };
    let limit = 10i128.checked_pow(precision as u32).unwrap_or(i128::MAX);
    Ok(result.filter(|r| r.unsigned_abs() < limit.unsigned_abs()))
}

/// Integer division rounding half away from zero (Java's `RoundingMode.HALF_UP`).
fn div_half_up(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.unsigned_abs() * 2 >= d.unsigned_abs() {
        if (n < 0) != (d < 0) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

/// `count` (INT / BIGINT): Java's `FieldCountAgg`: the first row counts 1, every further
/// non-null value adds 1; a retract of a non-null value subtracts 1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Count;

impl FieldAgg for Count {
    fn name(&self) -> &'static str {
        "count"
    }
    fn retracts(&self) -> bool {
        true
    }
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        let mut out: Vec<Option<i64>> = Vec::with_capacity(ops.groups());
        for group in ops.iter() {
            let mut acc: Option<i64> = None;
            for &(op, row) in group {
                let v = col.at(row);
                acc = match (op, acc, v) {
                    (Op::Set, _, Some((b, r))) => Some(int_at(col.arrays[b], r)),
                    (Op::Set, _, None) => None,
                    (_, None, _) => Some(1),
                    (_, Some(a), None) => Some(a),
                    (Op::Retract, Some(a), Some(_)) => Some(a - 1),
                    (_, Some(a), Some(_)) => Some(a + 1),
                };
            }
            out.push(acc);
        }
        Ok(match col.data_type() {
            ArrowType::Int32 => Arc::new(PrimitiveArray::<Int32Type>::from_iter(
                out.into_iter().map(|v| v.map(|v| v as i32)),
            )),
            _ => Arc::new(PrimitiveArray::<Int64Type>::from(out)),
        })
    }
}

fn int_at(col: &dyn Array, r: usize) -> i64 {
    match col.data_type() {
        ArrowType::Int32 => col.as_primitive::<Int32Type>().value(r) as i64,
        _ => col.as_primitive::<Int64Type>().value(r),
    }
}

/// `bool_and` / `bool_or`: null-ignoring AND / OR.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bool {
    pub and: bool,
}

impl FieldAgg for Bool {
    fn name(&self) -> &'static str {
        if self.and {
            "bool_and"
        } else {
            "bool_or"
        }
    }
    fn retracts(&self) -> bool {
        false
    }
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        let gathered = col.gather()?;
        let array = gathered.as_boolean();
        let mut out: Vec<Option<bool>> = Vec::with_capacity(ops.groups());
        for group in ops.iter() {
            let mut acc = None;
            for &(op, row) in group {
                let v = col.present(row).map(|r| array.value(r));
                acc = match (op, acc, v) {
                    (Op::Set, _, v) => v,
                    (Op::Retract, a, _) | (_, a, None) => a,
                    (_, None, Some(v)) => Some(v),
                    (_, Some(a), Some(v)) => Some(if self.and { a && v } else { a || v }),
                };
            }
            out.push(acc);
        }
        Ok(Arc::new(BooleanArray::from(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_division() {
        assert_eq!(div_half_up(15, 10), 2);
        assert_eq!(div_half_up(14, 10), 1);
        assert_eq!(div_half_up(-15, 10), -2);
        assert_eq!(div_half_up(-14, 10), -1);
        assert_eq!(
            decimal_step("product", Some(150), 200, Op::Agg, 10, 2).unwrap(),
            Some(300)
        );
        assert_eq!(
            decimal_step("product", Some(300), 200, Op::Retract, 10, 2).unwrap(),
            Some(150)
        );
        assert_eq!(
            decimal_step("sum", Some(99), 1, Op::Agg, 2, 0).unwrap(),
            None
        );
    }
}
