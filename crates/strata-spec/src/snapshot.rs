//! Snapshot files, tags, hints and consumer files (spec §3, §10.8, §10.9).
//!
//! Unknown keys are ignored on read and `null` means absent. We write the fields Java writes,
//! plus the `*Size` fields and `uuid` that newer readers use, and omit absent ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::jackson;

/// Snapshot format version we write.
pub const SNAPSHOT_VERSION: i32 = 3;

/// `commitIdentifier` of one-shot batch commits (Java `Long.MAX_VALUE`).
pub const BATCH_COMMIT_IDENTIFIER: i64 = i64::MAX;

/// The kind of change a snapshot records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommitKind {
    /// Only adds files.
    Append,
    /// Replaces files by compacted ones.
    Compact,
    /// Deletes files (and maybe adds).
    Overwrite,
    /// Only statistics.
    Analyze,
}

impl std::fmt::Display for CommitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CommitKind::Append => "APPEND",
            CommitKind::Compact => "COMPACT",
            CommitKind::Overwrite => "OVERWRITE",
            CommitKind::Analyze => "ANALYZE",
        })
    }
}

fn identifier_from_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("commitIdentifier out of range")),
        Value::String(s) => s.trim().parse::<i64>().map_err(|_| {
            serde::de::Error::custom(format!("commitIdentifier '{s}' is not a number"))
        }),
        other => Err(serde::de::Error::custom(format!(
            "commitIdentifier must be a number, found {other}"
        ))),
    }
}

fn default_version() -> i32 {
    1
}

/// One snapshot (`snapshot/snapshot-<id>`, also the body of `tag/tag-<name>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Format version (absent ⇒ 1).
    #[serde(default = "default_version")]
    pub version: i32,
    /// Snapshot id.
    pub id: i64,
    /// Schema id current at commit.
    pub schema_id: i64,
    /// Manifest list of the state before this commit.
    pub base_manifest_list: String,
    /// Size of the base manifest list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_manifest_list_size: Option<i64>,
    /// Manifest list of this commit's changes.
    pub delta_manifest_list: String,
    /// Size of the delta manifest list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_manifest_list_size: Option<i64>,
    /// Manifest list of changelog files of this commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog_manifest_list: Option<String>,
    /// Its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog_manifest_list_size: Option<i64>,
    /// Index manifest listing all live index files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_manifest: Option<String>,
    /// Writer id.
    pub commit_user: String,
    /// Transaction id chosen by the writer.
    #[serde(deserialize_with = "identifier_from_string_or_number")]
    pub commit_identifier: i64,
    /// APPEND / COMPACT / OVERWRITE / ANALYZE.
    pub commit_kind: CommitKind,
    /// Commit time, epoch ms.
    pub time_millis: i64,
    /// Log-system offsets per bucket (0.2–1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_offsets: Option<BTreeMap<String, i64>>,
    /// Rows in all live data files after this commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_record_count: Option<i64>,
    /// Rows added minus removed by this commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_record_count: Option<i64>,
    /// Rows in this commit's changelog files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog_record_count: Option<i64>,
    /// Event-time watermark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<i64>,
    /// Statistics file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<String>,
    /// Free-form properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, String>>,
    /// Row tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_row_id: Option<i64>,
    /// Random id of this snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Writer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer_version: Option<String>,
    /// Operation (≥2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Tags only: creation time as Java `LocalDateTime` array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_create_time: Option<Value>,
    /// Tags only: retention as Java `Duration` seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_time_retained: Option<Value>,
}

impl Snapshot {
    /// Parses snapshot (or tag) JSON.
    ///
    /// # Errors
    /// [`Error::Corrupt`] with the JSON error when the text is not a snapshot.
    pub fn from_json(text: &str) -> Result<Snapshot> {
        let s: Snapshot =
            serde_json::from_str(text).map_err(|e| Error::corrupt("snapshot", e.to_string()))?;
        if s.version > SNAPSHOT_VERSION {
            return Err(Error::corrupt(
                "snapshot",
                format!(
                    "version {} is newer than the supported version {SNAPSHOT_VERSION}",
                    s.version
                ),
            ));
        }
        Ok(s)
    }

    /// JSON in Java's pretty-printed shape.
    pub fn to_json(&self) -> String {
        match serde_json::to_value(self) {
            Ok(v) => jackson::to_pretty_string(&v),
            // Serializing plain data to a Value cannot fail; keep a compact fallback anyway.
            Err(_) => String::new(),
        }
    }

