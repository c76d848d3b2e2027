//! The shared workload of the reliability tests.
//!
//! One primary-key table `db.t (k INT NOT NULL, v BIGINT, w INT)`, 2 buckets, `write-only`
//! writers. Writer `w` owns the keys `k ≡ w (mod 4)` and performs a sequence of operations
//! that is a pure function of (seed, writer, index) — so a restarted process, or the checking
//! test, can regenerate any of them:
//!
//! * upsert a few of its keys, delete a few of its keys (APPEND snapshots),
//! * a full compaction of the table (COMPACT snapshot, content unchanged),
//! * an overwrite of the whole table with a few of its own keys (OVERWRITE snapshot).
//!
//! Operation `j` of writer `w` commits as user `writer-w` with identifier `j + 1`, and is
//! retried with the same identifier after any failure (idempotent). Because each key has one
//! writer, upserts commute; overwrites do not, so the expected table is the **replay of the
//! operations in snapshot order** ([`replay`]), which also checks that no operation landed
//! twice and that every acknowledged operation landed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use arrow_array::Int8Array;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use strata_core::maintenance::{compact, CompactOptions};
use strata_core::{Catalog, CommitError, CommitMessage, Error, OverwriteScope, Table};
use strata_spec::{CommitKind, Snapshot};

use crate::common::*;

/// Name of the workload table.
pub const TABLE: &str = "db.t";
/// Key ownership modulus (the most writers a workload has).
pub const KEY_OWNERS: i32 = 4;

/// Which S3-protocol server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// s3s-fs: a real server on files; its conditional put is not race-safe.
    Fs,
    /// moto: in memory, atomic conditional puts.
    Moto,
}

/// A fresh warehouse location on `server` and its storage options, or `None` (skip) when the
/// server is not running — a failure instead when `STRATA_REQUIRE_JUDGES=1` (CI).
pub fn s3_warehouse(server: Server, test: &str) -> Option<(String, HashMap<String, String>)> {
    let var = match server {
        Server::Fs => "STRATA_S3_FS",
        Server::Moto => "STRATA_S3_MOTO",
    };
    let Some(endpoint) = std::env::var(var).ok().filter(|v| !v.is_empty()) else {
        let msg = format!(
            "{var} is not set: start the S3 servers with `eval \"$(scripts/setup-test-env.sh)\"`"
        );
        if strata_testkit::require_judges() {
            panic!("{msg} (STRATA_REQUIRE_JUDGES=1)");
        }
        eprintln!("skipping {test}: {msg}");
        return None;
    };
    let options: HashMap<String, String> = [
        ("s3.endpoint", endpoint.as_str()),
        ("s3.region", "us-east-1"),
        ("s3.access-key", "test"),
        ("s3.secret-key", "test"),
        ("s3.path-style-access", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let unique = uuid::Uuid::new_v4().simple().to_string();
    Some((format!("s3://strata/{test}-{}", &unique[..12]), options))
}

/// Creates the workload table.
pub async fn create_workload_table(catalog: &Catalog) -> Table {
    create_table(
        catalog,
        TABLE,
        vec![
            field("k", "INT NOT NULL"),
            field("v", "BIGINT"),
            field("w", "INT"),
        ],
        &[],
        &["k"],
        &[
            ("bucket", "2"),
            ("write-only", "true"),
            ("commit.max-retries", "200"),
            ("commit.min-retry-wait", "2 ms"),
            ("commit.max-retry-wait", "100 ms"),
        ],
    )
    .await
}

/// Which operations a writer draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mix {
    /// Percent of full compactions.
    pub compact: u32,
    /// Percent of whole-table overwrites.
    pub overwrite: u32,
}

/// One operation of one writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Upsert `(k, v)` rows.
    Upsert(Vec<(i32, i64)>),
    /// Delete these keys.
    Delete(Vec<i32>),
    /// Full compaction.
    Compact,
    /// Replace the whole table with these rows.
    Overwrite(Vec<(i32, i64)>),
}

