//! Column statistics gathered while a file is written: min, max and null count per column,
//! in Paimon's value order (spec §5.5: strings by UTF-8 bytes, floats by Java's total order).
//! Truncation (`truncate(N)`) and which columns are stored are decided by the caller.
//!
//! The writer folds every batch in with [`StatsCollector::update`]. Per column and batch this
//! runs one Arrow aggregate kernel (or one tight loop for floats) and allocates at most two
//! [`Datum`]s, the batch's min and max, which are then merged with `Datum::paimon_cmp`. No value
//! is materialised per row. ARRAY / MAP / ROW columns only count nulls.

use arrow::compute::kernels::aggregate::{
    max, max_binary, max_boolean, max_string, min, min_binary, min_boolean, min_string,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, Time32MillisecondType, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType as ArrowType, TimeUnit};
use strata_spec::datum::java_float_cmp;
use strata_spec::{DataField, DataType, Datum, TypeKind};

use crate::arrow_convert::{arrow_type, invalid, timestamp_datum, timestamp_unit};

/// Statistics of one column of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    /// Smallest non-null value (`Datum::Null` when all values are null or the type has no
    /// order, e.g. ARRAY/MAP/ROW).
    pub min: Datum,
    /// Largest non-null value.
    pub max: Datum,
    /// Number of nulls.
    pub null_count: i64,
}

/// Accumulates [`ColumnStats`] over batches whose columns are `fields` in order.
#[derive(Debug, Clone)]
pub struct StatsCollector {
    fields: Vec<DataField>,
    stats: Vec<ColumnStats>,
    /// Canonical Arrow type of each field (computed once).
    arrow_types: Vec<ArrowType>,
}

impl StatsCollector {
    /// A collector for the given columns.
    pub fn new(fields: &[DataField]) -> Self {
        StatsCollector {
            fields: fields.to_vec(),
            stats: fields
                .iter()
                .map(|_| ColumnStats {
                    min: Datum::Null,
                    max: Datum::Null,
                    null_count: 0,
                })
                .collect(),
            arrow_types: fields.iter().map(|f| arrow_type(&f.data_type)).collect(),
        }
    }

    /// Folds one batch in.
    ///
    /// # Errors
    /// When a column's array does not match its field type.
    pub fn update(&mut self, batch: &RecordBatch) -> crate::Result<()> {
        if batch.num_columns() != self.fields.len() {
            return Err(invalid(
                "collecting statistics",
                format!(
                    "the batch has {} columns, the file {}",
                    batch.num_columns(),
                    self.fields.len()
                ),
            ));
        }
        for (i, field) in self.fields.iter().enumerate() {
            let column = batch.column(i);
            let stats = &mut self.stats[i];
            let nulls = column.logical_null_count();
            stats.null_count += nulls as i64;
            let ty = &field.data_type;
            if ty.is_nested()
                || matches!(ty.kind, TypeKind::Variant | TypeKind::Blob)
                || nulls == column.len()
            {
                continue;
            }
            let canonical: ArrayRef = if column.data_type() == &self.arrow_types[i] {
                column.clone()
            } else {
                crate::cast::cast_array(column, ty)?
            };
            if let Some((lo, hi)) = min_max(canonical.as_ref(), ty)? {
                if stats.min.is_null() || lo.paimon_cmp(&stats.min).is_lt() {
                    stats.min = lo;
                }
                if stats.max.is_null() || hi.paimon_cmp(&stats.max).is_gt() {
                    stats.max = hi;
                }
            }
        }
        Ok(())
    }

    /// The statistics, one per column.
    pub fn finish(self) -> Vec<ColumnStats> {
        self.stats
    }
}

