//! Table options (spec §14): every key Strata understands, spelled as Paimon spells it, with its
//! default, its value type and a doc line; typed getters; and validation that rejects unknown
//! keys and malformed values with a message naming the key and the expected form.
//!
//! Options are kept as strings in the schema. Tables written elsewhere may carry options we do
//! not know: reading never validates, only `create`/`alter` do.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Error, Result};

/// What an option's value must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    Long,
    /// `true` / `false`.
    Bool,
    /// A floating point number.
    Double,
    /// A size like `128 mb`.
    MemorySize,
    /// A duration like `1 h` or `30 min`.
    Duration,
    /// One of the listed words (case-insensitive).
    Enum(&'static [&'static str]),
    /// Free text.
    Str,
}

/// One known option.
#[derive(Debug, Clone, Copy)]
pub struct OptionDef {
    /// Key, exactly as Paimon spells it.
    pub key: &'static str,
    /// Value type.
    pub ty: OptionType,
    /// Default value as text (`None` = unset).
    pub default: Option<&'static str>,
    /// One-line description.
    pub doc: &'static str,
}

macro_rules! opt {
    ($key:expr, $ty:expr, $default:expr, $doc:expr) => {
        OptionDef {
            key: $key,
            ty: $ty,
            default: $default,
            doc: $doc,
        }
    };
}

use OptionType::*;

/// `merge-engine` values.
pub const MERGE_ENGINES: &[&str] = &["deduplicate", "partial-update", "aggregation", "first-row"];
/// `changelog-producer` values.
pub const CHANGELOG_PRODUCERS: &[&str] = &["none", "input", "lookup", "full-compaction"];
/// `file.format` values.
pub const FILE_FORMATS: &[&str] = &["parquet", "orc", "avro"];
/// `scan.mode` values.
pub const SCAN_MODES: &[&str] = &[
    "default",
    "latest-full",
    "full",
    "latest",
    "latest-delta",
    "compacted-full",
    "from-timestamp",
    "from-snapshot",
    "from-snapshot-full",
    "from-file-creation-time",
    "incremental",
];

