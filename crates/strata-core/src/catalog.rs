//! The filesystem catalog: a warehouse directory of `<db>.db/<table>/` folders (spec §1.1).
//!
//! A database exists when its directory exists; a table exists when its `schema/` directory
//! holds at least one schema file. Creating a table writes `schema-0` with an exclusive create,
//! so two concurrent creators cannot both succeed.
//!
//! Reference: `FileSystemCatalog` (Paimon 0.9).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use strata_io::FileIO;
use strata_spec::{DataField, TableSchema};

use crate::error::{Error, Result};
use crate::path;
use crate::schema::SchemaManager;
use crate::table::Table;

/// Suffix of database directories.
pub const DB_SUFFIX: &str = ".db";

/// A table name `database.table`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier {
    /// Database name.
    pub database: String,
    /// Table name (may carry a `$system` suffix when naming a system table).
    pub table: String,
}

impl Identifier {
    /// A new identifier.
    pub fn new(database: impl Into<String>, table: impl Into<String>) -> Self {
        Identifier {
            database: database.into(),
            table: table.into(),
        }
    }

    /// Parses `db.table` (or `table` with `default_db`).
    ///
    /// # Errors
    /// [`Error::Invalid`] when a part is empty or the name has too many dots.
    pub fn parse(text: &str, default_db: Option<&str>) -> Result<Identifier> {
        let parts: Vec<&str> = text.split('.').collect();
        let (db, table) = match (parts.as_slice(), default_db) {
            ([t], Some(db)) => (db, *t),
            ([db, t], _) => (*db, *t),
            _ => {
                return Err(Error::Invalid(format!(
                    "'{text}' is not a table name; use database.table"
                )))
            }
        };
        validate_name(db, "database")?;
        validate_name(table, "table")?;
        Ok(Identifier::new(db, table))
    }

    /// The table's directory relative to the warehouse.
    pub fn path(&self) -> String {
        format!("{}{DB_SUFFIX}/{}", self.database, self.table)
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.database, self.table)
    }
}

fn validate_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::Invalid(format!("{what} name is empty")));
    }
    if name.contains(['/', '\\']) || name.starts_with('.') || name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "{what} name '{name}' may not contain '/', '\\', control characters or start with '.'"
        )));
    }
    Ok(())
}

/// What `create_table` needs.
#[derive(Debug, Clone, Default)]
pub struct TableDefinition {
    /// Columns (ids may be -1: they are assigned).
    pub fields: Vec<DataField>,
    /// Partition columns.
    pub partition_keys: Vec<String>,
    /// Primary key columns.
    pub primary_keys: Vec<String>,
    /// Options.
    pub options: BTreeMap<String, String>,
    /// Comment.
    pub comment: Option<String>,
}

/// A catalog over a warehouse directory on any store.
#[derive(Debug, Clone)]
pub struct Catalog {
    io: FileIO,
    location: String,
}

impl Catalog {
    /// Opens (and creates, for local paths) a warehouse: a path, `file://…`, `s3://…` or
    /// `memory://`. `options` carry storage settings (`s3.endpoint`, …).
    ///
    /// # Errors
    /// When the location cannot be opened.
    pub fn open(location: &str, options: &HashMap<String, String>) -> Result<Catalog> {
        Ok(Catalog {
            io: FileIO::open(location, options)?,
            location: location.to_string(),
        })
    }

    /// A catalog over an existing FileIO (its root is the warehouse).
    pub fn with_io(io: FileIO, location: impl Into<String>) -> Catalog {
        Catalog {
            io,
            location: location.into(),
        }
    }

    /// The warehouse location as given.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The warehouse FileIO.
    pub fn io(&self) -> &FileIO {
        &self.io
    }

