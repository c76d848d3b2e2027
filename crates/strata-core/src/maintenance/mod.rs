//! Table maintenance without Spark or Flink: compaction, snapshot expiry, tags, rollback and
//! orphan-file cleanup, plus [`after_commit`], which runs expiry and automatic tags after each
//! commit of a writer (unless `write-only`).

mod compact;
pub mod expire;
pub(crate) mod files;
pub mod orphans;
pub mod rollback;
pub mod tags;

pub use compact::{compact, CompactOptions, CompactReport};
pub use expire::{expire_snapshots, ExpireOptions, ExpireReport};
pub use orphans::{remove_orphan_files, OrphanFile, OrphanReport};
pub use rollback::{rollback_to, RollbackReport, RollbackTarget};
pub use tags::{create_tag, delete_tag, list_tags, TagInfo};

use crate::table::Table;

/// What Java's writers do after a successful commit (`TableCommitImpl#expire`): expire idle
/// consumers, snapshots and long-lived changelogs, expire tags past their retention and create
/// automatic tags. Skipped when `write-only = true`. Failures are logged, never returned: the
/// commit already succeeded and a failed maintenance run only leaves files for the next one.
pub async fn after_commit(table: &Table) {
    if table.options().write_only().unwrap_or(false) {
        return;
    }
    if let Err(e) = tags::auto_create_tag(table).await {
        tracing::warn!(table = %table.name(), error = %e, "automatic tag creation failed");
    }
    if let Err(e) = expire_snapshots(table, &ExpireOptions::default()).await {
        tracing::warn!(table = %table.name(), error = %e, "snapshot expiry after commit failed");
    }
    if let Err(e) = tags::expire_tags(table).await {
        tracing::warn!(table = %table.name(), error = %e, "tag expiry after commit failed");
    }
}
