//! Manifest lists, manifest files and index manifests: Avro object container files (spec §4).
//!
//! Writing uses Java's newest record layout and names (so Java 0.9 and pypaimon 2.1 both read
//! what we write); reading resolves every field **by name** against the writer schema stored in
//! the file, unwraps unions and treats missing fields as absent, so the shapes written by Flink
//! Table Store 0.2, Java Paimon 0.x–2.x and pypaimon all decode.
//!
//! ```text
//! snapshot ─▶ manifest list (ManifestFileMeta*) ─▶ manifest (ManifestEntry*) ─▶ DataFileMeta
//! ```
//!
//! Reference: `ManifestFileMeta`, `ManifestEntry`, `DataFileMeta`, `IndexManifestEntry` and
//! their `*Serializer`s (Paimon 0.9 / 1.x).

use std::sync::OnceLock;

use apache_avro::types::Value;
use apache_avro::{Codec, Reader, Schema, Writer};
use serde::{Deserialize, Serialize};

use crate::avro_util::{none, opt, some, unwrap, Rec};
use crate::data_file::{DataFileMeta, FileSource};
use crate::error::{Error, Result};
use crate::stats::SimpleStats;

/// `_VERSION` of manifest entries and manifest-file metas.
pub const MANIFEST_FORMAT_VERSION: i32 = 2;
/// `_VERSION` of index manifest entries.
pub const INDEX_MANIFEST_FORMAT_VERSION: i32 = 1;

const STATS_FIELDS: &str = r#"[
 {"name":"_MIN_VALUES","type":"bytes"},
 {"name":"_MAX_VALUES","type":"bytes"},
 {"name":"_NULL_COUNTS","type":["null",{"type":"array","items":["null","long"]}],"default":null}]"#;

fn manifest_list_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let json = format!(
            r#"{{"type":"record","name":"record","namespace":"org.apache.paimon.avro.generated","fields":[
 {{"name":"_VERSION","type":"int"}},
 {{"name":"_FILE_NAME","type":"string"}},
 {{"name":"_FILE_SIZE","type":"long"}},
 {{"name":"_NUM_ADDED_FILES","type":"long"}},
 {{"name":"_NUM_DELETED_FILES","type":"long"}},
 {{"name":"_PARTITION_STATS","type":{{"type":"record","name":"record__PARTITION_STATS","fields":{STATS_FIELDS}}}}},
 {{"name":"_SCHEMA_ID","type":"long"}},
 {{"name":"_MIN_BUCKET","type":["null","int"],"default":null}},
 {{"name":"_MAX_BUCKET","type":["null","int"],"default":null}},
 {{"name":"_MIN_LEVEL","type":["null","int"],"default":null}},
 {{"name":"_MAX_LEVEL","type":["null","int"],"default":null}},
 {{"name":"_MIN_ROW_ID","type":["null","long"],"default":null}},
 {{"name":"_MAX_ROW_ID","type":["null","long"],"default":null}}]}}"#
        );
        #[allow(clippy::expect_used)]
        Schema::parse_str(&json).expect("the manifest list schema is valid Avro")
    })
}

