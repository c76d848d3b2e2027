//! Tests of the casts.

use super::*;
use arrow_array::builder::{Int32Builder, ListBuilder, MapBuilder, StringBuilder};
use arrow_array::types::{Float64Type, Time32MillisecondType};
use arrow_array::{
    BinaryViewArray, DictionaryArray, FixedSizeBinaryArray, Float32Array, Float64Array, Int16Array,
    Int32Array, Int8Array, LargeStringArray, StringViewArray, Time64MicrosecondArray,
    TimestampNanosecondArray,
};
use arrow_array::{StringArray, StructArray};
use arrow_schema::Field;

fn t(s: &str) -> DataType {
    DataType::parse(s).unwrap()
}

fn cast(a: ArrayRef, s: &str) -> ArrayRef {
    let ty = t(s);
    let out = cast_array(&a, &ty).unwrap();
    assert_eq!(out.data_type(), &arrow_type(&ty), "{s}");
    out
}

#[test]
fn canonical_arrays_are_not_copied() {
    let a: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
    let out = cast_array(&a, &t("STRING")).unwrap();
    assert!(Arc::ptr_eq(&a, &out));
}

#[test]
fn string_shapes() {
    let dict: DictionaryArray<Int32Type> = vec!["a", "b", "a"].into_iter().collect();
    let out = cast(Arc::new(dict), "STRING");
    assert_eq!(out.as_string::<i32>().value(2), "a");
    let out = cast(Arc::new(LargeStringArray::from(vec!["x"])), "VARCHAR(3)");
    assert_eq!(out.as_string::<i32>().value(0), "x");
    let out = cast(Arc::new(StringViewArray::from(vec!["v"])), "STRING");
    assert_eq!(out.as_string::<i32>().value(0), "v");
    let out = cast(Arc::new(BinaryViewArray::from(vec![&b"b"[..]])), "BYTES");
    assert_eq!(out.as_binary::<i32>().value(0), b"b");
    let fsb = FixedSizeBinaryArray::try_from_iter(vec![vec![1u8, 2, 3]].into_iter()).unwrap();
    let out = cast(Arc::new(fsb), "BINARY(3)");
    assert_eq!(out.as_binary::<i32>().value(0), &[1, 2, 3]);
}

#[test]
fn widening_and_any_to_string() {
    let out = cast(Arc::new(Int8Array::from(vec![Some(-5), None])), "BIGINT");
    assert_eq!(out.as_primitive::<Int64Type>().value(0), -5);
    assert!(out.is_null(1));
    let out = cast(Arc::new(Int16Array::from(vec![7])), "DECIMAL(10, 2)");
    assert_eq!(out.as_primitive::<Decimal128Type>().value(0), 700);
    let out = cast(Arc::new(Float32Array::from(vec![1.5])), "DOUBLE");
    assert_eq!(out.as_primitive::<Float64Type>().value(0), 1.5);
    let d = PrimitiveArray::<Decimal128Type>::from(vec![12345])
        .with_precision_and_scale(5, 2)
        .unwrap();
    let out = cast(Arc::new(d.clone()), "DECIMAL(10, 3)");
    assert_eq!(out.as_primitive::<Decimal128Type>().value(0), 123450);
    let out = cast(Arc::new(d), "STRING");
    assert_eq!(out.as_string::<i32>().value(0), "123.45");
    let out = cast(
        Arc::new(Float64Array::from(vec![1e10, 0.5, -0.0, 1e-4, 123.0])),
        "STRING",
    );
    let s = out.as_string::<i32>();
    assert_eq!(
        (0..5).map(|i| s.value(i)).collect::<Vec<_>>(),
        vec!["1.0E10", "0.5", "-0.0", "1.0E-4", "123.0"]
    );
    let out = cast(
        Arc::new(TimestampNanosecondArray::from(vec![
            1_704_164_645_123_456_789,
        ])),
        "STRING",
    );
    assert_eq!(
        out.as_string::<i32>().value(0),
        "2024-01-02 03:04:05.123456789"
    );
    assert!(matches!(
        cast_array(
            &(Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
            &t("INT")
        ),
        Err(Error::Unsupported { .. })
    ));
    // Narrowing that does not fit fails instead of producing a null.
    assert!(cast_array(
        &(Arc::new(Int32Array::from(vec![1000])) as ArrayRef),
        &t("TINYINT")
    )
    .is_err());
}

#[test]
fn temporal_shapes() {
    let ns: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![-1, 1_999_999]));
    let out = cast(ns.clone(), "TIMESTAMP(3)");
    let v = out.as_primitive::<TimestampMillisecondType>();
    assert_eq!((v.value(0), v.value(1)), (-1, 1));
    let out = cast(ns, "TIMESTAMP(6) WITH LOCAL TIME ZONE");
    assert_eq!(out.as_primitive::<TimestampMicrosecondType>().value(0), -1);
    let out = cast(Arc::new(Int32Array::from(vec![3_600_000])), "TIME(3)");
    assert_eq!(
        out.as_primitive::<Time32MillisecondType>().value(0),
        3_600_000
    );
    let out = cast(
        Arc::new(Time64MicrosecondArray::from(vec![1_500])),
        "TIME(3)",
    );
    assert_eq!(out.as_primitive::<Time32MillisecondType>().value(0), 1);
    let out = cast(
        Arc::new(PrimitiveArray::<Date32Type>::from(vec![1])),
        "TIMESTAMP(6)",
    );
    assert_eq!(
        out.as_primitive::<TimestampMicrosecondType>().value(0),
        86_400_000_000
    );
    let out = cast(
        Arc::new(PrimitiveArray::<Int64Type>::from(vec![5])),
        "TIMESTAMP(3)",
    );
    assert_eq!(out.as_primitive::<TimestampMillisecondType>().value(0), 5);
}

