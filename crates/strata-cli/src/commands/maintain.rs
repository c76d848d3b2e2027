//! `strata delete` and `strata compact`.

use anyhow::{bail, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use strata_core::maintenance::{compact, CompactOptions};
use strata_core::{parse_filter, Catalog, Predicate};

use super::{key_values, open_table};

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Table name: database.table (a primary-key table).
    pub table: String,
    /// Rows to delete, e.g. "dt = '2026-01-01' AND v > 3".
    #[arg(long)]
    pub filter: Option<String>,
    /// Delete every row (required when there is no --filter).
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct CompactArgs {
    /// Table name: database.table.
    pub table: String,
    /// Only this partition, KEY=VALUE (repeatable).
    #[arg(long = "partition")]
    pub partition: Vec<String>,
    /// Full compaction: everything into the highest level.
    #[arg(long)]
    pub full: bool,
}

pub async fn delete(catalog: &Catalog, args: DeleteArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let filter = match (&args.filter, args.all) {
        (Some(f), false) => parse_filter(f, &table.schema().fields)?,
        (None, true) => Predicate::True,
        (Some(_), true) => bail!("use either --filter or --all"),
        (None, false) => bail!("give --filter \"…\" to choose rows, or --all to delete every row"),
    };
    let (rows, snapshot) = strata_core::dml::delete_where(&table, &filter).await?;
    match snapshot {
        Some(id) => eprintln!("deleted {rows} rows from {} (snapshot {id})", args.table),
        None => eprintln!("no rows matched; nothing committed"),
    }
    Ok(())
}

pub async fn compact_cmd(catalog: &Catalog, args: CompactArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let mut parts = Vec::new();
    for (k, v) in key_values(&args.partition, "partition")? {
        let f = table
            .schema()
            .field(&k)
            .filter(|_| table.schema().partition_keys.contains(&k))
            .ok_or_else(|| anyhow::anyhow!("'{k}' is not a partition key of {}", args.table))?;
        let value = strata_core::predicate::literal(&f.data_type, &v)?;
        parts.push(Predicate::Cmp {
            column: k,
            op: strata_core::predicate::CmpOp::Eq,
            value,
        });
    }
    let opts = CompactOptions {
        partition_filter: if parts.is_empty() {
            None
        } else {
            Some(Predicate::and(parts))
        },
        full: args.full,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} buckets")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = compact(&table, &opts, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    match report.snapshot {
        Some(id) => eprintln!(
            "compacted {} buckets of {}: {} files replaced by {} (snapshot {id})",
            report.buckets, args.table, report.files_before, report.files_after
        ),
        None => eprintln!(
            "nothing to compact in {} ({} buckets)",
            args.table, report.buckets
        ),
    }
    Ok(())
}
