//! Tags (spec §10.8): `tag/tag-<name>` is a copy of a snapshot's JSON that pins its data and
//! manifests even after the snapshot expired.
//!
//! ```text
//! create_tag ─▶ snapshot JSON (+ tagCreateTime / tagTimeRetained only with a retention)
//!            ─▶ create-if-absent tag/tag-<name>
//! delete_tag ─▶ snapshot still exists? delete the tag file only
//!            └▶ else delete the tag file, then the files only it used: its live data files and
//!               manifests minus those of its neighbours (previous tag, min(next tag, earliest
//!               snapshot)) and of long-lived changelogs
//! after commits: tag TTL (tagTimeRetained) and `tag.automatic-creation = process-time`
//! ```
//!
//! Reference: `TagManager`, `TagDeletion`, `TagAutoCreation`, `TagTimeExpire` (Paimon 0.9).

use std::collections::HashSet;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
use strata_spec::snapshot::java_local_date_time_array;
use strata_spec::Snapshot;

use super::expire::changelog_refs;
use super::files::{
    delete_all, list_entries, live_data_file_names, metadata_path, metadata_refs, tagged_snapshots,
    Lists,
};
use crate::changelog::LongLivedChangelogs;
use crate::error::{Error, Result};
use crate::path;
use crate::table::Table;

/// A tag as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// Tag name.
    pub name: String,
    /// Snapshot id it points at.
    pub snapshot_id: i64,
    /// Commit time of that snapshot (epoch ms).
    pub commit_time_ms: i64,
    /// Rows in that snapshot.
    pub record_count: i64,
    /// Creation time (local wall clock as epoch ms), when the tag has a retention.
    pub create_time_ms: Option<i64>,
    /// Retention, when set.
    pub time_retained: Option<Duration>,
}

/// Checks a tag name: not blank, not purely numeric (Java rejects those), no path separator.
///
/// # Errors
/// [`Error::Invalid`] naming the problem.
pub fn validate_tag_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::Invalid("a tag name must not be blank".into()));
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Invalid(format!(
            "tag name '{name}' is purely numeric; Paimon rejects such names (they look like snapshot ids)"
        )));
    }
    if name.contains(['/', '\\']) {
        return Err(Error::Invalid(format!(
            "tag name '{name}' contains a path separator"
        )));
    }
    Ok(())
}

/// Creates tag `name` on snapshot `snapshot` (the latest when `None`). `time_retained` falls
/// back to `tag.default-time-retained`.
///
/// # Errors
/// Bad name, tag exists, no such snapshot, storage errors.
pub async fn create_tag(
    table: &Table,
    name: &str,
    snapshot: Option<i64>,
    time_retained: Option<Duration>,
) -> Result<Snapshot> {
    validate_tag_name(name)?;
    let sm = table.snapshot_manager();
    let mut s = match snapshot {
        Some(id) => sm.snapshot(id).await?,
        None => sm.latest().await?.ok_or_else(|| {
            Error::Invalid(format!(
                "cannot tag the latest snapshot of '{}': the table has no snapshots yet",
                table.name()
            ))
        })?,
    };
    let retained = match time_retained {
        Some(d) => Some(d),
        None => table.options().tag_default_time_retained()?,
    };
    s.tag_create_time = None;
    s.tag_time_retained = None;
    if let Some(d) = retained {
        s.tag_create_time = Some(java_local_date_time_array(crate::write::now_local_millis()));
        s.tag_time_retained = Some(serde_json::Value::from(d.as_secs_f64()));
    }
    let p = path::tag_path(name);
    if !table.io().create_if_absent(&p, s.to_json()).await? {
        return Err(Error::Invalid(format!(
            "tag '{name}' already exists in table '{}'; delete it first or choose another name",
            table.name()
        )));
    }
    tracing::info!(table = %table.name(), tag = name, snapshot = s.id, "created tag");
    Ok(s)
}

/// Lists tags sorted by name.
///
/// # Errors
/// Corrupt tag files, storage errors.
pub async fn list_tags(table: &Table) -> Result<Vec<TagInfo>> {
    Ok(table
        .snapshot_manager()
        .tags()
        .await?
        .into_iter()
        .map(|(name, s)| TagInfo {
            name,
            snapshot_id: s.id,
            commit_time_ms: s.time_millis,
            record_count: s.total_records(),
            create_time_ms: s.tag_create_millis(),
            time_retained: s
                .tag_retained_millis()
                .map(|ms| Duration::from_millis(ms.max(0) as u64)),
        })
        .collect())
}