/// Operation `j` of writer `w` (pure).
pub fn gen_op(seed: u64, w: i32, j: u64, mix: Mix) -> Op {
    let mut rng = StdRng::seed_from_u64(seed ^ ((w as u64) << 48) ^ j.wrapping_mul(0x9E37_79B9));
    let key = |rng: &mut StdRng| w + KEY_OWNERS * rng.random_range(0..40);
    let roll = rng.random_range(0..100u32);
    if roll < mix.compact {
        return Op::Compact;
    }
    if roll < mix.compact + mix.overwrite {
        let n = rng.random_range(1..4);
        return Op::Overwrite(
            (0..n)
                .map(|_| (key(&mut rng), rng.random_range(0..1_000_000)))
                .collect(),
        );
    }
    if roll < mix.compact + mix.overwrite + 10 {
        let n = rng.random_range(1..3);
        return Op::Delete((0..n).map(|_| key(&mut rng)).collect());
    }
    let n = rng.random_range(1..6);
    Op::Upsert(
        (0..n)
            .map(|_| (key(&mut rng), rng.random_range(0..1_000_000)))
            .collect(),
    )
}

/// The commit user of writer `w`.
pub fn user(w: i32) -> String {
    format!("writer-{w}")
}

fn parse_user(u: &str) -> Option<i32> {
    u.strip_prefix("writer-")?.parse().ok()
}

/// Writes the rows of an upsert, delete or overwrite; returns the commit messages. On error
/// the writer is aborted (its files deleted where possible).
pub async fn write_op(table: &Table, w: i32, op: &Op) -> strata_core::Result<Vec<CommitMessage>> {
    let (rows, kinds, overwrite): (Vec<Value>, Vec<i8>, bool) = match op {
        Op::Upsert(r) | Op::Overwrite(r) => (
            r.iter()
                .map(|(k, v)| json!({"k": k, "v": v, "w": w}))
                .collect(),
            vec![0; r.len()],
            matches!(op, Op::Overwrite(_)),
        ),
        Op::Delete(keys) => (
            keys.iter()
                .map(|k| json!({"k": k, "v": null, "w": w}))
                .collect(),
            vec![3; keys.len()],
            false,
        ),
        Op::Compact => return Ok(Vec::new()),
    };
    let batch = strata_core::json::json_to_batch(
        &rows,
        &table.schema().fields,
        strata_core::json::Origin {
            source: "workload",
            first_row: 1,
        },
    )?;
    let mut write = table.new_write_as(&user(w))?.with_overwrite(overwrite);
    let kinds = Int8Array::from(kinds);
    if let Err(e) = write.write_with_kinds(&batch, Some(&kinds)).await {
        write.abort().await;
        return Err(e);
    }
    let msgs = match write.prepare_commit().await {
        Ok(m) => m,
        Err(e) => {
            write.abort().await;
            return Err(e);
        }
    };
    write.close().await?;
    Ok(msgs)
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpOutcome {
    /// Committed (or found committed) and acknowledged.
    Acked,
    /// Gave up; it may or may not have landed (the last error says which).
    GaveUp(String),
}

/// Counters of a writer run.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriterStats {
    /// Operations acknowledged.
    pub acked: u64,
    /// Operations given up.
    pub gave_up: u64,
    /// Commit attempts with an unknown outcome (then retried with the same identifier).
    pub unknown: u64,
    /// Conflicts seen (compactions that lost their inputs).
    pub conflicts: u64,
    /// Failed attempts retried.
    pub retries: u64,
}

