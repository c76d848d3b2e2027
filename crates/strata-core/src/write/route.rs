//! Routing the rows of a batch to (partition, bucket) groups (spec §1.3, §6).
//!
//! Partition rows are encoded once per row as BinaryRows (Java's byte layout) and grouped;
//! the bucket of a fixed-bucket table is `abs(murmur(bucket key row) % N)`.

use std::collections::HashMap;

use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
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
        let mut partitions: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut groups: Vec<Routed> = Vec::new();
        let mut index: HashMap<(usize, i32), usize> = HashMap::new();
        let unpartitioned = self.partition_idx.is_empty();
        for row in 0..n {
            let pid = if unpartitioned {
                0
            } else {
                let bytes = penc.encode(row);
                match partitions.get(bytes) {
                    Some(i) => *i,
                    None => {
                        let i = partitions.len();
                        partitions.insert(bytes.to_vec(), i);
                        i
                    }
                }
            };
            let bucket = match self.mode {
                BucketMode::Fixed(nb) => bucket_of_hash(hash_binary_row(benc.encode(row)), nb),
                BucketMode::Unaware | BucketMode::Dynamic => 0,
            };
            let gi = match index.get(&(pid, bucket)) {
                Some(g) => *g,
                None => {
                    let partition = if unpartitioned {
                        EMPTY_SERIALIZED_ROW.to_vec()
                    } else {
                        penc.encode_serialized(row)
                    };
                    groups.push(Routed {
                        partition,
                        bucket,
                        rows: Vec::new(),
                    });
                    index.insert((pid, bucket), groups.len() - 1);
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
