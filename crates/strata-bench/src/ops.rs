//! Table operations the benchmarks share: opening a warehouse, creating a table, committing a
//! writer, writing batches in one commit, counting the rows a read returns, and timing a future.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use arrow::array::RecordBatch;
use futures::TryStreamExt;
use strata_core::{parse_filter, Catalog, Identifier, Table, TableDefinition, TableWrite};
use strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER;
use strata_spec::{DataField, DataType};

/// Opens a catalog on the warehouse `wh` inside `dir`.
pub fn open_warehouse(dir: &Path) -> Result<Catalog> {
    let wh = dir.join("wh");
    Ok(Catalog::open(
        wh.to_str().unwrap_or("wh"),
        &Default::default(),
    )?)
}

/// Creates the table `name` (`database.table`; the database too when missing) with `columns`
/// as (name, type) pairs; later `options` override earlier ones.
pub async fn create_table(
    catalog: &Catalog,
    name: &str,
    columns: &[(&str, &str)],
    partition_keys: &[&str],
    primary_keys: &[&str],
    options: &[(&str, &str)],
) -> Result<Table> {
    let ident = Identifier::parse(name, None)?;
    catalog.create_database(&ident.database, true).await?;
    let fields = columns
        .iter()
        .map(|(n, t)| Ok(DataField::new(-1, *n, DataType::parse(t)?)))
        .collect::<Result<Vec<_>>>()?;
    let def = TableDefinition {
        fields,
        partition_keys: partition_keys.iter().map(|k| k.to_string()).collect(),
        primary_keys: primary_keys.iter().map(|k| k.to_string()).collect(),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        comment: None,
    };
    Ok(catalog.create_table(&ident, def, false).await?)
}

/// Prepares, closes and commits what `w` wrote, as one batch commit of `table`.
pub async fn commit(table: &Table, mut w: TableWrite) -> Result<()> {
    let msgs = w.prepare_commit().await?;
    let user = w.commit_user().to_string();
    w.close().await?;
    table
        .new_commit(&user)
        .commit(msgs, BATCH_COMMIT_IDENTIFIER)
        .await?;
    Ok(())
}

/// Writes `batches` with one writer and commits them in one commit.
pub async fn write_all(table: &Table, batches: &[RecordBatch]) -> Result<()> {
    let mut w = table.new_write()?;
    for b in batches {
        w.write(b).await?;
    }
    commit(table, w).await
}

/// Plans and reads the latest snapshot (optionally filtered by `filter`, a SQL condition, and
/// projected to `columns`); returns the number of rows read.
pub async fn read_count(
    table: &Table,
    filter: Option<&str>,
    columns: Option<Vec<String>>,
) -> Result<usize> {
    let pred = match filter {
        Some(f) => Some(parse_filter(f, &table.schema().fields)?),
        None => None,
    };
    let plan = table.new_scan().with_filter(pred.clone()).plan().await?;
    let read = table.new_read().with_projection(columns)?.with_filter(pred);
    let n = read
        .read_plan(&plan)
        .try_fold(0usize, |acc, b| async move { Ok(acc + b.num_rows()) })
        .await?;
    Ok(n)
}

/// Runs `f`; returns its value and how long it took.
pub async fn timed<T>(f: impl Future<Output = Result<T>>) -> Result<(T, Duration)> {
    let t = Instant::now();
    let v = f.await?;
    Ok((v, t.elapsed()))
}
