//! Merge-on-read of one primary-key split (spec §7.8).
//!
//! Raw-convertible splits (one non-overlapping run per level, no retracts) never get here:
//! [`super::TableRead::read_split`] reads their value columns like an append split.
//!
//! ```text
//! files ─▶ interval_partition: sections of sorted runs
//!            ─▶ per section: merge_runs (vectorized k-way merge + merge engine, retracts dropped)
//!            ─▶ sections concatenated in key order
//! ─▶ value columns ─▶ exact filter (only now: paimon#4065) ─▶ projection
//! ```

use std::sync::Arc;

use arrow_array::RecordBatch;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use strata_lsm::interval::interval_partition;
use strata_lsm::merge_sort::merge_runs;
use strata_lsm::KvSchema;
use strata_spec::options::MergeEngine;

use super::{finish_batch, spawn_stream, TableRead};
use crate::error::{arrow_err, Error, Result};
use crate::kv::{key_comparator, kv_schema, read_run};
use crate::scan::DataSplit;
use crate::write::merge_tree_lsm_err as lsm_err;

/// Streams the merged rows of a primary-key split.
///
/// # Errors
/// Bad options or missing schemas; file errors arrive in the stream.
pub(super) async fn read_pk_split(
    read: &TableRead,
    split: &DataSplit,
) -> Result<BoxStream<'static, Result<RecordBatch>>> {
    let table = read.table.clone();
    let schema = table.schema().clone();
    let opts = table.options().clone();
    let engine = opts.merge_engine()?;
    // Deduplicate and first-row only look at the chosen version: read just the needed columns.
    let needed: Option<Vec<String>> = match engine {
        MergeEngine::Deduplicate | MergeEngine::FirstRow => {
            let mut names: Vec<String> =
                read.read_fields().iter().map(|f| f.name.clone()).collect();
            for s in opts.sequence_fields() {
                if !names.contains(&s) {
                    names.push(s);
                }
            }
            Some(names)
        }
        _ => None,
    };
    let kv = Arc::new(kv_schema(&schema, needed.as_deref())?);
    let merge = strata_lsm::merge::merge_function(engine, &opts, &kv)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let dir = table.bucket_path(&split.partition, split.bucket)?;
    let batch_size = read.batch_size;
    let out_schema = read.output_schema();
    let filter = read.filter.clone();
    let value_schema = strata_format::arrow_convert::arrow_schema(&kv.value_fields);
    let cmp = key_comparator(&schema);
    let sections = interval_partition(&split.files, &cmp);
    let kv2 = kv.clone();
    let merged = stream::iter(sections)
        .map(move |runs| {
            // Each run is decoded on its own task while this one merges.
            let streams = runs
                .into_iter()
                .map(|r| {
                    spawn_stream(
                        read_run(table.clone(), dir.clone(), r.files, kv2.clone(), batch_size),
                        2,
                    )
                    .map(|b| b.map_err(|e| strata_lsm::Error::External(Box::new(e))))
                    .boxed()
                })
                .collect();
            merge_runs(kv2.clone(), streams, merge.clone(), true, batch_size)
                .map(|b| b.map_err(lsm_err))
        })
        .flatten();
    Ok(merged
        .and_then(move |b| {
            let r = values_of(&b, &kv, &value_schema)
                .and_then(|v| finish_batch(v, filter.as_ref(), &out_schema));
            futures::future::ready(r)
        })
        .try_filter(|b| futures::future::ready(b.num_rows() > 0))
        .boxed())
}

/// The value columns of a key-value batch as a table batch.
fn values_of(
    b: &RecordBatch,
    kv: &KvSchema,
    schema: &arrow_schema::SchemaRef,
) -> Result<RecordBatch> {
    let cols = (0..kv.value_fields.len())
        .map(|i| b.column(kv.value_col(i)).clone())
        .collect();
    RecordBatch::try_new_with_options(
        schema.clone(),
        cols,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )
    .map_err(arrow_err("taking value columns"))
}
