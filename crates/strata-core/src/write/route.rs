//! Routing the rows of a batch to (partition, bucket) groups (spec §1.3, §6).
//!
//! Partition rows are encoded once per row as BinaryRows (Java's byte layout) and grouped;
//! the bucket of a fixed-bucket table is `abs(murmur(bucket key row) % N)`.

use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
use rustc_hash::FxHashMap;
use strata_spec::binary_row::EMPTY_SERIALIZED_ROW;
use strata_spec::hash::{bucket_of_hash, hash_binary_row};
use strata_spec::DataType;

use super::row_encoder::RowEncoder;
use crate::error::{arrow_err, Result};

/// How rows choose their bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketMode {
    /// `bucket = N`: hash of the bucket key.
    Fixed(i32),
    /// Append table with `bucket = -1`: everything in bucket 0.
    Unaware,
    /// Primary-key table with `bucket = -1`: assigned through the hash index.
    Dynamic,
}

/// Rows of one partition and bucket.
#[derive(Debug)]
pub struct Routed {
    /// Serialized partition row.
    pub partition: Vec<u8>,
    /// Bucket (for dynamic mode: 0, the caller assigns).
    pub bucket: i32,
    /// Indices of the rows in the input batch, ascending.
    pub rows: Vec<u32>,
}

/// Splits batches by partition and bucket.
#[derive(Debug, Clone)]
pub struct Router {
    partition_idx: Vec<usize>,
    partition_types: Vec<DataType>,
    bucket_idx: Vec<usize>,
    bucket_types: Vec<DataType>,
    mode: BucketMode,
}

impl Router {
    /// A router for columns at the given positions.
    pub fn new(
        partition: Vec<(usize, DataType)>,
        bucket_key: Vec<(usize, DataType)>,
        mode: BucketMode,
    ) -> Self {
        let (partition_idx, partition_types) = partition.into_iter().unzip();
        let (bucket_idx, bucket_types) = bucket_key.into_iter().unzip();
        Router {
            partition_idx,
            partition_types,
            bucket_idx,
            bucket_types,
            mode,
        }
    }

    /// Groups the rows of `batch`; groups come in order of first appearance.
    ///
    /// Per row: the partition row is encoded and compared with the previous row's (rows of
    /// one partition usually arrive together), else looked up in a hash map; the bucket is the
    /// hash of the encoded bucket key; the group is found in a flat (partition × bucket) table.
    ///
    /// # Errors
    /// Column type mismatches (a bug).
    pub fn route(&self, batch: &RecordBatch) -> Result<Vec<Routed>> {
        let n = batch.num_rows();
        let pcols: Vec<&ArrayRef> = self
            .partition_idx
            .iter()
            .map(|i| batch.column(*i))
            .collect();
        let bcols: Vec<&ArrayRef> = self.bucket_idx.iter().map(|i| batch.column(*i)).collect();
        let mut penc = RowEncoder::try_new(&pcols, &self.partition_types, true)?;
        let mut benc = RowEncoder::try_new(&bcols, &self.bucket_types, false)?;
        let buckets = match self.mode {
            BucketMode::Fixed(nb) => nb.max(1) as usize,
            BucketMode::Unaware | BucketMode::Dynamic => 1,
        };
        let mut partitions: FxHashMap<Box<[u8]>, usize> = FxHashMap::default();
        let mut previous: Option<(Vec<u8>, usize)> = None;
        // group of (partition id, bucket) at `pid * buckets + bucket`
        let mut slots: Vec<Option<usize>> = Vec::new();
        let mut groups: Vec<Routed> = Vec::new();
        let unpartitioned = self.partition_idx.is_empty();
        for row in 0..n {
            let pid = if unpartitioned {
                0
            } else {
                let bytes = penc.encode(row);
                match &mut previous {
                    Some((prev, pid)) if prev.as_slice() == bytes => *pid,
                    _ => {
                        let pid = match partitions.get(bytes) {
                            Some(&pid) => pid,
                            None => {
                                let next = partitions.len();
                                partitions.insert(bytes.into(), next);
                                next
                            }
                        };
                        match &mut previous {
                            Some((prev, p)) => {
                                prev.clear();
                                prev.extend_from_slice(bytes);
                                *p = pid;
                            }
                            None => previous = Some((bytes.to_vec(), pid)),
                        }
                        pid
                    }
                }
            };
            let bucket = match self.mode {
                BucketMode::Fixed(nb) => bucket_of_hash(hash_binary_row(benc.encode(row)), nb),
                BucketMode::Unaware | BucketMode::Dynamic => 0,
            };
            let slot = pid * buckets + usize::try_from(bucket).unwrap_or(0).min(buckets - 1);
            if slot >= slots.len() {
                slots.resize(slot + 1, None);
            }
            let gi = match slots[slot] {
                Some(g) => g,
                None => {
                    let partition = if unpartitioned {
                        EMPTY_SERIALIZED_ROW.to_vec()
                    } else {
                        penc.encode_serialized(row)
                    };
                    groups.push(Routed {
                        partition,
                        bucket,
                        rows: Vec::with_capacity(n / (buckets * 2).max(1)),
                    });
                    slots[slot] = Some(groups.len() - 1);
                    groups.len() - 1
                }
            };
            groups[gi].rows.push(row as u32);
        }
        Ok(groups)
    }
}

