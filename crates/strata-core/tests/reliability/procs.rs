//! Writer and compactor *processes* on one table: racing, and killed with SIGKILL — on local
//! disk and on moto (S3 protocol).
//!
//! A child process is this test binary re-run with `--exact procs::child_process_entry` and
//! `STRATA_RELIABILITY_CHILD` holding its job ([`ChildSpec`]): a writer performs operations
//! `from..from+count` of the shared workload (harness module), a compactor runs full
//! compactions. After each acknowledged operation a child appends `acked <w> <j>` to its ack
//! file (a line written before the kill survives it), which is what the parent checks against.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use strata_core::maintenance::remove_orphan_files;
use strata_core::{Catalog, Identifier, Table};

use crate::common::*;
use crate::harness::*;

const CHILD_ENV: &str = "STRATA_RELIABILITY_CHILD";

/// The job of one child process.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChildSpec {
    warehouse: String,
    options: HashMap<String, String>,
    /// Writer index, or `None` for a compactor.
    writer: Option<i32>,
    seed: u64,
    mix: Mix,
    from: u64,
    count: u64,
    ack_file: PathBuf,
    /// A compactor stops once this file exists.
    stop_file: Option<PathBuf>,
}

/// Not a test on its own: the body of a child process (returns at once without its job).
#[test]
fn child_process_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let spec: ChildSpec = serde_json::from_str(&spec).expect("child spec");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(child(spec));
}

