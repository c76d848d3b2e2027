//! Long-lived changelogs: `changelog/changelog-<id>` keeps the JSON of an expired snapshot
//! whose changelog is still retained (decoupled changelog retention, spec §3.3, §10.7 step 4),
//! with `LATEST` / `EARLIEST` hints in `changelog/` like those of `snapshot/`.
//!
//! Streaming readers that fell behind snapshot expiry continue from these; changelog expiry
//! (`maintenance::expire`) removes them by the `changelog.*` retention options.
//!
//! Reference: `SnapshotManager#longLivedChangelog*`, `Changelog` (Paimon 0.9).

use strata_io::FileIO;
use strata_spec::snapshot::parse_hint;
use strata_spec::Snapshot;

use crate::error::{CorruptContext, Error, Result};
use crate::path;

/// Reads and writes the long-lived changelog metadata of one table.
#[derive(Debug, Clone)]
pub struct LongLivedChangelogs {
    io: FileIO,
}

impl LongLivedChangelogs {
    /// A manager for the table rooted at `io`.
    pub fn new(io: FileIO) -> Self {
        LongLivedChangelogs { io }
    }

    /// Ids of all `changelog-<id>` files, ascending.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list_ids(&self) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self
            .io
            .list(path::CHANGELOG_DIR)
            .await?
            .iter()
            .filter_map(|f| path::parse_id(f.name(), "changelog-"))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// The changelog of snapshot `id`, `None` when absent.
    ///
    /// # Errors
    /// Corrupt files, storage errors.
    pub async fn get(&self, id: i64) -> Result<Option<Snapshot>> {
        let p = path::changelog_meta_path(id);
        match self.io.read(&p).await {
            Ok(bytes) => {
                let text = std::str::from_utf8(&bytes).map_err(|_| Error::Corrupt {
                    what: "long-lived changelog",
                    path: self.io.display_path(&p),
                    reason: "not UTF-8 text".into(),
                })?;
                Snapshot::from_json(text)
                    .corrupt("long-lived changelog", &self.io.display_path(&p))
                    .map(Some)
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `changelog-<id>` (overwriting: the content is the snapshot's own JSON).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn put(&self, s: &Snapshot) -> Result<()> {
        Ok(self
            .io
            .write(&path::changelog_meta_path(s.id), s.to_json())
            .await?)
    }

    /// Removes `changelog-<id>`.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn delete(&self, id: i64) -> Result<()> {
        Ok(self.io.delete(&path::changelog_meta_path(id)).await?)
    }

    /// The EARLIEST hint of `changelog/`, when readable.
    pub async fn earliest_hint(&self) -> Option<i64> {
        let b = self
            .io
            .read(&path::changelog_earliest_hint_path())
            .await
            .ok()?;
        std::str::from_utf8(&b).ok().and_then(parse_hint)
    }

    /// Overwrites the hints (best effort: they are only hints).
    pub async fn write_hints(&self, earliest: Option<i64>, latest: Option<i64>) {
        if let Some(e) = earliest {
            let _ = self
                .io
                .write(&path::changelog_earliest_hint_path(), e.to_string())
                .await;
        }
        if let Some(l) = latest {
            let _ = self
                .io
                .write(&path::changelog_latest_hint_path(), l.to_string())
                .await;
        }
    }
}