/// Every option Strata knows.
pub static OPTIONS: &[OptionDef] = &[
    opt!(
        "bucket",
        Int,
        Some("-1"),
        "number of buckets; -1 = bucket-unaware (append) or dynamic (primary key)"
    ),
    opt!(
        "bucket-key",
        Str,
        None,
        "comma-separated bucket key columns"
    ),
    opt!(
        "bucket-function.type",
        Enum(&["default"]),
        Some("default"),
        "bucket function"
    ),
    opt!("primary-key", Str, None, "primary key columns (DDL helper)"),
    opt!("partition", Str, None, "partition columns (DDL helper)"),
    opt!(
        "file.format",
        Enum(FILE_FORMATS),
        Some("parquet"),
        "data file format"
    ),
    opt!(
        "file.format.per.level",
        Str,
        None,
        "level:format,... overrides"
    ),
    opt!(
        "file.compression",
        Enum(&[
            "zstd",
            "snappy",
            "lz4",
            "gzip",
            "none",
            "uncompressed",
            "lzo",
            "brotli"
        ]),
        Some("zstd"),
        "data file compression"
    ),
    opt!(
        "file.compression.zstd-level",
        Int,
        Some("1"),
        "zstd level of data files"
    ),
    opt!(
        "file.compression.per.level",
        Str,
        None,
        "level:compression,... overrides"
    ),
    opt!(
        "manifest.format",
        Enum(&["avro"]),
        Some("avro"),
        "manifest format"
    ),
    opt!(
        "manifest.compression",
        Enum(&[
            "zstd",
            "snappy",
            "deflate",
            "gzip",
            "none",
            "null",
            "uncompressed"
        ]),
        Some("zstd"),
        "manifest Avro codec"
    ),
    opt!(
        "manifest.target-file-size",
        MemorySize,
        Some("8 mb"),
        "target size of manifest files"
    ),
    opt!(
        "manifest.merge-min-count",
        Int,
        Some("30"),
        "manifests merged at least this many at a time"
    ),
    opt!(
        "manifest.full-compaction-threshold-size",
        MemorySize,
        Some("16 mb"),
        "full manifest compaction threshold"
    ),
    opt!(
        "target-file-size",
        MemorySize,
        None,
        "rolling size of data files (PK 128 mb, append 256 mb)"
    ),
    opt!(
        "target-file-row-num",
        Long,
        None,
        "rolling row count of append data files"
    ),
    opt!(
        "write-buffer-size",
        MemorySize,
        Some("256 mb"),
        "memory of the primary-key write buffer"
    ),
    opt!(
        "write-buffer-spillable",
        Bool,
        Some("true"),
        "spill sorted runs to local disk when the buffer is full"
    ),
    opt!(
        "write-buffer-spill.max-disk-size",
        MemorySize,
        None,
        "cap on spilled bytes"
    ),
    opt!(
        "local-sort.max-num-file-handles",
        Int,
        Some("128"),
        "maximal fan-in when merging spilled runs"
    ),
    opt!(
        "page-size",
        MemorySize,
        Some("64 kb"),
        "page size of data files"
    ),
    opt!(
        "write-only",
        Bool,
        Some("false"),
        "skip compaction and expiry in writers"
    ),
    opt!(
        "merge-engine",
        Enum(MERGE_ENGINES),
        Some("deduplicate"),
        "how versions of a key merge"
    ),
    opt!(
        "sequence.field",
        Str,
        None,
        "columns that order versions of a key"
    ),
    opt!(
        "sequence.field.sort-order",
        Enum(&["ascending", "descending"]),
        Some("ascending"),
        "order of sequence fields"
    ),
    opt!("rowkind.field", Str, None, "column holding +I/-U/+U/-D"),
    opt!("ignore-delete", Bool, Some("false"), "drop -U/-D input"),
    opt!(
        "partial-update.ignore-delete",
        Bool,
        Some("false"),
        "old name of ignore-delete"
    ),
    opt!(
        "first-row.ignore-delete",
        Bool,
        Some("false"),
        "old name of ignore-delete for first-row"
    ),
    opt!(
        "deduplicate.ignore-delete",
        Bool,
        Some("false"),
        "old name of ignore-delete for deduplicate"
    ),
    opt!("ignore-update-before", Bool, Some("false"), "drop -U input"),
    opt!(
        "partial-update.remove-record-on-delete",
        Bool,
        Some("false"),
        "a -D deletes the whole row"
    ),
    opt!(
        "partial-update.remove-record-on-sequence-group",
        Str,
        None,
        "a -D of these groups deletes the row"
    ),
    opt!(
        "fields.default-aggregate-function",
        Str,
        None,
        "aggregate function of columns without their own"
    ),
    opt!(
        "aggregation.remove-record-on-delete",
        Bool,
        Some("false"),
        "a -D deletes the aggregated row"
    ),
    opt!(
        "changelog-producer",
        Enum(CHANGELOG_PRODUCERS),
        Some("none"),
        "how changelog files are produced"
    ),
    opt!(
        "changelog-producer.row-deduplicate",
        Bool,
        Some("false"),
        "drop -U/+U pairs with equal values"
    ),
    opt!(
        "full-compaction.delta-commits",
        Int,
        None,
        "full compaction every N commits"
    ),
    opt!(
        "num-sorted-run.compaction-trigger",
        Int,
        Some("5"),
        "sorted runs that trigger compaction"
    ),
    opt!(
        "num-sorted-run.stop-trigger",
        Int,
        None,
        "sorted runs that stall writes (trigger + 3)"
    ),
    opt!("num-levels", Int, None, "LSM levels (trigger + 1)"),
    opt!(
        "compaction.max-size-amplification-percent",
        Int,
        Some("200"),
        "size amplification that triggers a full compaction"
    ),
    opt!(
        "compaction.size-ratio",
        Int,
        Some("1"),
        "size ratio (percent) of universal compaction"
    ),
    opt!(
        "compaction.small-file-ratio",
        Double,
        Some("0.7"),
        "files below target × ratio are rewritten, not upgraded"
    ),
    opt!(
        "compaction.min.file-num",
        Int,
        Some("5"),
        "append compaction: minimal files per task"
    ),
    opt!(
        "compaction.max.file-num",
        Int,
        Some("50"),
        "append compaction: maximal files per task"
    ),
    opt!(
        "compaction.optimization-interval",
        Duration,
        None,
        "periodic full compaction"
    ),
    opt!(
        "commit.force-compact",
        Bool,
        Some("false"),
        "compact before every commit"
    ),
    opt!(
        "lookup-compact",
        Enum(&["radical", "gentle"]),
        Some("radical"),
        "lookup compaction mode"
    ),
    opt!(
        "snapshot.num-retained.min",
        Int,
        Some("10"),
        "snapshots always kept"
    ),
    opt!(
        "snapshot.num-retained.max",
        Int,
        Some("2147483647"),
        "snapshots kept at most"
    ),
    opt!(
        "snapshot.time-retained",
        Duration,
        Some("1 h"),
        "snapshots younger than this are kept"
    ),
    opt!(
        "snapshot.expire.limit",
        Int,
        Some("50"),
        "snapshots expired per run at most"
    ),
    opt!(
        "snapshot.expire.execution-mode",
        Enum(&["sync", "async"]),
        Some("sync"),
        "expire mode"
    ),
    opt!(
        "snapshot.clean-empty-directories",
        Bool,
        Some("false"),
        "remove empty directories on expiry"
    ),
    opt!(
        "changelog.num-retained.min",
        Int,
        None,
        "changelogs always kept"
    ),
    opt!(
        "changelog.num-retained.max",
        Int,
        None,
        "changelogs kept at most"
    ),
    opt!(
        "changelog.time-retained",
        Duration,
        None,
        "changelogs younger than this are kept"
    ),
    opt!(
        "partition.default-name",
        Str,
        Some("__DEFAULT_PARTITION__"),
        "directory of null/blank partition values"
    ),
    opt!(
        "partition.legacy-name",
        Bool,
        Some("true"),
        "render partition values the legacy way"
    ),
    opt!(
        "partition.expiration-time",
        Duration,
        None,
        "partitions older than this expire"
    ),
    opt!(
        "partition.timestamp-formatter",
        Str,
        None,
        "partition time format"
    ),
    opt!(
        "partition.timestamp-pattern",
        Str,
        None,
        "partition time pattern"
    ),
    opt!(
        "dynamic-partition-overwrite",
        Bool,
        Some("true"),
        "overwrite only the partitions present in the input"
    ),
    opt!(
        "dynamic-bucket.target-row-num",
        Long,
        Some("2000000"),
        "keys per dynamic bucket"
    ),
    opt!(
        "dynamic-bucket.max-buckets",
        Int,
        Some("-1"),
        "maximal dynamic buckets (-1 unlimited)"
    ),
    opt!(
        "dynamic-bucket.initial-buckets",
        Int,
        None,
        "initial dynamic buckets"
    ),
    opt!(
        "commit.max-retries",
        Int,
        Some("10"),
        "commit retries after a lost race"
    ),
    opt!(
        "commit.min-retry-wait",
        Duration,
        Some("10 ms"),
        "first retry wait"
    ),
    opt!(
        "commit.max-retry-wait",
        Duration,
        Some("10 s"),
        "longest retry wait"
    ),
    opt!(
        "commit.timeout",
        Duration,
        None,
        "give up committing after this long"
    ),
    opt!(
        "commit.user-prefix",
        Str,
        None,
        "prefix of generated commit users"
    ),
    opt!(
        "metadata.stats-mode",
        Str,
        Some("truncate(16)"),
        "none, counts, full or truncate(N)"
    ),
    opt!(
        "metadata.stats-dense-store",
        Bool,
        Some("true"),
        "leave stats-less columns out of _VALUE_STATS_COLS"
    ),
    opt!(
        "metadata.stats-keep-first-n-columns",
        Int,
        Some("-1"),
        "collect stats of the first N columns"
    ),
    opt!(
        "scan.mode",
        Enum(SCAN_MODES),
        Some("default"),
        "where a scan starts"
    ),
    opt!("scan.snapshot-id", Long, None, "read this snapshot"),
    opt!("scan.tag-name", Str, None, "read this tag"),
    opt!(
        "scan.timestamp-millis",
        Long,
        None,
        "read as of this epoch millisecond"
    ),
    opt!("scan.timestamp", Str, None, "read as of this timestamp"),
    opt!(
        "scan.watermark",
        Long,
        None,
        "read the first snapshot with this watermark"
    ),
    opt!(
        "scan.file-creation-time-millis",
        Long,
        None,
        "files created after this"
    ),
    opt!(
        "scan.plan-sort-partition",
        Bool,
        Some("false"),
        "plan partitions in value order"
    ),
    opt!(
        "scan.bounded.watermark",
        Long,
        None,
        "stop streaming at this watermark"
    ),
    opt!(
        "incremental-between",
        Str,
        None,
        "start,end snapshots or tags of an incremental read"
    ),
    opt!(
        "incremental-between-timestamp",
        Str,
        None,
        "start,end timestamps of an incremental read"
    ),
    opt!(
        "incremental-between-scan-mode",
        Enum(&["auto", "delta", "changelog", "diff"]),
        Some("auto"),
        "what an incremental read reads"
    ),
    opt!(
        "streaming-read-overwrite",
        Bool,
        Some("false"),
        "streaming reads emit OVERWRITE commits"
    ),
    opt!(
        "continuous.discovery-interval",
        Duration,
        Some("10 s"),
        "streaming poll interval"
    ),
    opt!("consumer-id", Str, None, "name of a streaming consumer"),
    opt!(
        "consumer.expiration-time",
        Duration,
        None,
        "consumers idle longer than this are removed"
    ),
    opt!(
        "consumer.mode",
        Enum(&["exactly-once", "at-least-once"]),
        Some("exactly-once"),
        "consumer progress mode"
    ),
    opt!(
        "consumer.ignore-progress",
        Bool,
        Some("false"),
        "ignore a consumer's recorded progress"
    ),
    opt!(
        "consumer.changelog-only",
        Bool,
        Some("false"),
        "consumers only protect changelogs"
    ),
    opt!(
        "source.split.target-size",
        MemorySize,
        Some("128 mb"),
        "target split size"
    ),
    opt!(
        "source.split.open-file-cost",
        MemorySize,
        Some("4 mb"),
        "minimal weight of a file in a split"
    ),
    opt!(
        "read.batch-size",
        Int,
        Some("1024"),
        "rows per batch on read"
    ),
    opt!(
        "deletion-vectors.enabled",
        Bool,
        Some("false"),
        "deletion vectors (not supported for writing)"
    ),
    opt!(
        "data-file.thin-mode",
        Bool,
        Some("false"),
        "omit _KEY_ columns"
    ),
    opt!(
        "data-file.prefix",
        Str,
        Some("data-"),
        "data file name prefix"
    ),
    opt!(
        "changelog-file.prefix",
        Str,
        Some("changelog-"),
        "changelog file name prefix"
    ),
    opt!(
        "file.suffix.include.compression",
        Bool,
        Some("false"),
        "add the compression to file names"
    ),
    opt!(
        "data-file.path-directory",
        Str,
        None,
        "extra directory for data files"
    ),
    opt!(
        "tag.automatic-creation",
        Enum(&["none", "process-time", "watermark", "batch"]),
        Some("none"),
        "automatic tags"
    ),
    opt!(
        "tag.creation-period",
        Enum(&["daily", "hourly", "two-hours"]),
        Some("daily"),
        "period of automatic tags"
    ),
    opt!(
        "tag.creation-delay",
        Duration,
        Some("0 ms"),
        "delay of automatic tags"
    ),
    opt!(
        "tag.period-formatter",
        Str,
        None,
        "name format of automatic tags"
    ),
    opt!(
        "tag.num-retained-max",
        Int,
        None,
        "automatic tags kept at most"
    ),
    opt!(
        "tag.default-time-retained",
        Duration,
        None,
        "retention of new tags"
    ),
    opt!("record-level.expire-time", Duration, None, "record TTL"),
    opt!(
        "record-level.time-field",
        Str,
        None,
        "record TTL time field"
    ),
    opt!(
        "row-tracking.enabled",
        Bool,
        Some("false"),
        "row tracking (not supported)"
    ),
    opt!(
        "data-evolution.enabled",
        Bool,
        Some("false"),
        "data evolution (not supported)"
    ),
    opt!("path", Str, None, "table path"),
    opt!("type", Str, None, "table type"),
    opt!("owner", Str, None, "table owner"),
    opt!(
        "log.system",
        Enum(&["none", "kafka"]),
        Some("none"),
        "external log system"
    ),
    opt!(
        "log.consistency",
        Enum(&["transactional", "eventual"]),
        Some("transactional"),
        "log consistency"
    ),
    opt!(
        "log.changelog-mode",
        Enum(&["auto", "all", "upsert"]),
        Some("auto"),
        "log changelog mode"
    ),
    opt!(
        "kafka.bootstrap.servers",
        Str,
        None,
        "Kafka brokers of the log system"
    ),
    opt!("kafka.topic", Str, None, "Kafka topic of the log system"),
    opt!(
        "write.sequence-number-init-mode",
        Str,
        None,
        "sequence number start mode"
    ),
    opt!(
        "lookup.cache-max-memory-size",
        MemorySize,
        Some("256 mb"),
        "lookup memory cache"
    ),
    opt!(
        "lookup.cache-max-disk-size",
        MemorySize,
        None,
        "lookup disk cache"
    ),
];

