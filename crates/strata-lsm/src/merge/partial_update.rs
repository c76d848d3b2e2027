//! `partial-update` (spec §8.2): non-null fields of newer versions overwrite older ones.
//!
//! Without sequence groups every field is the newest non-null value since the last reset (a -D
//! with `partial-update.remove-record-on-delete`). With sequence groups
//! (`fields.<g1,g2>.sequence-group = f1,f2`) a group's sequence fields and protected fields are
//! copied together — nulls included — from a record whose group sequence is ≥ the stored one;
//! a record whose group sequence is all null leaves the group alone; a retract with a newer
//! group sequence nulls the protected fields (or retracts them through their aggregate
//! function). Protected fields may carry an aggregate function (`agg` for newer records, the
//! reversed form for older ones).
//!
//! The walk over a key's versions is a small scalar loop that only decides *which row* each
//! field comes from (or the aggregate operations per field); values are then gathered
//! column-wise straight from the input batches with `interleave` and aggregated by the functions of [`super::aggregate`].
//!
//! Inputs without retractions take a fast path: nothing can reset a row there, so each
//! sequence group and each free field is resolved in its own pass over the keys.
//!
//! Result kind: -D when the last effective record reset the row, +I when an add was seen,
//! otherwise the kind of the last retract (a retract-only group stays a retraction). Groups
//! whose records were all ignored (`ignore-delete`) produce nothing.
//!
//! Reference: `PartialUpdateMergeFunction` (Paimon 0.9).

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::DataType;
use strata_spec::{CoreOptions, RowKind, TypeKind};

use super::aggregate::{create, FieldAgg, Op, Ops, NULL_ROW};
use super::columns::{
    adds_only, arrow_err, assemble, column_of, describe_key, gather_picks, kinds_in_order,
    newest_inserts, output_schema, Merged,
};
use super::{config, group_ranges, MergeFunction, MergeInput};
use crate::error::{Error, Result};
use crate::kv::KvSchema;

/// One sequence group.
#[derive(Debug)]
struct SeqGroup {
    /// Sequence fields (value positions), compared in order.
    seq: Vec<usize>,
    /// Protected fields (value positions), without the sequence fields.
    fields: Vec<usize>,
    /// `partial-update.remove-record-on-sequence-group` names this group.
    remove_on_delete: bool,
}

/// Where a value field's result comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Newest non-null value of an add record since the last reset.
    Free,
    /// Sequence field of group `g`.
    Seq(usize),
    /// Protected field of group `g`.
    Protected(usize),
}

/// The partial-update engine.
#[derive(Debug)]
pub struct PartialUpdate {
    ignore_delete: bool,
    remove_record_on_delete: bool,
    groups: Vec<SeqGroup>,
    roles: Vec<Role>,
    aggs: Vec<Option<Box<dyn FieldAgg>>>,
    nullable: Vec<bool>,
    names: Vec<String>,
}

