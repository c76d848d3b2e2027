//! Planning a batch read of one snapshot (spec §11.1).
//!
//! ```text
//! snapshot (latest | id | tag | timestamp)
//!   ─▶ base + delta manifest lists ─▶ prune manifests by partition stats
//!   ─▶ manifests ─▶ prune entries by partition, then by file stats (append: value stats;
//!      primary key: key stats only — value filters must wait until after the merge)
//!   ─▶ fold ADD/DELETE ─▶ group by (partition, bucket) ─▶ splits
//! ```
//!
//! Primary-key files whose key ranges overlap always stay in one split (paimon-rust#373 returned
//! duplicate rows when they were separated).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use strata_spec::{DataFileMeta, Datum, ManifestEntry, ManifestFileMeta, Snapshot, TableSchema};

use crate::error::{Error, Result};
use crate::manifest::fold_entries;
use crate::predicate::{ColStats, Predicate};
use crate::stats::FileStats;
use crate::table::Table;
use crate::write::BucketState;

/// Which snapshot to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SnapshotSelector {
    /// The latest (or what the table's `scan.*` options say).
    #[default]
    Latest,
    /// A snapshot id.
    Id(i64),
    /// A tag.
    Tag(String),
    /// The latest snapshot at or before this epoch millisecond.
    Timestamp(i64),
}

/// One unit of reading: files of one (partition, bucket).
#[derive(Debug, Clone)]
pub struct DataSplit {
    /// Snapshot the split belongs to.
    pub snapshot_id: i64,
    /// Serialized partition.
    pub partition: Vec<u8>,
    /// Bucket.
    pub bucket: i32,
    /// `_TOTAL_BUCKETS` of the files.
    pub total_buckets: i32,
    /// Files, ordered by sequence number (append) or by level then sequence (primary key).
    pub files: Vec<DataFileMeta>,
    /// Primary-key split whose files need no merging (one non-overlapping run, no retracts).
    pub raw_convertible: bool,
}

impl DataSplit {
    /// Rows physically in the split's files.
    pub fn row_count(&self) -> i64 {
        self.files.iter().map(|f| f.row_count).sum()
    }
}

/// The result of planning.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The snapshot read (`None` for an empty table).
    pub snapshot: Option<Snapshot>,
    /// Splits in (partition, bucket) order.
    pub splits: Vec<DataSplit>,
}

/// Builds a batch scan.
#[derive(Debug, Clone)]
pub struct TableScan {
    table: Table,
    selector: SnapshotSelector,
    filter: Option<Predicate>,
    bucket: Option<i32>,
}

impl TableScan {
    /// A scan of the latest snapshot.
    pub fn new(table: Table) -> Self {
        TableScan {
            table,
            selector: SnapshotSelector::Latest,
            filter: None,
            bucket: None,
        }
    }

    /// Reads a chosen snapshot.
    pub fn with_snapshot(mut self, s: SnapshotSelector) -> Self {
        self.selector = s;
        self
    }

    /// Prunes with a filter (the reader still applies it exactly).
    pub fn with_filter(mut self, p: Option<Predicate>) -> Self {
        self.filter = p;
        self
    }

    /// Only this bucket.
    pub fn with_bucket(mut self, bucket: Option<i32>) -> Self {
        self.bucket = bucket;
        self
    }

    /// Resolves the snapshot to read.
    ///
    /// # Errors
    /// Missing snapshot or tag.
    pub async fn resolve_snapshot(&self) -> Result<Option<Snapshot>> {
        resolve_snapshot(&self.table, &self.selector).await
    }

    /// Plans the splits.
    ///
    /// # Errors
    /// Missing or corrupt metadata.
    pub async fn plan(&self) -> Result<Plan> {
        let Some(snapshot) = self.resolve_snapshot().await? else {
            return Ok(Plan {
                snapshot: None,
                splits: Vec::new(),
            });
        };
        let entries = self.live_entries(&snapshot).await?;
        let splits = make_splits(&self.table, snapshot.id, entries)?;
        Ok(Plan {
            snapshot: Some(snapshot),
            splits,
        })
    }

