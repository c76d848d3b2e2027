//! The key-value batch layout shared by the write buffer, merges and data files (spec §7.3):
//!
//! ```text
//! | _KEY_<k1> … _KEY_<kn> | _SEQUENCE_NUMBER (Int64, not null) | _VALUE_KIND (Int8, not null) | every table column … |
//! ```
//! Key columns are the trimmed primary key (primary key minus partition keys). Rows are ordered
//! by key ascending (Paimon order: nulls first, strings by UTF-8 bytes), then — when
//! `sequence.field` is set — by the sequence fields (ascending or descending), then by
//! `_SEQUENCE_NUMBER` ascending.

use arrow_schema::SchemaRef;
use strata_spec::DataField;

/// Layout of key-value batches of one table.
#[derive(Debug, Clone)]
pub struct KvSchema {
    /// `_KEY_<k>` fields, in primary-key order (types NOT NULL).
    pub key_fields: Vec<DataField>,
    /// All table columns, in table order.
    pub value_fields: Vec<DataField>,
    /// Positions (in `value_fields`) of the `sequence.field` columns, in declared order.
    pub sequence_fields: Vec<usize>,
    /// `sequence.field.sort-order = descending`.
    pub sequence_descending: bool,
}

impl KvSchema {
    /// Number of key columns.
    pub fn num_keys(&self) -> usize {
        self.key_fields.len()
    }

    /// Column index of `_SEQUENCE_NUMBER`.
    pub fn seq_col(&self) -> usize {
        self.key_fields.len()
    }

    /// Column index of `_VALUE_KIND`.
    pub fn kind_col(&self) -> usize {
        self.key_fields.len() + 1
    }

    /// Column index of value field `i`.
    pub fn value_col(&self, i: usize) -> usize {
        self.key_fields.len() + 2 + i
    }

    /// All fields of the layout in order (with the system columns).
    pub fn fields(&self) -> Vec<DataField> {
        todo!()
    }

    /// Arrow schema of the layout (canonical types of strata-format).
    pub fn arrow_schema(&self) -> SchemaRef {
        todo!()
    }
}
