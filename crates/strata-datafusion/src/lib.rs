//! # strata-datafusion — Strata tables in Apache DataFusion, with Paimon's SQL dialect
//!
//! Two layers:
//!
//! 1. **DataFusion integration**, usable from any `SessionContext`:
//!    [`register_catalog`] puts a warehouse in as a catalog (databases → schemas, tables →
//!    [`StrataTableProvider`], `t$snapshots`-style names → [`system`] tables).
//! 2. **[`StrataSession`]**: a session that also speaks the statements of Paimon's
//!    documentation that DataFusion does not (CREATE TABLE with `PRIMARY KEY … NOT ENFORCED`,
//!    `PARTITIONED BY`, `WITH (…)`; ALTER TABLE SET/RESET; SHOW; DESCRIBE; INSERT OVERWRITE …
//!    PARTITION; DELETE; UPDATE; CALL; `/*+ OPTIONS(…) */` hints and time travel).
//!
//! ```text
//!  SQL text ─▶ dialect (split, parse, rewrite hints) ─┬─▶ ddl / dml / procedures ─▶ strata-core
//!                                                     └─▶ DataFusion planner
//!   DataFusion ─ catalog.rs ─▶ provider.rs ─ scan ─▶ pushdown.rs (Expr ─▶ Predicate)
//!                                  │                  TableScan::plan ─▶ splits
//!                                  │                  exec.rs: splits over partitions,
//!                                  │                           TableRead per split (parallel)
//!                                  └─ insert_into ─▶ sink.rs: TableWrite ─▶ one commit
//! ```
//!
//! ```no_run
//! # async fn demo() -> datafusion::common::Result<()> {
//! let catalog = strata_core::Catalog::open("/tmp/warehouse", &Default::default())
//!     .map_err(strata_datafusion::error::to_df)?;
//! let session = strata_datafusion::StrataSession::new(catalog)?;
//! session.sql_collect("CREATE DATABASE IF NOT EXISTS db").await?;
//! session
//!     .sql_collect("CREATE TABLE db.t (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '2')")
//!     .await?;
//! session.sql_collect("INSERT INTO db.t VALUES (1, 'a'), (2, 'b')").await?;
//! let rows = session.sql_collect("SELECT count(*) FROM db.t").await?;
//! # Ok(()) }
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

pub mod blocking;
pub mod catalog;
mod ddl;
pub mod dialect;
mod dml;
pub mod error;
pub mod exec;
mod incremental;
mod procedures;
pub mod provider;
pub mod pushdown;
pub mod result;
pub mod session;
pub mod sink;
pub mod system;

pub use catalog::{register_catalog, StrataCatalogProvider, StrataSchemaProvider, DEFAULT_CATALOG};
pub use provider::StrataTableProvider;
pub use result::{ResultKind, StatementResult};
pub use session::StrataSession;
