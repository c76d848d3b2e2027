//! Reading one unit of a streaming or incremental scan as [`ChangeBatch`]es: the full state of a
//! snapshot (all `+I`), the delta files of APPEND snapshots, or changelog files.
//!
//! ```text
//! full state  ─▶ live entries (lookup: level > 0; full-compaction: top level) ─▶ TableRead
//! delta       ─▶ ADD entries of APPEND deltas ─▶ append: rows as +I
//!                                              primary key, per bucket: one file ─▶ raw rows
//!                                                                       more ─▶ merged per key,
//!                                                                               deletes kept
//! changelog   ─▶ ADD entries of changelog lists ─▶ raw rows with their kinds, sequence order
//! ```
//!
//! Everything is streamed file by file; memory does not grow with the size of a snapshot.
//!
//! Reference: `DeltaFollowUpScanner`, `AllDeltaFollowUpScanner`, `IncrementalChangelogReadProvider`
//! (Paimon 0.9).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{Array, Int8Array, RecordBatch};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use strata_lsm::interval::interval_partition;
use strata_lsm::merge_sort::merge_runs;
use strata_lsm::KvSchema;
use strata_spec::options::ChangelogProducer;
use strata_spec::{CommitKind, DataFileMeta, FileKind, ManifestEntry, Snapshot};

use super::ChangeBatch;
use crate::error::{arrow_err, Error, Result};
use crate::kv::{key_comparator, kv_schema, read_kv_file, read_run};
use crate::maintenance::files::list_entries;
use crate::scan::{make_splits, Plan, TableScan};
use crate::table::Table;

/// What a unit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitKind {
    /// Delta data files (tables without a changelog producer).
    Delta,
    /// Changelog files.
    Changelog,
}

/// Reads units of one table.
#[derive(Clone)]
pub(crate) struct UnitReader {
    table: Table,
    kv: Option<Arc<KvSchema>>,
    producer: ChangelogProducer,
    read_overwrite: bool,
    batch_size: usize,
}

impl UnitReader {
    pub(crate) fn new(table: Table) -> Result<Self> {
        let o = table.options();
        let kv = if table.has_primary_key() {
            Some(Arc::new(kv_schema(table.schema(), None)?))
        } else {
            None
        };
        Ok(UnitReader {
            producer: o.changelog_producer()?,
            read_overwrite: o
                .get("streaming-read-overwrite")
                .and_then(strata_spec::options::parse_bool)
                .unwrap_or(false),
            batch_size: o.read_batch_size().unwrap_or(8192).max(1024),
            kv,
            table,
        })
    }

    pub(crate) fn table(&self) -> &Table {
        &self.table
    }

    /// What the follow-up scan reads for this table.
    pub(crate) fn follow_kind(&self) -> UnitKind {
        if self.producer == ChangelogProducer::None || !self.table.has_primary_key() {
            UnitKind::Delta
        } else {
            UnitKind::Changelog
        }
    }

    /// The entries a follow-up reads from snapshot `s`; `None` when the snapshot is skipped.
    pub(crate) async fn entries_of(
        &self,
        s: &Snapshot,
        kind: UnitKind,
    ) -> Result<Option<Vec<ManifestEntry>>> {
        let store = self.table.manifest_store();
        let list = match kind {
            UnitKind::Delta => {
                let read = match s.commit_kind {
                    CommitKind::Append => true,
                    CommitKind::Overwrite => self.read_overwrite,
                    CommitKind::Compact | CommitKind::Analyze => false,
                };
                if !read {
                    return Ok(None);
                }
                &s.delta_manifest_list
            }
            UnitKind::Changelog => match &s.changelog_manifest_list {
                Some(l) => l,
                None => return Ok(None),
            },
        };
        let entries: Vec<ManifestEntry> = list_entries(&store, list)
            .await?
            .into_iter()
            .filter(|e| e.kind == FileKind::Add)
            .collect();
        Ok(if entries.is_empty() {
            None
        } else {
            Some(entries)
        })
    }

