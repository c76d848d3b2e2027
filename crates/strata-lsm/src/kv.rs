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
use strata_spec::schema::{
    KEY_FIELD_ID_START, SEQUENCE_NUMBER, SEQUENCE_NUMBER_FIELD_ID, VALUE_KIND, VALUE_KIND_FIELD_ID,
};
use strata_spec::{DataField, DataType, TableSchema, TypeKind};

use crate::error::{Error, Result};

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
        let mut out = Vec::with_capacity(self.key_fields.len() + 2 + self.value_fields.len());
        out.extend(self.key_fields.iter().cloned());
        out.push(DataField::new(
            SEQUENCE_NUMBER_FIELD_ID,
            SEQUENCE_NUMBER,
            DataType::not_null(TypeKind::BigInt),
        ));
        out.push(DataField::new(
            VALUE_KIND_FIELD_ID,
            VALUE_KIND,
            DataType::not_null(TypeKind::TinyInt),
        ));
        out.extend(self.value_fields.iter().cloned());
        out
    }

    /// Arrow schema of the layout (canonical types of strata-format).
    pub fn arrow_schema(&self) -> SchemaRef {
        strata_format::arrow_convert::arrow_schema(&self.fields())
    }

    /// Total number of columns of the layout.
    pub fn num_columns(&self) -> usize {
        self.key_fields.len() + 2 + self.value_fields.len()
    }

    /// Position in `value_fields` of the table column behind key column `k` (matched by field
    /// id, then by name without the `_KEY_` prefix).
    pub fn key_value_index(&self, k: usize) -> Option<usize> {
        let key = self.key_fields.get(k)?;
        let id = key.id.checked_sub(KEY_FIELD_ID_START);
        self.value_fields
            .iter()
            .position(|f| Some(f.id) == id)
            .or_else(|| {
                let name = key
                    .name
                    .strip_prefix(strata_spec::schema::KEY_FIELD_PREFIX)?;
                self.value_fields.iter().position(|f| f.name == name)
            })
    }

    /// Positions in `value_fields` of the table columns that form the key.
    pub fn key_value_indices(&self) -> Vec<usize> {
        (0..self.num_keys())
            .filter_map(|k| self.key_value_index(k))
            .collect()
    }

    /// The layout of a primary-key table: trimmed primary key, `sequence.field` and
    /// `sequence.field.sort-order` from the schema and its options.
    ///
    /// # Errors
    /// [`Error::Config`] when a `sequence.field` column does not exist.
    pub fn from_table(schema: &TableSchema) -> Result<Self> {
        let options = schema.core_options();
        let kv = schema.key_value_fields();
        let num_keys = schema.trimmed_primary_keys().len();
        let key_fields = kv[..num_keys].to_vec();
        let value_fields = schema.fields.clone();
        let sequence_fields = options
            .sequence_fields()
            .iter()
            .map(|name| {
                value_fields
                    .iter()
                    .position(|f| &f.name == name)
                    .ok_or_else(|| {
                        Error::Config(format!(
                            "sequence.field '{name}' is not a column of the table"
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(KvSchema {
            key_fields,
            value_fields,
            sequence_fields,
            sequence_descending: options.sequence_descending(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_a_table() {
        let schema = TableSchema::create(
            vec![
                DataField::new(-1, "id", DataType::parse("INT").unwrap()),
                DataField::new(-1, "name", DataType::string()),
                DataField::new(-1, "v", DataType::bigint()),
            ],
            vec![],
            vec!["id".into()],
            [("sequence.field".to_string(), "v".to_string())]
                .into_iter()
                .collect(),
            None,
            0,
        )
        .unwrap();
        let kv = KvSchema::from_table(&schema).unwrap();
        let names: Vec<String> = kv.fields().into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "_KEY_id",
                "_SEQUENCE_NUMBER",
                "_VALUE_KIND",
                "id",
                "name",
                "v"
            ]
        );
        assert_eq!(kv.seq_col(), 1);
        assert_eq!(kv.kind_col(), 2);
        assert_eq!(kv.value_col(2), 5);
        assert_eq!(kv.sequence_fields, vec![2]);
        assert_eq!(kv.key_value_indices(), vec![0]);
        let arrow = kv.arrow_schema();
        assert!(!arrow.field(0).is_nullable());
        assert_eq!(arrow.field(2).data_type(), &arrow_schema::DataType::Int8);
    }
}
