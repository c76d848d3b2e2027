//! Dynamic bucket mode of primary-key tables (`bucket = -1`, spec §6.5): keys are assigned to
//! buckets through per-bucket HASH index files instead of a hash modulo.
//!
//! A key whose hash is already indexed goes to its bucket (updates must meet their key); a new
//! key goes to the lowest bucket holding fewer than `dynamic-bucket.target-row-num` keys, or a
//! new bucket. Every commit rewrites the index file of each touched bucket (the complete list of
//! its hashes as big-endian i32, ascending) and replaces the old one in the index manifest.
//!
//! Reference: `HashBucketAssigner`, `PartitionIndex`, `HashIndexFile` (Paimon 0.9).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use strata_spec::manifest::HASH_INDEX;
use strata_spec::{FileKind, IndexManifestEntry};

use crate::error::{Error, Result};
use crate::path::{self, FileNamer};
use crate::table::Table;

/// Hash index of one partition.
#[derive(Debug, Default, Clone)]
struct PartitionIndex {
    bucket_of: HashMap<i32, i32>,
    hashes: BTreeMap<i32, BTreeSet<i32>>,
    /// Index entries as loaded (to be replaced when a bucket changes).
    loaded: HashMap<i32, IndexManifestEntry>,
    touched: BTreeSet<i32>,
}

/// Assigns buckets to keys of a dynamic-bucket table and writes its index files.
#[derive(Debug)]
pub struct DynamicBucketAssigner {
    table: Table,
    target_rows: i64,
    max_buckets: i32,
    partitions: HashMap<Vec<u8>, PartitionIndex>,
    loaded: bool,
    loaded_entries: Vec<IndexManifestEntry>,
}

fn decode_index(bytes: &[u8], path: &str) -> Result<Vec<i32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(Error::Corrupt {
            what: "hash index file",
            path: path.into(),
            reason: format!(
                "{} bytes is not a whole number of 4-byte hashes",
                bytes.len()
            ),
        });
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

impl DynamicBucketAssigner {
    /// An assigner for `table` (index loaded lazily from the latest snapshot).
    ///
    /// # Errors
    /// Bad options.
    pub fn new(table: Table) -> Result<Self> {
        let opts = table.options();
        Ok(DynamicBucketAssigner {
            target_rows: opts.dynamic_bucket_target_row_num()?,
            max_buckets: opts.dynamic_bucket_max_buckets()?,
            table,
            partitions: HashMap::new(),
            loaded: false,
            loaded_entries: Vec::new(),
        })
    }

    /// Starts from an empty index (the input of an overwrite replaces the partitions' keys).
    pub fn ignore_existing(&mut self) {
        self.loaded = true;
    }

    async fn load(&mut self) -> Result<()> {
        if self.loaded {
            return Ok(());
        }
        self.loaded = true;
        let Some(snapshot) = self.table.snapshot_manager().latest().await? else {
            return Ok(());
        };
        let Some(name) = snapshot.index_manifest.as_ref() else {
            return Ok(());
        };
        let entries = self
            .table
            .manifest_store()
            .read_index_manifest(name)
            .await?;
        for e in entries {
            if e.index_type != HASH_INDEX || e.kind != FileKind::Add {
                continue;
            }
            let p = path::index_path(&e.file_name);
            let bytes = match self.table.io().read(&p).await {
                Ok(b) => b,
                Err(err) if err.is_not_found() => {
                    return Err(Error::MissingFile {
                        table: self.table.name(),
                        what: "hash index file",
                        path: self.table.io().display_path(&p),
                    })
                }
                Err(err) => return Err(err.into()),
            };
            let hashes = decode_index(&bytes, &self.table.io().display_path(&p))?;
            let pi = self.partitions.entry(e.partition.clone()).or_default();
            for h in hashes {
                pi.bucket_of.insert(h, e.bucket);
                pi.hashes.entry(e.bucket).or_default().insert(h);
            }
            pi.hashes.entry(e.bucket).or_default();
            pi.loaded.insert(e.bucket, e.clone());
            self.loaded_entries.push(e);
        }
        Ok(())
    }

    /// The bucket of each key hash of one partition.
    ///
    /// # Errors
    /// Unreadable index files; [`Error::Invalid`] when `dynamic-bucket.max-buckets` is reached
    /// and every bucket is full.
    pub async fn assign(&mut self, partition: &[u8], hashes: &[i32]) -> Result<Vec<i32>> {
        self.load().await?;
        let target = self.target_rows;
        let max_buckets = self.max_buckets;
        let pi = self.partitions.entry(partition.to_vec()).or_default();
        let mut out = Vec::with_capacity(hashes.len());
        for h in hashes {
            if let Some(b) = pi.bucket_of.get(h) {
                out.push(*b);
                continue;
            }
            let open = pi
                .hashes
                .iter()
                .find(|(_, set)| (set.len() as i64) < target)
                .map(|(b, _)| *b);
            let bucket = match open {
                Some(b) => b,
                None => {
                    let next = (0..).find(|b| !pi.hashes.contains_key(b)).unwrap_or(0);
                    if max_buckets > 0 && next >= max_buckets {
                        // Every bucket is full and no new one may be opened: spread over all.
                        *pi.hashes
                            .iter()
                            .min_by_key(|(_, s)| s.len())
                            .map(|(b, _)| b)
                            .ok_or_else(|| {
                                Error::Invalid("dynamic-bucket.max-buckets leaves no bucket".into())
                            })?
                    } else {
                        next
                    }
                }
            };
            pi.bucket_of.insert(*h, bucket);
            pi.hashes.entry(bucket).or_default().insert(*h);
            pi.touched.insert(bucket);
            out.push(bucket);
        }
        Ok(out)
    }

    /// Writes the index files of buckets that changed since the last call: (partition, bucket,
    /// added entry, replaced entry).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn flush(
        &mut self,
        namer: &FileNamer,
    ) -> Result<Vec<(Vec<u8>, i32, IndexManifestEntry, Option<IndexManifestEntry>)>> {
        let mut out = Vec::new();
        for (partition, pi) in self.partitions.iter_mut() {
            let touched: Vec<i32> = std::mem::take(&mut pi.touched).into_iter().collect();
            for bucket in touched {
                let hashes = pi.hashes.get(&bucket).cloned().unwrap_or_default();
                let mut bytes = Vec::with_capacity(hashes.len() * 4);
                for h in &hashes {
                    bytes.extend_from_slice(&h.to_be_bytes());
                }
                let name = namer.index_file();
                let size = bytes.len() as i64;
                self.table
                    .io()
                    .write(&path::index_path(&name), bytes)
                    .await?;
                let entry = IndexManifestEntry {
                    kind: FileKind::Add,
                    partition: partition.clone(),
                    bucket,
                    index_type: HASH_INDEX.into(),
                    file_name: name,
                    file_size: size,
                    row_count: hashes.len() as i64,
                    dv_ranges: None,
                    external_path: None,
                };
                let old = pi.loaded.insert(bucket, entry.clone());
                out.push((partition.clone(), bucket, entry, old));
            }
        }
        Ok(out)
    }
}
