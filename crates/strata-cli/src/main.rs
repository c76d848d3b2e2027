//! `strata` — the command-line tool of Strata, a Paimon-compatible lake table store.
//!
//! Every subcommand lives in its own module under `commands/`; they all go through
//! `strata-core`'s public API and never write metadata files themselves. Errors print one line
//! (`error: …`, then `caused by: …` lines) on stderr and exit non-zero.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod commands;
mod input;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jemalloc: glibc's allocator hands freed column buffers back to the kernel and page-faults
/// them in again, batch after batch, which costs a fifth of a large write.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Strata: streaming lake tables in the Apache Paimon format.
#[derive(Parser, Debug)]
#[command(name = "strata", version, about, long_about = None)]
pub struct Cli {
    /// Warehouse location: a directory, file://…, s3://bucket/path or memory://.
    #[arg(
        long,
        global = true,
        env = "STRATA_WAREHOUSE",
        default_value = "./warehouse"
    )]
    pub warehouse: String,

    /// Storage options for the warehouse (e.g. s3.endpoint=http://127.0.0.1:9000), repeatable.
    #[arg(long = "storage-option", global = true, value_name = "KEY=VALUE")]
    pub storage_options: Vec<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, list or drop databases.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Create, list, drop or describe tables.
    #[command(subcommand)]
    Table(commands::table::TableCommand),
    /// Write rows from Parquet, CSV or JSON-lines files into a table.
    Write(commands::write::WriteArgs),
    /// Read rows of a table.
    Read(commands::read::ReadArgs),
    /// List the snapshots of a table.
    Snapshots(commands::info::TableArg),
    /// List the live data files of a table (with levels and the compaction debt per bucket).
    Files(commands::info::FilesArgs),
    /// Delete rows of a primary-key table (writes -D rows for the matching keys).
    Delete(commands::maintain::DeleteArgs),
    /// Compact a primary-key table (all buckets, or one partition; --full for a full compaction).
    Compact(commands::maintain::CompactArgs),
    /// Follow a table: print each change with its row kind as it is committed (until Ctrl-C).
    Tail(commands::tail::TailArgs),
    /// Expire old snapshots and the files only they used.
    Expire(commands::lifecycle::ExpireArgs),
    /// Create, delete or list tags.
    #[command(subcommand)]
    Tag(commands::lifecycle::TagCommand),
    /// Roll a table back to a snapshot or a tag.
    Rollback(commands::lifecycle::RollbackArgs),
    /// Delete files no snapshot, tag or changelog uses (older than a safety window).
    RemoveOrphans(commands::lifecycle::OrphanArgs),
    /// SQL: an interactive shell, or -e "…" / -f file.sql (Paimon's dialect on DataFusion).
    Sql(commands::sql::SqlArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("STRATA_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                // Skip causes whose text is already part of the message.
                let text = s.to_string();
                if !e.to_string().contains(&text) {
                    eprintln!("caused by: {text}");
                }
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