    /// Live entries of a snapshot after pruning.
    ///
    /// # Errors
    /// Missing or corrupt metadata.
    pub async fn live_entries(&self, snapshot: &Snapshot) -> Result<Vec<ManifestEntry>> {
        let table = &self.table;
        let schema = table.schema().clone();
        let partition_filter = self
            .filter
            .as_ref()
            .and_then(|f| f.restrict_to(&schema.partition_keys));
        let store = table.manifest_store();
        let mut metas = store.read_list(&snapshot.base_manifest_list).await?;
        metas.extend(store.read_list(&snapshot.delta_manifest_list).await?);
        let partition_fields = schema.partition_fields();
        let partition_types = table.partition_types();
        let metas: Vec<ManifestFileMeta> = match &partition_filter {
            None => metas,
            Some(pf) => metas
                .into_iter()
                .filter(|m| {
                    let Ok((mins, maxs)) = m.partition_stats.decode(&partition_types) else {
                        return true;
                    };
                    let total = m.num_added_files + m.num_deleted_files;
                    pf.may_match(&|c| {
                        let i = partition_fields.iter().position(|f| f.name == c)?;
                        Some(ColStats {
                            min: mins.get(i).cloned().unwrap_or(Datum::Null),
                            max: maxs.get(i).cloned().unwrap_or(Datum::Null),
                            null_count: m.partition_stats.null_count(i),
                            row_count: total,
                        })
                    })
                })
                .collect(),
        };
        let manifests = store.read_manifests(&metas).await?;
        let mut partition_ok: HashMap<Vec<u8>, bool> = HashMap::new();
        let file_filter = self.file_filter(&schema);
        let mut kept = Vec::new();
        for entries in manifests {
            for e in entries {
                if let Some(b) = self.bucket {
                    if e.bucket != b {
                        continue;
                    }
                }
                if let Some(pf) = &partition_filter {
                    let ok = match partition_ok.get(&e.partition) {
                        Some(ok) => *ok,
                        None => {
                            let ok = table.partition_matches(pf, &e.partition)?;
                            partition_ok.insert(e.partition.clone(), ok);
                            ok
                        }
                    };
                    if !ok {
                        continue;
                    }
                }
                kept.push(e);
            }
        }
        let live = fold_entries(kept, false)?;
        match file_filter {
            None => Ok(live),
            Some(ff) => {
                let mut out = Vec::with_capacity(live.len());
                for e in live {
                    if self.file_may_match(&ff, &e, &schema).await? {
                        out.push(e);
                    }
                }
                Ok(out)
            }
        }
    }

    /// The part of the filter that may prune files: any column for append tables, key columns
    /// only for primary-key tables.
    fn file_filter(&self, schema: &TableSchema) -> Option<Predicate> {
        let f = self.filter.as_ref()?;
        if schema.has_primary_key() {
            f.restrict_to(&schema.trimmed_primary_keys())
        } else {
            Some(f.clone())
        }
    }

    async fn file_may_match(
        &self,
        filter: &Predicate,
        e: &ManifestEntry,
        schema: &TableSchema,
    ) -> Result<bool> {
        let data_schema = self.table.schema_manager().schema(e.file.schema_id).await?;
        let stats = if schema.has_primary_key() {
            let key_fields = data_schema.trimmed_primary_key_fields();
            FileStats::decode(
                &e.file.key_stats,
                None,
                &key_fields,
                schema,
                e.file.row_count,
            )
        } else {
            FileStats::decode(
                &e.file.value_stats,
                e.file.value_stats_cols.as_deref(),
                &data_schema.fields,
                schema,
                e.file.row_count,
            )
        };
        Ok(filter.may_match(&|c| stats.get(c)))
    }
}

