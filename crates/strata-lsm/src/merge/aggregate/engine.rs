//! The `aggregation` merge engine (spec §8.3): every value column folds its versions with its
//! aggregate function; primary-key columns keep their value and `sequence.field` columns use
//! `last_value`. Add rows call `agg`, retract rows `retract` (an error for functions without
//! one unless `fields.<f>.ignore-retract`); with `aggregation.remove-record-on-delete` a -D
//! resets the state and, when it is the last row, makes the result a -D.

use std::borrow::Cow;

use arrow_array::RecordBatch;
use strata_spec::{CoreOptions, RowKind};

use super::{create, FieldAgg, Merged, Op, Ops, NULL_ROW};
use crate::error::{Error, Result};
use crate::kv::KvSchema;
use crate::merge::columns::{adds_only, assemble, describe_key, kinds_in_order, newest_inserts};
use crate::merge::{config, group_ranges, MergeFunction, MergeInput};

#[derive(Debug)]
struct FieldSpec {
    name: String,
    agg: Box<dyn FieldAgg>,
    ignore_retract: bool,
    nullable: bool,
}

/// The aggregation engine.
#[derive(Debug)]
pub struct Aggregation {
    fields: Vec<FieldSpec>,
    ignore_delete: bool,
    remove_record_on_delete: bool,
}

impl Aggregation {
    /// Binds every value column to its function.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field for unknown functions or unsupported types.
    pub fn new(options: &CoreOptions, schema: &KvSchema) -> Result<Self> {
        let keys = schema.key_value_indices();
        let default = options
            .get("fields.default-aggregate-function")
            .map(str::to_string);
        let remove_record_on_delete = options
            .aggregation_remove_record_on_delete()
            .map_err(config)?;
        let mut fields = Vec::with_capacity(schema.value_fields.len());
        for (i, field) in schema.value_fields.iter().enumerate() {
            let function = if keys.contains(&i) {
                "primary-key".to_string()
            } else if schema.sequence_fields.contains(&i) {
                "last_value".to_string()
            } else {
                options
                    .field_option(&field.name, "aggregate-function")
                    .map(str::to_string)
                    .or_else(|| default.clone())
                    .unwrap_or_else(|| "last_non_null_value".to_string())
            };
            let ignore_retract = options
                .field_option(&field.name, "ignore-retract")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            if ignore_retract && remove_record_on_delete {
                return Err(Error::Config(format!(
                    "'aggregation.remove-record-on-delete' and 'fields.{}.ignore-retract' cannot both be set",
                    field.name
                )));
            }
            fields.push(FieldSpec {
                name: field.name.clone(),
                agg: create(&function, field, options)?,
                ignore_retract,
                nullable: field.data_type.nullable,
            });
        }
        Ok(Aggregation {
            fields,
            ignore_delete: options.ignore_delete().map_err(config)?,
            remove_record_on_delete,
        })
    }
}

impl MergeFunction for Aggregation {
    fn merge(&self, input: &MergeInput<'_>) -> Result<RecordBatch> {
        if adds_only(input)? {
            // the common case: every group folds all its rows and is an insert
            let ops = Ops::adds(input.group_ends);
            let (newest, kinds) = newest_inserts(input);
            return self.finish(input, &ops, &newest, &kinds);
        }
        let kinds = kinds_in_order(input)?;
        let mut ops = Ops::default();
        let mut newest = Vec::with_capacity(input.group_ends.len());
        let mut out_kinds = Vec::with_capacity(input.group_ends.len());
        for (start, end) in group_ranges(input.group_ends) {
            let first_op = ops.ops.len();
            let mut any = false;
            let mut deleted = false;
            let mut last_effective = end - 1;
            for (i, kind) in kinds.iter().enumerate().take(end).skip(start) {
                if kind.is_retract() && self.ignore_delete {
                    continue;
                }
                any = true;
                last_effective = i;
                deleted = false;
                if *kind == RowKind::Delete && self.remove_record_on_delete {
                    ops.ops.truncate(first_op);
                    ops.ops.push((Op::Set, i as u32));
                    deleted = true;
                } else if kind.is_retract() {
                    ops.ops.push((Op::Retract, i as u32));
                } else {
                    ops.ops.push((Op::Agg, i as u32));
                }
            }
            if !any || (deleted && input.drop_retracts) {
                ops.ops.truncate(first_op);
                continue;
            }
            ops.end_group();
            newest.push(input.order[last_effective]);
            out_kinds.push(if deleted {
                RowKind::Delete
            } else {
                RowKind::Insert
            });
        }
        self.finish(input, &ops, &newest, &out_kinds)
    }
}

impl Aggregation {
    /// Evaluates every field over `ops` and assembles the output rows.
    fn finish(
        &self,
        input: &MergeInput<'_>,
        ops: &Ops,
        newest: &[(usize, usize)],
        out_kinds: &[RowKind],
    ) -> Result<RecordBatch> {
        // found once for all fields: most merges hold neither
        let retracts = ops.has_retract();
        let sets = ops.ops.iter().any(|(op, _)| *op == Op::Set);
        let mut values = Vec::with_capacity(self.fields.len());
        for (f, spec) in self.fields.iter().enumerate() {
            let field_ops = field_ops(ops, spec, retracts, sets);
            if retracts && !spec.agg.retracts() && field_ops.has_retract() {
                let row = field_ops
                    .ops
                    .iter()
                    .find(|(op, _)| *op == Op::Retract)
                    .map(|(_, r)| input.order[*r as usize])
                    .unwrap_or_default();
                return Err(Error::Merge(format!(
                    "aggregate function '{}' of field '{}' cannot retract (a -U/-D record of key {}); \
                     set 'fields.{}.ignore-retract' = 'true' to ignore retractions",
                    spec.agg.name(),
                    spec.name,
                    describe_key(input, row),
                    spec.name
                )));
            }
            let column = Merged::of(input, input.schema.value_col(f))?;
            values.push(spec.agg.eval(&column, &field_ops)?);
        }
        assemble(input, newest, out_kinds, values)
    }
}

/// The operations as seen by one field: retractions dropped with `ignore-retract`; a reset
/// of a nullable field starts from null (NOT NULL fields take the -D record's value).
/// `retracts` / `sets`: whether `ops` holds any retraction / reset.
fn field_ops<'a>(ops: &'a Ops, spec: &FieldSpec, retracts: bool, sets: bool) -> Cow<'a, Ops> {
    let drop_retracts = spec.ignore_retract && retracts;
    let resets = spec.nullable && sets;
    if !drop_retracts && !resets {
        return Cow::Borrowed(ops);
    }
    let mut out = if drop_retracts {
        ops.without_retracts()
    } else {
        ops.clone()
    };
    if spec.nullable {
        for (op, row) in &mut out.ops {
            if *op == Op::Set {
                *row = NULL_ROW;
            }
        }
    }
    Cow::Owned(out)
}