/// Suffixes allowed after `fields.<name>.`.
const FIELD_SUFFIXES: &[&str] = &[
    "aggregate-function",
    "ignore-retract",
    "list-agg-delimiter",
    "distinct",
    "sequence-group",
    "stats-mode",
    "nested-key",
    "count-limit",
    "ignore-delete",
    "ts-field",
];

/// Looks up a known option.
pub fn option_def(key: &str) -> Option<&'static OptionDef> {
    OPTIONS.iter().find(|d| d.key == key)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Validates one option value against its type.
///
/// # Errors
/// [`Error::InvalidOption`] naming the key, the value and the expected form.
pub fn validate_option(key: &str, value: &str) -> Result<()> {
    let bad = |reason: String| Error::InvalidOption {
        key: key.to_string(),
        value: value.to_string(),
        reason,
    };
    if let Some(rest) = key.strip_prefix("fields.") {
        if key == "fields.default-aggregate-function" {
            return Ok(());
        }
        if let Some((_, suffix)) = rest.rsplit_once('.') {
            if FIELD_SUFFIXES.contains(&suffix) {
                return match suffix {
                    "ignore-retract" | "distinct" | "ignore-delete" => parse_bool(value)
                        .map(|_| ())
                        .ok_or_else(|| bad("expected true or false".into())),
                    "count-limit" => value
                        .trim()
                        .parse::<i64>()
                        .map(|_| ())
                        .map_err(|_| bad("expected an integer".into())),
                    _ => Ok(()),
                };
            }
        }
        return Err(bad(format!(
            "unknown per-field option; known suffixes after 'fields.<column>.' are {}",
            FIELD_SUFFIXES.join(", ")
        )));
    }
    let Some(def) = option_def(key) else {
        let close = OPTIONS
            .iter()
            .map(|d| (edit_distance(key, d.key), d.key))
            .min()
            .filter(|(d, _)| *d <= 3)
            .map(|(_, k)| format!("; did you mean '{k}'?"))
            .unwrap_or_default();
        return Err(Error::InvalidOption {
            key: key.to_string(),
            value: value.to_string(),
            reason: format!("unknown option{close}"),
        });
    };
    match def.ty {
        Int => value
            .trim()
            .parse::<i32>()
            .map(|_| ())
            .map_err(|_| bad("expected a 32-bit integer".into())),
        Long => value
            .trim()
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| bad("expected an integer".into())),
        Bool => parse_bool(value)
            .map(|_| ())
            .ok_or_else(|| bad("expected true or false".into())),
        Double => value
            .trim()
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| bad("expected a number".into())),
        MemorySize => parse_memory_size(value).map(|_| ()).map_err(&bad),
        Duration => parse_duration(value).map(|_| ()).map_err(&bad),
        Enum(values) => {
            if values.iter().any(|v| v.eq_ignore_ascii_case(value.trim())) {
                Ok(())
            } else {
                Err(bad(format!("expected one of {}", values.join(", "))))
            }
        }
        Str => {
            if key == "metadata.stats-mode" {
                StatsMode::parse(value)
                    .map(|_| ())
                    .ok_or_else(|| bad("expected none, counts, full or truncate(N)".into()))
            } else {
                Ok(())
            }
        }
    }
}

