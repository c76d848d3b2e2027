//! A fault-injecting `ObjectStore` wrapper for tests.
//!
//! It fails a seeded random fraction of reads, writes, lists and deletes, can fail a chosen
//! upcoming operation, and can make a write *ambiguous*: the write happens but the caller is
//! told it failed (the case that must never lead to deleting a published snapshot's files).
//! A *lost acknowledgement* is the nastier ambiguity of a retried request: an exclusive create
//! happens, its answer is lost, and the client's retry is told "already exists".
//! Wrap any store with [`crate::FileIO::wrapped`].
//!
//! It also imitates stores without atomic conditional puts ([`ConditionalPut`]) and counts
//! what a test wants to see balanced at the end: open read streams, multipart uploads that were
//! neither completed nor aborted, ranged reads ([`FaultStats`]).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, UploadPart,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Kinds of operations faults can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// get / head
    Read,
    /// put (all modes)
    Write,
    /// list
    List,
    /// delete
    Delete,
}

/// Fault probabilities (0.0..=1.0) per operation kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultConfig {
    /// Reads that fail.
    pub read: f64,
    /// Writes that fail before writing.
    pub write: f64,
    /// Writes that succeed but report failure.
    pub ambiguous_write: f64,
    /// Lists that fail.
    pub list: f64,
    /// Deletes that fail.
    pub delete: f64,
    /// Exclusive creates that happen, lose their answer and are retried: the caller is told
    /// "already exists" about its own object.
    pub lost_ack: f64,
}

/// How the store treats conditional puts (`PutMode::Create`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConditionalPut {
    /// As the inner store does (atomic on local disk, memory and moto).
    #[default]
    Honour,
    /// Ignores the condition and overwrites (old MinIO, some gateways).
    Ignore,
    /// Answers "not implemented".
    Reject,
}

impl FaultConfig {
    /// The same probability for every kind (ambiguous writes at a third of it).
    pub fn uniform(p: f64) -> Self {
        FaultConfig {
            read: p,
            write: p,
            ambiguous_write: p / 3.0,
            list: p,
            delete: p,
            lost_ack: p / 3.0,
        }
    }
}

/// Counters of what the wrapper did.
#[derive(Debug, Default)]
pub struct FaultStats {
    /// Operations seen.
    pub ops: AtomicU64,
    /// Faults injected (including ambiguous writes).
    pub injected: AtomicU64,
    /// Ambiguous writes (written, reported failed), lost acknowledgements included.
    pub ambiguous: AtomicU64,
    /// Exclusive creates whose caller was told "already exists" about its own object.
    pub lost_acks: AtomicU64,
    /// Reads of a byte range (`GetOptions::range` set).
    pub ranged_reads: AtomicU64,
    /// Multipart uploads started.
    pub multipart_uploads: AtomicU64,
    /// Read streams handed out and not yet dropped.
    pub open_reads: AtomicI64,
    /// Multipart uploads started and neither completed nor aborted.
    pub open_uploads: AtomicI64,
}

impl FaultStats {
    /// Open read streams plus unfinished multipart uploads: zero when nothing leaked.
    pub fn open_handles(&self) -> i64 {
        self.open_reads.load(Ordering::SeqCst) + self.open_uploads.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone)]
struct Planned {
    op: Op,
    path_contains: Option<String>,
    ambiguous: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Pass,
    Fail,
    Ambiguous,
    LostAck,
}

/// The fault decisions, shared with the multipart uploads a store hands out.
struct Faults {
    rng: Mutex<StdRng>,
    config: Mutex<FaultConfig>,
    conditional: Mutex<ConditionalPut>,
    enabled: AtomicBool,
    planned: Mutex<VecDeque<Planned>>,
    stats: Arc<FaultStats>,
}

/// The fault-injecting store.
pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    faults: Arc<Faults>,
    /// What happened so far.
    pub stats: Arc<FaultStats>,
}

impl fmt::Debug for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({:?})", self.inner)
    }
}

impl fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

