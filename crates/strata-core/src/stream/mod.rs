//! Streaming and incremental reads (spec §11.2): an async [`Stream`] of [`ChangeBatch`]es,
//! rows with their row kinds (`+I`, `-U`, `+U`, `-D`), following a table as it changes.
//!
//! ```text
//! start ─┬─ consumer-id with progress ─▶ next = nextSnapshot (no full scan)
//!        └─ scan.mode / StartingPosition ─▶ [full state of S as +I] ─▶ next = S + 1
//! follow: loop { snapshot-next exists?
//!            yes ─▶ APPEND delta files (no changelog producer; append tables: +I;
//!                   primary key: stored kinds, merged per key within the snapshot)
//!                   or changelog files (input / lookup / full-compaction producers)
//!                   COMPACT skipped unless it carries changelog; OVERWRITE skipped unless
//!                   streaming-read-overwrite ─▶ emit ─▶ next += 1 ─▶ record consumer
//!            expired ─▶ long-lived changelog-next, else error naming snapshot `next`
//!            not yet ─▶ sleep continuous.discovery-interval }
//! ```
//!
//! One snapshot is read at a time and its files are streamed, so memory stays bounded whatever
//! the backlog. A reader that falls behind snapshot expiry fails with an error naming the
//! expired snapshot; it never skips or invents rows.
//!
//! **Consumer progress** (`consumer-id`): `consumer/consumer-<id>` is written with
//! `nextSnapshot = n + 1` when the caller polls the stream again after the last batch of
//! snapshot `n` — i.e. after it processed every batch of `n`. After a crash the reader resumes
//! at the first snapshot not fully handed over and processed: **at-least-once** for the batches
//! of that one snapshot (they are delivered again), never a gap. A caller that makes its own
//! output for a snapshot atomic (e.g. writes it in one commit keyed by the snapshot id, see
//! [`ChangeBatch::snapshot_id`]) gets **exactly-once** at snapshot granularity. Streams started
//! from a delta position record their starting snapshot at once, so expiry protects it.
//!
//! Reference: `DataTableStreamScan`, `DeltaFollowUpScanner`, `AllDeltaFollowUpScanner`,
//! `IncrementalStartingScanner`, `ConsumerManager` (Paimon 0.9).

mod read;
mod start;

use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use arrow_array::{Int8Array, RecordBatch};
use futures::stream::{BoxStream, Stream, StreamExt};
use strata_spec::{RowKind, Snapshot};

use crate::changelog::LongLivedChangelogs;
use crate::consumer::ConsumerManager;
use crate::error::{Error, Result};
use crate::table::Table;
use read::{UnitKind, UnitReader};

/// Rows of one snapshot with their row kinds.
#[derive(Debug, Clone)]
pub struct ChangeBatch {
    /// The snapshot whose changes these are (the full-state snapshot for an initial scan).
    pub snapshot_id: i64,
    /// The rows, in the table's columns.
    pub batch: RecordBatch,
    /// Row kind of each row ([`RowKind::as_byte`]: 0 `+I`, 1 `-U`, 2 `+U`, 3 `-D`).
    pub kinds: Int8Array,
}

impl ChangeBatch {
    fn inserts(snapshot_id: i64, batch: RecordBatch) -> ChangeBatch {
        let kinds = Int8Array::from(vec![0i8; batch.num_rows()]);
        ChangeBatch {
            snapshot_id,
            batch,
            kinds,
        }
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The kind of row `i` (unknown bytes read as `+I`).
    pub fn kind(&self, i: usize) -> RowKind {
        RowKind::from_byte(self.kinds.value(i)).unwrap_or(RowKind::Insert)
    }
}

/// Where a streaming read starts (`scan.mode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartingPosition {
    /// `latest-full`: the full state of the latest snapshot, then its successors.
    LatestFull,
    /// `latest`: only changes committed after the start.
    Latest,
    /// The full state of the earliest snapshot, then everything after it.
    Earliest,
    /// `compacted-full`: the full state of the latest COMPACT snapshot (the latest snapshot
    /// when there is none), then its successors.
    CompactedFull,
    /// `from-snapshot`: the changes of this snapshot and every later one.
    FromSnapshot(i64),
    /// `from-snapshot-full`: the full state of this snapshot, then its successors.
    FromSnapshotFull(i64),
    /// `from-timestamp`: changes committed at or after this epoch millisecond.
    FromTimestamp(i64),
}

/// Builds a streaming read of one table.
#[derive(Debug, Clone)]
pub struct StreamScan {
    table: Table,
    start: Option<StartingPosition>,
    interval: Option<Duration>,
    consumer: Option<String>,
    end: Option<i64>,
}

impl StreamScan {
    /// A streaming read configured by the table's options (`scan.mode`, `consumer-id`,
    /// `continuous.discovery-interval`, ...).
    pub fn new(table: Table) -> Self {
        let consumer = table.options().get("consumer-id").map(str::to_string);
        StreamScan {
            table,
            start: None,
            interval: None,
            consumer,
            end: None,
        }
    }

