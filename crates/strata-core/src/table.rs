//! A table handle: its storage root, current schema and options, and the entry points to write,
//! commit, scan and read.
//!
//! ```text
//! Table ─ new_write() ─▶ TableWrite ─ prepare_commit() ─▶ [CommitMessage] ─▶ TableCommit ─▶ snapshot-N
//!       ─ new_scan()  ─▶ TableScan  ─ plan() ─▶ Plan [DataSplit] ─▶ TableRead ─▶ RecordBatch stream
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use strata_io::FileIO;
use strata_spec::{options, CoreOptions, DataType, Datum, TableSchema};

use crate::catalog::Identifier;
use crate::commit::TableCommit;
use crate::error::{Error, Result};
use crate::manifest::ManifestStore;
use crate::path::PartitionPathRenderer;
use crate::read::TableRead;
use crate::scan::TableScan;
use crate::schema::SchemaManager;
use crate::snapshot::SnapshotManager;
use crate::write::TableWrite;

/// One table at one schema version, with optional dynamic options layered over the schema's.
#[derive(Debug, Clone)]
pub struct Table {
    io: FileIO,
    ident: Identifier,
    schema: Arc<TableSchema>,
    options: CoreOptions,
    schemas: SchemaManager,
    snapshots: SnapshotManager,
}

impl Table {
    /// Loads the table rooted at `io` at its latest schema.
    ///
    /// # Errors
    /// Missing or corrupt schema files.
    pub async fn load(io: FileIO, ident: Identifier) -> Result<Table> {
        let schemas = SchemaManager::new(io.clone(), ident.to_string());
        let schema = schemas.latest().await?;
        Ok(Table::from_parts(io, ident, schema, schemas))
    }

    /// Opens a table directly by path (no catalog): `location` is the table directory.
    ///
    /// # Errors
    /// As [`Table::load`].
    pub async fn open_path(location: &str) -> Result<Table> {
        let io = FileIO::open(location, &Default::default())?;
        let name = location
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("table")
            .to_string();
        Table::load(io, Identifier::new("default", name)).await
    }

    fn from_parts(
        io: FileIO,
        ident: Identifier,
        schema: Arc<TableSchema>,
        schemas: SchemaManager,
    ) -> Table {
        let options = schema.core_options();
        let snapshots = SnapshotManager::new(io.clone(), ident.to_string());
        Table {
            io,
            ident,
            schema,
            options,
            schemas,
            snapshots,
        }
    }

    /// The same table with extra options for this handle only (scan or write settings such as
    /// `scan.snapshot-id`); values are validated.
    ///
    /// # Errors
    /// [`Error::Spec`] naming a bad option.
    pub fn with_dynamic_options(&self, extra: &BTreeMap<String, String>) -> Result<Table> {
        let mut map = self.options.map().clone();
        for (k, v) in extra {
            options::validate_option(k, v)?;
            map.insert(k.clone(), v.clone());
        }
        let mut t = self.clone();
        t.options = CoreOptions::new(map);
        Ok(t)
    }

