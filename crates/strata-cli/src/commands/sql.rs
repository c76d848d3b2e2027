//! `strata sql`: SQL over the warehouse (DataFusion with Paimon's dialect, see
//! `strata-datafusion`).
//!
//! ```text
//! strata sql                      interactive shell: history, multi-line statements ending
//!                                 with ';', aligned tables, row counts and timing, a spinner
//!                                 while a statement runs, Ctrl-C cancels the statement
//! strata sql -e "SELECT …; …"     run statements and exit
//! strata sql -f script.sql        run a file and exit (stops at the first error)
//!            --format table|json|csv
//! ```

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;
use clap::Args;
use futures::StreamExt;
use strata_core::Catalog;
use strata_datafusion::dialect::{is_complete, split_statements};
use strata_datafusion::error::user_message;
use strata_datafusion::{ResultKind, StatementResult, StrataSession};

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqlFormat {
    /// Aligned table.
    Table,
    /// One JSON object per line.
    Json,
    /// CSV with a header row.
    Csv,
}

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// Statements to run (separated by ';'), then exit.
    #[arg(short = 'e', long = "execute", conflicts_with = "file")]
    pub execute: Option<String>,
    /// A file of statements to run, then exit.
    #[arg(short = 'f', long = "file")]
    pub file: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: SqlFormat,
    /// Database to start in.
    #[arg(long, default_value = "default")]
    pub database: String,
}

pub async fn run(catalog: &Catalog, args: SqlArgs) -> Result<()> {
    let session =
        StrataSession::new(catalog.clone()).map_err(|e| anyhow::anyhow!(user_message(&e)))?;
    if args.database != "default" {
        session
            .use_database(&args.database)
            .await
            .map_err(|e| anyhow::anyhow!(user_message(&e)))?;
    }
    let script = match (&args.execute, &args.file) {
        (Some(sql), _) => Some(sql.clone()),
        (None, Some(path)) => {
            Some(std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?)
        }
        (None, None) => None,
    };
    match script {
        Some(s) => run_script(&session, &s, args.format).await,
        None => shell(&session, args.format).await,
    }
}

