//! Table schemas (`schema/schema-<id>`, spec §2): parsing with Java's compatibility rules,
//! validation of a new table's definition, and the derived layouts every other layer needs
//! (trimmed primary key, bucket key, key-value file columns).
//!
//! Reference: `TableSchema`, `SchemaSerializer`, `SchemaValidation` (Paimon 0.9).

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::jackson;
use crate::options::{self, CoreOptions};
use crate::types::{DataField, DataType, TypeKind};

/// Schema file format version we write.
pub const SCHEMA_VERSION: i32 = 3;

/// Field id base of `_KEY_<col>` columns: `1073741823 + id(col)`.
pub const KEY_FIELD_ID_START: i32 = i32::MAX / 2;
/// Field id of `_SEQUENCE_NUMBER`.
pub const SEQUENCE_NUMBER_FIELD_ID: i32 = i32::MAX - 1;
/// Field id of `_VALUE_KIND`.
pub const VALUE_KIND_FIELD_ID: i32 = i32::MAX - 2;
/// Name prefix of key columns in key-value files.
pub const KEY_FIELD_PREFIX: &str = "_KEY_";
/// System column: sequence number.
pub const SEQUENCE_NUMBER: &str = "_SEQUENCE_NUMBER";
/// System column: row kind.
pub const VALUE_KIND: &str = "_VALUE_KIND";

/// One version of a table's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// Schema file format version.
    pub version: i32,
    /// Schema id (file suffix).
    pub id: i64,
    /// Columns in table order.
    pub fields: Vec<DataField>,
    /// Largest field id ever assigned.
    pub highest_field_id: i32,
    /// Partition columns in partition order.
    pub partition_keys: Vec<String>,
    /// Primary key columns (empty for append tables).
    pub primary_keys: Vec<String>,
    /// Table options.
    pub options: BTreeMap<String, String>,
    /// Table comment.
    pub comment: Option<String>,
    /// Creation time of this schema version (epoch ms).
    pub time_millis: i64,
}

fn str_list(obj: &Map<String, Value>, key: &str) -> Result<Vec<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Error::corrupt("schema", format!("'{key}' must hold strings")))
            })
            .collect(),
        Some(_) => Err(Error::corrupt(
            "schema",
            format!("'{key}' must be an array"),
        )),
    }
}

/// Gives every field with id < 0 (nested ones included) the next id, depth first.
pub fn assign_field_ids(fields: &mut [DataField], next: &mut i32) {
    for f in fields {
        if f.id < 0 {
            f.id = *next;
            *next += 1;
        }
        assign_nested(&mut f.data_type, next);
    }
}

fn assign_nested(t: &mut DataType, next: &mut i32) {
    match &mut t.kind {
        TypeKind::Row(fields) => assign_field_ids(fields, next),
        TypeKind::Array(e) | TypeKind::Multiset(e) => assign_nested(e, next),
        TypeKind::Map(k, v) => {
            assign_nested(k, next);
            assign_nested(v, next);
        }
        _ => {}
    }
}

/// The largest id among fields and their nested fields.
pub fn max_field_id(fields: &[DataField]) -> i32 {
    fn in_type(t: &DataType) -> i32 {
        match &t.kind {
            TypeKind::Row(fields) => max_field_id(fields),
            TypeKind::Array(e) | TypeKind::Multiset(e) => in_type(e),
            TypeKind::Map(k, v) => in_type(k).max(in_type(v)),
            _ => -1,
        }
    }
    fields
        .iter()
        .map(|f| f.id.max(in_type(&f.data_type)))
        .max()
        .unwrap_or(-1)
}

