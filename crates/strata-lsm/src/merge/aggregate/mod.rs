//! Aggregate functions of the `aggregation` engine (spec §8.3), also used by `partial-update`
//! on fields protected by a sequence group.
//!
//! A function sees one column in merged order (a key's versions are a contiguous range of
//! merged rows, read straight from the input batches through [`Merged`]), and a list of
//! operations per output group (`Ops`): `Agg` (an add row), `AggOld`
//! (an add row older than the state, partial-update's reversed form), `Retract` (a -U/-D row)
//! and `Set` (the state is replaced, e.g. by `remove-record-on-delete`). It returns one value per
//! group. Pick-style functions (last/first value, max/min, primary key) only choose a row per
//! group and gather it from the inputs; computing functions fold typed values into builders;
//! collection and sketch functions gather their column first.
//!
//! Reference: `FieldAggregator` and its subclasses (Paimon 0.9).

mod collection;
mod engine;
mod numeric;
mod pick;
pub(crate) mod rbm64;
mod sketch;
mod sketch_union;

use std::fmt::Debug;

use arrow_array::ArrayRef;
use strata_spec::{CoreOptions, DataField, TypeKind};

use crate::error::{Error, Result};
pub(crate) use crate::merge::columns::Merged;

pub use engine::Aggregation;

/// What a row does to the state of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// An add row newer than the state: `agg(acc, v)`.
    Agg,
    /// An add row older than the state (partial-update sequence groups): `agg(v, acc)`.
    AggOld,
    /// A retract row: `retract(acc, v)`.
    Retract,
    /// The state becomes the row's value (or null for [`NULL_ROW`]).
    Set,
}

/// Row index meaning "a null value" in [`Ops`].
pub(crate) const NULL_ROW: u32 = u32::MAX;

/// Operations per output group: `(op, merged row)`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Ops {
    pub ops: Vec<(Op, u32)>,
    /// Exclusive end of each group's operations in `ops`.
    pub ends: Vec<usize>,
    /// Every operation is an `Agg` of merged row `i` at position `i` (no retraction, reset
    /// or reversed form): functions may skip following the operations.
    pub adds_only: bool,
}

impl Ops {
    /// Every merged row added in order, grouped by `group_ends`.
    pub fn adds(group_ends: &[usize]) -> Ops {
        let rows = group_ends.last().copied().unwrap_or(0);
        Ops {
            ops: (0..rows as u32).map(|i| (Op::Agg, i)).collect(),
            ends: group_ends.to_vec(),
            adds_only: true,
        }
    }

    /// Number of output groups.
    pub fn groups(&self) -> usize {
        self.ends.len()
    }

    /// The operations of each group.
    pub fn iter(&self) -> impl Iterator<Item = &[(Op, u32)]> + '_ {
        super::group_ranges(&self.ends).map(move |(s, e)| &self.ops[s..e])
    }

    /// Closes the current group.
    pub fn end_group(&mut self) {
        self.ends.push(self.ops.len());
    }

    /// Whether any operation is a retraction.
    pub fn has_retract(&self) -> bool {
        self.ops.iter().any(|(op, _)| *op == Op::Retract)
    }

    /// The same operations without retractions (`ignore-retract`).
    pub fn without_retracts(&self) -> Ops {
        let mut out = Ops::default();
        for group in self.iter() {
            out.ops
                .extend(group.iter().filter(|(op, _)| *op != Op::Retract));
            out.end_group();
        }
        out
    }
}

/// One aggregate function bound to a column.
pub(crate) trait FieldAgg: Send + Sync + Debug {
    /// Function name (for messages).
    fn name(&self) -> &'static str;
    /// Whether `Retract` is supported.
    fn retracts(&self) -> bool;
    /// One value per group of `ops`, with the type of `col`.
    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef>;
}