/// The rows `rows` of `batch` (the batch itself when it is all of them).
///
/// # Errors
/// Arrow errors (a bug).
pub fn take_rows(batch: &RecordBatch, rows: &[u32]) -> Result<RecordBatch> {
    if rows.len() == batch.num_rows() && rows.iter().enumerate().all(|(i, r)| *r as usize == i) {
        return Ok(batch.clone());
    }
    let idx = UInt32Array::from(rows.to_vec());
    arrow_select::take::take_record_batch(batch, &idx)
        .map_err(arrow_err("selecting rows of a bucket"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};
    use strata_spec::{binary_row, Datum};

    use super::*;

    /// Rows land in the group of their partition and `abs(hash(key row) % N)`, groups in
    /// order of first appearance, rows ascending — also when partitions interleave.
    #[test]
    fn groups_match_row_by_row_routing() {
        let ids: Vec<i64> = (0..1000).map(|i| i * 7919 % 1013).collect();
        let dts: Vec<&str> = ids
            .iter()
            .map(|i| ["a", "b", "c"][(*i as usize / 3) % 3])
            .collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(ids.clone())) as ArrayRef),
            ("dt", Arc::new(StringArray::from(dts.clone())) as ArrayRef),
        ])
        .unwrap();
        let bigint = DataType::parse("BIGINT NOT NULL").unwrap();
        let string = DataType::parse("STRING NOT NULL").unwrap();
        let router = Router::new(
            vec![(1, string.clone())],
            vec![(0, bigint.clone())],
            BucketMode::Fixed(5),
        );
        let groups = router.route(&batch).unwrap();
        let mut seen = vec![false; ids.len()];
        let mut firsts = Vec::new();
        for g in &groups {
            assert!(g.rows.windows(2).all(|w| w[0] < w[1]));
            firsts.push(g.rows[0]);
            for r in &g.rows {
                let r = *r as usize;
                assert!(!std::mem::replace(&mut seen[r], true));
                let key = binary_row::encode(
                    std::slice::from_ref(&bigint),
                    &[Datum::BigInt(ids[r])],
                    false,
                )
                .unwrap();
                assert_eq!(
                    g.bucket,
                    bucket_of_hash(hash_binary_row(&key), 5),
                    "row {r}"
                );
                let part = binary_row::serialize(
                    std::slice::from_ref(&string),
                    &[Datum::String(dts[r].into())],
                    true,
                )
                .unwrap();
                assert_eq!(g.partition, part, "row {r}");
            }
        }
        assert!(seen.iter().all(|s| *s));
        assert!(firsts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(groups.len(), 15);
    }
}