/// Runs every statement; stops at the first error.
async fn run_script(session: &StrataSession, script: &str, format: SqlFormat) -> Result<()> {
    let statements = split_statements(script);
    if statements.is_empty() {
        bail!("no SQL statement given");
    }
    let total = statements.len();
    for (i, stmt) in statements.iter().enumerate() {
        if let Err(e) = run_one(session, stmt, format, false).await {
            if total > 1 {
                bail!("statement {} of {total} failed: {e}", i + 1);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Runs one statement and prints its result; the spinner shows while it runs.
async fn run_one(
    session: &StrataSession,
    stmt: &str,
    format: SqlFormat,
    interactive: bool,
) -> Result<()> {
    let start = Instant::now();
    let spinner = spinner(interactive);
    let outcome = async {
        let r = session
            .execute(stmt)
            .await
            .map_err(|e| anyhow::anyhow!(user_message(&e)))?;
        collect(r).await
    };
    let result = if interactive {
        tokio::select! {
            r = outcome => r,
            _ = tokio::signal::ctrl_c() => {
                if let Some(s) = &spinner { s.finish_and_clear(); }
                eprintln!("cancelled after {:.3} s", start.elapsed().as_secs_f64());
                return Ok(());
            }
        }
    } else {
        outcome.await
    };
    if let Some(s) = &spinner {
        s.finish_and_clear();
    }
    let (kind, message, schema, batches) = result?;
    let elapsed = start.elapsed();
    print_result(kind, message.as_deref(), &schema, &batches, format, elapsed)
}

type Collected = (
    ResultKind,
    Option<String>,
    arrow::datatypes::SchemaRef,
    Vec<RecordBatch>,
);

async fn collect(mut r: StatementResult) -> Result<Collected> {
    let mut batches = Vec::new();
    while let Some(b) = r.stream.next().await {
        batches.push(b.map_err(|e| anyhow::anyhow!(user_message(&e)))?);
    }
    Ok((r.kind, r.message.take(), r.schema.clone(), batches))
}

fn spinner(interactive: bool) -> Option<indicatif::ProgressBar> {
    if !interactive || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} running… {elapsed}") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

fn print_result(
    kind: ResultKind,
    message: Option<&str>,
    schema: &arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
    format: SqlFormat,
    elapsed: Duration,
) -> Result<()> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let secs = elapsed.as_secs_f64();
    let mut out = std::io::stdout().lock();
    // Summaries go with the table; with json/csv stdout holds only data.
    let summary = |text: String, out: &mut dyn Write| -> Result<()> {
        if format == SqlFormat::Table {
            writeln!(out, "{text}")?;
        } else {
            eprintln!("{text}");
        }
        Ok(())
    };
    match kind {
        ResultKind::Done => {
            summary(
                format!("{} ({secs:.3} s)", message.unwrap_or("OK")),
                &mut out,
            )?;
        }
        ResultKind::Count => {
            let n = count_of(batches);
            let text = message
                .map(str::to_string)
                .unwrap_or_else(|| format!("{n} rows affected."));
            summary(format!("{text} ({secs:.3} s)"), &mut out)?;
        }
        ResultKind::Rows => {
            write_rows(&mut out, schema, batches, format)?;
            let noun = if rows == 1 { "row" } else { "rows" };
            summary(format!("{rows} {noun} in set ({secs:.3} s)"), &mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn count_of(batches: &[RecordBatch]) -> u64 {
    batches
        .first()
        .filter(|b| b.num_columns() == 1 && b.num_rows() == 1)
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<arrow::array::UInt64Array>()
                .map(|a| a.value(0))
        })
        .unwrap_or(0)
}

fn write_rows(
    out: &mut dyn Write,
    schema: &arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
    format: SqlFormat,
) -> Result<()> {
    match format {
        SqlFormat::Table => {
            if schema.fields().is_empty() {
                return Ok(());
            }
            let batches: Vec<RecordBatch> = if batches.is_empty() {
                vec![RecordBatch::new_empty(schema.clone())]
            } else {
                batches.to_vec()
            };
            let opts = arrow::util::display::FormatOptions::default().with_null("NULL");
            let table = arrow::util::pretty::pretty_format_batches_with_options(&batches, &opts)?;
            writeln!(out, "{table}")?;
        }
        SqlFormat::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        SqlFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            if batches.is_empty() {
                w.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            for b in batches {
                w.write(b)?;
            }
        }
    }
    Ok(())
}

const HELP: &str = "\
Statements end with ';' and may span lines. Paimon's SQL (Flink syntax) plus DataFusion's:
  CREATE DATABASE db;  USE db;  SHOW DATABASES;  SHOW TABLES;  DESCRIBE t;  SHOW CREATE TABLE t;
  CREATE TABLE t (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) PARTITIONED BY (…) WITH ('bucket' = '4');
  INSERT INTO t VALUES …;  INSERT OVERWRITE t PARTITION (k = 'v') SELECT …;  DELETE FROM t WHERE …;  UPDATE t SET …;
  SELECT * FROM t /*+ OPTIONS('scan.snapshot-id' = '3') */;  SELECT * FROM t VERSION AS OF 3;
  SELECT * FROM t$snapshots;  (also $schemas $options $files $manifests $partitions $buckets $tags $consumers $audit_log)
  CALL sys.compact('db.t');
Ctrl-C cancels a running statement (or clears the input); Ctrl-D or 'quit' leaves.";

fn history_path() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("STRATA_SQL_HISTORY") {
        return Some(p.into());
    }
    std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".strata_sql_history"))
}

/// The interactive shell.
async fn shell(session: &StrataSession, format: SqlFormat) -> Result<()> {
    use rustyline::error::ReadlineError;
    let mut rl = rustyline::DefaultEditor::new().context("cannot start the line editor")?;
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!(
        "strata sql — warehouse {} (type 'help' for help, Ctrl-D to quit)",
        session.catalog().location()
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            format!("{}> ", session.current_database())
        } else {
            "  -> ".to_string()
        };
        let line = tokio::task::block_in_place(|| rl.readline(&prompt));
        match line {
            Ok(line) => {
                if buffer.is_empty() {
                    match line.trim().trim_end_matches(';') {
                        "quit" | "exit" | "\\q" => break,
                        "help" | "\\h" | "?" => {
                            println!("{HELP}");
                            continue;
                        }
                        "" => continue,
                        _ => {}
                    }
                }
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(&line);
                if !is_complete(&buffer) {
                    continue;
                }
                let text = std::mem::take(&mut buffer);
                let _ = rl.add_history_entry(text.as_str());
                if let Some(h) = &history {
                    let _ = rl.save_history(h);
                }
                for stmt in split_statements(&text) {
                    if let Err(e) = run_one(session, &stmt, format, true).await {
                        eprintln!("error: {e}");
                        break;
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e).context("reading input"),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(())
}