/// Parses `true`/`false` (case-insensitive).
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Parses sizes like `128 mb`, `64kb`, `1 GB`, `1024` (bytes).
///
/// # Errors
/// A message with the expected form.
pub fn parse_memory_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a size such as '128 mb'"))?;
    let mult: u64 = match unit.trim() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit '{other}' in '{text}' (use b, kb, mb, gb, tb)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size '{text}' is too large"))
}

/// Parses durations like `1 h`, `30 min`, `10 s`, `100 ms`, `1 d`, `500` (milliseconds).
///
/// # Errors
/// A message with the expected form.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as '1 h' or '30 min'"))?;
    let d = match unit.trim() {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => Duration::from_millis(n),
        "ns" | "nanos" | "nanosecond" | "nanoseconds" => Duration::from_nanos(n),
        "us" | "µs" | "micro" | "micros" | "microsecond" | "microseconds" => {
            Duration::from_micros(n)
        }
        "s" | "sec" | "secs" | "second" | "seconds" => Duration::from_secs(n),
        "m" | "min" | "mins" | "minute" | "minutes" => Duration::from_secs(n * 60),
        "h" | "hour" | "hours" => Duration::from_secs(n * 3600),
        "d" | "day" | "days" => Duration::from_secs(n * 86_400),
        other => {
            return Err(format!(
                "unknown duration unit '{other}' in '{text}' (use ms, s, min, h, d)"
            ))
        }
    };
    Ok(d)
}

/// Which column statistics are collected (`metadata.stats-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsMode {
    /// No statistics.
    None,
    /// Null counts only.
    Counts,
    /// Exact min/max.
    Full,
    /// Min/max with strings cut to N characters.
    Truncate(usize),
}

