//! Batch incremental reads: `'incremental-between' = 'a,b'` (and
//! `'incremental-between-timestamp' = 't1,t2'`), the rows that snapshots a+1 ..= b added.
//!
//! ```text
//! snapshots (a, b] of kind APPEND ─▶ their delta manifest lists ─▶ ADD entries
//!   ─▶ splits per (partition, bucket) ─▶ TableRead (primary-key splits merged: the latest
//!      version of every key written in the range; deletes dropped)
//! ```
//!
//! This is Paimon's `delta` mode (the default `auto` mode for tables without a changelog
//! producer). COMPACT and OVERWRITE snapshots add no new rows and are skipped.

use strata_core::scan::make_splits;
use strata_core::{DataSplit, Error, Result, Table};
use strata_spec::{CommitKind, FileKind};

/// The snapshot range `(from, to]` named by the table's incremental options, if any.
///
/// # Errors
/// Malformed values, timestamps before the first snapshot.
pub async fn range_of(table: &Table) -> Result<Option<(i64, i64)>> {
    let opts = table.options();
    if let Some(v) = opts.get_explicit("incremental-between") {
        let (a, b) = parse_pair(v, "incremental-between")?;
        return check(table, a, b).await.map(Some);
    }
    if let Some(v) = opts.get_explicit("incremental-between-timestamp") {
        let (t1, t2) = parse_pair(v, "incremental-between-timestamp")?;
        let sm = table.snapshot_manager();
        let a = match sm.at_or_before(t1).await? {
            Some(s) => s.id,
            None => sm.earliest_id().await?.map(|e| e - 1).unwrap_or(0),
        };
        let b = match sm.at_or_before(t2).await? {
            Some(s) => s.id,
            None => a,
        };
        return check(table, a, b).await.map(Some);
    }
    Ok(None)
}

fn parse_pair(v: &str, key: &str) -> Result<(i64, i64)> {
    let bad = || {
        Error::Invalid(format!(
            "option '{key}' = '{v}' must be two numbers separated by a comma, e.g. '3,5'"
        ))
    };
    let (a, b) = v.split_once(',').ok_or_else(bad)?;
    let a = a.trim().parse::<i64>().map_err(|_| bad())?;
    let b = b.trim().parse::<i64>().map_err(|_| bad())?;
    Ok((a, b))
}

async fn check(table: &Table, a: i64, b: i64) -> Result<(i64, i64)> {
    if a > b {
        return Err(Error::Invalid(format!(
            "incremental range start {a} is after its end {b}"
        )));
    }
    if a < b {
        let sm = table.snapshot_manager();
        let earliest = sm.earliest_id().await?.unwrap_or(1);
        if a + 1 < earliest {
            return Err(Error::NotFound {
                table: table.name(),
                what: format!("snapshot {}", a + 1),
                hint: format!("; the earliest snapshot is {earliest} (older ones expired)"),
            });
        }
        sm.snapshot(b).await?;
    }
    Ok((a, b))
}

/// Splits of the files added by APPEND snapshots in `(from, to]`.
///
/// # Errors
/// Missing snapshots or manifests.
pub async fn plan(table: &Table, from: i64, to: i64) -> Result<Vec<DataSplit>> {
    let sm = table.snapshot_manager();
    let store = table.manifest_store();
    let mut entries = Vec::new();
    for id in (from + 1)..=to {
        let s = sm.snapshot(id).await?;
        if s.commit_kind != CommitKind::Append {
            continue;
        }
        let metas = store.read_list(&s.delta_manifest_list).await?;
        for es in store.read_manifests(&metas).await? {
            entries.extend(es.into_iter().filter(|e| e.kind == FileKind::Add));
        }
    }
    make_splits(table, to, entries)
}
