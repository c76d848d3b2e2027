//! `strata-bench` — macro benchmarks that print ratios against a reference measured in the same
//! run (one zstd Parquet file written and read with the parquet crate).
//!
//! ```text
//! strata-bench append [--rows N]     append table: write, full read          (issue 2)
//! strata-bench pk [--rows N]         primary-key table: write, upsert 10 %, merged read,
//!                                    one partition × 2 columns, full compaction (issue 3)
//! strata-bench pk-memory [--rows N]  peak RSS writing N rows with a 64 MB write buffer
//! strata-bench engines [--rows N]    aggregation / partial-update vs deduplicate, lookup changelog
//! strata-bench plan                  TableScan::plan over 10,000 data files
//! strata-bench stream                commit → change latency, streaming rate, expiring 1,000 snapshots
//! strata-bench sql                   SQL planning over 10,000 files, count(*), pruning (issue 5;
//!                                    build with `--features sql`)
//! ```
//! Build with `--release`; numbers from debug builds mean nothing.

mod data;
mod engines;
mod files;
mod ops;
mod report;
#[cfg(feature = "sql")]
mod sql;
mod stream;
mod workloads;

use clap::{Parser, Subcommand};

/// jemalloc, as the `strata` CLI uses: glibc's allocator hands freed column buffers back to
/// the kernel and page-faults them in again, batch after batch.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "strata-bench",
    about = "Strata macro benchmarks (ratios against raw Parquet in the same run)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Append table: write and full read vs one raw Parquet file.
    Append {
        /// Rows to write.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Buckets.
        #[arg(long, default_value_t = 4)]
        buckets: usize,
        /// Leave the table unpartitioned.
        #[arg(long)]
        unpartitioned: bool,
    },
    /// Primary-key table: write, upsert, merged read, partition read, full compaction.
    Pk {
        /// Rows to write.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
    },
    #[cfg(feature = "sql")]
    /// SQL: planning a 10,000-file scan, count(*) from manifests, one-partition reads.
    Sql {
        /// Partitions.
        #[arg(long, default_value_t = 100)]
        partitions: usize,
        /// Data files per partition.
        #[arg(long, default_value_t = 100)]
        files: usize,
    },
    /// Merge engines and the lookup changelog producer (issue 4).
    Engines {
        /// Rows per table.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
    },
    /// Scan planning over many data files (issue 5's planning goal, without SQL).
    Plan {
        /// Partitions.
        #[arg(long, default_value_t = 100)]
        partitions: usize,
        /// Files per partition.
        #[arg(long, default_value_t = 100)]
        files: usize,
    },
    /// Streaming: commit → change latency, streaming throughput, expiring 1,000 snapshots.
    Stream,
    /// Peak memory writing rows into a primary-key table with a 64 MB write buffer.
    PkMemory {
        /// Rows to write.
        #[arg(long, default_value_t = 10_000_000)]
        rows: usize,
        /// write-buffer-size.
        #[arg(long, default_value = "64 mb")]
        buffer: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match cli.cmd {
            Cmd::Append {
                rows,
                buckets,
                unpartitioned,
            } => workloads::append(rows, buckets, !unpartitioned).await,
            Cmd::Pk { rows } => workloads::pk(rows).await,
            Cmd::PkMemory { rows, buffer } => workloads::pk_memory(rows, &buffer).await,
            Cmd::Stream => stream::run().await,
            Cmd::Plan { partitions, files } => workloads::plan(partitions, files).await,
            Cmd::Engines { rows } => engines::run(rows).await,
            #[cfg(feature = "sql")]
            Cmd::Sql { partitions, files } => sql::run(partitions, files).await,
        }
    })
}
