//! A fault-injecting `ObjectStore` wrapper for tests.
//!
//! It fails a seeded random fraction of reads, writes, lists and deletes, can fail a chosen
//! upcoming operation, and can make a write *ambiguous*: the write happens but the caller is
//! told it failed (the case that must never lead to deleting a published snapshot's files).
//! Wrap any store with [`crate::FileIO::wrapped`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
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
    /// Ambiguous writes (written, reported failed).
    pub ambiguous: AtomicU64,
}

#[derive(Debug, Clone)]
struct Planned {
    op: Op,
    path_contains: Option<String>,
    ambiguous: bool,
}

enum Decision {
    Pass,
    Fail,
    Ambiguous,
}

/// The fault-injecting store.
pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    rng: Mutex<StdRng>,
    config: Mutex<FaultConfig>,
    enabled: AtomicBool,
    planned: Mutex<VecDeque<Planned>>,
    /// What happened so far.
    pub stats: FaultStats,
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
        FaultyStore {
            inner,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            config: Mutex::new(config),
            enabled: AtomicBool::new(true),
            planned: Mutex::new(VecDeque::new()),
            stats: FaultStats::default(),
        }
    }

    /// Turns random faults on or off (planned faults still fire).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::SeqCst);
    }

    /// Replaces the probabilities.
    pub fn set_config(&self, config: FaultConfig) {
        if let Ok(mut c) = self.config.lock() {
            *c = config;
        }
    }

    /// Fails the next operation of kind `op`; `ambiguous` makes a write happen anyway.
    pub fn fail_next(&self, op: Op, ambiguous: bool) {
        self.plan(op, None, ambiguous);
    }

    /// Fails the next operation of kind `op` on a path containing `path_contains`.
    pub fn fail_next_on(&self, op: Op, path_contains: &str, ambiguous: bool) {
        self.plan(op, Some(path_contains.to_string()), ambiguous);
    }

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
        Decision::Pass
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
        match self.decide(Op::Write, location.as_ref()) {
            Decision::Fail => Err(injected("write", location)),
            Decision::Ambiguous => {
                self.inner.put_opts(location, payload, opts).await?;
                Err(injected("write (ambiguous)", location))
            }
            Decision::Pass => self.inner.put_opts(location, payload, opts).await,
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        match self.decide(Op::Write, location.as_ref()) {
            Decision::Pass | Decision::Ambiguous => {
                self.inner.put_multipart_opts(location, opts).await
            }
            Decision::Fail => Err(injected("write", location)),
        }
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        match self.decide(Op::Read, location.as_ref()) {
            Decision::Pass | Decision::Ambiguous => self.inner.get_opts(location, options).await,
            Decision::Fail => Err(injected("read", location)),
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        // Decide per call; a failing decision fails every location of the stream.
        match self.decide(Op::Delete, "") {
            Decision::Pass | Decision::Ambiguous => self.inner.delete_stream(locations),
            Decision::Fail => locations
                .map(|r| r.and_then(|p| Err(injected("delete", &p))))
                .boxed(),
        }
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let p = prefix.map(|p| p.to_string()).unwrap_or_default();
        match self.decide(Op::List, &p) {
            Decision::Pass | Decision::Ambiguous => self.inner.list(prefix),
            Decision::Fail => {
                let p = prefix.cloned().unwrap_or_default();
                futures::stream::once(async move { Err(injected("list", &p)) }).boxed()
            }
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let p = prefix.map(|p| p.to_string()).unwrap_or_default();
        match self.decide(Op::List, &p) {
            Decision::Pass | Decision::Ambiguous => self.inner.list_with_delimiter(prefix).await,
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
            Decision::Pass => self.inner.copy_opts(from, to, options).await,
            Decision::Ambiguous => {
                self.inner.copy_opts(from, to, options).await?;
                Err(injected("copy (ambiguous)", to))
            }
            Decision::Fail => Err(injected("copy", to)),
        }
    }
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
}