/// Performs operation `j` of writer `w` with up to `attempts` attempts.
pub async fn run_op(
    table: &Table,
    w: i32,
    j: u64,
    op: &Op,
    attempts: u32,
    stats: &mut WriterStats,
) -> OpOutcome {
    let ident = j as i64 + 1;
    let mut msgs: Option<Vec<CommitMessage>> = None;
    let mut last = String::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            stats.retries += 1;
        }
        if *op == Op::Compact {
            let opts = CompactOptions {
                full: true,
                ..Default::default()
            };
            match compact(table, &opts, &mut |_, _| {}).await {
                Ok(_) => {
                    stats.acked += 1;
                    return OpOutcome::Acked;
                }
                Err(e @ Error::Commit(CommitError::Conflict { .. })) => {
                    // It already started over CONFLICT_RETRIES times: give up cleanly.
                    stats.conflicts += 1;
                    stats.gave_up += 1;
                    return OpOutcome::GaveUp(e.to_string());
                }
                Err(e @ Error::Commit(CommitError::OutcomeUnknown { .. })) => {
                    // A compaction changes no content; not worth an identifier.
                    stats.unknown += 1;
                    stats.gave_up += 1;
                    return OpOutcome::GaveUp(e.to_string());
                }
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            }
        }
        if msgs.is_none() {
            match write_op(table, w, op).await {
                Ok(m) => msgs = Some(m),
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            }
        }
        let m = msgs.clone().unwrap_or_default();
        let committer = table.new_commit(&user(w));
        let result = match op {
            Op::Overwrite(_) => committer.overwrite(OverwriteScope::All, m, ident).await,
            _ => committer.commit(m, ident).await,
        };
        match result {
            Ok(_) => {
                stats.acked += 1;
                return OpOutcome::Acked;
            }
            Err(e) => {
                if matches!(e, Error::Commit(CommitError::OutcomeUnknown { .. })) {
                    stats.unknown += 1;
                }
                last = e.to_string();
            }
        }
    }
    stats.gave_up += 1;
    OpOutcome::GaveUp(last)
}

/// The expected content: key → (v, w).
pub type Model = BTreeMap<i32, (i64, i32)>;

/// Applies one operation of writer `w` to the model.
pub fn apply(model: &mut Model, w: i32, op: &Op) {
    match op {
        Op::Upsert(rows) => {
            for (k, v) in rows {
                model.insert(*k, (*v, w));
            }
        }
        Op::Delete(keys) => {
            for k in keys {
                model.remove(k);
            }
        }
        Op::Overwrite(rows) => {
            model.clear();
            for (k, v) in rows {
                model.insert(*k, (*v, w));
            }
        }
        Op::Compact => {}
    }
}

/// What the snapshots of a table say happened.
#[derive(Debug, Default, Clone)]
pub struct Replay {
    /// The model after every snapshot, applied in snapshot order.
    pub model: Model,
    /// (writer, index) of every operation that landed.
    pub landed: BTreeSet<(i32, u64)>,
    /// COMPACT snapshots.
    pub compactions: usize,
    /// Commits seen, to catch one applied twice.
    seen: HashSet<(String, i64, CommitKind)>,
    /// The last snapshot replayed.
    pub last_id: i64,
}

/// Replays the snapshots of `table` through `op_of`. Fails when an operation landed twice or a
/// snapshot belongs to no known operation.
pub async fn replay(
    table: &Table,
    op_of: &dyn Fn(i32, u64) -> Op,
) -> std::result::Result<Replay, String> {
    let mut r = Replay::default();
    replay_more(&mut r, table, op_of).await?;
    Ok(r)
}

/// Continues a replay with the snapshots after `r.last_id` (snapshots never change and, with
/// the workload's retention, never expire during a test).
pub async fn replay_more(
    out: &mut Replay,
    table: &Table,
    op_of: &dyn Fn(i32, u64) -> Op,
) -> std::result::Result<(), String> {
    let sm = table.snapshot_manager();
    let ids = sm.list_ids().await.map_err(|e| e.to_string())?;
    let from = out.last_id;
    for id in ids.into_iter().filter(|id| *id > from) {
        let s: Snapshot = sm.snapshot(id).await.map_err(|e| e.to_string())?;
        if id != out.last_id + 1 {
            return Err(format!(
                "snapshot {id} follows snapshot {}: ids have a gap",
                out.last_id
            ));
        }
        out.last_id = id;
        if !out
            .seen
            .insert((s.commit_user.clone(), s.commit_identifier, s.commit_kind))
        {
            return Err(format!(
                "snapshot {} repeats commit ({}, {}, {:?}): a commit was applied twice",
                s.id, s.commit_user, s.commit_identifier, s.commit_kind
            ));
        }
        if s.commit_kind == CommitKind::Compact {
            out.compactions += 1;
            continue;
        }
        let Some(w) = parse_user(&s.commit_user) else {
            return Err(format!(
                "snapshot {} was committed by unknown user {}",
                s.id, s.commit_user
            ));
        };
        let j = (s.commit_identifier - 1) as u64;
        let op = op_of(w, j);
        let expected_kind = match op {
            Op::Overwrite(_) => CommitKind::Overwrite,
            _ => CommitKind::Append,
        };
        if s.commit_kind != expected_kind {
            return Err(format!(
                "snapshot {} of writer {w} op {j} is {:?}, expected {:?}",
                s.id, s.commit_kind, expected_kind
            ));
        }
        if !out.landed.insert((w, j)) {
            return Err(format!("operation {j} of writer {w} landed twice"));
        }
        apply(&mut out.model, w, &op);
    }
    Ok(())
}

