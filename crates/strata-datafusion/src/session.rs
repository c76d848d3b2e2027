//! A SQL session over a Strata warehouse: DataFusion with Paimon's dialect on top.
//!
//! ```text
//! execute(sql) ─▶ dialect::parse
//!   ├─ DDL (CREATE/DROP/ALTER/SHOW/DESCRIBE/USE)        ─▶ ddl.rs      ─▶ strata-core catalog
//!   ├─ INSERT … PARTITION, DELETE, UPDATE, CTAS         ─▶ dml.rs      ─▶ query via DataFusion
//!   ├─ CALL sys.*                                        ─▶ procedures.rs
//!   └─ anything else ─▶ dialect::rewrite (hints, time travel ─▶ per-statement tables)
//!                     ─▶ SessionContext::sql ─▶ stream of rows
//! ```
//!
//! Identifiers are case-sensitive, as in Flink and Paimon (DataFusion's lower-casing of
//! unquoted names is switched off); keywords and function names are case-insensitive. The
//! session's catalog is named `paimon` and starts in database `default`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use datafusion::catalog::{
    CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider, SchemaProvider,
};
use datafusion::common::Result;
use datafusion::dataframe::DataFrame;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use strata_core::{Catalog, Identifier, Table};

use crate::catalog::{register_catalog, DEFAULT_CATALOG};
use crate::dialect::{self, rewrite, Command, ObjectName};
use crate::error::{plan_err, to_df};
use crate::provider::StrataTableProvider;
use crate::result::{ResultKind, StatementResult};
use crate::system::{SystemTable, SystemTableKind};
use crate::{ddl, dml, procedures};
use datafusion::datasource::TableProvider;

/// Catalog holding the per-statement tables of hints and time travel.
const TMP_CATALOG: &str = "strata_tmp";
const TMP_SCHEMA: &str = "hints";

/// The database a new session starts in.
pub const DEFAULT_DATABASE: &str = "default";

/// A SQL session.
pub struct StrataSession {
    ctx: SessionContext,
    catalog: Catalog,
    catalog_name: String,
    tmp: Arc<MemorySchemaProvider>,
    next_tmp: AtomicU64,
}

impl std::fmt::Debug for StrataSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrataSession")
            .field("warehouse", &self.catalog.location())
            .finish()
    }
}

/// Removes per-statement tables when dropped.
struct TmpTables {
    schema: Arc<MemorySchemaProvider>,
    names: Vec<String>,
}

impl Drop for TmpTables {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = self.schema.deregister_table(n);
        }
    }
}

impl StrataSession {
    /// A session over `catalog` with DataFusion's default settings.
    ///
    /// # Errors
    /// Never in practice (registering in-memory catalogs).
    pub fn new(catalog: Catalog) -> Result<Self> {
        Self::with_config(catalog, SessionConfig::new())
    }

    /// A session over `catalog` with a DataFusion configuration (partitions, batch size …).
    ///
    /// # Errors
    /// Never in practice.
    pub fn with_config(catalog: Catalog, config: SessionConfig) -> Result<Self> {
        let mut config = config
            .with_default_catalog_and_schema(DEFAULT_CATALOG, DEFAULT_DATABASE)
            .with_create_default_catalog_and_schema(false)
            .with_information_schema(true);
        config.options_mut().sql_parser.enable_ident_normalization = false;
        let ctx = SessionContext::new_with_config(config);
        register_catalog(&ctx, DEFAULT_CATALOG, catalog.clone());
        let tmp = Arc::new(MemorySchemaProvider::new());
        let tmp_catalog = MemoryCatalogProvider::new();
        tmp_catalog.register_schema(TMP_SCHEMA, tmp.clone())?;
        ctx.register_catalog(TMP_CATALOG, Arc::new(tmp_catalog));
        Ok(StrataSession {
            ctx,
            catalog,
            catalog_name: DEFAULT_CATALOG.to_string(),
            tmp,
            next_tmp: AtomicU64::new(0),
        })
    }

    /// The DataFusion context (register more tables or functions here).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The Strata catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The name of the catalog in SQL (`paimon`).
    pub fn catalog_name(&self) -> &str {
        &self.catalog_name
    }

    /// The current database.
    pub fn current_database(&self) -> String {
        self.ctx
            .state()
            .config()
            .options()
            .catalog
            .default_schema
            .clone()
    }

