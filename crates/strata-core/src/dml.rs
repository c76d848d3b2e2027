//! Row-level changes of primary-key tables expressed as writes: `DELETE … WHERE` reads the
//! matching rows (after the merge) and writes them back as `-D` rows in one commit.

use arrow_array::Int8Array;
use futures::StreamExt;
use strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER;
use strata_spec::RowKind;

use crate::error::{Error, Result};
use crate::predicate::Predicate;
use crate::table::Table;

/// Deletes the rows matching `filter` (all rows with `Predicate::True`). Returns the number of
/// rows deleted and the snapshot created.
///
/// # Errors
/// [`Error::Unsupported`] for append tables; read, write and commit errors.
pub async fn delete_where(table: &Table, filter: &Predicate) -> Result<(usize, Option<i64>)> {
    if !table.has_primary_key() {
        return Err(Error::Unsupported(format!(
            "DELETE on append table '{}' (it has no primary key to delete by)",
            table.name()
        )));
    }
    let plan = table
        .new_scan()
        .with_filter(Some(filter.clone()))
        .plan()
        .await?;
    let read = table.new_read().with_filter(Some(filter.clone()));
    let mut stream = read.read_plan(&plan);
    let mut write = table.new_write()?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                write.abort().await;
                return Err(e);
            }
        };
        rows += batch.num_rows();
        let kinds = Int8Array::from(vec![RowKind::Delete.as_byte(); batch.num_rows()]);
        if let Err(e) = write.write_with_kinds(&batch, Some(&kinds)).await {
            write.abort().await;
            return Err(e);
        }
    }
    let messages = write.prepare_commit().await?;
    let user = write.commit_user().to_string();
    write.close().await?;
    let ids = table
        .new_commit(&user)
        .commit(messages, BATCH_COMMIT_IDENTIFIER)
        .await?;
    Ok((rows, ids.first().copied()))
}