    /// Starts here instead of where `scan.mode` says (a consumer's progress still wins unless
    /// `consumer.ignore-progress`).
    pub fn with_start(mut self, start: StartingPosition) -> Self {
        self.start = Some(start);
        self
    }

    /// Polls for new snapshots this often (default `continuous.discovery-interval`).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Records progress as consumer `id` and resumes from it.
    pub fn with_consumer(mut self, id: Option<String>) -> Self {
        self.consumer = id;
        self
    }

    /// Ends the stream after snapshot `end` (inclusive) instead of following forever.
    pub fn with_end(mut self, end: Option<i64>) -> Self {
        self.end = end;
        self
    }

    /// Resolves the start and returns the stream.
    ///
    /// # Errors
    /// Bad options; a start snapshot that does not exist or expired; consumer file errors.
    pub async fn start(self) -> Result<ChangeStream> {
        let table = self.table;
        let opts = table.options();
        let interval = match self.interval {
            Some(i) => i,
            None => opts.discovery_interval()?,
        };
        let ignore = opts
            .get("consumer.ignore-progress")
            .and_then(strata_spec::options::parse_bool)
            .unwrap_or(false);
        let consumers = ConsumerManager::new(table.io().clone(), table.name());
        let recorded = match (&self.consumer, ignore) {
            (Some(id), false) => consumers.get(id).await?,
            _ => None,
        };
        let start = match recorded {
            Some(c) => {
                start::resolve(&table, &StartingPosition::FromSnapshot(c.next_snapshot)).await?
            }
            None => {
                let pos = match self.start {
                    Some(p) => p,
                    None => start::from_options(&table).await?,
                };
                start::resolve(&table, &pos).await?
            }
        };
        let consumer = match self.consumer {
            Some(id) => {
                let persisted = if start.full.is_none() {
                    consumers.record(&id, start.next).await?;
                    start.next
                } else {
                    i64::MIN
                };
                Some(ConsumerState {
                    manager: consumers,
                    id,
                    persisted,
                    written_at: Instant::now(),
                })
            }
            None => None,
        };
        let reader = UnitReader::new(table)?;
        let progress = Arc::new(AtomicI64::new(start.next));
        let state = State {
            kind: reader.follow_kind(),
            reader,
            full: start.full,
            next: start.next,
            current: None,
            consumer,
            end: self.end,
            interval,
            progress: progress.clone(),
        };
        Ok(ChangeStream {
            inner: futures::stream::unfold(Some(state), step).boxed(),
            progress,
        })
    }
}

/// Reads the changes after snapshot `from` up to and including `to` in one bounded stream
/// (`scan.mode = incremental`, `incremental-between = 'from,to'`): without a changelog producer
/// the APPEND deltas of the range merged per key (Java's `delta` mode), else the changelog
/// files of the range.
///
/// # Errors
/// Snapshots outside the table's range; read errors arrive in the stream.
pub async fn incremental_between(table: &Table, from: i64, to: i64) -> Result<ChangeStream> {
    let reader = UnitReader::new(table.clone())?;
    let kind = reader.follow_kind();
    let sm = table.snapshot_manager();
    let mut entries = Vec::new();
    for id in (from + 1)..=to {
        let s = sm.snapshot(id).await?;
        if let Some(e) = reader.entries_of(&s, kind).await? {
            entries.extend(e);
        }
    }
    let progress = Arc::new(AtomicI64::new(to + 1));
    Ok(ChangeStream {
        inner: reader.read_entries(to, entries, kind)?,
        progress,
    })
}

/// The stream of changes. Dropping it stops the read; progress already recorded stays.
pub struct ChangeStream {
    inner: BoxStream<'static, Result<ChangeBatch>>,
    progress: Arc<AtomicI64>,
}

impl ChangeStream {
    /// The next snapshot this stream will read (what a consumer would record now).
    pub fn next_snapshot(&self) -> i64 {
        self.progress.load(Ordering::Relaxed)
    }
}

impl Stream for ChangeStream {
    type Item = Result<ChangeBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl std::fmt::Debug for ChangeStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeStream")
            .field("next_snapshot", &self.next_snapshot())
            .finish()
    }
}

/// The error for a snapshot a reader needs that expired.
pub(crate) fn expired_error(table: &Table, id: i64, earliest: Option<i64>) -> Error {
    Error::NotFound {
        table: table.name(),
        what: format!("snapshot {id}"),
        hint: format!(
            "; it has expired{} and the streaming reader fell behind snapshot expiration; possible remedies: read with a consumer-id (expiry keeps a consumer's snapshots), raise snapshot.num-retained.min / snapshot.time-retained, or restart from a later snapshot",
            earliest.map(|e| format!(" (the earliest snapshot is {e})")).unwrap_or_default()
        ),
    }
}

