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

/// A random value of an atomic type (nulls included); `BYTES` columns named after a bitmap or
/// sketch function hold a serialized bitmap or sketch of a few small numbers.
fn random_value(rng: &mut impl Rng, name: &str, ty: &str) -> Datum {
    if rng.random_bool(0.25) {
        return Null;
    }
    match (name, ty) {
        ("rbm32" | "rbm64" | "hll" | "theta", _) => Datum::Bytes(random_sketch(rng, name)),
        (_, ty) => random_atom(rng, ty),
    }
}

fn random_atom(rng: &mut impl Rng, ty: &str) -> Datum {
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
            engine: MergeEngine::PartialUpdate,
            columns: &[
                ("g", "INT"),
                ("rbm32", "BYTES"),
                ("rbm64", "BYTES"),
                ("hll", "BYTES"),
                ("theta", "BYTES"),
            ],
            options: &[
                ("fields.g.sequence-group", "rbm32,rbm64,hll,theta"),
                ("fields.rbm32.aggregate-function", "rbm32"),
                ("fields.rbm64.aggregate-function", "rbm64"),
                ("fields.hll.aggregate-function", "hll_sketch"),
                ("fields.theta.aggregate-function", "theta_sketch"),
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
        Case {
            engine: MergeEngine::Aggregation,
            columns: &[
                ("rbm32", "BYTES"),
                ("rbm64", "BYTES"),
                ("hll", "BYTES"),
                ("theta", "BYTES"),
            ],
            options: &[
                ("fields.rbm32.aggregate-function", "rbm32"),
                ("fields.rbm64.aggregate-function", "rbm64"),
                ("fields.hll.aggregate-function", "hll_sketch"),
                ("fields.theta.aggregate-function", "theta_sketch"),
            ],
            kinds: ADDS,
        },
        Case {
            engine: MergeEngine::Aggregation,
            columns: &[("rbm32", "BYTES"), ("hll", "BYTES"), ("theta", "BYTES")],
            options: &[
                ("fields.default-aggregate-function", "theta_sketch"),
                ("fields.rbm32.aggregate-function", "rbm32"),
                ("fields.hll.aggregate-function", "hll_sketch"),
                ("fields.rbm32.ignore-retract", "true"),
                ("fields.hll.ignore-retract", "true"),
                ("fields.theta.ignore-retract", "true"),
            ],
            kinds: ALL,
        },
    ]
}

/// A serialized 32-bit roaring bitmap, HLL sketch (lgK 12, HLL_4) or Theta sketch of up to a
/// dozen numbers drawn from a small range (runs and several containers for the bitmaps).
fn random_sketch(rng: &mut impl Rng, name: &str) -> Vec<u8> {
    use datasketches::hll::{HllSketch, HllType};
    use datasketches::theta::ThetaSketchBuilder;
    let n = rng.random_range(0..12);
    let mut out = Vec::new();
    match name {
        "rbm32" => {
            let mut bitmap = roaring::RoaringBitmap::new();
            for _ in 0..n {
                let base = [0u32, 65_530, 131_072, 4_000_000_000][rng.random_range(0..4)];
                let start = base + rng.random_range(0..20);
                bitmap.insert_range(start..start + rng.random_range(1..6));
            }
            if rng.random_bool(0.5) {
                bitmap.optimize();
            }
            bitmap.serialize_into(&mut out).unwrap();
        }
        "rbm64" => {
            // as Java's `RoaringBitmap64.bitmapOf` builds them, in random order: keys that share
            // prefixes or not, negative longs, runs
            let mut values = Vec::new();
            for _ in 0..n {
                let base =
                    [0u64, 65_530, 1 << 40, 5 << 44, u64::MAX - 300_000][rng.random_range(0..5)];
                let start = base + rng.random_range(0..20) + (rng.random_range(0..4u64) << 16);
                values.extend(start..start + rng.random_range(1..6));
            }
            rand::seq::SliceRandom::shuffle(&mut values[..], rng);
            out = crate::merge::aggregate::rbm64::rbm64_of(&values);
        }
        "hll" => {
            let mut sketch = HllSketch::new(12, HllType::Hll4).unwrap();
            for _ in 0..n {
                sketch.update(rng.random_range(0..40i64));
            }
            out = sketch.serialize();
        }
        _ => {
            let mut sketch = ThetaSketchBuilder::default().build().unwrap();
            for _ in 0..n {
                sketch.update(rng.random_range(0..40i64));
            }
            out = sketch.compact(true).serialize();
        }
    }
    out
}

