//! # strata-core — Paimon tables: catalog, write, commit, scan, read
//!
//! The only crate that publishes snapshots. It ties the format types (`strata-spec`), storage
//! (`strata-io`), data files (`strata-format`) and the LSM of primary-key buckets
//! (`strata-lsm`) into tables:
//!
//! ```text
//! Catalog ─▶ Table ─┬─ TableWrite ─▶ [CommitMessage] ─▶ TableCommit ─▶ snapshot-N
//!                   └─ TableScan ─▶ Plan [DataSplit] ─▶ TableRead ─▶ Arrow batches
//! ```
//!
//! Every file name comes from [`path`]; every commit goes through [`commit`]; every read of
//! metadata through [`snapshot`], [`schema`] and [`manifest`].
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

pub mod alter;
pub mod catalog;
pub mod changelog;
pub mod commit;
pub mod consumer;
pub mod dml;
pub mod error;
pub mod json;
pub mod kv;
pub mod maintenance;
pub mod manifest;
pub mod path;
pub mod predicate;
pub mod read;
pub mod scan;
pub mod schema;
pub mod snapshot;
pub mod stats;
pub mod stream;
pub mod table;
pub mod write;

pub use catalog::{Catalog, Identifier, TableDefinition};
pub use commit::{OverwriteScope, TableCommit};
pub use error::{CommitError, Error, Result};
pub use predicate::{parse_filter, Predicate};
pub use read::TableRead;
pub use scan::{DataSplit, Plan, SnapshotSelector, TableScan};
pub use table::Table;
pub use write::{CommitMessage, TableWrite};