fn injected(op: &str, path: &Path) -> object_store::Error {
    object_store::Error::Generic {
        store: "faulty",
        source: format!("injected {op} fault on {path}").into(),
    }
}

impl FaultyStore {
    /// Wraps a store with a seeded fault generator.
    pub fn new(inner: Arc<dyn ObjectStore>, seed: u64, config: FaultConfig) -> Self {
        let stats = Arc::new(FaultStats::default());
        FaultyStore {
            inner,
            faults: Arc::new(Faults {
                rng: Mutex::new(StdRng::seed_from_u64(seed)),
                config: Mutex::new(config),
                conditional: Mutex::new(ConditionalPut::Honour),
                enabled: AtomicBool::new(true),
                planned: Mutex::new(VecDeque::new()),
                stats: stats.clone(),
            }),
            stats,
        }
    }

    /// Turns random faults on or off (planned faults still fire).
    pub fn set_enabled(&self, on: bool) {
        self.faults.enabled.store(on, Ordering::SeqCst);
    }

    /// Replaces the probabilities.
    pub fn set_config(&self, config: FaultConfig) {
        if let Ok(mut c) = self.faults.config.lock() {
            *c = config;
        }
    }

    /// Makes the store honour, ignore or reject conditional puts.
    pub fn set_conditional_put(&self, mode: ConditionalPut) {
        if let Ok(mut c) = self.faults.conditional.lock() {
            *c = mode;
        }
    }

    /// Fails the next operation of kind `op`; `ambiguous` makes a write happen anyway.
    pub fn fail_next(&self, op: Op, ambiguous: bool) {
        self.faults.plan(op, None, ambiguous);
    }

    /// Fails the next operation of kind `op` on a path containing `path_contains`.
    pub fn fail_next_on(&self, op: Op, path_contains: &str, ambiguous: bool) {
        self.faults
            .plan(op, Some(path_contains.to_string()), ambiguous);
    }

    fn decide(&self, op: Op, path: &str) -> Decision {
        self.faults.decide(op, path)
    }
}

impl Faults {
    fn plan(&self, op: Op, path_contains: Option<String>, ambiguous: bool) {
        if let Ok(mut p) = self.planned.lock() {
            p.push_back(Planned {
                op,
                path_contains,
                ambiguous,
            });
        }
    }

    fn decide(&self, op: Op, path: &str) -> Decision {
        self.stats.ops.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut planned) = self.planned.lock() {
            let hit = planned.iter().position(|p| {
                p.op == op && p.path_contains.as_deref().is_none_or(|c| path.contains(c))
            });
            if let Some(pos) = hit {
                let ambiguous = planned.remove(pos).is_some_and(|p| p.ambiguous);
                self.stats.injected.fetch_add(1, Ordering::Relaxed);
                if ambiguous && op == Op::Write {
                    self.stats.ambiguous.fetch_add(1, Ordering::Relaxed);
                    return Decision::Ambiguous;
                }
                return Decision::Fail;
            }
        }
        if !self.enabled.load(Ordering::SeqCst) {
            return Decision::Pass;
        }
        let cfg = self.config.lock().map(|c| *c).unwrap_or_default();
        let Ok(mut rng) = self.rng.lock() else {
            return Decision::Pass;
        };
        let x: f64 = rng.random();
        let p = match op {
            Op::Read => cfg.read,
            Op::Write => cfg.write,
            Op::List => cfg.list,
            Op::Delete => cfg.delete,
        };
        if x < p {
            self.stats.injected.fetch_add(1, Ordering::Relaxed);
            return Decision::Fail;
        }
        if op == Op::Write && x < p + cfg.ambiguous_write {
            self.stats.injected.fetch_add(1, Ordering::Relaxed);
            self.stats.ambiguous.fetch_add(1, Ordering::Relaxed);
            return Decision::Ambiguous;
        }
        if op == Op::Write && x < p + cfg.ambiguous_write + cfg.lost_ack {
            return Decision::LostAck;
        }
        Decision::Pass
    }
}