impl StatsMode {
    /// Parses `none`, `counts`, `full`, `truncate(N)`.
    pub fn parse(s: &str) -> Option<StatsMode> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "none" => Some(StatsMode::None),
            "counts" => Some(StatsMode::Counts),
            "full" => Some(StatsMode::Full),
            _ => {
                let inner = t.strip_prefix("truncate(")?.strip_suffix(')')?;
                inner.trim().parse().ok().map(StatsMode::Truncate)
            }
        }
    }
}

/// Merge engine of a primary-key table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeEngine {
    /// Last version wins.
    Deduplicate,
    /// Non-null fields overwrite.
    PartialUpdate,
    /// Per-field aggregate functions.
    Aggregation,
    /// First version wins.
    FirstRow,
}

/// Changelog producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangelogProducer {
    /// No changelog files.
    None,
    /// Input rows as changelog.
    Input,
    /// Changes from looking up previous values at compaction.
    Lookup,
    /// Changes between full compactions.
    FullCompaction,
}

/// Typed view over a table's options, with Paimon's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreOptions {
    map: BTreeMap<String, String>,
}

impl CoreOptions {
    /// Wraps an option map.
    pub fn new(map: BTreeMap<String, String>) -> Self {
        CoreOptions { map }
    }

    /// The raw map.
    pub fn map(&self) -> &BTreeMap<String, String> {
        &self.map
    }