#[test]
fn nested_children_are_renamed_and_cast() {
    let mut lb = ListBuilder::new(Int32Builder::new());
    lb.values().append_value(1);
    lb.values().append_null();
    lb.append(true);
    lb.append(false);
    let list: ArrayRef = Arc::new(lb.finish()); // item field named "item"
    let out = cast(list, "ARRAY<BIGINT>");
    let l = out.as_list::<i32>();
    assert!(l.is_null(1));
    assert_eq!(l.value(0).as_primitive::<Int64Type>().value(0), 1);

    let mut mb = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
    mb.keys().append_value("k");
    mb.values().append_value(1);
    mb.append(true).unwrap();
    mb.append(false).unwrap();
    let map: ArrayRef = Arc::new(mb.finish()); // entries/keys/values
    let out = cast(map, "MAP<STRING, BIGINT>");
    assert!(out.is_null(1));

    let s = StructArray::from(vec![
        (
            Arc::new(Field::new("y", ArrowType::LargeUtf8, true)),
            Arc::new(LargeStringArray::from(vec!["z"])) as ArrayRef,
        ),
        (
            Arc::new(Field::new("x", ArrowType::Int16, true)),
            Arc::new(Int16Array::from(vec![4])) as ArrayRef,
        ),
    ]);
    let out = cast(Arc::new(s), "ROW<x INT NOT NULL, y STRING, w DATE>");
    let s = out.as_struct();
    assert_eq!(s.column(0).as_primitive::<Int32Type>().value(0), 4);
    assert_eq!(s.column(1).as_string::<i32>().value(0), "z");
    assert!(s.column(2).is_null(0));
}

mod properties {
    use super::*;
    use arrow_array::types::Int16Type;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 64,
            rng_seed: proptest::test_runner::RngSeed::Fixed(11),
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn integer_widening_keeps_values(v in proptest::collection::vec(proptest::option::of(any::<i16>()), 0..50)) {
            let a: ArrayRef = Arc::new(PrimitiveArray::<Int16Type>::from(v.clone()));
            for target in ["INT", "BIGINT", "DECIMAL(10, 2)", "DOUBLE", "STRING"] {
                let out = cast(a.clone(), target);
                for (i, x) in v.iter().enumerate() {
                    let d = crate::arrow_convert::datum_at(out.as_ref(), i, &t(target)).unwrap();
                    match x {
                        None => prop_assert!(d.is_null()),
                        Some(x) => match d {
                            strata_spec::Datum::Int(y) => prop_assert_eq!(y, *x as i32),
                            strata_spec::Datum::BigInt(y) => prop_assert_eq!(y, *x as i64),
                            strata_spec::Datum::Decimal { unscaled, scale } => {
                                prop_assert_eq!((unscaled, scale), (*x as i128 * 100, 2))
                            }
                            strata_spec::Datum::Double(y) => prop_assert_eq!(y, *x as f64),
                            strata_spec::Datum::String(s) => prop_assert_eq!(s, x.to_string()),
                            other => prop_assert!(false, "{other:?}"),
                        },
                    }
                }
            }
        }

        #[test]
        fn timestamps_convert_with_floor(v in proptest::collection::vec(proptest::option::of(any::<i64>()), 0..50)) {
            let a: ArrayRef = Arc::new(TimestampNanosecondArray::from(v.clone()).with_timezone("+00:00"));
            let ms = cast(a.clone(), "TIMESTAMP(3) WITH LOCAL TIME ZONE");
            let us = cast(a.clone(), "TIMESTAMP(6)");
            let ns = cast(a, "TIMESTAMP(9)");
            let ms = ms.as_primitive::<TimestampMillisecondType>();
            let us = us.as_primitive::<TimestampMicrosecondType>();
            let ns = ns.as_primitive::<TimestampNanosecondType>();
            for (i, x) in v.iter().enumerate() {
                match x {
                    None => prop_assert!(ms.is_null(i) && us.is_null(i) && ns.is_null(i)),
                    Some(x) => {
                        prop_assert_eq!(ms.value(i), x.div_euclid(1_000_000));
                        prop_assert_eq!(us.value(i), x.div_euclid(1_000));
                        prop_assert_eq!(ns.value(i), *x);
                    }
                }
            }
        }

        #[test]
        fn dictionaries_and_views_decode_to_plain_strings(v in proptest::collection::vec(proptest::option::of("[a-c]{0,3}"), 0..50)) {
            let dict: DictionaryArray<Int32Type> = v.iter().map(|s| s.as_deref()).collect();
            let view: StringViewArray = v.iter().map(|s| s.as_deref()).collect();
            let large: LargeStringArray = v.iter().map(|s| s.as_deref()).collect();
            for a in [Arc::new(dict) as ArrayRef, Arc::new(view), Arc::new(large)] {
                let out = cast(a, "STRING");
                let s = out.as_string::<i32>();
                let got: Vec<Option<String>> = s.iter().map(|x| x.map(str::to_string)).collect();
                prop_assert_eq!(&got, &v);
            }
        }
    }
}

#[test]
fn char_padding_is_trimmed() {
    let a: ArrayRef = Arc::new(StringArray::from(vec![Some("ab   "), None, Some("abcde")]));
    let out = trim_char(&a, &t("CHAR(5)")).unwrap();
    let s = out.as_string::<i32>();
    assert_eq!(s.value(0), "ab");
    assert!(s.is_null(1));
    assert_eq!(s.value(2), "abcde");
    let same = trim_char(&a, &t("STRING")).unwrap();
    assert!(Arc::ptr_eq(&a, &same));
}
