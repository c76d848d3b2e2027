//! Column statistics gathered while a file is written: min, max and null count per column,
//! in Paimon's value order (spec §5.5: strings by UTF-8 bytes, floats by Java's total order).
//! Truncation (`truncate(N)`) and which columns are stored are decided by the caller.

use arrow_array::RecordBatch;
use strata_spec::{DataField, Datum};

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
        }
    }

    /// Folds one batch in.
    ///
    /// # Errors
    /// When a column's array does not match its field type.
    pub fn update(&mut self, batch: &RecordBatch) -> crate::Result<()> {
        todo!("{} {}", batch.num_rows(), self.fields.len())
    }

    /// The statistics, one per column.
    pub fn finish(self) -> Vec<ColumnStats> {
        self.stats
    }
}
