//! Streaming consumers: `consumer/consumer-<id>` holds `{"nextSnapshot": n}`, the next snapshot
//! a named streaming reader will read (spec §10.9).
//!
//! ```text
//! reader delivers snapshot n ─▶ ConsumerManager::record(id, n + 1)   (overwrite, atomic put)
//! restart with consumer-id   ─▶ ConsumerManager::get(id) ─▶ resume at nextSnapshot (no full scan)
//! expiry                     ─▶ min_next_snapshot() bounds the snapshots it may remove
//!                            ─▶ expire(older_than) drops consumer files idle for too long
//! ```
//!
//! Reference: `ConsumerManager` (Paimon 0.9).

use std::time::Duration;

use strata_io::FileIO;
use strata_spec::Consumer;

use crate::error::{CorruptContext, Error, Result};
use crate::path;

/// Reads and writes the consumer files of one table.
#[derive(Debug, Clone)]
pub struct ConsumerManager {
    io: FileIO,
    table: String,
}

/// A consumer file with its id and last modification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    /// The consumer id (`consumer-id`).
    pub id: String,
    /// The next snapshot it will read.
    pub next_snapshot: i64,
    /// Last write of the file, epoch ms.
    pub last_modified_ms: i64,
}

impl ConsumerManager {
    /// A manager for the table rooted at `io`.
    pub fn new(io: FileIO, table: String) -> Self {
        ConsumerManager { io, table }
    }

    /// The consumer `id`, `None` when it has no file.
    ///
    /// # Errors
    /// A corrupt consumer file or a storage error.
    pub async fn get(&self, id: &str) -> Result<Option<Consumer>> {
        validate_id(id)?;
        let p = path::consumer_path(id);
        match self.io.read(&p).await {
            Ok(bytes) => {
                let text = std::str::from_utf8(&bytes).map_err(|_| Error::Corrupt {
                    what: "consumer file",
                    path: self.io.display_path(&p),
                    reason: "not UTF-8 text".into(),
                })?;
                Consumer::from_json(text)
                    .corrupt("consumer file", &self.io.display_path(&p))
                    .map(Some)
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Records that consumer `id` will read `next_snapshot` next (overwrites the file).
    ///
    /// # Errors
    /// A storage error.
    pub async fn record(&self, id: &str, next_snapshot: i64) -> Result<()> {
        validate_id(id)?;
        let json = Consumer { next_snapshot }.to_json();
        Ok(self.io.write(&path::consumer_path(id), json).await?)
    }

    /// Removes consumer `id` (a missing file is fine).
    ///
    /// # Errors
    /// A storage error.
    pub async fn delete(&self, id: &str) -> Result<()> {
        validate_id(id)?;
        Ok(self.io.delete(&path::consumer_path(id)).await?)
    }

    /// Every consumer, sorted by id.
    ///
    /// # Errors
    /// A corrupt consumer file or a storage error.
    pub async fn list(&self) -> Result<Vec<ConsumerInfo>> {
        let mut out = Vec::new();
        for f in self.io.list(path::CONSUMER_DIR).await? {
            let Some(id) = f.name().strip_prefix("consumer-") else {
                continue;
            };
            // A file removed between listing and reading is simply gone.
            if let Some(c) = self.get(id).await? {
                out.push(ConsumerInfo {
                    id: id.to_string(),
                    next_snapshot: c.next_snapshot,
                    last_modified_ms: f.last_modified_ms,
                });
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The smallest `nextSnapshot` of all consumers: expiry must keep it and every later
    /// snapshot.
    ///
    /// # Errors
    /// As [`ConsumerManager::list`]; expiry treats an error as "cannot expire".
    pub async fn min_next_snapshot(&self) -> Result<Option<i64>> {
        Ok(self.list().await?.iter().map(|c| c.next_snapshot).min())
    }

    /// Deletes consumer files not written for longer than `idle` (`consumer.expiration-time`);
    /// returns the ids removed.
    ///
    /// # Errors
    /// A storage error.
    pub async fn expire(&self, idle: Duration, now_ms: i64) -> Result<Vec<String>> {
        let limit = now_ms - idle.as_millis() as i64;
        let mut removed = Vec::new();
        for c in self.list().await? {
            if c.last_modified_ms < limit {
                self.delete(&c.id).await?;
                tracing::info!(table = %self.table, consumer = %c.id, "expired idle consumer");
                removed.push(c.id);
            }
        }
        Ok(removed)
    }
}

/// Consumer ids become file names: no separators, not empty.
fn validate_id(id: &str) -> Result<()> {
    if id.is_empty() || id.contains(['/', '\\']) || id == "." || id == ".." {
        return Err(Error::Invalid(format!(
            "consumer id '{id}' is not usable as a file name (use letters, digits, '-' or '_')"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn record_list_expire() {
        let io = FileIO::memory();
        let m = ConsumerManager::new(io, "db.t".into());
        assert_eq!(m.get("a").await.unwrap(), None);
        m.record("a", 5).await.unwrap();
        m.record("b", 3).await.unwrap();
        assert_eq!(m.get("a").await.unwrap().unwrap().next_snapshot, 5);
        assert_eq!(m.min_next_snapshot().await.unwrap(), Some(3));
        assert!(m.record("x/y", 1).await.is_err());
        let far_future = chrono::Utc::now().timestamp_millis() + 3_600_000;
        let removed = m.expire(Duration::from_secs(60), far_future).await.unwrap();
        assert_eq!(removed, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(m.min_next_snapshot().await.unwrap(), None);
    }
}
