//! Reading input files (Parquet, CSV with a header row, JSON lines) as batches of a table's
//! columns. Values are converted to the column types here, so a value that does not fit is
//! reported with its file, row and column.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType as ArrowType, Field, Schema};
use serde_json::Value;
use strata_core::json::{column_from_json, json_to_batch, Origin};
use strata_format::arrow_convert::{arrow_schema, cast_to, datums_to_array};
use strata_spec::datum::parse_literal;
use strata_spec::{DataField, Datum};

/// Rows per batch read from CSV / JSON.
const BATCH_ROWS: usize = 8192;

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Apache Parquet.
    Parquet,
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Json,
}

impl InputFormat {
    /// Guesses from the extension.
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            Some(InputFormat::Parquet)
        } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            Some(InputFormat::Csv)
        } else if lower.ends_with(".json")
            || lower.ends_with(".jsonl")
            || lower.ends_with(".ndjson")
        {
            Some(InputFormat::Json)
        } else {
            None
        }
    }
}

/// Streams batches of `fields` from a file (an iterator so memory stays bounded).
pub fn read_file(
    path: &str,
    format: InputFormat,
    fields: &[DataField],
) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>>>> {
    let file = File::open(path).with_context(|| format!("cannot open input file {path}"))?;
    let fields = fields.to_vec();
    let path = path.to_string();
    Ok(match format {
        InputFormat::Json => Box::new(JsonLines {
            lines: BufReader::new(file).lines(),
            line_no: 0,
            fields,
            path,
            done: false,
        }),
        InputFormat::Csv => {
            let mut reader = BufReader::new(file);
            let mut header = String::new();
            reader
                .read_line(&mut header)
                .with_context(|| format!("cannot read {path}"))?;
            let names: Vec<String> = csv_split(header.trim_end_matches(['\r', '\n']))
                .into_iter()
                .map(|s| s.trim().to_string())
                .collect();
            if names.iter().all(String::is_empty) {
                bail!("{path}: the first line must be a header with column names");
            }
            for n in &names {
                if !fields.iter().any(|f| &f.name == n) {
                    bail!("{path}: header column '{n}' is not a column of the table");
                }
            }
            let schema = Arc::new(Schema::new(
                names
                    .iter()
                    .map(|n| Field::new(n, ArrowType::Utf8, true))
                    .collect::<Vec<_>>(),
            ));
            let csv = arrow::csv::ReaderBuilder::new(schema)
                .with_header(false)
                .with_batch_size(BATCH_ROWS)
                .build(reader)
                .with_context(|| format!("cannot read CSV {path}"))?;
            let mut first_line = 2;
            Box::new(csv.map(move |b| {
                let b =
                    b.map_err(|e| anyhow!("{path}: malformed CSV near line {first_line}: {e}"))?;
                let out = csv_batch(&b, &fields, &path, first_line);
                first_line += b.num_rows();
                out
            }))
        }
        InputFormat::Parquet => {
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .with_context(|| format!("{path} is not a readable Parquet file"))?;
            let reader = builder
                .with_batch_size(BATCH_ROWS)
                .build()
                .with_context(|| format!("cannot read Parquet {path}"))?;
            let mut first_row = 1;
            Box::new(reader.map(move |b| {
                let b = b.map_err(|e| anyhow!("{path}: cannot decode Parquet: {e}"))?;
                let out = arrow_batch(&b, &fields, &path, first_row);
                first_row += b.num_rows();
                out
            }))
        }
    })
}

/// Splits one CSV line (quotes with doubled-quote escapes).
fn csv_split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(s) = out.last_mut() {
                    s.push('"');
                }
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            other => {
                if let Some(s) = out.last_mut() {
                    s.push(other)
                }
            }
        }
    }
    out
}

