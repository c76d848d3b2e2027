//! A Strata warehouse as a DataFusion catalog: databases are schemas, tables are
//! [`StrataTableProvider`]s and `table$snapshots`-style names are system tables.
//!
//! ```text
//! SessionContext ─ catalog "paimon" ─▶ StrataCatalogProvider(Catalog)
//!                     schema "db"   ─▶ StrataSchemaProvider ─ "t"           ─▶ StrataTableProvider
//!                                                           └ "t$snapshots" ─▶ SystemTable
//! ```
//!
//! Register it in any `SessionContext` with [`register_catalog`]. DataFusion's synchronous
//! listing calls (`schema_names`, `table_names`, `table_exist`) reach storage through
//! [`crate::blocking`]; table lookups are async. `CREATE SCHEMA` / `DROP SCHEMA` and
//! `DROP TABLE` issued to DataFusion directly create and drop Strata databases and tables.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::common::Result;
use datafusion::datasource::TableProvider;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use strata_core::{Catalog, Error, Identifier};

use crate::blocking;
use crate::error::{plan_err, to_df};
use crate::provider::StrataTableProvider;
use crate::system;

/// The default name of the catalog in a session.
pub const DEFAULT_CATALOG: &str = "paimon";

/// Registers `catalog` as `name` in `ctx` (replacing a catalog of that name).
pub fn register_catalog(ctx: &SessionContext, name: &str, catalog: Catalog) {
    ctx.register_catalog(name, Arc::new(StrataCatalogProvider::new(catalog)));
}

fn blocking_err(e: std::io::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// Databases of a warehouse.
#[derive(Debug, Clone)]
pub struct StrataCatalogProvider {
    catalog: Catalog,
}

impl StrataCatalogProvider {
    /// A provider over `catalog`.
    pub fn new(catalog: Catalog) -> Self {
        StrataCatalogProvider { catalog }
    }

    /// The Strata catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

impl CatalogProvider for StrataCatalogProvider {
    fn schema_names(&self) -> Vec<String> {
        let c = self.catalog.clone();
        match blocking::run(async move { c.list_databases().await }) {
            Ok(Ok(names)) => names,
            Ok(Err(e)) => {
                tracing::warn!("listing databases failed: {e}");
                Vec::new()
            }
            Err(e) => {
                tracing::warn!("listing databases failed: {e}");
                Vec::new()
            }
        }
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        let c = self.catalog.clone();
        let n = name.to_string();
        match blocking::run(async move { c.database_exists(&n).await }) {
            Ok(Ok(true)) => Some(Arc::new(StrataSchemaProvider::new(
                self.catalog.clone(),
                name.to_string(),
            ))),
            _ => None,
        }
    }

    fn register_schema(
        &self,
        name: &str,
        _schema: Arc<dyn SchemaProvider>,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        let c = self.catalog.clone();
        let n = name.to_string();
        blocking::run(async move { c.create_database(&n, false).await })
            .map_err(blocking_err)?
            .map_err(to_df)?;
        Ok(None)
    }

    fn deregister_schema(
        &self,
        name: &str,
        cascade: bool,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        let c = self.catalog.clone();
        let n = name.to_string();
        let existed = blocking::run(async move {
            let existed = c.database_exists(&n).await?;
            c.drop_database(&n, true, cascade).await?;
            Ok::<_, Error>(existed)
        })
        .map_err(blocking_err)?
        .map_err(to_df)?;
        Ok(existed.then(|| {
            Arc::new(StrataSchemaProvider::new(
                self.catalog.clone(),
                name.to_string(),
            )) as Arc<dyn SchemaProvider>
        }))
    }
}

/// Tables of one database.
#[derive(Debug, Clone)]
pub struct StrataSchemaProvider {
    catalog: Catalog,
    database: String,
}

impl StrataSchemaProvider {
    /// A provider of `database`'s tables.
    pub fn new(catalog: Catalog, database: String) -> Self {
        StrataSchemaProvider { catalog, database }
    }
}

#[async_trait]
impl SchemaProvider for StrataSchemaProvider {
    fn table_names(&self) -> Vec<String> {
        let c = self.catalog.clone();
        let db = self.database.clone();
        match blocking::run(async move { c.list_tables(&db).await }) {
            Ok(Ok(names)) => names,
            _ => Vec::new(),
        }
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let (base, system) = match name.split_once('$') {
            Some((b, s)) => (b, Some(s)),
            None => (name, None),
        };
        let ident = Identifier::new(&self.database, base);
        let table = match self.catalog.get_table(&ident).await {
            Ok(t) => t,
            Err(Error::TableNotFound(_)) | Err(Error::DatabaseNotFound(_)) => return Ok(None),
            Err(e) => return Err(to_df(e)),
        };
        match system {
            None => Ok(Some(Arc::new(StrataTableProvider::new(table)))),
            Some(kind) => {
                let kind = system::SystemTableKind::parse(kind).ok_or_else(|| {
                    plan_err(format!(
                        "unknown system table '{name}'; system tables are {}",
                        system::SystemTableKind::names()
                            .iter()
                            .map(|k| format!("{base}${k}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                Ok(Some(Arc::new(system::SystemTable::new(kind, table))))
            }
        }
    }

    fn deregister_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let c = self.catalog.clone();
        let ident = Identifier::new(&self.database, name);
        let table = blocking::run(async move {
            let t = c.get_table(&ident).await?;
            c.drop_table(&ident, false).await?;
            Ok::<_, Error>(t)
        })
        .map_err(blocking_err)?
        .map_err(to_df)?;
        Ok(Some(Arc::new(StrataTableProvider::new(table))))
    }

    fn table_exist(&self, name: &str) -> bool {
        let base = name.split('$').next().unwrap_or(name);
        let c = self.catalog.clone();
        let ident = Identifier::new(&self.database, base);
        matches!(
            blocking::run(async move { c.table_exists(&ident).await }),
            Ok(Ok(true))
        )
    }
}