    /// Raw value of a key, or its default.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .map(String::as_str)
            .or_else(|| option_def(key).and_then(|d| d.default))
    }

    /// Raw value only when set explicitly.
    pub fn get_explicit(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    fn parsed<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<T>()
                .map(Some)
                .map_err(|_| Error::InvalidOption {
                    key: key.into(),
                    value: v.into(),
                    reason: "not a number".into(),
                }),
        }
    }

    fn bool_of(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => parse_bool(v).ok_or_else(|| Error::InvalidOption {
                key: key.into(),
                value: v.into(),
                reason: "expected true or false".into(),
            }),
        }
    }

    fn size_of(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_memory_size(v)
                .map(Some)
                .map_err(|reason| Error::InvalidOption {
                    key: key.into(),
                    value: v.into(),
                    reason,
                }),
        }
    }

    fn duration_of(&self, key: &str) -> Result<Option<Duration>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_duration(v)
                .map(Some)
                .map_err(|reason| Error::InvalidOption {
                    key: key.into(),
                    value: v.into(),
                    reason,
                }),
        }
    }

    fn list_of(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `bucket`
    ///
    /// # Errors
    /// When the value is not an integer.
    pub fn bucket(&self) -> Result<i32> {
        Ok(self.parsed("bucket")?.unwrap_or(-1))
    }

    /// `bucket-key` columns.
    pub fn bucket_key(&self) -> Vec<String> {
        self.list_of("bucket-key")
    }

    /// `file.format` (lower case).
    pub fn file_format(&self) -> String {
        self.get("file.format")
            .unwrap_or("parquet")
            .trim()
            .to_ascii_lowercase()
    }

    /// `file.format.per.level`: level → format.
    pub fn file_format_per_level(&self) -> BTreeMap<i32, String> {
        parse_per_level(self.get("file.format.per.level"))
    }

    /// `file.compression` (lower case).
    pub fn file_compression(&self) -> String {
        self.get("file.compression")
            .unwrap_or("zstd")
            .trim()
            .to_ascii_lowercase()
    }

    /// `file.compression.zstd-level`
    ///
    /// # Errors
    /// When not an integer.
    pub fn zstd_level(&self) -> Result<i32> {
        Ok(self.parsed("file.compression.zstd-level")?.unwrap_or(1))
    }

    /// `manifest.compression`
    pub fn manifest_compression(&self) -> crate::manifest::ManifestCompression {
        self.get("manifest.compression")
            .and_then(crate::manifest::ManifestCompression::parse)
            .unwrap_or_default()
    }

    /// `target-file-size` with the default of the table kind.
    ///
    /// # Errors
    /// When malformed.
    pub fn target_file_size(&self, has_primary_key: bool) -> Result<u64> {
        Ok(self
            .size_of("target-file-size")?
            .unwrap_or(if has_primary_key {
                128 << 20
            } else {
                256 << 20
            }))
    }

    /// `target-file-row-num`
    ///
    /// # Errors
    /// When malformed.
    pub fn target_file_row_num(&self) -> Result<Option<u64>> {
        self.parsed("target-file-row-num")
    }

    /// `write-buffer-size`
    ///
    /// # Errors
    /// When malformed.
    pub fn write_buffer_size(&self) -> Result<u64> {
        Ok(self.size_of("write-buffer-size")?.unwrap_or(256 << 20))
    }

    /// `write-buffer-spillable`
    ///
    /// # Errors
    /// When malformed.
    pub fn write_buffer_spillable(&self) -> Result<bool> {
        self.bool_of("write-buffer-spillable")
    }

    /// `local-sort.max-num-file-handles`
    ///
    /// # Errors
    /// When malformed.
    pub fn local_sort_max_handles(&self) -> Result<usize> {
        Ok(self
            .parsed::<usize>("local-sort.max-num-file-handles")?
            .unwrap_or(128)
            .max(2))
    }

    /// `write-only`
    ///
    /// # Errors
    /// When malformed.
    pub fn write_only(&self) -> Result<bool> {
        self.bool_of("write-only")
    }

    /// `merge-engine`
    ///
    /// # Errors
    /// When the value is not a known engine.
    pub fn merge_engine(&self) -> Result<MergeEngine> {
        match self
            .get("merge-engine")
            .unwrap_or("deduplicate")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "deduplicate" => Ok(MergeEngine::Deduplicate),
            "partial-update" => Ok(MergeEngine::PartialUpdate),
            "aggregation" => Ok(MergeEngine::Aggregation),
            "first-row" => Ok(MergeEngine::FirstRow),
            other => Err(Error::InvalidOption {
                key: "merge-engine".into(),
                value: other.into(),
                reason: format!("expected one of {}", MERGE_ENGINES.join(", ")),
            }),
        }
    }

    /// `changelog-producer`
    ///
    /// # Errors
    /// When the value is unknown.
    pub fn changelog_producer(&self) -> Result<ChangelogProducer> {
        match self
            .get("changelog-producer")
            .unwrap_or("none")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "none" => Ok(ChangelogProducer::None),
            "input" => Ok(ChangelogProducer::Input),
            "lookup" => Ok(ChangelogProducer::Lookup),
            "full-compaction" => Ok(ChangelogProducer::FullCompaction),
            other => Err(Error::InvalidOption {
                key: "changelog-producer".into(),
                value: other.into(),
                reason: format!("expected one of {}", CHANGELOG_PRODUCERS.join(", ")),
            }),
        }
    }

    /// `changelog-producer.row-deduplicate`
    ///
    /// # Errors
    /// When malformed.
    pub fn changelog_row_deduplicate(&self) -> Result<bool> {
        self.bool_of("changelog-producer.row-deduplicate")
    }

    /// `sequence.field` columns.
    pub fn sequence_fields(&self) -> Vec<String> {
        self.list_of("sequence.field")
    }

    /// Whether `sequence.field.sort-order` is descending.
    pub fn sequence_descending(&self) -> bool {
        self.get("sequence.field.sort-order")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("descending"))
    }

    /// `rowkind.field`
    pub fn rowkind_field(&self) -> Option<String> {
        self.get("rowkind.field").map(|s| s.trim().to_string())
    }

    /// `ignore-delete` (also its engine-specific old names).
    ///
    /// # Errors
    /// When malformed.
    pub fn ignore_delete(&self) -> Result<bool> {
        Ok(self.bool_of("ignore-delete")?
            || self.bool_of("partial-update.ignore-delete")?
            || self.bool_of("first-row.ignore-delete")?
            || self.bool_of("deduplicate.ignore-delete")?)
    }

    /// `ignore-update-before`
    ///
    /// # Errors
    /// When malformed.
    pub fn ignore_update_before(&self) -> Result<bool> {
        self.bool_of("ignore-update-before")
    }

    /// `partial-update.remove-record-on-delete`
    ///
    /// # Errors
    /// When malformed.
    pub fn partial_update_remove_record_on_delete(&self) -> Result<bool> {
        self.bool_of("partial-update.remove-record-on-delete")
    }

    /// `aggregation.remove-record-on-delete`
    ///
    /// # Errors
    /// When malformed.
    pub fn aggregation_remove_record_on_delete(&self) -> Result<bool> {
        self.bool_of("aggregation.remove-record-on-delete")
    }

    /// `fields.<f>.<suffix>` raw value.
    pub fn field_option(&self, field: &str, suffix: &str) -> Option<&str> {
        self.map
            .get(&format!("fields.{field}.{suffix}"))
            .map(String::as_str)
    }

    /// All `fields.<g1,g2>.sequence-group = f1,f2` declarations as (sequence fields, fields).
    pub fn sequence_groups(&self) -> Vec<(Vec<String>, Vec<String>)> {
        self.map
            .iter()
            .filter_map(|(k, v)| {
                let seq = k.strip_prefix("fields.")?.strip_suffix(".sequence-group")?;
                let split = |s: &str| -> Vec<String> {
                    s.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                };
                Some((split(seq), split(v)))
            })
            .collect()
    }

    /// `full-compaction.delta-commits`
    ///
    /// # Errors
    /// When malformed.
    pub fn full_compaction_delta_commits(&self) -> Result<Option<u32>> {
        self.parsed("full-compaction.delta-commits")
    }

    /// `num-sorted-run.compaction-trigger`
    ///
    /// # Errors
    /// When malformed.
    pub fn compaction_trigger(&self) -> Result<usize> {
        Ok(self
            .parsed::<usize>("num-sorted-run.compaction-trigger")?
            .unwrap_or(5)
            .max(1))
    }

    /// `num-sorted-run.stop-trigger` (default trigger + 3).
    ///
    /// # Errors
    /// When malformed.
    pub fn stop_trigger(&self) -> Result<usize> {
        let t = self.compaction_trigger()?;
        Ok(self
            .parsed::<usize>("num-sorted-run.stop-trigger")?
            .unwrap_or(t + 3)
            .max(t))
    }

    /// `num-levels` (default trigger + 1).
    ///
    /// # Errors
    /// When malformed.
    pub fn num_levels(&self) -> Result<usize> {
        let t = self.compaction_trigger()?;
        Ok(self.parsed::<usize>("num-levels")?.unwrap_or(t + 1).max(2))
    }

    /// `compaction.max-size-amplification-percent`
    ///
    /// # Errors
    /// When malformed.
    pub fn max_size_amplification_percent(&self) -> Result<u64> {
        Ok(self
            .parsed("compaction.max-size-amplification-percent")?
            .unwrap_or(200))
    }

    /// `compaction.size-ratio`
    ///
    /// # Errors
    /// When malformed.
    pub fn size_ratio(&self) -> Result<u64> {
        Ok(self.parsed("compaction.size-ratio")?.unwrap_or(1))
    }

    /// `compaction.small-file-ratio`
    ///
    /// # Errors
    /// When malformed.
    pub fn small_file_ratio(&self) -> Result<f64> {
        Ok(self.parsed("compaction.small-file-ratio")?.unwrap_or(0.7))
    }

    /// `compaction.min.file-num`
    ///
    /// # Errors
    /// When malformed.
    pub fn compaction_min_file_num(&self) -> Result<usize> {
        Ok(self.parsed("compaction.min.file-num")?.unwrap_or(5))
    }

    /// `compaction.max.file-num`
    ///
    /// # Errors
    /// When malformed.
    pub fn compaction_max_file_num(&self) -> Result<usize> {
        Ok(self.parsed("compaction.max.file-num")?.unwrap_or(50))
    }

    /// `snapshot.num-retained.min`
    ///
    /// # Errors
    /// When malformed.
    pub fn snapshot_num_retained_min(&self) -> Result<i64> {
        Ok(self.parsed("snapshot.num-retained.min")?.unwrap_or(10))
    }

    /// `snapshot.num-retained.max`
    ///
    /// # Errors
    /// When malformed.
    pub fn snapshot_num_retained_max(&self) -> Result<i64> {
        Ok(self
            .parsed("snapshot.num-retained.max")?
            .unwrap_or(i32::MAX as i64))
    }

    /// `snapshot.time-retained`
    ///
    /// # Errors
    /// When malformed.
    pub fn snapshot_time_retained(&self) -> Result<Duration> {
        Ok(self
            .duration_of("snapshot.time-retained")?
            .unwrap_or(Duration::from_secs(3600)))
    }

    /// `snapshot.expire.limit`
    ///
    /// # Errors
    /// When malformed.
    pub fn snapshot_expire_limit(&self) -> Result<i64> {
        Ok(self.parsed("snapshot.expire.limit")?.unwrap_or(50))
    }

    /// `changelog.num-retained.min` (default: the snapshot value).
    ///
    /// # Errors
    /// When malformed.
    pub fn changelog_num_retained_min(&self) -> Result<i64> {
        match self.parsed("changelog.num-retained.min")? {
            Some(v) => Ok(v),
            None => self.snapshot_num_retained_min(),
        }
    }

    /// `changelog.num-retained.max` (default: the snapshot value).
    ///
    /// # Errors
    /// When malformed.
    pub fn changelog_num_retained_max(&self) -> Result<i64> {
        match self.parsed("changelog.num-retained.max")? {
            Some(v) => Ok(v),
            None => self.snapshot_num_retained_max(),
        }
    }

    /// `changelog.time-retained` (default: the snapshot value).
    ///
    /// # Errors
    /// When malformed.
    pub fn changelog_time_retained(&self) -> Result<Duration> {
        match self.duration_of("changelog.time-retained")? {
            Some(v) => Ok(v),
            None => self.snapshot_time_retained(),
        }
    }

    /// `partition.default-name`
    pub fn partition_default_name(&self) -> String {
        self.get("partition.default-name")
            .unwrap_or("__DEFAULT_PARTITION__")
            .to_string()
    }

    /// `partition.legacy-name`
    ///
    /// # Errors
    /// When malformed.
    pub fn partition_legacy_name(&self) -> Result<bool> {
        match self.get("partition.legacy-name") {
            None => Ok(true),
            Some(_) => self.bool_of("partition.legacy-name"),
        }
    }

    /// `dynamic-partition-overwrite`
    ///
    /// # Errors
    /// When malformed.
    pub fn dynamic_partition_overwrite(&self) -> Result<bool> {
        match self.get("dynamic-partition-overwrite") {
            None => Ok(true),
            Some(_) => self.bool_of("dynamic-partition-overwrite"),
        }
    }

    /// `dynamic-bucket.target-row-num`
    ///
    /// # Errors
    /// When malformed.
    pub fn dynamic_bucket_target_row_num(&self) -> Result<i64> {
        Ok(self
            .parsed::<i64>("dynamic-bucket.target-row-num")?
            .unwrap_or(2_000_000)
            .max(1))
    }

    /// `dynamic-bucket.max-buckets`
    ///
    /// # Errors
    /// When malformed.
    pub fn dynamic_bucket_max_buckets(&self) -> Result<i32> {
        Ok(self.parsed("dynamic-bucket.max-buckets")?.unwrap_or(-1))
    }

    /// `commit.max-retries`
    ///
    /// # Errors
    /// When malformed.
    pub fn commit_max_retries(&self) -> Result<u32> {
        Ok(self.parsed("commit.max-retries")?.unwrap_or(10))
    }

    /// `commit.min-retry-wait`
    ///
    /// # Errors
    /// When malformed.
    pub fn commit_min_retry_wait(&self) -> Result<Duration> {
        Ok(self
            .duration_of("commit.min-retry-wait")?
            .unwrap_or(Duration::from_millis(10)))
    }

    /// `commit.max-retry-wait`
    ///
    /// # Errors
    /// When malformed.
    pub fn commit_max_retry_wait(&self) -> Result<Duration> {
        Ok(self
            .duration_of("commit.max-retry-wait")?
            .unwrap_or(Duration::from_secs(10)))
    }

    /// `commit.timeout`
    ///
    /// # Errors
    /// When malformed.
    pub fn commit_timeout(&self) -> Result<Option<Duration>> {
        self.duration_of("commit.timeout")
    }

    /// `metadata.stats-mode`
    pub fn stats_mode(&self) -> StatsMode {
        self.get("metadata.stats-mode")
            .and_then(StatsMode::parse)
            .unwrap_or(StatsMode::Truncate(16))
    }

    /// `fields.<f>.stats-mode`
    pub fn field_stats_mode(&self, field: &str) -> StatsMode {
        self.field_option(field, "stats-mode")
            .and_then(StatsMode::parse)
            .unwrap_or_else(|| self.stats_mode())
    }

    /// `source.split.target-size`
    ///
    /// # Errors
    /// When malformed.
    pub fn split_target_size(&self) -> Result<u64> {
        Ok(self
            .size_of("source.split.target-size")?
            .unwrap_or(128 << 20))
    }

    /// `manifest.target-file-size`
    ///
    /// # Errors
    /// When malformed.
    pub fn manifest_target_file_size(&self) -> Result<u64> {
        Ok(self
            .size_of("manifest.target-file-size")?
            .unwrap_or(8 << 20))
    }

    /// `manifest.merge-min-count`
    ///
    /// # Errors
    /// When malformed.
    pub fn manifest_merge_min_count(&self) -> Result<usize> {
        Ok(self.parsed("manifest.merge-min-count")?.unwrap_or(30))
    }

    /// `manifest.full-compaction-threshold-size`: DELETE entries worth this many bytes make
    /// the next commit fold the whole manifest list.
    ///
    /// # Errors
    /// When malformed.
    pub fn manifest_full_compaction_threshold_size(&self) -> Result<u64> {
        Ok(self
            .size_of("manifest.full-compaction-threshold-size")?
            .unwrap_or(16 << 20))
    }

    /// `source.split.open-file-cost`
    ///
    /// # Errors
    /// When malformed.
    pub fn split_open_file_cost(&self) -> Result<u64> {
        Ok(self
            .size_of("source.split.open-file-cost")?
            .unwrap_or(4 << 20))
    }

    /// `read.batch-size`
    ///
    /// # Errors
    /// When malformed.
    pub fn read_batch_size(&self) -> Result<usize> {
        Ok(self
            .parsed::<usize>("read.batch-size")?
            .unwrap_or(1024)
            .max(1))
    }

    /// `deletion-vectors.enabled`
    ///
    /// # Errors
    /// When malformed.
    pub fn deletion_vectors_enabled(&self) -> Result<bool> {
        self.bool_of("deletion-vectors.enabled")
    }

    /// `data-file.prefix`
    pub fn data_file_prefix(&self) -> String {
        self.get("data-file.prefix").unwrap_or("data-").to_string()
    }

    /// `changelog-file.prefix`
    pub fn changelog_file_prefix(&self) -> String {
        self.get("changelog-file.prefix")
            .unwrap_or("changelog-")
            .to_string()
    }

    /// `continuous.discovery-interval`
    ///
    /// # Errors
    /// When malformed.
    pub fn discovery_interval(&self) -> Result<Duration> {
        Ok(self
            .duration_of("continuous.discovery-interval")?
            .unwrap_or(Duration::from_secs(10)))
    }

    /// `consumer.expiration-time`
    ///
    /// # Errors
    /// When malformed.
    pub fn consumer_expiration_time(&self) -> Result<Option<Duration>> {
        self.duration_of("consumer.expiration-time")
    }

    /// `tag.automatic-creation`
    pub fn tag_automatic_creation(&self) -> String {
        self.get("tag.automatic-creation")
            .unwrap_or("none")
            .to_ascii_lowercase()
    }

    /// `tag.creation-period`
    pub fn tag_creation_period(&self) -> String {
        self.get("tag.creation-period")
            .unwrap_or("daily")
            .to_ascii_lowercase()
    }

    /// `tag.num-retained-max`
    ///
    /// # Errors
    /// When malformed.
    pub fn tag_num_retained_max(&self) -> Result<Option<usize>> {
        self.parsed("tag.num-retained-max")
    }

    /// `tag.default-time-retained`
    ///
    /// # Errors
    /// When malformed.
    pub fn tag_default_time_retained(&self) -> Result<Option<Duration>> {
        self.duration_of("tag.default-time-retained")
    }
}