/// Creates the aggregate function `name` for `field`, checking that it accepts the type.
///
/// # Errors
/// [`Error::Config`] naming the field for unknown functions, unsupported types and functions
/// not implemented yet.
pub(crate) fn create(
    name: &str,
    field: &DataField,
    options: &CoreOptions,
) -> Result<Box<dyn FieldAgg>> {
    let kind = &field.data_type.kind;
    let bad_type = || {
        Error::Config(format!(
            "aggregate function '{name}' of field '{}' does not accept type {}",
            field.name, field.data_type
        ))
    };
    let numeric = matches!(
        kind,
        TypeKind::TinyInt
            | TypeKind::SmallInt
            | TypeKind::Int
            | TypeKind::BigInt
            | TypeKind::Float
            | TypeKind::Double
            | TypeKind::Decimal { .. }
    );
    let comparable = numeric
        || matches!(
            kind,
            TypeKind::Boolean
                | TypeKind::Char(_)
                | TypeKind::VarChar(_)
                | TypeKind::Binary(_)
                | TypeKind::VarBinary(_)
                | TypeKind::Date
                | TypeKind::Time(_)
                | TypeKind::Timestamp(_)
                | TypeKind::LocalZonedTimestamp(_)
        );
    let flag = |suffix: &str| {
        options
            .field_option(&field.name, suffix)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    };
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "sum" if numeric => Box::new(numeric::Sum),
        "product" if numeric => Box::new(numeric::Product),
        "count" if matches!(kind, TypeKind::Int | TypeKind::BigInt) => Box::new(numeric::Count),
        "bool_and" if matches!(kind, TypeKind::Boolean) => Box::new(numeric::Bool { and: true }),
        "bool_or" if matches!(kind, TypeKind::Boolean) => Box::new(numeric::Bool { and: false }),
        "max" if comparable => Box::new(pick::Pick(pick::PickKind::Max)),
        "min" if comparable => Box::new(pick::Pick(pick::PickKind::Min)),
        "last_value" => Box::new(pick::Pick(pick::PickKind::Last)),
        "last_non_null_value" => Box::new(pick::Pick(pick::PickKind::LastNonNull)),
        "first_value" => Box::new(pick::Pick(pick::PickKind::First)),
        "first_non_null_value" | "first_not_null_value" => {
            Box::new(pick::Pick(pick::PickKind::FirstNonNull))
        }
        "primary-key" => Box::new(pick::Pick(pick::PickKind::PrimaryKey)),
        "listagg" if field.data_type.is_string() => Box::new(collection::ListAgg {
            delimiter: options
                .field_option(&field.name, "list-agg-delimiter")
                .unwrap_or(",")
                .to_string(),
            distinct: flag("distinct"),
        }),
        "collect" if matches!(kind, TypeKind::Array(_)) => Box::new(collection::Elements {
            mode: collection::Mode::Collect {
                distinct: flag("distinct"),
            },
        }),
        "merge_map" if matches!(kind, TypeKind::Map(..)) => Box::new(collection::Elements {
            mode: collection::Mode::MergeMap,
        }),
        "nested_update" if matches!(kind, TypeKind::Array(e) if matches!(e.kind, TypeKind::Row(_))) =>
        {
            let TypeKind::Array(element) = kind else {
                return Err(bad_type());
            };
            let TypeKind::Row(fields) = &element.kind else {
                return Err(bad_type());
            };
            let keys = options
                .field_option(&field.name, "nested-key")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let key_indices = keys
                .iter()
                .map(|k| {
                    fields.iter().position(|f| &f.name == k).ok_or_else(|| {
                        Error::Config(format!(
                            "nested-key '{k}' of field '{}' is not a field of its rows",
                            field.name
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let limit = match options.field_option(&field.name, "count-limit") {
                None => None,
                Some(v) => Some(v.trim().parse::<usize>().map_err(|_| {
                    Error::Config(format!(
                        "fields.{}.count-limit must be a positive integer, got '{v}'",
                        field.name
                    ))
                })?),
            };
            Box::new(collection::Elements {
                mode: collection::Mode::Nested {
                    keys: key_indices,
                    limit,
                },
            })
        }
        "rbm32" | "rbm64" | "hll_sketch" | "theta_sketch"
            if matches!(kind, TypeKind::VarBinary(_)) =>
        {
            Box::new(sketch::Sketch {
                kind: match name.trim().to_ascii_lowercase().as_str() {
                    "rbm32" => sketch::SketchKind::Rbm32,
                    "rbm64" => sketch::SketchKind::Rbm64,
                    "hll_sketch" => sketch::SketchKind::Hll,
                    _ => sketch::SketchKind::Theta,
                },
                field: field.name.clone(),
            })
        }
        "merge_map_with_keytime" | "nested_partial_update" => {
            return Err(Error::Config(format!(
                "aggregate function '{name}' of field '{}' is not supported yet",
                field.name
            )))
        }
        "sum" | "product" | "count" | "bool_and" | "bool_or" | "max" | "min" | "listagg"
        | "collect" | "merge_map" | "nested_update" | "rbm32" | "rbm64" | "hll_sketch"
        | "theta_sketch" => return Err(bad_type()),
        other => {
            return Err(Error::Config(format!(
                "unknown aggregate function '{other}' for field '{}'",
                field.name
            )))
        }
    })
}