/// A missing file while reading snapshot `id` means it expired under us (when it did).
async fn explain(table: Table, id: i64, e: Error) -> Error {
    if !matches!(e, Error::MissingFile { .. }) {
        return e;
    }
    let sm = table.snapshot_manager();
    match sm.exists(id).await {
        Ok(false) => {
            let earliest = sm.earliest_id().await.ok().flatten();
            expired_error(&table, id, earliest)
        }
        _ => e,
    }
}

struct ConsumerState {
    manager: ConsumerManager,
    id: String,
    persisted: i64,
    written_at: Instant,
}

struct State {
    reader: UnitReader,
    kind: UnitKind,
    full: Option<Snapshot>,
    next: i64,
    /// The snapshot being emitted and the rest of its batches.
    current: Option<(i64, BoxStream<'static, Result<ChangeBatch>>)>,
    consumer: Option<ConsumerState>,
    end: Option<i64>,
    interval: Duration,
    progress: Arc<AtomicI64>,
}

/// Consumer files are rewritten at least this often while idle, so that
/// `consumer.expiration-time` only removes readers that stopped.
const CONSUMER_REFRESH: Duration = Duration::from_secs(60);

async fn step(state: Option<State>) -> Option<(Result<ChangeBatch>, Option<State>)> {
    let mut st = state?;
    loop {
        if let Some((sid, s)) = st.current.as_mut() {
            let sid = *sid;
            match s.next().await {
                Some(Ok(b)) => return Some((Ok(b), Some(st))),
                Some(Err(e)) => {
                    let e = explain(st.reader.table().clone(), sid, e).await;
                    return Some((Err(e), None));
                }
                None => {
                    st.current = None;
                    st.next = sid + 1;
                    st.progress.store(st.next, Ordering::Relaxed);
                }
            }
        }
        // The caller polled again: everything handed out so far was processed.
        if let Err(e) = st.record_progress(false).await {
            return Some((Err(e), None));
        }
        if st.end.is_some_and(|end| st.next > end) {
            return None;
        }
        if let Some(full) = st.full.take() {
            match st.reader.full(&full).await {
                Ok(s) => st.current = Some((full.id, s)),
                Err(e) => {
                    let e = explain(st.reader.table().clone(), full.id, e).await;
                    return Some((Err(e), None));
                }
            }
            // `next` stays: the full state stands for snapshot `full.id`.
            st.next = full.id;
            continue;
        }
        match st.follow().await {
            Ok(true) => continue,
            Ok(false) => {
                if let Err(e) = st.record_progress(true).await {
                    return Some((Err(e), None));
                }
                tokio::time::sleep(st.interval).await;
            }
            Err(e) => return Some((Err(e), None)),
        }
    }
}

impl State {
    /// Looks at snapshot `next`: sets up its batches or skips it (`true`), or reports that it
    /// does not exist yet (`false`).
    async fn follow(&mut self) -> Result<bool> {
        let table = self.reader.table().clone();
        let sm = table.snapshot_manager();
        let snapshot = match sm.try_snapshot(self.next).await? {
            Some(s) => s,
            None => {
                let latest = sm.latest_id().await?;
                if latest.is_none_or(|l| l < self.next) {
                    if self.end.is_some() {
                        return Err(Error::NotFound {
                            table: table.name(),
                            what: format!("snapshot {}", self.next),
                            hint: "; the bounded read ends after it".into(),
                        });
                    }
                    return Ok(false);
                }
                // Older than the earliest snapshot: a long-lived changelog, or we fell behind.
                match LongLivedChangelogs::new(table.io().clone())
                    .get(self.next)
                    .await?
                {
                    Some(c) => c,
                    None => {
                        // It may have been committed between the two reads.
                        match sm.try_snapshot(self.next).await? {
                            Some(s) => s,
                            None => {
                                let earliest = sm.earliest_id().await?;
                                return Err(expired_error(&table, self.next, earliest));
                            }
                        }
                    }
                }
            }
        };
        match self.reader.entries_of(&snapshot, self.kind).await {
            Ok(Some(entries)) => {
                let s = self.reader.read_entries(snapshot.id, entries, self.kind)?;
                self.current = Some((snapshot.id, s));
            }
            Ok(None) => {
                self.next = snapshot.id + 1;
                self.progress.store(self.next, Ordering::Relaxed);
            }
            Err(e) => return Err(explain(table, snapshot.id, e).await),
        }
        Ok(true)
    }

    async fn record_progress(&mut self, idle: bool) -> Result<()> {
        let next = self.next;
        let Some(c) = self.consumer.as_mut() else {
            return Ok(());
        };
        // A pending full scan stands for snapshot `next`, which is not done yet.
        if self.full.is_some() {
            return Ok(());
        }
        let stale = idle && c.written_at.elapsed() >= CONSUMER_REFRESH;
        if next > c.persisted || stale {
            c.manager.record(&c.id, next).await?;
            c.persisted = next;
            c.written_at = Instant::now();
        }
        Ok(())
    }
}