/// What a bitmap or sketch means, for comparing results merged in different orders: their bytes
/// may differ where the order of unions changes a hash table's layout, their content may not.
fn meaning(rows: Vec<Vec<Datum>>, columns: &[(&str, &str)]) -> Vec<Vec<Datum>> {
    use datasketches::hll::HllSketch;
    use datasketches::theta::CompactThetaSketch;
    rows.into_iter()
        .map(|mut row| {
            // key, sequence, kind, key again, then the columns
            for (i, (name, _)) in columns.iter().enumerate() {
                let Datum::Bytes(b) = &row[i + 4] else {
                    continue;
                };
                let text = match *name {
                    "rbm32" => format!(
                        "{:?}",
                        roaring::RoaringBitmap::deserialize_from(&b[..])
                            .unwrap()
                            .iter()
                            .collect::<Vec<_>>()
                    ),
                    "rbm64" => format!(
                        "{:?}",
                        crate::merge::aggregate::rbm64::rbm64_values(b).unwrap()
                    ),
                    "hll" => format!("{}", HllSketch::deserialize(b).unwrap().estimate()),
                    "theta" => {
                        let sketch = CompactThetaSketch::deserialize(b).unwrap();
                        let mut hashes: Vec<u64> = sketch.iter().map(|e| e.hash()).collect();
                        hashes.sort_unstable();
                        format!("{} {hashes:?}", sketch.theta64())
                    }
                    _ => continue,
                };
                row[i + 4] = s(&text);
            }
            row
        })
        .collect()
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
                        .map(|(name, ty)| random_value(&mut rng, name, ty))
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
                    meaning(rows_of(&sc, &direct), case.columns),
                    meaning(rows_of(&sc, &staged), case.columns),
                    "{:?} {:?} drop={drop}: input {all:?} parts {parts:?}",
                    case.engine,
                    case.options
                );
            }
        }
    }
}

/// Partial-update and aggregation fold inputs without retractions on a fast path; one ignored
/// retraction (of a key of its own) sends the same rows down the general walk, which must
/// agree.
#[test]
fn the_adds_only_fast_path_equals_the_general_walk() {
    let mut rng = crate::testutil::rng("the_adds_only_fast_path_equals_the_general_walk");
    for case in cases() {
        if !matches!(
            case.engine,
            MergeEngine::PartialUpdate | MergeEngine::Aggregation
        ) {
            continue;
        }
        let sc = schema(case.columns, &[]);
        let mut pairs = case.options.to_vec();
        pairs.push(("ignore-delete", "true"));
        let Ok(mf) = merge_function(case.engine, &options(&pairs), &sc) else {
            continue;
        };
        let random_values = |rng: &mut rand::rngs::StdRng| {
            case.columns
                .iter()
                .map(|(name, ty)| random_value(rng, name, ty))
                .collect::<Vec<_>>()
        };
        for _ in 0..40 {
            let mut rows = Vec::new();
            let mut seq = 0;
            for key in 0..rng.random_range(1..6) {
                for _ in 0..rng.random_range(1..7) {
                    let kind = ADDS[rng.random_range(0..ADDS.len())];
                    rows.push(row(key, seq, kind, random_values(&mut rng)));
                    seq += 1;
                }
            }
            let fast = merge_batches(mf.as_ref(), &sc, &[batch(&sc, &rows)], true).unwrap();
            let mut with_retract = rows.clone();
            with_retract.push(row(100, seq, UB, random_values(&mut rng)));
            let general =
                merge_batches(mf.as_ref(), &sc, &[batch(&sc, &with_retract)], true).unwrap();
            assert_eq!(
                rows_of(&sc, &fast),
                rows_of(&sc, &general),
                "{:?} {:?}: input {rows:?}",
                case.engine,
                case.options
            );
        }
    }
}
