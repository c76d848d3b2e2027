//! `strata write db.t FILE…` — one commit for all files; INSERT OVERWRITE with `--overwrite`.

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use strata_core::{Catalog, OverwriteScope};
use strata_spec::datum::parse_literal;
use strata_spec::snapshot::BATCH_COMMIT_IDENTIFIER;

use super::{key_values, open_table};
use crate::input::{read_file, InputFormat};

#[derive(Args, Debug)]
pub struct WriteArgs {
    /// Table name: database.table.
    pub table: String,
    /// Input files.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Input format (default: from the file extension).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Replace existing rows (INSERT OVERWRITE): the partitions in the input, the partition
    /// given with --partition, or the whole table when unpartitioned.
    #[arg(long)]
    pub overwrite: bool,
    /// Static partition of an overwrite, KEY=VALUE (repeatable, leading partition keys).
    #[arg(long = "partition")]
    pub partition: Vec<String>,
}

pub async fn run(catalog: &Catalog, args: WriteArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    if !args.partition.is_empty() && !args.overwrite {
        bail!("--partition only applies to --overwrite");
    }
    let schema = table.schema().clone();
    let scope = if !args.overwrite {
        None
    } else if !args.partition.is_empty() {
        let mut spec = Vec::new();
        for (k, v) in key_values(&args.partition, "partition")? {
            let f = schema
                .field(&k)
                .filter(|_| schema.partition_keys.contains(&k))
                .with_context(|| {
                    format!(
                        "'{k}' is not a partition key of {} (partition keys: {})",
                        args.table,
                        schema.partition_keys.join(", ")
                    )
                })?;
            let value = if v == table.options().partition_default_name() {
                strata_spec::Datum::Null
            } else {
                parse_literal(&f.data_type, &v)
                    .map_err(|m| anyhow::anyhow!("partition {k}: {m}"))?
            };
            spec.push((k, value));
        }
        Some(OverwriteScope::Partition(spec))
    } else if !schema.partition_keys.is_empty() && table.options().dynamic_partition_overwrite()? {
        Some(OverwriteScope::Dynamic)
    } else {
        Some(OverwriteScope::All)
    };
    let mut write = table.new_write()?.with_overwrite(scope.is_some());
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut rows = 0usize;
    let result: Result<()> = async {
        for path in &args.files {
            let format = match args.input_format.or_else(|| InputFormat::from_path(path)) {
                Some(f) => f,
                None => bail!("cannot tell the format of {path} from its extension; use --input-format parquet|csv|json"),
            };
            for batch in read_file(path, format, &schema.fields)? {
                let batch = batch?;
                rows += batch.num_rows();
                write.write(&batch).await?;
                progress.set_message(format!("{rows} rows from {path}"));
                progress.tick();
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        write.abort().await;
        progress.finish_and_clear();
        return Err(e);
    }
    let messages = match write.prepare_commit().await {
        Ok(m) => m,
        Err(e) => {
            write.abort().await;
            return Err(e.into());
        }
    };
    let user = write.commit_user().to_string();
    write.close().await?;
    let commit = table.new_commit(&user);
    let ids = match scope {
        Some(s) => {
            commit
                .overwrite(s, messages, BATCH_COMMIT_IDENTIFIER)
                .await?
        }
        None => commit.commit(messages, BATCH_COMMIT_IDENTIFIER).await?,
    };
    progress.finish_and_clear();
    match ids.first() {
        Some(id) => eprintln!("wrote {rows} rows into {} (snapshot {id})", args.table),
        None => eprintln!("wrote {rows} rows into {} (nothing to commit)", args.table),
    }
    Ok(())
}