fn manifest_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let json = format!(
            r#"{{"type":"record","name":"record","namespace":"org.apache.paimon.avro.generated","fields":[
 {{"name":"_VERSION","type":"int"}},
 {{"name":"_KIND","type":"int"}},
 {{"name":"_PARTITION","type":"bytes"}},
 {{"name":"_BUCKET","type":"int"}},
 {{"name":"_TOTAL_BUCKETS","type":"int"}},
 {{"name":"_FILE","type":{{"type":"record","name":"record__FILE","fields":[
   {{"name":"_FILE_NAME","type":"string"}},
   {{"name":"_FILE_SIZE","type":"long"}},
   {{"name":"_ROW_COUNT","type":"long"}},
   {{"name":"_MIN_KEY","type":"bytes"}},
   {{"name":"_MAX_KEY","type":"bytes"}},
   {{"name":"_KEY_STATS","type":{{"type":"record","name":"record__FILE__KEY_STATS","fields":{STATS_FIELDS}}}}},
   {{"name":"_VALUE_STATS","type":{{"type":"record","name":"record__FILE__VALUE_STATS","fields":{STATS_FIELDS}}}}},
   {{"name":"_MIN_SEQUENCE_NUMBER","type":"long"}},
   {{"name":"_MAX_SEQUENCE_NUMBER","type":"long"}},
   {{"name":"_SCHEMA_ID","type":"long"}},
   {{"name":"_LEVEL","type":"int"}},
   {{"name":"_EXTRA_FILES","type":{{"type":"array","items":"string"}}}},
   {{"name":"_CREATION_TIME","type":["null",{{"type":"long","logicalType":"timestamp-millis"}}],"default":null}},
   {{"name":"_DELETE_ROW_COUNT","type":["null","long"],"default":null}},
   {{"name":"_EMBEDDED_FILE_INDEX","type":["null","bytes"],"default":null}},
   {{"name":"_FILE_SOURCE","type":["null","int"],"default":null}},
   {{"name":"_VALUE_STATS_COLS","type":["null",{{"type":"array","items":"string"}}],"default":null}},
   {{"name":"_EXTERNAL_PATH","type":["null","string"],"default":null}},
   {{"name":"_FIRST_ROW_ID","type":["null","long"],"default":null}},
   {{"name":"_WRITE_COLS","type":["null",{{"type":"array","items":"string"}}],"default":null}}]}}}}]}}"#
        );
        #[allow(clippy::expect_used)]
        Schema::parse_str(&json).expect("the manifest schema is valid Avro")
    })
}

fn index_manifest_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let json = r#"{"type":"record","name":"record","namespace":"org.apache.paimon.avro.generated","fields":[
 {"name":"_VERSION","type":"int"},
 {"name":"_KIND","type":"int"},
 {"name":"_PARTITION","type":"bytes"},
 {"name":"_BUCKET","type":"int"},
 {"name":"_INDEX_TYPE","type":"string"},
 {"name":"_FILE_NAME","type":"string"},
 {"name":"_FILE_SIZE","type":"long"},
 {"name":"_ROW_COUNT","type":"long"},
 {"name":"_DELETIONS_VECTORS_RANGES","type":["null",{"type":"array","items":{"type":"record","name":"record__DELETIONS_VECTORS_RANGES","fields":[
    {"name":"f0","type":"string"},{"name":"f1","type":"int"},{"name":"f2","type":"int"},
    {"name":"_CARDINALITY","type":["null","long"],"default":null}]}}],"default":null},
 {"name":"_EXTERNAL_PATH","type":["null","string"],"default":null}]}"#;
        #[allow(clippy::expect_used)]
        Schema::parse_str(json).expect("the index manifest schema is valid Avro")
    })
}

/// Avro codec of manifest files (`manifest.compression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ManifestCompression {
    /// `zstandard` (Paimon's default since 0.9).
    #[default]
    Zstd,
    /// `snappy` (Paimon ≤ 0.8).
    Snappy,
    /// `deflate`
    Deflate,
    /// `null`
    None,
}

impl ManifestCompression {
    /// Parses the option value (`zstd`, `snappy`, `deflate`, `gzip`, `none`/`null`/`uncompressed`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zstd" | "zstandard" => Some(Self::Zstd),
            "snappy" => Some(Self::Snappy),
            "deflate" | "gzip" | "zlib" => Some(Self::Deflate),
            "none" | "null" | "uncompressed" => Some(Self::None),
            _ => None,
        }
    }

    fn codec(self) -> Codec {
        match self {
            Self::Zstd => Codec::Zstandard(apache_avro::ZstandardSettings::new(1)),
            Self::Snappy => Codec::Snappy,
            Self::Deflate => Codec::Deflate(Default::default()),
            Self::None => Codec::Null,
        }
    }
}

/// ADD or DELETE of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileKind {
    /// The file becomes live.
    Add,
    /// The file stops being live.
    Delete,
}

impl FileKind {
    fn as_i32(self) -> i32 {
        match self {
            FileKind::Add => 0,
            FileKind::Delete => 1,
        }
    }
}

