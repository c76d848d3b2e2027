//! Reading and writing manifest lists and manifests of one table, and folding ADD/DELETE entries
//! into the live file set (spec §4).
//!
//! ```text
//! snapshot.base + snapshot.delta ─▶ [ManifestFileMeta] ─▶ [ManifestEntry] ─▶ fold ─▶ live files
//! ```
//!
//! Reference: `ManifestFile`, `ManifestList`, `FileEntry#mergeEntries` (Paimon 0.9).

use std::collections::HashMap;
use std::sync::Arc;

use strata_io::FileIO;
use strata_spec::manifest::{
    decode_index_manifest, decode_manifest, decode_manifest_list, encode_index_manifest,
    encode_manifest, encode_manifest_list, EntryIdentifier, ManifestCompression,
};
use strata_spec::{
    binary_row, DataType, Datum, FileKind, IndexManifestEntry, ManifestEntry, ManifestFileMeta,
    SimpleStats,
};

use crate::error::{CorruptContext, Error, Result};
use crate::path::{self, FileNamer};

/// Entries per manifest file before rolling to the next (keeps files near 8 MiB).
const ENTRIES_PER_MANIFEST: usize = 16_384;

/// Reads and writes the manifest files of one table.
#[derive(Debug, Clone)]
pub struct ManifestStore {
    io: FileIO,
    table: String,
    partition_types: Vec<DataType>,
    compression: ManifestCompression,
}

impl ManifestStore {
    /// A store for a table rooted at `io` with the given partition column types.
    pub fn new(
        io: FileIO,
        table: String,
        partition_types: Vec<DataType>,
        compression: ManifestCompression,
    ) -> Self {
        ManifestStore {
            io,
            table,
            partition_types,
            compression,
        }
    }