    /// The full state of `s`, every row as `+I`.
    pub(crate) async fn full(
        &self,
        s: &Snapshot,
    ) -> Result<BoxStream<'static, Result<ChangeBatch>>> {
        let mut entries = TableScan::new(self.table.clone()).live_entries(s).await?;
        match self.producer {
            // The rest arrives through changelog (spec §11.2).
            ChangelogProducer::Lookup if self.table.has_primary_key() => {
                entries.retain(|e| e.file.level > 0)
            }
            ChangelogProducer::FullCompaction if self.table.has_primary_key() => {
                let top = self.table.options().num_levels()?.saturating_sub(1) as i32;
                let top = entries
                    .iter()
                    .map(|e| e.file.level)
                    .max()
                    .unwrap_or(top)
                    .max(top);
                entries.retain(|e| e.file.level == top)
            }
            _ => {}
        }
        let splits = make_splits(&self.table, s.id, entries)?;
        let plan = Plan {
            snapshot: Some(s.clone()),
            splits,
        };
        let id = s.id;
        Ok(self
            .table
            .new_read()
            .with_batch_size(self.batch_size)
            .read_plan(&plan)
            .map_ok(move |batch| ChangeBatch::inserts(id, batch))
            .boxed())
    }

    /// The rows of `entries` (ADD entries of one or more snapshots, in commit order).
    pub(crate) fn read_entries(
        &self,
        snapshot_id: i64,
        entries: Vec<ManifestEntry>,
        kind: UnitKind,
    ) -> Result<BoxStream<'static, Result<ChangeBatch>>> {
        let Some(kv) = self.kv.clone() else {
            // Append table: the files in sequence order, rows as +I.
            let splits = make_splits(&self.table, snapshot_id, entries)?;
            let plan = Plan {
                snapshot: None,
                splits,
            };
            return Ok(self
                .table
                .new_read()
                .with_batch_size(self.batch_size)
                .read_plan(&plan)
                .map_ok(move |b| ChangeBatch::inserts(snapshot_id, b))
                .boxed());
        };
        let mut groups: BTreeMap<(Vec<u8>, i32), Vec<DataFileMeta>> = BTreeMap::new();
        for e in entries {
            groups
                .entry((e.partition, e.bucket))
                .or_default()
                .push(e.file);
        }
        let me = self.clone();
        Ok(stream::iter(groups)
            .map(move |((partition, bucket), mut files)| {
                let me = me.clone();
                let kv = kv.clone();
                async move {
                    files.sort_by(|a, b| {
                        (a.min_sequence_number, &a.file_name)
                            .cmp(&(b.min_sequence_number, &b.file_name))
                    });
                    let dir = me.table.bucket_path(&partition, bucket)?;
                    let raw = kind == UnitKind::Changelog || files.len() == 1;
                    let kv_stream = if raw {
                        me.raw_files(dir, files, kv.clone())
                    } else {
                        me.merged_files(dir, files, kv.clone())?
                    };
                    let value_schema = strata_format::arrow_convert::arrow_schema(&kv.value_fields);
                    Ok::<_, Error>(
                        kv_stream
                            .and_then(move |b| {
                                futures::future::ready(to_change(
                                    snapshot_id,
                                    &b,
                                    &kv,
                                    &value_schema,
                                ))
                            })
                            .boxed(),
                    )
                }
            })
            .buffered(1)
            .try_flatten()
            .try_filter(|c| futures::future::ready(c.batch.num_rows() > 0))
            .boxed())
    }

    fn raw_files(
        &self,
        dir: String,
        files: Vec<DataFileMeta>,
        kv: Arc<KvSchema>,
    ) -> BoxStream<'static, Result<RecordBatch>> {
        let table = self.table.clone();
        let batch_size = self.batch_size;
        stream::iter(files)
            .then(move |f| {
                let (table, dir, kv) = (table.clone(), dir.clone(), kv.clone());
                async move { read_kv_file(&table, &dir, &f, &kv, batch_size).await }
            })
            .try_flatten()
            .boxed()
    }

    /// Several delta files of one bucket: merged per key like Java's incremental read, with
    /// deletes kept so that consumers see `-D`.
    fn merged_files(
        &self,
        dir: String,
        files: Vec<DataFileMeta>,
        kv: Arc<KvSchema>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let table = self.table.clone();
        let opts = table.options().clone();
        let merge = strata_lsm::merge::merge_function(opts.merge_engine()?, &opts, &kv)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let cmp = key_comparator(table.schema());
        let sections = interval_partition(&files, &cmp);
        let batch_size = self.batch_size;
        Ok(stream::iter(sections)
            .map(move |runs| {
                let streams = runs
                    .into_iter()
                    .map(|r| {
                        read_run(table.clone(), dir.clone(), r.files, kv.clone(), batch_size)
                            .map(|b| b.map_err(|e| strata_lsm::Error::External(Box::new(e))))
                            .boxed()
                    })
                    .collect();
                merge_runs(kv.clone(), streams, merge.clone(), false, batch_size)
                    .map(|b| b.map_err(crate::write::merge_tree_lsm_err))
            })
            .flatten()
            .boxed())
    }
}

/// A key-value batch as values plus kinds.
fn to_change(
    snapshot_id: i64,
    b: &RecordBatch,
    kv: &KvSchema,
    schema: &arrow_schema::SchemaRef,
) -> Result<ChangeBatch> {
    let cols = (0..kv.value_fields.len())
        .map(|i| b.column(kv.value_col(i)).clone())
        .collect();
    let batch = RecordBatch::try_new_with_options(
        schema.clone(),
        cols,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )
    .map_err(arrow_err("taking value columns of a change"))?;
    let kind_col = b.column(kv.kind_col());
    let kinds = kind_col
        .as_any()
        .downcast_ref::<Int8Array>()
        .cloned()
        .ok_or_else(|| {
            Error::Internal(format!(
                "_VALUE_KIND is {} instead of TINYINT",
                kind_col.data_type()
            ))
        })?;
    Ok(ChangeBatch {
        snapshot_id,
        batch,
        kinds,
    })
}
