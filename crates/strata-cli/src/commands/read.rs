//! `strata read db.t` — a batch read of a snapshot, with projection, filter and limit.

use anyhow::Result;
use clap::Args;
use futures::StreamExt;
use strata_core::{parse_filter, Catalog, SnapshotSelector};

use super::open_table;
use crate::output::{OutputFormat, RowSink};

#[derive(Args, Debug)]
pub struct ReadArgs {
    /// Table name: database.table.
    pub table: String,
    /// Columns to print, comma separated (default: all).
    #[arg(long)]
    pub columns: Option<String>,
    /// Filter, e.g. "dt = '2026-01-01' AND v > 3".
    #[arg(long)]
    pub filter: Option<String>,
    /// Read this snapshot id.
    #[arg(long, conflicts_with_all = ["tag", "as_of"])]
    pub snapshot: Option<i64>,
    /// Read this tag.
    #[arg(long, conflicts_with = "as_of")]
    pub tag: Option<String>,
    /// Read as of this timestamp ('2026-01-01 10:00:00', UTC) or epoch milliseconds.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Print at most this many rows.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<String>,
}

pub async fn run(catalog: &Catalog, args: ReadArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let selector = match (&args.snapshot, &args.tag, &args.as_of) {
        (Some(id), _, _) => SnapshotSelector::Id(*id),
        (_, Some(t), _) => SnapshotSelector::Tag(t.clone()),
        (_, _, Some(ts)) => SnapshotSelector::Timestamp(match ts.trim().parse::<i64>() {
            Ok(ms) => ms,
            Err(_) => {
                strata_spec::time::parse_timestamp(ts)
                    .map_err(anyhow::Error::msg)?
                    .0
            }
        }),
        _ => SnapshotSelector::Latest,
    };
    let filter = match &args.filter {
        Some(f) => Some(parse_filter(f, &table.schema().fields)?),
        None => None,
    };
    let columns = args.columns.as_ref().map(|c| {
        c.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    });
    let plan = table
        .new_scan()
        .with_snapshot(selector)
        .with_filter(filter.clone())
        .plan()
        .await?;
    let read = table
        .new_read()
        .with_projection(columns)?
        .with_filter(filter);
    let mut sink = RowSink::new(args.format, read.output_fields(), args.output.as_deref())?;
    let mut stream = read.read_plan(&plan);
    let limit = args.limit.unwrap_or(usize::MAX);
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let room = limit - sink.rows();
        if batch.num_rows() > room {
            sink.push(&batch.slice(0, room))?;
        } else {
            sink.push(&batch)?;
        }
        if sink.rows() >= limit {
            break;
        }
    }
    sink.finish()
}
