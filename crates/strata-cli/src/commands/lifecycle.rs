//! `strata expire`, `strata tag`, `strata rollback`, `strata remove-orphans`: keeping a table
//! that changes every minute healthy (snapshot expiry, tags, rollback, orphan cleanup).

use std::time::Duration;

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use strata_core::maintenance::{
    create_tag, delete_tag, expire_snapshots, list_tags, remove_orphan_files, rollback_to,
    ExpireOptions, RollbackTarget,
};
use strata_core::Catalog;

use super::open_table;
use crate::output::print_table;

#[derive(Args, Debug)]
pub struct ExpireArgs {
    /// Table name: database.table.
    pub table: String,
    /// Keep at most this many snapshots (snapshot.num-retained.max).
    #[arg(long)]
    pub retain_max: Option<i64>,
    /// Keep at least this many snapshots (snapshot.num-retained.min).
    #[arg(long)]
    pub retain_min: Option<i64>,
    /// Expire snapshots older than this, e.g. "1 h" (snapshot.time-retained).
    #[arg(long)]
    pub older_than: Option<String>,
    /// Expire at most this many snapshots (snapshot.expire.limit).
    #[arg(long)]
    pub limit: Option<i64>,
}

#[derive(Subcommand, Debug)]
pub enum TagCommand {
    /// Tag a snapshot (the latest by default).
    Create {
        /// Table name: database.table.
        table: String,
        /// Tag name.
        name: String,
        /// Snapshot id (default: latest).
        #[arg(long)]
        snapshot: Option<i64>,
        /// Keep the tag this long, e.g. "7 d" (default: tag.default-time-retained).
        #[arg(long)]
        retain: Option<String>,
    },
    /// Delete a tag and the files only it kept.
    Delete {
        /// Table name: database.table.
        table: String,
        /// Tag name.
        name: String,
    },
    /// List tags.
    List {
        /// Table name: database.table.
        table: String,
    },
}

#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// Table name: database.table.
    pub table: String,
    /// Roll back to this snapshot.
    #[arg(long, conflicts_with = "tag", required_unless_present = "tag")]
    pub snapshot: Option<i64>,
    /// Roll back to this tag.
    #[arg(long)]
    pub tag: Option<String>,
}

#[derive(Args, Debug)]
pub struct OrphanArgs {
    /// Table name: database.table.
    pub table: String,
    /// Only files older than this (default "1 d"); younger files may belong to running commits.
    #[arg(long, default_value = "1 d")]
    pub older_than: String,
    /// List the orphans with their sizes, delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn duration(flag: &str, text: &str) -> Result<Duration> {
    strata_spec::options::parse_duration(text)
        .map_err(|e| anyhow::anyhow!("{flag} '{text}': {e} (examples: '30 s', '1 h', '7 d')"))
}

pub async fn expire(catalog: &Catalog, args: ExpireArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let opts = ExpireOptions {
        retain_min: args.retain_min,
        retain_max: args.retain_max,
        time_retained: args
            .older_than
            .as_deref()
            .map(|t| duration("--older-than", t))
            .transpose()?,
        limit: args.limit,
        now_ms: None,
    };
    let r = expire_snapshots(&table, &opts).await?;
    match (r.expired_snapshots.first(), r.expired_snapshots.last()) {
        (Some(a), Some(b)) => eprintln!(
            "expired snapshots {a}..={b} of {}; earliest is now {}; deleted {} files",
            args.table,
            r.earliest.map(|e| e.to_string()).unwrap_or_default(),
            r.deleted_files.len()
        ),
        _ => eprintln!(
            "nothing to expire in {} (earliest snapshot {})",
            args.table,
            r.earliest
                .map(|e| e.to_string())
                .unwrap_or_else(|| "none".into())
        ),
    }
    if !r.expired_changelogs.is_empty() {
        eprintln!(
            "expired {} long-lived changelogs",
            r.expired_changelogs.len()
        );
    }
    if !r.expired_consumers.is_empty() {
        eprintln!("removed idle consumers: {}", r.expired_consumers.join(", "));
    }
    Ok(())
}

pub async fn tag(catalog: &Catalog, cmd: TagCommand) -> Result<()> {
    match cmd {
        TagCommand::Create {
            table,
            name,
            snapshot,
            retain,
        } => {
            let t = open_table(catalog, &table).await?;
            let retain = retain
                .as_deref()
                .map(|r| duration("--retain", r))
                .transpose()?;
            let s = create_tag(&t, &name, snapshot, retain).await?;
            eprintln!("created tag '{name}' of {table} on snapshot {}", s.id);
        }
        TagCommand::Delete { table, name } => {
            let t = open_table(catalog, &table).await?;
            let deleted = delete_tag(&t, &name).await?;
            eprintln!(
                "deleted tag '{name}' of {table} ({} files removed)",
                deleted.len()
            );
        }
        TagCommand::List { table } => {
            let t = open_table(catalog, &table).await?;
            let rows = list_tags(&t)
                .await?
                .into_iter()
                .map(|i| {
                    vec![
                        i.name,
                        i.snapshot_id.to_string(),
                        strata_spec::time::format_timestamp(i.commit_time_ms, 0, 3, true),
                        i.record_count.to_string(),
                        i.time_retained
                            .map(|d| format!("{} s", d.as_secs()))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(
                &["tag", "snapshot", "commit time (UTC)", "rows", "retained"],
                rows,
            );
        }
    }
    Ok(())
}

pub async fn rollback(catalog: &Catalog, args: RollbackArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let target = match (args.snapshot, args.tag) {
        (Some(id), None) => RollbackTarget::Snapshot(id),
        (None, Some(t)) => RollbackTarget::Tag(t),
        _ => bail!("give exactly one of --snapshot N or --tag NAME"),
    };
    let r = rollback_to(&table, target).await?;
    eprintln!(
        "rolled back {} to snapshot {}: removed {} snapshots, {} tags, {} files",
        args.table,
        r.snapshot,
        r.removed_snapshots.len(),
        r.removed_tags.len(),
        r.deleted_files.len()
    );
    Ok(())
}

pub async fn remove_orphans(catalog: &Catalog, args: OrphanArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let older = duration("--older-than", &args.older_than)?;
    let r = remove_orphan_files(&table, older, args.dry_run).await?;
    if args.dry_run {
        for o in &r.orphans {
            println!("{}\t{}", o.size, o.path);
        }
        eprintln!(
            "{} orphan files ({} bytes) in {}; nothing deleted (dry run)",
            r.orphans.len(),
            r.total_bytes(),
            args.table
        );
    } else {
        eprintln!(
            "deleted {} orphan files ({} bytes) from {}",
            r.orphans.len(),
            r.total_bytes(),
            args.table
        );
    }
    if r.too_young > 0 {
        eprintln!(
            "{} unused files are younger than {} and were kept",
            r.too_young, args.older_than
        );
    }
    Ok(())
}