    /// The same table at another schema (for time travel).
    pub fn with_schema(&self, schema: Arc<TableSchema>) -> Table {
        let mut t = self.clone();
        let dynamic: BTreeMap<String, String> = self
            .options
            .map()
            .iter()
            .filter(|(k, v)| self.schema.options.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut map = schema.options.clone();
        map.extend(dynamic);
        t.options = CoreOptions::new(map);
        t.schema = schema;
        t
    }

    /// Storage rooted at the table directory.
    pub fn io(&self) -> &FileIO {
        &self.io
    }

    /// `database.table`
    pub fn identifier(&self) -> &Identifier {
        &self.ident
    }

    /// Name for messages.
    pub fn name(&self) -> String {
        self.ident.to_string()
    }

    /// Current schema.
    pub fn schema(&self) -> &Arc<TableSchema> {
        &self.schema
    }

    /// Effective options (schema options plus dynamic ones).
    pub fn options(&self) -> &CoreOptions {
        &self.options
    }

    /// Schema versions.
    pub fn schema_manager(&self) -> &SchemaManager {
        &self.schemas
    }

    /// Snapshots and tags.
    pub fn snapshot_manager(&self) -> &SnapshotManager {
        &self.snapshots
    }

    /// Whether the table has a primary key.
    pub fn has_primary_key(&self) -> bool {
        self.schema.has_primary_key()
    }

    /// Types of the partition columns, in partition order.
    pub fn partition_types(&self) -> Vec<DataType> {
        self.schema
            .partition_fields()
            .iter()
            .map(|f| f.data_type.clone())
            .collect()
    }

    /// Manifest reader/writer for this table.
    pub fn manifest_store(&self) -> ManifestStore {
        let store = ManifestStore::new(
            self.io.clone(),
            self.name(),
            self.partition_types(),
            self.options.manifest_compression(),
        );
        // a malformed size is refused when the table is created or altered
        match self.options.manifest_target_file_size() {
            Ok(bytes) => store.with_target_size(bytes),
            Err(_) => store,
        }
    }

    /// Renders partition directories.
    ///
    /// # Errors
    /// A malformed `partition.legacy-name`.
    pub fn partition_renderer(&self) -> Result<PartitionPathRenderer> {
        Ok(PartitionPathRenderer::new(
            self.schema
                .partition_fields()
                .into_iter()
                .map(|f| (f.name, f.data_type))
                .collect(),
            self.options.partition_default_name(),
            self.options.partition_legacy_name()?,
        ))
    }

    /// Decodes a serialized partition row.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the bytes do not match the partition columns.
    pub fn decode_partition(&self, bytes: &[u8]) -> Result<Vec<Datum>> {
        strata_spec::binary_row::deserialize(&self.partition_types(), bytes).map_err(|e| {
            Error::Corrupt {
                what: "partition value",
                path: self.name(),
                reason: e.to_string(),
            }
        })
    }

    /// Whether a serialized partition satisfies a predicate on partition columns (unknown
    /// counts as no).
    ///
    /// # Errors
    /// Corrupt partition bytes.
    pub fn partition_matches(
        &self,
        pred: &crate::predicate::Predicate,
        partition: &[u8],
    ) -> Result<bool> {
        let values = self.decode_partition(partition)?;
        let keys = &self.schema.partition_keys;
        Ok(pred
            .eval(&|c| {
                keys.iter()
                    .position(|k| k == c)
                    .and_then(|i| values.get(i).cloned())
            })
            .unwrap_or(false))
    }

    /// The directory of a (partition, bucket) relative to the table root.
    ///
    /// # Errors
    /// Corrupt partition bytes.
    pub fn bucket_path(&self, partition: &[u8], bucket: i32) -> Result<String> {
        let values = self.decode_partition(partition)?;
        Ok(self.partition_renderer()?.bucket_path(&values, bucket))
    }

    /// Starts a writer with a fresh commit user.
    ///
    /// # Errors
    /// Unsupported table features or bad options.
    pub fn new_write(&self) -> Result<TableWrite> {
        TableWrite::new(self.clone(), uuid::Uuid::new_v4().to_string())
    }

    /// Starts a writer with a given commit user (for restarting a writer job).
    ///
    /// # Errors
    /// Unsupported table features or bad options.
    pub fn new_write_as(&self, commit_user: &str) -> Result<TableWrite> {
        TableWrite::new(self.clone(), commit_user.to_string())
    }

    /// A committer for one commit user.
    pub fn new_commit(&self, commit_user: &str) -> TableCommit {
        TableCommit::new(self.clone(), commit_user.to_string())
    }

    /// A batch scan builder.
    pub fn new_scan(&self) -> TableScan {
        TableScan::new(self.clone())
    }

    /// A reader of splits.
    pub fn new_read(&self) -> TableRead {
        TableRead::new(self.clone())
    }
}