async fn child(spec: ChildSpec) {
    let mut acks = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&spec.ack_file)
        .unwrap();
    let catalog = Catalog::open(&spec.warehouse, &spec.options).unwrap();
    let table: Table = catalog
        .get_table(&Identifier::parse(TABLE, None).unwrap())
        .await
        .unwrap();
    let mut stats = WriterStats::default();
    match spec.writer {
        Some(w) => {
            for j in spec.from..spec.from + spec.count {
                let op = gen_op(spec.seed, w, j, spec.mix);
                match run_op(&table, w, j, &op, 5, &mut stats).await {
                    OpOutcome::Acked if op != Op::Compact => {
                        writeln!(acks, "acked {w} {j}").unwrap();
                    }
                    OpOutcome::Acked => writeln!(acks, "compacted {w} {j}").unwrap(),
                    OpOutcome::GaveUp(e) => writeln!(acks, "gave-up {w} {j} {e}").unwrap(),
                }
            }
        }
        None => {
            for j in 0..spec.count {
                if spec.stop_file.as_ref().is_some_and(|f| f.exists()) {
                    break;
                }
                match run_op(&table, -1, j, &Op::Compact, 1, &mut stats).await {
                    OpOutcome::Acked => writeln!(acks, "compacted -1 {j}").unwrap(),
                    OpOutcome::GaveUp(e) => writeln!(acks, "gave-up -1 {j} {e}").unwrap(),
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        }
    }
}

fn spawn(spec: &ChildSpec, log: &Path) -> Child {
    let exe = std::env::current_exe().unwrap();
    // A rebuild in a shared target directory replaces the file while we run; the running image
    // is still reachable through /proc on Linux.
    let exe = if exe.exists() {
        exe
    } else {
        PathBuf::from("/proc/self/exe")
    };
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(exe)
        .args([
            "--exact",
            "procs::child_process_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_ENV, serde_json::to_string(spec).unwrap())
        .env_remove("STRATA_SEED")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// What the ack files under `dir` say.
#[derive(Debug, Default)]
struct Acks {
    /// Acknowledged upserts, deletes and overwrites.
    acked: BTreeSet<(i32, u64)>,
    /// Compactions that finished.
    compactions: usize,
    /// Operations given up, with the reason.
    gave_up: Vec<String>,
    /// Per writer, the next operation (one past the last that ended in any way): the one in
    /// flight when the writer was killed.
    next: std::collections::BTreeMap<i32, u64>,
}

/// Without injected faults only compactions may give up (when other commits keep removing
/// their inputs); anything else is a bug.
fn only_compactions_gave_up(acks: &Acks, op_of: &dyn Fn(i32, u64) -> Op) {
    for line in &acks.gave_up {
        let mut parts = line.splitn(4, ' ').skip(1);
        let (Some(Ok(w)), Some(Ok(j))) = (
            parts.next().map(str::parse::<i32>),
            parts.next().map(str::parse::<u64>),
        ) else {
            continue;
        };
        assert!(
            w < 0 || op_of(w, j) == Op::Compact,
            "an operation other than a compaction gave up: {line}"
        );
    }
}

fn read_acks(dir: &Path) -> Acks {
    let mut out = Acks::default();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "acks") {
            continue;
        }
        for line in std::fs::read_to_string(&p).unwrap().lines() {
            let mut parts = line.splitn(4, ' ');
            let (kind, w, j) = (parts.next(), parts.next(), parts.next());
            let (Some(kind), Some(w), Some(j)) = (kind, w, j) else {
                continue; // a line cut by SIGKILL
            };
            let (Ok(w), Ok(j)) = (w.parse::<i32>(), j.parse::<u64>()) else {
                continue;
            };
            match kind {
                "acked" => {
                    out.acked.insert((w, j));
                }
                "compacted" => out.compactions += 1,
                _ => out.gave_up.push(line.to_string()),
            }
            if w >= 0 {
                let next = out.next.entry(w).or_insert(0);
                *next = (*next).max(j + 1);
            }
        }
    }
    out
}

fn wait_all(children: &mut [Child], limit: Duration) -> Vec<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    for c in children.iter_mut() {
        loop {
            if let Some(s) = c.try_wait().unwrap() {
                out.push(s);
                break;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("a child process did not finish within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    out
}

const RACE_MIX: Mix = Mix {
    compact: 0,
    overwrite: 6,
};

async fn race(location: String, options: HashMap<String, String>, ops: u64, label: &str) {
    let seed = seed();
    let catalog = Catalog::open(&location, &options).unwrap();
    let table = create_workload_table(&catalog).await;
    let work = tempfile::tempdir().unwrap();
    let base = |writer: Option<i32>, count: u64| ChildSpec {
        warehouse: location.clone(),
        options: options.clone(),
        writer,
        seed,
        mix: RACE_MIX,
        from: 0,
        count,
        ack_file: work.path().join(format!(
            "{}.acks",
            writer.map_or("compactor".to_string(), |w| format!("writer-{w}"))
        )),
        stop_file: Some(work.path().join("stop")),
    };
    let started = Instant::now();
    let mut children: Vec<Child> = (0..3)
        .map(|w| spawn(&base(Some(w), ops), &work.path().join("children.log")))
        .collect();
    // The compactor runs until the writers are done.
    let mut compactor = spawn(&base(None, 10_000), &work.path().join("children.log"));
    let mut statuses = wait_all(&mut children, Duration::from_secs(600));
    std::fs::write(work.path().join("stop"), "").unwrap();
    statuses.extend(wait_all(
        std::slice::from_mut(&mut compactor),
        Duration::from_secs(120),
    ));
    let log = std::fs::read_to_string(work.path().join("children.log")).unwrap_or_default();
    for s in &statuses {
        assert!(s.success(), "{label}: a child failed: {s}\n{log}");
    }
    let op_of = |w: i32, j: u64| gen_op(seed, w, j, RACE_MIX);
    let acks = read_acks(work.path());
    only_compactions_gave_up(&acks, &op_of);
    let Acks {
        acked,
        compactions,
        gave_up,
        ..
    } = acks;
    let table = reopen(&catalog, &table.identifier().to_string()).await;
    let r = check_table(&table, &op_of, &acked, label).await;
    // The processes really interleaved: some snapshot follows one of another writer, and
    // compactions landed between appends.
    let users: Vec<String> = table
        .snapshot_manager()
        .snapshots()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.commit_user)
        .collect();
    let switches = users.windows(2).filter(|p| p[0] != p[1]).count();
    eprintln!(
        "{label}: 3 writer processes x {ops} operations + a compactor in {:.1?}: {} acknowledged, {} landed, {compactions} compactions ({} compaction snapshots), {} gave up, {switches} user switches in {} snapshots",
        started.elapsed(),
        acked.len(),
        r.landed.len(),
        r.compactions,
        gave_up.len(),
        users.len()
    );
    for g in gave_up.iter().take(5) {
        eprintln!("  {g}");
    }
    assert!(switches >= 3, "{label}: the writers did not interleave");
    assert!(
        acked.len() as u64 >= 3 * ops - 3,
        "{label}: too many operations gave up: {gave_up:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_and_compactor_processes_race_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let ops = if long() { 60 } else { 15 };
    race(
        dir.path().to_str().unwrap().to_string(),
        HashMap::new(),
        ops,
        "processes on local disk",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_and_compactor_processes_race_on_moto() {
    let Some((location, options)) = s3_warehouse(Server::Moto, "processes") else {
        return;
    };
    let ops = if long() { 30 } else { 6 };
    race(location, options, ops, "processes on moto").await;
}

const CRASH_MIX: Mix = Mix {
    compact: 10,
    overwrite: 4,
};

/// Files under a local directory whose names are object_store staging files (`name#N`): the
/// leftovers of uploads a killed process never finished.
fn staging_files(dir: &Path) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|f| {
            f.rsplit_once('#')
                .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect()
}

/// Every file of the table: walked on local disk (unfinished uploads included), listed
/// through the store otherwise.
async fn table_files(table: &Table, local_dir: Option<&Path>) -> Vec<String> {
    match local_dir {
        Some(dir) => files_under(dir),
        None => listed_files(table).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_writers_and_compactors_leave_a_readable_table() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().to_str().unwrap().to_string();
    let kills = if long() { 200 } else { 20 };
    let table_dir = dir.path().join("db.db/t");
    crash_test(
        location,
        HashMap::new(),
        Some(&table_dir),
        kills,
        "local disk",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_writers_and_compactors_leave_a_readable_table_on_moto() {
    let Some((location, options)) = s3_warehouse(Server::Moto, "crash") else {
        return;
    };
    let kills = if long() { 60 } else { 12 };
    crash_test(location, options, None, kills, "moto").await;
}

/// Rounds of two writer processes and a compactor process, a random subset of them SIGKILLed
/// mid-work each round, until `kills_wanted` kills: after each round the table reads and equals
/// the acknowledged operations (plus at most the one in flight per writer); at the end orphan
/// cleanup removes every leftover and nothing else. `local_dir`: the table's directory on
/// local disk (unfinished uploads are checked there).
async fn crash_test(
    location: String,
    options: HashMap<String, String>,
    local_dir: Option<&Path>,
    kills_wanted: usize,
    label: &str,
) {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let catalog = Catalog::open(&location, &options).unwrap();
    let table = create_workload_table(&catalog).await;
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("children.log");
    let op_of = |w: i32, j: u64| gen_op(seed, w, j, CRASH_MIX);
    let mut next = [0u64; 2];
    let mut state = Replay::default();
    let mut total_gave_up = 0;
    let (mut kills, mut rounds) = (0, 0);
    let started = Instant::now();
    while kills < kills_wanted {
        rounds += 1;
        let spec = |writer: Option<i32>, from: u64, count: u64, name: String| ChildSpec {
            warehouse: location.clone(),
            options: options.clone(),
            writer,
            seed,
            mix: CRASH_MIX,
            from,
            count,
            ack_file: work.path().join(format!("{name}.acks")),
            stop_file: None,
        };
        let mut children = vec![
            spawn(&spec(Some(0), next[0], 6, "writer-0".into()), &log),
            spawn(&spec(Some(1), next[1], 6, "writer-1".into()), &log),
            spawn(&spec(None, 0, 4, format!("compactor-{rounds}")), &log),
        ];
        // Let them run for a random while, then SIGKILL a random non-empty subset.
        std::thread::sleep(Duration::from_millis(rng.random_range(20..700)));
        let mut victims: Vec<usize> = (0..3).filter(|_| rng.random_bool(0.5)).collect();
        if victims.is_empty() {
            victims.push(rng.random_range(0..3));
        }
        for &v in &victims {
            if children[v].try_wait().unwrap().is_none() {
                children[v].kill().unwrap(); // SIGKILL
                kills += 1;
            }
        }
        let statuses = wait_all(&mut children, Duration::from_secs(300));
        for (i, s) in statuses.iter().enumerate() {
            if !victims.contains(&i) {
                assert!(
                    s.success(),
                    "round {rounds}: child {i} failed: {s}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        }
        // The table reads and equals the acknowledged operations plus at most the one in flight
        // per writer (the next round retries it with the same identifier).
        let acks = read_acks(work.path());
        only_compactions_gave_up(&acks, &op_of);
        let t = reopen(&catalog, TABLE).await;
        check_table_more(
            &mut state,
            &t,
            &op_of,
            &acks.acked,
            &format!("after round {rounds}"),
        )
        .await;
        for (w, j) in state.landed.difference(&acks.acked) {
            let in_flight = acks.next.get(w).copied().unwrap_or(0);
            assert_eq!(
                *j, in_flight,
                "round {rounds}: operation {j} of writer {w} landed unacknowledged but is not the one in flight"
            );
        }
        // Every writer goes on with the operation in flight (same identifier: a no-op if it
        // landed). Skipping back to an earlier one would be wrong: identifiers only grow.
        for (w, next) in next.iter_mut().enumerate() {
            *next = acks.next.get(&(w as i32)).copied().unwrap_or(0);
        }
        total_gave_up = acks.gave_up.len();
    }
    // Orphan cleanup with no safety window removes every leftover and nothing else.
    let t = reopen(&catalog, TABLE).await;
    let Acks {
        acked,
        compactions,
        gave_up,
        ..
    } = read_acks(work.path());
    assert_eq!(gave_up.len(), total_gave_up);
    let staged = local_dir.map(staging_files).unwrap_or_default();
    let before = table_files(&t, local_dir).await.len();
    let report = remove_orphan_files(&t, Duration::ZERO, false)
        .await
        .unwrap();
    let after = table_files(&t, local_dir).await;
    let r = check_table(&t, &op_of, &acked, "after orphan cleanup").await;
    let referenced = check_referenced_files_exist(&t).await;
    let data_or_manifest: Vec<&String> = after
        .iter()
        .filter(|f| f.starts_with("manifest/") || f.contains("bucket-"))
        .collect();
    assert_eq!(
        data_or_manifest.len(),
        referenced,
        "every data and manifest file left is referenced: {data_or_manifest:?}"
    );
    let staged_after = local_dir.map(staging_files).unwrap_or_default();
    assert!(
        staged_after.is_empty(),
        "unfinished uploads of killed processes remain: {staged_after:?}"
    );
    eprintln!(
        "crash test on {label}: {kills} SIGKILLs in {rounds} rounds ({:.1?}); {} operations acknowledged, {} landed, {compactions} compactions acknowledged, {} compaction snapshots, {} operations given up (compactions that kept losing their inputs); orphan cleanup removed {} of {before} files ({} unfinished uploads), {referenced} referenced files remain",
        started.elapsed(),
        acked.len(),
        r.landed.len(),
        r.compactions,
        gave_up.len(),
        report.orphans.len(),
        staged.len(),
    );
    let again = remove_orphan_files(&t, Duration::ZERO, true).await.unwrap();
    assert!(again.orphans.is_empty(), "{:?}", again.orphans);
    let _ = table;
}
