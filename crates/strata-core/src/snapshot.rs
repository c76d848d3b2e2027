//! Reading snapshots and tags of one table, and the LATEST / EARLIEST hints (spec §3.2, §10.8).
//!
//! Hints are only hints: a stale or missing `LATEST` falls back to listing `snapshot/`, and an
//! `EARLIEST` that names an expired snapshot falls back to listing too.
//!
//! Reference: `SnapshotManager`, `TagManager` (Paimon 0.9).

use strata_io::FileIO;
use strata_spec::snapshot::parse_hint;
use strata_spec::Snapshot;

use crate::error::{CorruptContext, Error, Result};
use crate::path;

/// Reads snapshots, hints and tags of one table.
#[derive(Debug, Clone)]
pub struct SnapshotManager {
    io: FileIO,
    table: String,
}

impl SnapshotManager {
    /// A manager for the table rooted at `io`.
    pub fn new(io: FileIO, table: String) -> Self {
        SnapshotManager { io, table }
    }

    /// The table name (for messages).
    pub fn table(&self) -> &str {
        &self.table
    }

    async fn read_hint(&self, p: &str) -> Option<i64> {
        // A hint that cannot be read is no hint.
        for _ in 0..3 {
            match self.io.read(p).await {
                Ok(b) => return std::str::from_utf8(&b).ok().and_then(parse_hint),
                Err(e) if e.is_not_found() => return None,
                Err(_) => continue,
            }
        }
        None
    }

