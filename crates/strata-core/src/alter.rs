//! Schema changes (`ALTER TABLE … SET / RESET`, comments): a new `schema-<id+1>` file.
//!
//! ```text
//! latest schema-N ─▶ apply changes ─▶ validate (each option, then the whole schema)
//!                 ─▶ SchemaManager::commit(schema-N+1)  (exclusive create)
//!                      └─ lost the race: re-read the latest schema and apply again
//! ```
//!
//! Options that fix the layout of existing files cannot change (`primary-key`, `partition`,
//! `bucket-key`, `merge-engine`, `sequence.field`, `rowkind.field`), and `bucket` may not switch
//! between dynamic (-1) and fixed bucketing, as in Paimon's `SchemaManager`. Column changes are
//! not implemented here yet.
//!
//! Reference: `SchemaManager#commitChanges`, `SchemaChange` (Paimon 0.9).

use std::sync::Arc;

use strata_spec::{options, TableSchema};

use crate::error::{Error, Result};
use crate::table::Table;

/// Options that may never change after creation.
pub const IMMUTABLE_OPTIONS: &[&str] = &[
    "primary-key",
    "partition",
    "bucket-key",
    "merge-engine",
    "sequence.field",
    "rowkind.field",
    "path",
];

/// How many times a change is re-applied when another writer publishes a schema first.
const MAX_ATTEMPTS: usize = 10;

/// One change of a table's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChange {
    /// Sets (adds or replaces) an option.
    SetOption {
        /// Option key.
        key: String,
        /// New value.
        value: String,
    },
    /// Removes an option (it falls back to its default).
    RemoveOption {
        /// Option key.
        key: String,
    },
    /// Sets or clears the table comment.
    UpdateComment(Option<String>),
}

impl SchemaChange {
    /// `SET ('key' = 'value')`.
    pub fn set(key: impl Into<String>, value: impl Into<String>) -> Self {
        SchemaChange::SetOption {
            key: key.into(),
            value: value.into(),
        }
    }

    /// `RESET ('key')`.
    pub fn remove(key: impl Into<String>) -> Self {
        SchemaChange::RemoveOption { key: key.into() }
    }
}

/// Applies `changes` to a schema, producing the next version (not yet published).
///
/// # Errors
/// [`Error::Invalid`] for immutable options or bucket mode switches; [`Error::Spec`] naming a
/// bad option value or a schema that no longer validates.
pub fn apply_changes(
    latest: &TableSchema,
    changes: &[SchemaChange],
    time_millis: i64,
) -> Result<TableSchema> {
    let mut next = latest.clone();
    for c in changes {
        match c {
            SchemaChange::SetOption { key, value } => {
                check_mutable(latest, key, Some(value))?;
                options::validate_option(key, value)?;
                if key == "bucket" {
                    check_bucket_change(latest, value)?;
                }
                next.options.insert(key.clone(), value.clone());
            }
            SchemaChange::RemoveOption { key } => {
                check_mutable(latest, key, None)?;
                if key == "bucket" {
                    return Err(Error::Invalid(
                        "option 'bucket' cannot be reset; set a new bucket number instead".into(),
                    ));
                }
                next.options.remove(key);
            }
            SchemaChange::UpdateComment(c) => next.comment = c.clone(),
        }
    }
    next.id = latest.id + 1;
    next.time_millis = time_millis;
    next.validate()?;
    Ok(next)
}

fn check_mutable(latest: &TableSchema, key: &str, value: Option<&String>) -> Result<()> {
    if IMMUTABLE_OPTIONS.contains(&key) && latest.options.get(key) != value {
        return Err(Error::Invalid(format!(
            "option '{key}' of a table cannot be changed after it is created \
             (immutable options: {})",
            IMMUTABLE_OPTIONS.join(", ")
        )));
    }
    Ok(())
}

fn check_bucket_change(latest: &TableSchema, value: &str) -> Result<()> {
    let old: i32 = latest
        .options
        .get("bucket")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1);
    let new: i32 = value
        .trim()
        .parse()
        .map_err(|_| Error::Invalid(format!("bucket '{value}' is not a number")))?;
    if (old == -1) != (new == -1) {
        return Err(Error::Invalid(format!(
            "bucket cannot change from {old} to {new}: switching between dynamic (-1) and \
             fixed bucketing is not supported"
        )));
    }
    Ok(())
}

/// Publishes the changes as a new schema version of `table` and returns it. The table handle
/// itself is not updated: reload it (`Catalog::get_table`) to use the new schema.
///
/// # Errors
/// As [`apply_changes`]; storage errors; [`Error::Invalid`] when other writers kept publishing
/// schemas first.
pub async fn alter_table(table: &Table, changes: &[SchemaChange]) -> Result<Arc<TableSchema>> {
    let sm = table.schema_manager();
    for _ in 0..MAX_ATTEMPTS {
        let latest = sm.latest().await?;
        let next = apply_changes(&latest, changes, chrono::Utc::now().timestamp_millis())?;
        if sm.commit(&next).await? {
            return Ok(Arc::new(next));
        }
    }
    Err(Error::Invalid(format!(
        "altering table '{}' gave up after {MAX_ATTEMPTS} attempts: other writers kept \
         publishing new schemas first",
        table.name()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use strata_spec::{DataField, DataType};

    fn schema() -> TableSchema {
        let mut opts = BTreeMap::new();
        opts.insert("bucket".to_string(), "2".to_string());
        TableSchema::create(
            vec![
                DataField::new(0, "id", DataType::bigint()),
                DataField::new(1, "v", DataType::string()),
            ],
            vec![],
            vec!["id".into()],
            opts,
            None,
            0,
        )
        .unwrap()
    }

    #[test]
    fn set_and_reset() {
        let s = schema();
        let n = apply_changes(
            &s,
            &[
                SchemaChange::set("snapshot.num-retained.max", "5"),
                SchemaChange::set("bucket", "4"),
            ],
            7,
        )
        .unwrap();
        assert_eq!(n.id, 1);
        assert_eq!(n.time_millis, 7);
        assert_eq!(n.options["snapshot.num-retained.max"], "5");
        assert_eq!(n.options["bucket"], "4");
        let m = apply_changes(&n, &[SchemaChange::remove("snapshot.num-retained.max")], 8).unwrap();
        assert!(!m.options.contains_key("snapshot.num-retained.max"));
        assert_eq!(m.id, 2);
    }

    #[test]
    fn rejects_bad_changes() {
        let s = schema();
        assert!(apply_changes(&s, &[SchemaChange::set("no-such-option", "1")], 0).is_err());
        assert!(apply_changes(&s, &[SchemaChange::set("bucket", "x")], 0).is_err());
        assert!(apply_changes(&s, &[SchemaChange::set("bucket", "-1")], 0).is_err());
        assert!(apply_changes(&s, &[SchemaChange::remove("bucket")], 0).is_err());
        assert!(apply_changes(&s, &[SchemaChange::set("merge-engine", "first-row")], 0).is_err());
    }
}
