//! Writing rows from DataFusion into a table: one `TableWrite`, one commit per statement.
//!
//! ```text
//! batches (INSERT … SELECT / VALUES, CTAS, DELETE as -D, UPDATE as +U)
//!   ─▶ TableWrite::write_with_kinds (conform by name, route to buckets, encode on tasks)
//!   ─▶ prepare_commit ─▶ TableCommit::commit | overwrite(scope)  ─▶ one snapshot
//! ```
//!
//! Any error before the commit aborts the write (its files are deleted) and publishes nothing,
//! so a failed statement leaves the table as it was.

use std::fmt;
use std::sync::Arc;

use arrow_array::{Int8Array, RecordBatch};
use arrow_schema::SchemaRef;
use async_trait::async_trait;
use datafusion::common::Result;
use datafusion::datasource::sink::DataSink;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, SendableRecordBatchStream};
use futures::{Stream, StreamExt};
use strata_core::{OverwriteScope, Table};
use strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER;
use strata_spec::RowKind;

use crate::error::to_df;

/// How a statement's rows reach the table.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteMode {
    /// INSERT INTO: an APPEND snapshot.
    Append,
    /// INSERT OVERWRITE: an OVERWRITE snapshot replacing `scope`.
    Overwrite(OverwriteScope),
}

/// What a write published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Rows written.
    pub rows: u64,
    /// The last snapshot created (none when nothing changed).
    pub snapshot: Option<i64>,
}

/// Writes every batch of `batches` with row kind `kind` (`None` = +I or the table's
/// `rowkind.field`) and commits once.
///
/// # Errors
/// Input that does not fit the table, storage and commit errors; nothing is published then.
pub async fn write_stream<S>(
    table: &Table,
    mut batches: S,
    kind: Option<RowKind>,
    mode: &WriteMode,
) -> Result<WriteOutcome>
where
    S: Stream<Item = Result<RecordBatch>> + Unpin,
{
    let overwrite = matches!(mode, WriteMode::Overwrite(_));
    let mut write = table.new_write().map_err(to_df)?.with_overwrite(overwrite);
    let mut rows = 0u64;
    while let Some(batch) = batches.next().await {
        let result = match batch {
            Ok(b) => {
                rows += b.num_rows() as u64;
                let kinds = kind.map(|k| Int8Array::from(vec![k.as_byte(); b.num_rows()]));
                write
                    .write_with_kinds(&b, kinds.as_ref())
                    .await
                    .map_err(to_df)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            write.abort().await;
            return Err(e);
        }
    }
    let messages = match write.prepare_commit().await {
        Ok(m) => m,
        Err(e) => {
            write.abort().await;
            return Err(to_df(e));
        }
    };
    let user = write.commit_user().to_string();
    write.close().await.map_err(to_df)?;
    let commit = table.new_commit(&user);
    let ids = match mode {
        WriteMode::Append => {
            if messages.is_empty() {
                Vec::new()
            } else {
                commit
                    .commit(messages, BATCH_COMMIT_IDENTIFIER)
                    .await
                    .map_err(to_df)?
            }
        }
        WriteMode::Overwrite(scope) => commit
            .overwrite(scope.clone(), messages, BATCH_COMMIT_IDENTIFIER)
            .await
            .map_err(to_df)?,
    };
    if !ids.is_empty() {
        // What Java's committers do next: expiry and automatic tags (unless write-only).
        strata_core::maintenance::after_commit(table).await;
    }
    Ok(WriteOutcome {
        rows,
        snapshot: ids.last().copied(),
    })
}

/// DataFusion's insert target for one table.
pub struct StrataSink {
    table: Table,
    mode: WriteMode,
    schema: SchemaRef,
}

impl StrataSink {
    /// A sink writing `table` in `mode`.
    pub fn new(table: Table, mode: WriteMode, schema: SchemaRef) -> Self {
        StrataSink {
            table,
            mode,
            schema,
        }
    }
}

impl fmt::Debug for StrataSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StrataSink({}, {:?})", self.table.name(), self.mode)
    }
}

impl DisplayAs for StrataSink {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let mode = match &self.mode {
            WriteMode::Append => "append".to_string(),
            WriteMode::Overwrite(s) => format!("overwrite {s:?}"),
        };
        write!(f, "StrataSink: table={}, mode={mode}", self.table.name())
    }
}

#[async_trait]
impl DataSink for StrataSink {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    async fn write_all(
        &self,
        data: SendableRecordBatchStream,
        _context: &Arc<TaskContext>,
    ) -> Result<u64> {
        let outcome = write_stream(&self.table, data, None, &self.mode).await?;
        Ok(outcome.rows)
    }
}