    /// Ids of all snapshot files, ascending (a listing).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list_ids(&self) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self
            .io
            .list(path::SNAPSHOT_DIR)
            .await?
            .iter()
            .filter_map(|f| path::parse_id(f.name(), "snapshot-"))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// Whether `snapshot-<id>` exists.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn exists(&self, id: i64) -> Result<bool> {
        Ok(self.io.exists(&path::snapshot_path(id)).await?)
    }

    /// The latest snapshot id, `None` for an empty table.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn latest_id(&self) -> Result<Option<i64>> {
        if let Some(n) = self.read_hint(&path::latest_hint_path()).await {
            if n > 0 && self.exists(n).await? && !self.exists(n + 1).await? {
                return Ok(Some(n));
            }
        }
        Ok(self.list_ids().await?.last().copied())
    }

    /// The earliest snapshot id, `None` for an empty table.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn earliest_id(&self) -> Result<Option<i64>> {
        if let Some(n) = self.read_hint(&path::earliest_hint_path()).await {
            if n > 0 && self.exists(n).await? && (n == 1 || !self.exists(n - 1).await?) {
                return Ok(Some(n));
            }
        }
        Ok(self.list_ids().await?.first().copied())
    }

    /// Snapshot `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] (with the earliest snapshot when it expired); corrupt files.
    pub async fn snapshot(&self, id: i64) -> Result<Snapshot> {
        let p = path::snapshot_path(id);
        match self.io.read(&p).await {
            Ok(bytes) => self.parse(&p, &bytes),
            Err(e) if e.is_not_found() => {
                let hint = match (self.earliest_id().await, self.latest_id().await) {
                    (Ok(Some(e)), Ok(Some(l))) if id < e => {
                        format!("; it has expired (the table holds snapshots {e}..={l})")
                    }
                    (Ok(Some(e)), Ok(Some(l))) => format!("; the table holds snapshots {e}..={l}"),
                    _ => "; the table has no snapshots".into(),
                };
                Err(Error::NotFound {
                    table: self.table.clone(),
                    what: format!("snapshot {id}"),
                    hint,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Snapshot `id` or `None` when the file is absent.
    ///
    /// # Errors
    /// Corrupt files, storage errors.
    pub async fn try_snapshot(&self, id: i64) -> Result<Option<Snapshot>> {
        let p = path::snapshot_path(id);
        match self.io.read(&p).await {
            Ok(bytes) => self.parse(&p, &bytes).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn parse(&self, p: &str, bytes: &[u8]) -> Result<Snapshot> {
        let text = std::str::from_utf8(bytes).map_err(|_| Error::Corrupt {
            what: "snapshot",
            path: self.io.display_path(p),
            reason: "not UTF-8 text".into(),
        })?;
        Snapshot::from_json(text).corrupt("snapshot", &self.io.display_path(p))
    }

    /// The latest snapshot, `None` for an empty table.
    ///
    /// # Errors
    /// Storage errors, corrupt files.
    pub async fn latest(&self) -> Result<Option<Snapshot>> {
        // The latest may expire between listing and reading only if it is not the latest any
        // more; retry a few times.
        for _ in 0..5 {
            match self.latest_id().await? {
                None => return Ok(None),
                Some(id) => {
                    if let Some(s) = self.try_snapshot(id).await? {
                        return Ok(Some(s));
                    }
                }
            }
        }
        Err(Error::Internal(format!(
            "the latest snapshot of {} kept disappearing while being read",
            self.table
        )))
    }

    /// All existing snapshots, ascending by id.
    ///
    /// # Errors
    /// Storage errors, corrupt files.
    pub async fn snapshots(&self) -> Result<Vec<Snapshot>> {
        let mut out = Vec::new();
        for id in self.list_ids().await? {
            if let Some(s) = self.try_snapshot(id).await? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// The latest snapshot with `timeMillis <= t`.
    ///
    /// # Errors
    /// Storage errors, corrupt files.
    pub async fn at_or_before(&self, t: i64) -> Result<Option<Snapshot>> {
        let (Some(earliest), Some(latest)) = (self.earliest_id().await?, self.latest_id().await?)
        else {
            return Ok(None);
        };
        // Binary search over contiguous ids.
        let (mut lo, mut hi, mut found) = (earliest, latest, None);
        while lo <= hi {
            let mid = lo + (hi - lo) / 2;
            match self.try_snapshot(mid).await? {
                Some(s) if s.time_millis <= t => {
                    found = Some(s);
                    lo = mid + 1;
                }
                Some(_) => hi = mid - 1,
                None => lo = mid + 1,
            }
        }
        Ok(found)
    }

    /// Overwrites the LATEST hint (best effort).
    pub async fn write_latest_hint(&self, id: i64) {
        let _ = self
            .io
            .write(&path::latest_hint_path(), id.to_string())
            .await;
    }

    /// Overwrites the EARLIEST hint (best effort).
    pub async fn write_earliest_hint(&self, id: i64) {
        let _ = self
            .io
            .write(&path::earliest_hint_path(), id.to_string())
            .await;
    }

    /// Whether the EARLIEST hint exists.
    pub async fn has_earliest_hint(&self) -> bool {
        self.io
            .exists(&path::earliest_hint_path())
            .await
            .unwrap_or(false)
    }

    /// Tag names, sorted.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn tag_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .io
            .list(path::TAG_DIR)
            .await?
            .iter()
            .filter_map(|f| f.name().strip_prefix("tag-").map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The snapshot a tag points at.
    ///
    /// # Errors
    /// [`Error::NotFound`] naming the tag; corrupt files.
    pub async fn tag(&self, name: &str) -> Result<Snapshot> {
        let p = path::tag_path(name);
        match self.io.read(&p).await {
            Ok(bytes) => {
                let text = std::str::from_utf8(&bytes).map_err(|_| Error::Corrupt {
                    what: "tag",
                    path: self.io.display_path(&p),
                    reason: "not UTF-8 text".into(),
                })?;
                Snapshot::from_json(text).corrupt("tag", &self.io.display_path(&p))
            }
            Err(e) if e.is_not_found() => Err(Error::NotFound {
                table: self.table.clone(),
                what: format!("tag '{name}'"),
                hint: String::new(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// All tags with their snapshots, sorted by name.
    ///
    /// # Errors
    /// Storage errors, corrupt files.
    pub async fn tags(&self) -> Result<Vec<(String, Snapshot)>> {
        let mut out = Vec::new();
        for n in self.tag_names().await? {
            out.push((n.clone(), self.tag(&n).await?));
        }
        Ok(out)
    }
}
