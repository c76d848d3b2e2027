//! Writes that DataFusion's own INSERT cannot express, each one commit:
//!
//! ```text
//! INSERT INTO|OVERWRITE t PARTITION (k='v') query ─▶ query rows + constant partition columns
//!                                                  ─▶ append | overwrite that partition
//! DELETE FROM t WHERE c      ─▶ SELECT * FROM t WHERE c            ─▶ rows as -D
//! UPDATE t SET a = e WHERE c ─▶ SELECT …, (e) AS a, … FROM t WHERE c ─▶ rows as +U
//! CREATE TABLE t … AS query  ─▶ plan query ─▶ create t from its schema ─▶ write ─▶ commit
//!                               (t is dropped again if the write fails)
//! ```
//!
//! DELETE and UPDATE read the merged rows of the latest snapshot, so the WHERE clause sees
//! exactly what a SELECT would; they need a primary key (the rows are retracted and re-added by
//! key).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::error::DataFusionError;
use futures::StreamExt;
use strata_core::predicate::literal;
use strata_core::{Identifier, OverwriteScope, Table, TableDefinition};
use strata_format::arrow_convert;
use strata_spec::{DataField, Datum, RowKind};

use crate::ddl::options_map;
use crate::dialect::{CreateTableAs, ObjectName};
use crate::error::{plan_err, to_df};
use crate::result::StatementResult;
use crate::session::StrataSession;
use crate::sink::{write_stream, WriteMode, WriteOutcome};

fn snapshot_note(o: &WriteOutcome) -> String {
    match o.snapshot {
        Some(id) => format!(" (snapshot {id})"),
        None => String::new(),
    }
}

