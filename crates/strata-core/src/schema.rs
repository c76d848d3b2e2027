//! Schema versions of one table: listing, loading (cached) and publishing `schema-<id>` files.
//!
//! A new schema version is published with an exclusive create; if another writer took the id
//! first the caller re-reads and retries. Schema files are never deleted by normal operation.
//!
//! Reference: `SchemaManager` (Paimon 0.9).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strata_io::FileIO;
use strata_spec::TableSchema;

use crate::error::{CorruptContext, Error, Result};
use crate::path;

/// Loads and publishes the schemas of one table; loaded schemas are cached (they are immutable).
#[derive(Debug, Clone)]
pub struct SchemaManager {
    io: FileIO,
    table: String,
    cache: Arc<Mutex<HashMap<i64, Arc<TableSchema>>>>,
}

impl SchemaManager {
    /// A manager for the table rooted at `io`.
    pub fn new(io: FileIO, table: String) -> Self {
        SchemaManager {
            io,
            table,
            cache: Arc::default(),
        }
    }

    /// Ids of all schema files, ascending.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list_ids(&self) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self
            .io
            .list(path::SCHEMA_DIR)
            .await?
            .iter()
            .filter_map(|f| path::parse_id(f.name(), "schema-"))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// The latest schema.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the table has no schema; corrupt files.
    pub async fn latest(&self) -> Result<Arc<TableSchema>> {
        let ids = self.list_ids().await?;
        let id = *ids.last().ok_or_else(|| Error::NotFound {
            table: self.table.clone(),
            what: "schema".into(),
            hint: "; the table directory has no schema files".into(),
        })?;
        self.schema(id).await
    }

    /// Schema `id` (cached).
    ///
    /// # Errors
    /// [`Error::NotFound`] naming the schema id; corrupt files.
    pub async fn schema(&self, id: i64) -> Result<Arc<TableSchema>> {
        if let Some(s) = self.cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
            return Ok(s);
        }
        let p = path::schema_path(id);
        let bytes = match self.io.read(&p).await {
            Ok(b) => b,
            Err(e) if e.is_not_found() => {
                return Err(Error::NotFound {
                    table: self.table.clone(),
                    what: format!("schema {id}"),
                    hint: format!(
                        "; a data file or snapshot refers to {} but it is missing",
                        self.io.display_path(&p)
                    ),
                })
            }
            Err(e) => return Err(e.into()),
        };
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::Corrupt {
            what: "schema",
            path: self.io.display_path(&p),
            reason: "not UTF-8 text".into(),
        })?;
        let schema = TableSchema::from_json(text).corrupt("schema", &self.io.display_path(&p))?;
        if schema.id != id {
            return Err(Error::Corrupt {
                what: "schema",
                path: self.io.display_path(&p),
                reason: format!("the file holds schema id {} instead of {id}", schema.id),
            });
        }
        let schema = Arc::new(schema);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(id, schema.clone());
        }
        Ok(schema)
    }

    /// Publishes `schema` as `schema-<schema.id>` if that id is free. `Ok(false)` when another
    /// writer published that id first.
    ///
    /// A lost acknowledgement is read back: when the storage reports an error, or "already
    /// exists" (a client library's retried request can be told that about the object its own
    /// first try wrote), the file holding exactly our bytes means our schema was published.
    ///
    /// # Errors
    /// Storage errors when it cannot be told whose schema the file holds.
    pub async fn commit(&self, schema: &TableSchema) -> Result<bool> {
        self.io.check_atomic_publish().await?;
        // schema JSON carries its creation time in milliseconds: equal bytes are our write
        Ok(self
            .io
            .publish(&path::schema_path(schema.id), schema.to_json())
            .await?)
    }
}