/// Deletes tag `name` and then the files only it kept alive; returns the deleted paths.
///
/// # Errors
/// No such tag; metadata read errors (the tag file is then left in place).
pub async fn delete_tag(table: &Table, name: &str) -> Result<Vec<String>> {
    validate_tag_name(name)?;
    let sm = table.snapshot_manager();
    let tag = sm.tag(name).await?;
    let mut deleted = Vec::new();
    let p = path::tag_path(name);
    if sm.exists(tag.id).await? {
        // The snapshot keeps everything the tag references.
        table.io().delete(&p).await?;
        deleted.push(p);
        return Ok(deleted);
    }
    let all = sm.tags().await?;
    let shared = all
        .iter()
        .filter(|(n, s)| n != name && s.id == tag.id)
        .count();
    if shared > 0 {
        table.io().delete(&p).await?;
        deleted.push(p);
        return Ok(deleted);
    }
    // Decide first (reads only), then delete the tag file, then the files.
    let store = table.manifest_store();
    let tags: Vec<Snapshot> = tagged_snapshots(table)
        .await?
        .into_iter()
        .filter(|t| t.id != tag.id)
        .collect();
    let mut neighbours: Vec<Snapshot> = Vec::new();
    if let Some(left) = tags.iter().rev().find(|t| t.id < tag.id) {
        neighbours.push(left.clone());
    }
    let right_tag = tags.iter().find(|t| t.id > tag.id);
    let earliest = match sm.earliest_id().await? {
        Some(e) => Some(sm.snapshot(e).await?),
        None => None,
    };
    match (right_tag, earliest) {
        (Some(t), Some(e)) => neighbours.push(if t.id < e.id { t.clone() } else { e }),
        (Some(t), None) => neighbours.push(t.clone()),
        (None, Some(e)) => neighbours.push(e),
        (None, None) => {}
    }
    let mut keep_data: HashSet<String> = HashSet::new();
    let mut keep_meta: HashSet<String> = HashSet::new();
    for n in &neighbours {
        keep_data.extend(live_data_file_names(table, n).await?);
        keep_meta.extend(metadata_refs(&store, n, Lists::ALL).await?);
    }
    let produces =
        table.options().changelog_producer()? != strata_spec::options::ChangelogProducer::None;
    let changelogs = LongLivedChangelogs::new(table.io().clone());
    for id in changelogs.list_ids().await? {
        if let Some(c) = changelogs.get(id).await? {
            keep_meta.extend(changelog_refs(&store, &c, produces).await?);
            if !produces {
                if let Ok(entries) = list_entries(&store, &c.delta_manifest_list).await {
                    keep_data.extend(entries.into_iter().map(|e| e.file.file_name));
                }
            }
        }
    }
    let mut doomed: Vec<String> = Vec::new();
    for e in crate::scan::TableScan::new(table.clone())
        .live_entries(&tag)
        .await?
    {
        if keep_data.contains(&e.file.file_name) {
            continue;
        }
        doomed.extend(super::files::entry_paths(table, &e)?.unwrap_or_default());
    }
    for n in metadata_refs(&store, &tag, Lists::DATA).await? {
        if !keep_meta.contains(&n) {
            doomed.push(metadata_path(&n));
        }
    }
    table.io().delete(&p).await?;
    deleted.push(p);
    doomed.sort();
    doomed.dedup();
    delete_all(table, &doomed, &mut deleted).await;
    tracing::info!(table = %table.name(), tag = name, files = deleted.len(), "deleted tag");
    Ok(deleted)
}

/// Deletes tags whose `tagCreateTime + tagTimeRetained` has passed; returns their names.
///
/// # Errors
/// Metadata read errors.
pub async fn expire_tags(table: &Table) -> Result<Vec<String>> {
    let now = crate::write::now_local_millis();
    let mut out = Vec::new();
    for (name, s) in table.snapshot_manager().tags().await? {
        if let (Some(created), Some(kept)) = (s.tag_create_millis(), s.tag_retained_millis()) {
            if created.saturating_add(kept) < now {
                delete_tag(table, &name).await?;
                out.push(name);
            }
        }
    }
    Ok(out)
}

/// `tag.creation-period`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Daily,
    Hourly,
    TwoHours,
}