impl PartialUpdate {
    /// Reads the options of the engine.
    ///
    /// # Errors
    /// [`Error::Config`] for unknown columns, columns in several groups, key columns in a group,
    /// sequence fields of a type that cannot order, aggregate functions on unprotected fields.
    pub fn new(options: &CoreOptions, schema: &KvSchema) -> Result<Self> {
        let fields = &schema.value_fields;
        let index = |name: &str| {
            fields.iter().position(|f| f.name == name).ok_or_else(|| {
                Error::Config(format!(
                    "field '{name}' of a sequence group is not a column of the table"
                ))
            })
        };
        let keys = schema.key_value_indices();
        let remove_groups: Vec<String> = options
            .get("partial-update.remove-record-on-sequence-group")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut roles = vec![Role::Free; fields.len()];
        let mut groups = Vec::new();
        for (seq_names, protected) in options.sequence_groups() {
            let g = groups.len();
            let seq = seq_names
                .iter()
                .map(|n| index(n))
                .collect::<Result<Vec<_>>>()?;
            for &s in &seq {
                let ty = &fields[s].data_type;
                let orderable = matches!(
                    ty.kind,
                    TypeKind::TinyInt
                        | TypeKind::SmallInt
                        | TypeKind::Int
                        | TypeKind::BigInt
                        | TypeKind::Float
                        | TypeKind::Double
                        | TypeKind::Decimal { .. }
                        | TypeKind::Date
                        | TypeKind::Time(_)
                        | TypeKind::Timestamp(_)
                        | TypeKind::LocalZonedTimestamp(_)
                );
                if !orderable {
                    return Err(Error::Config(format!(
                        "sequence group field '{}' has type {ty}, which cannot order versions",
                        fields[s].name
                    )));
                }
                roles[s] = Role::Seq(g);
            }
            let mut members = Vec::new();
            for name in &protected {
                let f = index(name)?;
                if keys.contains(&f) {
                    return Err(Error::Config(format!(
                        "primary-key column '{name}' cannot be in a sequence group"
                    )));
                }
                match roles[f] {
                    Role::Free => roles[f] = Role::Protected(g),
                    Role::Seq(_) if seq.contains(&f) => continue,
                    _ => {
                        return Err(Error::Config(format!(
                            "field '{name}' is defined in several sequence groups"
                        )))
                    }
                }
                members.push(f);
            }
            let remove_on_delete = seq_names.iter().any(|n| remove_groups.contains(n));
            groups.push(SeqGroup {
                seq,
                fields: members,
                remove_on_delete,
            });
        }
        let remove_record_on_delete = options
            .partial_update_remove_record_on_delete()
            .map_err(config)?;
        if remove_record_on_delete && !groups.is_empty() {
            return Err(Error::Config(
                "'partial-update.remove-record-on-delete' cannot be used together with sequence groups".into(),
            ));
        }
        let default = options.get("fields.default-aggregate-function");
        let mut aggs = Vec::with_capacity(fields.len());
        for (f, field) in fields.iter().enumerate() {
            let explicit = options.field_option(&field.name, "aggregate-function");
            let agg = match (roles[f], explicit, default) {
                (Role::Protected(_), Some(name), _) | (Role::Protected(_), None, Some(name)) => {
                    Some(create(name, field, options)?)
                }
                (Role::Free, Some(name), _) if name.trim() != "last_non_null_value" => {
                    return Err(Error::Config(format!(
                        "aggregate function '{name}' of field '{}' needs a sequence group protecting the field",
                        field.name
                    )))
                }
                _ => None,
            };
            aggs.push(agg);
        }
        Ok(PartialUpdate {
            ignore_delete: options.ignore_delete().map_err(config)?,
            remove_record_on_delete,
            groups,
            roles,
            aggs,
            nullable: fields.iter().map(|f| f.data_type.nullable).collect(),
            names: fields.iter().map(|f| f.name.clone()).collect(),
        })
    }
}

/// Per-merge state: the validity of the value columns of every input batch and the encoded
/// group sequences of every batch. Nothing is copied before the walk decides which row each
/// output field comes from.
struct Walk<'a> {
    order: &'a [(usize, usize)],
    /// `[field][batch]`: validity, `None` when the column has no nulls.
    nulls: Vec<Vec<Option<&'a NullBuffer>>>,
    /// `[group]`: encoded sequences of every batch.
    seq_keys: Vec<SeqKeys>,
}

/// A group's sequence values in every input batch.
enum SeqKeys {
    /// One integer-like sequence field (INT, BIGINT, DATE, TIMESTAMP…) as i64 per batch: a
    /// group whose only sequence field is null is skipped, so nulls are never compared.
    Int(Vec<Int64Array>),
    /// Any other sequence: Arrow's row format per batch.
    Rows(Vec<Rows>),
}