/// A read stream that keeps [`FaultStats::open_reads`] up while it lives.
struct CountedStream {
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    stats: Arc<FaultStats>,
}

impl Stream for CountedStream {
    type Item = object_store::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.stats.open_reads.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A multipart upload with faults on its parts and completion, counted while unfinished.
struct CountedUpload {
    inner: Box<dyn MultipartUpload>,
    location: Path,
    faults: Arc<Faults>,
    finished: bool,
}

impl fmt::Debug for CountedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountedUpload({})", self.location)
    }
}

impl CountedUpload {
    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.faults
                .stats
                .open_uploads
                .fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[async_trait]
impl MultipartUpload for CountedUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        match self.faults.decide(Op::Write, self.location.as_ref()) {
            Decision::Fail | Decision::Ambiguous => {
                let err = injected("upload part", &self.location);
                Box::pin(async move { Err(err) })
            }
            Decision::Pass | Decision::LostAck => self.inner.put_part(data),
        }
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        match self.faults.decide(Op::Write, self.location.as_ref()) {
            Decision::Fail => Err(injected("complete upload", &self.location)),
            Decision::Ambiguous => {
                self.inner.complete().await?;
                self.finish();
                Err(injected("complete upload (ambiguous)", &self.location))
            }
            Decision::Pass | Decision::LostAck => {
                let r = self.inner.complete().await?;
                self.finish();
                Ok(r)
            }
        }
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.inner.abort().await?;
        self.finish();
        Ok(())
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let mut opts = opts;
        if opts.mode == PutMode::Create {
            match self
                .faults
                .conditional
                .lock()
                .map(|c| *c)
                .unwrap_or_default()
            {
                ConditionalPut::Honour => {}
                ConditionalPut::Ignore => opts.mode = PutMode::Overwrite,
                ConditionalPut::Reject => {
                    return Err(object_store::Error::NotImplemented {
                        operation: "conditional put".into(),
                        implementer: "FaultyStore".into(),
                    })
                }
            }
        }
        let create = opts.mode == PutMode::Create;
        match self.decide(Op::Write, location.as_ref()) {
            Decision::Fail => Err(injected("write", location)),
            Decision::Ambiguous => {
                self.inner.put_opts(location, payload, opts).await?;
                Err(injected("write (ambiguous)", location))
            }
            Decision::LostAck if create => {
                self.inner.put_opts(location, payload, opts).await?;
                self.stats.injected.fetch_add(1, Ordering::Relaxed);
                self.stats.ambiguous.fetch_add(1, Ordering::Relaxed);
                self.stats.lost_acks.fetch_add(1, Ordering::Relaxed);
                Err(object_store::Error::AlreadyExists {
                    path: location.to_string(),
                    source: "injected lost acknowledgement: the retried request found the object"
                        .into(),
                })
            }
            Decision::Pass | Decision::LostAck => {
                self.inner.put_opts(location, payload, opts).await
            }
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        match self.decide(Op::Write, location.as_ref()) {
            Decision::Pass | Decision::Ambiguous | Decision::LostAck => {
                let inner = self.inner.put_multipart_opts(location, opts).await?;
                self.stats.multipart_uploads.fetch_add(1, Ordering::Relaxed);
                self.stats.open_uploads.fetch_add(1, Ordering::SeqCst);
                Ok(Box::new(CountedUpload {
                    inner,
                    location: location.clone(),
                    faults: self.faults.clone(),
                    finished: false,
                }))
            }
            Decision::Fail => Err(injected("write", location)),
        }
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        if self.decide(Op::Read, location.as_ref()) == Decision::Fail {
            return Err(injected("read", location));
        }
        if options.range.is_some() {
            self.stats.ranged_reads.fetch_add(1, Ordering::Relaxed);
        }
        let head = options.head;
        let r = self.inner.get_opts(location, options).await?;
        if head {
            return Ok(r);
        }
        let GetResult {
            payload,
            meta,
            range,
            attributes,
        } = r;
        let inner = match payload {
            GetResultPayload::File(file, path) => {
                // Read the range at once (test data is small), so the handle closes here.
                let want = range.clone();
                futures::stream::once(async move {
                    tokio::task::spawn_blocking(move || read_file_range(file, &path, want))
                        .await
                        .map_err(|e| object_store::Error::Generic {
                            store: "faulty",
                            source: Box::new(e),
                        })?
                })
                .boxed()
            }
            GetResultPayload::Stream(s) => s,
        };
        self.stats.open_reads.fetch_add(1, Ordering::SeqCst);
        Ok(GetResult {
            payload: GetResultPayload::Stream(
                CountedStream {
                    inner,
                    stats: self.stats.clone(),
                }
                .boxed(),
            ),
            meta,
            range,
            attributes,
        })
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        // Decide per call; a failing decision fails every location of the stream.
        match self.decide(Op::Delete, "") {
            Decision::Pass | Decision::Ambiguous | Decision::LostAck => {
                self.inner.delete_stream(locations)
            }
            Decision::Fail => locations
                .map(|r| r.and_then(|p| Err(injected("delete", &p))))
                .boxed(),
        }
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let p = prefix.map(|p| p.to_string()).unwrap_or_default();
        match self.decide(Op::List, &p) {
            Decision::Pass | Decision::Ambiguous | Decision::LostAck => self.inner.list(prefix),
            Decision::Fail => {
                let p = prefix.cloned().unwrap_or_default();
                futures::stream::once(async move { Err(injected("list", &p)) }).boxed()
            }
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let p = prefix.map(|p| p.to_string()).unwrap_or_default();
        match self.decide(Op::List, &p) {
            Decision::Pass | Decision::Ambiguous | Decision::LostAck => {
                self.inner.list_with_delimiter(prefix).await
            }
            Decision::Fail => Err(injected("list", &prefix.cloned().unwrap_or_default())),
        }
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        match self.decide(Op::Write, to.as_ref()) {
            Decision::Pass | Decision::LostAck => self.inner.copy_opts(from, to, options).await,
            Decision::Ambiguous => {
                self.inner.copy_opts(from, to, options).await?;
                Err(injected("copy (ambiguous)", to))
            }
            Decision::Fail => Err(injected("copy", to)),
        }
    }
}

fn read_file_range(
    mut file: std::fs::File,
    path: &std::path::Path,
    range: std::ops::Range<u64>,
) -> object_store::Result<Bytes> {
    use std::io::{Read, Seek, SeekFrom};
    let err = |e: std::io::Error| object_store::Error::Generic {
        store: "faulty",
        source: format!("reading {}: {e}", path.display()).into(),
    };
    file.seek(SeekFrom::Start(range.start)).map_err(err)?;
    let mut buf = vec![0u8; (range.end - range.start) as usize];
    file.read_exact(&mut buf).map_err(err)?;
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileIO;

    #[tokio::test]
    async fn planned_and_ambiguous_faults() {
        let base = FileIO::memory();
        let faulty = Arc::new(FaultyStore::new(base.store(), 7, FaultConfig::default()));
        let f2 = faulty.clone();
        let io = base.wrapped(move |_| f2);
        faulty.fail_next(Op::Write, true);
        assert!(io.write("a", "x").await.is_err());
        assert!(io.exists("a").await.unwrap(), "ambiguous write happened");
        faulty.fail_next(Op::Read, false);
        assert!(io.read("a").await.is_err());
        assert_eq!(io.read("a").await.unwrap().as_ref(), b"x");
        faulty.fail_next(Op::Delete, false);
        assert!(io.delete("a").await.is_err());
        assert!(io.exists("a").await.unwrap());
    }

    #[tokio::test]
    async fn random_faults_are_seeded() {
        let run = |seed| async move {
            let base = FileIO::memory();
            let faulty = Arc::new(FaultyStore::new(
                base.store(),
                seed,
                FaultConfig::uniform(0.3),
            ));
            let io = base.wrapped(move |_| faulty);
            let mut outcomes = Vec::new();
            for i in 0..50 {
                outcomes.push(io.write(&format!("k{i}"), "v").await.is_ok());
            }
            outcomes
        };
        assert_eq!(run(42).await, run(42).await);
        assert!(run(42).await.iter().any(|ok| !ok));
    }

    #[tokio::test]
    async fn lost_acknowledgement_reports_already_exists_for_our_own_object() {
        let base = FileIO::memory();
        let faulty = Arc::new(FaultyStore::new(
            base.store(),
            1,
            FaultConfig {
                lost_ack: 1.0,
                ..Default::default()
            },
        ));
        let f2 = faulty.clone();
        let io = base.wrapped(move |_| f2);
        assert!(!io.create_if_absent("s", "mine").await.unwrap());
        assert_eq!(io.read("s").await.unwrap().as_ref(), b"mine");
        assert_eq!(faulty.stats.lost_acks.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn handles_and_uploads_are_counted() {
        use object_store::ObjectStoreExt;
        let dir = tempfile::tempdir().unwrap();
        let base = FileIO::open(dir.path().to_str().unwrap(), &Default::default()).unwrap();
        let faulty = Arc::new(FaultyStore::new(base.store(), 1, FaultConfig::default()));
        let f2 = faulty.clone();
        let io = base.wrapped(move |_| f2);
        io.write("a", "hello").await.unwrap();
        assert_eq!(io.read_range("a", 1..3).await.unwrap().as_ref(), b"el");
        assert_eq!(faulty.stats.ranged_reads.load(Ordering::SeqCst), 1);
        let r = io.store().get(&io.object_path("a")).await.unwrap();
        assert_eq!(faulty.stats.open_handles(), 1, "a read stream is open");
        drop(r);
        assert_eq!(faulty.stats.open_handles(), 0);
        let mut up = io
            .store()
            .put_multipart(&io.object_path("big"))
            .await
            .unwrap();
        up.put_part(PutPayload::from_static(b"part")).await.unwrap();
        assert_eq!(faulty.stats.open_handles(), 1, "an upload is open");
        up.complete().await.unwrap();
        assert_eq!(faulty.stats.open_handles(), 0);
        assert_eq!(io.read("big").await.unwrap().as_ref(), b"part");
        let mut up = io
            .store()
            .put_multipart(&io.object_path("gone"))
            .await
            .unwrap();
        up.abort().await.unwrap();
        assert_eq!(faulty.stats.open_handles(), 0);
    }

    #[tokio::test]
    async fn stores_without_atomic_conditional_puts_are_refused() {
        for (mode, word) in [
            (ConditionalPut::Ignore, "ignores"),
            (ConditionalPut::Reject, "rejects"),
        ] {
            let faulty = Arc::new(FaultyStore::new(
                FileIO::memory().store(),
                1,
                FaultConfig::default(),
            ));
            faulty.set_conditional_put(mode);
            let io = FileIO::with_store(faulty.clone());
            let err = io.check_atomic_publish().await.unwrap_err().to_string();
            assert!(
                err.contains(word) && err.contains("s3.single-writer=true"),
                "{err}"
            );
            assert!(io.list("").await.unwrap().is_empty(), "the probe cleans up");
            // The single-writer promise publishes anyway, checking for the object first.
            let single = io.with_single_writer(true);
            single.check_atomic_publish().await.unwrap();
            assert!(single.create_if_absent("snapshot-1", "a").await.unwrap());
            assert!(!single.create_if_absent("snapshot-1", "b").await.unwrap());
            assert_eq!(single.read("snapshot-1").await.unwrap().as_ref(), b"a");
        }
        let honest = FileIO::with_store(Arc::new(FaultyStore::new(
            FileIO::memory().store(),
            1,
            FaultConfig::default(),
        )));
        honest.check_atomic_publish().await.unwrap();
        honest.check_atomic_publish().await.unwrap();
    }
}
