//! `strata snapshots` and `strata files`: what a table is made of.

use anyhow::Result;
use clap::Args;
use strata_core::{Catalog, SnapshotSelector};
use strata_spec::binary_row;

use super::open_table;
use crate::output::print_table;

#[derive(Args, Debug)]
pub struct TableArg {
    /// Table name: database.table.
    pub table: String,
}

#[derive(Args, Debug)]
pub struct FilesArgs {
    /// Table name: database.table.
    pub table: String,
    /// Files of this snapshot (default: latest).
    #[arg(long)]
    pub snapshot: Option<i64>,
}

pub async fn snapshots(catalog: &Catalog, args: TableArg) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let mut rows = Vec::new();
    for s in table.snapshot_manager().snapshots().await? {
        rows.push(vec![
            s.id.to_string(),
            s.schema_id.to_string(),
            s.commit_kind.to_string(),
            strata_spec::time::format_timestamp(s.time_millis, 0, 3, true),
            s.total_record_count
                .map(|v| v.to_string())
                .unwrap_or_default(),
            s.delta_record_count
                .map(|v| v.to_string())
                .unwrap_or_default(),
            s.changelog_record_count
                .map(|v| v.to_string())
                .unwrap_or_default(),
            s.commit_user.clone(),
            if s.commit_identifier == i64::MAX {
                "batch".into()
            } else {
                s.commit_identifier.to_string()
            },
        ]);
    }
    print_table(
        &[
            "id",
            "schema",
            "kind",
            "time (UTC)",
            "total rows",
            "delta rows",
            "changelog rows",
            "commit user",
            "identifier",
        ],
        rows,
    );
    Ok(())
}

pub async fn files(catalog: &Catalog, args: FilesArgs) -> Result<()> {
    let table = open_table(catalog, &args.table).await?;
    let selector = args.snapshot.map(SnapshotSelector::Id).unwrap_or_default();
    let plan = table.new_scan().with_snapshot(selector).plan().await?;
    let key_types: Vec<_> = table
        .schema()
        .trimmed_primary_key_fields()
        .iter()
        .map(|f| f.data_type.clone())
        .collect();
    let renderer = table.partition_renderer()?;
    let show_key = |bytes: &[u8]| -> String {
        if key_types.is_empty() {
            return String::new();
        }
        match binary_row::deserialize(&key_types, bytes) {
            Ok(v) => v
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(","),
            Err(_) => "?".into(),
        }
    };
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    for split in &plan.splits {
        let part = renderer.partition_dir(&table.decode_partition(&split.partition)?);
        let part = if part.is_empty() {
            "-".to_string()
        } else {
            part
        };
        let level0 = split.files.iter().filter(|f| f.level == 0).count();
        let higher: std::collections::BTreeSet<i32> = split
            .files
            .iter()
            .filter(|f| f.level > 0)
            .map(|f| f.level)
            .collect();
        summary.push(vec![
            part.clone(),
            split.bucket.to_string(),
            split.files.len().to_string(),
            (level0 + higher.len()).to_string(),
            level0.to_string(),
            split.row_count().to_string(),
        ]);
        for f in &split.files {
            rows.push(vec![
                part.clone(),
                split.bucket.to_string(),
                f.level.to_string(),
                f.file_name.clone(),
                f.row_count.to_string(),
                f.file_size.to_string(),
                format!("{}..{}", f.min_sequence_number, f.max_sequence_number),
                show_key(&f.min_key),
                show_key(&f.max_key),
            ]);
        }
    }
    print_table(
        &[
            "partition",
            "bucket",
            "level",
            "file",
            "rows",
            "bytes",
            "sequence",
            "min key",
            "max key",
        ],
        rows,
    );
    if table.has_primary_key() {
        println!("per bucket (sorted runs and level-0 files are the compaction debt):");
        print_table(
            &[
                "partition",
                "bucket",
                "files",
                "sorted runs",
                "level-0 files",
                "rows",
            ],
            summary,
        );
    }
    Ok(())
}