fn parse_per_level(v: Option<&str>) -> BTreeMap<i32, String> {
    v.map(|s| {
        s.split(',')
            .filter_map(|kv| {
                let (k, v) = kv.split_once(':')?;
                Some((k.trim().parse().ok()?, v.trim().to_ascii_lowercase()))
            })
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_memory_size("128 mb").unwrap(), 128 << 20);
        assert_eq!(parse_memory_size("64KB").unwrap(), 64 << 10);
        assert_eq!(parse_memory_size("1024").unwrap(), 1024);
        assert!(parse_memory_size("12 parsecs").is_err());
        assert_eq!(parse_duration("1 h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("30 min").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("100ms").unwrap(), Duration::from_millis(100));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(validate_option("bucket", "4").is_ok());
        let e = validate_option("bucket", "four").unwrap_err().to_string();
        assert!(e.contains("'bucket'") && e.contains("integer"), "{e}");
        let e = validate_option("buckets", "4").unwrap_err().to_string();
        assert!(e.contains("did you mean 'bucket'"), "{e}");
        assert!(validate_option("merge-engine", "partial-update").is_ok());
        assert!(validate_option("merge-engine", "sum").is_err());
        assert!(validate_option("fields.v.aggregate-function", "sum").is_ok());
        assert!(validate_option("fields.a,b.sequence-group", "c,d").is_ok());
        assert!(validate_option("fields.v.bogus", "x").is_err());
        assert!(validate_option("metadata.stats-mode", "truncate(8)").is_ok());
        assert!(validate_option("metadata.stats-mode", "some").is_err());
    }

    #[test]
    fn defaults() {
        let o = CoreOptions::default();
        assert_eq!(o.bucket().unwrap(), -1);
        assert_eq!(o.target_file_size(true).unwrap(), 128 << 20);
        assert_eq!(o.target_file_size(false).unwrap(), 256 << 20);
        assert_eq!(o.num_levels().unwrap(), 6);
        assert_eq!(o.stop_trigger().unwrap(), 8);
        assert_eq!(o.stats_mode(), StatsMode::Truncate(16));
        assert!(o.partition_legacy_name().unwrap());
    }
}