    /// Switches the current database (it must exist).
    ///
    /// # Errors
    /// Unknown databases.
    pub async fn use_database(&self, name: &str) -> Result<()> {
        if !self.catalog.database_exists(name).await.map_err(to_df)? {
            return Err(to_df(strata_core::Error::DatabaseNotFound(name.into())));
        }
        self.ctx
            .state_ref()
            .write()
            .config_mut()
            .options_mut()
            .catalog
            .default_schema = name.to_string();
        Ok(())
    }

    /// Runs every statement of a script and collects their results' rows.
    ///
    /// # Errors
    /// The first failing statement's error (earlier statements stay done).
    pub async fn run_script(
        &self,
        script: &str,
    ) -> Result<Vec<(String, Vec<arrow_array::RecordBatch>)>> {
        let mut out = Vec::new();
        for stmt in dialect::split_statements(script) {
            let r = self.execute(&stmt).await?;
            let rows = r.collect().await?;
            out.push((stmt, rows));
        }
        Ok(out)
    }

    /// Runs one statement and collects its rows.
    ///
    /// # Errors
    /// As [`StrataSession::execute`] and its execution.
    pub async fn sql_collect(&self, sql: &str) -> Result<Vec<arrow_array::RecordBatch>> {
        self.execute(sql).await?.collect().await
    }

    /// Runs one statement (a trailing `;` is fine). Queries return a stream that runs as it is
    /// read; statements of Paimon's dialect have finished when this returns.
    ///
    /// # Errors
    /// Syntax errors, unknown tables or columns, bad options, failed writes; a failed
    /// statement changes nothing in the warehouse.
    pub async fn execute(&self, sql: &str) -> Result<StatementResult> {
        let command = dialect::parse(sql).map_err(plan_err)?;
        match command {
            Command::Query(text) => self.query(&text).await,
            Command::CreateDatabase { .. }
            | Command::DropDatabase { .. }
            | Command::CreateTable(_)
            | Command::CreateTableLike { .. }
            | Command::DropTable { .. }
            | Command::AlterTableOptions { .. }
            | Command::ShowDatabases
            | Command::ShowTables { .. }
            | Command::ShowCreateTable { .. }
            | Command::Describe { .. } => ddl::execute(self, command).await,
            Command::Use { name, catalog } => {
                if catalog {
                    if name != self.catalog_name {
                        return Err(plan_err(format!(
                            "catalog '{name}' does not exist; this session has catalog '{}'",
                            self.catalog_name
                        )));
                    }
                    return StatementResult::done(format!("Using catalog {name}."));
                }
                self.use_database(&name).await?;
                StatementResult::done(format!("Using database {name}."))
            }
            Command::FlinkSet { key, value } => StatementResult::done(format!(
                "Flink setting '{key}' = '{value}' has no effect here (statements run in \
                 batch mode; DataFusion settings are SET datafusion.<key> = <value>)."
            )),
            Command::CreateTableAs(c) => dml::create_table_as(self, c).await,
            Command::InsertPartition {
                overwrite,
                table,
                partition,
                query,
            } => dml::insert_partition(self, overwrite, &table, &partition, &query).await,
            Command::Delete { table, condition } => {
                dml::delete(self, &table, condition.as_deref()).await
            }
            Command::Update {
                table,
                assignments,
                condition,
            } => dml::update(self, &table, &assignments, condition.as_deref()).await,
            Command::Call {
                procedure,
                args,
                named,
            } => procedures::call(self, &procedure, &args, &named).await,
        }
    }

    /// Plans a DataFusion statement after rewriting hints and time travel.
    ///
    /// # Errors
    /// Planning errors; options that do not apply.
    pub async fn plan(&self, sql: &str) -> Result<DataFrame> {
        let mut names = Vec::new();
        let rewritten = rewrite::rewrite(sql, |_| {
            let n = format!("h{}", self.next_tmp.fetch_add(1, Ordering::Relaxed));
            names.push(n.clone());
            format!("{TMP_CATALOG}.{TMP_SCHEMA}.{n}")
        })
        .map_err(plan_err)?;
        let guard = TmpTables {
            schema: self.tmp.clone(),
            names,
        };
        for ((_, t), name) in rewritten.tables.iter().zip(&guard.names) {
            let ident = self.resolve(&t.name)?;
            let opts = t.options.iter().cloned().collect();
            let provider: Arc<dyn TableProvider> = match ident.table.split_once('$') {
                Some((base, sys)) => {
                    let kind = SystemTableKind::parse(sys).ok_or_else(|| {
                        plan_err(format!("unknown system table '{}'", ident.table))
                    })?;
                    let table = self.table(&Identifier::new(&ident.database, base)).await?;
                    Arc::new(SystemTable::with_options(kind, table, &opts).map_err(to_df)?)
                }
                None => {
                    let table = self.table(&ident).await?;
                    Arc::new(
                        StrataTableProvider::with_options(table, &opts)
                            .await
                            .map_err(to_df)?,
                    )
                }
            };
            self.tmp.register_table(name.clone(), provider)?;
        }
        let df = self.ctx.sql(&rewritten.sql).await;
        drop(guard);
        df
    }