impl TableSchema {
    /// Parses a schema file, applying Java's rules for old versions: version ≤ 1 without
    /// `bucket` means `bucket = 1`; version ≤ 2 without `file.format` means `orc`.
    ///
    /// # Errors
    /// [`Error::Corrupt`] naming the problem.
    pub fn from_json(text: &str) -> Result<TableSchema> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| Error::corrupt("schema", e.to_string()))?;
        let obj = v
            .as_object()
            .ok_or_else(|| Error::corrupt("schema", "not a JSON object"))?;
        let version = obj.get("version").and_then(Value::as_i64).unwrap_or(1) as i32;
        if version > SCHEMA_VERSION {
            return Err(Error::corrupt(
                "schema",
                format!("version {version} is newer than the supported version {SCHEMA_VERSION}"),
            ));
        }
        let id = obj
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::corrupt("schema", "missing 'id'"))?;
        let fields = obj
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::corrupt("schema", "missing 'fields'"))?
            .iter()
            .map(DataField::from_json)
            .collect::<Result<Vec<_>>>()?;
        let highest_field_id = obj
            .get("highestFieldId")
            .and_then(Value::as_i64)
            .map(|v| v as i32)
            .unwrap_or_else(|| max_field_id(&fields));
        let mut options = BTreeMap::new();
        if let Some(o) = obj.get("options") {
            let o = o
                .as_object()
                .ok_or_else(|| Error::corrupt("schema", "'options' must be an object"))?;
            for (k, v) in o {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                options.insert(k.clone(), s);
            }
        }
        if version <= 1 && !options.contains_key("bucket") {
            options.insert("bucket".into(), "1".into());
        }
        if version <= 2 && !options.contains_key("file.format") {
            options.insert("file.format".into(), "orc".into());
        }
        Ok(TableSchema {
            version,
            id,
            fields,
            highest_field_id,
            partition_keys: str_list(obj, "partitionKeys")?,
            primary_keys: str_list(obj, "primaryKeys")?,
            options,
            comment: obj
                .get("comment")
                .and_then(Value::as_str)
                .map(str::to_string),
            time_millis: obj.get("timeMillis").and_then(Value::as_i64).unwrap_or(0),
        })
    }

    /// The schema file text, in Java's layout (comment omitted when absent).
    pub fn to_json(&self) -> String {
        let mut obj = Map::new();
        obj.insert("version".into(), json!(self.version));
        obj.insert("id".into(), json!(self.id));
        obj.insert(
            "fields".into(),
            Value::Array(self.fields.iter().map(DataField::to_json).collect()),
        );
        obj.insert("highestFieldId".into(), json!(self.highest_field_id));
        obj.insert("partitionKeys".into(), json!(self.partition_keys));
        obj.insert("primaryKeys".into(), json!(self.primary_keys));
        obj.insert("options".into(), json!(self.options));
        if let Some(c) = &self.comment {
            obj.insert("comment".into(), json!(c));
        }
        obj.insert("timeMillis".into(), json!(self.time_millis));
        jackson::to_pretty_string(&Value::Object(obj))
    }

    /// Builds and validates schema 0 of a new table. Field ids < 0 are assigned; primary-key
    /// columns become NOT NULL; `bucket` and `file.format` are written explicitly.
    ///
    /// # Errors
    /// [`Error::Invalid`] / [`Error::InvalidOption`] naming the offending column or option.
    pub fn create(
        mut fields: Vec<DataField>,
        partition_keys: Vec<String>,
        primary_keys: Vec<String>,
        mut options: BTreeMap<String, String>,
        comment: Option<String>,
        time_millis: i64,
    ) -> Result<TableSchema> {
        if fields.is_empty() {
            return Err(Error::invalid("table", "a table needs at least one column"));
        }
        let mut next = max_field_id(&fields).max(-1) + 1;
        assign_field_ids(&mut fields, &mut next);
        let mut seen = HashSet::new();
        for f in &fields {
            if f.name.is_empty() {
                return Err(Error::invalid("table", "a column name is empty"));
            }
            if f.name.starts_with('_') && is_system_name(&f.name) {
                return Err(Error::invalid(
                    "table",
                    format!(
                        "column name '{}' is reserved for Paimon's system columns",
                        f.name
                    ),
                ));
            }
            if !seen.insert(f.name.as_str()) {
                return Err(Error::invalid(
                    "table",
                    format!("column '{}' is defined twice", f.name),
                ));
            }
        }
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let check_cols = |cols: &[String], what: &str| -> Result<()> {
            let mut s = HashSet::new();
            for c in cols {
                if !names.contains(&c.as_str()) {
                    return Err(Error::invalid(
                        "table",
                        format!(
                            "{what} column '{c}' is not a column of the table (columns: {})",
                            names.join(", ")
                        ),
                    ));
                }
                if !s.insert(c) {
                    return Err(Error::invalid(
                        "table",
                        format!("{what} column '{c}' is listed twice"),
                    ));
                }
            }
            Ok(())
        };
        check_cols(&partition_keys, "partition")?;
        check_cols(&primary_keys, "primary key")?;
        for f in fields.iter_mut() {
            if primary_keys.contains(&f.name) {
                f.data_type.nullable = false;
            }
            if (primary_keys.contains(&f.name) || partition_keys.contains(&f.name))
                && f.data_type.is_nested()
            {
                return Err(Error::invalid(
                    "table",
                    format!(
                        "column '{}' of type {} cannot be a key or partition column",
                        f.name, f.data_type
                    ),
                ));
            }
        }
        if !primary_keys.is_empty() && primary_keys.iter().all(|k| partition_keys.contains(k)) {
            return Err(Error::invalid(
                "table",
                "the primary key must contain at least one column that is not a partition column",
            ));
        }
        for (k, v) in &options {
            options::validate_option(k, v)?;
        }
        options
            .entry("bucket".into())
            .or_insert_with(|| "-1".into());
        options
            .entry("file.format".into())
            .or_insert_with(|| "parquet".into());
        let schema = TableSchema {
            version: SCHEMA_VERSION,
            id: 0,
            highest_field_id: max_field_id(&fields),
            fields,
            partition_keys,
            primary_keys,
            options,
            comment,
            time_millis,
        };
        schema.validate()?;
        Ok(schema)
    }

    /// Cross-checks options against columns (used on create and alter).
    ///
    /// # Errors
    /// [`Error::Invalid`] or [`Error::InvalidOption`] naming the problem.
    pub fn validate(&self) -> Result<()> {
        let opts = self.core_options();
        let bucket = opts.bucket()?;
        let bad = |key: &str, value: &str, reason: String| Error::InvalidOption {
            key: key.into(),
            value: value.into(),
            reason,
        };
        if bucket == 0 || bucket < -2 {
            return Err(bad(
                "bucket",
                &bucket.to_string(),
                "must be a positive number of buckets, or -1".into(),
            ));
        }
        let bucket_key = opts.bucket_key();
        if !bucket_key.is_empty() {
            let value = bucket_key.join(",");
            if bucket == -1 {
                return Err(bad(
                    "bucket-key",
                    &value,
                    "cannot be set when bucket = -1".into(),
                ));
            }
            for c in &bucket_key {
                let f = self.field(c).ok_or_else(|| {
                    bad("bucket-key", &value, format!("column '{c}' does not exist"))
                })?;
                if f.data_type.is_nested() {
                    return Err(bad(
                        "bucket-key",
                        &value,
                        format!("column '{c}' has a nested type"),
                    ));
                }
                if !self.primary_keys.is_empty() && !self.primary_keys.contains(c) {
                    return Err(bad(
                        "bucket-key",
                        &value,
                        format!("column '{c}' is not part of the primary key"),
                    ));
                }
            }
        } else if self.primary_keys.is_empty() && bucket > 0 {
            return Err(bad(
                "bucket",
                &bucket.to_string(),
                "an append table with fixed buckets needs 'bucket-key'".into(),
            ));
        }
        for c in opts.sequence_fields() {
            if self.field(&c).is_none() {
                return Err(bad("sequence.field", &c, "column does not exist".into()));
            }
        }
        if let Some(rk) = opts.rowkind_field() {
            match self.field(&rk) {
                None => return Err(bad("rowkind.field", &rk, "column does not exist".into())),
                Some(f) if !f.data_type.is_string() => {
                    return Err(bad(
                        "rowkind.field",
                        &rk,
                        "the column must be a string".into(),
                    ))
                }
                _ => {}
            }
        }
        let producer = opts.changelog_producer()?;
        if self.primary_keys.is_empty() {
            if producer != crate::options::ChangelogProducer::None {
                return Err(bad(
                    "changelog-producer",
                    &format!("{producer:?}").to_lowercase(),
                    "needs a primary key".into(),
                ));
            }
            if opts.get_explicit("merge-engine").is_some() {
                return Err(bad(
                    "merge-engine",
                    opts.get("merge-engine").unwrap_or(""),
                    "a merge engine needs a primary key".into(),
                ));
            }
        }
        if opts.merge_engine()? == crate::options::MergeEngine::FirstRow
            && !opts.sequence_fields().is_empty()
        {
            return Err(bad(
                "sequence.field",
                &opts.sequence_fields().join(","),
                "is not allowed with merge-engine = first-row".into(),
            ));
        }
        opts.file_format();
        opts.write_buffer_size()?;
        opts.target_file_size(!self.primary_keys.is_empty())?;
        Ok(())
    }

    /// Typed options.
    pub fn core_options(&self) -> CoreOptions {
        CoreOptions::new(self.options.clone())
    }

    /// Column by name.
    pub fn field(&self, name: &str) -> Option<&DataField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Position of a column.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Column by id.
    pub fn field_by_id(&self, id: i32) -> Option<&DataField> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Whether the table has a primary key.
    pub fn has_primary_key(&self) -> bool {
        !self.primary_keys.is_empty()
    }

    /// Primary key minus partition keys, in primary-key order.
    pub fn trimmed_primary_keys(&self) -> Vec<String> {
        self.primary_keys
            .iter()
            .filter(|k| !self.partition_keys.contains(k))
            .cloned()
            .collect()
    }

    /// Fields of the trimmed primary key.
    pub fn trimmed_primary_key_fields(&self) -> Vec<DataField> {
        self.trimmed_primary_keys()
            .iter()
            .filter_map(|k| self.field(k).cloned())
            .collect()
    }

    /// Bucket key columns: `bucket-key`, else the trimmed primary key.
    pub fn bucket_keys(&self) -> Vec<String> {
        let bk = self.core_options().bucket_key();
        if !bk.is_empty() {
            bk
        } else {
            self.trimmed_primary_keys()
        }
    }

    /// Partition columns with their types.
    pub fn partition_fields(&self) -> Vec<DataField> {
        self.partition_keys
            .iter()
            .filter_map(|k| self.field(k).cloned())
            .collect()
    }

    /// The column layout of key-value (primary-key table) files: `_KEY_<k>…`,
    /// `_SEQUENCE_NUMBER`, `_VALUE_KIND`, then all columns.
    pub fn key_value_fields(&self) -> Vec<DataField> {
        let mut out: Vec<DataField> = self
            .trimmed_primary_key_fields()
            .into_iter()
            .map(|f| DataField {
                id: KEY_FIELD_ID_START + f.id,
                name: format!("{KEY_FIELD_PREFIX}{}", f.name),
                data_type: f.data_type.with_nullable(false),
                description: None,
                default_value: None,
            })
            .collect();
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
        out.extend(self.fields.iter().cloned());
        out
    }
}