fn csv_batch(
    batch: &RecordBatch,
    fields: &[DataField],
    path: &str,
    first_line: usize,
) -> Result<RecordBatch> {
    let n = batch.num_rows();
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(fields.len());
    for f in fields {
        let Some(col) = batch.column_by_name(&f.name) else {
            cols.push(arrow::array::new_null_array(
                &strata_format::arrow_convert::arrow_type(&f.data_type),
                n,
            ));
            continue;
        };
        let text = col
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| anyhow!("internal: CSV column is not text"))?;
        let at = |i: usize, msg: String| {
            anyhow!("{path} line {}, column '{}': {msg}", first_line + i, f.name)
        };
        let arr = if f.data_type.is_nested() {
            let vals: Vec<Value> = (0..n)
                .map(|i| {
                    if text.is_null(i) || text.value(i).is_empty() {
                        Ok(Value::Null)
                    } else {
                        serde_json::from_str(text.value(i))
                            .map_err(|e| at(i, format!("not JSON: {e}")))
                    }
                })
                .collect::<Result<_>>()?;
            let refs: Vec<&Value> = vals.iter().collect();
            column_from_json(&f.data_type, &refs, &|i, m| {
                strata_core::Error::Invalid(at(i, m).to_string())
            })?
        } else {
            let datums = (0..n)
                .map(|i| {
                    if text.is_null(i) || (text.value(i).is_empty() && !f.data_type.is_string()) {
                        Ok(Datum::Null)
                    } else {
                        parse_literal(&f.data_type, text.value(i)).map_err(|m| at(i, m))
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            datums_to_array(&f.data_type, &datums)?
        };
        check_not_null(&arr, f, &|i| format!("{path} line {}", first_line + i))?;
        cols.push(arr);
    }
    Ok(RecordBatch::try_new(arrow_schema(fields), cols)?)
}

fn arrow_batch(
    batch: &RecordBatch,
    fields: &[DataField],
    path: &str,
    first_row: usize,
) -> Result<RecordBatch> {
    for f in batch.schema().fields() {
        if !fields.iter().any(|x| &x.name == f.name()) {
            bail!("{path}: column '{}' is not a column of the table", f.name());
        }
    }
    let n = batch.num_rows();
    let mut cols = Vec::with_capacity(fields.len());
    for f in fields {
        let arr = match batch.column_by_name(&f.name) {
            None => arrow::array::new_null_array(
                &strata_format::arrow_convert::arrow_type(&f.data_type),
                n,
            ),
            Some(col) => match cast_to(col, &f.data_type) {
                Ok(a) => a,
                Err(e) => {
                    let row = (0..n).find(|i| cast_to(&col.slice(*i, 1), &f.data_type).is_err());
                    match row {
                        Some(i) => bail!(
                            "{path} row {}, column '{}': value does not fit {}: {e}",
                            first_row + i,
                            f.name,
                            f.data_type
                        ),
                        None => bail!(
                            "{path}, column '{}': cannot store {} as {}: {e}",
                            f.name,
                            col.data_type(),
                            f.data_type
                        ),
                    }
                }
            },
        };
        check_not_null(&arr, f, &|i| format!("{path} row {}", first_row + i))?;
        cols.push(arr);
    }
    Ok(RecordBatch::try_new(arrow_schema(fields), cols)?)
}

fn check_not_null(arr: &ArrayRef, f: &DataField, at: &dyn Fn(usize) -> String) -> Result<()> {
    if !f.data_type.nullable && arr.null_count() > 0 {
        let i = (0..arr.len()).find(|i| arr.is_null(*i)).unwrap_or(0);
        bail!("{}, column '{}': null in a NOT NULL column", at(i), f.name);
    }
    Ok(())
}

struct JsonLines {
    lines: std::io::Lines<BufReader<File>>,
    line_no: usize,
    fields: Vec<DataField>,
    path: String,
    done: bool,
}

impl Iterator for JsonLines {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut rows = Vec::new();
        let mut first = None;
        while rows.len() < BATCH_ROWS {
            match self.lines.next() {
                None => {
                    self.done = true;
                    break;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(anyhow!("cannot read {}: {e}", self.path)));
                }
                Some(Ok(line)) => {
                    self.line_no += 1;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match serde_json::from_str::<Value>(&line) {
                        Ok(v) => {
                            first.get_or_insert(self.line_no);
                            rows.push(v);
                        }
                        Err(e) => {
                            self.done = true;
                            return Some(Err(anyhow!(
                                "{} line {}: not valid JSON: {e}",
                                self.path,
                                self.line_no
                            )));
                        }
                    }
                }
            }
        }
        if rows.is_empty() {
            return None;
        }
        // JSON-lines rows are reported by line number (exact when no blank lines intervene).
        Some(
            json_to_batch(
                &rows,
                &self.fields,
                Origin {
                    source: &self.path,
                    first_row: first.unwrap_or(1),
                },
            )
            .map_err(anyhow::Error::from),
        )
    }
}