    async fn query(&self, sql: &str) -> Result<StatementResult> {
        let df = self.plan(sql).await?;
        let kind = match df.logical_plan() {
            LogicalPlan::Dml(_) => ResultKind::Count,
            LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) => ResultKind::Done,
            _ => ResultKind::Rows,
        };
        let insert_columns: Option<Vec<String>> = match df.logical_plan() {
            LogicalPlan::Dml(d) => Some(
                d.target
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect(),
            ),
            _ => None,
        };
        let mut stream = match (df.execute_stream().await, &insert_columns) {
            (Ok(s), _) => s,
            (Err(e), Some(cols)) => return Err(name_null_error(e, cols)),
            (Err(e), None) => return Err(e),
        };
        if let Some(cols) = insert_columns {
            stream = name_null_errors(stream, cols);
        }
        let r = StatementResult::stream(kind, stream);
        Ok(match kind {
            ResultKind::Done => r.with_message("OK"),
            _ => r,
        })
    }

    /// `t`, `db.t` or `paimon.db.t` as an identifier (the current database by default).
    ///
    /// # Errors
    /// Other catalogs, too many parts.
    pub fn resolve(&self, name: &ObjectName) -> Result<Identifier> {
        match name.0.as_slice() {
            [t] => Ok(Identifier::new(self.current_database(), t)),
            [db, t] => Ok(Identifier::new(db, t)),
            [c, db, t] if *c == self.catalog_name => Ok(Identifier::new(db, t)),
            [c, _, _] => Err(plan_err(format!(
                "catalog '{c}' does not exist; this session has catalog '{}'",
                self.catalog_name
            ))),
            _ => Err(plan_err(format!("'{name}' is not a table name"))),
        }
    }

    /// Opens a table.
    ///
    /// # Errors
    /// Unknown databases or tables.
    pub async fn table(&self, ident: &Identifier) -> Result<Table> {
        self.catalog.get_table(ident).await.map_err(to_df)
    }

    /// A fully qualified, quoted SQL reference to a table.
    pub fn sql_ref(&self, ident: &Identifier) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        format!(
            "{}.{}.{}",
            q(&self.catalog_name),
            q(&ident.database),
            q(&ident.table)
        )
    }
}

/// DataFusion reports a NULL for a NOT NULL column of an INSERT by the input's column name
/// (`column2` for VALUES); name the table's column instead.
fn name_null_errors(
    stream: datafusion::physical_plan::SendableRecordBatchStream,
    columns: Vec<String>,
) -> datafusion::physical_plan::SendableRecordBatchStream {
    use futures::TryStreamExt;
    let schema = stream.schema();
    let mapped = stream.map_err(move |e| name_null_error(e, &columns));
    Box::pin(datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(schema, mapped))
}

fn name_null_error(
    e: datafusion::error::DataFusionError,
    columns: &[String],
) -> datafusion::error::DataFusionError {
    let msg = crate::error::user_message(&e);
    match null_column(&msg) {
        Some(c) => {
            let name = c
                .strip_prefix("column")
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| columns.get(n.wrapping_sub(1)))
                .cloned()
                .unwrap_or_else(|| c.to_string());
            plan_err(format!(
                "column '{name}' is NOT NULL but the inserted rows hold NULL in it"
            ))
        }
        None => e,
    }
}

/// The column named by Arrow's "declared as non-nullable" error.
fn null_column(msg: &str) -> Option<&str> {
    let rest = msg.split("Column '").nth(1)?;
    let (name, tail) = rest.split_once('\'')?;
    tail.contains("declared as non-nullable").then_some(name)
}
