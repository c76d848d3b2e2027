//! System tables, named as Paimon names them: `t$snapshots`, `t$schemas`, `t$options`,
//! `t$files`, `t$manifests`, `t$partitions`, `t$buckets`, `t$tags`, `t$consumers` and
//! `t$audit_log`.
//!
//! ```text
//! "t$files" ─▶ SchemaProvider::table ─▶ SystemTable(kind, table)
//!   scan ─▶ tables.rs: read metadata (snapshots, manifests, tags …) ─▶ one RecordBatch ─▶ MemTable
//! "t$audit_log" ─▶ audit.rs: the table's rows with a leading `rowkind` column, streamed per split
//! ```
//!
//! Metadata tables are computed at scan time, so they always show the current state.

mod audit;
mod tables;

use std::sync::Arc;

use arrow_schema::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::Result;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use strata_core::Table;

use crate::error::to_df;

/// The system tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemTableKind {
    /// Every snapshot.
    Snapshots,
    /// Every schema version.
    Schemas,
    /// The current options.
    Options,
    /// Live data files of the latest snapshot.
    Files,
    /// Manifest files of the latest snapshot.
    Manifests,
    /// Rows, files and bytes per partition.
    Partitions,
    /// Rows, files, level-0 files and sorted runs per bucket (the compaction debt).
    Buckets,
    /// Tags.
    Tags,
    /// Streaming consumers.
    Consumers,
    /// Rows with their row kind.
    AuditLog,
}

const KINDS: &[(&str, SystemTableKind)] = &[
    ("snapshots", SystemTableKind::Snapshots),
    ("schemas", SystemTableKind::Schemas),
    ("options", SystemTableKind::Options),
    ("files", SystemTableKind::Files),
    ("manifests", SystemTableKind::Manifests),
    ("partitions", SystemTableKind::Partitions),
    ("buckets", SystemTableKind::Buckets),
    ("tags", SystemTableKind::Tags),
    ("consumers", SystemTableKind::Consumers),
    ("audit_log", SystemTableKind::AuditLog),
];

impl SystemTableKind {
    /// Parses the part after `$` (case-insensitive).
    pub fn parse(name: &str) -> Option<SystemTableKind> {
        KINDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, k)| *k)
    }

    /// Every system table name.
    pub fn names() -> Vec<&'static str> {
        KINDS.iter().map(|(n, _)| *n).collect()
    }
}

/// A system table of one Strata table.
#[derive(Debug, Clone)]
pub struct SystemTable {
    kind: SystemTableKind,
    table: Table,
    schema: SchemaRef,
}

impl SystemTable {
    /// The `kind` system table of `table`.
    pub fn new(kind: SystemTableKind, table: Table) -> Self {
        let schema = match kind {
            SystemTableKind::AuditLog => audit::schema(&table),
            other => tables::schema(other),
        };
        SystemTable {
            kind,
            table,
            schema,
        }
    }

    /// A system table read with options: only `$audit_log` takes them (time travel and
    /// `incremental-between`, which shows every change of the range with its row kind).
    ///
    /// # Errors
    /// Options on other system tables; bad option values.
    pub fn with_options(
        kind: SystemTableKind,
        table: Table,
        options: &std::collections::BTreeMap<String, String>,
    ) -> strata_core::Result<Self> {
        if options.is_empty() {
            return Ok(SystemTable::new(kind, table));
        }
        if kind != SystemTableKind::AuditLog {
            return Err(strata_core::Error::Invalid(format!(
                "options cannot be given to system table '{}${}'; of the system tables only \
                 $audit_log takes options",
                table.name(),
                KINDS
                    .iter()
                    .find(|(_, k)| *k == kind)
                    .map(|(n, _)| *n)
                    .unwrap_or("?")
            )));
        }
        Ok(SystemTable::new(kind, table.with_dynamic_options(options)?))
    }
}

#[async_trait]
impl TableProvider for SystemTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if self.kind == SystemTableKind::AuditLog {
            return audit::scan(&self.table, self.schema.clone(), state, projection, limit).await;
        }
        let batch = tables::build(self.kind, &self.table, &self.schema)
            .await
            .map_err(to_df)?;
        let mem = MemTable::try_new(self.schema.clone(), vec![vec![batch]])?;
        mem.scan(state, projection, filters, limit).await
    }
}
