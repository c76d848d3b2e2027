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
    encode_manifest, encode_manifest_list, EntryKey, ManifestCompression,
};
use strata_spec::{
    binary_row, DataType, Datum, FileKind, IndexManifestEntry, ManifestEntry, ManifestFileMeta,
    SimpleStats,
};

use crate::error::{CorruptContext, Error, Result};
use crate::path::{self, FileNamer};

/// Bytes an entry takes in an uncompressed manifest, roughly: `manifest.target-file-size`
/// (8 MiB by default) over this is the number of entries per manifest file (16,384).
const ENTRY_BYTES: u64 = 512;

/// Reads and writes the manifest files of one table.
#[derive(Debug, Clone)]
pub struct ManifestStore {
    io: FileIO,
    table: String,
    partition_types: Vec<DataType>,
    compression: ManifestCompression,
    /// Entries per manifest file before rolling to the next.
    target_entries: usize,
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
            target_entries: (8 << 20) / ENTRY_BYTES as usize,
        }
    }

    /// Manifest files of about `bytes` (`manifest.target-file-size`), at least 16 entries.
    pub fn with_target_size(mut self, bytes: u64) -> Self {
        self.target_entries = (bytes / ENTRY_BYTES).max(16) as usize;
        self
    }

    /// About how many entries `bytes` of manifest hold.
    pub fn entries_in(bytes: u64) -> i64 {
        (bytes / ENTRY_BYTES) as i64
    }

    /// Entries per manifest file before rolling to the next.
    pub fn target_entries(&self) -> usize {
        self.target_entries
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
        // Manifest files are immutable (names are never reused): decoded ones are cached.
        let key = self.io.display_path(&path::manifest_path(name));
        if let Some(hit) = cache::get(&key) {
            return Ok(hit.as_ref().clone());
        }
        let bytes = self.read_bytes(name, "manifest").await?;
        let entries = decode_manifest(&bytes).corrupt("manifest", &key)?;
        cache::put(key, Arc::new(entries.clone()));
        Ok(entries)
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
        for chunk in entries.chunks(self.target_entries) {
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
    let entries: Vec<ManifestEntry> = entries.into_iter().collect();
    // Keys borrow from the entries: no identifier is cloned (this runs for every planned file).
    let mut alive = vec![false; entries.len()];
    {
        let mut index: rustc_hash::FxHashMap<EntryKey<'_>, usize> =
            rustc_hash::FxHashMap::with_capacity_and_hasher(entries.len(), Default::default());
        for (i, e) in entries.iter().enumerate() {
            let k = e.key();
            match e.kind {
                FileKind::Add => {
                    if index.insert(k, i).is_some() {
                        return Err(Error::Corrupt {
                            what: "manifest",
                            path: e.file.file_name.clone(),
                            reason: format!(
                                "file {} of bucket {} level {} is added twice",
                                e.file.file_name, e.bucket, e.file.level
                            ),
                        });
                    }
                    alive[i] = true;
                }
                FileKind::Delete => match index.remove(&k) {
                    Some(j) => alive[j] = false,
                    None => alive[i] = keep_unmatched_deletes,
                },
            }
        }
    }
    Ok(entries
        .into_iter()
        .zip(alive)
        .filter_map(|(e, a)| a.then_some(e))
        .collect())
}

/// A process-wide cache of decoded manifests (they are immutable), bounded by entry count,
/// evicting the least recently used. Repeated planning of one table (SQL sessions, streaming
/// readers, writers restoring state) decodes each manifest once.
mod cache {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use strata_spec::ManifestEntry;

    /// Entries kept at most (a few hundred bytes each).
    const CAPACITY: usize = 200_000;

    #[derive(Default)]
    struct Lru {
        map: HashMap<String, (Arc<Vec<ManifestEntry>>, u64)>,
        entries: usize,
        tick: u64,
    }

    fn lru() -> &'static Mutex<Lru> {
        static CACHE: OnceLock<Mutex<Lru>> = OnceLock::new();
        CACHE.get_or_init(Mutex::default)
    }

    pub(super) fn get(key: &str) -> Option<Arc<Vec<ManifestEntry>>> {
        let mut c = lru().lock().ok()?;
        c.tick += 1;
        let tick = c.tick;
        c.map.get_mut(key).map(|(v, t)| {
            *t = tick;
            v.clone()
        })
    }

    pub(super) fn put(key: String, value: Arc<Vec<ManifestEntry>>) {
        if value.len() > CAPACITY {
            return;
        }
        let Ok(mut c) = lru().lock() else { return };
        c.tick += 1;
        let tick = c.tick;
        c.entries += value.len();
        if let Some((old, _)) = c.map.insert(key, (value, tick)) {
            c.entries -= old.len();
        }
        while c.entries > CAPACITY {
            let Some(oldest) = c
                .map
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((v, _)) = c.map.remove(&oldest) {
                c.entries -= v.len();
            }
        }
    }
}

/// Shared, immutable list of live entries.
pub type LiveFiles = Arc<Vec<ManifestEntry>>;