    /// Database names, sorted.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list_databases(&self) -> Result<Vec<String>> {
        Ok(self
            .io
            .list_dirs("")
            .await?
            .into_iter()
            .filter_map(|d| d.strip_suffix(DB_SUFFIX).map(str::to_string))
            .collect())
    }

    /// Whether a database exists.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn database_exists(&self, name: &str) -> Result<bool> {
        Ok(self.list_databases().await?.iter().any(|d| d == name))
    }

    /// Creates a database (a directory; object stores get a marker-free prefix, so we write an
    /// empty `.strata-db` placeholder to make it listable).
    ///
    /// # Errors
    /// [`Error::DatabaseAlreadyExists`] unless `ignore_if_exists`.
    pub async fn create_database(&self, name: &str, ignore_if_exists: bool) -> Result<()> {
        validate_name(name, "database")?;
        if self.database_exists(name).await? {
            return if ignore_if_exists {
                Ok(())
            } else {
                Err(Error::DatabaseAlreadyExists(name.into()))
            };
        }
        self.io
            .write(&format!("{name}{DB_SUFFIX}/.strata-db"), Vec::<u8>::new())
            .await?;
        Ok(())
    }

    /// Drops a database. Without `cascade` it must be empty.
    ///
    /// # Errors
    /// [`Error::DatabaseNotFound`], [`Error::DatabaseNotEmpty`].
    pub async fn drop_database(
        &self,
        name: &str,
        ignore_if_missing: bool,
        cascade: bool,
    ) -> Result<()> {
        if !self.database_exists(name).await? {
            return if ignore_if_missing {
                Ok(())
            } else {
                Err(Error::DatabaseNotFound(name.into()))
            };
        }
        let tables = self.list_tables(name).await?;
        if !tables.is_empty() && !cascade {
            return Err(Error::DatabaseNotEmpty(name.into()));
        }
        let dir = format!("{name}{DB_SUFFIX}");
        for f in self.io.list_recursive(&dir).await? {
            self.io.delete(&f.path).await?;
        }
        remove_empty_dirs(&self.io, &dir);
        Ok(())
    }

    /// Table names of a database, sorted.
    ///
    /// # Errors
    /// [`Error::DatabaseNotFound`], storage errors.
    pub async fn list_tables(&self, database: &str) -> Result<Vec<String>> {
        if !self.database_exists(database).await? {
            return Err(Error::DatabaseNotFound(database.into()));
        }
        let mut out = Vec::new();
        for t in self.io.list_dirs(&format!("{database}{DB_SUFFIX}")).await? {
            let ident = Identifier::new(database, &t);
            if self.table_exists(&ident).await? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Whether a table exists (has a schema file).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn table_exists(&self, ident: &Identifier) -> Result<bool> {
        let dir = format!("{}/{}", ident.path(), path::SCHEMA_DIR);
        Ok(self
            .io
            .list(&dir)
            .await?
            .iter()
            .any(|f| path::parse_id(f.name(), "schema-").is_some()))
    }

    /// Creates a table.
    ///
    /// # Errors
    /// [`Error::DatabaseNotFound`], [`Error::TableAlreadyExists`] (unless `ignore_if_exists`),
    /// invalid definitions.
    pub async fn create_table(
        &self,
        ident: &Identifier,
        def: TableDefinition,
        ignore_if_exists: bool,
    ) -> Result<Table> {
        validate_name(&ident.table, "table")?;
        if ident.table.contains('$') {
            return Err(Error::Invalid(format!(
                "table name '{}' may not contain '$' (reserved for system tables)",
                ident.table
            )));
        }
        if !self.database_exists(&ident.database).await? {
            return Err(Error::DatabaseNotFound(ident.database.clone()));
        }
        if self.table_exists(ident).await? {
            return if ignore_if_exists {
                self.get_table(ident).await
            } else {
                Err(Error::TableAlreadyExists(ident.clone()))
            };
        }
        let schema = TableSchema::create(
            def.fields,
            def.partition_keys,
            def.primary_keys,
            def.options,
            def.comment,
            chrono::Utc::now().timestamp_millis(),
        )?;
        validate_merge_engine(&schema)?;
        let io = self.io.sub(&ident.path());
        let created = SchemaManager::new(io.clone(), ident.to_string())
            .commit(&schema)
            .await?;
        if !created {
            if ignore_if_exists {
                return self.get_table(ident).await;
            }
            return Err(Error::TableAlreadyExists(ident.clone()));
        }
        Table::load(io, ident.clone()).await
    }

    /// Opens a table at its latest schema.
    ///
    /// # Errors
    /// [`Error::TableNotFound`], corrupt schema files.
    pub async fn get_table(&self, ident: &Identifier) -> Result<Table> {
        if !self.table_exists(ident).await? {
            if !self.database_exists(&ident.database).await? {
                return Err(Error::DatabaseNotFound(ident.database.clone()));
            }
            return Err(Error::TableNotFound(ident.clone()));
        }
        Table::load(self.io.sub(&ident.path()), ident.clone()).await
    }

    /// Drops a table: deletes every file under its directory.
    ///
    /// # Errors
    /// [`Error::TableNotFound`] unless `ignore_if_missing`.
    pub async fn drop_table(&self, ident: &Identifier, ignore_if_missing: bool) -> Result<()> {
        if !self.table_exists(ident).await? {
            return if ignore_if_missing {
                Ok(())
            } else {
                Err(Error::TableNotFound(ident.clone()))
            };
        }
        let dir = ident.path();
        // Schema files go last so that a half-dropped table still looks like a table and the
        // drop can be repeated.
        let files = self.io.list_recursive(&dir).await?;
        let (schemas, rest): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|f| f.path.contains(&format!("/{}/", path::SCHEMA_DIR)));
        for f in rest.into_iter().chain(schemas) {
            self.io.delete(&f.path).await?;
        }
        remove_empty_dirs(&self.io, &dir);
        Ok(())
    }
}

/// Builds the table's merge function once, so that an aggregate function that does not accept
/// its column's type (or another bad merge option) is refused when the table is created.
///
/// # Errors
/// [`Error::Invalid`] naming the field and function.
pub fn validate_merge_engine(schema: &TableSchema) -> Result<()> {
    if !schema.has_primary_key() {
        return Ok(());
    }
    let opts = schema.core_options();
    let kv = crate::kv::kv_schema(schema, None)?;
    strata_lsm::merge::merge_function(opts.merge_engine()?, &opts, &kv)
        .map(|_| ())
        .map_err(|e| Error::Invalid(format!("table options: {e}")))
}

/// Best-effort removal of empty local directories below (and including) `dir`.
fn remove_empty_dirs(io: &FileIO, dir: &str) {
    if let strata_io::Backend::Local(root) = io.backend() {
        let base = dir.split('/').fold(root.clone(), |acc, s| acc.join(s));
        fn walk(p: &std::path::Path) {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    if e.path().is_dir() {
                        walk(&e.path());
                    }
                }
            }
            let _ = std::fs::remove_dir(p);
        }
        walk(&base);
    }
}