fn require_pk(table: &Table, what: &str) -> Result<()> {
    if table.has_primary_key() {
        Ok(())
    } else {
        Err(plan_err(format!(
            "{what} is only supported on primary-key tables; '{}' is an append table",
            table.name()
        )))
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `DELETE FROM t [WHERE c]`: the matching rows are written back as `-D`.
///
/// # Errors
/// Append tables, bad conditions, write errors.
pub async fn delete(
    s: &StrataSession,
    name: &ObjectName,
    condition: Option<&str>,
) -> Result<StatementResult> {
    let ident = s.resolve(name)?;
    let table = s.table(&ident).await?;
    require_pk(&table, "DELETE")?;
    let mut sql = format!(
        "SELECT * FROM {} AS {}",
        s.sql_ref(&ident),
        quote(&ident.table)
    );
    if let Some(c) = condition {
        sql.push_str(&format!(" WHERE {c}"));
    }
    let stream = s.plan(&sql).await?.execute_stream().await?;
    let o = write_stream(&table, stream, Some(RowKind::Delete), &WriteMode::Append).await?;
    StatementResult::count(
        o.rows,
        format!("{} rows deleted from {ident}{}.", o.rows, snapshot_note(&o)),
    )
}

/// `UPDATE t SET a = e, … [WHERE c]`: the new rows are written as `+U`.
///
/// # Errors
/// Append tables, unknown columns, key columns, bad expressions, write errors.
pub async fn update(
    s: &StrataSession,
    name: &ObjectName,
    assignments: &[(String, String)],
    condition: Option<&str>,
) -> Result<StatementResult> {
    let ident = s.resolve(name)?;
    let table = s.table(&ident).await?;
    require_pk(&table, "UPDATE")?;
    let schema = table.schema();
    for (col, _) in assignments {
        if schema.field(col).is_none() {
            return Err(plan_err(format!(
                "column '{col}' does not exist in table '{ident}' (columns: {})",
                schema
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if schema.primary_keys.contains(col) || schema.partition_keys.contains(col) {
            return Err(plan_err(format!(
                "column '{col}' is a primary key or partition column and cannot be updated; \
                 delete the row and insert a new one instead"
            )));
        }
    }
    let select: Vec<String> = schema
        .fields
        .iter()
        .map(
            |f| match assignments.iter().rev().find(|(c, _)| *c == f.name) {
                Some((_, e)) => format!("({e}) AS {}", quote(&f.name)),
                None => quote(&f.name),
            },
        )
        .collect();
    let mut sql = format!(
        "SELECT {} FROM {} AS {}",
        select.join(", "),
        s.sql_ref(&ident),
        quote(&ident.table)
    );
    if let Some(c) = condition {
        sql.push_str(&format!(" WHERE {c}"));
    }
    let stream = s.plan(&sql).await?.execute_stream().await?;
    let o = write_stream(
        &table,
        stream,
        Some(RowKind::UpdateAfter),
        &WriteMode::Append,
    )
    .await?;
    StatementResult::count(
        o.rows,
        format!("{} rows updated in {ident}{}.", o.rows, snapshot_note(&o)),
    )
}

/// `INSERT INTO|OVERWRITE t PARTITION (k = v, …) query`.
///
/// # Errors
/// Unknown partition columns, values that do not fit, a query with the wrong number of
/// columns, write errors.
pub async fn insert_partition(
    s: &StrataSession,
    overwrite: bool,
    name: &ObjectName,
    partition: &[(String, String)],
    query: &str,
) -> Result<StatementResult> {
    let ident = s.resolve(name)?;
    let table = s.table(&ident).await?;
    let schema = table.schema().clone();
    let mut statics: Vec<(usize, Datum)> = Vec::new();
    for (k, v) in partition {
        let Some(pos) = schema.partition_keys.iter().position(|p| p == k) else {
            return Err(plan_err(format!(
                "'{k}' is not a partition column of '{ident}' (partition columns: {})",
                schema.partition_keys.join(", ")
            )));
        };
        if statics.iter().any(|(p, _)| *p == pos) {
            return Err(plan_err(format!("partition column '{k}' is given twice")));
        }
        let field = schema
            .field(k)
            .ok_or_else(|| plan_err(format!("column '{k}' is missing")))?;
        let d = literal(&field.data_type, v).map_err(|e| {
            plan_err(format!(
                "partition value '{v}' does not fit column '{k}' of type {}: {e}",
                field.data_type
            ))
        })?;
        statics.push((pos, d));
    }
    statics.sort_by_key(|(p, _)| *p);
    if overwrite && statics.iter().enumerate().any(|(i, (p, _))| i != *p) {
        return Err(plan_err(
            "INSERT OVERWRITE … PARTITION must give the leading partition columns in order \
             (e.g. the first one, or the first two)",
        ));
    }
    let static_fields: Vec<(DataField, Datum)> = statics
        .iter()
        .filter_map(|(p, d)| {
            schema
                .field(&schema.partition_keys[*p])
                .map(|f| (f.clone(), d.clone()))
        })
        .collect();
    let df = s.plan(query).await?;
    let dynamic: Vec<DataField> = schema
        .fields
        .iter()
        .filter(|f| !static_fields.iter().any(|(sf, _)| sf.name == f.name))
        .cloned()
        .collect();
    let got = df.schema().fields().len();
    if got != dynamic.len() {
        return Err(plan_err(format!(
            "the query returns {got} columns but '{ident}' expects {} besides the static \
             partition ({})",
            dynamic.len(),
            dynamic
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let target = arrow_convert::arrow_schema(&schema.fields);
    let stream = df.execute_stream().await?;
    let fields = schema.fields.clone();
    let statics2 = static_fields.clone();
    let full = stream.map(move |b| b.and_then(|b| with_statics(&b, &fields, &statics2, &target)));
    let mode = if overwrite {
        WriteMode::Overwrite(OverwriteScope::Partition(
            static_fields
                .iter()
                .map(|(f, d)| (f.name.clone(), d.clone()))
                .collect(),
        ))
    } else {
        WriteMode::Append
    };
    let o = write_stream(&table, Box::pin(full), None, &mode).await?;
    StatementResult::count(
        o.rows,
        format!(
            "{} rows {} {ident}{}.",
            o.rows,
            if overwrite {
                "overwritten in"
            } else {
                "inserted into"
            },
            snapshot_note(&o)
        ),
    )
}

/// Builds a batch in table order: static partition values as constants, the query's columns
/// by position for the rest.
fn with_statics(
    b: &RecordBatch,
    fields: &[DataField],
    statics: &[(DataField, Datum)],
    target: &SchemaRef,
) -> Result<RecordBatch> {
    let n = b.num_rows();
    let mut next = 0;
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(fields.len());
    let mut out_fields: Vec<Field> = Vec::with_capacity(fields.len());
    for (f, tf) in fields.iter().zip(target.fields()) {
        match statics.iter().find(|(sf, _)| sf.name == f.name) {
            Some((_, d)) => {
                let arr = arrow_convert::datums_to_array(&f.data_type, &vec![d.clone(); n])
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                cols.push(arr);
                out_fields.push(tf.as_ref().clone());
            }
            None => {
                let c = b.column(next).clone();
                next += 1;
                out_fields.push(Field::new(f.name.clone(), c.data_type().clone(), true));
                cols.push(c);
            }
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(out_fields)),
        cols,
    )?)
}

/// `CREATE TABLE t … AS query`.
///
/// # Errors
/// Bad queries (nothing is created), bad definitions, write errors (the table is dropped).
pub async fn create_table_as(s: &StrataSession, c: CreateTableAs) -> Result<StatementResult> {
    let ident = s.resolve(&c.name)?;
    if c.if_not_exists && s.catalog().table_exists(&ident).await.map_err(to_df)? {
        return StatementResult::done(format!("Table {ident} already exists."));
    }
    let df = s.plan(&c.query).await?;
    let mut fields = Vec::new();
    for f in df.schema().fields() {
        let ty = arrow_convert::paimon_type(f.data_type(), f.is_nullable()).map_err(|e| {
            plan_err(format!(
                "column '{}' of type {} cannot be stored: {e}",
                f.name(),
                f.data_type()
            ))
        })?;
        fields.push(DataField::new(-1, f.name().clone(), ty));
    }
    let def = TableDefinition {
        fields,
        partition_keys: c.partition_keys,
        primary_keys: c.primary_keys,
        options: options_map(c.options)?,
        comment: c.comment,
    };
    let table = s
        .catalog()
        .create_table(&ident, def, false)
        .await
        .map_err(to_df)?;
    match write_query(&table, df).await {
        Ok(o) => StatementResult::count(
            o.rows,
            format!(
                "Table {ident} created with {} rows{}.",
                o.rows,
                snapshot_note(&o)
            ),
        ),
        Err(e) => {
            drop_quietly(s, &ident).await;
            Err(e)
        }
    }
}

async fn write_query(table: &Table, df: datafusion::dataframe::DataFrame) -> Result<WriteOutcome> {
    let stream = df.execute_stream().await?;
    write_stream(table, stream, None, &WriteMode::Append).await
}

async fn drop_quietly(s: &StrataSession, ident: &Identifier) {
    if let Err(e) = s.catalog().drop_table(ident, true).await {
        tracing::warn!("could not drop {ident} after a failed CREATE TABLE AS: {e}");
    }
}
