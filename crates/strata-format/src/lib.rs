//! # strata-format — data files over Arrow
//!
//! Turns Arrow record batches into Paimon data files and back:
//!
//! ```text
//! RecordBatch ─▶ DataFileWriter (parquet | orc) ─▶ object store ─▶ WrittenFile {size, rows, stats}
//! object store ─▶ read_data_file (parquet | orc | avro) ─▶ stream of RecordBatch (canonical Arrow types)
//! ```
//!
//! * [`arrow_convert`]: the one mapping between Paimon types and Arrow types, and single values
//!   (`Datum`) in and out of Arrow arrays.
//! * [`writer`]: Parquet written the way Java Paimon 0.9 writes it (spec §7.1, §18): REQUIRED for
//!   NOT NULL, INT32/INT64 decimals up to precision 18, `element`/`key_value` names for lists and
//!   maps, zstd; ORC through orc-rust for the types it can write.
//! * [`reader`]: Parquet, ORC and Avro data files, columns matched by name, values cast to the
//!   canonical Arrow type of their Paimon type (INT96, fixed-length decimals, ORC CHAR padding, …).
//! * [`stats`]: per-column min / max / null count while writing.
//!
//! Private modules: `cast` (the body of [`arrow_convert::cast_to`]), `parquet` (Java's physical
//! schema, the encoder that also writes INT96, the reader), `orc`, `avro` (reader only) and
//! `sink` (streaming uploads through object_store's `BufWriter`).
//!
//! Decoder panics on damaged files (orc-rust has some) are caught and reported as
//! [`Error::Corrupt`]; this relies on the default `panic = "unwind"`.
//!
//! This crate knows nothing of snapshots, manifests or field-id mapping across schema versions:
//! the caller says which columns (by name, with their Paimon types) a file holds.
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

pub mod arrow_convert;
mod avro;
mod cast;
pub mod error;
mod orc;
mod parquet;
pub mod reader;
mod sink;
pub mod stats;
pub mod writer;

pub use error::{Error, Result};
pub use reader::{read_data_file, ReadOptions};
pub use stats::ColumnStats;
pub use writer::{DataFileWriter, FileFormat, WriterOptions, WrittenFile};