/// Min and max of the non-null values of an array of the canonical type of `ty`, `None` when
/// there are none.
fn min_max(array: &dyn Array, ty: &DataType) -> crate::Result<Option<(Datum, Datum)>> {
    let mismatch = || {
        invalid(
            "collecting statistics",
            format!("{} is not the Arrow type of {ty}", array.data_type()),
        )
    };
    macro_rules! primitive {
        ($t:ty, $wrap:expr) => {{
            let a = array.as_primitive_opt::<$t>().ok_or_else(mismatch)?;
            match (min(a), max(a)) {
                #[allow(clippy::redundant_closure_call)]
                (Some(lo), Some(hi)) => Some((($wrap)(lo), ($wrap)(hi))),
                _ => None,
            }
        }};
    }
    Ok(match &ty.kind {
        TypeKind::Boolean => {
            let a = array.as_boolean_opt().ok_or_else(mismatch)?;
            match (min_boolean(a), max_boolean(a)) {
                (Some(lo), Some(hi)) => Some((Datum::Boolean(lo), Datum::Boolean(hi))),
                _ => None,
            }
        }
        TypeKind::TinyInt => primitive!(Int8Type, Datum::TinyInt),
        TypeKind::SmallInt => primitive!(Int16Type, Datum::SmallInt),
        TypeKind::Int => primitive!(Int32Type, Datum::Int),
        TypeKind::BigInt => primitive!(Int64Type, Datum::BigInt),
        TypeKind::Float => {
            let a = array
                .as_primitive_opt::<Float32Type>()
                .ok_or_else(mismatch)?;
            java_min_max(a.iter().flatten().map(|v| v as f64))
                .map(|(lo, hi)| (Datum::Float(lo as f32), Datum::Float(hi as f32)))
        }
        TypeKind::Double => {
            let a = array
                .as_primitive_opt::<Float64Type>()
                .ok_or_else(mismatch)?;
            java_min_max(a.iter().flatten()).map(|(lo, hi)| (Datum::Double(lo), Datum::Double(hi)))
        }
        TypeKind::Decimal { scale, .. } => {
            let scale = *scale;
            primitive!(Decimal128Type, |v| Datum::Decimal { unscaled: v, scale })
        }
        TypeKind::Char(_) | TypeKind::VarChar(_) => {
            let a = array.as_string_opt::<i32>().ok_or_else(mismatch)?;
            match (min_string(a), max_string(a)) {
                (Some(lo), Some(hi)) => Some((Datum::String(lo.into()), Datum::String(hi.into()))),
                _ => None,
            }
        }
        TypeKind::Binary(_) | TypeKind::VarBinary(_) => {
            let a = array.as_binary_opt::<i32>().ok_or_else(mismatch)?;
            match (min_binary(a), max_binary(a)) {
                (Some(lo), Some(hi)) => {
                    Some((Datum::Bytes(lo.to_vec()), Datum::Bytes(hi.to_vec())))
                }
                _ => None,
            }
        }
        TypeKind::Date => primitive!(Date32Type, Datum::Date),
        TypeKind::Time(_) => primitive!(Time32MillisecondType, Datum::Time),
        TypeKind::Timestamp(p) | TypeKind::LocalZonedTimestamp(p) => match timestamp_unit(*p) {
            TimeUnit::Millisecond => primitive!(TimestampMillisecondType, |v| timestamp_datum(
                v,
                TimeUnit::Millisecond
            )),
            TimeUnit::Microsecond => primitive!(TimestampMicrosecondType, |v| timestamp_datum(
                v,
                TimeUnit::Microsecond
            )),
            _ => primitive!(TimestampNanosecondType, |v| timestamp_datum(
                v,
                TimeUnit::Nanosecond
            )),
        },
        TypeKind::Variant
        | TypeKind::Blob
        | TypeKind::Array(_)
        | TypeKind::Map(..)
        | TypeKind::Multiset(_)
        | TypeKind::Row(_) => None,
    })
}

