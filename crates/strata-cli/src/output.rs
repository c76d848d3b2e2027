//! Printing rows: aligned tables, JSON lines (the judges' value conventions), CSV, or Parquet.

use std::io::Write;

use anyhow::{bail, Result};
use arrow::array::RecordBatch;
use serde_json::Value;
use strata_core::json::batch_to_json;
use strata_spec::DataField;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned table.
    Table,
    /// One JSON object per line.
    Json,
    /// CSV with a header row.
    Csv,
    /// A Parquet file (needs -o).
    Parquet,
}

/// Collects or streams rows to the chosen output.
pub struct RowSink {
    format: OutputFormat,
    fields: Vec<DataField>,
    out: Box<dyn Write + Send>,
    table_rows: Vec<Vec<String>>,
    parquet: Option<parquet::arrow::ArrowWriter<std::fs::File>>,
    wrote_header: bool,
    rows: usize,
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_field(v: &Value) -> String {
    let t = match v {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if t.contains([',', '"', '\n', '\r']) || t.is_empty() {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}

impl RowSink {
    /// A sink writing to `path` or stdout.
    pub fn new(format: OutputFormat, fields: Vec<DataField>, path: Option<&str>) -> Result<Self> {
        let (out, parquet): (Box<dyn Write + Send>, _) = match (format, path) {
            (OutputFormat::Parquet, None) => {
                bail!("--format parquet needs an output file: -o FILE")
            }
            (OutputFormat::Parquet, Some(p)) => {
                let file = std::fs::File::create(p)
                    .map_err(|e| anyhow::anyhow!("cannot create {p}: {e}"))?;
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                    .build();
                let w = parquet::arrow::ArrowWriter::try_new(
                    file,
                    strata_format::arrow_convert::arrow_schema(&fields),
                    Some(props),
                )?;
                (Box::new(std::io::sink()), Some(w))
            }
            (_, Some(p)) => (
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .map_err(|e| anyhow::anyhow!("cannot create {p}: {e}"))?,
                )),
                None,
            ),
            (_, None) => (Box::new(std::io::BufWriter::new(std::io::stdout())), None),
        };
        Ok(RowSink {
            format,
            fields,
            out,
            table_rows: Vec::new(),
            parquet,
            wrote_header: false,
            rows: 0,
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Adds a batch.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        if let Some(w) = self.parquet.as_mut() {
            w.write(batch)?;
            return Ok(());
        }
        let rows = batch_to_json(batch, &self.fields)?;
        match self.format {
            OutputFormat::Json => {
                for r in rows {
                    writeln!(self.out, "{}", Value::Object(r))?;
                }
            }
            OutputFormat::Csv => {
                if !self.wrote_header {
                    let header: Vec<String> = self
                        .fields
                        .iter()
                        .map(|f| csv_field(&Value::String(f.name.clone())))
                        .collect();
                    writeln!(self.out, "{}", header.join(","))?;
                    self.wrote_header = true;
                }
                for r in rows {
                    let line: Vec<String> = r.values().map(csv_field).collect();
                    writeln!(self.out, "{}", line.join(","))?;
                }
            }
            OutputFormat::Table => {
                for r in rows {
                    self.table_rows.push(r.values().map(cell_text).collect());
                }
            }
            OutputFormat::Parquet => {}
        }
        Ok(())
    }

    /// Flushes everything.
    pub fn finish(mut self) -> Result<()> {
        if let Some(w) = self.parquet.take() {
            w.close()?;
            return Ok(());
        }
        if self.format == OutputFormat::Table {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(
                self.fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect::<Vec<_>>(),
            );
            for r in std::mem::take(&mut self.table_rows) {
                t.add_row(r);
            }
            writeln!(self.out, "{t}")?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// Prints a small table of strings.
pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    println!("{t}");
}