    /// Total record count (0 when absent in old snapshots).
    pub fn total_records(&self) -> i64 {
        self.total_record_count.unwrap_or(0)
    }

    /// `tagCreateTime` as epoch millis (interpreting Java's LocalDateTime array as UTC).
    pub fn tag_create_millis(&self) -> Option<i64> {
        let arr = self.tag_create_time.as_ref()?.as_array()?;
        let g = |i: usize| arr.get(i).and_then(Value::as_i64).unwrap_or(0);
        let days = crate::time::days_from_civil(g(0), g(1) as u32, g(2) as u32);
        Some(days * 86_400_000 + g(3) * 3_600_000 + g(4) * 60_000 + g(5) * 1000 + g(6) / 1_000_000)
    }

    /// `tagTimeRetained` in milliseconds.
    pub fn tag_retained_millis(&self) -> Option<i64> {
        let v = self.tag_time_retained.as_ref()?;
        let secs = match v {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => s.parse::<f64>().ok()?,
            _ => return None,
        };
        Some((secs * 1000.0) as i64)
    }
}

/// Java `LocalDateTime` JSON array for epoch millis: `[y, m, d, h, min, s?, nanos?]` with
/// trailing zero components omitted.
pub fn java_local_date_time_array(millis: i64) -> Value {
    let days = millis.div_euclid(86_400_000);
    let ms = millis.rem_euclid(86_400_000);
    let (y, m, d) = crate::time::civil_from_days(days);
    let mut parts = vec![
        Value::from(y),
        Value::from(m),
        Value::from(d),
        Value::from(ms / 3_600_000),
        Value::from((ms / 60_000) % 60),
    ];
    let secs = (ms / 1000) % 60;
    let nanos = (ms % 1000) * 1_000_000;
    if secs != 0 || nanos != 0 {
        parts.push(Value::from(secs));
        if nanos != 0 {
            parts.push(Value::from(nanos));
        }
    }
    Value::Array(parts)
}

/// `consumer/consumer-<id>`: the next snapshot a named streaming reader will read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consumer {
    /// Next snapshot id to read.
    pub next_snapshot: i64,
}

impl Consumer {
    /// Parses a consumer file.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the text is not a consumer file.
    pub fn from_json(text: &str) -> Result<Consumer> {
        serde_json::from_str(text).map_err(|e| Error::corrupt("consumer file", e.to_string()))
    }

    /// Java-shaped JSON.
    pub fn to_json(&self) -> String {
        jackson::to_pretty_string(&serde_json::json!({"nextSnapshot": self.next_snapshot}))
    }
}

/// Parses the content of a `LATEST`/`EARLIEST` hint file.
pub fn parse_hint(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_09_snapshot_with_nulls_and_log_offsets() {
        let text = r#"{
  "version" : 3, "id" : 1, "schemaId" : 0,
  "baseManifestList" : "manifest-list-a-0", "deltaManifestList" : "manifest-list-a-1",
  "changelogManifestList" : null, "commitUser" : "u", "commitIdentifier" : 9223372036854775807,
  "commitKind" : "APPEND", "timeMillis" : 1795556993481, "logOffsets" : { },
  "totalRecordCount" : 3, "deltaRecordCount" : 3, "changelogRecordCount" : 0 }"#;
        let s = Snapshot::from_json(text).unwrap();
        assert_eq!(s.commit_identifier, BATCH_COMMIT_IDENTIFIER);
        assert_eq!(s.changelog_manifest_list, None);
        let back = Snapshot::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn reads_table_store_02_string_identifier() {
        let text = r#"{"id":1,"schemaId":0,"baseManifestList":"a","deltaManifestList":"b",
          "commitUser":"u","commitIdentifier":"42","commitKind":"APPEND","timeMillis":1,"logOffsets":{}}"#;
        let s = Snapshot::from_json(text).unwrap();
        assert_eq!(s.version, 1);
        assert_eq!(s.commit_identifier, 42);
    }

    #[test]
    fn future_version_is_refused() {
        let text = r#"{"version":9,"id":1,"schemaId":0,"baseManifestList":"a","deltaManifestList":"b",
          "commitUser":"u","commitIdentifier":1,"commitKind":"APPEND","timeMillis":1}"#;
        assert!(Snapshot::from_json(text).is_err());
    }

    #[test]
    fn local_date_time_array() {
        assert_eq!(
            java_local_date_time_array(1_704_164_645_678).to_string(),
            "[2024,1,2,3,4,5,678000000]"
        );
        assert_eq!(
            java_local_date_time_array(1_704_153_600_000).to_string(),
            "[2024,1,2,0,0]"
        );
    }
}
