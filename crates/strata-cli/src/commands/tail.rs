//! `strata tail db.t` — follows a table like a Kafka console consumer: prints every change with
//! its row kind (`+I`, `-U`, `+U`, `-D`) as it is committed, until Ctrl-C.
//!
//! Built on `strata_core::stream` (one snapshot at a time, bounded memory). With `--consumer`
//! the progress is recorded in `consumer/consumer-<id>` and a restarted tail continues where
//! the previous one stopped (the snapshot being printed at a crash is printed again).

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use futures::StreamExt;
use serde_json::{Map, Value};
use strata_core::json::batch_to_json;
use strata_core::stream::{ChangeBatch, StartingPosition, StreamScan};
use strata_core::Catalog;

use super::open_table;

/// Output of `tail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TailFormat {
    /// One aligned line per change: kind, then the columns.
    Table,
    /// One JSON object per change, `"_ROW_KIND"` first.
    Json,
}

#[derive(Args, Debug)]
pub struct TailArgs {
    /// Table name: database.table.
    pub table: String,
    /// Where to start: latest (only new changes), full (the current rows, then changes),
    /// earliest (everything retained), snapshot:N (changes of N and later),
    /// timestamp:T (changes committed at or after T: epoch ms or '2026-01-01 10:00:00').
    #[arg(long, default_value = "latest")]
    pub from: String,
    /// Record progress as this consumer and resume from it.
    #[arg(long)]
    pub consumer: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: TailFormat,
    /// Poll interval (default: the table's continuous.discovery-interval if set, else 1 s).
    #[arg(long)]
    pub interval: Option<String>,
    /// Stop after printing this many changes.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Stop after snapshot N (a bounded tail).
    #[arg(long)]
    pub until_snapshot: Option<i64>,
}

fn parse_from(text: &str) -> Result<StartingPosition> {
    let t = text.trim();
    Ok(match t {
        "latest" => StartingPosition::Latest,
        "full" | "latest-full" => StartingPosition::LatestFull,
        "earliest" => StartingPosition::Earliest,
        _ => match t.split_once(':') {
            Some(("snapshot", n)) => StartingPosition::FromSnapshot(
                n.trim()
                    .parse()
                    .with_context(|| format!("--from snapshot:N needs a number, got '{n}'"))?,
            ),
            Some(("timestamp", ts)) => {
                StartingPosition::FromTimestamp(match ts.trim().parse::<i64>() {
                    Ok(ms) => ms,
                    Err(_) => {
                        strata_spec::time::parse_timestamp(ts.trim())
                            .map_err(|e| anyhow::anyhow!("--from timestamp:{ts}: {e}"))?
                            .0
                    }
                })
            }
            _ => bail!(
                "--from '{text}' is not one of latest, full, earliest, snapshot:N, timestamp:T"
            ),
        },
    })
}

pub async fn run(catalog: &Catalog, args: TailArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let start = parse_from(&args.from)?;
    let interval = match &args.interval {
        Some(i) => strata_spec::options::parse_duration(i)
            .map_err(|e| anyhow::anyhow!("--interval '{i}': {e}"))?,
        None => match table
            .options()
            .get_explicit("continuous.discovery-interval")
        {
            Some(_) => table.options().discovery_interval()?,
            None => Duration::from_secs(1),
        },
    };
    let mut stream = StreamScan::new(table.clone())
        .with_start(start)
        .with_consumer(args.consumer.clone())
        .with_interval(interval)
        .with_end(args.until_snapshot)
        .start()
        .await?;
    let fields = table.schema().fields.clone();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    if args.format == TailFormat::Table {
        let header: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        writeln!(out, "op | {}", header.join(" | "))?;
        out.flush()?;
    }
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut printed = 0usize;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    while printed < limit {
        let next = tokio::select! {
            _ = &mut ctrl_c => break,
            n = stream.next() => n,
        };
        let Some(batch) = next else { break };
        printed += print_batch(&mut out, &batch?, &fields, args.format, limit - printed)?;
        out.flush()?;
    }
    out.flush()?;
    Ok(())
}

fn print_batch(
    out: &mut impl Write,
    b: &ChangeBatch,
    fields: &[strata_spec::DataField],
    format: TailFormat,
    room: usize,
) -> Result<usize> {
    let rows = batch_to_json(&b.batch, fields)?;
    let mut n = 0;
    for (i, row) in rows.into_iter().enumerate().take(room) {
        let kind = b.kind(i).short_string();
        match format {
            TailFormat::Json => {
                let mut obj = Map::with_capacity(row.len() + 1);
                obj.insert("_ROW_KIND".into(), Value::String(kind.into()));
                obj.extend(row);
                writeln!(out, "{}", Value::Object(obj))?;
            }
            TailFormat::Table => {
                let cells: Vec<String> = row
                    .values()
                    .map(|v| match v {
                        Value::Null => "NULL".to_string(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                writeln!(out, "{kind} | {}", cells.join(" | "))?;
            }
        }
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_positions() {
        assert_eq!(parse_from("latest").unwrap(), StartingPosition::Latest);
        assert_eq!(parse_from("earliest").unwrap(), StartingPosition::Earliest);
        assert_eq!(
            parse_from("snapshot:7").unwrap(),
            StartingPosition::FromSnapshot(7)
        );
        assert_eq!(
            parse_from("timestamp:1000").unwrap(),
            StartingPosition::FromTimestamp(1000)
        );
        assert!(parse_from("snapshot:x").is_err());
        assert!(parse_from("yesterday").is_err());
    }
}