/// Min and max in Java's `Double.compare` order: -0.0 < +0.0, every NaN (whatever its sign
/// bit) equal to the others and greater than +Infinity.
fn java_min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut lo: Option<f64> = None;
    let mut hi: Option<f64> = None;
    for v in values {
        match lo {
            Some(l) if java_float_cmp(v, l).is_ge() => {}
            _ => lo = Some(v),
        }
        match hi {
            Some(h) if java_float_cmp(v, h).is_le() => {}
            _ => hi = Some(v),
        }
    }
    Some((lo?, hi?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow_convert::{arrow_schema, datums_to_array};
    use arrow_array::builder::{Int32Builder, ListBuilder};
    use arrow_array::{DictionaryArray, Float64Array, StringArray};
    use proptest::prelude::*;
    use std::sync::Arc;

    fn field(name: &str, ty: &str) -> DataField {
        DataField::new(0, name, DataType::parse(ty).unwrap())
    }

    #[test]
    fn folds_batches_in_paimon_order() {
        let fields = vec![
            field("s", "STRING"),
            field("d", "DOUBLE"),
            field("l", "ARRAY<INT>"),
            field("n", "INT"),
        ];
        let schema = arrow_schema(&fields);
        let mut lb = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(
            arrow_schema::Field::new("element", ArrowType::Int32, true),
        ));
        lb.append(true);
        lb.append(false);
        let batch1 = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![Some("\u{ff5e}"), None])),
                Arc::new(Float64Array::from(vec![Some(0.0), Some(-0.0)])),
                Arc::new(lb.finish()),
                Arc::new(arrow_array::Int32Array::from(vec![None, None])),
            ],
        )
        .unwrap();
        let mut lb = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(
            arrow_schema::Field::new("element", ArrowType::Int32, true),
        ));
        lb.append(true);
        let batch2 = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["\u{1f600}"])),
                Arc::new(Float64Array::from(vec![f64::NAN])),
                Arc::new(lb.finish()),
                Arc::new(arrow_array::Int32Array::from(vec![None])),
            ],
        )
        .unwrap();
        let mut c = StatsCollector::new(&fields);
        c.update(&batch1).unwrap();
        c.update(&batch2).unwrap();
        let s = c.finish();
        assert_eq!(s[0].min, Datum::String("\u{ff5e}".into()));
        assert_eq!(s[0].max, Datum::String("\u{1f600}".into()));
        assert_eq!(s[0].null_count, 1);
        assert_eq!(s[1].min, Datum::Double(-0.0));
        assert!(matches!(s[1].max, Datum::Double(v) if v.is_nan()));
        assert_eq!(s[2].min, Datum::Null);
        assert_eq!(s[2].null_count, 1);
        assert_eq!(s[3].null_count, 3);
        assert_eq!(s[3].min, Datum::Null);
    }

    #[test]
    fn negative_nan_is_greatest_too() {
        let neg_nan = -f64::NAN;
        assert!(neg_nan.is_sign_negative());
        let (lo, hi) = java_min_max([1.0, neg_nan, -3.0].into_iter()).unwrap();
        assert_eq!(lo, -3.0);
        assert!(hi.is_nan());
    }

    #[test]
    fn dictionary_columns_are_accepted() {
        let fields = vec![field("s", "STRING")];
        let dict: DictionaryArray<Int32Type> = vec!["b", "a"].into_iter().collect();
        let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            "s",
            dict.data_type().clone(),
            true,
        )]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(dict)]).unwrap();
        let mut c = StatsCollector::new(&fields);
        c.update(&batch).unwrap();
        let s = c.finish();
        assert_eq!(s[0].min, Datum::String("a".into()));
        assert_eq!(s[0].max, Datum::String("b".into()));
    }

    fn check(ty: &str, values: Vec<Datum>) {
        let f = field("c", ty);
        let array = datums_to_array(&f.data_type, &values).unwrap();
        let batch =
            RecordBatch::try_new(arrow_schema(std::slice::from_ref(&f)), vec![array]).unwrap();
        let mut c = StatsCollector::new(std::slice::from_ref(&f));
        c.update(&batch).unwrap();
        let s = c.finish().remove(0);
        let non_null: Vec<&Datum> = values.iter().filter(|d| !d.is_null()).collect();
        let expected_min = non_null
            .iter()
            .min_by(|a, b| a.paimon_cmp(b))
            .map(|d| (*d).clone())
            .unwrap_or(Datum::Null);
        let expected_max = non_null
            .iter()
            .max_by(|a, b| a.paimon_cmp(b))
            .map(|d| (*d).clone())
            .unwrap_or(Datum::Null);
        assert_eq!(s.null_count as usize, values.len() - non_null.len());
        assert!(
            s.min.paimon_cmp(&expected_min).is_eq(),
            "{ty} min {:?} {:?}",
            s.min,
            expected_min
        );
        assert!(
            s.max.paimon_cmp(&expected_max).is_eq(),
            "{ty} max {:?} {:?}",
            s.max,
            expected_max
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn stats_match_datum_order_ints(v in proptest::collection::vec(proptest::option::of(any::<i64>()), 0..40)) {
            check("BIGINT", v.into_iter().map(|x| x.map(Datum::BigInt).unwrap_or(Datum::Null)).collect());
        }

        #[test]
        fn stats_match_datum_order_doubles(v in proptest::collection::vec(proptest::option::of(prop_oneof![any::<f64>(), Just(f64::NAN), Just(-0.0), Just(0.0)]), 0..40)) {
            check("DOUBLE", v.into_iter().map(|x| x.map(Datum::Double).unwrap_or(Datum::Null)).collect());
        }

        #[test]
        fn stats_match_datum_order_floats(v in proptest::collection::vec(proptest::option::of(any::<f32>()), 0..40)) {
            check("FLOAT", v.into_iter().map(|x| x.map(Datum::Float).unwrap_or(Datum::Null)).collect());
        }

        #[test]
        fn stats_match_datum_order_strings(v in proptest::collection::vec(proptest::option::of(".{0,6}"), 0..40)) {
            check("STRING", v.into_iter().map(|x| x.map(Datum::String).unwrap_or(Datum::Null)).collect());
        }

        #[test]
        fn stats_match_datum_order_timestamps(v in proptest::collection::vec(proptest::option::of(-10_000_000_000_000_000i64..10_000_000_000_000_000), 0..40)) {
            check("TIMESTAMP(9)", v.into_iter().map(|x| x.map(|n| Datum::timestamp_from_nanos(n as i128)).unwrap_or(Datum::Null)).collect());
        }

        #[test]
        fn stats_match_datum_order_decimals(v in proptest::collection::vec(proptest::option::of(-99_999_999_999i128..99_999_999_999), 0..40)) {
            check("DECIMAL(20, 3)", v.into_iter().map(|x| x.map(|u| Datum::Decimal { unscaled: u, scale: 3 }).unwrap_or(Datum::Null)).collect());
        }
    }
}