impl SeqKeys {
    fn encode(types: &[DataType], batches: &[Vec<ArrayRef>]) -> Result<Self> {
        let int_like = matches!(
            types,
            [DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::Date32
                | DataType::Timestamp(_, _)]
        );
        if int_like {
            let ints = batches
                .iter()
                .map(|cols| {
                    let c = arrow_cast::cast(&cols[0], &DataType::Int64)
                        .map_err(arrow_err("encoding sequence groups"))?;
                    Ok(c.as_primitive::<Int64Type>().clone())
                })
                .collect::<Result<Vec<_>>>()?;
            return Ok(SeqKeys::Int(ints));
        }
        let converter = RowConverter::new(types.iter().cloned().map(SortField::new).collect())
            .map_err(arrow_err("encoding sequence groups"))?;
        let rows = batches
            .iter()
            .map(|cols| {
                converter
                    .convert_columns(cols)
                    .map_err(arrow_err("encoding sequence groups"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SeqKeys::Rows(rows))
    }
}

impl Walk<'_> {
    /// Whether field `f` of merged row `i` is non-null.
    fn is_valid(&self, f: usize, i: usize) -> bool {
        let (b, r) = self.order[i];
        self.nulls[f][b].is_none_or(|n| n.is_valid(r))
    }

    fn all_null(&self, group: &SeqGroup, i: usize) -> bool {
        group.seq.iter().all(|&s| !self.is_valid(s, i))
    }

    /// Group `g`'s sequence of merged row `i` is ≥ that of row `j`.
    fn seq_at_least(&self, g: usize, i: usize, j: usize) -> bool {
        let ((bi, ri), (bj, rj)) = (self.order[i], self.order[j]);
        match &self.seq_keys[g] {
            SeqKeys::Int(v) => v[bi].value(ri) >= v[bj].value(rj),
            SeqKeys::Rows(v) => v[bi].row(ri) >= v[bj].row(rj),
        }
    }
}

impl MergeFunction for PartialUpdate {
    fn merge(&self, input: &MergeInput<'_>) -> Result<RecordBatch> {
        let columns = (0..self.roles.len())
            .map(|f| column_of(input, input.schema.value_col(f)))
            .collect::<Result<Vec<_>>>()?;
        let nulls = columns
            .iter()
            .map(|per_batch| per_batch.iter().map(|c| c.nulls()).collect())
            .collect();
        let types = output_schema(input);
        let type_of = |f: usize| types.field(input.schema.value_col(f)).data_type().clone();
        let seq_keys = self
            .groups
            .iter()
            .map(|g| {
                let types: Vec<DataType> = g.seq.iter().map(|&s| type_of(s)).collect();
                let batches: Vec<Vec<ArrayRef>> = input
                    .batches
                    .iter()
                    .map(|b| {
                        g.seq
                            .iter()
                            .map(|&s| b.column(input.schema.value_col(s)).clone())
                            .collect()
                    })
                    .collect();
                SeqKeys::encode(&types, &batches)
            })
            .collect::<Result<Vec<_>>>()?;
        let walk = Walk {
            order: input.order,
            nulls,
            seq_keys,
        };
        if adds_only(input)? {
            return self.merge_adds(input, &walk);
        }
        let kinds = kinds_in_order(input)?;
        let agg_fields: Vec<usize> = (0..self.aggs.len())
            .filter(|&f| self.aggs[f].is_some())
            .collect();
        let mut ops: HashMap<usize, Ops> =
            agg_fields.iter().map(|&f| (f, Ops::default())).collect();
        let mut picks: Vec<Vec<Option<u32>>> = (0..self.roles.len())
            .map(|_| Vec::with_capacity(input.group_ends.len()))
            .collect();
        let mut newest = Vec::new();
        let mut out_kinds = Vec::new();
        let n_groups = self.groups.len();
        // per key: where each group's sequence and protected fields come from
        let mut seq_src: Vec<Option<usize>> = vec![None; n_groups];
        let mut prot_src: Vec<Option<usize>> = vec![None; n_groups];
        let mut marks: Vec<usize> = Vec::with_capacity(agg_fields.len());
        for (start, end) in group_ranges(input.group_ends) {
            marks.clear();
            marks.extend(agg_fields.iter().map(|f| ops[f].ops.len()));
            let mut reset_at: Option<usize> = None;
            seq_src.fill(None);
            prot_src.fill(None);
            let mut any = false;
            let mut deleted = false;
            let mut seen_add = false;
            let mut last_retract = RowKind::Delete;
            let mut last_effective = end - 1;
            for (i, &kind) in kinds.iter().enumerate().take(end).skip(start) {
                let retract = kind.is_retract();
                if retract && self.ignore_delete {
                    continue;
                }
                if retract && self.groups.is_empty() {
                    if !self.remove_record_on_delete {
                        return Err(Error::Merge(format!(
                            "partial update can not accept {} records (key {}): set 'ignore-delete', \
                             'partial-update.remove-record-on-delete' or sequence groups",
                            kind.short_string(),
                            describe_key(input, input.order[i])
                        )));
                    }
                    if kind == RowKind::Delete {
                        any = true;
                        last_effective = i;
                        deleted = true;
                        reset_at = Some(i);
                    }
                    continue;
                }
                any = true;
                last_effective = i;
                deleted = false;
                if retract {
                    last_retract = kind;
                } else {
                    seen_add = true;
                }
                for (g, group) in self.groups.iter().enumerate() {
                    if walk.all_null(group, i) {
                        continue;
                    }
                    let newer = seq_src[g].is_none_or(|s| walk.seq_at_least(g, i, s));
                    if retract && newer && kind == RowKind::Delete && group.remove_on_delete {
                        // the whole row is deleted; later records start over
                        deleted = true;
                        reset_at = Some(i);
                        seq_src.fill(None);
                        prot_src.fill(None);
                        for (&f, &mark) in agg_fields.iter().zip(&marks) {
                            if let Some(o) = ops.get_mut(&f) {
                                o.ops.truncate(mark);
                                o.ops.push((
                                    Op::Set,
                                    if self.nullable[f] { NULL_ROW } else { i as u32 },
                                ));
                            }
                        }
                        break;
                    }
                    if newer {
                        seq_src[g] = Some(i);
                        prot_src[g] = (!retract).then_some(i);
                    }
                    let op = match (retract, newer) {
                        (true, _) => Op::Retract,
                        (false, true) => Op::Agg,
                        (false, false) => Op::AggOld,
                    };
                    for &f in &group.fields {
                        if let Some(o) = ops.get_mut(&f) {
                            o.ops.push((op, i as u32));
                        }
                    }
                }
            }
            let kind = if deleted {
                RowKind::Delete
            } else if seen_add {
                RowKind::Insert
            } else {
                last_retract
            };
            if !any || (input.drop_retracts && kind.is_retract()) {
                for (f, &mark) in agg_fields.iter().zip(&marks) {
                    if let Some(o) = ops.get_mut(f) {
                        o.ops.truncate(mark);
                    }
                }
                continue;
            }
            for o in ops.values_mut() {
                o.end_group();
            }
            newest.push(input.order[last_effective]);
            out_kinds.push(kind);
            let from = reset_at.map_or(start, |r| r + 1);
            for (f, role) in self.roles.iter().enumerate() {
                let pick = match role {
                    Role::Free => (from..end)
                        .rev()
                        .find(|&i| !kinds[i].is_retract() && walk.is_valid(f, i)),
                    Role::Seq(g) => seq_src[*g],
                    Role::Protected(g) => prot_src[*g],
                };
                let pick = pick.or_else(|| (!self.nullable[f]).then_some(end - 1));
                picks[f].push(pick.map(|i| i as u32));
            }
        }
        self.finish(input, &picks, &ops, &newest, &out_kinds)
    }
}

impl PartialUpdate {
    /// The common case, no retraction in the input: nothing resets a row, so each sequence
    /// group and each free field is resolved in its own tight pass over the keys.
    fn merge_adds(&self, input: &MergeInput<'_>, walk: &Walk<'_>) -> Result<RecordBatch> {
        let n = input.group_ends.len();
        let mut picks: Vec<Vec<Option<u32>>> = vec![Vec::new(); self.roles.len()];
        let mut ops: HashMap<usize, Ops> = HashMap::new();
        for (g, group) in self.groups.iter().enumerate() {
            // the newest record of the group (by its sequence) per key; older ones aggregate
            // in reverse
            let aggregated = group.fields.iter().any(|&f| self.aggs[f].is_some());
            let mut group_ops = Ops::default();
            let mut winners = Vec::with_capacity(n);
            for (start, end) in group_ranges(input.group_ends) {
                let mut cur: Option<usize> = None;
                for i in start..end {
                    if walk.all_null(group, i) {
                        continue;
                    }
                    let newer = cur.is_none_or(|s| walk.seq_at_least(g, i, s));
                    if newer {
                        cur = Some(i);
                    }
                    if aggregated {
                        let op = if newer { Op::Agg } else { Op::AggOld };
                        group_ops.ops.push((op, i as u32));
                    }
                }
                if aggregated {
                    group_ops.end_group();
                }
                winners.push(cur.map(|i| i as u32));
            }
            // aggregated fields take the group's operations, the others its winning rows
            for &f in group.seq.iter().chain(&group.fields) {
                if self.aggs[f].is_some() {
                    ops.insert(f, group_ops.clone());
                } else {
                    picks[f] = winners.clone();
                }
            }
        }
        for (f, role) in self.roles.iter().enumerate() {
            if *role != Role::Free {
                continue;
            }
            // the newest non-null value
            picks[f] = group_ranges(input.group_ends)
                .map(|(start, end)| {
                    (start..end)
                        .rev()
                        .find(|&i| walk.is_valid(f, i))
                        .map(|i| i as u32)
                })
                .collect();
        }
        for (f, field_picks) in picks.iter_mut().enumerate() {
            if !self.nullable[f] {
                for (pick, &end) in field_picks.iter_mut().zip(input.group_ends) {
                    pick.get_or_insert(end as u32 - 1);
                }
            }
        }
        let (newest, kinds) = newest_inserts(input);
        self.finish(input, &picks, &ops, &newest, &kinds)
    }

    /// Evaluates every field (picked rows, or the aggregate over its operations) and assembles
    /// the output rows.
    fn finish(
        &self,
        input: &MergeInput<'_>,
        picks: &[Vec<Option<u32>>],
        ops: &HashMap<usize, Ops>,
        newest: &[(usize, usize)],
        out_kinds: &[RowKind],
    ) -> Result<RecordBatch> {
        let mut values = Vec::with_capacity(self.roles.len());
        for (f, field_picks) in picks.iter().enumerate() {
            let value = match (&self.aggs[f], ops.get(&f)) {
                (Some(agg), Some(o)) => {
                    if !agg.retracts() && o.has_retract() {
                        return Err(Error::Merge(format!(
                            "aggregate function '{}' of field '{}' cannot retract",
                            agg.name(),
                            self.names[f]
                        )));
                    }
                    agg.eval(&Merged::of(input, input.schema.value_col(f))?, o)?
                }
                _ => gather_picks(input, input.schema.value_col(f), field_picks)?,
            };
            values.push(value);
        }
        assemble(input, newest, out_kinds, values)
    }
}
