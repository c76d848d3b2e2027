//! The shared property of the merge engines: merging consecutive sub-groups of each key's
//! versions first, then merging the partial results, equals merging everything at once.

use arrow_array::RecordBatch;
use rand::Rng;
use strata_spec::options::MergeEngine;
use strata_spec::{Datum, RowKind};

use super::merge_function;
use super::tests::{batch, merge_batches, options, row, rows_of, schema, Row};

use Datum::{Int, Null};
use RowKind::{Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

fn s(v: &str) -> Datum {
    Datum::String(v.to_string())
}

/// A random value of an atomic type (nulls included).
fn random_value(rng: &mut impl Rng, ty: &str) -> Datum {
    if rng.random_bool(0.25) {
        return Null;
    }
    match ty {
        "INT" => Int(rng.random_range(-5..6)),
        "BIGINT" => Datum::BigInt(rng.random_range(-5..6)),
        "BOOLEAN" => Datum::Boolean(rng.random_bool(0.5)),
        _ => s(["", " ", "a", "b", "c", "a,b"][rng.random_range(0..6)]),
    }
}

struct Case {
    engine: MergeEngine,
    columns: &'static [(&'static str, &'static str)],
    options: &'static [(&'static str, &'static str)],
    kinds: &'static [RowKind],
}

const ADDS: &[RowKind] = &[I, UA];
const ALL: &[RowKind] = &[I, UA, UB, D];

fn cases() -> Vec<Case> {
    let basic: &'static [(&'static str, &'static str)] = &[("a", "INT"), ("b", "STRING")];
    vec![
        Case {
            engine: MergeEngine::Deduplicate,
            columns: basic,
            options: &[],
            kinds: ALL,
        },
        Case {
            engine: MergeEngine::Deduplicate,
            columns: basic,
            options: &[("ignore-delete", "true")],
            kinds: ALL,
        },
        Case {
            engine: MergeEngine::FirstRow,
            columns: basic,
            options: &[],
            kinds: ADDS,
        },
        Case {
            engine: MergeEngine::FirstRow,
            columns: basic,
            options: &[("ignore-delete", "true")],
            kinds: ALL,
        },
        Case {
            engine: MergeEngine::PartialUpdate,
            columns: basic,
            options: &[],
            kinds: ADDS,
        },
        Case {
            engine: MergeEngine::PartialUpdate,
            columns: basic,
            options: &[("ignore-delete", "true")],
            kinds: ALL,
        },
        Case {
            engine: MergeEngine::PartialUpdate,
            columns: &[
                ("g", "INT"),
                ("a", "INT"),
                ("b", "STRING"),
                ("h", "BIGINT"),
                ("c", "INT"),
                ("free", "STRING"),
            ],
            options: &[
                ("fields.g.sequence-group", "a,b"),
                ("fields.h.sequence-group", "c"),
            ],
            kinds: ALL,
        },
        Case {
            engine: MergeEngine::PartialUpdate,
            columns: &[
                ("g", "INT"),
                ("a", "INT"),
                ("b", "STRING"),
                ("free", "STRING"),
            ],
            options: &[
                ("fields.g.sequence-group", "a,b"),
                ("fields.a.aggregate-function", "sum"),
                ("fields.b.aggregate-function", "max"),
            ],
            kinds: ADDS,
        },
        Case {
            engine: MergeEngine::Aggregation,
            columns: &[
                ("s", "INT"),
                ("p", "BIGINT"),
                ("mx", "STRING"),
                ("mn", "INT"),
                ("lv", "STRING"),
                ("lnn", "INT"),
                ("fv", "STRING"),
                ("fnn", "INT"),
                ("la", "STRING"),
                ("band", "BOOLEAN"),
                ("bor", "BOOLEAN"),
            ],
            options: &[
                ("fields.s.aggregate-function", "sum"),
                ("fields.p.aggregate-function", "product"),
                ("fields.mx.aggregate-function", "max"),
                ("fields.mn.aggregate-function", "min"),
                ("fields.lv.aggregate-function", "last_value"),
                ("fields.fv.aggregate-function", "first_value"),
                ("fields.fnn.aggregate-function", "first_non_null_value"),
                ("fields.la.aggregate-function", "listagg"),
                ("fields.band.aggregate-function", "bool_and"),
                ("fields.bor.aggregate-function", "bool_or"),
            ],
            kinds: ADDS,
        },
        Case {
            engine: MergeEngine::Aggregation,
            columns: &[("s", "INT"), ("lv", "STRING"), ("t", "BIGINT")],
            options: &[
                ("fields.s.aggregate-function", "sum"),
                ("fields.lv.aggregate-function", "last_value"),
                ("fields.t.aggregate-function", "sum"),
            ],
            kinds: ALL,
        },
        Case {
            engine: MergeEngine::Aggregation,
            columns: basic,
            options: &[("ignore-delete", "true")],
            kinds: ALL,
        },
    ]
}

#[test]
fn merging_sub_groups_first_changes_nothing() {
    let mut rng = crate::testutil::rng("merging_sub_groups_first_changes_nothing");
    for case in cases() {
        let sc = schema(case.columns, &[]);
        let mf = merge_function(case.engine, &options(case.options), &sc).unwrap();
        for _ in 0..40 {
            // versions per key, split into consecutive parts
            let mut parts: Vec<Vec<Row>> = Vec::new();
            let mut all = Vec::new();
            let mut seq = 0;
            for key in 0..rng.random_range(1..6) {
                let n = rng.random_range(1..7);
                let mut part = 0;
                for _ in 0..n {
                    let values = case
                        .columns
                        .iter()
                        .map(|(_, ty)| random_value(&mut rng, ty))
                        .collect();
                    let kind = case.kinds[rng.random_range(0..case.kinds.len())];
                    let r = row(key, seq, kind, values);
                    seq += 1;
                    all.push(r.clone());
                    if parts.len() <= part {
                        parts.push(Vec::new());
                    }
                    parts[part].push(r);
                    if rng.random_bool(0.4) {
                        part += 1;
                    }
                }
            }
            for drop in [false, true] {
                let direct = merge_batches(mf.as_ref(), &sc, &[batch(&sc, &all)], drop).unwrap();
                let partial: Vec<RecordBatch> = parts
                    .iter()
                    .map(|p| merge_batches(mf.as_ref(), &sc, &[batch(&sc, p)], false).unwrap())
                    .collect();
                let staged = merge_batches(mf.as_ref(), &sc, &partial, drop).unwrap();
                assert_eq!(
                    rows_of(&sc, &direct),
                    rows_of(&sc, &staged),
                    "{:?} {:?} drop={drop}: input {all:?} parts {parts:?}",
                    case.engine,
                    case.options
                );
            }
        }
    }
}