    async fn read_bytes(&self, name: &str, what: &'static str) -> Result<bytes::Bytes> {
        let p = path::manifest_path(name);
        match self.io.read(&p).await {
            Ok(b) => Ok(b),
            Err(e) if e.is_not_found() => Err(Error::MissingFile {
                table: self.table.clone(),
                what,
                path: self.io.display_path(&p),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a manifest list.
    ///
    /// # Errors
    /// Missing or corrupt file.
    pub async fn read_list(&self, name: &str) -> Result<Vec<ManifestFileMeta>> {
        let bytes = self.read_bytes(name, "manifest list").await?;
        decode_manifest_list(&bytes).corrupt(
            "manifest list",
            &self.io.display_path(&path::manifest_path(name)),
        )
    }

    /// Reads a manifest file.
    ///
    /// # Errors
    /// Missing or corrupt file.
    pub async fn read_manifest(&self, name: &str) -> Result<Vec<ManifestEntry>> {
        let bytes = self.read_bytes(name, "manifest").await?;
        decode_manifest(&bytes).corrupt(
            "manifest",
            &self.io.display_path(&path::manifest_path(name)),
        )
    }

    /// Reads an index manifest.
    ///
    /// # Errors
    /// Missing or corrupt file.
    pub async fn read_index_manifest(&self, name: &str) -> Result<Vec<IndexManifestEntry>> {
        let bytes = self.read_bytes(name, "index manifest").await?;
        decode_index_manifest(&bytes).corrupt(
            "index manifest",
            &self.io.display_path(&path::manifest_path(name)),
        )
    }

    /// Reads many manifests concurrently, keeping list order.
    ///
    /// # Errors
    /// The first failure.
    pub async fn read_manifests(
        &self,
        metas: &[ManifestFileMeta],
    ) -> Result<Vec<Vec<ManifestEntry>>> {
        use futures::stream::{self, StreamExt, TryStreamExt};
        // Owned futures (no borrow of `self` inside the combinator) keep callers' futures
        // `Send` for every lifetime (rust-lang/rust#102211).
        let names: Vec<String> = metas.iter().map(|m| m.file_name.clone()).collect();
        let me = self.clone();
        stream::iter(names)
            .map(move |name| {
                let me = me.clone();
                async move { me.read_manifest(&name).await }
            })
            .buffered(16)
            .try_collect()
            .await
    }

    /// Writes entries into one or more manifest files.
    ///
    /// # Errors
    /// Storage or encoding errors.
    pub async fn write_manifests(
        &self,
        namer: &FileNamer,
        entries: &[ManifestEntry],
        schema_id: i64,
    ) -> Result<Vec<ManifestFileMeta>> {
        let mut out = Vec::new();
        for chunk in entries.chunks(ENTRIES_PER_MANIFEST) {
            let name = namer.manifest();
            let bytes = encode_manifest(chunk, self.compression)?;
            let size = bytes.len() as i64;
            self.io.write(&path::manifest_path(&name), bytes).await?;
            out.push(self.meta_of(name, size, chunk, schema_id)?);
        }
        Ok(out)
    }

    /// Writes a manifest list; returns (name, size).
    ///
    /// # Errors
    /// Storage or encoding errors.
    pub async fn write_list(
        &self,
        namer: &FileNamer,
        metas: &[ManifestFileMeta],
    ) -> Result<(String, i64)> {
        let name = namer.manifest_list();
        let bytes = encode_manifest_list(metas, self.compression)?;
        let size = bytes.len() as i64;
        self.io.write(&path::manifest_path(&name), bytes).await?;
        Ok((name, size))
    }

    /// Writes an index manifest; returns its name.
    ///
    /// # Errors
    /// Storage or encoding errors.
    pub async fn write_index_manifest(
        &self,
        namer: &FileNamer,
        entries: &[IndexManifestEntry],
    ) -> Result<String> {
        let name = namer.index_manifest();
        let bytes = encode_index_manifest(entries, self.compression)?;
        self.io.write(&path::manifest_path(&name), bytes).await?;
        Ok(name)
    }

    /// Deletes manifest files by name (best effort; used only for files of a commit attempt
    /// that is known not to have been published).
    pub async fn delete_quietly(&self, names: &[String]) {
        for n in names {
            let _ = self.io.delete(&path::manifest_path(n)).await;
        }
    }

    fn meta_of(
        &self,
        name: String,
        size: i64,
        entries: &[ManifestEntry],
        schema_id: i64,
    ) -> Result<ManifestFileMeta> {
        let added = entries.iter().filter(|e| e.kind == FileKind::Add).count() as i64;
        let partition_stats =
            partition_stats(&self.partition_types, entries.iter().map(|e| &e.partition))?;
        Ok(ManifestFileMeta {
            file_name: name,
            file_size: size,
            num_added_files: added,
            num_deleted_files: entries.len() as i64 - added,
            partition_stats,
            schema_id,
            min_bucket: entries.iter().map(|e| e.bucket).min(),
            max_bucket: entries.iter().map(|e| e.bucket).max(),
            min_level: entries.iter().map(|e| e.file.level).min(),
            max_level: entries.iter().map(|e| e.file.level).max(),
            min_row_id: None,
            max_row_id: None,
        })
    }
}

/// Min/max/null counts of partition values (spec §4.2).
///
/// # Errors
/// Corrupt partition rows.
pub fn partition_stats<'a>(
    types: &[DataType],
    partitions: impl Iterator<Item = &'a Vec<u8>>,
) -> Result<SimpleStats> {
    if types.is_empty() {
        return Ok(SimpleStats::empty());
    }
    let mut mins = vec![Datum::Null; types.len()];
    let mut maxs = vec![Datum::Null; types.len()];
    let mut nulls = vec![0i64; types.len()];
    let mut counts: HashMap<&Vec<u8>, i64> = HashMap::new();
    for p in partitions {
        *counts.entry(p).or_default() += 1;
    }
    for (p, n) in counts {
        let values = binary_row::deserialize(types, p).map_err(|e| Error::Corrupt {
            what: "manifest entry",
            path: "partition".into(),
            reason: e.to_string(),
        })?;
        for (i, v) in values.into_iter().enumerate() {
            if v.is_null() {
                nulls[i] += n;
                continue;
            }
            if mins[i].is_null() || v.paimon_cmp(&mins[i]).is_lt() {
                mins[i] = v.clone();
            }
            if maxs[i].is_null() || v.paimon_cmp(&maxs[i]).is_gt() {
                maxs[i] = v;
            }
        }
    }
    Ok(SimpleStats::from_values(
        types,
        &mins,
        &maxs,
        nulls.into_iter().map(Some).collect(),
    )?)
}

/// Folds entries in order into the live set (spec §4.6). With `keep_unmatched_deletes` a DELETE
/// whose ADD is not among `entries` is kept (folding a subset of manifests); otherwise it is
/// reported as corruption only when `strict`.
///
/// # Errors
/// [`Error::Corrupt`] when the same file is added twice.
pub fn fold_entries(
    entries: impl IntoIterator<Item = ManifestEntry>,
    keep_unmatched_deletes: bool,
) -> Result<Vec<ManifestEntry>> {
    let mut live: indexmap_like::OrderedMap = indexmap_like::OrderedMap::default();
    for e in entries {
        let id = e.identifier();
        match e.kind {
            FileKind::Add => {
                if live.contains(&id) {
                    return Err(Error::Corrupt {
                        what: "manifest",
                        path: e.file.file_name.clone(),
                        reason: format!(
                            "file {} of bucket {} level {} is added twice",
                            e.file.file_name, e.bucket, e.file.level
                        ),
                    });
                }
                live.insert(id, e);
            }
            FileKind::Delete => {
                if live.remove(&id).is_none() && keep_unmatched_deletes {
                    live.insert(id, e);
                }
            }
        }
    }
    Ok(live.into_values())
}

/// A tiny insertion-ordered map (keeps fold results deterministic without another dependency).
mod indexmap_like {
    use std::collections::HashMap;

    use strata_spec::manifest::EntryIdentifier;
    use strata_spec::ManifestEntry;

    #[derive(Default)]
    pub(super) struct OrderedMap {
        index: HashMap<EntryIdentifier, usize>,
        slots: Vec<Option<ManifestEntry>>,
    }

    impl OrderedMap {
        pub(super) fn contains(&self, k: &EntryIdentifier) -> bool {
            self.index.contains_key(k)
        }

        pub(super) fn insert(&mut self, k: EntryIdentifier, v: ManifestEntry) {
            self.index.insert(k, self.slots.len());
            self.slots.push(Some(v));
        }

        pub(super) fn remove(&mut self, k: &EntryIdentifier) -> Option<ManifestEntry> {
            let i = self.index.remove(k)?;
            self.slots.get_mut(i).and_then(Option::take)
        }

        pub(super) fn into_values(self) -> Vec<ManifestEntry> {
            self.slots.into_iter().flatten().collect()
        }
    }
}

/// The identity used for folding, re-exported for conflict checks.
pub type Identity = EntryIdentifier;

/// Shared, immutable list of live entries.
pub type LiveFiles = Arc<Vec<ManifestEntry>>;