fn is_system_name(name: &str) -> bool {
    name == SEQUENCE_NUMBER
        || name == VALUE_KIND
        || name == "_LEVEL"
        || name == "_ROW_KIND"
        || name.starts_with(KEY_FIELD_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, ty: &str) -> DataField {
        DataField::new(-1, name, DataType::parse(ty).unwrap())
    }

    #[test]
    fn create_assigns_ids_depth_first_and_forces_key_not_null() {
        let s = TableSchema::create(
            vec![
                f("id", "BIGINT"),
                f("r", "ROW<a INT, b STRING>"),
                f("dt", "STRING"),
            ],
            vec!["dt".into()],
            vec!["id".into(), "dt".into()],
            BTreeMap::from([("bucket".into(), "2".into())]),
            None,
            0,
        )
        .unwrap();
        assert_eq!(s.fields[0].id, 0);
        assert_eq!(s.fields[1].id, 1);
        assert_eq!(s.fields[2].id, 4);
        assert_eq!(s.highest_field_id, 4);
        assert!(!s.fields[0].data_type.nullable);
        assert_eq!(s.trimmed_primary_keys(), vec!["id".to_string()]);
        let kv: Vec<String> = s
            .key_value_fields()
            .iter()
            .map(|f| f.name.clone())
            .collect();
        assert_eq!(
            kv,
            [
                "_KEY_id",
                "_SEQUENCE_NUMBER",
                "_VALUE_KIND",
                "id",
                "r",
                "dt"
            ]
        );
        let back = TableSchema::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn create_rejects_bad_definitions() {
        let cols = || vec![f("id", "BIGINT"), f("v", "STRING")];
        let opts = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(TableSchema::create(
            cols(),
            vec!["nope".into()],
            vec![],
            BTreeMap::new(),
            None,
            0
        )
        .is_err());
        assert!(TableSchema::create(cols(), vec![], vec![], opts("bucket", "4"), None, 0).is_err());
        assert!(
            TableSchema::create(cols(), vec![], vec![], opts("bucket-key", "id"), None, 0).is_err()
        );
        assert!(TableSchema::create(
            cols(),
            vec![],
            vec!["id".into()],
            opts("bucket", "0"),
            None,
            0
        )
        .is_err());
        assert!(TableSchema::create(cols(), vec![], vec![], opts("bukcet", "2"), None, 0).is_err());
        assert!(TableSchema::create(
            vec![f("id", "INT"), f("id", "INT")],
            vec![],
            vec![],
            BTreeMap::new(),
            None,
            0
        )
        .is_err());
        let mut two = opts("bucket", "4");
        two.insert("bucket-key".into(), "id".into());
        assert!(TableSchema::create(cols(), vec![], vec![], two, None, 0).is_ok());
    }

    #[test]
    fn old_versions_get_old_defaults() {
        let text = r#"{"id":0,"fields":[{"id":0,"name":"a","type":"INT"}],"highestFieldId":0,
            "partitionKeys":[],"primaryKeys":[],"options":{}}"#;
        let s = TableSchema::from_json(text).unwrap();
        assert_eq!(s.options.get("bucket").map(String::as_str), Some("1"));
        assert_eq!(
            s.options.get("file.format").map(String::as_str),
            Some("orc")
        );
    }
}
