//! Changelog produced at compaction (spec §8.6): the exact changes between a "before" and an
//! "after" state of a bucket's keys.
//!
//! * `lookup`: when level-0 files are compacted up, *before* is the merged state of the keys
//!   in the bucket's higher levels (looked up) and *after* is that state with the level-0 rows
//!   merged in; only keys present in level 0 change.
//! * `full-compaction`: *before* is the previous full result (the max level), *after* the new
//!   full compaction output; every key may change.
//!
//! Per key: absent → present: `+I`; present → present: `-U` old, `+U` new (suppressed when equal
//! and `changelog-producer.row-deduplicate`); present → absent: `-D` old.
//!
//! Both sides arrive as key-sorted batches with one row per key and no retractions. The diff
//! holds the two sides of one compaction in memory (a bucket's compaction input), gathering
//! output rows by index.
//!
//! Reference: `LookupChangelogMergeFunctionWrapper`, `FullChangelogMergeFunctionWrapper`
//! (Paimon 0.9).

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, Int8Array, RecordBatch};
use arrow_row::{RowConverter, SortField};
use strata_lsm::KvSchema;

use crate::error::{arrow_err, Result};

fn key_converter(kv: &KvSchema) -> Result<RowConverter> {
    let fields = kv
        .key_fields
        .iter()
        .map(|f| SortField::new(strata_format::arrow_convert::arrow_type(&f.data_type)))
        .collect();
    RowConverter::new(fields).map_err(arrow_err("encoding keys for the changelog"))
}

/// Encoded keys of every row of `batches`, in order: (batch, row, key bytes).
fn keys_of(
    conv: &RowConverter,
    kv: &KvSchema,
    batches: &[RecordBatch],
) -> Result<Vec<(usize, usize, Vec<u8>)>> {
    let mut out = Vec::new();
    for (bi, b) in batches.iter().enumerate() {
        let cols: Vec<ArrayRef> = (0..kv.num_keys()).map(|i| b.column(i).clone()).collect();
        let rows = conv
            .convert_columns(&cols)
            .map_err(arrow_err("encoding keys for the changelog"))?;
        for (ri, r) in rows.iter().enumerate() {
            out.push((bi, ri, r.as_ref().to_vec()));
        }
    }
    Ok(out)
}

/// The keys of level 0 (lookup): only they can change, so the higher levels are merged for
/// them alone.
pub struct ListedKeys {
    conv: RowConverter,
    keys: HashSet<Vec<u8>>,
}

impl ListedKeys {
    /// The encoded keys of `batches`.
    ///
    /// # Errors
    /// Arrow errors (a bug).
    pub fn of(kv: &KvSchema, batches: &[RecordBatch]) -> Result<Self> {
        let conv = key_converter(kv)?;
        let keys = keys_of(&conv, kv, batches)?
            .into_iter()
            .map(|(_, _, k)| k)
            .collect();
        Ok(ListedKeys { conv, keys })
    }

    /// The rows of `batch` (key-value layout) whose keys are listed.
    ///
    /// # Errors
    /// Arrow errors (a bug).
    pub fn keep(&self, kv: &KvSchema, batch: &RecordBatch) -> Result<RecordBatch> {
        let cols: Vec<ArrayRef> = (0..kv.num_keys())
            .map(|i| batch.column(i).clone())
            .collect();
        let rows = self
            .conv
            .convert_columns(&cols)
            .map_err(arrow_err("encoding keys for the changelog"))?;
        let keep: BooleanArray = rows
            .iter()
            .map(|r| Some(self.keys.contains(r.as_ref())))
            .collect();
        if keep.true_count() == batch.num_rows() {
            return Ok(batch.clone());
        }
        arrow_select::filter::filter_record_batch(batch, &keep)
            .map_err(arrow_err("keeping the keys of level 0"))
    }
}

fn rows_equal(kv: &KvSchema, a: &RecordBatch, ai: usize, b: &RecordBatch, bi: usize) -> bool {
    (0..kv.value_fields.len()).all(|i| {
        let c = kv.value_col(i);
        let (x, y) = (a.column(c).slice(ai, 1), b.column(c).slice(bi, 1));
        x.to_data() == y.to_data()
    })
}

/// The changelog rows between `before` and `after` (key-value layout, row kinds set).
///
/// # Errors
/// Arrow errors (a bug).
pub fn diff(
    kv: &KvSchema,
    before: &[RecordBatch],
    after: &[RecordBatch],
    row_deduplicate: bool,
) -> Result<Option<RecordBatch>> {
    let conv = key_converter(kv)?;
    let bk = keys_of(&conv, kv, before)?;
    let ak = keys_of(&conv, kv, after)?;
    // Output: (source 0 = before / 1 = after, batch, row, kind)
    let mut picks: Vec<(usize, usize, usize, i8)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < bk.len() || j < ak.len() {
        let ord = match (bk.get(i), ak.get(j)) {
            (Some(b), Some(a)) => b.2.cmp(&a.2),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                let (bb, br, _) = &bk[i];
                picks.push((0, *bb, *br, 3));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let (ab, ar, _) = &ak[j];
                picks.push((1, *ab, *ar, 0));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (bb, br, _) = &bk[i];
                let (ab, ar, _) = &ak[j];
                let same = row_deduplicate && rows_equal(kv, &before[*bb], *br, &after[*ab], *ar);
                if !same {
                    picks.push((0, *bb, *br, 1));
                    picks.push((1, *ab, *ar, 2));
                }
                i += 1;
                j += 1;
            }
        }
    }
    if picks.is_empty() {
        return Ok(None);
    }
    let all: Vec<&RecordBatch> = before.iter().chain(after.iter()).collect();
    let offset = before.len();
    let indices: Vec<(usize, usize)> = picks
        .iter()
        .map(|(src, b, r, _)| (if *src == 0 { *b } else { offset + *b }, *r))
        .collect();
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(kv.num_columns());
    for c in 0..kv.num_columns() {
        if c == kv.kind_col() {
            cols.push(Arc::new(Int8Array::from_iter_values(
                picks.iter().map(|p| p.3),
            )));
            continue;
        }
        let arrays: Vec<&dyn Array> = all.iter().map(|b| b.column(c).as_ref()).collect();
        cols.push(
            arrow_select::interleave::interleave(&arrays, &indices)
                .map_err(arrow_err("gathering changelog rows"))?,
        );
    }
    RecordBatch::try_new(kv.arrow_schema(), cols)
        .map(Some)
        .map_err(arrow_err("building changelog rows"))
}
