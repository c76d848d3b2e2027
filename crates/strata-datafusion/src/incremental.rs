//! Batch incremental reads: `'incremental-between' = 'a,b'` (and
//! `'incremental-between-timestamp' = 't1,t2'`), the rows that snapshots a+1 ..= b added.
//!
//! ```text
//! range (a, b] ─▶ strata_core::stream::incremental_between (Paimon's `auto` mode: APPEND
//!   deltas merged per key without a changelog producer, changelog files with one)
//!   ─▶ table rows: retractions dropped      t$audit_log rows: every change with its rowkind
//! ```

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use futures::stream::{BoxStream, StreamExt};
use strata_core::{Error, Result, Table};
use strata_spec::RowKind;

/// The snapshot range `(from, to]` named by the table's incremental options, if any.
///
/// # Errors
/// Malformed values, timestamps before the first snapshot.
pub async fn range_of(table: &Table) -> Result<Option<(i64, i64)>> {
    let opts = table.options();
    if let Some(v) = opts.get_explicit("incremental-between") {
        let (a, b) = parse_pair(v, "incremental-between")?;
        return check(table, a, b).await.map(Some);
    }
    if let Some(v) = opts.get_explicit("incremental-between-timestamp") {
        let (t1, t2) = parse_pair(v, "incremental-between-timestamp")?;
        let sm = table.snapshot_manager();
        let a = match sm.at_or_before(t1).await? {
            Some(s) => s.id,
            None => sm.earliest_id().await?.map(|e| e - 1).unwrap_or(0),
        };
        let b = match sm.at_or_before(t2).await? {
            Some(s) => s.id,
            None => a,
        };
        return check(table, a, b).await.map(Some);
    }
    Ok(None)
}

fn parse_pair(v: &str, key: &str) -> Result<(i64, i64)> {
    let bad = || {
        Error::Invalid(format!(
            "option '{key}' = '{v}' must be two numbers separated by a comma, e.g. '3,5'"
        ))
    };
    let (a, b) = v.split_once(',').ok_or_else(bad)?;
    let a = a.trim().parse::<i64>().map_err(|_| bad())?;
    let b = b.trim().parse::<i64>().map_err(|_| bad())?;
    Ok((a, b))
}

async fn check(table: &Table, a: i64, b: i64) -> Result<(i64, i64)> {
    if a > b {
        return Err(Error::Invalid(format!(
            "incremental range start {a} is after its end {b}"
        )));
    }
    if a < b {
        let sm = table.snapshot_manager();
        let earliest = sm.earliest_id().await?.unwrap_or(1);
        if a + 1 < earliest {
            return Err(Error::NotFound {
                table: table.name(),
                what: format!("snapshot {}", a + 1),
                hint: format!("; the earliest snapshot is {earliest} (older ones expired)"),
            });
        }
        sm.snapshot(b).await?;
    }
    Ok((a, b))
}

/// The changes of `(from, to]` through strata-core's streaming reader (the APPEND deltas
/// merged per key, or the changelog files when the table has a changelog producer), as
/// batches of the table's columns led by a `rowkind` column when `with_kind`; without it,
/// retractions (`-U`, `-D`) are dropped and the rows that were added remain.
///
/// # Errors
/// Snapshots outside the table's range; read errors arrive in the stream.
pub async fn read(
    table: &Table,
    from: i64,
    to: i64,
    with_kind: bool,
) -> Result<BoxStream<'static, Result<RecordBatch>>> {
    let changes = strata_core::stream::incremental_between(table, from, to).await?;
    Ok(changes
        .map(move |r| {
            let c = r?;
            if with_kind {
                let text: StringArray = c
                    .kinds
                    .iter()
                    .map(|k| {
                        Some(
                            k.and_then(RowKind::from_byte)
                                .unwrap_or(RowKind::Insert)
                                .short_string(),
                        )
                    })
                    .collect();
                let mut cols: Vec<ArrayRef> = vec![Arc::new(text)];
                cols.extend(c.batch.columns().iter().cloned());
                let mut fields = vec![Arc::new(Field::new("rowkind", DataType::Utf8, false))];
                fields.extend(c.batch.schema().fields().iter().cloned());
                return RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
                    .map_err(|e| Error::Internal(format!("incremental batch: {e}")));
            }
            let keep: BooleanArray = c
                .kinds
                .iter()
                .map(|k| {
                    Some(
                        !k.and_then(RowKind::from_byte)
                            .is_some_and(RowKind::is_retract),
                    )
                })
                .collect();
            arrow::compute::filter_record_batch(&c.batch, &keep)
                .map_err(|e| Error::Internal(format!("incremental batch: {e}")))
        })
        .boxed())
}
