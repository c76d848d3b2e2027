//! `SimpleStats`: min/max BinaryRows and null counts of the columns a manifest entry covers
//! (spec §4.4). Kept as raw serialized bytes, decoded on demand with the covered columns' types,
//! so that a DELETE entry can copy its ADD entry byte for byte.

use serde::{Deserialize, Serialize};

use crate::binary_row::{self, EMPTY_SERIALIZED_ROW};
use crate::datum::Datum;
use crate::error::Result;
use crate::types::DataType;

/// Min/max/null-count statistics of some columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SimpleStats {
    /// Serialized BinaryRow (with arity prefix) of the minima.
    pub min_values: Vec<u8>,
    /// Serialized BinaryRow of the maxima.
    pub max_values: Vec<u8>,
    /// Null count per covered column (`None` inside = unknown; outer `None` = absent).
    pub null_counts: Option<Vec<Option<i64>>>,
}

impl SimpleStats {
    /// Stats of zero columns: arity-0 rows and an empty null-count array.
    pub fn empty() -> Self {
        SimpleStats {
            min_values: EMPTY_SERIALIZED_ROW.to_vec(),
            max_values: EMPTY_SERIALIZED_ROW.to_vec(),
            null_counts: Some(Vec::new()),
        }
    }

    /// Builds stats from per-column values.
    ///
    /// # Errors
    /// When a value does not fit its type.
    pub fn from_values(
        types: &[DataType],
        mins: &[Datum],
        maxs: &[Datum],
        null_counts: Vec<Option<i64>>,
    ) -> Result<Self> {
        Ok(SimpleStats {
            min_values: binary_row::serialize(types, mins, false)?,
            max_values: binary_row::serialize(types, maxs, false)?,
            null_counts: Some(null_counts),
        })
    }

    /// Decodes (mins, maxs) as the given column types.
    ///
    /// # Errors
    /// [`crate::Error::Corrupt`] when the rows are malformed.
    pub fn decode(&self, types: &[DataType]) -> Result<(Vec<Datum>, Vec<Datum>)> {
        Ok((
            binary_row::deserialize(types, &self.min_values)?,
            binary_row::deserialize(types, &self.max_values)?,
        ))
    }

    /// Number of columns covered (the arity of the min row).
    pub fn arity(&self) -> usize {
        binary_row::split_serialized(&self.min_values)
            .map(|(a, _)| a)
            .unwrap_or(0)
    }

    /// Null count of column `i`, if known.
    pub fn null_count(&self, i: usize) -> Option<i64> {
        self.null_counts
            .as_ref()
            .and_then(|v| v.get(i).copied().flatten())
    }
}