/// The model as JSON rows.
pub fn model_rows(model: &Model) -> Vec<Value> {
    model
        .iter()
        .map(|(k, (v, w))| json!({"k": k, "v": v, "w": w}))
        .collect()
}

/// Every file any snapshot references (manifest lists, manifests, index manifest, data files)
/// exists. Returns how many files were checked.
pub async fn check_referenced_files_exist(table: &Table) -> usize {
    check_referenced_files_exist_from(table, 1).await
}

/// Every file the store lists under the table root (paths relative to it).
pub async fn listed_files(table: &Table) -> Vec<String> {
    table
        .io()
        .list_recursive("")
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .collect()
}

/// As [`check_referenced_files_exist`] for the snapshots from id `first` on.
pub async fn check_referenced_files_exist_from(table: &Table, first: i64) -> usize {
    let present: HashSet<String> = listed_files(table).await.into_iter().collect();
    let store = table.manifest_store();
    let mut manifests_seen: HashSet<String> = HashSet::new();
    let mut checked: HashSet<String> = HashSet::new();
    let mut need = |p: String, why: &str| {
        assert!(
            present.contains(&p),
            "{p} is referenced ({why}) but missing: files of a published snapshot were deleted"
        );
        checked.insert(p);
    };
    let sm = table.snapshot_manager();
    for id in sm.list_ids().await.unwrap() {
        if id < first {
            continue;
        }
        let s = sm.snapshot(id).await.unwrap();
        let mut lists = vec![s.base_manifest_list.clone(), s.delta_manifest_list.clone()];
        lists.extend(s.changelog_manifest_list.clone());
        if let Some(i) = &s.index_manifest {
            need(format!("manifest/{i}"), "index manifest");
        }
        for l in lists {
            need(format!("manifest/{l}"), &format!("snapshot {}", s.id));
            for m in store.read_list(&l).await.unwrap() {
                if !manifests_seen.insert(m.file_name.clone()) {
                    continue;
                }
                need(format!("manifest/{}", m.file_name), &format!("list {l}"));
                for e in store.read_manifest(&m.file_name).await.unwrap() {
                    let dir = table.bucket_path(&e.partition, e.bucket).unwrap();
                    need(
                        format!("{dir}/{}", e.file.file_name),
                        &format!("manifest {}", m.file_name),
                    );
                }
            }
        }
    }
    checked.len()
}

/// Reads the latest table content and compares it with the replay of its snapshots; checks
/// that every acknowledged operation landed exactly once and that no referenced file is
/// missing. Returns the replay.
pub async fn check_table(
    table: &Table,
    op_of: &dyn Fn(i32, u64) -> Op,
    acked: &BTreeSet<(i32, u64)>,
    context: &str,
) -> Replay {
    let mut r = Replay::default();
    check_table_more(&mut r, table, op_of, acked, context).await;
    r
}

/// As [`check_table`], continuing the replay `r` (only new snapshots are read and have their
/// files checked).
pub async fn check_table_more(
    r: &mut Replay,
    table: &Table,
    op_of: &dyn Fn(i32, u64) -> Op,
    acked: &BTreeSet<(i32, u64)>,
    context: &str,
) {
    let first_new = r.last_id + 1;
    replay_more(r, table, op_of)
        .await
        .unwrap_or_else(|e| panic!("{context}: {e}"));
    for a in acked {
        assert!(
            r.landed.contains(a),
            "{context}: acknowledged operation {} of writer {} is not in any snapshot (a commit was lost)",
            a.1,
            a.0
        );
    }
    let rows = read_rows(table, strata_core::SnapshotSelector::Latest).await;
    assert_same_rows(&rows, &model_rows(&r.model), context);
    check_referenced_files_exist_from(table, first_new).await;
}