/// One entry of a manifest file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// ADD / DELETE.
    pub kind: FileKind,
    /// Serialized partition BinaryRow (with arity prefix).
    pub partition: Vec<u8>,
    /// Bucket number.
    pub bucket: i32,
    /// Buckets of the partition when written (-1 unaware/dynamic, -2 postpone).
    pub total_buckets: i32,
    /// The file.
    pub file: DataFileMeta,
}

/// Identity of an entry for folding ADD/DELETE (spec §4.6), borrowed from the entry: the
/// ADD and DELETE entries of one file have equal keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryKey<'a> {
    /// Partition bytes.
    pub partition: &'a [u8],
    /// Bucket.
    pub bucket: i32,
    /// Level.
    pub level: i32,
    /// File name.
    pub file_name: &'a str,
    /// Extra files.
    pub extra_files: &'a [String],
    /// Embedded index.
    pub embedded_index: Option<&'a [u8]>,
    /// External path.
    pub external_path: Option<&'a str>,
}

impl ManifestEntry {
    /// The folding identity of this entry.
    pub fn key(&self) -> EntryKey<'_> {
        EntryKey {
            partition: &self.partition,
            bucket: self.bucket,
            level: self.file.level,
            file_name: &self.file.file_name,
            extra_files: &self.file.extra_files,
            embedded_index: self.file.embedded_index.as_deref(),
            external_path: self.file.external_path.as_deref(),
        }
    }

    /// A copy of this entry with another kind (DELETE entries copy their ADD entry).
    pub fn with_kind(&self, kind: FileKind) -> Self {
        let mut e = self.clone();
        e.kind = kind;
        e
    }
}

/// One entry of a manifest list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFileMeta {
    /// Manifest file name in `manifest/`.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// ADD entries in it.
    pub num_added_files: i64,
    /// DELETE entries in it.
    pub num_deleted_files: i64,
    /// Stats of the partition values of its entries.
    pub partition_stats: SimpleStats,
    /// Schema id it was written with.
    pub schema_id: i64,
    /// Smallest bucket (Paimon ≥1.1).
    pub min_bucket: Option<i32>,
    /// Largest bucket.
    pub max_bucket: Option<i32>,
    /// Smallest level.
    pub min_level: Option<i32>,
    /// Largest level.
    pub max_level: Option<i32>,
    /// Row tracking.
    pub min_row_id: Option<i64>,
    /// Row tracking.
    pub max_row_id: Option<i64>,
}

/// Deletion-vector location of one data file inside an index file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionVectorMeta {
    /// Data file name.
    pub data_file: String,
    /// Offset in the index file.
    pub offset: i32,
    /// Length in bytes.
    pub length: i32,
    /// Deleted rows.
    pub cardinality: Option<i64>,
}

/// One entry of an index manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexManifestEntry {
    /// ADD (DELETE only inside commit messages).
    pub kind: FileKind,
    /// Serialized partition.
    pub partition: Vec<u8>,
    /// Bucket.
    pub bucket: i32,
    /// `HASH` or `DELETION_VECTORS`.
    pub index_type: String,
    /// File name in `index/`.
    pub file_name: String,
    /// Size in bytes.
    pub file_size: i64,
    /// HASH: number of hashes; DV: number of data files covered.
    pub row_count: i64,
    /// DV ranges.
    pub dv_ranges: Option<Vec<DeletionVectorMeta>>,
    /// External path (≥1.3).
    pub external_path: Option<String>,
}

/// Index type of dynamic-bucket hash indexes.
pub const HASH_INDEX: &str = "HASH";
/// Index type of deletion vectors.
pub const DELETION_VECTORS_INDEX: &str = "DELETION_VECTORS";

// ---------------------------------------------------------------------------------------------
// encoding

fn stats_value(s: &SimpleStats) -> Value {
    Value::Record(vec![
        ("_MIN_VALUES".into(), Value::Bytes(s.min_values.clone())),
        ("_MAX_VALUES".into(), Value::Bytes(s.max_values.clone())),
        (
            "_NULL_COUNTS".into(),
            opt(s.null_counts.as_ref(), |v| {
                Value::Array(v.iter().map(|c| opt(*c, Value::Long)).collect())
            }),
        ),
    ])
}

