//! What a statement returns: rows (a query or SHOW), a count of written rows (DML), or a
//! message (DDL, USE, CALL without a result table).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::TryStreamExt;

/// The kind of a statement's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// Rows to show (SELECT, SHOW, DESCRIBE, EXPLAIN, CALL).
    Rows,
    /// One row with the `count` of rows written (INSERT, DELETE, UPDATE, CTAS).
    Count,
    /// Nothing to show but a message (CREATE, DROP, ALTER, USE).
    Done,
}

/// The result of one statement. Rows stream: a large query is not held in memory, and
/// dropping the result cancels the rest of its work.
pub struct StatementResult {
    /// What the rows mean.
    pub kind: ResultKind,
    /// Schema of the rows.
    pub schema: SchemaRef,
    /// The rows.
    pub stream: SendableRecordBatchStream,
    /// A message for people (`Table db.t created.`).
    pub message: Option<String>,
}

impl std::fmt::Debug for StatementResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementResult")
            .field("kind", &self.kind)
            .field("schema", &self.schema)
            .field("message", &self.message)
            .finish()
    }
}

impl StatementResult {
    /// Rows from a stream.
    pub fn stream(kind: ResultKind, stream: SendableRecordBatchStream) -> Self {
        StatementResult {
            kind,
            schema: stream.schema(),
            stream,
            message: None,
        }
    }

    /// Rows held in memory.
    ///
    /// # Errors
    /// Never in practice (the batches match the schema).
    pub fn batches(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Self> {
        let stream = MemoryStream::try_new(batches, schema.clone(), None)?;
        Ok(StatementResult {
            kind: ResultKind::Rows,
            schema,
            stream: Box::pin(stream),
            message: None,
        })
    }

    /// A table of text columns.
    ///
    /// # Errors
    /// Never in practice.
    pub fn text_table(columns: &[&str], rows: Vec<Vec<Option<String>>>) -> Result<Self> {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|c| Field::new(*c, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        let cols: Vec<ArrayRef> = (0..columns.len())
            .map(|i| {
                Arc::new(
                    rows.iter()
                        .map(|r| r.get(i).cloned().flatten())
                        .collect::<StringArray>(),
                ) as ArrayRef
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), cols)?;
        Self::batches(schema, vec![batch])
    }

    /// A DML result: one `count` row.
    ///
    /// # Errors
    /// Never in practice.
    pub fn count(rows: u64, message: impl Into<String>) -> Result<Self> {
        let schema = count_schema();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(UInt64Array::from(vec![rows]))],
        )?;
        let mut r = Self::batches(schema, vec![batch])?;
        r.kind = ResultKind::Count;
        r.message = Some(message.into());
        Ok(r)
    }

    /// A message only.
    ///
    /// # Errors
    /// Never in practice.
    pub fn done(message: impl Into<String>) -> Result<Self> {
        let schema = Arc::new(Schema::empty());
        let mut r = Self::batches(schema, vec![])?;
        r.kind = ResultKind::Done;
        r.message = Some(message.into());
        Ok(r)
    }

    /// Adds a message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Collects every row.
    ///
    /// # Errors
    /// Errors of the statement's execution.
    pub async fn collect(self) -> Result<Vec<RecordBatch>> {
        self.stream.try_collect().await
    }
}

/// `count: UInt64`, as DataFusion's INSERT returns it.
pub fn count_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(
        "count",
        DataType::UInt64,
        false,
    )]))
}