/// Resolves a selector (and the table's `scan.snapshot-id` / `scan.tag-name` /
/// `scan.timestamp-millis` options when the selector is `Latest`).
///
/// # Errors
/// [`Error::NotFound`] naming the snapshot or tag.
pub async fn resolve_snapshot(
    table: &Table,
    selector: &SnapshotSelector,
) -> Result<Option<Snapshot>> {
    let sm = table.snapshot_manager();
    let opts = table.options();
    let selector = match selector {
        SnapshotSelector::Latest => {
            if let Some(id) = opts.get_explicit("scan.snapshot-id") {
                SnapshotSelector::Id(id.trim().parse().map_err(|_| {
                    Error::Invalid(format!("scan.snapshot-id '{id}' is not a number"))
                })?)
            } else if let Some(tag) = opts.get_explicit("scan.tag-name") {
                SnapshotSelector::Tag(tag.to_string())
            } else if let Some(ts) = opts.get_explicit("scan.timestamp-millis") {
                SnapshotSelector::Timestamp(ts.trim().parse().map_err(|_| {
                    Error::Invalid(format!("scan.timestamp-millis '{ts}' is not a number"))
                })?)
            } else if let Some(ts) = opts.get_explicit("scan.timestamp") {
                let (ms, _) = strata_spec::time::parse_timestamp(ts).map_err(Error::Invalid)?;
                SnapshotSelector::Timestamp(ms)
            } else {
                SnapshotSelector::Latest
            }
        }
        other => other.clone(),
    };
    match selector {
        SnapshotSelector::Latest => sm.latest().await,
        SnapshotSelector::Id(id) => sm.snapshot(id).await.map(Some),
        SnapshotSelector::Tag(name) => sm.tag(&name).await.map(Some),
        SnapshotSelector::Timestamp(t) => match sm.at_or_before(t).await? {
            Some(s) => Ok(Some(s)),
            None => Err(Error::NotFound {
                table: table.name(),
                what: format!("snapshot at or before {t} (epoch ms)"),
                hint: "; every snapshot is newer".into(),
            }),
        },
    }
}

/// Groups live entries into splits.
///
/// # Errors
/// Corrupt key bytes.
pub fn make_splits(
    table: &Table,
    snapshot_id: i64,
    entries: Vec<ManifestEntry>,
) -> Result<Vec<DataSplit>> {
    let pk = table.has_primary_key();
    let mut groups: BTreeMap<(Vec<u8>, i32), (i32, Vec<DataFileMeta>)> = BTreeMap::new();
    for e in entries {
        let g = groups
            .entry((e.partition, e.bucket))
            .or_insert_with(|| (e.total_buckets, Vec::new()));
        g.1.push(e.file);
    }
    let merge_engine = table.options().merge_engine()?;
    let first_row = merge_engine == strata_spec::options::MergeEngine::FirstRow;
    let mut out = Vec::new();
    for ((partition, bucket), (total_buckets, mut files)) in groups {
        if pk {
            if first_row {
                // Level-0 files of first-row tables are not visible yet (spec §8.4).
                files.retain(|f| f.level > 0);
                if files.is_empty() {
                    continue;
                }
            }
            files.sort_by(|a, b| {
                (a.level, a.min_sequence_number, &a.file_name).cmp(&(
                    b.level,
                    b.min_sequence_number,
                    &b.file_name,
                ))
            });
            let raw = files.iter().all(|f| f.level > 0 && !f.may_have_retracts())
                && (first_row || files.iter().all(|f| f.level == files[0].level));
            out.push(DataSplit {
                snapshot_id,
                partition,
                bucket,
                total_buckets,
                files,
                raw_convertible: raw,
            });
        } else {
            files.sort_by(|a, b| {
                (a.min_sequence_number, &a.file_name).cmp(&(b.min_sequence_number, &b.file_name))
            });
            out.push(DataSplit {
                snapshot_id,
                partition,
                bucket,
                total_buckets,
                files,
                raw_convertible: true,
            });
        }
    }
    Ok(out)
}

/// Live files of the latest snapshot grouped per (partition, bucket), with the largest
/// sequence number and bucket count of each (what writers restore).
///
/// # Errors
/// Missing or corrupt metadata.
pub async fn live_bucket_state(table: &Table) -> Result<HashMap<(Vec<u8>, i32), BucketState>> {
    let mut out: HashMap<(Vec<u8>, i32), BucketState> = HashMap::new();
    let Some(snapshot) = table.snapshot_manager().latest().await? else {
        return Ok(out);
    };
    let entries = TableScan::new(table.clone())
        .live_entries(&snapshot)
        .await?;
    for e in entries {
        let s = out
            .entry((e.partition.clone(), e.bucket))
            .or_insert(BucketState {
                max_sequence: -1,
                total_buckets: None,
                files: Vec::new(),
            });
        s.max_sequence = s.max_sequence.max(e.file.max_sequence_number);
        s.total_buckets = Some(e.total_buckets);
        s.files.push(e.file);
    }
    Ok(out)
}

/// Shared schema handle type.
pub type SchemaRef = Arc<TableSchema>;