fn string_array(v: &[String]) -> Value {
    Value::Array(v.iter().map(|s| Value::String(s.clone())).collect())
}

fn file_value(f: &DataFileMeta) -> Value {
    Value::Record(vec![
        ("_FILE_NAME".into(), Value::String(f.file_name.clone())),
        ("_FILE_SIZE".into(), Value::Long(f.file_size)),
        ("_ROW_COUNT".into(), Value::Long(f.row_count)),
        ("_MIN_KEY".into(), Value::Bytes(f.min_key.clone())),
        ("_MAX_KEY".into(), Value::Bytes(f.max_key.clone())),
        ("_KEY_STATS".into(), stats_value(&f.key_stats)),
        ("_VALUE_STATS".into(), stats_value(&f.value_stats)),
        (
            "_MIN_SEQUENCE_NUMBER".into(),
            Value::Long(f.min_sequence_number),
        ),
        (
            "_MAX_SEQUENCE_NUMBER".into(),
            Value::Long(f.max_sequence_number),
        ),
        ("_SCHEMA_ID".into(), Value::Long(f.schema_id)),
        ("_LEVEL".into(), Value::Int(f.level)),
        ("_EXTRA_FILES".into(), string_array(&f.extra_files)),
        (
            "_CREATION_TIME".into(),
            opt(f.creation_time, Value::TimestampMillis),
        ),
        (
            "_DELETE_ROW_COUNT".into(),
            opt(f.delete_row_count, Value::Long),
        ),
        (
            "_EMBEDDED_FILE_INDEX".into(),
            opt(f.embedded_index.clone(), Value::Bytes),
        ),
        (
            "_FILE_SOURCE".into(),
            opt(f.file_source, |s| Value::Int(s.as_i32())),
        ),
        (
            "_VALUE_STATS_COLS".into(),
            opt(f.value_stats_cols.as_deref(), string_array),
        ),
        (
            "_EXTERNAL_PATH".into(),
            opt(f.external_path.clone(), Value::String),
        ),
        ("_FIRST_ROW_ID".into(), opt(f.first_row_id, Value::Long)),
        (
            "_WRITE_COLS".into(),
            opt(f.write_cols.as_deref(), string_array),
        ),
    ])
}

