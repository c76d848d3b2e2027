//! Subcommands. `run` opens the catalog and dispatches.

pub mod db;
pub mod info;
pub mod lifecycle;
pub mod maintain;
pub mod read;
pub mod sql;
pub mod table;
pub mod tail;
pub mod write;

use std::collections::HashMap;

use anyhow::{Context, Result};
use strata_core::{Catalog, Identifier, Table};

use crate::{Cli, Command};

/// Opens the warehouse and runs one command.
pub async fn run(cli: Cli) -> Result<()> {
    let mut storage = HashMap::new();
    for kv in &cli.storage_options {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("storage option '{kv}' is not KEY=VALUE"))?;
        storage.insert(k.trim().to_string(), v.trim().to_string());
    }
    let catalog = Catalog::open(&cli.warehouse, &storage)?;
    match cli.command {
        Command::Db(c) => db::run(&catalog, c).await,
        Command::Table(c) => table::run(&catalog, c).await,
        Command::Write(a) => write::run(&catalog, a).await,
        Command::Read(a) => read::run(&catalog, a).await,
        Command::Snapshots(a) => info::snapshots(&catalog, a).await,
        Command::Files(a) => info::files(&catalog, a).await,
        Command::Delete(a) => maintain::delete(&catalog, a).await,
        Command::Compact(a) => maintain::compact_cmd(&catalog, a).await,
        Command::Tail(a) => tail::run(&catalog, a).await,
        Command::Expire(a) => lifecycle::expire(&catalog, a).await,
        Command::Tag(c) => lifecycle::tag(&catalog, c).await,
        Command::Rollback(a) => lifecycle::rollback(&catalog, a).await,
        Command::RemoveOrphans(a) => lifecycle::remove_orphans(&catalog, a).await,
        Command::Sql(a) => sql::run(&catalog, a).await,
    }
}

/// Opens `db.table`.
pub async fn open_table(catalog: &Catalog, name: &str) -> Result<Table> {
    let ident = Identifier::parse(name, None)?;
    Ok(catalog.get_table(&ident).await?)
}

/// Parses repeated `KEY=VALUE` arguments.
pub fn key_values(items: &[String], what: &str) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .with_context(|| format!("{what} '{kv}' is not KEY=VALUE"))
        })
        .collect()
}
