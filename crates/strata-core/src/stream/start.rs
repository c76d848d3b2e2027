//! Where a streaming read starts (spec §11.2 table): from `scan.mode` and the `scan.*` options,
//! or an explicit [`StartingPosition`], or a consumer's recorded progress.
//!
//! Reference: `AbstractDataTableScan#createStartingScanner` (Paimon 0.9).

use strata_spec::{CommitKind, Snapshot};

use super::{expired_error, StartingPosition};
use crate::error::{Error, Result};
use crate::table::Table;

/// The resolved start: maybe a full state to emit first, then the next snapshot to follow.
#[derive(Debug, Clone)]
pub(crate) struct Start {
    pub full: Option<Snapshot>,
    pub next: i64,
}

/// The position the table's options ask for.
///
/// # Errors
/// Malformed or contradictory options.
pub(crate) async fn from_options(table: &Table) -> Result<StartingPosition> {
    let o = table.options();
    let mode = o.get("scan.mode").unwrap_or("default").to_ascii_lowercase();
    let ts = match (
        o.get_explicit("scan.timestamp-millis"),
        o.get_explicit("scan.timestamp"),
    ) {
        (Some(ms), _) => Some(ms.trim().parse::<i64>().map_err(|_| {
            Error::Invalid(format!("scan.timestamp-millis '{ms}' is not a number"))
        })?),
        (None, Some(t)) => Some(
            strata_spec::time::parse_timestamp(t)
                .map_err(|e| Error::Invalid(format!("scan.timestamp '{t}': {e}")))?
                .0,
        ),
        _ => None,
    };
    let snapshot = match (
        o.get_explicit("scan.snapshot-id"),
        o.get_explicit("scan.tag-name"),
    ) {
        (Some(id), _) => Some(
            id.trim()
                .parse::<i64>()
                .map_err(|_| Error::Invalid(format!("scan.snapshot-id '{id}' is not a number")))?,
        ),
        (None, Some(tag)) => Some(table.snapshot_manager().tag(tag).await?.id),
        _ => None,
    };
    let need = |what: &str| {
        Error::Invalid(format!(
            "scan.mode = {mode} needs {what} (table '{}')",
            table.name()
        ))
    };
    Ok(match mode.as_str() {
        "default" => match (ts, snapshot) {
            (Some(t), _) => StartingPosition::FromTimestamp(t),
            (None, Some(s)) => StartingPosition::FromSnapshot(s),
            _ => StartingPosition::LatestFull,
        },
        "latest-full" | "full" => StartingPosition::LatestFull,
        "latest" => StartingPosition::Latest,
        "compacted-full" => StartingPosition::CompactedFull,
        "from-timestamp" => StartingPosition::FromTimestamp(
            ts.ok_or_else(|| need("scan.timestamp-millis or scan.timestamp"))?,
        ),
        "from-snapshot" => StartingPosition::FromSnapshot(
            snapshot.ok_or_else(|| need("scan.snapshot-id or scan.tag-name"))?,
        ),
        "from-snapshot-full" => StartingPosition::FromSnapshotFull(
            snapshot.ok_or_else(|| need("scan.snapshot-id or scan.tag-name"))?,
        ),
        "incremental" => {
            return Err(Error::Invalid(
                "scan.mode = incremental is a bounded read: use stream::incremental_between".into(),
            ))
        }
        other => {
            return Err(Error::Unsupported(format!(
                "streaming reads with scan.mode = {other}"
            )))
        }
    })
}

/// Resolves a position against the table's current snapshots.
///
/// # Errors
/// A snapshot that does not exist or expired.
pub(crate) async fn resolve(table: &Table, pos: &StartingPosition) -> Result<Start> {
    let sm = table.snapshot_manager();
    let latest = sm.latest().await?;
    let after_latest = latest.as_ref().map_or(1, |s| s.id + 1);
    Ok(match pos {
        StartingPosition::LatestFull => match latest {
            Some(s) => Start {
                next: s.id + 1,
                full: Some(s),
            },
            None => Start {
                full: None,
                next: 1,
            },
        },
        StartingPosition::Latest => Start {
            full: None,
            next: after_latest,
        },
        StartingPosition::Earliest => match sm.earliest_id().await? {
            Some(e) => Start {
                full: Some(sm.snapshot(e).await?),
                next: e + 1,
            },
            None => Start {
                full: None,
                next: 1,
            },
        },
        StartingPosition::CompactedFull => {
            let mut found = None;
            if let (Some(e), Some(l)) = (sm.earliest_id().await?, latest.as_ref()) {
                let mut id = l.id;
                while id >= e {
                    if let Some(s) = sm.try_snapshot(id).await? {
                        if s.commit_kind == CommitKind::Compact {
                            found = Some(s);
                            break;
                        }
                    }
                    id -= 1;
                }
            }
            match found.or(latest) {
                Some(s) => Start {
                    next: s.id + 1,
                    full: Some(s),
                },
                None => Start {
                    full: None,
                    next: 1,
                },
            }
        }
        StartingPosition::FromSnapshot(n) => {
            check_not_expired(table, *n).await?;
            Start {
                full: None,
                next: *n,
            }
        }
        StartingPosition::FromSnapshotFull(n) => {
            let s = match sm.try_snapshot(*n).await? {
                Some(s) => s,
                None => {
                    check_not_expired(table, *n).await?;
                    sm.snapshot(*n).await?
                }
            };
            Start {
                next: s.id + 1,
                full: Some(s),
            }
        }
        StartingPosition::FromTimestamp(t) => {
            let next = match sm.at_or_before(t.saturating_sub(1)).await? {
                Some(s) => s.id + 1,
                None => sm.earliest_id().await?.unwrap_or(1),
            };
            Start { full: None, next }
        }
    })
}

/// A snapshot below the earliest one (and without a long-lived changelog) cannot be followed.
async fn check_not_expired(table: &Table, n: i64) -> Result<()> {
    let sm = table.snapshot_manager();
    if let Some(e) = sm.earliest_id().await? {
        if n < e
            && crate::changelog::LongLivedChangelogs::new(table.io().clone())
                .get(n)
                .await?
                .is_none()
        {
            return Err(expired_error(table, n, Some(e)));
        }
    }
    Ok(())
}
