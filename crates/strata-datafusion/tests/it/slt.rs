//! Runs every `.slt` file under `tests/slt/` (sqllogictest format) against a fresh warehouse:
//! one `StrataSession` per file, statements in order, `query` results compared as text.
//!
//! Cells print with Arrow's display rules; NULL prints `NULL` and the empty string `(empty)`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use arrow::util::display::{ArrayFormatter, FormatOptions};
use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use sqllogictest::{DBOutput, DefaultColumnType};
use strata_core::Catalog;
use strata_datafusion::error::user_message;
use strata_datafusion::{ResultKind, StrataSession};

/// A statement's error, with DataFusion's wrapping reduced to the useful message.
#[derive(Debug)]
pub struct SqlError(String);

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SqlError {}

/// A session over one warehouse.
pub struct StrataDb {
    session: StrataSession,
}

impl StrataDb {
    /// A session over the warehouse at `dir`.
    pub fn open(dir: &Path) -> StrataDb {
        let catalog = Catalog::open(dir.to_str().unwrap(), &Default::default()).unwrap();
        StrataDb {
            session: StrataSession::new(catalog).unwrap(),
        }
    }
}

fn column_type(t: &DataType) -> DefaultColumnType {
    if t.is_integer() {
        DefaultColumnType::Integer
    } else if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) {
        DefaultColumnType::FloatingPoint
    } else if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        DefaultColumnType::Text
    } else {
        DefaultColumnType::Any
    }
}

#[async_trait]
impl sqllogictest::AsyncDB for StrataDb {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let err = |e: datafusion::error::DataFusionError| SqlError(user_message(&e));
        let result = self.session.execute(sql).await.map_err(err)?;
        let kind = result.kind;
        let schema = result.schema.clone();
        let batches = result.collect().await.map_err(err)?;
        if kind != ResultKind::Rows {
            let count = batches
                .first()
                .filter(|b| b.num_columns() == 1 && b.num_rows() == 1)
                .and_then(|b| {
                    b.column(0)
                        .as_any()
                        .downcast_ref::<arrow::array::UInt64Array>()
                        .map(|a| a.value(0))
                })
                .unwrap_or(0);
            return Ok(DBOutput::StatementComplete(count));
        }
        let opts = FormatOptions::default().with_null("NULL");
        let mut rows = Vec::new();
        for b in &batches {
            let fmts: Vec<ArrayFormatter> = b
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap())
                .collect();
            for r in 0..b.num_rows() {
                // A one-column multi-line value (SHOW CREATE TABLE) is one row per line.
                if fmts.len() == 1 {
                    let s = fmts[0].value(r).to_string();
                    if s.contains('\n') {
                        rows.extend(s.lines().map(|l| vec![l.to_string()]));
                        continue;
                    }
                }
                rows.push(
                    fmts.iter()
                        .map(|f| {
                            let s = f.value(r).to_string();
                            if s.is_empty() {
                                "(empty)".to_string()
                            } else {
                                s
                            }
                        })
                        .collect(),
                );
            }
        }
        Ok(DBOutput::Rows {
            types: schema
                .fields()
                .iter()
                .map(|f| column_type(f.data_type()))
                .collect(),
            rows,
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "strata"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    files
}

async fn run_file(path: &Path) -> Result<(), String> {
    let warehouse = tempfile::tempdir().unwrap();
    let dir = warehouse.path().to_path_buf();
    let mut runner = sqllogictest::Runner::new(move || {
        let dir = dir.clone();
        async move { Ok::<_, SqlError>(StrataDb::open(&dir)) }
    });
    runner
        .run_file_async(path)
        .await
        .map_err(|e| format!("{}: {}", path.display(), e.display(true)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqllogictest_files() {
    let files = slt_files();
    assert!(!files.is_empty(), "no .slt files found");
    let filter = std::env::var("SLT").ok();
    let mut failures = Vec::new();
    for f in &files {
        if let Some(only) = &filter {
            if !f.to_string_lossy().contains(only.as_str()) {
                continue;
            }
        }
        if let Err(e) = run_file(f).await {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