fn write_container(
    schema: &Schema,
    values: Vec<Value>,
    compression: ManifestCompression,
) -> Result<Vec<u8>> {
    let mut w = Writer::with_codec(schema, Vec::new(), compression.codec())
        .map_err(|e| Error::invalid("manifest", format!("cannot start an Avro container: {e}")))?;
    for v in values {
        w.append_value(v)
            .map_err(|e| Error::invalid("manifest", format!("cannot encode a record: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::invalid("manifest", format!("cannot finish an Avro container: {e}")))
}

/// Encodes a manifest file.
///
/// # Errors
/// [`Error::Invalid`] if a record does not fit the schema (a bug of ours).
pub fn encode_manifest(
    entries: &[ManifestEntry],
    compression: ManifestCompression,
) -> Result<Vec<u8>> {
    let values = entries
        .iter()
        .map(|e| {
            Value::Record(vec![
                ("_VERSION".into(), Value::Int(MANIFEST_FORMAT_VERSION)),
                ("_KIND".into(), Value::Int(e.kind.as_i32())),
                ("_PARTITION".into(), Value::Bytes(e.partition.clone())),
                ("_BUCKET".into(), Value::Int(e.bucket)),
                ("_TOTAL_BUCKETS".into(), Value::Int(e.total_buckets)),
                ("_FILE".into(), file_value(&e.file)),
            ])
        })
        .collect();
    write_container(manifest_schema(), values, compression)
}

/// Encodes a manifest list.
///
/// # Errors
/// As [`encode_manifest`].
pub fn encode_manifest_list(
    metas: &[ManifestFileMeta],
    compression: ManifestCompression,
) -> Result<Vec<u8>> {
    let values = metas
        .iter()
        .map(|m| {
            Value::Record(vec![
                ("_VERSION".into(), Value::Int(MANIFEST_FORMAT_VERSION)),
                ("_FILE_NAME".into(), Value::String(m.file_name.clone())),
                ("_FILE_SIZE".into(), Value::Long(m.file_size)),
                ("_NUM_ADDED_FILES".into(), Value::Long(m.num_added_files)),
                (
                    "_NUM_DELETED_FILES".into(),
                    Value::Long(m.num_deleted_files),
                ),
                ("_PARTITION_STATS".into(), stats_value(&m.partition_stats)),
                ("_SCHEMA_ID".into(), Value::Long(m.schema_id)),
                ("_MIN_BUCKET".into(), opt(m.min_bucket, Value::Int)),
                ("_MAX_BUCKET".into(), opt(m.max_bucket, Value::Int)),
                ("_MIN_LEVEL".into(), opt(m.min_level, Value::Int)),
                ("_MAX_LEVEL".into(), opt(m.max_level, Value::Int)),
                ("_MIN_ROW_ID".into(), opt(m.min_row_id, Value::Long)),
                ("_MAX_ROW_ID".into(), opt(m.max_row_id, Value::Long)),
            ])
        })
        .collect();
    write_container(manifest_list_schema(), values, compression)
}

/// Encodes an index manifest.
///
/// # Errors
/// As [`encode_manifest`].
pub fn encode_index_manifest(
    entries: &[IndexManifestEntry],
    compression: ManifestCompression,
) -> Result<Vec<u8>> {
    let values = entries
        .iter()
        .map(|e| {
            Value::Record(vec![
                ("_VERSION".into(), Value::Int(INDEX_MANIFEST_FORMAT_VERSION)),
                ("_KIND".into(), Value::Int(e.kind.as_i32())),
                ("_PARTITION".into(), Value::Bytes(e.partition.clone())),
                ("_BUCKET".into(), Value::Int(e.bucket)),
                ("_INDEX_TYPE".into(), Value::String(e.index_type.clone())),
                ("_FILE_NAME".into(), Value::String(e.file_name.clone())),
                ("_FILE_SIZE".into(), Value::Long(e.file_size)),
                ("_ROW_COUNT".into(), Value::Long(e.row_count)),
                (
                    "_DELETIONS_VECTORS_RANGES".into(),
                    match &e.dv_ranges {
                        None => none(),
                        Some(r) => some(Value::Array(
                            r.iter()
                                .map(|d| {
                                    Value::Record(vec![
                                        ("f0".into(), Value::String(d.data_file.clone())),
                                        ("f1".into(), Value::Int(d.offset)),
                                        ("f2".into(), Value::Int(d.length)),
                                        ("_CARDINALITY".into(), opt(d.cardinality, Value::Long)),
                                    ])
                                })
                                .collect(),
                        )),
                    },
                ),
                (
                    "_EXTERNAL_PATH".into(),
                    opt(e.external_path.clone(), Value::String),
                ),
            ])
        })
        .collect();
    write_container(index_manifest_schema(), values, compression)
}

// ---------------------------------------------------------------------------------------------
// decoding

/// Decodes every record of an Avro container with `decode`, one at a time (each generic value
/// is dropped as soon as it is converted).
fn read_container<T>(
    bytes: &[u8],
    what: &'static str,
    mut decode: impl FnMut(&Value) -> Result<T>,
) -> Result<Vec<T>> {
    let reader = Reader::new(bytes)
        .map_err(|e| Error::corrupt(what, format!("not a readable Avro container: {e}")))?;
    reader
        .map(|v| {
            let v = v.map_err(|e| Error::corrupt(what, format!("cannot decode a record: {e}")))?;
            decode(&v)
        })
        .collect()
}

fn check_version(r: &Rec<'_>, expected: i32, what: &'static str) -> Result<()> {
    // Table Store 0.2 manifests already carry _VERSION = 2; absent means a hand-made file.
    match r.opt_i32("_VERSION")? {
        None => Ok(()),
        Some(v) if v == expected => Ok(()),
        Some(v) => Err(Error::corrupt(
            what,
            format!("format identifier _VERSION = {v}, expected {expected} (written by an unsupported Paimon version)"),
        )),
    }
}

fn decode_stats(r: &Rec<'_>) -> Result<SimpleStats> {
    let null_counts = match r.opt_array("_NULL_COUNTS")? {
        None => None,
        Some(items) => Some(
            items
                .iter()
                .map(|v| match unwrap(v) {
                    Value::Null => Ok(None),
                    Value::Long(l) => Ok(Some(*l)),
                    Value::Int(i) => Ok(Some(*i as i64)),
                    _ => Err(Error::corrupt("manifest", "null count is not a long")),
                })
                .collect::<Result<Vec<_>>>()?,
        ),
    };
    Ok(SimpleStats {
        min_values: r.bytes("_MIN_VALUES")?,
        max_values: r.bytes("_MAX_VALUES")?,
        null_counts,
    })
}

fn decode_file(r: &Rec<'_>) -> Result<DataFileMeta> {
    Ok(DataFileMeta {
        file_name: r.string("_FILE_NAME")?,
        file_size: r.i64("_FILE_SIZE")?,
        row_count: r.i64("_ROW_COUNT")?,
        min_key: r.bytes("_MIN_KEY")?,
        max_key: r.bytes("_MAX_KEY")?,
        key_stats: decode_stats(&r.record("_KEY_STATS")?)?,
        value_stats: decode_stats(&r.record("_VALUE_STATS")?)?,
        min_sequence_number: r.i64("_MIN_SEQUENCE_NUMBER")?,
        max_sequence_number: r.i64("_MAX_SEQUENCE_NUMBER")?,
        schema_id: r.i64("_SCHEMA_ID")?,
        level: r.i32("_LEVEL")?,
        extra_files: r.opt_string_array("_EXTRA_FILES")?.unwrap_or_default(),
        creation_time: r.opt_i64("_CREATION_TIME")?,
        delete_row_count: r.opt_i64("_DELETE_ROW_COUNT")?,
        embedded_index: r.opt_bytes("_EMBEDDED_FILE_INDEX")?,
        file_source: r.opt_i32("_FILE_SOURCE")?.and_then(FileSource::from_i32),
        value_stats_cols: r.opt_string_array("_VALUE_STATS_COLS")?,
        external_path: r.opt_string("_EXTERNAL_PATH")?,
        first_row_id: r.opt_i64("_FIRST_ROW_ID")?,
        write_cols: r.opt_string_array("_WRITE_COLS")?,
    })
}

fn decode_kind(v: i32, what: &'static str) -> Result<FileKind> {
    match v {
        0 => Ok(FileKind::Add),
        1 => Ok(FileKind::Delete),
        other => Err(Error::corrupt(what, format!("unknown _KIND {other}"))),
    }
}

/// Decodes a manifest file.
///
/// # Errors
/// [`Error::Corrupt`] when the bytes are not a manifest Paimon could have written.
pub fn decode_manifest(bytes: &[u8]) -> Result<Vec<ManifestEntry>> {
    read_container(bytes, "manifest file", |v| {
        let r = Rec::new(v, "manifest file")?;
        check_version(&r, MANIFEST_FORMAT_VERSION, "manifest file")?;
        Ok(ManifestEntry {
            kind: decode_kind(r.i32("_KIND")?, "manifest file")?,
            partition: r.bytes("_PARTITION")?,
            bucket: r.i32("_BUCKET")?,
            total_buckets: r.i32("_TOTAL_BUCKETS")?,
            file: decode_file(&r.record("_FILE")?)?,
        })
    })
}

/// Decodes a manifest list.
///
/// # Errors
/// [`Error::Corrupt`] when the bytes are not a manifest list.
pub fn decode_manifest_list(bytes: &[u8]) -> Result<Vec<ManifestFileMeta>> {
    read_container(bytes, "manifest list", |v| {
        let r = Rec::new(v, "manifest list")?;
        check_version(&r, MANIFEST_FORMAT_VERSION, "manifest list")?;
        Ok(ManifestFileMeta {
            file_name: r.string("_FILE_NAME")?,
            file_size: r.i64("_FILE_SIZE")?,
            num_added_files: r.i64("_NUM_ADDED_FILES")?,
            num_deleted_files: r.i64("_NUM_DELETED_FILES")?,
            partition_stats: decode_stats(&r.record("_PARTITION_STATS")?)?,
            schema_id: r.i64("_SCHEMA_ID")?,
            min_bucket: r.opt_i32("_MIN_BUCKET")?,
            max_bucket: r.opt_i32("_MAX_BUCKET")?,
            min_level: r.opt_i32("_MIN_LEVEL")?,
            max_level: r.opt_i32("_MAX_LEVEL")?,
            min_row_id: r.opt_i64("_MIN_ROW_ID")?,
            max_row_id: r.opt_i64("_MAX_ROW_ID")?,
        })
    })
}

/// Decodes an index manifest.
///
/// # Errors
/// [`Error::Corrupt`] when the bytes are not an index manifest.
pub fn decode_index_manifest(bytes: &[u8]) -> Result<Vec<IndexManifestEntry>> {
    read_container(bytes, "index manifest", |v| {
        let r = Rec::new(v, "index manifest")?;
        check_version(&r, INDEX_MANIFEST_FORMAT_VERSION, "index manifest")?;
        let dv_ranges = match r.opt_array("_DELETIONS_VECTORS_RANGES")? {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .map(|it| {
                        let d = Rec::new(it, "index manifest")?;
                        Ok(DeletionVectorMeta {
                            data_file: d.string("f0")?,
                            offset: d.i32("f1")?,
                            length: d.i32("f2")?,
                            cardinality: d.opt_i64("_CARDINALITY")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(IndexManifestEntry {
            kind: decode_kind(r.i32("_KIND")?, "index manifest")?,
            partition: r.bytes("_PARTITION")?,
            bucket: r.i32("_BUCKET")?,
            index_type: r.string("_INDEX_TYPE")?,
            file_name: r.string("_FILE_NAME")?,
            file_size: r.i64("_FILE_SIZE")?,
            row_count: r.i64("_ROW_COUNT")?,
            dv_ranges,
            external_path: r.opt_string("_EXTERNAL_PATH")?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary_row::EMPTY_SERIALIZED_ROW;

    pub(crate) fn sample_file(name: &str) -> DataFileMeta {
        DataFileMeta {
            file_name: name.into(),
            file_size: 1234,
            row_count: 3,
            min_key: EMPTY_SERIALIZED_ROW.to_vec(),
            max_key: EMPTY_SERIALIZED_ROW.to_vec(),
            key_stats: SimpleStats::empty(),
            value_stats: SimpleStats::empty(),
            min_sequence_number: 0,
            max_sequence_number: 2,
            schema_id: 0,
            level: 0,
            extra_files: vec![],
            creation_time: Some(1_700_000_000_000),
            delete_row_count: Some(0),
            embedded_index: None,
            file_source: Some(FileSource::Append),
            value_stats_cols: Some(vec![]),
            external_path: None,
            first_row_id: None,
            write_cols: None,
        }
    }

    #[test]
    fn manifest_round_trip_every_codec() {
        let entries = vec![
            ManifestEntry {
                kind: FileKind::Add,
                partition: EMPTY_SERIALIZED_ROW.to_vec(),
                bucket: 0,
                total_buckets: -1,
                file: sample_file("data-1.parquet"),
            },
            ManifestEntry {
                kind: FileKind::Delete,
                partition: EMPTY_SERIALIZED_ROW.to_vec(),
                bucket: 1,
                total_buckets: 2,
                file: sample_file("data-2.parquet"),
            },
        ];
        for c in [
            ManifestCompression::Zstd,
            ManifestCompression::Snappy,
            ManifestCompression::Deflate,
            ManifestCompression::None,
        ] {
            let bytes = encode_manifest(&entries, c).unwrap();
            assert_eq!(decode_manifest(&bytes).unwrap(), entries);
        }
    }

    #[test]
    fn garbage_is_corrupt_not_panic() {
        assert!(decode_manifest(b"not avro at all").is_err());
        assert!(decode_manifest_list(&[]).is_err());
        let good = encode_manifest_list(&[], ManifestCompression::Zstd).unwrap();
        for cut in [1, good.len() / 2, good.len() - 1] {
            let _ = decode_manifest_list(&good[..cut]);
        }
    }
}