impl Period {
    fn parse(v: &str) -> Result<Period> {
        match v {
            "daily" => Ok(Period::Daily),
            "hourly" => Ok(Period::Hourly),
            "two-hours" => Ok(Period::TwoHours),
            other => Err(Error::Invalid(format!(
                "tag.creation-period '{other}' is not supported (daily, hourly, two-hours)"
            ))),
        }
    }

    fn millis(self) -> i64 {
        match self {
            Period::Daily => 86_400_000,
            Period::Hourly => 3_600_000,
            Period::TwoHours => 7_200_000,
        }
    }

    /// Java's default formatter: `yyyy-MM-dd` daily, `yyyy-MM-dd HH` otherwise.
    fn name_of(self, start_ms: i64) -> String {
        let t = chrono::DateTime::from_timestamp_millis(start_ms)
            .map(|d| d.naive_utc())
            .unwrap_or_default();
        match self {
            Period::Daily => t.format("%Y-%m-%d").to_string(),
            _ => t.format("%Y-%m-%d %H").to_string(),
        }
    }

    fn parse_name(self, name: &str) -> Option<i64> {
        let t = match self {
            Period::Daily => chrono::NaiveDate::parse_from_str(name, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)?,
            _ => {
                let (d, h) = name.rsplit_once(' ')?;
                let day = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
                let hour: u32 = h.parse().ok()?;
                if h.len() != 2 {
                    return None;
                }
                NaiveDateTime::new(day, chrono::NaiveTime::from_hms_opt(hour, 0, 0)?)
            }
        };
        if self == Period::TwoHours && t.hour() % 2 != 0 {
            return None;
        }
        Some(t.and_utc().timestamp_millis())
    }
}

/// `tag.automatic-creation = process-time`: once a period (plus `tag.creation-delay`) has
/// passed, tags the latest snapshot with the name of that period, then keeps at most
/// `tag.num-retained-max` automatic tags. Returns the tag created, if any.
///
/// # Errors
/// Bad options; metadata errors.
pub async fn auto_create_tag(table: &Table) -> Result<Option<String>> {
    let o = table.options();
    match o.tag_automatic_creation().as_str() {
        "none" => return Ok(None),
        "process-time" => {}
        other => {
            return Err(Error::Unsupported(format!(
                "tag.automatic-creation = {other} (only process-time)"
            )))
        }
    }
    let period = Period::parse(&o.tag_creation_period())?;
    let delay = o
        .get("tag.creation-delay")
        .map(strata_spec::options::parse_duration)
        .transpose()
        .map_err(|e| Error::Invalid(format!("tag.creation-delay: {e}")))?
        .unwrap_or_default();
    // Java uses the local wall clock.
    let now = crate::write::now_local_millis() - delay.as_millis() as i64;
    let p = period.millis();
    let this_start = now.div_euclid(p) * p - p;
    let names = table.snapshot_manager().tag_names().await?;
    let mut auto: Vec<(i64, String)> = names
        .iter()
        .filter_map(|n| period.parse_name(n).map(|t| (t, n.clone())))
        .collect();
    auto.sort();
    let mut created = None;
    let newest = auto.last().map(|(t, _)| *t);
    if newest.is_none_or(|t| t < this_start) {
        let name = period.name_of(this_start);
        if table.snapshot_manager().latest_id().await?.is_some() {
            match create_tag(table, &name, None, None).await {
                Ok(_) => {
                    auto.push((this_start, name.clone()));
                    created = Some(name);
                }
                // Another writer created it first.
                Err(Error::Invalid(_)) if names.contains(&name) => {}
                Err(e) => return Err(e),
            }
        }
    }
    if let Some(max) = o.tag_num_retained_max()? {
        while auto.len() > max {
            let (_, oldest) = auto.remove(0);
            delete_tag(table, &oldest).await?;
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_tag_name("123").is_err());
        assert!(validate_tag_name(" ").is_err());
        assert!(validate_tag_name("a/b").is_err());
        assert!(validate_tag_name("daily-1").is_ok());
        let d = Period::Daily;
        let t = d.parse_name("2024-01-02").unwrap();
        assert_eq!(d.name_of(t), "2024-01-02");
        let h = Period::Hourly;
        let t = h.parse_name("2024-01-02 07").unwrap();
        assert_eq!(h.name_of(t), "2024-01-02 07");
        assert_eq!(Period::TwoHours.parse_name("2024-01-02 07"), None);
        assert_eq!(d.parse_name("release-1"), None);
    }
}
